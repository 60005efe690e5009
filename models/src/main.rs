//! The `clasp` command line.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "clasp", version, about = "Cluster-assignment primitives: fit, benchmark, report.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Time a benchmark workload (see `clasp bench --list`), optionally beside the reference libraries.
    Bench(clasp_models::bench::BenchArgs),
    /// Gaussian mixture with K found by split/merge moves (NIW Hastings ratios); `--labels` for
    /// semi-supervised runs, `--k-discovery` for the digits/iris table.
    SplitMerge(clasp_models::split_merge::SplitMergeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench(args) => clasp_models::bench::run(&args),
        Command::SplitMerge(args) => clasp_models::split_merge::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clasp: {e}");
            ExitCode::FAILURE
        }
    }
}
