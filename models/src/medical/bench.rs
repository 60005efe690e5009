//! The seeded benchmark construction: training crops (inliers only, as in the paper) and test
//! crops with OOD objects of known masks.
//!
//! - Training crop: a uniformly placed `size × size` window of a uniformly chosen image, one of
//!   the 8 flips/rotations, intensity gain U(0.95, 1.05) and offset U(−0.03, 0.03), clamped to
//!   [0, 1]; labels follow the geometry.
//! - Test crop `k`: image `k mod n`, uniform window, no augmentation, then 1–3 OOD objects, each
//!   with probability ½ (always when there is no patch source) a synthetic lesion — a bright
//!   Gaussian blob, amplitude U(0.25, 0.5), σ U(size/24, size/12), added to every channel and
//!   clamped, OOD where it adds ≥ 0.3 of its amplitude — else a pasted real patch: an ellipse
//!   (semi-axes r, r·U(0.6, 1), r U(size/12, size/6)) cut from a random place of a random
//!   source image (another modality or a texture), z-scored inside the ellipse and written as
//!   μ_c + z·max(σ_c, 0.08)·U(1, 1.5) per channel (μ_c the crop's mean under the ellipse, σ_c
//!   the crop's standard deviation), OOD on the whole ellipse.
//!
//! Every draw comes from a ChaCha8 stream of the seed (one per training step, one for the test
//! set), so one seed gives the same crops and masks everywhere.

use super::image::GreyImage;
use super::source::MedicalSet;
use crate::train::epoch_rng;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Purpose tag of the test-set stream.
const TEST_STREAM: u64 = 0x7E57;
/// Purpose tag of the training-crop streams.
const TRAIN_STREAM: u64 = 0x7A1;

/// A square crop, channel-first, with labels and (for test crops) the OOD mask.
#[derive(Clone, Debug, PartialEq)]
pub struct Crop {
    /// Side.
    pub size: usize,
    /// Channels.
    pub channels: usize,
    /// Values in [0, 1], `c · size² + y · size + x`.
    pub pixels: Vec<f32>,
    /// Inlier class of every pixel (the underlying tissue under an OOD object).
    pub labels: Vec<u8>,
    /// True on OOD pixels.
    pub ood: Vec<bool>,
}

/// The crop side used for `set`: `size`, limited by the smallest image.
pub fn crop_side(set: &MedicalSet, size: usize) -> usize {
    set.images.iter().map(|i| i.height.min(i.width)).min().unwrap_or(size).min(size).max(1)
}

/// Window `(y0, x0)` of image `i`, with dihedral transform `t` (0..8), as a crop.
fn cut(set: &MedicalSet, i: usize, y0: usize, x0: usize, size: usize, t: u8) -> Crop {
    let img = &set.images[i];
    let c = img.channels;
    let mut pixels = vec![0f32; c * size * size];
    let mut labels = vec![0u8; size * size];
    for y in 0..size {
        for x in 0..size {
            let (mut sy, mut sx) = (y, x);
            if t & 4 != 0 {
                std::mem::swap(&mut sy, &mut sx);
            }
            if t & 1 != 0 {
                sx = size - 1 - sx;
            }
            if t & 2 != 0 {
                sy = size - 1 - sy;
            }
            let src = (y0 + sy) * img.width + x0 + sx;
            labels[y * size + x] = img.labels[src];
            for ch in 0..c {
                pixels[ch * size * size + y * size + x] = img.pixels[src * c + ch];
            }
        }
    }
    Crop { size, channels: c, pixels, labels, ood: vec![false; size * size] }
}

/// A random window position of image `i`.
fn place(set: &MedicalSet, i: usize, size: usize, rng: &mut ChaCha8Rng) -> (usize, usize) {
    let img = &set.images[i];
    (rng.random_range(0..=img.height - size), rng.random_range(0..=img.width - size))
}

/// The augmented training crops of step `step`.
pub fn train_batch(set: &MedicalSet, size: usize, batch: usize, seed: u64, step: usize) -> Vec<Crop> {
    let mut rng = epoch_rng(seed, step, TRAIN_STREAM);
    (0..batch)
        .map(|_| {
            let i = rng.random_range(0..set.images.len());
            let (y0, x0) = place(set, i, size, &mut rng);
            let t = rng.random_range(0..8u8);
            let mut crop = cut(set, i, y0, x0, size, t);
            let (gain, offset) = (rng.random_range(0.95..1.05f32), rng.random_range(-0.03..0.03f32));
            crop.pixels.iter_mut().for_each(|v| *v = (*v * gain + offset).clamp(0.0, 1.0));
            crop
        })
        .collect()
}

/// Adds a bright Gaussian blob centred at `(cy, cx)`.
fn add_blob(crop: &mut Crop, cy: f32, cx: f32, sigma: f32, amplitude: f32) {
    let s = crop.size;
    for y in 0..s {
        for x in 0..s {
            let d2 = (y as f32 - cy).powi(2) + (x as f32 - cx).powi(2);
            let g = (-d2 / (2.0 * sigma * sigma)).exp();
            if g < 1e-3 {
                continue;
            }
            for ch in 0..crop.channels {
                let v = &mut crop.pixels[ch * s * s + y * s + x];
                *v = (*v + amplitude * g).clamp(0.0, 1.0);
            }
            if g >= 0.3 {
                crop.ood[y * s + x] = true;
            }
        }
    }
}

/// Pastes an elliptical patch of `src` centred at `(cy, cx)`.
fn paste(crop: &mut Crop, src: &GreyImage, cy: usize, cx: usize, r: usize, rng: &mut ChaCha8Rng) {
    let s = crop.size;
    let ratio = rng.random_range(0.6..1.0f32);
    let vertical = rng.random_bool(0.5);
    let (ry, rx) = if vertical { (r as f32, r as f32 * ratio) } else { (r as f32 * ratio, r as f32) };
    let side = 2 * r + 1;
    let sy0 = rng.random_range(0..=src.height.saturating_sub(side));
    let sx0 = rng.random_range(0..=src.width.saturating_sub(side));
    let contrast = rng.random_range(1.0..1.5f32);
    let mut cells = Vec::new();
    for dy in -(r as isize)..=(r as isize) {
        for dx in -(r as isize)..=(r as isize) {
            let inside = (dy as f32 / ry).powi(2) + (dx as f32 / rx).powi(2) <= 1.0;
            let (y, x) = (cy as isize + dy, cx as isize + dx);
            if !inside || y < 0 || x < 0 || y >= s as isize || x >= s as isize {
                continue;
            }
            let sy = (sy0 + (dy + r as isize) as usize).min(src.height - 1);
            let sx = (sx0 + (dx + r as isize) as usize).min(src.width - 1);
            cells.push((y as usize * s + x as usize, src.pixels[sy * src.width + sx]));
        }
    }
    if cells.is_empty() {
        return;
    }
    let n = cells.len() as f32;
    let mean = cells.iter().map(|c| c.1).sum::<f32>() / n;
    let sd = (cells.iter().map(|c| (c.1 - mean).powi(2)).sum::<f32>() / n).sqrt().max(1e-3);
    for ch in 0..crop.channels {
        let plane = &mut crop.pixels[ch * s * s..(ch + 1) * s * s];
        let pm = plane.iter().sum::<f32>() / (s * s) as f32;
        let crop_sd = (plane.iter().map(|v| (v - pm).powi(2)).sum::<f32>() / (s * s) as f32).sqrt().max(0.08);
        let mu = cells.iter().map(|&(k, _)| plane[k]).sum::<f32>() / n;
        for &(k, v) in &cells {
            plane[k] = (mu + (v - mean) / sd * crop_sd * contrast).clamp(0.0, 1.0);
        }
    }
    cells.iter().for_each(|&(k, _)| crop.ood[k] = true);
}

/// The `count` test crops of `seed`, each with 1–3 OOD objects.
pub fn test_crops(set: &MedicalSet, size: usize, count: usize, seed: u64) -> Vec<Crop> {
    let mut rng = epoch_rng(seed, 0, TEST_STREAM);
    let lo = (size / 12).max(2);
    let hi = (size / 6).max(lo + 1);
    (0..count)
        .map(|k| {
            let i = k % set.images.len();
            let (y0, x0) = place(set, i, size, &mut rng);
            let mut crop = cut(set, i, y0, x0, size, 0);
            for _ in 0..rng.random_range(1..=3) {
                let blob = set.ood_sources.is_empty() || rng.random_bool(0.5);
                let r = rng.random_range(lo..=hi).min(size / 2);
                let cy = rng.random_range(r.min(size - 1)..=(size - 1 - r.min(size - 1)).max(r.min(size - 1)));
                let cx = rng.random_range(r.min(size - 1)..=(size - 1 - r.min(size - 1)).max(r.min(size - 1)));
                if blob {
                    let sigma = rng.random_range((size as f32 / 24.0).max(1.0)..=(size as f32 / 12.0).max(1.5));
                    let amplitude = rng.random_range(0.25..0.5f32);
                    add_blob(&mut crop, cy as f32, cx as f32, sigma, amplitude);
                } else {
                    let j = rng.random_range(0..set.ood_sources.len());
                    paste(&mut crop, &set.ood_sources[j], cy, cx, r, &mut rng);
                }
            }
            crop
        })
        .collect()
}
