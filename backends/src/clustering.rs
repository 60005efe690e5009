//! Device steps of the clustering algorithms: a Lloyd k-means step, the GMM E-step with the
//! M-step's weighted sums, the bound optimizer's update and the Burer–Monteiro SDP gradient.
//! Each takes device buffers; the `*_host` variants upload, run and read back.

use crate::error::Result;
use clasp_core::bound::{CsrRef, StepInfo};
use clasp_core::mixture::{CovarianceType, GaussianMixture};
use clasp_core::{Error as CoreError, Float, MatMut, MatRef, validate};
use cubecl::prelude::*;

use crate::device::{BLOCK, DeviceBuffer, Gpu, check_len, elementwise, grid};
use crate::kernels::{bound, gmm, kmeans, reduce, sdp_gradient};

/// Width of the M-step sums: N_k, Σ r x, and Σ r x² unless the covariance is full or tied.
fn stats_len(kind: CovarianceType, k: usize, d: usize) -> usize {
    let squares = matches!(kind, CovarianceType::Diag | CovarianceType::Spherical);
    k + k * d + if squares { k * d } else { 0 }
}

fn dims(n: usize, k: usize, d: usize) -> Result<()> {
    if n == 0 {
        return Err(CoreError::Empty { what: "x" }.into());
    }
    if d == 0 {
        return Err(CoreError::Empty { what: "features" }.into());
    }
    Ok(validate::cluster_count(k, n)?)
}

impl<R: Runtime> Gpu<R> {
    /// One Lloyd step: assigns each point of x (n × d) to its nearest centre (k × d; ties to the
    /// lowest index), writes `labels`, `dist` (squared distance to the chosen centre), and replaces
    /// `centres` by the means of their points (an empty cluster keeps its centre).
    #[allow(clippy::too_many_arguments)]
    pub fn kmeans_step(
        &self,
        x: &DeviceBuffer<f32>,
        centres: &DeviceBuffer<f32>,
        n: usize,
        k: usize,
        d: usize,
        labels: &DeviceBuffer<u32>,
        dist: &DeviceBuffer<f32>,
    ) -> Result<()> {
        dims(n, k, d)?;
        check_len(x, n * d, "x")?;
        check_len(centres, k * d, "centres")?;
        check_len(labels, n, "labels")?;
        check_len(dist, n, "dist")?;
        let parts = n.div_ceil(BLOCK);
        let width = k * d + k;
        let partial = self.empty(parts * width);
        let sums = self.empty(width);
        let c = &self.client;
        kmeans::kmeans_assign::launch::<f32, R>(
            c,
            grid(parts),
            CubeDim::new_1d(BLOCK as u32),
            x.arg(),
            centres.arg(),
            labels.arg(),
            dist.arg(),
            partial.arg(),
            n,
            k,
            d,
            BLOCK,
        );
        let (count, dim) = elementwise(width);
        reduce::sum_partials::launch::<f32, R>(c, count, dim, partial.arg(), sums.arg(), parts, width);
        let (count, dim) = elementwise(k * d);
        kmeans::kmeans_update::launch::<f32, R>(c, count, dim, sums.arg(), centres.arg(), k, d);
        Ok(())
    }

    /// Host convenience for [`Gpu::kmeans_step`]: returns (labels, new centres, inertia Σ dist).
    pub fn kmeans_step_host(
        &self,
        x: &[f32],
        centres: &[f32],
        n: usize,
        k: usize,
        d: usize,
    ) -> Result<(Vec<u32>, Vec<f32>, f64)> {
        dims(n, k, d)?;
        validate::len(x, n * d, "x")?;
        validate::len(centres, k * d, "centres")?;
        validate::finite(x, "x")?;
        validate::finite(centres, "centres")?;
        let (xd, cd) = (self.upload(x), self.upload(centres));
        let (labels, dist) = (self.empty_u32(n), self.empty(n));
        self.kmeans_step(&xd, &cd, n, k, d, &labels, &dist)?;
        let inertia = self.download(&dist)?.iter().map(|&v| v as f64).sum();
        Ok((self.download_u32(&labels)?, self.download(&cd)?, inertia))
    }

    /// GMM E-step (clasp-core's `mixture::e_step` on the device): responsibilities `resp`
    /// (n × k) and per-point log-likelihood `log_rho` (n) of x (n × d) under means (k × d) and
    /// the precision Cholesky factors in `kind`'s layout (clasp-core's `precisions_cholesky`),
    /// with `log_const[c] = ln π_c − ½ d ln 2π + ln det U_c`; then the M-step sums `stats` =
    /// [N_k (k), Σ r x (k × d), Σ r x² (k × d, diag/spherical only)].
    #[allow(clippy::too_many_arguments)]
    pub fn gmm_estep(
        &self,
        x: &DeviceBuffer<f32>,
        means: &DeviceBuffer<f32>,
        prec_chol: &DeviceBuffer<f32>,
        log_const: &DeviceBuffer<f32>,
        n: usize,
        k: usize,
        d: usize,
        kind: CovarianceType,
        resp: &DeviceBuffer<f32>,
        log_rho: &DeviceBuffer<f32>,
        stats: &DeviceBuffer<f32>,
    ) -> Result<()> {
        dims(n, k, d)?;
        check_len(x, n * d, "x")?;
        check_len(means, k * d, "means")?;
        check_len(prec_chol, kind.covariance_len(k, d), "prec_chol")?;
        check_len(log_const, k, "log_const")?;
        check_len(resp, n * k, "resp")?;
        check_len(log_rho, n, "log_rho")?;
        let width = stats_len(kind, k, d);
        let squares = width > k + k * d;
        check_len(stats, width, "stats")?;
        let c = &self.client;
        let (count, dim) = elementwise(n);
        gmm::gmm_estep::launch::<f32, R>(
            c,
            count,
            dim,
            x.arg(),
            means.arg(),
            prec_chol.arg(),
            log_const.arg(),
            resp.arg(),
            log_rho.arg(),
            n,
            k,
            d,
            kind,
        );
        let parts = n.div_ceil(BLOCK);
        let partial = self.empty(parts * width);
        gmm::gmm_weighted_sums::launch::<f32, R>(
            c,
            grid(parts),
            CubeDim::new_1d(BLOCK as u32),
            x.arg(),
            resp.arg(),
            partial.arg(),
            n,
            k,
            d,
            BLOCK,
            squares,
        );
        let (count, dim) = elementwise(width);
        reduce::sum_partials::launch::<f32, R>(c, count, dim, partial.arg(), stats.arg(), parts, width);
        Ok(())
    }

    /// Host convenience for [`Gpu::gmm_estep`] under clasp-core's mixture `model` (its
    /// weights, means and precision Cholesky factors, in f32 on the device): returns
    /// (resp, log_prob_norm, stats) as [`Gpu::gmm_estep`] writes them.
    #[allow(clippy::type_complexity)]
    pub fn gmm_estep_host<F: Float + nalgebra::RealField>(
        &self,
        model: &GaussianMixture<F>,
        x: MatRef<'_, f32>,
    ) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
        let (n, d, k) = (x.rows(), x.cols(), model.n_components());
        if d != model.dim() {
            return Err(CoreError::ShapeMismatch { what: "x", expected: n * model.dim(), found: n * d }.into());
        }
        dims(n, k, d)?;
        validate::finite(x.as_slice(), "x")?;
        let kind = model.covariance_type();
        let f32s = |v: &[F]| v.iter().map(|&t| t.to_f64() as f32).collect::<Vec<f32>>();
        let consts: Vec<f32> = (0..k).map(|c| model.log_constant(c).to_f64() as f32).collect();
        let (xd, md, pd, cd) = (
            self.upload(x.as_slice()),
            self.upload(&f32s(model.means())),
            self.upload(&f32s(model.precisions_cholesky())),
            self.upload(&consts),
        );
        let (resp, log_rho, stats) = (self.empty(n * k), self.empty(n), self.empty(stats_len(kind, k, d)));
        self.gmm_estep(&xd, &md, &pd, &cd, n, k, d, kind, &resp, &log_rho, &stats)?;
        Ok((self.download(&resp)?, self.download(&log_rho)?, self.download(&stats)?))
    }

    /// One parallel bound update (clasp-core's `bound_step` without the monotone safeguard):
    /// y_p ← softmax(−a_p + λ (W Y)_p) for the rows from `fixed_rows` on, W (n × n) in CSR
    /// form; writes `y_next` and `energy[p]`, the rows' terms of clasp-core's `bound_energy`
    /// at `y_next`.
    #[allow(clippy::too_many_arguments)]
    pub fn bound_step(
        &self,
        row_ptr: &DeviceBuffer<u32>,
        col_idx: &DeviceBuffer<u32>,
        weights: &DeviceBuffer<f32>,
        a: &DeviceBuffer<f32>,
        y: &DeviceBuffer<f32>,
        n: usize,
        k: usize,
        lambda: f64,
        fixed_rows: usize,
        y_next: &DeviceBuffer<f32>,
        energy: &DeviceBuffer<f32>,
    ) -> Result<()> {
        dims(n, k, 1)?;
        validate::nonnegative_param(lambda, "lambda")?;
        if fixed_rows > n {
            return Err(CoreError::InvalidParameter { name: "fixed_rows", value: fixed_rows as f64 }.into());
        }
        check_len(row_ptr, n + 1, "row_ptr")?;
        check_len(weights, col_idx.len, "weights")?;
        check_len(a, n * k, "a")?;
        check_len(y, n * k, "y")?;
        check_len(y_next, n * k, "y_next")?;
        check_len(energy, n, "energy")?;
        let (count, dim) = elementwise(n);
        let launch = |from: &DeviceBuffer<f32>, to: &DeviceBuffer<f32>, step: bool| {
            bound::bound_update::launch::<f32, R>(
                &self.client,
                count.clone(),
                dim,
                row_ptr.arg(),
                col_idx.arg(),
                weights.arg(),
                a.arg(),
                from.arg(),
                to.arg(),
                energy.arg(),
                n,
                k,
                fixed_rows,
                lambda as f32,
                step,
            );
        };
        launch(y, y_next, true);
        // Energy terms at the new iterate; nothing is written to the placeholder.
        launch(y_next, &self.empty(1), false);
        Ok(())
    }

    /// Host convenience for [`Gpu::bound_step`] with clasp-core's `bound_step` arguments: the
    /// unary costs (n × k), the validated affinity, λ, `monotone` (not implemented on the
    /// device: `true` is rejected), the fixed rows and Y (n × k, updated in place). Returns the
    /// core's [`StepInfo`] with the energy of the new Y.
    pub fn bound_step_host(
        &self,
        unary: MatRef<'_, f32>,
        w: &CsrRef<'_, f32>,
        lambda: f64,
        monotone: bool,
        fixed_rows: usize,
        y: &mut MatMut<'_, f32>,
    ) -> Result<StepInfo> {
        if monotone {
            return Err(
                CoreError::InvalidParameter { name: "monotone (not supported on the device)", value: 1.0 }.into()
            );
        }
        let (n, k) = (y.rows(), y.cols());
        let (un, uk) = (unary.rows(), unary.cols());
        if (un, uk, w.n()) != (n, k, n) {
            return Err(
                CoreError::ShapeMismatch { what: "unary, y and affinity", expected: n * k, found: un * uk }.into()
            );
        }
        validate::finite(unary.as_slice(), "unary")?;
        validate::nonnegative(y.as_mut_slice(), false, "y")?;
        let too_big = |v: usize| CoreError::InvalidParameter { name: "affinity size (above u32)", value: v as f64 };
        let mut row_ptr = Vec::with_capacity(n + 1);
        row_ptr.push(0u32);
        let (mut col_idx, mut weights) = (Vec::with_capacity(w.nnz()), Vec::with_capacity(w.nnz()));
        for p in 0..n {
            let (idx, wts) = w.row(p);
            for &q in idx {
                col_idx.push(u32::try_from(q).map_err(|_| too_big(q))?);
            }
            weights.extend_from_slice(wts);
            row_ptr.push(u32::try_from(col_idx.len()).map_err(|_| too_big(col_idx.len()))?);
        }
        let (rp, ci, wd, ad, yd) = (
            self.upload_u32(&row_ptr),
            self.upload_u32(&col_idx),
            self.upload(&weights),
            self.upload(unary.as_slice()),
            self.upload(y.as_mut_slice()),
        );
        let (next, energy) = (self.empty(n * k), self.empty(n));
        self.bound_step(&rp, &ci, &wd, &ad, &yd, n, k, lambda, fixed_rows, &next, &energy)?;
        let e: f64 = self.download(&energy)?.iter().map(|&v| v as f64).sum();
        let next = self.download(&next)?;
        if !e.is_finite() || next.iter().any(|v| !v.is_finite()) {
            return Err(CoreError::NumericalBreakdown { what: "bound step", iteration: 1 }.into());
        }
        y.as_mut_slice().copy_from_slice(&next);
        Ok(StepInfo { energy: e, halvings: 0, moved: true })
    }

    /// Burer–Monteiro gradient G = −2 x (xᵀU) + ŷ sᵀ + 1 tᵀ with s = Uᵀ1, ŷ = y + β(Us − 1),
    /// t = Uᵀŷ, for points x (n × p) and the factor U (n × r); writes `grad` (n × r) and `y_hat`.
    #[allow(clippy::too_many_arguments)]
    pub fn bm_gradient(
        &self,
        x: &DeviceBuffer<f32>,
        u: &DeviceBuffer<f32>,
        y: &DeviceBuffer<f32>,
        n: usize,
        p: usize,
        r: usize,
        beta: f64,
        grad: &DeviceBuffer<f32>,
        y_hat: &DeviceBuffer<f32>,
    ) -> Result<()> {
        dims(n, 1, p)?;
        if r == 0 {
            return Err(CoreError::Empty { what: "rank" }.into());
        }
        validate::nonnegative_param(beta, "beta")?;
        check_len(x, n * p, "x")?;
        check_len(u, n * r, "u")?;
        check_len(y, n, "y")?;
        check_len(grad, n * r, "grad")?;
        check_len(y_hat, n, "y_hat")?;
        let c = &self.client;
        let (s, t, xt_u) = (self.empty(r), self.empty(r), self.empty(p * r));
        let (rc, rd) = elementwise(r);
        sdp_gradient::column_sums::launch::<f32, R>(c, rc.clone(), rd, u.arg(), s.arg(), n, r);
        let (nc, nd) = elementwise(n);
        sdp_gradient::bm_multiplier::launch::<f32, R>(
            c,
            nc,
            nd,
            u.arg(),
            s.arg(),
            y.arg(),
            y_hat.arg(),
            n,
            r,
            beta as f32,
        );
        sdp_gradient::weighted_column_sums::launch::<f32, R>(c, rc, rd, u.arg(), y_hat.arg(), t.arg(), n, r);
        let tile = sdp_gradient::TILE;
        let mm_dim = CubeDim::new_1d((tile * tile) as u32);
        let tiles =
            |rows: usize, cols: usize| CubeCount::Static(cols.div_ceil(tile) as u32, rows.div_ceil(tile) as u32, 1);
        // xᵀU (p × r): A = xᵀ is x with swapped strides.
        sdp_gradient::matmul::launch::<f32, R>(
            c,
            tiles(p, r),
            mm_dim,
            x.arg(),
            u.arg(),
            xt_u.arg(),
            p,
            r,
            n,
            1,
            p,
            r,
            1,
            1.0,
            tile,
        );
        // −2 x (xᵀU) (n × r).
        sdp_gradient::matmul::launch::<f32, R>(
            c,
            tiles(n, r),
            mm_dim,
            x.arg(),
            xt_u.arg(),
            grad.arg(),
            n,
            r,
            p,
            p,
            1,
            r,
            1,
            -2.0,
            tile,
        );
        let (gc, gd) = elementwise(n * r);
        sdp_gradient::bm_gradient_epilogue::launch::<f32, R>(
            c,
            gc,
            gd,
            grad.arg(),
            y_hat.arg(),
            s.arg(),
            t.arg(),
            n,
            r,
        );
        Ok(())
    }

    /// Host convenience for [`Gpu::bm_gradient`]: returns (G, ŷ).
    #[allow(clippy::too_many_arguments)]
    pub fn bm_gradient_host(
        &self,
        x: &[f32],
        u: &[f32],
        y: &[f32],
        n: usize,
        p: usize,
        r: usize,
        beta: f64,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        dims(n, 1, p)?;
        if r == 0 {
            return Err(CoreError::Empty { what: "rank" }.into());
        }
        validate::len(x, n * p, "x")?;
        validate::len(u, n * r, "u")?;
        validate::len(y, n, "y")?;
        validate::finite(x, "x")?;
        validate::finite(u, "u")?;
        validate::finite(y, "y")?;
        let (xd, ud, yd) = (self.upload(x), self.upload(u), self.upload(y));
        let (g, yh) = (self.empty(n * r), self.empty(n));
        self.bm_gradient(&xd, &ud, &yd, n, p, r, beta, &g, &yh)?;
        Ok((self.download(&g)?, self.download(&yh)?))
    }
}
