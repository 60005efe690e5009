//! Lloyd's k-means step on the device.
use clasp_core::validate;
use cubecl::prelude::*;

use super::dims;
use crate::device::{BLOCK, DeviceBuffer, Gpu, check_len, elementwise, grid};
use crate::error::Result;
use crate::kernels::{kmeans, reduce};

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
}
