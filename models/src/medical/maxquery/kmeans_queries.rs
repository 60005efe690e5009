//! The training-free baseline: "queries" = the core's k-means centres (k-means++, 3 restarts)
//! of hand-made per-pixel features of the training crops, each centre's class = the majority
//! label of its pixels; a test pixel takes its nearest centre's class and its OOD score is the
//! squared distance to that centre (−max affinity with affinity = −‖x − c‖²).
//!
//! Features per pixel: the appearance statistics of [`pixel_features`], standardised with the
//! training mean and deviation.

use super::appearance::pixel_features;
use crate::medical::bench::Crop;
use crate::{Error, Result};
use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansParams, kmeans, kmeans_assign};

/// The fitted baseline.
#[derive(Clone, Debug)]
pub struct KMeansQueries {
    dim: usize,
    mean: Vec<f64>,
    sd: Vec<f64>,
    centers: Vec<f64>,
    class_of: Vec<usize>,
}

impl KMeansQueries {
    /// Fits `k` centres on (at most `max_pixels`, evenly strided) pixels of `crops`.
    pub fn fit(crops: &[Crop], k: usize, classes: usize, max_pixels: usize, seed: u64) -> Result<Self> {
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        let mut dim = 0;
        for c in crops {
            let (r, d) = pixel_features(c);
            dim = d;
            rows.extend(r);
            labels.extend(c.labels.iter().map(|&l| usize::from(l)));
        }
        let n = labels.len();
        if n == 0 {
            return Err(Error::InvalidInput("k-means queries: no training pixels".into()));
        }
        let stride = n.div_ceil(max_pixels.max(1)).max(1);
        let keep: Vec<usize> = (0..n).step_by(stride).collect();
        let mut x: Vec<f64> = keep.iter().flat_map(|&i| rows[i * dim..(i + 1) * dim].iter().copied()).collect();
        let y: Vec<usize> = keep.iter().map(|&i| labels[i]).collect();
        let m = keep.len();
        let mean: Vec<f64> = (0..dim).map(|j| (0..m).map(|i| x[i * dim + j]).sum::<f64>() / m as f64).collect();
        let sd: Vec<f64> = (0..dim)
            .map(|j| ((0..m).map(|i| (x[i * dim + j] - mean[j]).powi(2)).sum::<f64>() / m as f64).sqrt().max(1e-6))
            .collect();
        for row in x.chunks_exact_mut(dim) {
            row.iter_mut().enumerate().for_each(|(j, v)| *v = (*v - mean[j]) / sd[j]);
        }
        let xm = MatRef::new(&x, m, dim, "pixel features")?;
        let k = k.min(m).max(1);
        let fit = kmeans(xm, &KMeansParams::default().k(k).n_init(3).seed(seed))?;
        let mut votes = vec![vec![0usize; classes.max(1)]; k];
        for (&c, &l) in fit.labels.iter().zip(&y) {
            if l < classes {
                votes[c][l] += 1;
            }
        }
        let class_of = votes
            .iter()
            .map(|v| v.iter().enumerate().max_by_key(|&(i, &c)| (c, std::cmp::Reverse(i))).map_or(0, |(i, _)| i))
            .collect();
        Ok(KMeansQueries { dim, mean, sd, centers: fit.centers, class_of })
    }

    /// Per pixel of `crop`: the predicted class and the OOD score (squared distance to the
    /// nearest centre).
    pub fn score(&self, crop: &Crop) -> Result<(Vec<usize>, Vec<f64>)> {
        let (mut rows, dim) = pixel_features(crop);
        if dim != self.dim {
            return Err(Error::InvalidInput(format!("k-means queries: {dim} features, fitted on {}", self.dim)));
        }
        for row in rows.chunks_exact_mut(dim) {
            row.iter_mut().enumerate().for_each(|(j, v)| *v = (*v - self.mean[j]) / self.sd[j]);
        }
        let p = rows.len() / dim;
        let k = self.class_of.len();
        let xm = MatRef::new(&rows, p, dim, "pixel features")?;
        let cm = MatRef::new(&self.centers, k, dim, "centres")?;
        let (mut labels, mut dist) = (vec![0usize; p], vec![0f64; p]);
        kmeans_assign(xm, cm, &mut labels, &mut dist)?;
        Ok((labels.iter().map(|&c| self.class_of[c]).collect(), dist))
    }
}
