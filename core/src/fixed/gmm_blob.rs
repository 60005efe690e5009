//! The byte format of a diag/spherical Gaussian mixture shipped to a device
//! ([`super::FixedGmm::from_bytes`]; exported on the host by [`to_bytes`] under `alloc`).
//!
//! Little-endian throughout:
//!
//! ```text
//! offset  size      field
//! 0       4         magic  b"CLGM"
//! 4       1         version (1)
//! 5       1         covariance type: 1 = diag, 2 = spherical
//! 6       2         K  (u16, number of components)
//! 8       2         D  (u16, dimension)
//! 10      2         reserved, 0
//! 12      4·K       weights π_k (f32)
//! ..      4·K·D     means μ_kj (f32, row-major K × D)
//! ..      4·V       variances (f32): diag V = K·D (σ²_kj), spherical V = K (σ²_k)
//! ```
//!
//! Total length 12 + 4·(K + K·D + V) bytes.

use super::covariance::FixedCovariance;

/// The four magic bytes.
pub const MAGIC: [u8; 4] = *b"CLGM";
/// The format version written and accepted.
pub const VERSION: u8 = 1;
/// Header length in bytes.
pub const HEADER_LEN: usize = 12;

/// Covariance-type byte of the format (offset 5).
pub fn type_byte(cov: FixedCovariance) -> u8 {
    match cov {
        FixedCovariance::Diag => 1,
        FixedCovariance::Spherical => 2,
    }
}

/// Number of stored variances for K components in D dimensions.
pub(crate) fn variance_count(cov: FixedCovariance, k: usize, d: usize) -> usize {
    match cov {
        FixedCovariance::Diag => k * d,
        FixedCovariance::Spherical => k,
    }
}

/// Total blob length for K components in D dimensions.
pub fn blob_len(cov: FixedCovariance, k: usize, d: usize) -> usize {
    HEADER_LEN + 4 * (k + k * d + variance_count(cov, k, d))
}

/// Serialises a fitted diag or spherical [`crate::mixture::GaussianMixture`] (parameters
/// rounded to f32) so that it can be loaded with [`super::FixedGmm::from_bytes`].
///
/// Errors: a full or tied model ([`crate::Error::InvalidParameter`] `covariance_type`), K or D
/// above `u16::MAX`, a value that is not finite in f32, a variance that rounds to 0 in f32
/// ([`crate::Error::NotPositiveDefinite`] with its component, as `from_bytes` would refuse it;
/// fuzz finding).
#[cfg(feature = "alloc")]
pub fn to_bytes<F: crate::Linalg>(model: &crate::mixture::GaussianMixture<F>) -> crate::Result<alloc::vec::Vec<u8>> {
    use crate::Error;
    use crate::mixture::CovarianceType;
    let cov = match model.covariance_type() {
        CovarianceType::Diag => FixedCovariance::Diag,
        CovarianceType::Spherical => FixedCovariance::Spherical,
        CovarianceType::Full => return Err(Error::InvalidParameter { name: "covariance_type", value: 0.0 }),
        CovarianceType::Tied => return Err(Error::InvalidParameter { name: "covariance_type", value: 3.0 }),
    };
    let (k, d) = (model.n_components(), model.dim());
    let k16 = u16::try_from(k).map_err(|_| Error::InvalidParameter { name: "k", value: k as f64 })?;
    let d16 = u16::try_from(d).map_err(|_| Error::InvalidParameter { name: "d", value: d as f64 })?;
    let mut out = alloc::vec::Vec::with_capacity(blob_len(cov, k, d));
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(type_byte(cov));
    out.extend_from_slice(&k16.to_le_bytes());
    out.extend_from_slice(&d16.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    let values = model.weights().iter().chain(model.means()).chain(model.covariances());
    let first_variance = k + k * d;
    let per_component = variance_count(cov, k, d) / k.max(1);
    for (index, &v) in values.enumerate() {
        let v = crate::Float::to_f64(v) as f32;
        if !v.is_finite() {
            return Err(Error::NonFinite { what: "model", index });
        }
        if index >= first_variance && v <= 0.0 {
            let component = (index - first_variance) / per_component.max(1);
            return Err(Error::NotPositiveDefinite { what: "variances", component });
        }
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}
