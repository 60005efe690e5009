//! Per-pixel OOD scores (higher = more likely OOD) of one network output, from pixel i's
//! affinities S_i· (N queries) and class masks Ŷ_i· (K classes):
//!
//! - MaxQuery        s_i = −max_n S_in            (best affinity to any inlier query)
//! - MaxQuery-prob   s_i = −max_n A_in,  A_i· = softmax(S_i·/τ)
//! - MSP             s_i = −max_k Ŷ_ik            (max-softmax probability of the same network)
//! - energy          s_i = −logsumexp_k z_ik with z_ik = log Σ_n exp(S_in/τ) P_nk, the logits
//!   whose softmax over classes is exactly Ŷ_i·; since Σ_k P_nk = 1 this is
//!   −logsumexp_n(S_in/τ), reported multiplied by τ (a monotone rescaling).
//! - MaxQuery-inlier s_i = −max_n S(F_i, C̄_n) against fixed *inlier queries* C̄: each query's
//!   refined value averaged over training (inlier-only) crops, so the queries cannot adapt to
//!   the test image's OOD content through the decoder's cross-attention.

/// The OOD scores of a set of pixels, one vector per score.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OodScores {
    /// −max affinity.
    pub maxquery: Vec<f64>,
    /// −max assignment probability.
    pub maxquery_prob: Vec<f64>,
    /// −max class probability.
    pub msp: Vec<f64>,
    /// −τ·logsumexp(S/τ).
    pub energy: Vec<f64>,
    /// −max affinity to the fixed inlier queries.
    pub inlier: Vec<f64>,
}

impl OodScores {
    /// Appends pixel scores from its affinity row `s` and class row `seg`.
    pub fn push(&mut self, s: &[f32], seg: &[f32], tau: f64) {
        let max_s = s.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        let lse = max_s / tau + s.iter().map(|&v| (f64::from(v) / tau - max_s / tau).exp()).sum::<f64>().ln();
        // max_n A_in = exp(max_n S_in/τ − logsumexp_n S_in/τ).
        self.maxquery.push(-max_s);
        self.maxquery_prob.push(-(max_s / tau - lse).exp());
        self.msp.push(-(seg.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64));
        self.energy.push(-tau * lse);
    }

    /// The scores by report name (`maxquery`, `prob`, `msp`, `energy`, `inlier`).
    pub fn named(&self) -> [(&'static str, &[f64]); 5] {
        [
            ("maxquery", &self.maxquery),
            ("prob", &self.maxquery_prob),
            ("msp", &self.msp),
            ("energy", &self.energy),
            ("inlier", &self.inlier),
        ]
    }
}

/// Index of the largest value (the first on ties).
pub fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &x)| if x > bv { (i, x) } else { (bi, bv) }).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_by_hand() {
        let mut o = OodScores::default();
        o.push(&[0.5, -0.5], &[0.7, 0.3], 1.0);
        assert!((o.maxquery[0] + 0.5).abs() < 1e-9);
        let p = (0.5f64).exp() / ((0.5f64).exp() + (-0.5f64).exp());
        assert!((o.maxquery_prob[0] + p).abs() < 1e-9);
        assert!((o.msp[0] + 0.7).abs() < 1e-6);
        assert!((o.energy[0] + ((0.5f64).exp() + (-0.5f64).exp()).ln()).abs() < 1e-9);
        assert_eq!(argmax(&[0.1, 0.9, 0.9]), 1);
    }
}
