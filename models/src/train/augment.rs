//! Image augmentations on the host (single-channel, row-major, values in [0, 1]), seeded:
//! random resized crops (SwAV's multi-crop) with bilinear sampling, random translations, and
//! Gaussian pixel noise.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// A random resized crop: a window covering a fraction in `scale` of the image area (aspect
/// ratio in [3/4, 4/3]) at a random position of the `h × w` image, resampled bilinearly to
/// `out_h × out_w`
/// (torchvision's `RandomResizedCrop`).
pub fn resized_crop(
    img: &[f32],
    (h, w): (usize, usize),
    scale: (f32, f32),
    (out_h, out_w): (usize, usize),
    rng: &mut ChaCha8Rng,
    out: &mut Vec<f32>,
) {
    let area = rng.random_range(scale.0..=scale.1) * (h * w) as f32;
    let ratio = (rng.random_range((0.75f32).ln()..=(4.0f32 / 3.0).ln())).exp();
    let cw = (area * ratio).sqrt().clamp(1.0, w as f32);
    let ch = (area / ratio).sqrt().clamp(1.0, h as f32);
    let y0 = rng.random_range(0.0..=(h as f32 - ch));
    let x0 = rng.random_range(0.0..=(w as f32 - cw));
    for oy in 0..out_h {
        let sy = y0 + (oy as f32 + 0.5) * ch / out_h as f32 - 0.5;
        for ox in 0..out_w {
            let sx = x0 + (ox as f32 + 0.5) * cw / out_w as f32 - 0.5;
            out.push(bilinear(img, h, w, sy, sx));
        }
    }
}

/// Bilinear sample at (y, x), clamped to the image.
fn bilinear(img: &[f32], h: usize, w: usize, y: f32, x: f32) -> f32 {
    let y = y.clamp(0.0, (h - 1) as f32);
    let x = x.clamp(0.0, (w - 1) as f32);
    let (y0, x0) = (y.floor() as usize, x.floor() as usize);
    let (y1, x1) = ((y0 + 1).min(h - 1), (x0 + 1).min(w - 1));
    let (fy, fx) = (y - y0 as f32, x - x0 as f32);
    let top = img[y0 * w + x0] * (1.0 - fx) + img[y0 * w + x1] * fx;
    let bottom = img[y1 * w + x0] * (1.0 - fx) + img[y1 * w + x1] * fx;
    top * (1.0 - fy) + bottom * fy
}

/// A translation by up to ±`max_shift` pixels in each direction, zero-filled.
pub fn translate(img: &[f32], h: usize, w: usize, max_shift: usize, rng: &mut ChaCha8Rng, out: &mut Vec<f32>) {
    let m = max_shift as i64;
    let dy = rng.random_range(-m..=m);
    let dx = rng.random_range(-m..=m);
    for y in 0..h as i64 {
        for x in 0..w as i64 {
            let (sy, sx) = (y - dy, x - dx);
            let inside = sy >= 0 && sx >= 0 && sy < h as i64 && sx < w as i64;
            out.push(if inside { img[(sy * w as i64 + sx) as usize] } else { 0.0 });
        }
    }
}

/// Adds N(0, σ²) noise to the last `len` values of `out`, clamped to [0, 1].
pub fn add_noise(out: &mut [f32], sigma: f32, rng: &mut ChaCha8Rng) {
    if sigma <= 0.0 {
        return;
    }
    if let Ok(normal) = Normal::new(0.0f32, sigma) {
        for v in out {
            *v = (*v + normal.sample(rng)).clamp(0.0, 1.0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    #[test]
    fn full_crop_at_scale_one_is_close_to_identity_and_translate_keeps_mass() {
        let img: Vec<f32> = (0..16).map(|v| v as f32 / 15.0).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut out = Vec::new();
        resized_crop(&img, (4, 4), (1.0, 1.0), (4, 4), &mut rng, &mut out);
        assert_eq!(out.len(), 16);
        assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));
        let mut t = Vec::new();
        translate(&img, 4, 4, 0, &mut rng, &mut t);
        assert_eq!(t, img);
    }
}
