//! `clasp bench WORKLOAD --device wgpu|cuda|rocm|cpu`: the Sinkhorn workloads on a device
//! through clasp-backends (SwAV codes 4096 × 3000, T = 3; SIGMA hard targets 22,576 × 3000,
//! T = 10). The device is opened once; scores are uploaded once; each timed call runs the whole
//! pipeline (exp pass, iterations, epilogue) and waits for the device.

use clasp_backends::{Backend, BackendKind, SwavInfo, SwavParams};
use serde_json::{Value, json};

use super::best_of;
use crate::{Error, Result};

/// Feature dimension of the unit vectors behind the scores (as the CPU workload).
const SCORE_DIM: usize = 128;

/// Shape and iteration count of a device workload.
struct Shape {
    n: usize,
    k: usize,
    iterations: usize,
    epsilon: f64,
    hard: bool,
}

fn shape(workload: &str) -> Option<Shape> {
    match workload {
        "swav-4096x3000" => Some(Shape { n: 4096, k: 3000, iterations: 3, epsilon: 0.05, hard: false }),
        "sigma-22576x3000" => Some(Shape { n: 22_576, k: 3000, iterations: 10, epsilon: 0.05, hard: true }),
        _ => None,
    }
}

/// Whether `workload` has a device variant.
pub fn has_device_variant(workload: &str) -> bool {
    shape(workload).is_some()
}

/// Runs `workload` on `device`; the record has `ms_total` (per call), the device actually used,
/// and the effective bandwidth of the fused pipeline's traffic model.
pub fn run(workload: &str, device: &str, repeat: usize) -> Result<Value> {
    let sh = shape(workload).ok_or_else(|| Error::Usage(format!("`{workload}` has no --device variant")))?;
    let kind = BackendKind::from_name(device).ok_or_else(|| Error::Unknown {
        what: "device",
        name: device.into(),
        expected: "cpu, wgpu, cuda, rocm".into(),
    })?;
    let backend = Backend::open(kind);
    // The same scores as the CPU workload of the same name (`super::synthetic`).
    let s = super::synthetic::cosine_scores(sh.n, sh.k, SCORE_DIM, 0);
    let params = SwavParams::default().eps(sh.epsilon).iterations(sh.iterations);
    let (t, marginal, blocks) = match &backend {
        Backend::Cpu => {
            let m = clasp_core::MatRef::new(&s, sh.n, sh.k, "scores")?;
            let (t, marginal) = time_calls(repeat, || {
                if sh.hard {
                    backend.swav_assign(m, &params).map(|(_, i)| i)
                } else {
                    backend.swav_codes(m, &params).map(|(_, i)| i)
                }
            })?;
            (t, marginal, 1)
        }
        #[cfg(feature = "wgpu")]
        Backend::Wgpu(gpu) => time_device(gpu, &s, &sh, &params, repeat)?,
        #[cfg(feature = "cuda")]
        Backend::Cuda(gpu) => time_device(gpu, &s, &sh, &params, repeat)?,
        #[cfg(feature = "rocm")]
        Backend::Rocm(gpu) => time_device(gpu, &s, &sh, &params, repeat)?,
    };
    // Traffic of the fused pipeline per call, f32: exp pass (read S, write G), initial column pass
    // (read G), fused iterations (read G once each: T for the codes, whose last one measures the
    // plan, T − 1 for hard targets, whose labels follow the last prototype step), epilogue (read
    // G, write codes or labels).
    let nk = (sh.n * sh.k) as f64;
    let epilogue = if sh.hard { 4.0 * nk + 4.0 * sh.n as f64 } else { 8.0 * nk };
    let fused = if sh.hard { sh.iterations - 1 } else { sh.iterations };
    let bytes = 8.0 * nk + 4.0 * nk + 4.0 * nk * fused as f64 + epilogue;
    Ok(json!({
        "ms_total": t.best_ms,
        "ms_median": t.median_ms,
        "iters": sh.iterations,
        "device": backend.kind().name(),
        "gbps_effective": bytes / (t.best_ms * 1e6),
        "blocks": blocks,
        "note": "scores resident on the device; includes the exp pass, as SwAV does",
        "prototype_marginal_error": marginal,
    }))
}

/// Times `call` (after one warm-up call) and returns the timing and the last marginal error.
fn time_calls(
    repeat: usize,
    mut call: impl FnMut() -> clasp_backends::Result<SwavInfo>,
) -> Result<(super::Timing, f64)> {
    let mut last = call()?;
    let mut failure = None;
    let t = best_of(repeat, || match call() {
        Ok(info) => last = info,
        Err(e) => failure = Some(e),
    });
    match failure {
        Some(e) => Err(e.into()),
        None => Ok((t, last.prototype_err)),
    }
}

/// Device-resident timing: scores uploaded once (in row blocks within the device's largest
/// binding), outputs left on the device, one sync per call. Also returns the number of blocks.
#[cfg(any(feature = "wgpu", feature = "cuda", feature = "rocm"))]
fn time_device<R: clasp_backends::cubecl::Runtime>(
    gpu: &clasp_backends::Gpu<R>,
    s: &[f32],
    sh: &Shape,
    params: &SwavParams,
    repeat: usize,
) -> Result<(super::Timing, f64, usize)> {
    let scores = gpu.upload_matrix(s, sh.n, sh.k)?;
    let codes = gpu.empty_matrix(if sh.hard { 0 } else { sh.n }, sh.k)?;
    let labels = gpu.empty_u32(sh.n);
    let (t, marginal) = time_calls(repeat, || {
        let info =
            if sh.hard { gpu.swav_assign(&scores, params, &labels)? } else { gpu.swav_codes(&scores, params, &codes)? };
        gpu.sync()?;
        Ok(info)
    })?;
    Ok((t, marginal, scores.blocks().len()))
}
