//! A validated few-shot episode: labelled support points, unlabelled query points, `ways`
//! classes. Every few-shot entry point takes one, so the checks live here once.

use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};
use crate::validate;

/// Support features (`n_s × d`) with labels in `0..ways`, query features (`n_q × d`).
#[derive(Clone, Copy, Debug)]
pub struct Episode<'a, T> {
    support: MatRef<'a, T>,
    support_labels: &'a [usize],
    query: MatRef<'a, T>,
    ways: usize,
}

impl<'a, T: Real> Episode<'a, T> {
    /// Checks and wraps an episode.
    ///
    /// Errors: `ways == 0` ([`Error::InvalidParameter`] `ways`); a class without support
    /// point ([`Error::InvalidParameter`] `shots` = 0); support and query of different
    /// widths or labels of the wrong length ([`Error::ShapeMismatch`]); a label `≥ ways`
    /// ([`Error::IndexOutOfRange`]); NaN/∞ features ([`Error::NonFinite`]). Empty support or
    /// query sets cannot be expressed as a [`MatRef`] (its constructor returns
    /// [`Error::Empty`]).
    pub fn new(support: MatRef<'a, T>, support_labels: &'a [usize], query: MatRef<'a, T>, ways: usize) -> Result<Self> {
        if ways == 0 {
            return Err(Error::InvalidParameter { name: "ways", value: 0.0 });
        }
        if query.cols() != support.cols() {
            return Err(Error::ShapeMismatch { what: "query columns", expected: support.cols(), found: query.cols() });
        }
        validate::len(support_labels, support.rows(), "support_labels")?;
        if let Some(index) = support_labels.iter().position(|&l| l >= ways) {
            return Err(Error::IndexOutOfRange {
                what: "support_labels",
                index,
                value: support_labels[index],
                bound: ways,
            });
        }
        for c in 0..ways {
            if !support_labels.contains(&c) {
                return Err(Error::InvalidParameter { name: "shots", value: 0.0 });
            }
        }
        validate::finite(support.as_slice(), "support")?;
        validate::finite(query.as_slice(), "query")?;
        Ok(Self { support, support_labels, query, ways })
    }

    /// Support features.
    pub fn support(&self) -> MatRef<'a, T> {
        self.support
    }
    /// Support labels.
    pub fn support_labels(&self) -> &'a [usize] {
        self.support_labels
    }
    /// Query features.
    pub fn query(&self) -> MatRef<'a, T> {
        self.query
    }
    /// Number of classes.
    pub fn ways(&self) -> usize {
        self.ways
    }
    /// Feature dimension.
    pub fn dim(&self) -> usize {
        self.support.cols()
    }

    /// Per-class mean of the support features, `ways × d` into `out`.
    pub(crate) fn class_means(&self, out: &mut [T::Acc]) {
        let d = self.dim();
        out.fill(<T::Acc as Float>::ZERO);
        for (row, &l) in self.support.row_iter().zip(self.support_labels) {
            for (o, &v) in out[l * d..(l + 1) * d].iter_mut().zip(row) {
                *o += v.to_acc();
            }
        }
        for c in 0..self.ways {
            let cnt = self.support_labels.iter().filter(|&&l| l == c).count();
            let inv = <T::Acc as Float>::ONE / <T::Acc as Float>::from_usize(cnt);
            for o in &mut out[c * d..(c + 1) * d] {
                *o *= inv;
            }
        }
    }
}
