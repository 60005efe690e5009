//! Input checks shared by every entry point. Each returns the first problem it finds.

use crate::error::{Error, Result};
use crate::scalar::{Float, Real};

/// Every entry of `x` is finite.
pub fn finite<T: Real>(x: &[T], what: &'static str) -> Result<()> {
    match x.iter().position(|v| !v.to_acc().is_finite()) {
        Some(index) => Err(Error::NonFinite { what, index }),
        None => Ok(()),
    }
}

/// Every computed value in `x` is finite; otherwise the step `what` broke down numerically
/// (an intermediate overflowed on finite input). Used as the last check before a result that
/// promises finite outputs is returned.
pub fn finite_output<F: Float>(x: &[F], what: &'static str, iteration: usize) -> Result<()> {
    if x.iter().all(|v| v.is_finite()) { Ok(()) } else { Err(Error::NumericalBreakdown { what, iteration }) }
}

/// `x.len() == expected`.
pub fn len<T>(x: &[T], expected: usize, what: &'static str) -> Result<()> {
    if x.len() == expected { Ok(()) } else { Err(Error::ShapeMismatch { what, expected, found: x.len() }) }
}

/// `x` is non-empty.
pub fn non_empty<T>(x: &[T], what: &'static str) -> Result<()> {
    if x.is_empty() { Err(Error::Empty { what }) } else { Ok(()) }
}

/// Every entry is finite and ≥ 0 (or > 0 when `strict`); returns the total in the compute type.
pub fn nonnegative<T: Real>(x: &[T], strict: bool, what: &'static str) -> Result<T::Acc> {
    finite(x, what)?;
    let mut total = <T::Acc as Float>::ZERO;
    for (index, v) in x.iter().enumerate() {
        let v = v.to_acc();
        if v < <T::Acc as Float>::ZERO || (strict && v == <T::Acc as Float>::ZERO) {
            return Err(Error::Negative { what, index, value: v.to_f64() });
        }
        total += v;
    }
    Ok(total)
}

/// A parameter that must be finite and strictly positive.
pub fn positive_param(value: f64, name: &'static str) -> Result<()> {
    if value.is_finite() && value > 0.0 { Ok(()) } else { Err(Error::InvalidParameter { name, value }) }
}

/// A parameter that must be finite and ≥ 0.
pub fn nonnegative_param(value: f64, name: &'static str) -> Result<()> {
    if value.is_finite() && value >= 0.0 { Ok(()) } else { Err(Error::InvalidParameter { name, value }) }
}

/// A caller scratch buffer of at least `needed` elements.
pub fn scratch<T>(s: &[T], needed: usize) -> Result<()> {
    if s.len() >= needed { Ok(()) } else { Err(Error::ScratchTooSmall { needed, found: s.len() }) }
}

/// Checks `known` labels (length N, `Some(class)` with class < `bound`) and returns the number
/// of labelled classes C = max class + 1 (0 if no row is labelled).
pub fn known_labels(known: &[Option<usize>], n: usize, bound: usize) -> Result<usize> {
    len(known, n, "labels")?;
    let mut classes = 0;
    for (index, l) in known.iter().enumerate() {
        if let Some(value) = *l {
            if value >= bound {
                return Err(Error::IndexOutOfRange { what: "labels", index, value, bound });
            }
            classes = classes.max(value + 1);
        }
    }
    Ok(classes)
}

/// `1 ≤ k ≤ n`.
pub fn cluster_count(k: usize, n: usize) -> Result<()> {
    if k == 0 || k > n { Err(Error::InvalidClusterCount { k, n }) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_the_first_offender() {
        assert_eq!(finite(&[1.0, f64::NAN, f64::INFINITY], "a"), Err(Error::NonFinite { what: "a", index: 1 }));
        assert_eq!(nonnegative(&[1.0f32, 0.0], true, "b"), Err(Error::Negative { what: "b", index: 1, value: 0.0 }));
        assert_eq!(nonnegative(&[1.0f32, 0.0], false, "b"), Ok(1.0));
        assert!(positive_param(0.0, "eps").is_err());
        assert!(positive_param(f64::NAN, "eps").is_err());
        assert!(nonnegative_param(0.0, "tol").is_ok());
        assert_eq!(scratch(&[0u8; 3], 4), Err(Error::ScratchTooSmall { needed: 4, found: 3 }));
        assert!(cluster_count(0, 3).is_err() && cluster_count(4, 3).is_err() && cluster_count(3, 3).is_ok());
        assert_eq!(
            finite_output(&[1.0, f64::INFINITY], "s", 2),
            Err(Error::NumericalBreakdown { what: "s", iteration: 2 })
        );
        assert!(finite_output(&[1.0f32, -3.0], "s", 1).is_ok());
        assert!(len(&[1, 2], 3, "x").is_err() && non_empty::<u8>(&[], "x").is_err());
    }
}
