//! MaxQuery end to end on small inputs: the bundled sources and their label rules, the folder
//! loader and its bad-input errors, the seeded OOD benchmark (same seed same masks, different
//! seed different), the CE/Dice/QD losses on hand-checked tensors, the new metrics against
//! scikit-learn, and a tiny run through `clasp train maxquery` checking the report.
#![cfg(feature = "train")]

use burn::prelude::*;
use clasp_models::cli::train::{TrainArgs, run};
use clasp_models::medical::bench::{test_crops, train_batch};
use clasp_models::medical::folder::load_folder;
use clasp_models::medical::maxquery::loss::{ce_loss, dice_loss, one_hot, qd_loss, query_groups};
use clasp_models::medical::source::{load_ct, load_fundus};
use clasp_models::metrics::{auroc, average_precision, dice_per_class, fpr95};
use clasp_models::pipelines::Profile;
use clasp_models::train::Device;
use serde_json::Value;
use std::path::{Path, PathBuf};

type B = burn::backend::Flex;

/// burn's CPU backend keeps one process-wide random stream: the runs of this file take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clasp-maxquery-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fractions(labels: &[u8], k: usize) -> Vec<f64> {
    let mut c = vec![0usize; k];
    labels.iter().for_each(|&l| c[usize::from(l)] += 1);
    c.iter().map(|&n| n as f64 / labels.len() as f64).collect()
}

#[test]
fn bundled_sources_follow_their_label_rules() {
    let ct = load_ct().unwrap();
    let img = &ct.images[0];
    assert_eq!((img.height, img.width, img.channels, ct.classes.len()), (128, 128, 1, 4));
    // HU = stored − 1024; measured class shares of the slice: air 0.22, fat 0.22, soft 0.45, bone 0.11.
    let f = fractions(&img.labels, 4);
    assert!(f.iter().all(|&x| x > 0.05), "{f:?}");
    assert!(img.pixels.iter().all(|v| (0.0..=1.0).contains(v)));
    // Bone is brighter than soft tissue, which is brighter than air.
    let mean = |k: u8| {
        let v: Vec<f32> = img.pixels.iter().zip(&img.labels).filter(|(_, l)| **l == k).map(|(p, _)| *p).collect();
        v.iter().sum::<f32>() / v.len() as f32
    };
    assert!(mean(3) > mean(2) && mean(2) > mean(1) && mean(1) > mean(0));

    let fundus = load_fundus().unwrap();
    let img = &fundus.images[0];
    assert_eq!((img.height, img.width, img.channels, fundus.classes.len()), (256, 256, 3, 3));
    let f = fractions(&img.labels, 3);
    // Outside the round field of view: the corners (≥ 1 − π/4 ≈ 0.21 of a square); vessels a
    // thin minority of the FOV.
    assert!(f[0] > 0.15 && f[0] < 0.5, "{f:?}");
    assert!(f[1] > 0.02 && f[1] < 0.3, "{f:?}");
    assert_eq!(img.labels[0], 0, "the top-left corner is outside the FOV");
    assert_eq!(img.labels[128 * 256 + 128 + 20], 2, "near the centre is retina (or vessel)");
}

/// A little-endian `<f4` C-order `.npy` file.
fn write_npy_f32(path: &Path, shape: &[usize], data: &[f32]) {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}), }}", dims.join(", "));
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(header.len() as u16).to_le_bytes());
    b.extend_from_slice(header.as_bytes());
    data.iter().for_each(|v| b.extend_from_slice(&v.to_le_bytes()));
    std::fs::write(path, b).unwrap();
}

fn write_mask_png(path: &Path, side: usize, f: impl Fn(usize, usize) -> u8) {
    let img = image::GrayImage::from_fn(side as u32, side as u32, |x, y| image::Luma([f(y as usize, x as usize)]));
    img.save(path).unwrap();
}

/// A folder of two 32×32 slices (an `.npy` and a PNG) with their masks: left half class 0,
/// right half class 1 (the image bright where the class is 1).
fn make_folder(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let side = 32;
    let px: Vec<f32> = (0..side * side).map(|i| if i % side >= side / 2 { 900.0 } else { 100.0 }).collect();
    write_npy_f32(&dir.join("a.npy"), &[side, side], &px);
    write_mask_png(&dir.join("a_mask.png"), side, |_, x| u8::from(x >= side / 2));
    let img = image::GrayImage::from_fn(side as u32, side as u32, |x, _| image::Luma([if x >= 16 { 220 } else { 30 }]));
    img.save(dir.join("b.png")).unwrap();
    write_mask_png(&dir.join("b_mask.png"), side, |_, x| u8::from(x >= side / 2));
    std::fs::write(dir.join("classes.txt"), "background\nlesion\n").unwrap();
    dir
}

#[test]
fn folder_loader_reads_pairs_and_names_bad_inputs() {
    let dir = make_folder("loader");
    let set = load_folder(&dir).unwrap();
    assert_eq!(set.images.len(), 2);
    assert_eq!(set.classes, vec!["background", "lesion"]);
    let a = &set.images[0];
    assert_eq!((a.name.as_str(), a.height, a.width, a.channels), ("a.npy", 32, 32, 1));
    // Percentile scaling of the npy: the two levels become 0 and 1.
    assert_eq!((a.pixels[0], a.pixels[31]), (0.0, 1.0));
    assert_eq!((a.labels[0], a.labels[31]), (0, 1));
    // A missing mask is named.
    std::fs::remove_file(dir.join("b_mask.png")).unwrap();
    let e = load_folder(&dir).unwrap_err().to_string();
    assert!(e.contains("b.png") && e.contains("no mask"), "{e}");
    // A mask of the wrong size.
    write_mask_png(&dir.join("b_mask.png"), 16, |_, _| 0);
    let e = load_folder(&dir).unwrap_err().to_string();
    assert!(e.contains("16×16") && e.contains("32×32"), "{e}");
    // A mask with a non-integer class id.
    std::fs::remove_file(dir.join("b_mask.png")).unwrap();
    write_npy_f32(&dir.join("b_mask.npy"), &[32, 32], &vec![0.5; 32 * 32]);
    let e = load_folder(&dir).unwrap_err().to_string();
    assert!(e.contains("not a class id"), "{e}");
    assert!(load_folder(&dir.join("nope")).is_err());
}

/// A bundled DICOM slice (`data/medical/…`).
fn dicom_bytes(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/medical").join(rel)).unwrap()
}

#[test]
fn folder_loader_reads_dicom_slices_and_names_the_ones_it_cannot() {
    let dir = temp_dir("dicom");
    std::fs::write(dir.join("slice.dcm"), dicom_bytes("ct_small/CT_small.dcm")).unwrap();
    write_mask_png(&dir.join("slice_mask.png"), 128, |y, _| u8::from(y >= 64));
    let set = load_folder(&dir).unwrap();
    let img = &set.images[0];
    assert_eq!((img.name.as_str(), img.height, img.width, img.channels), ("slice.dcm", 128, 128, 1));
    // HU (stored − 1024, stored = pydicom's pixel_array) scaled by its 1st and 99th percentiles.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dicom/ct_small/pixels.npy");
    let stored = clasp_models::io::npy::parse_npy_array(&std::fs::read(fixture).unwrap()).unwrap().data;
    let hu: Vec<f64> = stored.iter().map(|s| s - 1024.0).collect();
    let mut sorted = hu.clone();
    sorted.sort_by(f64::total_cmp);
    let q = |f: f64| sorted[((sorted.len() - 1) as f64 * f).round() as usize];
    let (lo, hi) = (q(0.01), q(0.99));
    let want: Vec<f32> = hu.iter().map(|v| ((v - lo) / (hi - lo)).clamp(0.0, 1.0) as f32).collect();
    assert_eq!(img.pixels, want);
    assert_eq!((img.labels[0], img.labels[127 * 128]), (0, 1));

    // A compressed transfer syntax (MR_small with its UID edited to RLE Lossless): a typed error
    // naming the file and the syntax.
    let mut rle = dicom_bytes("mr_small/MR_small.dcm");
    let from = b"1.2.840.10008.1.2.1\0";
    let at = rle.windows(from.len()).position(|w| w == from).unwrap();
    rle[at..at + from.len()].copy_from_slice(b"1.2.840.10008.1.2.5\0");
    std::fs::write(dir.join("a.dcm"), &rle).unwrap();
    write_mask_png(&dir.join("a_mask.png"), 64, |_, _| 0);
    let e = load_folder(&dir).unwrap_err();
    assert!(matches!(e, clasp_models::Error::DicomTransferSyntax { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("a.dcm") && msg.contains("RLE Lossless (1.2.840.10008.1.2.5) is not supported"), "{msg}");
    // A truncated file.
    std::fs::write(dir.join("a.dcm"), &dicom_bytes("mr_small/MR_small.dcm")[..3000]).unwrap();
    let e = load_folder(&dir).unwrap_err();
    assert!(matches!(e, clasp_models::Error::Dicom { .. }), "{e:?}");
    assert!(e.to_string().contains("a.dcm: not a readable DICOM file"), "{e}");
    // Garbage with a .dcm name.
    std::fs::write(dir.join("a.dcm"), b"not dicom at all").unwrap();
    let e = load_folder(&dir).unwrap_err().to_string();
    assert!(e.contains("a.dcm: not a DICOM file"), "{e}");
}

#[test]
fn benchmark_is_deterministic_by_seed() {
    let set = load_ct().unwrap();
    let a = test_crops(&set, 48, 6, 1);
    let b = test_crops(&set, 48, 6, 1);
    let c = test_crops(&set, 48, 6, 2);
    assert_eq!(a, b);
    assert_ne!(a.iter().map(|k| &k.ood).collect::<Vec<_>>(), c.iter().map(|k| &k.ood).collect::<Vec<_>>());
    for k in &a {
        let n = k.ood.iter().filter(|&&o| o).count();
        assert!(n > 0 && n < k.ood.len() / 2, "every test crop has a minority of OOD pixels: {n}");
        assert!(k.pixels.iter().all(|v| (0.0..=1.0).contains(v)));
    }
    // Training crops: inliers only, deterministic per (seed, step).
    let t = train_batch(&set, 32, 4, 7, 3);
    assert_eq!(t, train_batch(&set, 32, 4, 7, 3));
    assert_ne!(t, train_batch(&set, 32, 4, 7, 4));
    assert!(t.iter().all(|k| k.ood.iter().all(|o| !o) && k.pixels.len() == 32 * 32));
}

fn tensor3(v: &[f32], shape: [usize; 3]) -> Tensor<B, 3> {
    Tensor::from_data(TensorData::new(v.to_vec(), shape), &Default::default())
}

fn scalar(t: Tensor<B, 1>) -> f64 {
    t.into_scalar().elem::<f64>()
}

#[test]
fn losses_by_hand() {
    let dev = Default::default();
    // Two pixels, two classes, labels [0, 1].
    let y = one_hot::<B>(&[0, 1], 1, 2, 2, &dev);
    let seg = tensor3(&[0.8, 0.2, 0.4, 0.6], [1, 2, 2]);
    let ce = scalar(ce_loss(seg.clone(), y.clone()));
    assert!((ce - -(0.8f64.ln() + 0.6f64.ln()) / 2.0).abs() < 1e-6, "{ce}");
    // Dice with smoothing 1: class 0 (2·0.8 + 1)/(1.2 + 1 + 1) = 0.8125, class 1
    // (2·0.6 + 1)/(0.8 + 1 + 1) = 0.785714…; loss 1 − their mean = 0.200893.
    let dice = scalar(dice_loss(seg, y.clone()));
    assert!((dice - (1.0 - (0.8125 + 2.2 / 2.8) / 2.0)).abs() < 1e-6, "{dice}");
    // QD with 4 queries in 2 groups {0, 1}, {2, 3}: masses [0.8, 0.2] and [0.2, 0.8].
    assert_eq!(query_groups(4, 2), vec![1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0]);
    let a = tensor3(&[0.5, 0.3, 0.1, 0.1, 0.1, 0.1, 0.2, 0.6], [1, 2, 4]);
    let g = Tensor::<B, 2>::from_data(TensorData::new(query_groups(4, 2), [4, 2]), &dev);
    let qd = scalar(qd_loss(a, g, y.clone()));
    assert!((qd - -(0.8f64.ln())).abs() < 1e-6, "{qd}");
    // One query per class: QD is the CE of the assignment itself.
    let a = tensor3(&[0.9, 0.1, 0.3, 0.7], [1, 2, 2]);
    let g = Tensor::<B, 2>::from_data(TensorData::new(query_groups(2, 2), [2, 2]), &dev);
    let qd = scalar(qd_loss(a, g, y));
    assert!((qd - -(0.9f64.ln() + 0.7f64.ln()) / 2.0).abs() < 1e-6, "{qd}");
}

#[test]
fn metrics_match_scikit_learn() {
    // Expected values from scikit-learn 1.x (/tmp/fxenv/bin/python):
    //   y = [0,1,0,0,1,1,0,1,0,0,0,1,0,0,1,0,0,0,1,0]
    //   s = [.10,.80,.35,.20,.65,.35,.05,.90,.50,.30,.45,.35,.15,.60,.70,.25,.55,.40,.20,.35]
    //   average_precision_score(y, s) = 0.762120232708468; roc_auc_score(y, s) = 0.7637362637362637
    //   fpr, tpr, _ = roc_curve(y, s); fpr[np.searchsorted(tpr, 0.95)] = 0.7692307692307693
    let y = [0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0].map(|v| v == 1);
    let s = [
        0.10, 0.80, 0.35, 0.20, 0.65, 0.35, 0.05, 0.90, 0.50, 0.30, 0.45, 0.35, 0.15, 0.60, 0.70, 0.25, 0.55, 0.40,
        0.20, 0.35,
    ];
    assert!((average_precision(&y, &s).unwrap() - 0.762120232708468).abs() < 1e-12);
    assert!((auroc(&y, &s).unwrap() - 0.7637362637362637).abs() < 1e-12);
    assert!((fpr95(&y, &s).unwrap() - 0.7692307692307693).abs() < 1e-12);
    // Dice per class = f1_score(t, p, average=None):
    //   t = [0,0,1,1,2,2,2,0,1,2,0,1], p = [0,1,1,1,2,0,2,0,2,2,1,1] -> [0.5714…, 0.6667…, 0.75]
    let t = [0, 0, 1, 1, 2, 2, 2, 0, 1, 2, 0, 1];
    let p = [0, 1, 1, 1, 2, 0, 2, 0, 2, 2, 1, 1];
    let d = dice_per_class(&t, &p, &[true; 12], 3).unwrap();
    for (got, want) in d.iter().zip([0.5714285714285714, 0.6666666666666666, 0.75]) {
        assert!((got.unwrap() - want).abs() < 1e-12, "{got:?} vs {want}");
    }
}

fn tiny_args(data: &str, out: &Path, config: &Path, seed: u64) -> TrainArgs {
    TrainArgs {
        pipeline: "maxquery".into(),
        data: Some(data.into()),
        profile: Profile::Quick,
        epochs: None,
        train_images: None,
        test_images: None,
        seed,
        device: Device::Cpu,
        config: Some(config.to_path_buf()),
        resume: None,
        out: Some(out.to_path_buf()),
        quiet: true,
        dist: Default::default(),
    }
}

fn read_entry(out: &Path) -> Value {
    let text = std::fs::read_to_string(out.join("report.json")).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    report["pipelines"][0].clone()
}

#[test]
fn tiny_runs_through_the_cli_write_a_complete_report() {
    let _guard = serial();
    let dir = temp_dir("smoke");
    let config = dir.join("tiny.json");
    std::fs::write(
        &config,
        r#"{"epochs": 2, "steps_per_epoch": 3, "batch": 2, "crop": 24, "test_crop": 32, "test_crops": 3,
            "queries": 8, "dim": 16, "channels": 8, "decoder_layers": 1, "tau": 0.1, "lr": 0.002,
            "lambda_dice": 1.0, "lambda_qd": 1.0, "kmeans_pixels": 2000}"#,
    )
    .unwrap();
    let folder = make_folder("smoke-folder");
    for data in ["ct", "fundus", folder.to_str().unwrap()] {
        let out = dir.join(format!("run-{}", data.len()));
        run(&tiny_args(data, &out, &config, 3)).unwrap();
        let e = read_entry(&out);
        let m = &e["metrics"];
        for key in [
            "auroc",
            "aupr",
            "fpr95",
            "dice",
            "auroc_msp",
            "fpr95_msp",
            "auroc_energy",
            "fpr95_energy",
            "auroc_prob",
            "auroc_no_qd",
            "aupr_no_qd",
            "fpr95_no_qd",
            "auroc_msp_no_qd",
            "fpr95_msp_no_qd",
            "dice_no_qd",
            "auroc_kmeans",
            "fpr95_kmeans",
        ] {
            let v = m[key].as_f64().unwrap_or_else(|| panic!("{data}: {key} missing: {m}"));
            assert!((0.0..=1.0).contains(&v), "{data}: {key} = {v}");
            assert_eq!(e[key], m[key], "{key} is also a top-level key");
        }
        let per = m["dice_per_class"].as_object().unwrap();
        assert!(per.len() >= 2 && per.values().all(|v| v.is_null() || (0.0..=1.0).contains(&v.as_f64().unwrap())));
        assert!(e["wall_s"].as_f64().unwrap() > 0.0);
        let ood = e["benchmark"]["ood_fraction"].as_f64().unwrap();
        assert!(ood > 0.0 && ood < 0.5, "{ood}");
        for plot in e["plots"].as_array().unwrap() {
            assert!(out.join(plot.as_str().unwrap()).is_file());
        }
        assert!(out.join("report.html").is_file() && out.join("config.json").is_file());
    }
    // Same seed, same numbers (the data, the initialisation and the crops are all seeded).
    let again = dir.join("again");
    run(&tiny_args("ct", &again, &config, 3)).unwrap();
    assert_eq!(read_entry(&again)["metrics"], read_entry(&dir.join("run-2"))["metrics"]);
    // Bad requests are errors, not panics.
    let e =
        run(&tiny_args(dir.join("missing").to_str().unwrap(), &dir.join("bad"), &config, 0)).unwrap_err().to_string();
    assert!(e.contains("missing"), "{e}");
    std::fs::write(&config, r#"{"epochs": 0}"#).unwrap();
    assert!(run(&tiny_args("ct", &dir.join("bad"), &config, 0)).is_err());
}

#[test]
fn an_interrupted_run_resumes_to_the_uninterrupted_result() {
    let _guard = serial();
    let dir = temp_dir("resume");
    let config = dir.join("tiny.json");
    std::fs::write(
        &config,
        r#"{"epochs": 2, "steps_per_epoch": 2, "batch": 2, "crop": 24, "test_crop": 32, "test_crops": 2,
            "queries": 8, "dim": 16, "channels": 8, "decoder_layers": 1, "tau": 0.1, "lr": 0.002,
            "lambda_dice": 1.0, "lambda_qd": 1.0, "kmeans_pixels": 2000}"#,
    )
    .unwrap();
    let whole = dir.join("whole");
    run(&tiny_args("ct", &whole, &config, 5)).unwrap();
    // One epoch, then --resume to the configured two.
    let cut = dir.join("cut");
    run(&TrainArgs { epochs: Some(1), ..tiny_args("ct", &cut, &config, 5) }).unwrap();
    assert!(cut.join("checkpoint/state.json").is_file() && cut.join("no_qd/checkpoint/state.json").is_file());
    let first = read_entry(&cut);
    assert_eq!(first["losses"]["qd"]["total"].as_array().unwrap().len(), 1);
    let resumed = TrainArgs {
        epochs: Some(2),
        config: None,
        out: None,
        resume: Some(cut.clone()),
        ..tiny_args("ct", &cut, &config, 5)
    };
    run(&resumed).unwrap();
    let (a, b) = (read_entry(&whole), read_entry(&cut));
    // Bit-identical: every metric and every per-epoch loss of both networks.
    assert_eq!(a["metrics"], b["metrics"]);
    assert_eq!(a["losses"], b["losses"]);
    assert_eq!(b["losses"]["no_qd"]["total"].as_array().unwrap().len(), 2);
    assert_eq!(a["settings"], b["settings"]);
    // Resuming a folder that holds no run is an error naming its config.json.
    let none = TrainArgs { config: None, resume: Some(dir.join("nothing")), ..tiny_args("ct", &cut, &config, 5) };
    let e = run(&none).unwrap_err().to_string();
    assert!(e.contains("config.json") && e.contains("cannot resume"), "{e}");
}
