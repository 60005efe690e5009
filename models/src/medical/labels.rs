//! The fixed, documented rules that derive inlier labels from the images themselves.
//!
//! - CT (`ct`): Hounsfield units HU = stored · slope + intercept (from the slice's meta.json),
//!   classes air (HU < −400), fat (−400 ≤ HU < −30), soft tissue (−30 ≤ HU < 200),
//!   bone (HU ≥ 200).
//! - Fundus (`fundus`): outside the field of view where the red channel is below 0.12 (≈ 30/255);
//!   vessels where the black top-hat of the green channel (grey closing with a disc of radius 3
//!   minus the image; outside-FOV pixels first set to the FOV's mean green) exceeds its Otsu
//!   threshold over the FOV; the rest of the FOV is retina.

/// Class names of the CT rule.
pub const CT_CLASSES: [&str; 4] = ["air", "fat", "soft tissue", "bone"];
/// Upper HU bounds of air, fat and soft tissue (bone is everything above the last).
pub const CT_HU_BOUNDS: [f64; 3] = [-400.0, -30.0, 200.0];
/// Class names of the fundus rule.
pub const FUNDUS_CLASSES: [&str; 3] = ["outside FOV", "vessel", "retina"];
/// Red-channel threshold of the field of view.
pub const FOV_RED: f32 = 0.12;
/// Radius of the top-hat's disc.
pub const TOPHAT_RADIUS: usize = 3;

/// The CT class of every HU value.
pub fn ct_labels(hu: &[f64]) -> Vec<u8> {
    hu.iter().map(|&v| CT_HU_BOUNDS.iter().take_while(|&&b| v >= b).count() as u8).collect()
}

/// Offsets of a disc of radius `r`.
fn disc(r: usize) -> Vec<(isize, isize)> {
    let r = r as isize;
    let mut v = Vec::new();
    for dy in -r..=r {
        for dx in -r..=r {
            if dy * dy + dx * dx <= r * r {
                v.push((dy, dx));
            }
        }
    }
    v
}

/// Grey dilation (`max`) or erosion (`min`) with a disc; borders replicate.
fn morph(px: &[f32], h: usize, w: usize, r: usize, max: bool) -> Vec<f32> {
    let offsets = disc(r);
    let mut out = vec![0f32; px.len()];
    for y in 0..h {
        for x in 0..w {
            let mut best = if max { f32::NEG_INFINITY } else { f32::INFINITY };
            for &(dy, dx) in &offsets {
                let yy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                let xx = (x as isize + dx).clamp(0, w as isize - 1) as usize;
                let v = px[yy * w + xx];
                best = if max { best.max(v) } else { best.min(v) };
            }
            out[y * w + x] = best;
        }
    }
    out
}

/// Black top-hat: grey closing (dilation then erosion) minus the image; dark thin structures
/// narrower than the disc come out bright.
pub fn black_tophat(px: &[f32], h: usize, w: usize, r: usize) -> Vec<f32> {
    let closed = morph(&morph(px, h, w, r, true), h, w, r, false);
    closed.iter().zip(px).map(|(c, p)| c - p).collect()
}

/// Otsu's threshold of `values` (256 bins over their range): the bin edge maximising the
/// between-class variance. Values above it form the bright class.
pub fn otsu(values: &[f32]) -> f32 {
    let (lo, hi) = values.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    if values.is_empty() || hi <= lo {
        return lo;
    }
    const BINS: usize = 256;
    let width = (hi - lo) / BINS as f32;
    let mut hist = [0f64; BINS];
    for &v in values {
        hist[(((v - lo) / width) as usize).min(BINS - 1)] += 1.0;
    }
    let total: f64 = hist.iter().sum();
    let centre = |i: usize| f64::from(lo) + (i as f64 + 0.5) * f64::from(width);
    let sum_all: f64 = hist.iter().enumerate().map(|(i, &c)| c * centre(i)).sum();
    let (mut w0, mut s0, mut best, mut best_i) = (0.0, 0.0, -1.0, 0);
    for (i, &c) in hist.iter().enumerate() {
        w0 += c;
        s0 += c * centre(i);
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (s0 / w0, (sum_all - s0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_i = i;
        }
    }
    lo + (best_i + 1) as f32 * width
}

/// Fundus classes (0 outside FOV, 1 vessel, 2 retina) of an RGB image in [0, 1].
pub fn fundus_labels(rgb: &[f32], h: usize, w: usize) -> Vec<u8> {
    let fov: Vec<bool> = rgb.chunks_exact(3).map(|p| p[0] >= FOV_RED).collect();
    let n_fov = fov.iter().filter(|&&f| f).count().max(1);
    let green: Vec<f32> = rgb.chunks_exact(3).map(|p| p[1]).collect();
    let mean = green.iter().zip(&fov).filter(|(_, f)| **f).map(|(g, _)| g).sum::<f32>() / n_fov as f32;
    let filled: Vec<f32> = green.iter().zip(&fov).map(|(&g, &f)| if f { g } else { mean }).collect();
    let th = black_tophat(&filled, h, w, TOPHAT_RADIUS);
    let inside: Vec<f32> = th.iter().zip(&fov).filter(|(_, f)| **f).map(|(t, _)| *t).collect();
    let t = otsu(&inside);
    th.iter()
        .zip(&fov)
        .map(|(&v, &f)| {
            if !f {
                0
            } else if v > t {
                1
            } else {
                2
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_by_hand() {
        assert_eq!(ct_labels(&[-1000.0, -400.0, -100.0, -30.0, 50.0, 200.0, 900.0]), vec![0, 1, 1, 2, 2, 3, 3]);
        // Two clusters: the threshold falls between them.
        let t = otsu(&[0.0, 0.1, 0.05, 0.9, 1.0, 0.95]);
        assert!(t > 0.1 && t <= 0.9, "{t}");
        // A dark one-pixel line on a bright background is found by the top-hat.
        let (h, w) = (9, 9);
        let mut px = vec![1.0f32; h * w];
        (0..h).for_each(|y| px[y * w + 4] = 0.2);
        let th = black_tophat(&px, h, w, 2);
        assert!((th[4 * w + 4] - 0.8).abs() < 1e-6 && th[4 * w + 1].abs() < 1e-6);
    }
}
