//! Per-pixel appearance descriptors: the targets of the reconstruction term, which a linear
//! head must read back from each pixel's feature so that the features keep the local
//! appearance the class labels alone do not ask for (the auto-encoding half of DCN, Yang et
//! al., ICML 2017, "Towards K-means-friendly spaces", whose k-means half is the pull term of
//! [`super::loss::pull_sums`]), and the features of the k-means-query baseline.
//!
//! - [`AppearanceTarget::Patch`]: the (2r+1)×(2r+1) neighbourhood in every channel, row of pixel
//!   (y, x): `t[(ch·(2r+1) + dy + r)·(2r+1) + dx + r] = I_ch(y + dy, x + dx)`, coordinates
//!   clamped to the crop (borders replicate). Orientation-specific.
//! - [`AppearanceTarget::Stats`]: rotation-invariant statistics ([`pixel_features`]): every
//!   channel's value and its 3×3 and 7×7 box means, then the gradient magnitude (central
//!   differences) and the 5×5 local standard deviation of the channel mean.

use crate::medical::bench::Crop;
use serde::{Deserialize, Serialize};

/// What the reconstruction head reads back.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AppearanceTarget {
    /// The raw (2r+1)×(2r+1) neighbourhood.
    #[default]
    Patch,
    /// Rotation-invariant local statistics.
    Stats,
}

/// The width of a pixel's target row.
pub fn target_width(kind: AppearanceTarget, channels: usize, radius: usize) -> usize {
    match kind {
        AppearanceTarget::Patch => channels * (2 * radius + 1) * (2 * radius + 1),
        AppearanceTarget::Stats => 3 * channels + 2,
    }
}

/// The target rows of every pixel of every crop (`[crops · size², target_width]`).
pub fn targets(crops: &[Crop], kind: AppearanceTarget, radius: usize) -> Vec<f32> {
    match kind {
        AppearanceTarget::Patch => patch_targets(crops, radius),
        AppearanceTarget::Stats => crops.iter().flat_map(|c| pixel_features(c).0).map(|v| v as f32).collect(),
    }
}

/// The neighbourhood rows of every pixel of every crop, crop after crop, row-major pixels.
fn patch_targets(crops: &[Crop], radius: usize) -> Vec<f32> {
    let r = radius as isize;
    let mut out = Vec::with_capacity(
        crops.iter().map(|c| c.size * c.size * target_width(AppearanceTarget::Patch, c.channels, radius)).sum(),
    );
    for crop in crops {
        let s = crop.size as isize;
        let at = |ch: usize, y: isize, x: isize| {
            crop.pixels[ch * crop.size * crop.size + (y.clamp(0, s - 1) * s + x.clamp(0, s - 1)) as usize]
        };
        for y in 0..s {
            for x in 0..s {
                for ch in 0..crop.channels {
                    for dy in -r..=r {
                        out.extend((-r..=r).map(|dx| at(ch, y + dy, x + dx)));
                    }
                }
            }
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbourhoods_by_hand() {
        // A 2×2 grey crop [[1, 2], [3, 4]], radius 1: pixel (0, 0) sees
        // [[1, 1, 2], [1, 1, 2], [3, 3, 4]] (borders replicate).
        let crop =
            Crop { size: 2, channels: 1, pixels: vec![1.0, 2.0, 3.0, 4.0], labels: vec![0; 4], ood: vec![false; 4] };
        let t = targets(&[crop], AppearanceTarget::Patch, 1);
        assert_eq!(t.len(), 4 * target_width(AppearanceTarget::Patch, 1, 1));
        assert_eq!(&t[..9], &[1.0, 1.0, 2.0, 1.0, 1.0, 2.0, 3.0, 3.0, 4.0]);
        // Pixel (1, 1): [[1, 2, 2], [3, 4, 4], [3, 4, 4]].
        assert_eq!(&t[27..36], &[1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 3.0, 4.0, 4.0]);
        assert_eq!(target_width(AppearanceTarget::Patch, 3, 2), 75);
        assert_eq!(target_width(AppearanceTarget::Stats, 3, 2), 11);
    }
}
