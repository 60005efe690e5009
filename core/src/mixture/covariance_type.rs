//! The four covariance layouts of scikit-learn's `GaussianMixture`.

/// How component covariances are parameterised (and stored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum CovarianceType {
    /// One full D × D covariance per component; stored K × D × D.
    #[default]
    Full,
    /// One diagonal covariance per component; stored K × D (the variances).
    Diag,
    /// One variance per component (σ²_k I); stored K.
    Spherical,
    /// One full D × D covariance shared by all components; stored D × D.
    Tied,
}

impl CovarianceType {
    /// Number of stored covariance values for `k` components in `d` dimensions.
    pub fn covariance_len(self, k: usize, d: usize) -> usize {
        match self {
            CovarianceType::Full => k * d * d,
            CovarianceType::Diag => k * d,
            CovarianceType::Spherical => k,
            CovarianceType::Tied => d * d,
        }
    }

    /// Free parameters of a K-component mixture: (K − 1) weights + K·D means + the
    /// covariances (full K·D(D+1)/2, diag K·D, tied D(D+1)/2, spherical K).
    pub fn n_parameters(self, k: usize, d: usize) -> usize {
        let cov = match self {
            CovarianceType::Full => k * d * (d + 1) / 2,
            CovarianceType::Diag => k * d,
            CovarianceType::Spherical => k,
            CovarianceType::Tied => d * (d + 1) / 2,
        };
        k - 1 + k * d + cov
    }

    /// scikit-learn's name (`"full"`, `"diag"`, `"spherical"`, `"tied"`).
    pub fn name(self) -> &'static str {
        match self {
            CovarianceType::Full => "full",
            CovarianceType::Diag => "diag",
            CovarianceType::Spherical => "spherical",
            CovarianceType::Tied => "tied",
        }
    }

    /// One line saying what the type fits (for command-line help and reports).
    pub fn summary(self) -> &'static str {
        match self {
            CovarianceType::Full => "One full matrix per component",
            CovarianceType::Diag => "One diagonal per component",
            CovarianceType::Spherical => "One variance per component",
            CovarianceType::Tied => "One full matrix shared by all components",
        }
    }

    /// The four types, in scikit-learn's order of its documentation.
    pub const ALL: [CovarianceType; 4] =
        [CovarianceType::Full, CovarianceType::Tied, CovarianceType::Diag, CovarianceType::Spherical];

    /// The type named by scikit-learn's string, if any.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "full" => Some(CovarianceType::Full),
            "diag" => Some(CovarianceType::Diag),
            "spherical" => Some(CovarianceType::Spherical),
            "tied" => Some(CovarianceType::Tied),
            _ => None,
        }
    }

    /// Whether the covariance is a full matrix (factorised by Cholesky).
    pub fn is_matrix(self) -> bool {
        matches!(self, CovarianceType::Full | CovarianceType::Tied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_names() {
        for t in [CovarianceType::Full, CovarianceType::Diag, CovarianceType::Spherical, CovarianceType::Tied] {
            assert_eq!(CovarianceType::from_name(t.name()), Some(t));
        }
        assert_eq!(CovarianceType::Full.n_parameters(3, 4), 2 + 12 + 30);
        assert_eq!(CovarianceType::Tied.covariance_len(3, 4), 16);
        assert_eq!(CovarianceType::from_name("x"), None);
    }
}
