//! Sinkhorn on the device: SwAV / SIGMA codes in scaling form (fixed T, soft codes or hard
//! targets), the log-domain solver with general marginals, and batched small problems.
//! Parameters, reports and errors are clasp-core's own ([`SwavParams`], [`SinkhornParams`],
//! [`BatchedParams`] and their infos), with the core's semantics (prototypes first, the same
//! stop rule and error measures); an option a kernel does not implement is rejected with
//! [`Error::InvalidParameter`] naming it. The core is the reference these kernels are tested
//! against.

use crate::error::Result;
use clasp_core::sinkhorn::{BatchedInfo, BatchedParams, SinkhornInfo, SinkhornParams, SwavInfo, SwavParams};
use clasp_core::{Error as CoreError, MatRef, validate};
use cubecl::prelude::*;

use crate::device::{BLOCK, DeviceBuffer, DeviceMatrix, Gpu, ROWS_PER_CUBE, check_len, elementwise, grid};
use crate::kernels::{hard_targets, reduce, sinkhorn_log, sinkhorn_scaling, swav_batched};

/// [`SwavParams`] checked once (a linfa `ParamGuard`-like validated form): the core's
/// `validate` against the sample rows, plus the options the scaling kernels implement — every
/// row kept (`keep_last` of `None` or all rows) and the max shift on (the kernels always shift;
/// without it the core fails where exp(S/ε) overflows, which a device run would not reproduce).
/// The device entries take it, so a host wrapper that checks before uploading does not check
/// again.
#[derive(Clone, Copy)]
struct CheckedSwav<'a>(&'a SwavParams);

impl<'a> CheckedSwav<'a> {
    fn new(params: &'a SwavParams, n: usize) -> Result<Self> {
        params.validate(n)?;
        if let Some(m) = params.keep_last.filter(|&m| m != n) {
            return Err(CoreError::InvalidParameter {
                name: "keep_last (not supported on the device)",
                value: m as f64,
            }
            .into());
        }
        if !params.max_shift {
            return Err(CoreError::InvalidParameter {
                name: "max_shift = false (not supported on the device)",
                value: 0.0,
            }
            .into());
        }
        iterations_fit(params.iterations)?;
        Ok(Self(params))
    }
}

fn iterations_fit(iterations: usize) -> Result<()> {
    if iterations > u32::MAX as usize {
        return Err(CoreError::InvalidParameter { name: "iterations", value: iterations as f64 }.into());
    }
    Ok(())
}

fn check_shape(n: usize, k: usize) -> Result<()> {
    if n == 0 {
        return Err(CoreError::Empty { what: "scores rows" }.into());
    }
    if k == 0 {
        return Err(CoreError::Empty { what: "scores cols" }.into());
    }
    if n.checked_mul(k).is_none_or(|nk| nk > u32::MAX as usize) {
        return Err(CoreError::InvalidParameter { name: "rows * cols", value: n as f64 * k as f64 }.into());
    }
    Ok(())
}

/// A device matrix argument has the shape the call needs and the same row blocks as the scores
/// (block by block, so the codes of block b are written from the kernel of block b).
fn check_matrix(m: &DeviceMatrix, like: &DeviceMatrix, what: &'static str) -> Result<()> {
    if m.rows != like.rows || m.cols != like.cols {
        return Err(CoreError::ShapeMismatch { what, expected: like.rows * like.cols, found: m.rows * m.cols }.into());
    }
    let same_blocks =
        m.blocks.len() == like.blocks.len() && m.blocks.iter().zip(&like.blocks).all(|(a, b)| a.len == b.len);
    if !same_blocks {
        return Err(CoreError::ShapeMismatch { what, expected: like.blocks.len(), found: m.blocks.len() }.into());
    }
    Ok(())
}

/// Device state after the scaling iterations: the kernel blocks G, duals u, v, marginal a, and
/// the prototype error Σ_j |(Qᵀ1)_j − 1/k| measured by the last column finalise.
struct Scaled {
    kernel: Vec<DeviceBuffer<f32>>,
    u: DeviceBuffer<f32>,
    v: DeviceBuffer<f32>,
    a: DeviceBuffer<f32>,
    info: SwavInfo,
}

impl<R: Runtime> Gpu<R> {
    /// SwAV's T iterations on `scores` (n × k) in row blocks. With `measure_last` (codes) a final
    /// row pass performs sample step T and measures the plan that the codes are; without it (hard
    /// targets) the loop stops after prototype step T, whose row arg-max is the label, and the
    /// error is the one of the plan after iteration T − 1, as clasp-core's `swav_assign` reports.
    fn swav_scaling(&self, scores: &DeviceMatrix, swav: CheckedSwav<'_>, measure_last: bool) -> Result<Scaled> {
        let (n, k) = (scores.rows, scores.cols);
        let params = swav.0;
        check_shape(n, k)?;
        for (_, rows, block) in scores.row_blocks() {
            check_len(block, rows * k, "scores")?;
            self.check_fits(block.len, "scores block bytes (above the device's largest binding)")?;
        }
        let c = &self.client;
        let inv_eps = (1.0 / params.eps) as f32;
        let parts: Vec<usize> = scores.row_blocks().map(|(_, rows, _)| rows.div_ceil(ROWS_PER_CUBE)).collect();
        let total_parts: usize = parts.iter().sum();
        self.check_fits(total_parts * k, "column partial sums (above the device's largest binding)")?;
        let kernel: Vec<DeviceBuffer<f32>> = scores.blocks.iter().map(|b| self.empty(b.len)).collect();
        let row_max = self.empty(n);
        let gmax = self.empty(1);
        let u = self.empty(n);
        let a = self.upload(&vec![1.0 / n as f32; n]);
        let b = self.upload(&vec![1.0 / k as f32; k]);
        let v = self.upload(&vec![1.0; k]);
        let col_mass = self.empty(k);
        let col_partial = self.empty(total_parts * k);
        let dim = CubeDim::new_1d(BLOCK as u32);

        for ((row0, rows, s), g) in scores.row_blocks().zip(&kernel) {
            sinkhorn_scaling::exp_rows::launch::<f32, R>(
                c,
                grid(rows),
                dim,
                s.arg(),
                g.arg(),
                row_max.arg(),
                rows,
                k,
                row0,
                inv_eps,
                BLOCK,
            );
        }
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
        let passes = if measure_last { params.iterations + 1 } else { params.iterations };
        for it in 0..passes {
            // it = 0: column sums of the initial plan (v = 1); afterwards: sample step + sums.
            let mut part0 = 0;
            for (((row0, rows, _), g), &p) in scores.row_blocks().zip(&kernel).zip(&parts) {
                sinkhorn_scaling::scaling_row_pass::launch::<f32, R>(
                    c,
                    grid(p),
                    dim,
                    g.arg(),
                    v.arg(),
                    a.arg(),
                    u.arg(),
                    col_partial.arg(),
                    rows,
                    k,
                    row0,
                    part0,
                    ROWS_PER_CUBE,
                    BLOCK,
                    it == 0,
                );
                part0 += p;
            }
            // Prototype step it + 1; the measuring pass after step T leaves v as it is.
            sinkhorn_scaling::scaling_col_finalise::launch::<f32, R>(
                c,
                kcount.clone(),
                kdim,
                col_partial.arg(),
                b.arg(),
                v.arg(),
                col_mass.arg(),
                total_parts,
                k,
                it < params.iterations,
            );
        }
        let mass = self.download(&col_mass)?;
        // Before any sample step (hard targets with T = 1) the plan is the normalised kernel.
        let scale = if passes == 1 { 1.0 / mass.iter().map(|&m| m as f64).sum::<f64>() } else { 1.0 };
        let err: f64 = mass.iter().map(|&m| (m as f64 * scale - 1.0 / k as f64).abs()).sum();
        if !err.is_finite() {
            return Err(CoreError::NumericalBreakdown { what: "swav scaling", iteration: params.iterations }.into());
        }
        let info = SwavInfo { iterations: params.iterations, prototype_err: err, samples: n };
        Ok(Scaled { kernel, u, v, a, info })
    }

    /// SwAV codes (clasp-core's `swav_codes` on the device): `codes` (n × k, same row blocks as
    /// `scores`) ← the rows of n·Q after T iterations of SwAV's `distributed_sinkhorn`, each
    /// summing to 1. Everything stays on the device.
    pub fn swav_codes(&self, scores: &DeviceMatrix, params: &SwavParams, codes: &DeviceMatrix) -> Result<SwavInfo> {
        self.swav_codes_checked(scores, CheckedSwav::new(params, scores.rows)?, codes)
    }

    fn swav_codes_checked(
        &self,
        scores: &DeviceMatrix,
        swav: CheckedSwav<'_>,
        codes: &DeviceMatrix,
    ) -> Result<SwavInfo> {
        check_matrix(codes, scores, "codes")?;
        let s = self.swav_scaling(scores, swav, true)?;
        for ((row0, rows, _), (g, out)) in scores.row_blocks().zip(s.kernel.iter().zip(&codes.blocks)) {
            let (count, dim) = elementwise(rows * scores.cols);
            sinkhorn_scaling::scaling_codes::launch::<f32, R>(
                &self.client,
                count,
                dim,
                g.arg(),
                s.u.arg(),
                s.v.arg(),
                s.a.arg(),
                out.arg(),
                rows,
                scores.cols,
                row0,
            );
        }
        Ok(s.info)
    }

    /// SIGMA's hard targets (clasp-core's `swav_assign` on the device): `labels[i] = argmax_j Q_ij`
    /// (ties to the lowest j) after T iterations; the plan is never written.
    pub fn swav_assign(
        &self,
        scores: &DeviceMatrix,
        params: &SwavParams,
        labels: &DeviceBuffer<u32>,
    ) -> Result<SwavInfo> {
        self.swav_assign_checked(scores, CheckedSwav::new(params, scores.rows)?, labels)
    }

    fn swav_assign_checked(
        &self,
        scores: &DeviceMatrix,
        swav: CheckedSwav<'_>,
        labels: &DeviceBuffer<u32>,
    ) -> Result<SwavInfo> {
        check_len(labels, scores.rows, "labels")?;
        let s = self.swav_scaling(scores, swav, false)?;
        for ((row0, rows, _), g) in scores.row_blocks().zip(&s.kernel) {
            hard_targets::row_argmax::launch::<f32, R>(
                &self.client,
                grid(rows),
                CubeDim::new_1d(BLOCK as u32),
                g.arg(),
                s.v.arg(),
                labels.arg(),
                rows,
                scores.cols,
                row0,
                BLOCK,
                false,
            );
        }
        Ok(s.info)
    }

    /// Host convenience for [`Gpu::swav_codes`] (clasp-core's `swav_codes_alloc`): validates
    /// (finite scores), uploads in row blocks, runs, reads back.
    pub fn swav_codes_host(&self, scores: MatRef<'_, f32>, params: &SwavParams) -> Result<(Vec<f32>, SwavInfo)> {
        let (n, k) = (scores.rows(), scores.cols());
        check_host(scores)?;
        let swav = CheckedSwav::new(params, n)?;
        let s = self.upload_matrix(scores.as_slice(), n, k)?;
        let codes = self.empty_matrix(n, k)?;
        let info = self.swav_codes_checked(&s, swav, &codes)?;
        Ok((self.download_matrix(&codes)?, info))
    }

    /// Host convenience for [`Gpu::swav_assign`] (clasp-core's `swav_assign_alloc`).
    pub fn swav_assign_host(&self, scores: MatRef<'_, f32>, params: &SwavParams) -> Result<(Vec<u32>, SwavInfo)> {
        let (n, k) = (scores.rows(), scores.cols());
        check_host(scores)?;
        let swav = CheckedSwav::new(params, n)?;
        let s = self.upload_matrix(scores.as_slice(), n, k)?;
        let labels = self.empty_u32(n);
        let info = self.swav_assign_checked(&s, swav, &labels)?;
        Ok((self.download_u32(&labels)?, info))
    }

    /// Log-domain Sinkhorn (clasp-core's `sinkhorn_log` on the device) on x (n × k, a cost or a
    /// similarity as `params.kind` says) with marginals given by their logarithms; writes the
    /// potentials `f` (n) and `g` (k), Q_ij = exp((σx_ij + f_i + g_j)/ε). The error ‖Qᵀ1 − b‖₂ is
    /// read back after iterations 1, 1 + `check_every`, … and after the last one, as the core
    /// checks it.
    #[allow(clippy::too_many_arguments)]
    pub fn sinkhorn_log(
        &self,
        x: &DeviceBuffer<f32>,
        log_a: &DeviceBuffer<f32>,
        log_b: &DeviceBuffer<f32>,
        n: usize,
        k: usize,
        params: &SinkhornParams,
        f: &DeviceBuffer<f32>,
        g: &DeviceBuffer<f32>,
    ) -> Result<SinkhornInfo> {
        params.validate()?;
        check_shape(n, k)?;
        check_len(x, n * k, "x")?;
        self.check_fits(n * k, "x bytes (above the device's largest binding)")?;
        check_len(log_a, n, "log_a")?;
        check_len(log_b, k, "log_b")?;
        check_len(f, n, "f")?;
        check_len(g, k, "g")?;
        let c = &self.client;
        let eps = params.eps as f32;
        let sign = params.kind.sign() as f32;
        let parts = n.div_ceil(ROWS_PER_CUBE);
        let col_m = self.empty(parts * k);
        let col_s = self.empty(parts * k);
        let col_err = self.empty(k);
        let dim = CubeDim::new_1d(BLOCK as u32);
        let (kcount, kdim) = elementwise(k);
        let mut info = SinkhornInfo { iterations: 0, marginal_err: f64::INFINITY, converged: false };
        let pass = |first: bool| {
            sinkhorn_log::log_row_pass::launch::<f32, R>(
                c,
                grid(parts),
                dim,
                x.arg(),
                g.arg(),
                log_a.arg(),
                f.arg(),
                col_m.arg(),
                col_s.arg(),
                n,
                k,
                eps,
                sign,
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
            let check = (it - 1) % params.check_every == 0;
            if check || it == params.max_iter {
                finalise(false);
                let err = self.download(&col_err)?.iter().map(|&e| (e as f64).powi(2)).sum::<f64>().sqrt();
                if !err.is_finite() {
                    return Err(CoreError::NumericalBreakdown { what: "log-domain sinkhorn", iteration: it }.into());
                }
                info.marginal_err = err;
                if check && err < params.tol {
                    info.converged = true;
                    break;
                }
            }
        }
        Ok(info)
    }

    /// Host convenience for [`Gpu::sinkhorn_log`] with clasp-core's input checks (finite x,
    /// strictly positive marginals of equal mass): returns the plan Q (n × k), f, g and the info.
    #[allow(clippy::type_complexity)]
    pub fn sinkhorn_log_host(
        &self,
        x: MatRef<'_, f32>,
        a: &[f32],
        b: &[f32],
        params: &SinkhornParams,
    ) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>, SinkhornInfo)> {
        let (n, k) = (x.rows(), x.cols());
        check_host(x)?;
        self.check_fits(n * k, "x bytes (above the device's largest binding)")?;
        params.validate()?;
        validate::len(a, n, "a")?;
        validate::len(b, k, "b")?;
        let ta = f64::from(validate::nonnegative(a, true, "a")?);
        let tb = f64::from(validate::nonnegative(b, true, "b")?);
        // clasp-core's relative tolerance for f32 marginals: max(√ε, 2ε) of f32.
        if (ta - tb).abs() > f64::from(f32::EPSILON).sqrt() * ta.max(tb) {
            return Err(CoreError::MassMismatch { what: "b", found: tb, expected: ta }.into());
        }
        let s = self.upload(x.as_slice());
        let la = self.upload(&a.iter().map(|v| v.ln()).collect::<Vec<_>>());
        let lb = self.upload(&b.iter().map(|v| v.ln()).collect::<Vec<_>>());
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
            params.eps as f32,
            params.kind.sign() as f32,
            false,
        );
        Ok((self.download(&plan)?, self.download(&f)?, self.download(&g)?, info))
    }

    /// `problems` independent n × k problems with uniform marginals (1/n, 1/k), back to back in
    /// `x`, `params.iterations` fixed iterations each (clasp-core's `sinkhorn_batched` with
    /// uniform marginals), in one launch (one cube per problem). Returns each problem's codes
    /// n·Q (same layout, rows sum to 1), each row's arg-max, and the core's [`BatchedInfo`].
    /// Limits: n ≤ [`BATCHED_MAX_N`], k ≤ [`BATCHED_MAX_K`] (the duals live in shared memory).
    pub fn swav_codes_batched_host(
        &self,
        x: &[f32],
        problems: usize,
        n: usize,
        k: usize,
        params: &BatchedParams,
    ) -> Result<(Vec<f32>, Vec<u32>, BatchedInfo)> {
        params.validate()?;
        iterations_fit(params.iterations)?;
        check_shape(n, k)?;
        if problems == 0 {
            return Err(CoreError::Empty { what: "problems" }.into());
        }
        if n > BATCHED_MAX_N || k > BATCHED_MAX_K {
            return Err(CoreError::InvalidParameter { name: "batched problem size", value: (n * k) as f64 }.into());
        }
        validate::len(x, problems * n * k, "x")?;
        self.check_fits(problems * n * k, "x bytes (above the device's largest binding)")?;
        validate::finite(x, "x")?;
        let s = self.upload(x);
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
            (params.kind.sign() / params.eps) as f32,
            params.iterations as u32,
            BATCHED_MAX_N,
            BATCHED_MAX_K,
            BLOCK,
        );
        let out = self.download(&codes)?;
        // ‖Qᵀ1 − b‖₂ per problem, Q = codes / n.
        let mut worst = 0.0f64;
        for p in out.chunks_exact(n * k) {
            let mut col = vec![0.0f64; k];
            for row in p.chunks_exact(k) {
                col.iter_mut().zip(row).for_each(|(c, &q)| *c += q as f64 / n as f64);
            }
            let err = col.iter().map(|c| (c - 1.0 / k as f64).powi(2)).sum::<f64>().sqrt();
            if !err.is_finite() {
                return Err(
                    CoreError::NumericalBreakdown { what: "batched sinkhorn", iteration: params.iterations }.into()
                );
            }
            worst = worst.max(err);
        }
        let info = BatchedInfo { iterations: params.iterations, max_marginal_err: worst, problems };
        Ok((out, self.download_u32(&labels)?, info))
    }
}

/// Largest n of [`Gpu::swav_codes_batched_host`].
pub const BATCHED_MAX_N: usize = 1024;
/// Largest k of [`Gpu::swav_codes_batched_host`].
pub const BATCHED_MAX_K: usize = 2048;

fn check_host(x: MatRef<'_, f32>) -> Result<()> {
    check_shape(x.rows(), x.cols())?;
    Ok(validate::finite(x.as_slice(), "scores")?)
}
