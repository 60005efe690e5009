//! The GMM E-step with the M-step's weighted sums on the device.
use clasp_core::mixture::{CovarianceType, GaussianMixture};
use clasp_core::{Error as CoreError, Linalg, MatRef, validate};
use cubecl::prelude::*;

use super::dims;
use crate::device::{BLOCK, DeviceBuffer, DeviceMatrix, Gpu, check_len, elementwise, grid};
use crate::error::Result;
use crate::kernels::{gmm, reduce};

/// Width of the M-step sums: N_k, Σ r x, and Σ r x² unless the covariance is full or tied.
fn stats_len(kind: CovarianceType, k: usize, d: usize) -> usize {
    let squares = matches!(kind, CovarianceType::Diag | CovarianceType::Spherical);
    k + k * d + if squares { k * d } else { 0 }
}

/// A Gaussian mixture on the device in the E-step kernel's form: means (k × d), the precision
/// Cholesky factors in `kind`'s layout (clasp-core's `precisions_cholesky`) and
/// `log_const[c] = ln π_c − ½ d ln 2π + ln det U_c` (clasp-core's `GaussianMixture::log_constant`),
/// in f32. Made by [`Gpu::upload_mixture`].
pub struct DeviceMixture {
    means: DeviceMatrix,
    prec_chol: DeviceBuffer<f32>,
    log_const: DeviceBuffer<f32>,
    kind: CovarianceType,
}

impl DeviceMixture {
    /// Number of components k.
    pub fn n_components(&self) -> usize {
        self.means.rows()
    }

    /// Dimension d.
    pub fn dim(&self) -> usize {
        self.means.cols()
    }

    /// The covariance type.
    pub fn covariance_type(&self) -> CovarianceType {
        self.kind
    }

    /// Length of the M-step sums [`Gpu::gmm_estep`] writes.
    pub fn stats_len(&self) -> usize {
        stats_len(self.kind, self.n_components(), self.dim())
    }
}

impl<R: Runtime> Gpu<R> {
    /// Uploads clasp-core's mixture `model` (weights, means, precision Cholesky factors) in f32.
    pub fn upload_mixture<F: Linalg>(&self, model: &GaussianMixture<F>) -> Result<DeviceMixture> {
        let (k, d) = (model.n_components(), model.dim());
        let f32s = |v: &[F]| v.iter().map(|&t| t.to_f64() as f32).collect::<Vec<f32>>();
        let consts: Vec<f32> = (0..k).map(|c| model.log_constant(c).to_f64() as f32).collect();
        Ok(DeviceMixture {
            means: self.upload_single(&f32s(model.means()), k, d)?,
            prec_chol: self.upload(&f32s(model.precisions_cholesky())),
            log_const: self.upload(&consts),
            kind: model.covariance_type(),
        })
    }

    /// GMM E-step (clasp-core's `mixture::e_step` on the device): responsibilities `resp`
    /// (n × k) and per-point log-likelihood `log_rho` (n) of x (n × d, one block) under `model`;
    /// then the M-step sums `stats` = [N_k (k), Σ r x (k × d), Σ r x² (k × d, diag/spherical
    /// only)] ([`DeviceMixture::stats_len`] values).
    pub fn gmm_estep(
        &self,
        x: &DeviceMatrix,
        model: &DeviceMixture,
        resp: &DeviceMatrix,
        log_rho: &DeviceBuffer<f32>,
        stats: &DeviceBuffer<f32>,
    ) -> Result<()> {
        let (n, k, d, kind) = (x.rows(), model.n_components(), model.dim(), model.kind);
        dims(n, k, d)?;
        let x = x.single(n, d, "x")?;
        let resp = resp.single(n, k, "resp")?;
        let means = model.means.single(k, d, "means")?;
        check_len(&model.prec_chol, kind.covariance_len(k, d), "prec_chol")?;
        check_len(&model.log_const, k, "log_const")?;
        check_len(log_rho, n, "log_rho")?;
        let width = model.stats_len();
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
            model.prec_chol.arg(),
            model.log_const.arg(),
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

    /// Host convenience for [`Gpu::gmm_estep`] under clasp-core's mixture `model`: returns
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
        let dm = self.upload_mixture(model)?;
        let xd = self.upload_single(x.as_slice(), n, d)?;
        let (resp, log_rho, stats) = (self.empty_single(n, k)?, self.empty(n), self.empty(dm.stats_len()));
        self.gmm_estep(&xd, &dm, &resp, &log_rho, &stats)?;
        Ok((self.download_matrix(&resp)?, self.download(&log_rho)?, self.download(&stats)?))
    }
}
