//! Small vector kernels shared by every algorithm, accumulated in the compute type.

use crate::scalar::{Float, Real};

/// Σᵢ xᵢ yᵢ.
#[inline]
pub fn dot<T: Real>(x: &[T], y: &[T]) -> T::Acc {
    x.iter().zip(y).map(|(a, b)| a.to_acc() * b.to_acc()).sum()
}

/// ‖x − y‖².
#[inline]
pub fn sq_dist<T: Real>(x: &[T], y: &[T]) -> T::Acc {
    x.iter()
        .zip(y)
        .map(|(a, b)| {
            let d = a.to_acc() - b.to_acc();
            d * d
        })
        .sum()
}

/// log Σᵢ exp(xᵢ), max-shifted so it neither overflows nor underflows; −∞ for an empty or
/// all-(−∞) input.
#[inline]
pub fn log_sum_exp<F: Float>(x: &[F]) -> F {
    let m = x.iter().fold(F::NEG_INFINITY, |m, &v| m.max(v));
    if m == F::NEG_INFINITY {
        return m;
    }
    m + x.iter().map(|&v| (v - m).exp()).sum::<F>().ln()
}

/// Arithmetic mean (1/n) Σᵢ xᵢ of the n ≥ 1 items (0 for none). The plain sum is used unless
/// it overflows on finite items; then Σᵢ (xᵢ/n), which cannot (|mean| ≤ maxᵢ |xᵢ|), so the mean
/// of finite values is always finite.
#[inline]
pub fn mean<F: Float>(x: impl Iterator<Item = F> + Clone) -> F {
    let (mut total, mut n, mut finite) = (F::ZERO, 0usize, true);
    for v in x.clone() {
        total += v;
        n += 1;
        finite &= v.is_finite();
    }
    let nf = F::from_usize(n.max(1));
    if total.is_finite() || !finite { total / nf } else { x.map(|v| v / nf).sum() }
}

/// Index of the largest entry, ties to the lowest index; `None` if empty or all NaN.
#[inline]
pub fn argmax<F: Float>(x: &[F]) -> Option<usize> {
    let mut best: Option<(usize, F)> = None;
    for (i, &v) in x.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        match best {
            Some((_, b)) if v <= b => {}
            _ => best = Some((i, v)),
        }
    }
    best.map(|(i, _)| i)
}

/// The descending order of `x` and `y` as a total order, as the standard sorts require (they
/// may panic on `partial_cmp` with NaN mapped to `Equal`): NaN ranks with −∞, last among the
/// numbers, and −0 equals +0; a stable sort keeps the index order of equal values.
pub(crate) fn descending_nan_last<F: Float>(x: F, y: F) -> core::cmp::Ordering {
    let key = |v: F| if v.is_nan() { f64::NEG_INFINITY } else { v.to_f64() + 0.0 };
    key(y).total_cmp(&key(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descending_order_is_total_with_nan_last() {
        // A sort with NaN among the values runs (no "not a total order" panic) and puts
        // the numbers first, largest first.
        let mut v = [1.0f32, f32::NAN, 3.0, -0.0, f32::NAN, 2.0, 0.0, -1.0, 5.0, f32::NAN, 4.0];
        v.sort_unstable_by(|&a, &b| descending_nan_last(a, b));
        assert_eq!(&v[..8], &[5.0, 4.0, 3.0, 2.0, 1.0, 0.0, 0.0, -1.0]);
        assert!(v[8..].iter().all(|x| x.is_nan()));
    }

    #[test]
    fn kernels() {
        assert_eq!(dot(&[1.0f64, 2.0], &[3.0, 4.0]), 11.0);
        assert_eq!(sq_dist(&[1.0f32, 2.0], &[3.0, 5.0]), 13.0);
        let l = log_sum_exp(&[1000.0f64, 1000.0]);
        assert!((l - (1000.0 + core::f64::consts::LN_2)).abs() < 1e-12);
        assert_eq!(log_sum_exp::<f64>(&[]), f64::NEG_INFINITY);
        assert_eq!(mean([1.0f64, 2.0, 6.0].into_iter()), 3.0);
        assert_eq!(mean(core::iter::empty::<f32>()), 0.0);
        assert_eq!(mean([-f64::MAX, -f64::MAX].into_iter()), -f64::MAX);
        assert_eq!(mean([f64::NEG_INFINITY, 1.0].into_iter()), f64::NEG_INFINITY);
        assert_eq!(argmax(&[1.0f64, 3.0, 3.0, f64::NAN]), Some(1));
        assert_eq!(argmax::<f64>(&[f64::NAN]), None);
    }
}
