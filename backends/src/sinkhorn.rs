//! Sinkhorn on the device: SwAV / SIGMA codes in scaling form (fixed T, soft codes or hard
//! targets), the log-domain solver with general marginals, and batched small SwAV problems.
//! Conventions (similarity form, prototypes first) are those of notes/sinkhorn.md §1–2 and of
//! clasp-core's CPU Sinkhorn, which is the reference these kernels are tested against.

use clasp_core::{Error, Result, validate};
use cubecl::prelude::*;

use crate::device::{BLOCK, DeviceBuffer, Gpu, ROWS_PER_CUBE, check_len, elementwise, grid};
use crate::kernels::{hard_targets, reduce, sinkhorn_log, sinkhorn_scaling, swav_batched};

/// Parameters of SwAV's `distributed_sinkhorn` (fixed iteration count, uniform marginals).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SwavParams {
    /// Entropic weight ε (SwAV 0.05, SIGMA 0.03–0.05).
    pub epsilon: f64,
    /// Number of (prototype step, sample step) pairs T (SwAV 3, SIGMA 10).
    pub iterations: usize,
}

impl Default for SwavParams {
    fn default() -> Self {
        Self { epsilon: 0.05, iterations: 3 }
    }
}

impl SwavParams {
    fn check(&self) -> Result<()> {
        validate::positive_param(self.epsilon, "epsilon")?;
        if self.iterations == 0 || self.iterations > u32::MAX as usize {
            return Err(Error::InvalidParameter { name: "iterations", value: self.iterations as f64 });
        }
        Ok(())
    }
}

/// What a fixed-T Sinkhorn run reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SwavInfo {
    /// Iterations run (= T).
    pub iterations: usize,
    /// ‖Qᵀ1 − b‖₁ of the returned plan (Q sums to 1; rows are exact after the last sample step).
    /// Not a convergence claim: with fixed T nothing is checked.
    pub prototype_marginal_error: f64,
}

/// Parameters of the log-domain solver.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogSinkhornParams {
    /// Entropic weight ε, in the units of the scores.
    pub epsilon: f64,
    /// Iteration budget.
    pub max_iter: usize,
    /// Stop when ‖Qᵀ1 − b‖₁ < tol (checked every `check_every` iterations); 0 runs `max_iter`.
    pub tol: f64,
    /// Iterations between two convergence checks (each check is one K-vector read-back).
    pub check_every: usize,
}

impl Default for LogSinkhornParams {
    fn default() -> Self {
        Self { epsilon: 0.05, max_iter: 1000, tol: 1e-4, check_every: 10 }
    }
}

impl LogSinkhornParams {
    fn check(&self) -> Result<()> {
        validate::positive_param(self.epsilon, "epsilon")?;
        validate::nonnegative_param(self.tol, "tol")?;
        if self.max_iter == 0 {
            return Err(Error::InvalidParameter { name: "max_iter", value: 0.0 });
        }
        if self.check_every == 0 {
            return Err(Error::InvalidParameter { name: "check_every", value: 0.0 });
        }
        Ok(())
    }
}

/// What the log-domain solver reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogSinkhornInfo {
    /// Iterations run.
    pub iterations: usize,
    /// ‖Qᵀ1 − b‖₁ at the last check (the sample marginal is exact after the last f step).
    pub marginal_error: f64,
    /// Whether `marginal_error < tol` (always false with `tol = 0`).
    pub converged: bool,
}

fn check_shape(n: usize, k: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::Empty { what: "scores rows" });
    }
    if k == 0 {
        return Err(Error::Empty { what: "scores cols" });
    }
    if n.checked_mul(k).is_none_or(|nk| nk > u32::MAX as usize) {
        return Err(Error::InvalidParameter { name: "rows * cols", value: n as f64 * k as f64 });
    }
    Ok(())
}

/// Device state after the scaling iterations: kernel G (n × k), duals u, v, marginals a.
struct Scaled {
    kernel: DeviceBuffer<f32>,
    u: DeviceBuffer<f32>,
    v: DeviceBuffer<f32>,
    a: DeviceBuffer<f32>,
    info: SwavInfo,
}

impl<R: Runtime> Gpu<R> {
    /// Runs T scaling iterations on `scores` (n × k, row-major, on the device).
    fn swav_scaling(&self, scores: &DeviceBuffer<f32>, n: usize, k: usize, params: &SwavParams) -> Result<Scaled> {
        params.check()?;
        check_shape(n, k)?;
        check_len(scores, n * k, "scores")?;
        self.check_fits(n * k, "scores bytes (above the device's largest buffer)")?;
        let c = &self.client;
        let inv_eps = (1.0 / params.epsilon) as f32;
        let kernel = self.empty(n * k);
        let row_max = self.empty(n);
        let gmax = self.empty(1);
        let u = self.empty(n);
        let a = self.upload(&vec![1.0 / n as f32; n]);
        let b = self.upload(&vec![1.0 / k as f32; k]);
        let v = self.upload(&vec![0.0; k]);
        let col_err = self.empty(k);
        let parts = n.div_ceil(ROWS_PER_CUBE);
        let col_partial = self.empty(parts * k);
        let dim = CubeDim::new_1d(BLOCK as u32);

        sinkhorn_scaling::exp_rows::launch::<f32, R>(
            c,
            grid(n),
            dim,
            scores.arg(),
            kernel.arg(),
            row_max.arg(),
            n,
            k,
            inv_eps,
            BLOCK,
        );
        reduce::max_all::launch::<f32, R>(c, CubeCount::Static(1, 1, 1), dim, row_max.arg(), gmax.arg(), BLOCK);
        let (count, edim) = elementwise(n);
        sinkhorn_scaling::init_row_scaling::launch::<f32, R>(
            c,
            count,
            edim,
            row_max.arg(),
            gmax.arg(),
            u.arg(),
            inv_eps,
        );
        let (kcount, kdim) = elementwise(k);
        for it in 0..=params.iterations {
            // it = 0: column sums of the initial plan; afterwards: fused sample step + sums.
            sinkhorn_scaling::scaling_row_pass::launch::<f32, R>(
                c,
                grid(parts),
                dim,
                kernel.arg(),
                v.arg(),
                a.arg(),
                u.arg(),
                col_partial.arg(),
                n,
                k,
                ROWS_PER_CUBE,
                BLOCK,
                it == 0,
            );
            // The last finalise only measures the prototype error; it leaves v as it is.
            sinkhorn_scaling::scaling_col_finalise::launch::<f32, R>(
                c,
                kcount.clone(),
                kdim,
                col_partial.arg(),
                b.arg(),
                v.arg(),
                col_err.arg(),
                parts,
                k,
                it < params.iterations,
            );
        }
        let err: f64 = self.download(&col_err)?.iter().map(|&e| e as f64).sum();
        if !err.is_finite() {
            return Err(Error::NumericalBreakdown { what: "swav scaling", iteration: params.iterations });
        }
        let info = SwavInfo { iterations: params.iterations, prototype_marginal_error: err };
        Ok(Scaled { kernel, u, v, a, info })
    }

    /// SwAV codes: `codes` (n × k) ← the rows of n·Q, each summing to 1, after T iterations of
    /// SwAV's `distributed_sinkhorn` on `scores` (n × k). All buffers stay on the device.
    pub fn swav_codes(
        &self,
        scores: &DeviceBuffer<f32>,
        n: usize,
        k: usize,
        params: &SwavParams,
        codes: &DeviceBuffer<f32>,
    ) -> Result<SwavInfo> {
        check_len(codes, n * k, "codes")?;
        let s = self.swav_scaling(scores, n, k, params)?;
        let (count, dim) = elementwise(n * k);
        sinkhorn_scaling::scaling_codes::launch::<f32, R>(
            &self.client,
            count,
            dim,
            s.kernel.arg(),
            s.u.arg(),
            s.v.arg(),
            s.a.arg(),
            codes.arg(),
            n,
            k,
        );
        Ok(s.info)
    }

    /// SIGMA's hard targets: `labels[i] = argmax_j Q_ij` (ties to the lowest j) after T
    /// iterations; the plan is never written.
    pub fn swav_hard(
        &self,
        scores: &DeviceBuffer<f32>,
        n: usize,
        k: usize,
        params: &SwavParams,
        labels: &DeviceBuffer<u32>,
    ) -> Result<SwavInfo> {
        check_len(labels, n, "labels")?;
        let s = self.swav_scaling(scores, n, k, params)?;
        hard_targets::row_argmax::launch::<f32, R>(
            &self.client,
            grid(n),
            CubeDim::new_1d(BLOCK as u32),
            s.kernel.arg(),
            s.v.arg(),
            labels.arg(),
            n,
            k,
            BLOCK,
            false,
        );
        Ok(s.info)
    }

    /// Host convenience for [`Gpu::swav_codes`]: validates (finite scores), uploads, runs, reads back.
    pub fn swav_codes_host(
        &self,
        scores: &[f32],
        n: usize,
        k: usize,
        params: &SwavParams,
    ) -> Result<(Vec<f32>, SwavInfo)> {
        check_host(scores, n, k)?;
        self.check_fits(n * k, "scores bytes (above the device's largest buffer)")?;
        params.check()?;
        let s = self.upload(scores);
        let codes = self.empty(n * k);
        let info = self.swav_codes(&s, n, k, params, &codes)?;
        Ok((self.download(&codes)?, info))
    }

    /// Host convenience for [`Gpu::swav_hard`].
    pub fn swav_hard_host(
        &self,
        scores: &[f32],
        n: usize,
        k: usize,
        params: &SwavParams,
    ) -> Result<(Vec<u32>, SwavInfo)> {
        check_host(scores, n, k)?;
        self.check_fits(n * k, "scores bytes (above the device's largest buffer)")?;
        params.check()?;
        let s = self.upload(scores);
        let labels = self.empty_u32(n);
        let info = self.swav_hard(&s, n, k, params, &labels)?;
        Ok((self.download_u32(&labels)?, info))
    }

    /// Log-domain Sinkhorn on similarity scores S (n × k) with marginals a (n) and b (k),
    /// prototypes first; writes the potentials `f` (n) and `g` (k). For a cost matrix M pass
    /// S = −M. Tolerance mode reads ‖Qᵀ1 − b‖₁ back every `check_every` iterations.
    #[allow(clippy::too_many_arguments)]
    pub fn sinkhorn_log(
        &self,
        scores: &DeviceBuffer<f32>,
        log_a: &DeviceBuffer<f32>,
        log_b: &DeviceBuffer<f32>,
        n: usize,
        k: usize,
        params: &LogSinkhornParams,
        f: &DeviceBuffer<f32>,
        g: &DeviceBuffer<f32>,
    ) -> Result<LogSinkhornInfo> {
        params.check()?;
        check_shape(n, k)?;
        check_len(scores, n * k, "scores")?;
        check_len(log_a, n, "log_a")?;
        check_len(log_b, k, "log_b")?;
        check_len(f, n, "f")?;
        check_len(g, k, "g")?;
        let c = &self.client;
        let eps = params.epsilon as f32;
        let parts = n.div_ceil(ROWS_PER_CUBE);
        let col_m = self.empty(parts * k);
        let col_s = self.empty(parts * k);
        let col_err = self.empty(k);
        let dim = CubeDim::new_1d(BLOCK as u32);
        let (kcount, kdim) = elementwise(k);
        let mut info = LogSinkhornInfo { iterations: 0, marginal_error: f64::INFINITY, converged: false };
        let pass = |first: bool| {
            sinkhorn_log::log_row_pass::launch::<f32, R>(
                c,
                grid(parts),
                dim,
                scores.arg(),
                g.arg(),
                log_a.arg(),
                f.arg(),
                col_m.arg(),
                col_s.arg(),
                n,
                k,
                eps,
                ROWS_PER_CUBE,
                BLOCK,
                first,
            );
        };
        let finalise = |update: bool| {
            sinkhorn_log::log_col_finalise::launch::<f32, R>(
                c,
                kcount.clone(),
                kdim,
                col_m.arg(),
                col_s.arg(),
                log_b.arg(),
                g.arg(),
                col_err.arg(),
                parts,
                k,
                eps,
                update,
            );
        };
        pass(true);
        for it in 1..=params.max_iter {
            finalise(true);
            pass(false);
            info.iterations = it;
            if it % params.check_every == 0 || it == params.max_iter {
                finalise(false);
                let err: f64 = self.download(&col_err)?.iter().map(|&e| e as f64).sum();
                if !err.is_finite() {
                    return Err(Error::NumericalBreakdown { what: "log-domain sinkhorn", iteration: it });
                }
                info.marginal_error = err;
                if params.tol > 0.0 && err < params.tol {
                    info.converged = true;
                    break;
                }
            }
        }
        Ok(info)
    }

    /// Host convenience: log-domain Sinkhorn returning the plan Q (n × k) and the potentials.
    #[allow(clippy::type_complexity)]
    pub fn sinkhorn_log_host(
        &self,
        scores: &[f32],
        a: &[f32],
        b: &[f32],
        n: usize,
        k: usize,
        params: &LogSinkhornParams,
    ) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>, LogSinkhornInfo)> {
        check_host(scores, n, k)?;
        self.check_fits(n * k, "scores bytes (above the device's largest buffer)")?;
        params.check()?;
        validate::len(a, n, "a")?;
        validate::len(b, k, "b")?;
        validate::finite(a, "a")?;
        validate::finite(b, "b")?;
        validate::nonnegative(a, true, "a")?;
        validate::nonnegative(b, true, "b")?;
        let s = self.upload(scores);
        let la = self.upload(&a.iter().map(|x| x.ln()).collect::<Vec<_>>());
        let lb = self.upload(&b.iter().map(|x| x.ln()).collect::<Vec<_>>());
        let f = self.empty(n);
        let g = self.empty(k);
        let info = self.sinkhorn_log(&s, &la, &lb, n, k, params, &f, &g)?;
        let plan = self.empty(n * k);
        let (count, dim) = elementwise(n * k);
        sinkhorn_log::log_plan::launch::<f32, R>(
            &self.client,
            count,
            dim,
            s.arg(),
            f.arg(),
            g.arg(),
            la.arg(),
            plan.arg(),
            n,
            k,
            params.epsilon as f32,
            false,
        );
        Ok((self.download(&plan)?, self.download(&f)?, self.download(&g)?, info))
    }

    /// `problems` independent SwAV problems of n × k scores each, back to back in `scores`,
    /// solved in one launch (one cube per problem). Returns the codes (same layout) and each
    /// row's arg-max. Limits: n ≤ 1024, k ≤ 2048 (the duals live in shared memory).
    pub fn swav_codes_batched_host(
        &self,
        scores: &[f32],
        problems: usize,
        n: usize,
        k: usize,
        params: &SwavParams,
    ) -> Result<(Vec<f32>, Vec<u32>)> {
        params.check()?;
        check_shape(n, k)?;
        if problems == 0 {
            return Err(Error::Empty { what: "problems" });
        }
        if n > BATCHED_MAX_N || k > BATCHED_MAX_K {
            return Err(Error::InvalidParameter { name: "batched problem size", value: (n * k) as f64 });
        }
        validate::len(scores, problems * n * k, "scores")?;
        validate::finite(scores, "scores")?;
        let s = self.upload(scores);
        let codes = self.empty(problems * n * k);
        let labels = self.empty_u32(problems * n);
        swav_batched::swav_codes_batched::launch::<f32, R>(
            &self.client,
            grid(problems),
            CubeDim::new_1d(BLOCK as u32),
            s.arg(),
            codes.arg(),
            labels.arg(),
            n,
            k,
            (1.0 / params.epsilon) as f32,
            params.iterations as u32,
            BATCHED_MAX_N,
            BATCHED_MAX_K,
            BLOCK,
        );
        let out = self.download(&codes)?;
        if out.iter().any(|x| !x.is_finite()) {
            return Err(Error::NumericalBreakdown { what: "batched swav", iteration: params.iterations });
        }
        Ok((out, self.download_u32(&labels)?))
    }
}

/// Largest n of [`Gpu::swav_codes_batched_host`].
pub const BATCHED_MAX_N: usize = 1024;
/// Largest k of [`Gpu::swav_codes_batched_host`].
pub const BATCHED_MAX_K: usize = 2048;

fn check_host(scores: &[f32], n: usize, k: usize) -> Result<()> {
    check_shape(n, k)?;
    validate::len(scores, n * k, "scores")?;
    validate::finite(scores, "scores")
}
