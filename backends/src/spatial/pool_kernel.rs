//! The host kernel of 2 × 2 max pooling with stride 2 (no padding, floor mode: a last odd row
//! or column is dropped) on planes of `h × w` values, and its gradient. Each window's maximum
//! is its first largest value in row-major order (PyTorch's and burn's choice); the gradient
//! goes to that value only. Planes run in parallel on rayon.

use rayon::prelude::*;

/// The first maximum of the window `[a, b]` over `[c, d]` and its position 0–3 in row-major
/// order, without branches (the position is the first entry equal to the maximum; 0 when
/// the maximum is NaN, as a scan keeping the first strictly larger value gives).
#[inline(always)]
fn first_max(a: f32, b: f32, c: f32, d: f32) -> (f32, usize) {
    let mut m = a;
    for v in [b, c, d] {
        m = if v > m { v } else { m };
    }
    let hits = u32::from(a == m) | u32::from(b == m) << 1 | u32::from(c == m) << 2 | u32::from(d == m) << 3;
    (m, ((hits | 0b1_0000).trailing_zeros() & 3) as usize)
}

/// Calls `f(i, j, first_max(window))` for every output `(i, j)` of a plane of width `w` and
/// `oh × ow` windows, reading the plane two rows at a time.
#[inline(always)]
fn windows(plane: &[f32], w: usize, oh: usize, ow: usize, mut f: impl FnMut(usize, usize, (f32, usize))) {
    for (i, rows) in plane.chunks_exact(2 * w).take(oh).enumerate() {
        let (top, bottom) = rows.split_at(w);
        for j in 0..ow {
            f(i, j, first_max(top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]));
        }
    }
}

/// Max pooling of `x` (`planes` planes of `h × w`, h, w ≥ 2): `[planes, h/2, w/2]`.
pub fn max_pool2x2(x: &[f32], h: usize, w: usize) -> Vec<f32> {
    let (oh, ow) = (h / 2, w / 2);
    let mut y = vec![0.0f32; x.len() / (h * w) * oh * ow];
    y.par_chunks_mut(oh * ow).zip(x.par_chunks(h * w)).for_each(|(out, plane)| {
        windows(plane, w, oh, ow, |i, j, (m, _)| out[i * ow + j] = m);
    });
    y
}

/// ∂x of [`max_pool2x2`] given the output's gradient `grad` (`[planes, h/2, w/2]`): each
/// window's two rows written once, the gradient at the window's first maximum, 0 elsewhere.
pub fn max_pool2x2_backward(x: &[f32], grad: &[f32], h: usize, w: usize) -> Vec<f32> {
    let (oh, ow) = (h / 2, w / 2);
    let mut dx = vec![0.0f32; x.len()];
    dx.par_chunks_mut(h * w).zip(x.par_chunks(h * w).zip(grad.par_chunks(oh * ow))).for_each(|(d, (plane, g))| {
        let rows = d.chunks_exact_mut(2 * w).zip(plane.chunks_exact(2 * w)).zip(g.chunks_exact(ow));
        for ((out, input), g) in rows {
            let (top, bottom) = input.split_at(w);
            let (out_top, out_bottom) = out.split_at_mut(w);
            for (j, &v) in g.iter().enumerate() {
                let (_, k) = first_max(top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]);
                let window = [0, 1, 2, 3].map(|i| if i == k { v } else { 0.0 });
                out_top[2 * j..2 * j + 2].copy_from_slice(&window[..2]);
                out_bottom[2 * j..2 * j + 2].copy_from_slice(&window[2..]);
            }
        }
    });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_first_maxima_and_routes_the_gradient_to_them() {
        // Two planes of 3 × 5 (the last row and column are dropped); ties in the second plane.
        #[rustfmt::skip]
        let x = [
            1.0, 5.0, 2.0, 2.0, 9.0,
            3.0, 4.0, 0.0, 7.0, 9.0,
            8.0, 8.0, 8.0, 8.0, 8.0,
            0.0, 0.0, -1.0, 2.0, 0.0,
            0.0, 0.0, 2.0, 2.0, 0.0,
            0.0, 0.0, 0.0, 0.0, 0.0,
        ];
        assert_eq!(max_pool2x2(&x, 3, 5), vec![5.0, 7.0, 0.0, 2.0]);
        let dx = max_pool2x2_backward(&x, &[1.0, 2.0, 3.0, 4.0], 3, 5);
        let mut want = [0.0f32; 30];
        (want[1], want[8], want[15], want[18]) = (1.0, 2.0, 3.0, 4.0);
        assert_eq!(dx, want);
    }
}
