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
    /// The main job: every algorithm family on the bundled data, with a JSON report.
    #[command(allow_negative_numbers = true)]
    Demo(clasp_models::cli::demo::DemoArgs),
    /// Train a pipeline (swav, depict, mlcd) with burn; writes DIR/report.json, report.html, the model and plots.
    #[command(allow_negative_numbers = true)]
    #[cfg(feature = "train")]
    Train(clasp_models::cli::train::TrainArgs),
    /// Cluster labels (and embeddings) of new images with a model trained by `clasp train`.
    #[command(allow_negative_numbers = true)]
    #[cfg(feature = "train")]
    Assign(clasp_models::cli::assign::AssignArgs),
    /// Export a trained model's clustering head for `clasp_core::fixed` (no heap).
    #[command(allow_negative_numbers = true)]
    #[cfg(feature = "train")]
    ExportEdge(clasp_models::cli::export_edge::ExportEdgeArgs),
    /// Time a benchmark workload (see `clasp bench --list`), optionally beside the reference libraries.
    #[command(allow_negative_numbers = true)]
    Bench(clasp_models::bench::BenchArgs),
    /// Fit a Gaussian mixture by EM (scikit-learn GaussianMixture semantics); writes a JSON report.
    #[command(allow_negative_numbers = true)]
    Gmm(clasp_models::cli::gmm::GmmArgs),
    /// Lloyd's k-means with k-means++ seeding (scikit-learn KMeans semantics); writes a JSON report.
    #[command(allow_negative_numbers = true)]
    Kmeans(clasp_models::cli::kmeans::KmeansArgs),
    /// Few-shot episode benchmark: SimpleShot, K-means, K-modes, LaplacianShot, SLK-Means, SLK-MS.
    #[command(allow_negative_numbers = true)]
    Fewshot(clasp_models::cli::fewshot::FewshotArgs),
    /// Solve the Peng–Wei k-means SDP (ADMM, projected gradient, iLA-SDP or Burer–Monteiro) and round it.
    #[command(allow_negative_numbers = true)]
    Sdp(clasp_models::cli::sdp::SdpArgs),
    /// burn's collective orchestrator for a distributed run (started by rank 0).
    #[command(hide = true)]
    #[cfg(feature = "train")]
    Orchestrator {
        /// Port to serve on.
        #[arg(long)]
        port: u16,
    },
    /// One rank of the distributed self-check: all-reduces and sharded SwAV codes (tests, benchmark).
    #[command(hide = true)]
    #[cfg(feature = "train")]
    CollectiveCheck(clasp_models::distributed::check::CheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => clasp_models::cli::demo::run(&args),
        #[cfg(feature = "train")]
        Command::Train(args) => clasp_models::cli::train::run(&args),
        #[cfg(feature = "train")]
        Command::Assign(args) => clasp_models::cli::assign::run(&args),
        #[cfg(feature = "train")]
        Command::ExportEdge(args) => clasp_models::cli::export_edge::run(&args),
        Command::Bench(args) => clasp_models::bench::run(&args),
        Command::Gmm(args) => clasp_models::cli::gmm::run(&args),
        Command::Kmeans(args) => clasp_models::cli::kmeans::run(&args),
        Command::Fewshot(args) => clasp_models::cli::fewshot::run(&args),
        Command::Sdp(args) => clasp_models::cli::sdp::run(&args),
        #[cfg(feature = "train")]
        Command::Orchestrator { port } => clasp_models::distributed::orchestrator::serve(port),
        #[cfg(feature = "train")]
        Command::CollectiveCheck(args) => clasp_models::distributed::check::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, exit code 2 (as clap's usage errors).
            eprintln!("clasp: {}", e.to_string().replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
