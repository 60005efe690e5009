//! Feature preprocessing of SimpleShot / LaplacianShot / SLK few-shot (`norm_type = 'CL2N'`):
//! centring on the base-class mean then L2 normalisation, and the support–query shift of
//! BD-CSPN (Liu et al., ECCV 2020) used before prototype rectification and SLK.

use crate::error::{Error, Result};
use crate::matrix::{MatMut, MatRef};
use crate::scalar::{Float, Real};
use crate::validate;

/// Column means of `x` (`d` values) into `out`.
pub fn column_mean<T: Real>(x: MatRef<'_, T>, out: &mut [T::Acc]) -> Result<()> {
    validate::len(out, x.cols(), "mean")?;
    validate::finite(x.as_slice(), "x")?;
    column_mean_unchecked(x.as_slice(), x.cols(), out);
    Ok(())
}

pub(crate) fn column_mean_unchecked<T: Real>(x: &[T], d: usize, out: &mut [T::Acc]) {
    out.fill(<T::Acc as Float>::ZERO);
    let mut rows = 0usize;
    for row in x.chunks_exact(d) {
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v.to_acc();
        }
        rows += 1;
    }
    let inv = <T::Acc as Float>::ONE / <T::Acc as Float>::from_usize(rows.max(1));
    for o in out.iter_mut() {
        *o *= inv;
    }
}

/// CL2N in place: `x_i ← (x_i − μ) / ‖x_i − μ‖₂` with `μ` the base-class mean (`d` values).
/// A row equal to `μ` becomes zero (the reference divides by zero and produces NaN).
pub fn cl2n<T: Real>(x: &mut MatMut<'_, T>, mean: &[T::Acc]) -> Result<()> {
    validate::len(mean, x.cols(), "mean")?;
    validate::finite(x.as_mut_slice(), "x")?;
    validate::finite(mean, "mean")?;
    let d = x.cols();
    for row in x.as_mut_slice().chunks_exact_mut(d) {
        let mut ss = <T::Acc as Float>::ZERO;
        for (v, &m) in row.iter().zip(mean) {
            let c = v.to_acc() - m;
            ss += c * c;
        }
        let inv =
            if ss > <T::Acc as Float>::ZERO { <T::Acc as Float>::ONE / ss.sqrt() } else { <T::Acc as Float>::ZERO };
        for (v, &m) in row.iter_mut().zip(mean) {
            *v = T::from_acc((v.to_acc() - m) * inv);
        }
    }
    Ok(())
}

/// Support–query shift in place: `query ← query + (mean(support) − mean(query))`.
/// `scratch` holds `2·d` compute elements.
pub fn shift_query<T: Real>(support: MatRef<'_, T>, query: &mut MatMut<'_, T>, scratch: &mut [T::Acc]) -> Result<()> {
    let d = support.cols();
    if query.cols() != d {
        return Err(Error::ShapeMismatch { what: "query columns", expected: d, found: query.cols() });
    }
    validate::scratch(scratch, 2 * d)?;
    validate::finite(support.as_slice(), "support")?;
    validate::finite(query.as_mut_slice(), "query")?;
    let (ms, mq) = scratch.split_at_mut(d);
    column_mean_unchecked(support.as_slice(), d, ms);
    column_mean_unchecked(query.as_mut_slice(), d, &mut mq[..d]);
    // Finite inputs can still shift out of range (huge values, overflowing means): check every
    // shifted value before writing any (fuzz finding).
    let shifted = |v: &T, j: usize| T::from_acc(v.to_acc() + (ms[j] - mq[j])).to_acc();
    if let Some(index) = query.as_mut_slice().iter().enumerate().position(|(i, v)| !shifted(v, i % d).is_finite()) {
        return Err(Error::NonFinite { what: "shifted query", index });
    }
    for row in query.as_mut_slice().chunks_exact_mut(d) {
        for ((v, &a), &b) in row.iter_mut().zip(ms.iter()).zip(mq.iter()) {
            *v = T::from_acc(v.to_acc() + (a - b));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cl2n_centres_and_normalises() {
        let mut x = [1.0f64, 1.0, 4.0, 5.0, 1.0, 1.0];
        let mean = [1.0, 1.0];
        cl2n(&mut MatMut::new(&mut x, 3, 2, "x").unwrap(), &mean).unwrap();
        assert!((x[2] - 0.6).abs() < 1e-15 && (x[3] - 0.8).abs() < 1e-15);
        assert_eq!(&x[..2], &[0.0, 0.0]);
        assert!(cl2n(&mut MatMut::new(&mut x, 3, 2, "x").unwrap(), &[1.0]).is_err());
        assert!(cl2n(&mut MatMut::new(&mut x, 3, 2, "x").unwrap(), &[f64::NAN, 0.0]).is_err());
    }

    #[test]
    fn shift_matches_the_means() {
        let s = [0.0f32, 2.0, 2.0, 4.0];
        let mut q = [10.0f32, 10.0, 12.0, 10.0];
        let mut sc = [0.0f32; 4];
        shift_query(MatRef::new(&s, 2, 2, "s").unwrap(), &mut MatMut::new(&mut q, 2, 2, "q").unwrap(), &mut sc)
            .unwrap();
        assert_eq!(q, [0.0, 3.0, 2.0, 3.0]);
        let mut m = [0.0f32; 2];
        column_mean(MatRef::new(&q, 2, 2, "q").unwrap(), &mut m).unwrap();
        assert_eq!(m, [1.0, 3.0]);
    }
}
