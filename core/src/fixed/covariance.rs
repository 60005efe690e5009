//! The covariance forms the no-heap mixture supports.

/// Covariance layout of a [`FixedGmm`](super::FixedGmm).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FixedCovariance {
    /// One variance per component and dimension.
    Diag,
    /// One variance per component.
    Spherical,
}
