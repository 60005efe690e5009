//! The hidden `clasp collective-check` command, the multi-process tests' and the benchmark's
//! helper: one rank joins the run, performs `--rounds` consecutive all-reduces of `--floats`
//! values (checking each sum: in burn-collective 0.21.0 unpatched the second one hangs), then
//! computes the sharded SwAV codes and SIGMA labels of its rows of a seeded global score matrix,
//! and writes `OUT/rank-R.json` (its rows, codes, labels, Sinkhorn report and timings).

use super::engine::Collective;
use super::flags::{DistArgs, DistMode};
use super::shard::shard_rows;
use clap::Args;
use clasp_core::MatRef;
use clasp_core::sinkhorn::{SwavParams, swav_assign, swav_codes, swav_scratch};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `clasp collective-check`.
#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// The run (needs --rank, --peers and --coordinator; --peers alone launches them).
    #[command(flatten)]
    pub dist: DistArgs,
    /// Consecutive all-reduces before the Sinkhorn.
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Floats per all-reduce.
    #[arg(long, default_value_t = 1000)]
    pub floats: usize,
    /// Rows (samples) of the global score matrix.
    #[arg(long, default_value_t = 64)]
    pub rows: usize,
    /// Columns (prototypes).
    #[arg(long, default_value_t = 30)]
    pub cols: usize,
    /// Seed of the scores.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output directory (rank-R.json per rank).
    #[arg(long)]
    pub out: PathBuf,
}

/// The global score matrix of a check: rows × cols uniform in [−1, 1], seeded.
pub fn check_scores(rows: usize, cols: usize, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..rows * cols).map(|_| rng.random_range(-1.0f32..1.0)).collect()
}

/// Entry of `clasp collective-check`.
pub fn run(args: &CheckArgs) -> crate::Result<()> {
    let spec = match args.dist.mode()? {
        DistMode::Rank(spec) => spec,
        DistMode::Launch(peers) => {
            let argv: Vec<_> = std::env::args_os().skip(1).collect();
            return Ok(super::launch::launch_local(peers, &argv)?);
        }
        DistMode::Single => return Err(crate::Error::Usage("collective-check needs --peers".into())),
    };
    let fingerprint = (args.rounds, args.floats, args.rows, args.cols, args.seed);
    let fingerprint = {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        fingerprint.hash(&mut h);
        h.finish()
    };
    let t_join = Instant::now();
    let mut engine = Collective::<burn::backend::Flex>::join(&spec, Default::default(), fingerprint)?;
    let join_s = t_join.elapsed().as_secs_f64();
    let (rank, peers) = (engine.rank(), engine.peers());
    let mut round_ms = Vec::with_capacity(args.rounds);
    for round in 0..args.rounds {
        let mut buf = vec![(rank + 1) as f32; args.floats];
        let t = Instant::now();
        engine.all_reduce_host("a check all-reduce", &mut buf)?;
        round_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let want = (peers * (peers + 1) / 2) as f32;
        if buf.iter().any(|&v| v != want) {
            return Err(crate::Error::Internal(format!(
                "all-reduce round {round}: got {:?}…, expected {want}",
                &buf[..buf.len().min(3)]
            )));
        }
    }
    let (n, k) = (args.rows, args.cols);
    let scores = check_scores(n, k, args.seed);
    let rows = shard_rows(n, rank, peers);
    let local = &scores[rows.start * k..rows.end * k];
    let m = MatRef::new(local, rows.len(), k, "scores")?;
    let params = SwavParams::default();
    let mut scratch = vec![0.0f32; swav_scratch(rows.len(), k)];
    let (mut codes, mut labels) = (vec![0.0f32; rows.len() * k], vec![0usize; rows.len()]);
    let t = Instant::now();
    let info = swav_codes(m, &params, &mut codes, &mut scratch, &mut engine).map_err(|e| engine.blame(e))?;
    let codes_ms = t.elapsed().as_secs_f64() * 1e3;
    swav_assign(m, &params, &mut labels, &mut scratch, &mut engine).map_err(|e| engine.blame(e))?;
    engine.barrier("the end of the check")?;
    let report = json!({
        "rank": rank, "peers": peers, "rows": [rows.start, rows.end],
        "codes": codes, "labels": labels,
        "prototype_err": info.prototype_err, "samples": info.samples,
        "join_s": join_s, "round_ms": round_ms, "codes_ms": codes_ms,
        "traffic": { "calls": engine.traffic().calls, "bytes": engine.traffic().bytes() },
    });
    std::fs::create_dir_all(&args.out).map_err(|e| crate::Error::io(&args.out, e))?;
    let path = args.out.join(format!("rank-{rank}.json"));
    Ok(crate::report::write_json_atomic(&path, &report)?)
}
