//! The bound optimiser's parallel update on the device.
use clasp_core::bound::{CsrRef, StepInfo};
use clasp_core::{Error as CoreError, MatMut, MatRef, validate};

use super::dims;
use cubecl::prelude::*;

use crate::device::{DeviceBuffer, DeviceMatrix, Gpu, check_len, elementwise};
use crate::error::Result;
use crate::kernels::bound;

/// A sparse affinity W (n × n) on the device in CSR form (u32 row pointers and column indices,
/// f32 weights), made by [`Gpu::upload_csr`] from clasp-core's validated [`CsrRef`].
pub struct DeviceCsr {
    n: usize,
    row_ptr: DeviceBuffer<u32>,
    col_idx: DeviceBuffer<u32>,
    weights: DeviceBuffer<f32>,
}

impl DeviceCsr {
    /// Number of rows (and columns) n.
    pub fn n(&self) -> usize {
        self.n
    }
}

impl<R: Runtime> Gpu<R> {
    /// Uploads a validated affinity; indices above u32 are rejected.
    pub fn upload_csr(&self, w: &CsrRef<'_, f32>) -> Result<DeviceCsr> {
        let n = w.n();
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
        Ok(DeviceCsr {
            n,
            row_ptr: self.upload_u32(&row_ptr),
            col_idx: self.upload_u32(&col_idx),
            weights: self.upload(&weights),
        })
    }

    /// One parallel bound update (clasp-core's `bound_step` without the monotone safeguard):
    /// y_p ← softmax(−a_p + λ (W Y)_p) for the rows from `fixed_rows` on; writes `y_next` and
    /// `energy[p]`, the rows' terms of clasp-core's `bound_energy` at `y_next`. The unary costs
    /// `a`, `y` and `y_next` are one-block n × k matrices.
    #[allow(clippy::too_many_arguments)]
    pub fn bound_step(
        &self,
        w: &DeviceCsr,
        a: &DeviceMatrix,
        y: &DeviceMatrix,
        lambda: f64,
        fixed_rows: usize,
        y_next: &DeviceMatrix,
        energy: &DeviceBuffer<f32>,
    ) -> Result<()> {
        let (n, k) = (w.n, a.cols());
        dims(n, k, 1)?;
        validate::nonnegative_param(lambda, "lambda")?;
        if fixed_rows > n {
            return Err(CoreError::InvalidParameter { name: "fixed_rows", value: fixed_rows as f64 }.into());
        }
        check_len(&w.row_ptr, n + 1, "row_ptr")?;
        check_len(&w.weights, w.col_idx.len, "weights")?;
        let a = a.single(n, k, "a")?;
        let y = y.single(n, k, "y")?;
        let y_next = y_next.single(n, k, "y_next")?;
        check_len(energy, n, "energy")?;
        let (count, dim) = elementwise(n);
        let launch = |from: &DeviceBuffer<f32>, to: &DeviceBuffer<f32>, step: bool| {
            bound::bound_update::launch::<f32, R>(
                &self.client,
                count.clone(),
                dim,
                w.row_ptr.arg(),
                w.col_idx.arg(),
                w.weights.arg(),
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
        let wd = self.upload_csr(w)?;
        let ad = self.upload_single(unary.as_slice(), n, k)?;
        let yd = self.upload_single(y.as_mut_slice(), n, k)?;
        let (next, energy) = (self.empty_single(n, k)?, self.empty(n));
        self.bound_step(&wd, &ad, &yd, lambda, fixed_rows, &next, &energy)?;
        let e: f64 = self.download(&energy)?.iter().map(|&v| v as f64).sum();
        let next = self.download_matrix(&next)?;
        if !e.is_finite() || next.iter().any(|v| !v.is_finite()) {
            return Err(CoreError::NumericalBreakdown { what: "bound step", iteration: 1 }.into());
        }
        y.as_mut_slice().copy_from_slice(&next);
        Ok(StepInfo { energy: e, halvings: 0, moved: true })
    }
}
