//! Prints the K-discovery table of the split/merge sampler: digits (pixels / 16, PCA to 10
//! dimensions), iris, wine and breast_cancer (standardised), from K = 1 and K = 2× the
//! number of classes, K / ACC / NMI / ARI averaged over seeds.
//! `cargo run -p clasp-models --release --example k_discovery [SEEDS] [clasp|reference]`.

use clasp_core::mixture::split_merge::SplitMergePreset;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let seeds = args.next().map_or(Ok(10), |s| s.parse::<u64>().map_err(|e| e.to_string()))?;
    let preset = match args.next().as_deref() {
        None | Some("clasp") => SplitMergePreset::Clasp,
        Some("reference") => SplitMergePreset::Reference,
        Some(other) => return Err(format!("unknown preset {other:?} (clasp or reference)")),
    };
    let rows = clasp_models::experiments::k_discovery::k_discovery_table(preset, seeds).map_err(|e| e.to_string())?;
    print!("{}", clasp_models::experiments::k_discovery::format_table(&rows));
    Ok(())
}
