//! `clasp bench`: clasp's side of the benchmark workloads of `shared/bench/peers.py`.
//!
//! Each workload prints one JSON object per line with the keys peers.py uses (`workload`,
//! `ms_total` or `ms_per_iter`, `threads`) plus clasp's own (`impl`, `gbps`, …). With
//! `--peers` (the primitives) or `--torch` (the training steps, `bench/torch/steps.py`), the
//! workload's reference script is run in the same process tree right after clasp's measurement
//! and a `ratio` line (reference time / clasp time) is printed per reference.

#[cfg(any(feature = "wgpu", feature = "cuda", feature = "rocm", feature = "device-cpu"))]
mod device;
mod fewshot;
mod mixture;
mod peers;
mod rounds;
mod sdp;
mod sinkhorn;
mod stream;
mod synthetic;
mod timing;
#[cfg(feature = "train")]
mod train_step;

use crate::{Error, Result};
use clap::Args;
use serde_json::{Value, json};

pub use stream::stream_read_gbps;
pub use timing::{Timing, best_of};

/// Arguments of `clasp bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Workload name (as in peers.py), or `all`.
    #[arg(required_unless_present = "list")]
    pub workload: Option<String>,
    /// List the workloads and exit.
    #[arg(long)]
    pub list: bool,
    /// Repetitions; the best time is reported (as peers.py does).
    #[arg(long, default_value_t = 5, value_parser = crate::cli::limits::count(1, 10_000))]
    pub repeat: usize,
    /// Also run the reference script (e.g. `../shared/bench/peers.py`) and print ratios.
    #[arg(long)]
    pub peers: Option<std::path::PathBuf>,
    /// Also time the training-step workloads (`swav-step`, …) in PyTorch with this script
    /// (`bench/torch/steps.py`) and print ratios.
    #[arg(long)]
    pub torch: Option<std::path::PathBuf>,
    /// Python interpreter for `--peers` and `--torch`.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Print only JSON lines (no human summary on stderr).
    #[arg(long)]
    pub json: bool,
    /// Run the workload's device variant on `cpu`, `wgpu`, `cuda` or `rocm` (builds with the
    /// matching cargo feature; falls back to the CPU path when the device is missing).
    #[arg(long, value_enum)]
    pub device: Option<BenchDevice>,
    /// Threads of clasp's row-parallel kernels and of the reference libraries (`--peers`);
    /// default: every core.
    #[arg(long, value_parser = crate::cli::limits::count(1, 4096))]
    pub threads: Option<usize>,
    /// With `--peers` or `--torch`: alternate clasp and the reference script this many times per
    /// workload and print each peer's median ratio with its range (a `summary` line), so that
    /// one noisy run cannot decide a comparison.
    #[arg(long, default_value_t = 1, value_parser = crate::cli::limits::count(1, 1000))]
    pub rounds: usize,
}

/// The devices `clasp bench --device` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchDevice {
    /// clasp-backends' CPU path.
    Cpu,
    /// WGPU (feature `wgpu`).
    Wgpu,
    /// CUDA (feature `cuda`).
    Cuda,
    /// ROCm/HIP (feature `rocm`).
    Rocm,
}

impl BenchDevice {
    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            BenchDevice::Cpu => "cpu",
            BenchDevice::Wgpu => "wgpu",
            BenchDevice::Cuda => "cuda",
            BenchDevice::Rocm => "rocm",
        }
    }
}

/// The reference script that times a workload's counterpart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    /// None (clasp only).
    None,
    /// `shared/bench/peers.py` (`--peers`): POT, scikit-learn, numpy, cvxpy.
    Peers,
    /// `bench/torch/steps.py` (`--torch`): the same training step in PyTorch.
    Torch,
}

/// One registered workload.
pub struct Workload {
    /// Name shared with its reference script (or clasp-only).
    pub name: &'static str,
    /// What it measures.
    pub about: &'static str,
    /// Runs it and returns the JSON record (without the common keys).
    pub run: fn(repeat: usize) -> Result<Value>,
    /// The script that times the same workload elsewhere.
    pub reference: Reference,
}

/// Every workload clasp knows, in the order `all` runs them.
pub fn workloads() -> Vec<Workload> {
    // Only the training-step workloads (feature `train`) are added after the primitives.
    #[cfg_attr(not(feature = "train"), allow(unused_mut))]
    let mut table = vec![
        Workload {
            name: "stream",
            about: "streaming f32 read bandwidth on the bench threads (the roofline for memory-bound kernels)",
            run: |repeat| Ok(json!({ "gbps": stream_read_gbps(repeat) })),
            reference: Reference::None,
        },
        Workload {
            name: "swav-4096x3000",
            about: "SwAV codes, 4096 x 3000 f32 cosine scores, eps 0.05, 3 iterations, exp pass included",
            run: sinkhorn::swav_4096x3000,
            reference: Reference::Peers,
        },
        Workload {
            name: "sinkhorn-1000",
            about: "balanced Sinkhorn, scaling form, f64, n = 1000, reg 0.1, 100 iterations (ms_per_iter)",
            run: sinkhorn::sinkhorn_1000,
            reference: Reference::Peers,
        },
        Workload {
            name: "sinkhorn-log-2000",
            about: "balanced Sinkhorn, log domain, f64, n = 2000, reg 1e-2, 20 iterations (ms_per_iter)",
            run: sinkhorn::sinkhorn_log_2000,
            reference: Reference::Peers,
        },
        Workload {
            name: "sinkhorn-batched-10000x16x16",
            about: "10 000 Sinkhorn problems of 16 x 16, f32, reg 0.1, 50 fixed iterations, one call (clasp only)",
            run: sinkhorn::sinkhorn_batched_10000x16x16,
            reference: Reference::None,
        },
        Workload {
            name: "gmm-full-70000x10",
            about: "GMM EM, full covariances, 70000x10 blobs, K=10, 20 iterations (ms_per_iter)",
            run: mixture::gmm_full,
            reference: Reference::Peers,
        },
        Workload {
            name: "kmeans-70000x10",
            about: "k-means Lloyd, 70000x10 blobs, K=10, 20 iterations at most (ms_per_pass)",
            run: mixture::kmeans_blobs,
            reference: Reference::Peers,
        },
        Workload {
            name: "kmeans-overlap-70000x10",
            about: "k-means Lloyd, 70000x10 overlapping blobs (every pass runs), K=10, 20 iterations at most (ms_per_pass)",
            run: mixture::kmeans_overlap,
            reference: Reference::Peers,
        },
        Workload {
            name: "gmm-digits-pca10",
            about: "GMM EM fit, full, digits on 10 principal components, K=10, k-means init (ms_total)",
            run: mixture::gmm_digits,
            reference: Reference::Peers,
        },
        Workload {
            name: "fewshot-laplacianshot-5w5s",
            about: "LaplacianShot on one 5-way 5-shot 15-query digits episode (kNN graph + bound updates), per episode",
            run: fewshot::laplacianshot_5w5s,
            reference: Reference::Peers,
        },
        Workload {
            name: "sdp-100",
            about: "k-means SDP, n = 100, K = 3, ADMM to 1e-6 (vs cvxpy SCS/Clarabel)",
            run: |r| sdp::dense(100, r),
            reference: Reference::Peers,
        },
        Workload {
            name: "sdp-200",
            about: "k-means SDP, n = 200, K = 3, ADMM to 1e-6 (vs cvxpy SCS)",
            run: |r| sdp::dense(200, r),
            reference: Reference::Peers,
        },
        Workload {
            name: "sdp-300",
            about: "k-means SDP, n = 300, K = 3, ADMM to 1e-6 (vs cvxpy SCS)",
            run: |r| sdp::dense(300, r),
            reference: Reference::Peers,
        },
        Workload {
            name: "sdp-bm-5000",
            about: "k-means SDP by Burer-Monteiro, n = 5000, p = 10, K = 10, residual 1e-4 (clasp only)",
            run: sdp::burer_monteiro_5000,
            reference: Reference::Peers,
        },
    ];
    #[cfg(feature = "train")]
    table.extend([
        Workload {
            name: "swav-step",
            about: "SwAV training step on the CPU backend (quick profile: 128 images x 6 views, codes included), ms per step",
            run: train_step::swav_step,
            reference: Reference::Torch,
        },
        Workload {
            name: "depict-step",
            about: "DEPICT clustering step on the CPU backend (quick profile: 100 images, noisy + clean pass), ms per step",
            run: train_step::depict_step,
            reference: Reference::Torch,
        },
        Workload {
            name: "mlcd-step",
            about: "MLCD training step on the CPU backend (quick profile: 128 images, 100 centres), ms per step",
            run: train_step::mlcd_step,
            reference: Reference::Torch,
        },
    ]);
    table
}

/// Entry point of `clasp bench`.
pub fn run(args: &BenchArgs) -> Result<()> {
    let table = workloads();
    if args.list {
        for w in &table {
            println!("{:<24} {}", w.name, w.about);
        }
        return Ok(());
    }
    if args.rounds > 1 && args.peers.is_none() && args.torch.is_none() {
        return Err(Error::Usage("--rounds alternates with a reference script: give --peers or --torch".into()));
    }
    let name = args.workload.as_deref().unwrap_or("all");
    if let Some(device) = args.device {
        let mut record = run_on_device(name, device.name(), args.repeat)?;
        if let Some(obj) = record.as_object_mut() {
            obj.insert("workload".into(), json!(name));
            obj.insert("impl".into(), json!("clasp"));
            obj.entry("threads").or_insert(json!(1));
        }
        println!("{record}");
        return Ok(());
    }
    let selected: Vec<&Workload> = if name == "all" {
        table.iter().collect()
    } else {
        let w = table.iter().find(|w| w.name == name).ok_or_else(|| Error::Unknown {
            what: "workload",
            name: name.into(),
            expected: "see `clasp bench --list`".into(),
        })?;
        if (args.peers.is_some() || args.torch.is_some()) && script_for(args, w.reference).is_none() {
            let wanted = match w.reference {
                Reference::None => "no reference script",
                Reference::Peers => "--peers (shared/bench/peers.py)",
                Reference::Torch => "--torch (bench/torch/steps.py)",
            };
            return Err(Error::Usage(format!("`{name}` is compared through {wanted}")));
        }
        vec![w]
    };
    let repeat = args.repeat;
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| Error::ThreadPool { threads, source })?;
    for w in selected {
        let script = script_for(args, w.reference);
        let rounds = if script.is_some() { args.rounds } else { 1 };
        let mut compared = Vec::new();
        for _ in 0..rounds {
            let mut record = pool.install(|| (w.run)(repeat))?;
            let obj = record.as_object_mut().ok_or_else(|| Error::Internal("workload returned a non-object".into()))?;
            obj.insert("workload".into(), json!(w.name));
            obj.insert("impl".into(), json!("clasp"));
            obj.insert("threads".into(), json!(threads));
            println!("{record}");
            if let Some(script) = script {
                compared.extend(peers::compare(&args.python, script, w.name, repeat, threads, &record, args.json)?);
            }
        }
        if rounds > 1 {
            rounds::summarise(w.name, threads, rounds, &compared, args.json);
        }
    }
    Ok(())
}

/// The reference script given for workloads compared through `reference`, if any.
fn script_for(args: &BenchArgs, reference: Reference) -> Option<&std::path::PathBuf> {
    match reference {
        Reference::None => None,
        Reference::Peers => args.peers.as_ref(),
        Reference::Torch => args.torch.as_ref(),
    }
}

#[cfg(any(feature = "wgpu", feature = "cuda", feature = "rocm", feature = "device-cpu"))]
fn run_on_device(workload: &str, device: &str, repeat: usize) -> Result<Value> {
    if !device::has_device_variant(workload) {
        return Err(Error::Usage(format!("`{workload}` has no --device variant (swav-4096x3000, sigma-22576x3000)")));
    }
    device::run(workload, device, repeat)
}

#[cfg(not(any(feature = "wgpu", feature = "cuda", feature = "rocm", feature = "device-cpu")))]
fn run_on_device(_workload: &str, device: &str, _repeat: usize) -> Result<Value> {
    Err(Error::InvalidArgument {
        flag: "--device",
        reason: format!(
            "{device}: this binary has no device backends; rebuild with `--features {}` (devices: cpu, wgpu, cuda, rocm)",
            if device == "cpu" { "device-cpu" } else { device }
        ),
    })
}
