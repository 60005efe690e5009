//! `clasp sdp`: solve the Peng–Wei k-means SDP for a data file and write labels, objective,
//! residuals and timings as JSON.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use clasp_core::MatRef;
use clasp_core::sdp::{
    AdmmParams, Affinity, BurerMonteiroParams, IlaParams, PgdParams, admm_monitored, burer_monteiro_monitored,
    certificate, factor_embedding, ila_sdp, kmeans_labels, pgd_monitored, spectral_embedding,
};
use clasp_core::sdp::{IlaInfo, SdpInfo};
use serde_json::{Value, json};

use super::budget::{Need, available_memory};
use super::limits::{MAX_ITER, MAX_K, count, positive};
use super::progress::IterationProgress;
use super::report::{load_inputs, warn_not_converged};
use crate::Result;
use crate::io::{Header, write_json_atomic};

/// Which solver `clasp sdp` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Solver {
    /// ADMM with residual balancing (dense, n up to about 1000).
    Admm,
    /// Accelerated projected gradient with Dykstra projections (dense).
    Pgd,
    /// Likelihood-adjusted SDP for clusters with different covariances (dense, K blocks).
    Ila,
    /// Burer–Monteiro nonnegative low-rank factorisation (large n, no n × n matrix).
    Bm,
}

/// Arguments of `clasp sdp`.
#[derive(Args, Debug)]
pub struct SdpArgs {
    /// Data file (`.npy` or CSV), one point per row.
    #[arg(long)]
    pub data: PathBuf,
    /// Whether the first line of a CSV file is a header (auto: only when every field is a name).
    #[arg(long, value_enum, default_value = "auto")]
    pub header: Header,
    /// Number of clusters.
    #[arg(short = 'k', long, value_parser = count(1, MAX_K))]
    pub k: usize,
    /// Solver.
    #[arg(long, value_enum, default_value_t = Solver::Admm)]
    pub solver: Solver,
    /// Stopping tolerance on the relative residuals, in (0, 0.1]: a looser one would call a
    /// point "converged" whose constraints are off by more than 10 %.
    #[arg(long, default_value_t = 1e-6, value_parser = positive(0.1))]
    pub tol: f64,
    /// Iteration cap (solver default if omitted).
    #[arg(long, value_parser = count(1, MAX_ITER))]
    pub max_iter: Option<usize>,
    /// Seed of the k-means rounding (and of the Burer–Monteiro start).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output JSON file.
    #[arg(long)]
    pub out: PathBuf,
    /// No progress display.
    #[arg(long)]
    pub quiet: bool,
}

/// Seconds per dense iteration at n = 2000 (ADMM, measured on a 2-core x86_64: one
/// eigendecomposition of an n × n matrix dominates, so the cost grows as n³).
const DENSE_SECONDS_AT_2000: f64 = 0.8;

/// The memory a solver needs on `n` points of dimension `p`: n × n matrices for the dense
/// solvers (affinity, iterate, multipliers, projections, eigenvectors), an n × r factor for
/// Burer–Monteiro.
fn solver_memory(solver: Solver, n: usize, p: usize, k: usize) -> Need {
    let (name, squares) = match solver {
        Solver::Admm => ("dense ADMM", 8),
        Solver::Pgd => ("dense projected gradient", 9),
        Solver::Ila => ("iLA-SDP", 9),
        Solver::Bm => {
            let r = 2 * k + 2;
            let what = format!("Burer–Monteiro on {n} × {p}: 8·n·r + n·p values, r = {r}");
            return Need::new(what, &[&[8, n, r], &[n, p]]);
        }
    };
    Need::new(format!("{name} on n = {n}: {squares} n × n matrices"), &[&[squares, n, n], &[n, p]])
}

/// A warning up front when a dense solve may take long at its iteration cap.
fn warn_dense_time(solver: Solver, n: usize, cap: usize) {
    if solver == Solver::Bm {
        return;
    }
    let per_iter = DENSE_SECONDS_AT_2000 * (n as f64 / 2000.0).powi(3);
    let worst = per_iter * cap as f64;
    if worst > 600.0 {
        eprintln!(
            "clasp sdp: warning: the dense solver at n = {n} costs about {per_iter:.2} s per iteration on a 2-core \
             machine, up to {:.1} h at the cap of {cap} iterations; `--solver bm` keeps no n × n matrix and scales \
             to large n",
            worst / 3600.0
        );
    }
}

/// Runs `clasp sdp`.
pub fn run(args: &SdpArgs) -> Result<()> {
    let (table, _) = load_inputs(&args.data, None, args.header, &args.out)?;
    let (n, p, k) = (table.rows, table.cols, args.k);
    let hint = if args.solver == Solver::Bm { "lower -k" } else { "use --solver bm for large n" };
    solver_memory(args.solver, n, p, k).check("sdp", available_memory(), hint)?;
    let cap = args.max_iter.unwrap_or(match args.solver {
        Solver::Admm => AdmmParams::default().max_iter,
        Solver::Pgd => PgdParams::default().max_iter,
        Solver::Ila => IlaParams::default().max_iter,
        Solver::Bm => BurerMonteiroParams::default().max_iter,
    });
    warn_dense_time(args.solver, n, cap);
    let x = MatRef::new(&table.data, n, p, "data")?;
    let t0 = Instant::now();
    let (labels, info, solve_ms, certificate_json) = match args.solver {
        Solver::Bm => {
            let mut params = BurerMonteiroParams::default().tol(args.tol).seed(args.seed);
            params.max_iter = args.max_iter.unwrap_or(params.max_iter);
            let mut progress = IterationProgress::new("sdp bm", 1, args.quiet);
            let sol = burer_monteiro_monitored(x, k, &params, &mut progress);
            progress.finish();
            let sol = sol?;
            let solve_ms = t0.elapsed().as_secs_f64() * 1e3;
            let emb = factor_embedding(&sol.u, n, sol.rank, k)?;
            let labels = kmeans_labels(&emb, n, k, k, 10, args.seed)?;
            (labels, info_json(&sol.info), solve_ms, json!(null))
        }
        Solver::Admm | Solver::Pgd | Solver::Ila => {
            let aff = Affinity::from_data(x)?;
            let mut progress = IterationProgress::new(&format!("sdp {}", solver_name(args.solver)), 1, args.quiet);
            let solved = if args.solver == Solver::Pgd {
                let mut params = PgdParams::default().tol(args.tol);
                params.max_iter = args.max_iter.unwrap_or(params.max_iter);
                pgd_monitored(&aff, k, &params, &mut progress)
            } else {
                let mut params = AdmmParams::default().tol(args.tol);
                params.max_iter = args.max_iter.unwrap_or(params.max_iter);
                admm_monitored(&aff, k, &params, &mut progress)
            };
            progress.finish();
            let (z, info) = solved?;
            let emb = spectral_embedding(&z, n, k)?;
            let labels = kmeans_labels(&emb, n, k, k, 10, args.seed)?;
            let bound = info.objective + info.duality_gap.unwrap_or(0.0).max(0.0);
            let cert = certificate(&aff, &labels, k, bound, 1e-6)?;
            let cert_json = json!({
                "partition_objective": cert.partition_objective, "sdp_bound": cert.sdp_bound,
                "gap": cert.gap, "certified_globally_optimal": cert.certified,
            });
            if args.solver == Solver::Ila {
                let mut params = IlaParams::default().tol(args.tol);
                params.max_iter = args.max_iter.unwrap_or(params.max_iter);
                let sol = ila_sdp(x, k, &labels, &params)?;
                let solve_ms = t0.elapsed().as_secs_f64() * 1e3;
                (
                    sol.labels,
                    ila_json(&sol.info),
                    solve_ms,
                    json!({ "peng_wei": info_json(&info), "peng_wei_certificate": cert_json }),
                )
            } else {
                (labels, info_json(&info), t0.elapsed().as_secs_f64() * 1e3, cert_json)
            }
        }
    };
    let report = json!({
        "solver": solver_name(args.solver), "n": n, "p": p, "k": k, "labels": labels,
        "info": info, "certificate": certificate_json, "ms_total": t0.elapsed().as_secs_f64() * 1e3,
        "ms_solve_and_round": solve_ms,
    });
    write_json_atomic(&args.out, &report)?;
    let converged = report["info"]["converged"].as_bool().unwrap_or(false);
    warn_not_converged("sdp", converged, "the solver");
    eprintln!(
        "sdp: {} n={n} K={k} iterations={} converged={converged} objective={}",
        solver_name(args.solver),
        report["info"]["iterations"],
        report["info"]["objective"]
    );
    Ok(())
}

/// The solver's name in reports and progress lines.
fn solver_name(solver: Solver) -> &'static str {
    match solver {
        Solver::Admm => "admm",
        Solver::Pgd => "pgd",
        Solver::Ila => "ila",
        Solver::Bm => "bm",
    }
}

fn info_json(info: &SdpInfo) -> Value {
    json!({
        "iterations": info.iterations, "primal_residual": info.primal_residual, "dual_residual": info.dual_residual,
        "objective": info.objective, "duality_gap": info.duality_gap, "converged": info.converged,
    })
}

fn ila_json(info: &IlaInfo) -> Value {
    json!({
        "outer_iterations": info.outer_iterations, "iterations": info.iterations,
        "primal_residual": info.primal_residual, "dual_residual": info.dual_residual,
        "objective": info.objective, "converged": info.converged,
    })
}
