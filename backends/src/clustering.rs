//! Device steps of the clustering algorithms: a Lloyd k-means step, the GMM E-step with the
//! M-step's weighted sums, the bound optimizer's update and the Burer–Monteiro SDP gradient.
//! Each takes device buffers; the `*_host` variants upload, run and read back.

use clasp_core::{Error, Result, validate};
use cubecl::prelude::*;

use crate::device::{BLOCK, DeviceBuffer, Gpu, check_len, elementwise, grid};
use crate::kernels::{bound, gmm, kmeans, reduce, sdp_gradient};

/// Covariance structure of a GMM E-step (scikit-learn's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CovarianceKind {
    /// One d × d precision Cholesky factor per component (k × d × d, upper triangular U_k).
    Full,
    /// Per-feature precision square roots (k × d).
    Diag,
    /// One precision square root per component (k).
    Spherical,
}

impl CovarianceKind {
    fn code(self) -> u32 {
        match self {
            CovarianceKind::Full => 0,
            CovarianceKind::Diag => 1,
            CovarianceKind::Spherical => 2,
        }
    }

    /// Length of the `prec_chol` buffer for k components in d dimensions.
    pub fn prec_len(self, k: usize, d: usize) -> usize {
        match self {
            CovarianceKind::Full => k * d * d,
            CovarianceKind::Diag => k * d,
            CovarianceKind::Spherical => k,
        }
    }
}

fn dims(n: usize, k: usize, d: usize) -> Result<()> {
    if n == 0 {
        return Err(Error::Empty { what: "x" });
    }
    if d == 0 {
        return Err(Error::Empty { what: "features" });
    }
    validate::cluster_count(k, n)
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

    /// GMM E-step: responsibilities `resp` (n × k) and per-point log-likelihood `log_rho` (n)
    /// of x (n × d) under weights, means (k × d) and precision Cholesky factors (`kind`), then the
    /// M-step sums `stats` = [N_k (k), Σ r x (k × d), Σ r x² (k × d, diag/spherical only)].
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
        kind: CovarianceKind,
        resp: &DeviceBuffer<f32>,
        log_rho: &DeviceBuffer<f32>,
        stats: &DeviceBuffer<f32>,
    ) -> Result<()> {
        dims(n, k, d)?;
        check_len(x, n * d, "x")?;
        check_len(means, k * d, "means")?;
        check_len(prec_chol, kind.prec_len(k, d), "prec_chol")?;
        check_len(log_const, k, "log_const")?;
        check_len(resp, n * k, "resp")?;
        check_len(log_rho, n, "log_rho")?;
        let squares = kind != CovarianceKind::Full;
        let width = k + k * d + if squares { k * d } else { 0 };
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
            kind.code(),
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

    /// Host convenience for [`Gpu::gmm_estep`] from weights, means and precision Cholesky
    /// factors: returns (resp, log_rho, stats). The k constants log w_k − ½ d log 2π + log det U_k
    /// are computed here.
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    pub fn gmm_estep_host(
        &self,
        x: &[f32],
        weights: &[f32],
        means: &[f32],
        prec_chol: &[f32],
        n: usize,
        k: usize,
        d: usize,
        kind: CovarianceKind,
    ) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
        dims(n, k, d)?;
        validate::len(x, n * d, "x")?;
        validate::len(weights, k, "weights")?;
        validate::len(means, k * d, "means")?;
        validate::len(prec_chol, kind.prec_len(k, d), "prec_chol")?;
        validate::finite(x, "x")?;
        validate::finite(means, "means")?;
        validate::finite(prec_chol, "prec_chol")?;
        validate::nonnegative(weights, true, "weights")?;
        let log_det = |c: usize| -> f64 {
            match kind {
                CovarianceKind::Full => (0..d).map(|j| (prec_chol[c * d * d + j * d + j] as f64).ln()).sum(),
                CovarianceKind::Diag => (0..d).map(|j| (prec_chol[c * d + j] as f64).ln()).sum(),
                CovarianceKind::Spherical => d as f64 * (prec_chol[c] as f64).ln(),
            }
        };
        let diag_ok = (0..k).all(|c| log_det(c).is_finite());
        if !diag_ok {
            return Err(Error::NotPositiveDefinite {
                what: "prec_chol",
                component: (0..k).find(|&c| !log_det(c).is_finite()).unwrap_or(0),
            });
        }
        let half_log_2pi = 0.5 * (2.0 * core::f64::consts::PI).ln();
        let consts: Vec<f32> =
            (0..k).map(|c| ((weights[c] as f64).ln() - d as f64 * half_log_2pi + log_det(c)) as f32).collect();
        let width = k + k * d + if kind == CovarianceKind::Full { 0 } else { k * d };
        let (xd, md, pd, cd) = (self.upload(x), self.upload(means), self.upload(prec_chol), self.upload(&consts));
        let (resp, log_rho, stats) = (self.empty(n * k), self.empty(n), self.empty(width));
        self.gmm_estep(&xd, &md, &pd, &cd, n, k, d, kind, &resp, &log_rho, &stats)?;
        Ok((self.download(&resp)?, self.download(&log_rho)?, self.download(&stats)?))
    }

    /// Bound-optimizer update y_p ← softmax(−a_p + λ (W Y)_p) with W (n × n) in CSR form; writes
    /// `y_next` and each row's energy term at the previous Y.
    #[allow(clippy::too_many_arguments)]
    pub fn bound_update(
        &self,
        row_ptr: &DeviceBuffer<u32>,
        col_idx: &DeviceBuffer<u32>,
        weights: &DeviceBuffer<f32>,
        a: &DeviceBuffer<f32>,
        y: &DeviceBuffer<f32>,
        n: usize,
        k: usize,
        lambda: f64,
        y_next: &DeviceBuffer<f32>,
        energy: &DeviceBuffer<f32>,
    ) -> Result<()> {
        dims(n, k, 1)?;
        validate::nonnegative_param(lambda, "lambda")?;
        check_len(row_ptr, n + 1, "row_ptr")?;
        check_len(weights, col_idx.len, "weights")?;
        check_len(a, n * k, "a")?;
        check_len(y, n * k, "y")?;
        check_len(y_next, n * k, "y_next")?;
        check_len(energy, n, "energy")?;
        let (count, dim) = elementwise(n);
        bound::bound_update::launch::<f32, R>(
            &self.client,
            count,
            dim,
            row_ptr.arg(),
            col_idx.arg(),
            weights.arg(),
            a.arg(),
            y.arg(),
            y_next.arg(),
            energy.arg(),
            n,
            k,
            lambda as f32,
        );
        Ok(())
    }

    /// Host convenience for [`Gpu::bound_update`]; validates the CSR structure. Returns
    /// (Y next, total energy at Y).
    #[allow(clippy::too_many_arguments)]
    pub fn bound_update_host(
        &self,
        row_ptr: &[u32],
        col_idx: &[u32],
        weights: &[f32],
        a: &[f32],
        y: &[f32],
        n: usize,
        k: usize,
        lambda: f64,
    ) -> Result<(Vec<f32>, f64)> {
        dims(n, k, 1)?;
        validate::len(row_ptr, n + 1, "row_ptr")?;
        validate::len(weights, col_idx.len(), "weights")?;
        validate::len(a, n * k, "a")?;
        validate::len(y, n * k, "y")?;
        validate::finite(weights, "weights")?;
        validate::finite(a, "a")?;
        validate::finite(y, "y")?;
        for (p, w) in row_ptr.windows(2).enumerate() {
            if w[0] > w[1] {
                return Err(Error::IndexOutOfRange {
                    what: "row_ptr",
                    index: p + 1,
                    value: w[1] as usize,
                    bound: w[0] as usize,
                });
            }
        }
        if row_ptr.first() != Some(&0) || row_ptr.last().map(|&l| l as usize) != Some(col_idx.len()) {
            return Err(Error::ShapeMismatch { what: "row_ptr", expected: col_idx.len(), found: row_ptr[n] as usize });
        }
        if let Some((i, &q)) = col_idx.iter().enumerate().find(|&(_, &q)| q as usize >= n) {
            return Err(Error::IndexOutOfRange { what: "col_idx", index: i, value: q as usize, bound: n });
        }
        let (rp, ci, w, ad, yd) =
            (self.upload_u32(row_ptr), self.upload_u32(col_idx), self.upload(weights), self.upload(a), self.upload(y));
        let (next, energy) = (self.empty(n * k), self.empty(n));
        self.bound_update(&rp, &ci, &w, &ad, &yd, n, k, lambda, &next, &energy)?;
        let e = self.download(&energy)?.iter().map(|&v| v as f64).sum();
        Ok((self.download(&next)?, e))
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
            return Err(Error::Empty { what: "rank" });
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
            return Err(Error::Empty { what: "rank" });
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
