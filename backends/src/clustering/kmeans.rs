//! Lloyd's k-means step on the device.
use clasp_core::{Error as CoreError, MatRef, validate};
use cubecl::prelude::*;

use super::dims;
use crate::device::{BLOCK, DeviceBuffer, DeviceMatrix, Gpu, check_len, elementwise, grid};
use crate::error::Result;
use crate::kernels::{kmeans, reduce};

impl<R: Runtime> Gpu<R> {
    /// One Lloyd step: assigns each point of x (n × d) to its nearest centre (k × d; ties to the
    /// lowest index), writes `labels`, `dist` (squared distance to the chosen centre), and replaces
    /// `centres` by the means of their points (an empty cluster keeps its centre). Both matrices
    /// are one-block ([`Gpu::upload_single`]).
    pub fn kmeans_step(
        &self,
        x: &DeviceMatrix,
        centres: &DeviceMatrix,
        labels: &DeviceBuffer<u32>,
        dist: &DeviceBuffer<f32>,
    ) -> Result<()> {
        let (n, k, d) = (x.rows(), centres.rows(), x.cols());
        dims(n, k, d)?;
        let x = x.single(n, d, "x")?;
        let centres = centres.single(k, d, "centres")?;
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

    /// Host convenience for [`Gpu::kmeans_step`] on points x (n × d) and centres (k × d):
    /// returns (labels, new centres, inertia Σ dist).
    pub fn kmeans_step_host(&self, x: MatRef<'_, f32>, centres: MatRef<'_, f32>) -> Result<(Vec<u32>, Vec<f32>, f64)> {
        let (n, k, d) = (x.rows(), centres.rows(), x.cols());
        dims(n, k, d)?;
        if centres.cols() != d {
            return Err(CoreError::ShapeMismatch { what: "centres", expected: k * d, found: k * centres.cols() }.into());
        }
        validate::finite(x.as_slice(), "x")?;
        validate::finite(centres.as_slice(), "centres")?;
        let (xd, cd) = (self.upload_single(x.as_slice(), n, d)?, self.upload_single(centres.as_slice(), k, d)?);
        let (labels, dist) = (self.empty_u32(n), self.empty(n));
        self.kmeans_step(&xd, &cd, &labels, &dist)?;
        let inertia = self.download(&dist)?.iter().map(|&v| v as f64).sum();
        Ok((self.download_u32(&labels)?, self.download_matrix(&cd)?, inertia))
    }
}
