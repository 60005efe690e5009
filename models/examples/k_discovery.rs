//! Prints the K-discovery table of the split/merge sampler: digits (pixels / 16, PCA to 10
//! dimensions) and iris, from K = 1 and K = 2× the number of classes, K / ACC / NMI / ARI
//! averaged over seeds. `cargo run -p clasp-models --release --example k_discovery [SEEDS]`.

fn main() -> Result<(), String> {
    let seeds = std::env::args().nth(1).map_or(Ok(10), |s| s.parse::<u64>().map_err(|e| e.to_string()))?;
    let rows = clasp_models::cli::split_merge::k_discovery_table(seeds)?;
    print!("{}", clasp_models::cli::split_merge::format_table(&rows));
    Ok(())
}
