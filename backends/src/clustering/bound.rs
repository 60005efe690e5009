//! The bound optimiser's parallel update on the device.
use clasp_core::bound::{CsrRef, StepInfo};
use clasp_core::{Error as CoreError, MatMut, MatRef, validate};

use super::dims;
use cubecl::prelude::*;

use crate::device::{DeviceBuffer, Gpu, check_len, elementwise};
use crate::error::Result;
use crate::kernels::bound;

impl<R: Runtime> Gpu<R> {
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
}
