//! What the input matrix means: a cost to minimise or a similarity to maximise.

/// The meaning of the N×K input matrix `x` given to every Sinkhorn entry.
///
/// - [`ScoreKind::Cost`] (POT/OTT convention, Cuturi 2013): `x = M`, the plan is
///   `Q = diag(u) exp(−M/ε) diag(v)`, the problem is `min ⟨Q, M⟩ − εH(Q)`.
/// - [`ScoreKind::Similarity`] (SwAV, SeLa, SIGMA, MGCA): `x = S` (e.g. cosine scores), the plan is
///   `Q = diag(u) exp(+S/ε) diag(v)`, the problem is `max ⟨Q, S⟩ + εH(Q)`, i.e. the cost form
///   with `M = −S`.
///
/// Mixing the two signs is a classic bug (vissl #250: a similarity fed as a cost puts all mass
/// on the *worst* matches); the kind is therefore a required, explicit part of every parameter
/// struct. Internally both are handled as the gain `σ·x` with `σ = −1` (cost) or `+1`
/// (similarity), and every solver returns potentials `(f, g)` with
/// `Q_ij = exp((σ x_ij + f_i + g_j)/ε)`; in cost form these are POT's `ε·log u`, `ε·log v`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ScoreKind {
    /// `x` is a cost `M`: kernel `exp(−M/ε)`.
    Cost,
    /// `x` is a similarity `S`: kernel `exp(+S/ε)`.
    Similarity,
}

impl ScoreKind {
    /// σ: −1 for a cost, +1 for a similarity (the gain is `σ·x`).
    #[inline]
    pub fn sign(self) -> f64 {
        match self {
            ScoreKind::Cost => -1.0,
            ScoreKind::Similarity => 1.0,
        }
    }
}
