//! Data-parallel training of every minibatch pipeline besides SwAV (`distributed.rs`): `clasp
//! train P --peers 2` (two processes, each its rows of every batch, one all-reduce of the
//! gradients a step) against `clasp train P` alone on the same global batches, a few steps on
//! tiny data, on the CPU backend (loopback only, every process under a timeout: `support/`).
//!
//! Tolerances (measured, then given a margin), after the steps of each run: epoch losses
//! relative ≤ 1e-5 and every saved parameter within 1e-5, except the parameters without a
//! gradient in exact arithmetic (attention key biases, a bias before a batch norm), which Adam
//! moves by ±lr a step whatever the summation order, DEPICT after its pretraining (see
//! [`depict`]) and MGCA's parameters (see [`mgca`]).

mod support;

use burn::config::Config;
use burn::module::Module;
use clasp_models::discovery::GpcConfig;
use clasp_models::fewshot::backbone::BackboneConfig;
use clasp_models::medical::maxquery::MaxQueryConfig;
use clasp_models::medical::maxquery::model::MaxQueryNet;
use clasp_models::multimodal::data::{PairSource, breast_cancer_pairs};
use clasp_models::multimodal::mgca::{MgcaConfig, MgcaModel};
use clasp_models::nn::{ConvAutoencoderConfig, ConvEncoderConfig};
use clasp_models::pipelines::Profile;
use clasp_models::pipelines::depict::DepictConfig;
use clasp_models::pipelines::mlcd::MlcdConfig;
use clasp_models::pipelines::sigma::{VideoMaeConfig, VideoTarget};
use clasp_models::train::checkpoint::load_model;
use std::path::{Path, PathBuf};
use support::{epoch_losses, max_abs_diff, read_json, run_one_by_one, strings, temp_dir, tensors};

type B = burn::backend::Flex;

/// Loss (relative) and parameter tolerances of the pipelines without a batch norm.
const LOSS_REL: f64 = 1e-5;
const PARAM_ABS: f32 = 1e-5;

/// Runs `clasp ARGS` alone and with `--peers 2`, one after the other (2 cores), into
/// `dir/single` and `dir/peers2`.
fn single_and_two_peers(dir: &Path, args: &[&str]) -> (PathBuf, PathBuf) {
    let (single, peers) = (dir.join("single"), dir.join("peers2"));
    let run = |out: &Path, extra: &[&str]| {
        let mut a = strings(args);
        a.extend(strings(&["--quiet", "--out", &out.to_string_lossy()]));
        a.extend(strings(extra));
        a
    };
    run_one_by_one(dir, &[run(&single, &[]), run(&peers, &["--peers", "2", "--peer-timeout", "20"])]);
    (single, peers)
}

/// The report entry of a run.
fn entry(dir: &Path) -> serde_json::Value {
    read_json(&dir.join("report.json"))["pipelines"][0].clone()
}

/// `got` within `rel` of `want` (relative), every epoch.
fn assert_losses_close(what: &str, got: &[f64], want: &[f64], rel: f64) {
    assert_eq!(got.len(), want.len(), "{what}");
    assert!(!want.is_empty(), "{what}: no losses");
    let worst = got.iter().zip(want).fold(0.0f64, |w, (g, t)| w.max(((g - t) / t).abs()));
    eprintln!("{what}: losses relative max |Δ| {worst:e}");
    assert!(worst <= rel, "{what}: losses {got:?} vs {want:?}");
}

/// Every tensor of `got` within `abs` of `want`'s, except those named in `loose` (within
/// `loose_bound`); prints the largest differences.
fn assert_params_close<M: Module<B>>(what: &str, got: &M, want: &M, abs: f32, loose: &[&str], loose_bound: f32) {
    let (got, want) = (tensors(got), tensors(want));
    assert_eq!(got.len(), want.len(), "{what}");
    let (mut exact, mut other) = ((0.0f32, String::new()), 0.0f32);
    for ((name, g), (name_w, w)) in got.iter().zip(&want) {
        assert_eq!(name, name_w);
        let d = max_abs_diff(g, w);
        if loose.contains(&name.as_str()) {
            other = other.max(d);
        } else if d >= exact.0 {
            exact = (d, name.clone());
        }
    }
    eprintln!("{what}: parameters max |Δ| {:e} ({}; {loose:?}: {other:e})", exact.0, exact.1);
    assert!(exact.0 <= abs, "{what}: {} differs by {}", exact.1, exact.0);
    assert!(other <= loose_bound, "{what}: {loose:?} differ by {other}");
}

fn save_config<C: Config>(dir: &Path, cfg: &C) -> String {
    let path = dir.join("tiny.json");
    cfg.save(&path).unwrap();
    path.to_string_lossy().into_owned()
}

/// DEPICT (dropout masks of the whole batch, the embedding's batch norm synchronised). The bias
/// of the dense layer before the embedding's batch norm has no gradient in exact arithmetic:
/// Adam turns its rounding-level gradients into ±lr steps (bounded by 2·lr a step), and the
/// norm's running mean follows it. In training mode the norm removes it; in eval mode (the
/// E-step's probabilities, the k-means head initialisation) the running mean does not quite,
/// so from the warm-up on the two runs differ at that level. Hence: pretraining alone (2 epochs
/// of 4 steps) to [`PARAM_ABS`]; the whole schedule (pretraining, warm-up, one clustering
/// epoch) on its losses, relative ≤ 1e-3 (measured 8.7e-5).
#[test]
fn depict() {
    let dir = temp_dir("dp-depict");
    let ae = ConvAutoencoderConfig::new(8, 8, 10).with_channels1(4).with_channels2(8);
    let args = ["train", "depict", "--data", "digits", "--train-images", "64", "--test-images", "32", "--config"];
    let pretrain = DepictConfig::new(ae.clone()).with_pretrain_epochs(2).with_warmup_epochs(0).with_epochs(0);
    let config = save_config(&dir, &pretrain.clone().with_batch_size(16));
    let (single, peers) = single_and_two_peers(&dir.join("pretrain"), &[&args[..], &[config.as_str()]].concat());
    assert_losses_close("depict pretraining", &epoch_losses(&peers), &epoch_losses(&single), LOSS_REL);
    let dev = Default::default();
    let load = |d: &Path| load_model(pretrain.init::<B>(&dev), d, &dev).unwrap();
    let invariant = ["ae.embed.bias", "ae.embed_norm.running_mean"];
    assert_params_close("depict pretraining", &load(&peers), &load(&single), PARAM_ABS, &invariant, 2.0 * 1e-3 * 8.0);

    let all = DepictConfig::new(ae).with_pretrain_epochs(1).with_warmup_epochs(1).with_epochs(1).with_batch_size(16);
    let config = save_config(&dir, &all);
    let (single, peers) = single_and_two_peers(&dir.join("all"), &[&args[..], &[config.as_str()]].concat());
    assert_losses_close("depict", &epoch_losses(&peers), &epoch_losses(&single), 1e-3);
}

/// MLCD (each peer its rows of the batch's shifted images and masks), 2 epochs of 4 steps.
#[test]
fn mlcd() {
    let dir = temp_dir("dp-mlcd");
    let cfg = MlcdConfig::new()
        .with_encoder(ConvEncoderConfig::new().with_channels1(4).with_channels2(8).with_hidden(16).with_out(8))
        .with_pca_dim(8)
        .with_centres(10)
        .with_positives(2)
        .with_single_label_ablation(false)
        .with_epochs(2)
        .with_batch_size(16);
    let config = save_config(&dir, &cfg);
    let args = ["train", "mlcd", "--data", "digits", "--train-images", "64", "--test-images", "32", "--config"];
    let (single, peers) = single_and_two_peers(&dir, &[&args[..], &[config.as_str()]].concat());
    assert_losses_close("mlcd", &epoch_losses(&peers), &epoch_losses(&single), LOSS_REL);
    let dev = Default::default();
    let load = |d: &Path| load_model(cfg.init::<B>(&dev), d, &dev).unwrap();
    assert_params_close("mlcd", &load(&peers), &load(&single), PARAM_ABS, &[], 0.0);
}

/// SIGMA (its hard targets from the sharded Sinkhorn over both peers' masked tubes) and the
/// pixel target, 2 epochs of 2 steps on 16 moving-digit clips. The attention keys' biases are
/// softmax-invariant ([`SOFTMAX_INVARIANT`]): within 2·lr a step.
#[test]
fn sigma_and_pixel() {
    for (target, name) in [(VideoTarget::Sigma, "sigma"), (VideoTarget::Pixel, "pixel")] {
        let dir = temp_dir(&format!("dp-{name}"));
        let cfg = VideoMaeConfig::new(target)
            .with_width(16)
            .with_depth(1)
            .with_heads(2)
            .with_decoder_width(16)
            .with_mlp_hidden(32)
            .with_projection(8)
            .with_prototypes(8)
            .with_batch_size(8)
            .with_epochs(2);
        let config = save_config(&dir, &cfg);
        let args = ["train", name, "--data", "moving-digits", "--train-images", "16", "--test-images", "16"];
        let (single, peers) = single_and_two_peers(&dir, &[&args[..], &["--config", config.as_str()]].concat());
        assert_losses_close(name, &epoch_losses(&peers), &epoch_losses(&single), LOSS_REL);
        let dev = Default::default();
        // 8 frames of 32 × 32 in tubes of tube_frames × patch_h × patch_w.
        let tokens = (8 / cfg.tube_frames) * (32 / cfg.patch_h) * (32 / cfg.patch_w);
        let load = |d: &Path| load_model(cfg.init::<B>(tokens, &dev), d, &dev).unwrap();
        let keys: Vec<String> = ["encoder", "decoder"].iter().map(|p| format!("{p}.layers.0.mha.key.bias")).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_params_close(name, &load(&peers), &load(&single), PARAM_ABS, &keys, 2.0 * 3e-4 * 4.0);
    }
}

/// The bias of the attention keys (MaxQuery's decoder): it adds q·b to every logit of a
/// query, which its softmax removes, so it has no gradient in exact arithmetic (Adam moves it
/// ±lr a step).
const SOFTMAX_INVARIANT: [&str; 1] = ["decoder.0.k.bias"];

/// MaxQuery (each peer its crops of a step; Dice's class sums all-reduced), both networks
/// (with and without the QD loss), 3 steps of 4 crops; [`SOFTMAX_INVARIANT`] within 2·lr a
/// step.
#[test]
fn maxquery() {
    let dir = temp_dir("dp-maxquery");
    let config = dir.join("tiny.json");
    std::fs::write(
        &config,
        r#"{"epochs": 1, "steps_per_epoch": 3, "batch": 4, "crop": 24, "test_crop": 32, "test_crops": 2,
            "queries": 8, "dim": 16, "channels": 8, "decoder_layers": 1, "tau": 0.1, "lr": 0.002,
            "lambda_dice": 1.0, "lambda_qd": 1.0, "kmeans_pixels": 2000}"#,
    )
    .unwrap();
    let args = ["train", "maxquery", "--data", "ct", "--config", &config.to_string_lossy()];
    let (single, peers) = single_and_two_peers(&dir, &args);
    let cfg: MaxQueryConfig = serde_json::from_value(entry(&single)["settings"].clone()).unwrap();
    let classes = entry(&single)["benchmark"]["classes"].as_array().unwrap().len();
    let dev = Default::default();
    for (part, sub) in [("qd", ""), ("no_qd", "no_qd")] {
        let losses = |d: &Path| -> Vec<f64> {
            let l = &entry(d)["losses"][part]["total"];
            l.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
        };
        assert_losses_close(&format!("maxquery {part}"), &losses(&peers), &losses(&single), LOSS_REL);
        let load =
            |d: &Path| load_model(MaxQueryNet::<B>::new(&cfg, 1, classes, &dev), &d.join(sub).join("checkpoint"), &dev);
        let (got, want) = (load(&peers).unwrap(), load(&single).unwrap());
        assert_params_close(&format!("maxquery {part}"), &got, &want, PARAM_ABS, &SOFTMAX_INVARIANT, 2.0 * 0.002 * 3.0);
    }
}

/// The few-shot backbone (cross-entropy on the base classes), 1 epoch on digits.
#[test]
fn fewshot_backbone() {
    let dir = temp_dir("dp-fewshot");
    let cfg = BackboneConfig::new()
        .with_encoder(ConvEncoderConfig::new().with_channels1(4).with_channels2(8).with_hidden(32))
        .with_epochs(1)
        .with_episodes(20)
        .with_pixel_episodes(10);
    let config = save_config(&dir, &cfg);
    let args = ["train", "fewshot", "--data", "digits", "--config", config.as_str()];
    let (single, peers) = single_and_two_peers(&dir, &args);
    assert_losses_close("fewshot", &epoch_losses(&peers), &epoch_losses(&single), LOSS_REL);
    let dev = Default::default();
    let load = |d: &Path| load_model(cfg.init::<B>(&dev), d, &dev).unwrap();
    assert_params_close("fewshot", &load(&peers), &load(&single), PARAM_ABS, &[], 0.0);
}

/// GPC (each peer its rows of both views; the GCD contrast over the gathered batch; every peer
/// fits the same mixtures on the whole embedding): a warm-up epoch and one round, with the GCD
/// baseline encoder alongside, on 256 digits.
#[test]
fn gpc() {
    let dir = temp_dir("dp-gpc");
    let cfg = GpcConfig::new()
        .with_encoder(ConvEncoderConfig::new().with_channels1(4).with_channels2(8).with_hidden(32).with_out(8))
        .with_warmup_epochs(1)
        .with_rounds(1)
        .with_batch_size(64)
        .with_max_sweeps(3)
        .with_k_init(12);
    let config = save_config(&dir, &cfg);
    let args = ["train", "gpc", "--data", "digits", "--train-images", "256", "--config", config.as_str()];
    let (single, peers) = single_and_two_peers(&dir, &args);
    assert_losses_close("gpc", &epoch_losses(&peers), &epoch_losses(&single), LOSS_REL);
    assert_eq!(entry(&peers)["k_path"], entry(&single)["k_path"]);
    let dev = Default::default();
    let load = |d: &Path| load_model(cfg.encoder.init::<B>(&dev), d, &dev).unwrap();
    assert_params_close("gpc", &load(&peers), &load(&single), PARAM_ABS, &[], 0.0);
}

/// MGCA on breast_cancer's two feature groups (each peer its pairs; the batch norms
/// synchronised, the instance contrast over the gathered batch, the codes sharded), one epoch
/// of batches of 64: the losses to [`LOSS_REL`]; the parameters only to Adam's bound of 2·lr a
/// step. Its five batch norms leave many gradients at rounding level — the biases before them,
/// and the weights of hidden units that are (nearly) always or never active — which Adam turns
/// into ±lr steps whatever the summation order (measured 2.6e-4 on the weights, 8.6e-3 on the
/// biases after 7 steps at lr 1e-3).
#[test]
fn mgca() {
    let dir = temp_dir("dp-mgca");
    let data = PairSource::BreastCancer;
    let mut cfg = MgcaConfig::for_data(Profile::Quick, &data);
    cfg.hidden = 16;
    cfg.embed_dim = 8;
    cfg.prototypes = 6;
    cfg.epochs = 1;
    cfg.batch_size = 64;
    cfg.ablations = false;
    let config = dir.join("tiny.json");
    std::fs::write(&config, serde_json::to_string(&cfg).unwrap()).unwrap();
    let args = ["train", "mgca", "--data", "breast-cancer", "--config", &config.to_string_lossy()];
    let (single, peers) = single_and_two_peers(&dir, &args);
    assert_losses_close("mgca", &epoch_losses(&peers), &epoch_losses(&single), LOSS_REL);
    let split = breast_cancer_pairs(0).unwrap();
    let dev = Default::default();
    let load = |d: &Path| load_model(MgcaModel::<B>::new(&split.train.a, &split.train.b, &cfg, &dev), d, &dev).unwrap();
    let steps = split.train.n() / cfg.batch_size;
    let bound = 2.0 * cfg.learning_rate as f32 * steps as f32;
    assert_params_close("mgca", &load(&peers), &load(&single), bound, &[], 0.0);
}
