//! The Burer–Monteiro SDP gradient on the device.
use clasp_core::{Error as CoreError, MatRef, validate};

use super::dims;
use cubecl::prelude::*;

use crate::device::{DeviceBuffer, DeviceMatrix, Gpu, check_len, elementwise};
use crate::error::Result;
use crate::kernels::sdp_gradient;

impl<R: Runtime> Gpu<R> {
    /// Burer–Monteiro gradient G = −2 x (xᵀU) + ŷ sᵀ + 1 tᵀ with s = Uᵀ1, ŷ = y + β(Us − 1),
    /// t = Uᵀŷ, for points x (n × p) and the factor U (n × r), one-block matrices; writes
    /// `grad` (n × r) and `y_hat` (n).
    pub fn bm_gradient(
        &self,
        x: &DeviceMatrix,
        u: &DeviceMatrix,
        y: &DeviceBuffer<f32>,
        beta: f64,
        grad: &DeviceMatrix,
        y_hat: &DeviceBuffer<f32>,
    ) -> Result<()> {
        let (n, p, r) = (x.rows(), x.cols(), u.cols());
        dims(n, 1, p)?;
        if r == 0 {
            return Err(CoreError::Empty { what: "rank" }.into());
        }
        validate::nonnegative_param(beta, "beta")?;
        let x = x.single(n, p, "x")?;
        let u = u.single(n, r, "u")?;
        let grad = grad.single(n, r, "grad")?;
        check_len(y, n, "y")?;
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

    /// Host convenience for [`Gpu::bm_gradient`] on x (n × p), U (n × r) and y (n): returns (G, ŷ).
    pub fn bm_gradient_host(
        &self,
        x: MatRef<'_, f32>,
        u: MatRef<'_, f32>,
        y: &[f32],
        beta: f64,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let (n, p, r) = (x.rows(), x.cols(), u.cols());
        dims(n, 1, p)?;
        if u.rows() != n {
            return Err(CoreError::ShapeMismatch { what: "u", expected: n * r, found: u.rows() * r }.into());
        }
        validate::len(y, n, "y")?;
        validate::finite(x.as_slice(), "x")?;
        validate::finite(u.as_slice(), "u")?;
        validate::finite(y, "y")?;
        let (xd, ud) = (self.upload_single(x.as_slice(), n, p)?, self.upload_single(u.as_slice(), n, r)?);
        let yd = self.upload(y);
        let (g, yh) = (self.empty_single(n, r)?, self.empty(n));
        self.bm_gradient(&xd, &ud, &yd, beta, &g, &yh)?;
        Ok((self.download_matrix(&g)?, self.download(&yh)?))
    }
}
