//! Transductive few-shot with a trained backbone: CL2N of novel features with the base-class
//! mean on a hand-checked input, and a short run of `clasp train fewshot`'s runner on digits
//! (the accuracy table of every method and shot count, backbone and pixels, fractions with
//! 95 % half-widths).
#![cfg(feature = "train")]

use clasp_models::data::DataSource;
use clasp_models::fewshot::backbone::{BackboneConfig, feature_mean, novel_episode_data};
use clasp_models::fewshot::backbone_run::{METHODS, train_fewshot_run};
use clasp_models::nn::ConvEncoderConfig;
use clasp_models::pipelines::Profile;
use clasp_models::pipelines::run::RunSpec;
use clasp_models::train::Device;

#[test]
fn cl2n_centres_on_the_base_mean_and_normalises() {
    // Base rows (0, 0, 2), (2, 0, 0) → mean (1, 0, 1). Novel (1, 3, 5) − mean = (0, 3, 4) → /5.
    let mean = feature_mean(&[0.0, 0.0, 2.0, 2.0, 0.0, 0.0], 3).unwrap();
    assert_eq!(mean, vec![1.0, 0.0, 1.0]);
    let d = novel_episode_data(vec![1.0, 3.0, 5.0, 2.0, 0.0, 1.0], 3, vec![6, 9], &mean, 5).unwrap();
    let want = [0.0, 0.6, 0.8, 1.0, 0.0, 0.0];
    assert!(d.x.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12), "{:?}", d.x);
    assert_eq!((d.by_class[6].clone(), d.by_class[9].clone()), (vec![0], vec![1]));
}

#[test]
fn a_short_run_reports_the_table_for_backbone_and_pixels() {
    let dir = std::env::temp_dir().join(format!("clasp-fewshot-backbone-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = BackboneConfig::new()
        .with_encoder(ConvEncoderConfig::new().with_channels1(4).with_channels2(8).with_hidden(32))
        .with_epochs(1)
        .with_episodes(20)
        .with_pixel_episodes(10);
    let cfg_path = dir.join("small.json");
    burn::config::Config::save(&cfg, &cfg_path).unwrap();
    let spec = RunSpec {
        pipeline: "fewshot".into(),
        data: DataSource::Digits,
        profile: Profile::Quick,
        seed: 2,
        device: Device::Cpu,
        out: dir.join("run"),
        resume: false,
        quiet: true,
        config: Some(cfg_path),
        epochs: None,
        train_limit: None,
        test_limit: None,
        dist: None,
    };
    let entry = train_fewshot_run(&spec).unwrap();
    for features in ["backbone", "pixels"] {
        for method in METHODS {
            for shots in ["1", "5"] {
                let cell = &entry["accuracy"][features][method.name()][shots];
                let (mean, ci) = (cell["mean"].as_f64().unwrap(), cell["ci95"].as_f64().unwrap());
                assert!(
                    (0.0..=1.0).contains(&mean) && (0.0..=1.0).contains(&ci),
                    "{features} {method:?} {shots}: {cell}"
                );
            }
        }
    }
    // Pixels of 8×8 digits are easy: 5-shot SimpleShot is far above the 20 % of chance.
    assert!(entry["metrics"]["raw_simpleshot_5shot"].as_f64().unwrap() > 0.6, "{}", entry["metrics"]);
    for f in ["report.json", "report.html", "config.json", "accuracy.svg"] {
        assert!(spec.out.join(f).is_file(), "{f} missing");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
