//! The crate's one error type. Every public entry validates its input before touching any
//! output buffer, so an `Err` always leaves the caller's data as it was.

use core::fmt;

/// What went wrong, with the offending name, index or value. No heap: usable in `no_std`.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// An input that must hold at least one element is empty (`rows` or `cols` of 0, …).
    Empty {
        /// Name of the argument.
        what: &'static str,
    },
    /// A buffer's length does not match the shape it must have.
    ShapeMismatch {
        /// Name of the argument.
        what: &'static str,
        /// Length required by the other arguments.
        expected: usize,
        /// Length given.
        found: usize,
    },
    /// A NaN or ±∞ in an input.
    NonFinite {
        /// Name of the argument.
        what: &'static str,
        /// Flat index of the first offending entry.
        index: usize,
    },
    /// A weight or mass that must be ≥ 0 (or > 0) is not.
    Negative {
        /// Name of the argument.
        what: &'static str,
        /// Flat index of the first offending entry.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// Marginals that must have equal (or unit) total mass do not.
    MassMismatch {
        /// Name of the argument.
        what: &'static str,
        /// Total found.
        found: f64,
        /// Total required.
        expected: f64,
    },
    /// A parameter is out of its domain (ε ≤ 0, tolerance < 0, zero iterations, …).
    InvalidParameter {
        /// Name of the parameter.
        name: &'static str,
        /// The value given.
        value: f64,
    },
    /// The caller's scratch buffer is too small (see the matching `*_scratch` function).
    ScratchTooSmall {
        /// Elements required.
        needed: usize,
        /// Elements given.
        found: usize,
    },
    /// More clusters (or components) than points, or none at all.
    InvalidClusterCount {
        /// Number of clusters asked for.
        k: usize,
        /// Number of points.
        n: usize,
    },
    /// A label or index outside its range.
    IndexOutOfRange {
        /// Name of the argument.
        what: &'static str,
        /// Position of the offending entry.
        index: usize,
        /// The value found.
        value: usize,
        /// Exclusive upper bound.
        bound: usize,
    },
    /// A covariance (or other matrix that must be positive definite) is not.
    NotPositiveDefinite {
        /// Name of the matrix.
        what: &'static str,
        /// Component index.
        component: usize,
    },
    /// A matrix that must be symmetric is not.
    NotSymmetric {
        /// Name of the matrix.
        what: &'static str,
        /// Row of the first offending entry.
        row: usize,
        /// Column of the first offending entry.
        col: usize,
    },
    /// The iteration produced a non-finite value or a zero divisor and was stopped; the
    /// outputs hold the last good iterate.
    NumericalBreakdown {
        /// Name of the algorithm step.
        what: &'static str,
        /// 1-based iteration at which it happened.
        iteration: usize,
    },
    /// A distributed all-reduce hook failed.
    Reduce {
        /// Code reported by the hook.
        code: i32,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Empty { what } => write!(f, "`{what}` is empty"),
            Error::ShapeMismatch { what, expected, found } => {
                write!(f, "`{what}` has {found} elements, expected {expected}")
            }
            Error::NonFinite { what, index } => {
                write!(f, "`{what}` has a non-finite value at index {index}")
            }
            Error::Negative { what, index, value } => {
                write!(f, "`{what}` has the invalid value {value} at index {index}")
            }
            Error::MassMismatch { what, found, expected } => {
                write!(f, "`{what}` sums to {found}, expected {expected}")
            }
            Error::InvalidParameter { name, value } => {
                write!(f, "parameter `{name}` = {value} is out of range")
            }
            Error::ScratchTooSmall { needed, found } => {
                write!(f, "scratch holds {found} elements, {needed} needed")
            }
            Error::InvalidClusterCount { k, n } => {
                write!(f, "cannot form {k} clusters from {n} points")
            }
            Error::IndexOutOfRange { what, index, value, bound } => {
                write!(f, "`{what}`[{index}] = {value} is not below {bound}")
            }
            Error::NotPositiveDefinite { what, component } => write!(
                f,
                "`{what}` of component {component} is not positive definite \
                 (collapsed or singleton samples: lower K, raise the regularisation or rescale)"
            ),
            Error::NotSymmetric { what, row, col } => {
                write!(f, "`{what}` is not symmetric at ({row}, {col})")
            }
            Error::NumericalBreakdown { what, iteration } => {
                write!(f, "numerical breakdown in {what} at iteration {iteration}")
            }
            Error::Reduce { code } => write!(f, "all-reduce hook failed with code {code}"),
        }
    }
}

impl core::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T> = core::result::Result<T, Error>;
