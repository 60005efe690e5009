//! MGCA end to end on small inputs: the paired data (MNIST halves are the left/right pixel
//! columns, breast_cancer's two feature groups, the image–report CSV loader and its character
//! tokenizer), each alignment loss on a hand-checked input, recall@k against scikit-learn's
//! `top_k_accuracy_score`, and short runs through `clasp train mgca` (report keys and ranges).
#![cfg(feature = "train")]

use burn::prelude::*;
use clasp_core::MatRef;
use clasp_core::sinkhorn::owned::swav_codes_alloc;
use clasp_core::sinkhorn::{SwavLossParams, SwavParams, swav_loss, swav_loss_scratch};
use clasp_models::cli::train::{TrainArgs, run};
use clasp_models::data::{ImageSet, MnistPart, TEST_FRACTION, load_mnist, train_test_indices};
use clasp_models::distributed::Replica;
use clasp_models::io::load_bundled;
use clasp_models::metrics::recalls_at;
use clasp_models::multimodal::data::{
    CharTokenizer, PAD, PairSource, View, breast_cancer_pairs, image_tokens, load_pairs_csv, mnist_halves, pairs_split,
    split_halves,
};
use clasp_models::multimodal::mgca::{instance_loss, prototype_loss, token_loss};
use clasp_models::train::Device;
use clasp_models::train::device::CpuBackend;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Autodiff: the prototype loss takes a training replica.
type B = CpuBackend;

/// burn's CPU backend keeps one process-wide random stream: the runs of this file take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clasp-mgca-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tokens(view: &View) -> (&[f32], usize, usize) {
    match view {
        View::Tokens { data, tokens, token_dim } => (data, *tokens, *token_dim),
        other => panic!("not a token view: {other:?}"),
    }
}

#[test]
fn halves_are_the_left_and_right_pixel_columns() {
    // Two 3×4 images with pixel value = 100·image + 10·row + column.
    let pixels: Vec<f32> =
        (0..2).flat_map(|i| (0..3).flat_map(move |r| (0..4).map(move |c| (100 * i + 10 * r + c) as f32))).collect();
    let set = ImageSet { name: "t".into(), pixels, n: 2, height: 3, width: 4, labels: None, class_names: vec![] };
    let (left, right) = split_halves(&set).unwrap();
    let (l, t, d) = tokens(&left);
    assert_eq!((t, d, left.rows()), (2, 3, 2));
    // Image 1, token (column) 1 of the left half: rows 0..3 of column 1.
    assert_eq!(&l[6 + 3..6 + 6], &[101.0, 111.0, 121.0]);
    let (r, _, _) = tokens(&right);
    // Image 0, token 0 of the right half is column 2.
    assert_eq!(&r[..3], &[2.0, 12.0, 22.0]);
    let odd = ImageSet { width: 3, pixels: vec![0.0; 9], n: 1, ..set };
    assert!(split_halves(&odd).is_err());

    // The bundled MNIST: 14 tokens of 28 on each side, and they rebuild the original image.
    let split = mnist_halves(Some(20), Some(10), 3).unwrap();
    let images = load_mnist(MnistPart::Train, Some(20), 3).unwrap();
    assert_eq!((split.train.n(), split.test.n()), (20, 10));
    assert_eq!(split.train.labels, images.labels);
    let (a, ta, da) = tokens(&split.train.a);
    let (b, tb, db) = tokens(&split.train.b);
    assert_eq!((ta, da, tb, db), (14, 28, 14, 28));
    let img = images.image(5);
    for r in 0..28 {
        for c in 0..14 {
            assert_eq!(a[5 * 392 + c * 28 + r], img[r * 28 + c]);
            assert_eq!(b[5 * 392 + c * 28 + r], img[r * 28 + 14 + c]);
        }
    }
}

#[test]
fn breast_cancer_views_are_the_mean_se_and_worst_columns() {
    let split = breast_cancer_pairs(7).unwrap();
    assert_eq!((split.train.n(), split.test.n()), (455, 114));
    let raw = load_bundled("breast_cancer").unwrap();
    let labels: Vec<usize> = raw.y.iter().map(|&y| y as usize).collect();
    let (train, test) = train_test_indices(Some(&labels), 569, TEST_FRACTION, 7);
    // Column c of a view is the raw column standardised with the training rows' mean and SD.
    let standardised = |col: usize, row: usize| {
        let v: Vec<f64> = train.iter().map(|&i| raw.x.data[i * 30 + col]).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
        (raw.x.data[row * 30 + col] - mean) / sd
    };
    let (View::Features { data: a, dim: 20 }, View::Features { data: b, dim: 10 }) = (&split.test.a, &split.test.b)
    else {
        panic!("breast_cancer views have the wrong kind or width");
    };
    for (k, &row) in test.iter().enumerate().step_by(13) {
        for c in [0, 9, 10, 19] {
            assert!((f64::from(a[k * 20 + c]) - standardised(c, row)).abs() < 1e-4);
        }
        for c in [0, 9] {
            assert!((f64::from(b[k * 10 + c]) - standardised(20 + c, row)).abs() < 1e-4);
        }
        assert_eq!(split.test.labels.as_ref().unwrap()[k], labels[row]);
    }
}

/// Writes `n` tiny PNG images and a CSV of pairs (with a header, quoted commas and labels).
fn write_pairs(dir: &Path, n: usize) -> PathBuf {
    let mut csv = String::from("image_path,report_text,label\n");
    for i in 0..n {
        let class = i % 2;
        // Class 0: bright left half; class 1: bright right half; the shade varies with i.
        let img = image::GrayImage::from_fn(8, 8, |x, _| {
            let on = if class == 0 { x < 4 } else { x >= 4 };
            image::Luma([if on { 200 + i as u8 } else { 10 }])
        });
        img.save(dir.join(format!("img{i}.png"))).unwrap();
        let text = if class == 0 { format!("\"left opacity, case {i}\"") } else { format!("clear right field {i}") };
        csv.push_str(&format!("img{i}.png,{text},{}\n", if class == 0 { "opacity" } else { "normal" }));
    }
    let path = dir.join("pairs.csv");
    std::fs::write(&path, csv).unwrap();
    path
}

#[test]
fn csv_pairs_load_tokenize_and_name_bad_input() {
    let dir = temp_dir("csv");
    let path = write_pairs(&dir, 6);
    let raw = load_pairs_csv(&path, 8).unwrap();
    assert_eq!(raw.texts.len(), 6);
    assert_eq!(raw.texts[0], "left opacity, case 0");
    assert_eq!(raw.labels, Some(vec![0, 1, 0, 1, 0, 1]));
    assert_eq!(raw.class_names, vec!["opacity", "normal"]);
    // Image 1 (class 1): left columns dark, right bright.
    assert!((raw.images[64] - 10.0 / 255.0).abs() < 1e-6 && (raw.images[64 + 7] - 201.0 / 255.0).abs() < 1e-6);

    // Patches: a 4×4 image of values 0..16 cut into 2×2 patches, row-major.
    let px: Vec<f32> = (0..16).map(|v| v as f32).collect();
    assert_eq!(image_tokens(&px, 4, 2), vec![0., 1., 4., 5., 2., 3., 6., 7., 8., 9., 12., 13., 10., 11., 14., 15.]);

    let (split, tok) = pairs_split(&raw, 4, 12, 0).unwrap();
    assert_eq!(split.train.n() + split.test.n(), 6);
    let (_, t, d) = tokens(&split.train.a);
    assert_eq!((t, d), (4, 16));
    let View::Text { ids, len: 12, vocab } = &split.train.b else { panic!("the report view is not text") };
    assert_eq!(*vocab, tok.vocab());
    assert!(ids.iter().all(|&i| (i as usize) < *vocab));
    let first = tok.decode(&ids[..12]);
    assert!(raw.texts.iter().any(|t| t.to_lowercase().starts_with(&first)), "{first}");
    let t2 = CharTokenizer::fit(["ab"]);
    assert_eq!(t2.encode("ba c", 6), vec![3, 2, 1, 1, PAD, PAD]);

    // A missing image is named; a line with one field is refused.
    std::fs::write(dir.join("bad.csv"), "nope.png,some text\n").unwrap();
    let err = load_pairs_csv(&dir.join("bad.csv"), 8).unwrap_err().to_string();
    assert!(err.contains("nope.png"), "{err}");
    std::fs::write(dir.join("bad.csv"), "img0.png\n").unwrap();
    let err = load_pairs_csv(&dir.join("bad.csv"), 8).unwrap_err().to_string();
    assert!(err.contains("line 1: 1 fields"), "{err}");
    assert!(pairs_split(&raw, 3, 12, 0).unwrap_err().to_string().contains("does not divide"));
    assert!("data.txt".parse::<PairSource>().is_err());
}

fn t2(rows: &[&[f32]]) -> Tensor<B, 2> {
    let d = rows[0].len();
    let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), d]), &Default::default())
}

fn unit(v: &[f32]) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

#[test]
fn instance_and_token_losses_match_reference_values() {
    let _g = serial();
    // Instance: hand-checked in f64 below (and 2.7204272 by numpy).
    let za = [unit(&[1., 0.]), unit(&[0.6, 0.8]), unit(&[0., 1.])];
    let zb = [unit(&[0.8, 0.6]), unit(&[1., 0.]), unit(&[0., 1.])];
    let loss = instance_loss(t2(&[&za[0], &za[1], &za[2]]), t2(&[&zb[0], &zb[1], &zb[2]]), 0.07).into_scalar();
    let s = |i: usize, j: usize| f64::from(za[i][0] * zb[j][0] + za[i][1] * zb[j][1]) / 0.07;
    let lse_row = |i: usize| (0..3).map(|j| s(i, j).exp()).sum::<f64>().ln();
    let lse_col = |j: usize| (0..3).map(|i| s(i, j).exp()).sum::<f64>().ln();
    let hand = (0..3).map(|i| (lse_row(i) - s(i, i)) + (lse_col(i) - s(i, i))).sum::<f64>() / 6.0;
    assert!((f64::from(loss) - hand).abs() < 1e-4 && (hand - 2.7204272278).abs() < 1e-6, "{loss} vs {hand}");

    // Token: two pairs, 3 and 2 tokens in 3-d, the last token of pair 1's view a masked out;
    // the reference 0.36751957587582 is the same formula in numpy (MGCA's `mgca_module.py`).
    let dev = Default::default();
    let ta: Vec<f32> = [[1., 0., 0.], [0., 1., 0.], [0.6, 0.8, 0.], [0., 0., 1.], [1., 1., 0.], [1., 0., 1.]]
        .iter()
        .flat_map(|v| unit(v))
        .collect();
    let tb: Vec<f32> =
        [[0.8, 0.6, 0.], [0., 0.6, 0.8], [1., 0., 0.], [0., 1., 1.]].iter().flat_map(|v| unit(v)).collect();
    let ta = Tensor::<B, 3>::from_data(TensorData::new(ta, [2, 3, 3]), &dev);
    let tb = Tensor::<B, 3>::from_data(TensorData::new(tb, [2, 2, 3]), &dev);
    let ma = t2(&[&[1., 1., 1.], &[1., 1., 0.]]);
    let mb = t2(&[&[1., 1.], &[1., 1.]]);
    let loss = token_loss(ta, ma, tb, mb, 0.1).into_scalar();
    assert!((f64::from(loss) - 0.36751957587582).abs() < 1e-4, "{loss}");
}

#[test]
fn prototype_loss_is_the_core_sinkhorn_and_swav_loss() {
    let _g = serial();
    let sa: [[f32; 3]; 4] = [[0.9, 0.1, -0.3], [0.2, 0.8, 0.1], [-0.5, 0.3, 0.7], [0.4, 0.4, 0.1]];
    let sb: [[f32; 3]; 4] = [[0.7, 0.3, 0.0], [0.1, 0.6, -0.2], [0.0, -0.1, 0.9], [0.5, 0.2, 0.3]];
    let rows = |s: &[[f32; 3]; 4]| -> Vec<f32> { s.iter().flatten().copied().collect() };
    let params = SwavParams::default().eps(0.05).iterations(3);
    let mut replica = Replica::<B>::solo(&Default::default());
    let (loss, codes) = prototype_loss(
        &mut replica,
        t2(&sa.iter().map(|r| r.as_slice()).collect::<Vec<_>>()),
        t2(&sb.iter().map(|r| r.as_slice()).collect::<Vec<_>>()),
        &params,
        0.2,
    )
    .unwrap();
    // The same codes and loss from clasp-core directly: views stacked, both with codes.
    let (qa, _) = swav_codes_alloc(MatRef::new(&rows(&sa), 4, 3, "a").unwrap(), &params).unwrap();
    let (qb, _) = swav_codes_alloc(MatRef::new(&rows(&sb), 4, 3, "b").unwrap(), &params).unwrap();
    let got_qa = codes[0].clone().into_data().to_vec::<f32>().unwrap();
    assert!(got_qa.iter().zip(&qa).all(|(x, y)| (x - y).abs() < 1e-5), "{got_qa:?} vs {qa:?}");
    let stacked: Vec<f32> = rows(&sa).into_iter().chain(rows(&sb)).collect();
    let all_codes: Vec<f32> = qa.iter().chain(&qb).copied().collect();
    let lp = SwavLossParams::default().temperature(0.2).views(2).assigned(2);
    let mut scratch = vec![0.0; swav_loss_scratch(3)];
    let core = swav_loss(MatRef::new(&stacked, 8, 3, "s").unwrap(), &all_codes, &lp, None, &mut scratch).unwrap();
    let loss = f64::from(loss.into_scalar());
    assert!((loss - core.loss).abs() < 1e-5, "burn {loss} vs core {}", core.loss);
    // By hand: with one pair, the balanced codes are uniform (each prototype column holds the
    // batch's only row), so L = ½[CE(u, softmax(s_b/τ)) + CE(u, softmax(s_a/τ))]; for
    // s_a = (1, 0), s_b = (0, 1), τ = 0.2 each term is ln(e⁵ + 1) − 5/2.
    let (one, codes) = prototype_loss(&mut replica, t2(&[&[1.0, 0.0]]), t2(&[&[0.0, 1.0]]), &params, 0.2).unwrap();
    let q = codes[0].clone().into_data().to_vec::<f32>().unwrap();
    assert!(q.iter().all(|&v| (v - 0.5).abs() < 1e-6), "{q:?}");
    let hand = (5f64.exp() + 1.0).ln() - 2.5;
    assert!((f64::from(one.into_scalar()) - hand).abs() < 1e-5, "vs {hand}");
}

#[test]
fn recall_at_k_matches_scikit_learn() {
    // scores[i][j] = ((5i + 3j + ij) mod 6) / 5 with many ties; scikit-learn 1.x
    // top_k_accuracy_score(arange(8), scores, k) for k = 1..8:
    let n = 8;
    let s: Vec<f64> = (0..n).flat_map(|i| (0..n).map(move |j| ((i * 5 + j * 3 + i * j) % 6) as f64 / 5.0)).collect();
    let ks: Vec<usize> = (1..=8).collect();
    let sklearn = [0.125, 0.125, 0.125, 0.25, 0.5, 0.75, 0.75, 1.0];
    assert_eq!(recalls_at(&s, n, &ks).unwrap(), sklearn.to_vec());
}

fn train_args(data: &str, out: &Path, epochs: usize) -> TrainArgs {
    TrainArgs {
        pipeline: "mgca".into(),
        data: Some(data.into()),
        profile: "quick".parse().unwrap(),
        epochs: Some(epochs),
        train_images: None,
        test_images: None,
        seed: 1,
        device: Device::Cpu,
        config: None,
        resume: None,
        out: Some(out.to_path_buf()),
        quiet: true,
        dist: Default::default(),
    }
}

fn report_entry(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("report.json")).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    report["pipelines"][0].clone()
}

fn fraction(v: &Value, what: &str) -> f64 {
    let x = v.as_f64().unwrap_or_else(|| panic!("{what} is not a number: {v}"));
    assert!((0.0..=1.0).contains(&x), "{what} = {x} outside [0, 1]");
    x
}

fn check_entry(e: &Value, ablations: &[&str]) {
    let r: Vec<f64> = ["recall_at_1", "recall_at_5", "recall_at_10"].iter().map(|k| fraction(&e[k], k)).collect();
    assert!(r[0] <= r[1] && r[1] <= r[2], "{r:?}");
    for view in ["view_a", "view_b"] {
        for f in ["1%", "10%", "100%"] {
            fraction(&e["linear_probe"][view][f], "linear_probe");
        }
    }
    fraction(&e["nmi_prototypes"], "nmi_prototypes");
    for a in ablations {
        fraction(&e["ablations"][a]["recall_at_1"], "ablation recall_at_1");
        fraction(&e["ablations"][a]["linear_probe"]["view_a"]["100%"], "ablation probe");
    }
    assert!(e["wall_s"].as_f64().unwrap() > 0.0);
    assert!(e["history"].as_array().is_some_and(|h| !h.is_empty()));
}

#[test]
fn smoke_runs_through_clasp_train_mgca() {
    let _g = serial();
    // breast_cancer: no tokens, so the token ablation is reported as not applicable; AUROC present.
    let out = temp_dir("bc");
    run(&train_args("breast-cancer", &out, 3)).unwrap();
    let e = report_entry(&out);
    check_entry(&e, &["no_prototype"]);
    assert!(e["ablations"]["no_token"]["not_applicable"].is_string());
    fraction(&e["linear_probe_auroc"]["view_b"]["10%"], "auroc");
    for f in ["report.html", "config.json", "loss.svg", "embedding.svg"] {
        assert!(out.join(f).exists(), "{f} missing");
    }

    // MNIST halves: both ablations and the retrieval grid.
    let out = temp_dir("mh");
    let mut args = train_args("mnist-halves", &out, 1);
    args.train_images = Some(300);
    args.test_images = Some(100);
    run(&args).unwrap();
    let e = report_entry(&out);
    check_entry(&e, &["no_prototype", "no_token"]);
    let png = image::open(out.join("retrieval.png")).unwrap();
    assert!(png.width() > 100 && png.height() > 100);
    assert!(e["plots"].as_array().unwrap().iter().any(|p| p == "retrieval.png"));

    // Image–report pairs from a CSV.
    let dir = temp_dir("csv-run");
    let csv = write_pairs(&dir, 12);
    let out = dir.join("out");
    run(&train_args(csv.to_str().unwrap(), &out, 2)).unwrap();
    let e = report_entry(&out);
    check_entry(&e, &["no_prototype", "no_token"]);
    assert!(e["dataset"].as_str().unwrap().contains("text"));

    // --resume is refused (no checkpoints); an unknown data name is an error.
    let mut bad = train_args("breast-cancer", &out, 1);
    bad.resume = Some(out.clone());
    assert!(run(&bad).unwrap_err().to_string().contains("--resume"));
    assert!(run(&train_args("nope", &out, 1)).unwrap_err().to_string().contains("unknown paired data"));
}
