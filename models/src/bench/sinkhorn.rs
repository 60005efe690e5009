//! Sinkhorn workloads of `clasp bench`, with the sizes and distributions of peers.py (data from
//! `super::synthetic`). Each record carries the achieved bandwidth
//! (`gbps`: bytes of the N×K operand read — and written — per unit time, counting only the
//! unavoidable traffic), the single-core stream-read probe measured in the same run
//! (`stream_gbps`) and their ratio (`fraction_of_stream`).

use super::stream::stream_read_gbps;
use super::synthetic::{cosine_scores, gaussian_rows};
use super::timing::best_of;
use crate::Result;
use clasp_core::MatRef;
use clasp_core::sinkhorn::{
    BatchedParams, ScoreKind, SinkhornParams, SwavParams, sinkhorn_batched, sinkhorn_batched_scratch, sinkhorn_log,
    sinkhorn_log_scratch, sinkhorn_scaling, sinkhorn_scaling_scratch, swav_codes, swav_scratch,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::{Value, json};

/// Squared Euclidean distances divided by their maximum (POT `ot.dist` then `m /= m.max()`).
fn normalised_sq_dists(xs: &[f64], xt: &[f64], d: usize) -> Vec<f64> {
    let mut m: Vec<f64> = xs
        .chunks(d)
        .flat_map(|a| xt.chunks(d).map(move |b| a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum::<f64>()))
        .collect();
    let mx = m.iter().cloned().fold(0.0, f64::max);
    m.iter_mut().for_each(|v| *v /= mx);
    m
}

fn with_stream(mut record: Value, gbps: f64, repeat: usize) -> Value {
    let stream = stream_read_gbps(repeat);
    record["gbps"] = json!(gbps);
    record["stream_gbps"] = json!(stream);
    record["fraction_of_stream"] = json!(gbps / stream);
    record
}

/// SwAV codes for 4096 × 3000 f32 cosine scores, ε = 0.05, 3 iterations, exp pass included.
pub fn swav_4096x3000(repeat: usize) -> Result<Value> {
    let (b, k, d) = (4096usize, 3000usize, 128usize);
    let scores = cosine_scores(b, k, d, 0);
    let sm = MatRef::new(&scores, b, k, "scores")?;
    let mut codes = vec![0.0f32; b * k];
    let mut scratch = vec![0.0f32; swav_scratch(b, k)];
    let mut run = |iterations: usize| -> Result<f64> {
        let params = SwavParams::default().iterations(iterations);
        let mut err = None;
        let t = best_of(repeat, || {
            if let Err(e) = swav_codes(sm, &params, &mut codes, &mut scratch, &mut clasp_core::Local) {
                err = Some(e);
            }
        });
        err.map_or(Ok(t.best_ms), |e| Err(e.into()))
    };
    let ms3 = run(3)?;
    // The per-iteration cost of the fused scaling pass, isolated by differencing.
    let ms13 = run(13)?;
    let iter_ms = ((ms13 - ms3) / 10.0).max(1e-9);
    let bytes = (b * k * 4) as f64;
    let iter_gbps = bytes / (iter_ms * 1e-3) / 1e9;
    // Unavoidable traffic of the whole call: read S, write G, 3 reads of G, write codes.
    let total_gbps = 6.0 * bytes / (ms3 * 1e-3) / 1e9;
    let record = json!({
        "ms_total": ms3, "iters": 3, "ms_per_fused_iter": iter_ms, "fused_iter_gbps": iter_gbps,
        "call_gbps": total_gbps, "dtype": "f32",
    });
    let mut record = with_stream(record, iter_gbps, repeat);
    record["fused_iter_fraction_of_stream"] = record["fraction_of_stream"].clone();
    Ok(record)
}

/// POT-style problem: n points in R⁸, targets shifted by 0.5, normalised squared distances.
fn pot_problem(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(1);
    let xs = gaussian_rows(&mut rng, n, 8, 0.0, false);
    let xt = gaussian_rows(&mut rng, n, 8, 0.5, false);
    (normalised_sq_dists(&xs, &xt, 8), vec![1.0 / n as f64; n])
}

/// Balanced scaling form, f64, n = 1000, ε = 0.1, 100 iterations, no stop test.
pub fn sinkhorn_1000(repeat: usize) -> Result<Value> {
    let n = 1000;
    let iters = 100;
    let (m, a) = pot_problem(n);
    let x = MatRef::new(&m, n, n, "cost")?;
    let params = SinkhornParams::default().eps(0.1).kind(ScoreKind::Cost).max_iter(iters).tol(0.0).check_every(10);
    let (mut f, mut g) = (vec![0.0; n], vec![0.0; n]);
    let mut scratch = vec![0.0; sinkhorn_scaling_scratch(n, n)];
    let mut err = None;
    let t = best_of(repeat, || {
        if let Err(e) = sinkhorn_scaling(x, &a, &a, &params, &mut f, &mut g, &mut scratch) {
            err = Some(e);
        }
    });
    if let Some(e) = err {
        return Err(e.into());
    }
    let ms_per_iter = t.best_ms / iters as f64;
    let gbps = (n * n * 8) as f64 / (ms_per_iter * 1e-3) / 1e9;
    Ok(with_stream(json!({ "ms_per_iter": ms_per_iter, "iters": iters, "reg": 0.1, "dtype": "f64" }), gbps, repeat))
}

/// Log-domain form, f64, n = 2000, ε = 1e-2, 20 iterations, no stop test.
pub fn sinkhorn_log_2000(repeat: usize) -> Result<Value> {
    let n = 2000;
    let iters = 20;
    let (m, a) = pot_problem(n);
    let x = MatRef::new(&m, n, n, "cost")?;
    let params = SinkhornParams::default().eps(1e-2).kind(ScoreKind::Cost).max_iter(iters).tol(0.0).check_every(10);
    let (mut f, mut g) = (vec![0.0; n], vec![0.0; n]);
    let mut scratch = vec![0.0; sinkhorn_log_scratch(n, n)];
    let mut err = None;
    let t = best_of(repeat, || {
        if let Err(e) = sinkhorn_log(x, &a, &a, &params, &mut f, &mut g, &mut scratch) {
            err = Some(e);
        }
    });
    if let Some(e) = err {
        return Err(e.into());
    }
    let ms_per_iter = t.best_ms / iters as f64;
    let gbps = (n * n * 8) as f64 / (ms_per_iter * 1e-3) / 1e9;
    let exp_per_s = (n * n) as f64 / (ms_per_iter * 1e-3);
    Ok(with_stream(
        json!({ "ms_per_iter": ms_per_iter, "iters": iters, "reg": 1e-2, "dtype": "f64", "exp_per_s": exp_per_s }),
        gbps,
        repeat,
    ))
}

/// 10 000 independent 16 × 16 problems (points in R², normalised squared distances, uniform
/// marginals), ε = 0.1, 50 fixed iterations, f32, one call.
pub fn sinkhorn_batched_10000x16x16(repeat: usize) -> Result<Value> {
    let (batch, n, iters) = (10_000usize, 16usize, 50usize);
    let mut rng = StdRng::seed_from_u64(2);
    let mut x = Vec::with_capacity(batch * n * n);
    for _ in 0..batch {
        let xs = gaussian_rows(&mut rng, n, 2, 0.0, false);
        let xt = gaussian_rows(&mut rng, n, 2, 0.5, false);
        x.extend(normalised_sq_dists(&xs, &xt, 2).into_iter().map(|v| v as f32));
    }
    let a = vec![1.0f32 / n as f32; n];
    let params = BatchedParams::default().eps(0.1).kind(ScoreKind::Cost).iterations(iters);
    let (mut f, mut g) = (vec![0.0f32; batch * n], vec![0.0f32; batch * n]);
    let mut scratch = vec![0.0f32; sinkhorn_batched_scratch(n, n)];
    let mut err = None;
    let mut worst = 0.0;
    let t =
        best_of(repeat, || match sinkhorn_batched(&x, batch, n, n, &a, &a, &params, &mut f, &mut g, &mut scratch) {
            Ok(info) => worst = info.max_marginal_err,
            Err(e) => err = Some(e),
        });
    if let Some(e) = err {
        return Err(e.into());
    }
    // Bandwidth of the one unavoidable read of the inputs (the kernels then live in L1).
    let gbps = (batch * n * n * 4) as f64 / (t.best_ms * 1e-3) / 1e9;
    let entry_iters_per_s = (batch * n * n * iters) as f64 / (t.best_ms * 1e-3);
    Ok(with_stream(
        json!({
            "ms_total": t.best_ms, "iters": iters, "problems": batch, "dtype": "f32",
            "max_marginal_err": worst, "entry_iterations_per_s": entry_iters_per_s,
        }),
        gbps,
        repeat,
    ))
}
