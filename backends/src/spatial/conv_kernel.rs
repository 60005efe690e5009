//! The host kernels of a 2-D convolution (NCHW, f32, one group, dilation 1) by im2col and
//! matrix products, and its three gradients (Chellapilla, Puri & Simard, "High Performance
//! Convolutional Neural Networks for Document Processing", 2006):
//!
//! - forward, per image: Y = W·col(X) + b, W `[c_out, K]`, col(X) `[K, P]` (K = c_in·kh·kw
//!   kernel taps, P = oh·ow output positions);
//! - weight gradient: ∂W = Σ_images ∂Y·col(X)ᵀ;
//! - input gradient, per image: ∂X = col⁻¹(Wᵀ·∂Y), col⁻¹ adding every column entry back to
//!   the input pixel it was read from (col2im);
//! - bias gradient: ∂b_c = Σ_images Σ_positions ∂Y_c.
//!
//! A transposed convolution is the adjoint of a convolution, so the same three products give it
//! (`super::SpatialBackend`): its forward is the input gradient above, its input gradient the
//! forward. Images run in parallel on rayon; the weight gradient sums fixed blocks of
//! [`WEIGHT_BLOCK`] images and adds the block sums in order, so every result is the same for
//! any number of threads.

use super::gemm::{Strided, gemm};
use rayon::prelude::*;

/// Images per partial sum of the weight gradient (fixed, so the sum does not depend on threads).
const WEIGHT_BLOCK: usize = 8;

/// Shape of a convolution: input `[n, c_in, h, w]`, kernel `[c_out, c_in, kh, kw]`, zero
/// padding and stride per side, output `[n, c_out, oh, ow]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    /// Images.
    pub n: usize,
    /// Input channels.
    pub c_in: usize,
    /// Input height and width.
    pub input: [usize; 2],
    /// Output channels.
    pub c_out: usize,
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Stride (rows, columns).
    pub stride: [usize; 2],
    /// Zero padding on each side (rows, columns).
    pub padding: [usize; 2],
    /// Output height and width.
    pub output: [usize; 2],
}

impl Geometry {
    /// The geometry of input `[n, c_in, h, w]` and kernel `[c_out, c_in, kh, kw]`, or `None`
    /// when a size is zero or the padded input is smaller than the kernel.
    pub fn new(
        [n, c_in, h, w]: [usize; 4],
        [c_out, c_in_w, kh, kw]: [usize; 4],
        stride: [usize; 2],
        padding: [usize; 2],
    ) -> Option<Self> {
        let side = |i: usize, k: usize, s: usize, p: usize| (i + 2 * p).checked_sub(k).map(|d| d / s + 1);
        if c_in != c_in_w || [n, c_in, h, w, c_out, kh, kw, stride[0], stride[1]].contains(&0) {
            return None;
        }
        let output = [side(h, kh, stride[0], padding[0])?, side(w, kw, stride[1], padding[1])?];
        Some(Self { n, c_in, input: [h, w], c_out, kernel: [kh, kw], stride, padding, output })
    }

    /// Kernel taps per output value, K = c_in·kh·kw.
    pub fn taps(&self) -> usize {
        self.c_in * self.kernel[0] * self.kernel[1]
    }

    /// Output positions per image, P = oh·ow.
    pub fn positions(&self) -> usize {
        self.output[0] * self.output[1]
    }

    /// Values of one input image.
    fn image_len(&self) -> usize {
        self.c_in * self.input[0] * self.input[1]
    }

    /// Values of one output image.
    fn out_len(&self) -> usize {
        self.c_out * self.positions()
    }

    /// The output columns `ow` whose input column `ow·s + j − p` lies inside the image, for
    /// kernel column `j` (a half-open range).
    fn valid_cols(&self, j: usize) -> (usize, usize) {
        let (w, s, p, ow) = (self.input[1], self.stride[1], self.padding[1], self.output[1]);
        let lo = p.saturating_sub(j).div_ceil(s);
        let hi = if w + p > j { ((w + p - j - 1) / s + 1).min(ow) } else { 0 };
        (lo.min(hi), hi)
    }

    /// col(X) of one image: `col[(c, i, j), (y, x)] = X[c, y·s + i − p, x·s + j − p]`, 0 outside.
    fn im2col(&self, image: &[f32], col: &mut [f32]) {
        let ([h, w], [kh, kw], [sh, sw], [ph, pw]) = (self.input, self.kernel, self.stride, self.padding);
        let [oh, ow] = self.output;
        for (r, row) in col.chunks_exact_mut(oh * ow).enumerate() {
            let (c, i, j) = (r / (kh * kw), r / kw % kh, r % kw);
            let (lo, hi) = self.valid_cols(j);
            for (y, out) in row.chunks_exact_mut(ow).enumerate() {
                let src_y = (y * sh + i).checked_sub(ph).filter(|&v| v < h);
                let Some(src_y) = src_y else {
                    out.fill(0.0);
                    continue;
                };
                let src = &image[(c * h + src_y) * w..(c * h + src_y + 1) * w];
                out[..lo].fill(0.0);
                out[hi..].fill(0.0);
                if sw == 1 {
                    out[lo..hi].copy_from_slice(&src[lo + j - pw..hi + j - pw]);
                } else {
                    for (x, v) in out[lo..hi].iter_mut().enumerate() {
                        *v = src[(lo + x) * sw + j - pw];
                    }
                }
            }
        }
    }

    /// col⁻¹: adds every entry of `col` to the input value [`Geometry::im2col`] read it from.
    fn col2im(&self, col: &[f32], image: &mut [f32]) {
        let ([h, w], [kh, kw], [sh, sw], [ph, pw]) = (self.input, self.kernel, self.stride, self.padding);
        let [oh, ow] = self.output;
        for (r, row) in col.chunks_exact(oh * ow).enumerate() {
            let (c, i, j) = (r / (kh * kw), r / kw % kh, r % kw);
            let (lo, hi) = self.valid_cols(j);
            for (y, src) in row.chunks_exact(ow).enumerate() {
                let Some(dst_y) = (y * sh + i).checked_sub(ph).filter(|&v| v < h) else {
                    continue;
                };
                let dst = &mut image[(c * h + dst_y) * w..(c * h + dst_y + 1) * w];
                if sw == 1 {
                    dst[lo + j - pw..hi + j - pw].iter_mut().zip(&src[lo..hi]).for_each(|(d, s)| *d += s);
                } else {
                    for (x, s) in src[lo..hi].iter().enumerate() {
                        dst[(lo + x) * sw + j - pw] += s;
                    }
                }
            }
        }
    }
}

/// Y = conv(X, W) + b: `x` `[n, c_in, h, w]`, `weight` `[c_out, c_in, kh, kw]`, `bias`
/// `[c_out]`; returns `[n, c_out, oh, ow]`.
pub fn forward(g: &Geometry, x: &[f32], weight: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
    let (k, p) = (g.taps(), g.positions());
    let mut y = vec![0.0f32; g.n * g.out_len()];
    y.par_chunks_mut(g.out_len()).zip(x.par_chunks(g.image_len())).for_each_init(
        || vec![0.0f32; k * p],
        |col, (y, image)| {
            g.im2col(image, col);
            if let Some(b) = bias {
                y.chunks_exact_mut(p).zip(b).for_each(|(row, &v)| row.fill(v));
            }
            let w = Strided::row_major(weight, g.c_out, k);
            gemm(y, p, w, Strided::row_major(col, k, p), bias.is_some());
        },
    );
    y
}

/// ∂X of a convolution given ∂Y `[n, c_out, oh, ow]`: col⁻¹(Wᵀ·∂Y) per image, `[n, c_in, h, w]`.
pub fn backward_data(g: &Geometry, dy: &[f32], weight: &[f32]) -> Vec<f32> {
    let (k, p) = (g.taps(), g.positions());
    let mut dx = vec![0.0f32; g.n * g.image_len()];
    dx.par_chunks_mut(g.image_len()).zip(dy.par_chunks(g.out_len())).for_each_init(
        || vec![0.0f32; k * p],
        |col, (dx, dy)| {
            let wt = Strided::row_major(weight, g.c_out, k).transposed();
            gemm(col, p, wt, Strided::row_major(dy, g.c_out, p), false);
            g.col2im(col, dx);
        },
    );
    dx
}

/// ∂W of a convolution given its input `x` and ∂Y: Σ_images ∂Y·col(X)ᵀ, `[c_out, c_in, kh, kw]`.
pub fn backward_weight(g: &Geometry, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (k, p) = (g.taps(), g.positions());
    let blocks: Vec<Vec<f32>> = x
        .par_chunks(WEIGHT_BLOCK * g.image_len())
        .zip(dy.par_chunks(WEIGHT_BLOCK * g.out_len()))
        .map(|(xs, dys)| {
            let mut dw = vec![0.0f32; g.c_out * k];
            let mut col = vec![0.0f32; k * p];
            for (image, dy) in xs.chunks_exact(g.image_len()).zip(dys.chunks_exact(g.out_len())) {
                g.im2col(image, &mut col);
                let colt = Strided::row_major(&col, k, p).transposed();
                gemm(&mut dw, k, Strided::row_major(dy, g.c_out, p), colt, true);
            }
            dw
        })
        .collect();
    let mut dw = vec![0.0f32; g.c_out * k];
    for block in &blocks {
        dw.iter_mut().zip(block).for_each(|(a, b)| *a += b);
    }
    dw
}

/// ∂b of a convolution given ∂Y `[n, c, positions]`: Σ over images and positions, per
/// channel (each row summed in 8 f32 lanes, the row sums added in f64).
pub fn bias_grad(dy: &[f32], c: usize, positions: usize) -> Vec<f32> {
    let row_sum = |row: &[f32]| {
        let mut lanes = [0.0f32; 8];
        let chunks = row.chunks_exact(8);
        let tail: f64 = chunks.remainder().iter().map(|&v| f64::from(v)).sum();
        for chunk in chunks {
            lanes.iter_mut().zip(chunk).for_each(|(l, v)| *l += v);
        }
        tail + lanes.iter().map(|&v| f64::from(v)).sum::<f64>()
    };
    let mut sums = vec![0.0f64; c];
    for image in dy.chunks_exact(c * positions) {
        for (s, row) in sums.iter_mut().zip(image.chunks_exact(positions)) {
            *s += row_sum(row);
        }
    }
    sums.into_iter().map(|s| s as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, one output value at a time.
    fn direct(g: &Geometry, x: &[f32], w: &[f32], b: &[f32]) -> Vec<f32> {
        let ([h, wd], [kh, kw], [sh, sw], [ph, pw], [oh, ow]) = (g.input, g.kernel, g.stride, g.padding, g.output);
        let mut y = vec![0.0f32; g.n * g.c_out * oh * ow];
        for n in 0..g.n {
            for co in 0..g.c_out {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut s = f64::from(b[co]);
                        for ci in 0..g.c_in {
                            for i in 0..kh {
                                for j in 0..kw {
                                    let (iy, ix) =
                                        ((oy * sh + i) as isize - ph as isize, (ox * sw + j) as isize - pw as isize);
                                    if iy >= 0 && ix >= 0 && (iy as usize) < h && (ix as usize) < wd {
                                        let xv = x[((n * g.c_in + ci) * h + iy as usize) * wd + ix as usize];
                                        s += f64::from(xv) * f64::from(w[((co * g.c_in + ci) * kh + i) * kw + j]);
                                    }
                                }
                            }
                        }
                        y[((n * g.c_out + co) * oh + oy) * ow + ox] = s as f32;
                    }
                }
            }
        }
        y
    }

    fn values(len: usize, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (i, (u, v)) in a.iter().zip(b).enumerate() {
            assert!((u - v).abs() <= 1e-4 * (1.0 + v.abs()), "entry {i}: {u} vs {v}");
        }
    }

    /// Forward against the definition, and the three gradients against the adjoint identities
    /// ⟨∂Y, conv(X)⟩ differentiated entry by entry (finite differences are exact for a linear map).
    #[test]
    fn forward_and_gradients_match_the_definition() {
        for (input, kernel, stride, padding) in [
            ([3, 1, 9, 8], [4, 1, 3, 3], [1, 1], [1, 1]),
            ([2, 3, 7, 7], [5, 3, 3, 3], [2, 2], [1, 1]),
            ([2, 2, 6, 5], [3, 2, 2, 3], [1, 2], [0, 1]),
            ([9, 2, 4, 4], [2, 2, 3, 3], [1, 1], [2, 2]),
        ] {
            let g = Geometry::new(input, kernel, stride, padding).unwrap();
            let x = values(input.iter().product(), 1);
            let w = values(kernel.iter().product(), 2);
            let b = values(kernel[0], 3);
            close(&forward(&g, &x, &w, Some(&b)), &direct(&g, &x, &w, &b));
            let zero = vec![0.0; kernel[0]];
            let dy = values(g.n * g.out_len(), 4);
            let dot = |y: &[f32]| y.iter().zip(&dy).map(|(a, b)| f64::from(a * b)).sum::<f64>();
            // ∂⟨∂Y, conv(X, W)⟩/∂W_e = ⟨∂Y, conv(X, e)⟩, and likewise for X.
            let dw = backward_weight(&g, &x, &dy);
            for e in 0..w.len() {
                let mut unit = vec![0.0; w.len()];
                unit[e] = 1.0;
                let want = dot(&direct(&g, &x, &unit, &zero));
                assert!((f64::from(dw[e]) - want).abs() < 1e-3 * (1.0 + want.abs()), "dW[{e}]");
            }
            let dx = backward_data(&g, &dy, &w);
            for e in 0..x.len() {
                let mut unit = vec![0.0; x.len()];
                unit[e] = 1.0;
                let want = dot(&direct(&g, &unit, &w, &zero));
                assert!((f64::from(dx[e]) - want).abs() < 1e-3 * (1.0 + want.abs()), "dX[{e}]");
            }
            let db = bias_grad(&dy, g.c_out, g.positions());
            for (c, v) in db.iter().enumerate() {
                let want: f32 = dy.chunks(g.positions()).skip(c).step_by(g.c_out).flatten().sum();
                assert!((v - want).abs() < 1e-3, "db[{c}]");
            }
        }
    }

    #[test]
    fn geometry_refuses_a_kernel_larger_than_the_padded_input() {
        assert!(Geometry::new([1, 1, 2, 2], [1, 1, 5, 5], [1, 1], [1, 1]).is_none());
        assert!(Geometry::new([1, 2, 4, 4], [1, 3, 3, 3], [1, 1], [1, 1]).is_none());
        assert_eq!(Geometry::new([1, 1, 28, 28], [16, 1, 3, 3], [2, 2], [1, 1]).unwrap().output, [14, 14]);
    }
}
