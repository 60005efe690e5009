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
    /// Solve the Peng–Wei k-means SDP (ADMM, projected gradient, iLA-SDP or Burer–Monteiro) and round it.
    Sdp(clasp_models::cli::sdp::SdpArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bench(args) => clasp_models::bench::run(&args),
        Command::Sdp(args) => clasp_models::cli::sdp::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clasp: {e}");
            ExitCode::FAILURE
        }
    }
}
