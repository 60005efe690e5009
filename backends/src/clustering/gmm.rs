//! The GMM E-step with the M-step's weighted sums on the device.
use clasp_core::mixture::{CovarianceType, GaussianMixture};
use clasp_core::{Error as CoreError, Linalg, MatRef, validate};
use cubecl::prelude::*;

use super::dims;
use crate::device::{BLOCK, DeviceBuffer, Gpu, check_len, elementwise, grid};
use crate::error::Result;
use crate::kernels::{gmm, reduce};

/// Width of the M-step sums: N_k, Σ r x, and Σ r x² unless the covariance is full or tied.
fn stats_len(kind: CovarianceType, k: usize, d: usize) -> usize {
    let squares = matches!(kind, CovarianceType::Diag | CovarianceType::Spherical);
    k + k * d + if squares { k * d } else { 0 }
}

impl<R: Runtime> Gpu<R> {
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
    pub fn gmm_estep_host<F: Linalg>(
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
}
