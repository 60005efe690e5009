//! The training-free baseline: "queries" = the core's k-means centres (k-means++, 3 restarts)
//! of hand-made per-pixel features of the training crops, each centre's class = the majority
//! label of its pixels; a test pixel takes its nearest centre's class and its OOD score is the
//! squared distance to that centre (−max affinity with affinity = −‖x − c‖²).
//!
//! Features per pixel (standardised with the training mean and deviation): every channel's
//! value and its 3×3 and 7×7 box means, then the gradient magnitude (central differences) and
//! the 5×5 local standard deviation of the channel mean.

use crate::medical::bench::Crop;
use crate::{Error, Result};
use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansParams, kmeans, kmeans_assign};

/// Box mean of radius `r` of a `s × s` plane (borders clamp).
fn box_mean(plane: &[f32], s: usize, r: usize) -> Vec<f32> {
    let mut out = vec![0f32; s * s];
    for y in 0..s {
        for x in 0..s {
            let (y0, y1, x0, x1) = (y.saturating_sub(r), (y + r).min(s - 1), x.saturating_sub(r), (x + r).min(s - 1));
            let mut sum = 0f32;
            for yy in y0..=y1 {
                sum += plane[yy * s + x0..=yy * s + x1].iter().sum::<f32>();
            }
            out[y * s + x] = sum / ((y1 - y0 + 1) * (x1 - x0 + 1)) as f32;
        }
    }
    out
}

/// The `p × dim` feature rows of a crop.
pub fn pixel_features(crop: &Crop) -> (Vec<f64>, usize) {
    let (s, c) = (crop.size, crop.channels);
    let p = s * s;
    let dim = 3 * c + 2;
    let mut cols: Vec<Vec<f32>> = Vec::with_capacity(dim);
    let mut mean = vec![0f32; p];
    for ch in 0..c {
        let plane = &crop.pixels[ch * p..(ch + 1) * p];
        plane.iter().zip(mean.iter_mut()).for_each(|(v, m)| *m += v / c as f32);
        cols.push(plane.to_vec());
        cols.push(box_mean(plane, s, 1));
        cols.push(box_mean(plane, s, 3));
    }
    let mut grad = vec![0f32; p];
    for y in 0..s {
        for x in 0..s {
            let at = |yy: usize, xx: usize| mean[yy * s + xx];
            let gx = at(y, (x + 1).min(s - 1)) - at(y, x.saturating_sub(1));
            let gy = at((y + 1).min(s - 1), x) - at(y.saturating_sub(1), x);
            grad[y * s + x] = (gx * gx + gy * gy).sqrt();
        }
    }
    let m1 = box_mean(&mean, s, 2);
    let sq: Vec<f32> = mean.iter().map(|v| v * v).collect();
    let m2 = box_mean(&sq, s, 2);
    let sd: Vec<f32> = m1.iter().zip(&m2).map(|(a, b)| (b - a * a).max(0.0).sqrt()).collect();
    cols.push(grad);
    cols.push(sd);
    let mut rows = vec![0f64; p * dim];
    for (j, col) in cols.iter().enumerate() {
        for (i, &v) in col.iter().enumerate() {
            rows[i * dim + j] = f64::from(v);
        }
    }
    (rows, dim)
}

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
