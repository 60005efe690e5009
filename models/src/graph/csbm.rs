//! The contextual stochastic block model (Deshpande et al., NeurIPS 2018): `n` nodes in `k`
//! equal classes; an edge joins two nodes of the same class with probability p_in and of
//! different classes with p_out; node i has features x_i = μ_{c_i} + σ·ε_i with class means
//! μ_c ~ N(0, I_d) and ε_i ~ N(0, I_d). Seeded: the same parameters and seed give the same graph.
//!
//! Edges are drawn per block pair: the count m ~ Binomial(pairs, p), then m distinct uniform
//! pairs, so a 100 000-node sparse graph costs O(edges), not O(n²).

use super::{GraphData, GraphError};
use clasp_core::graph::adjacency_from_edges;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;
use rand_distr::{Binomial, Distribution, StandardNormal};
use std::collections::BTreeSet;

/// The parameters of a contextual SBM.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CsbmParams {
    /// Nodes.
    pub n: usize,
    /// Classes (equal sizes up to one node).
    pub k: usize,
    /// Within-class edge probability.
    pub p_in: f64,
    /// Between-class edge probability.
    pub p_out: f64,
    /// Feature width.
    pub dim: usize,
    /// Feature noise σ (the class means have unit variance per coordinate).
    pub sigma: f64,
}

impl CsbmParams {
    /// `n` nodes, `k` classes, mean within-class degree 8 and between-class degree 2 (p_in =
    /// 8k/n, p_out = 2k/(n(k−1))), 32 features with noise σ = 2: sparse at every size, so the
    /// graph and the features each carry part of the classes.
    pub fn sparse(n: usize, k: usize) -> Self {
        let nk = n as f64 / k.max(1) as f64;
        let p_in = (8.0 / nk).min(1.0);
        let p_out = if k > 1 { (2.0 / (n as f64 - nk)).min(1.0) } else { 0.0 };
        Self { n, k, p_in, p_out, dim: 32, sigma: 2.0 }
    }
}

/// Draws a contextual SBM graph with labels (named `csbm-N-K`).
///
/// Errors: `n < 2`, `k = 0` or `k > n`, a probability outside [0, 1], `dim = 0`, σ < 0 or not finite.
pub fn csbm(p: &CsbmParams, seed: u64) -> Result<GraphData, GraphError> {
    let bad = |name: &'static str, message: String| Err(GraphError::Parameter { name, message });
    if p.n < 2 {
        return bad("n", format!("{} nodes (need at least 2)", p.n));
    }
    if p.k == 0 || p.k > p.n {
        return bad("k", format!("{} classes for {} nodes", p.k, p.n));
    }
    for (name, v) in [("p_in", p.p_in), ("p_out", p.p_out)] {
        if !(0.0..=1.0).contains(&v) {
            return bad(name, format!("{v} is not a probability"));
        }
    }
    if p.dim == 0 || !(p.sigma.is_finite() && p.sigma >= 0.0) {
        return bad("features", format!("dim {} and σ {} (need dim ≥ 1, σ ≥ 0)", p.dim, p.sigma));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let labels: Vec<usize> = (0..p.n).map(|i| i * p.k / p.n).collect();
    let start = |c: usize| (c * p.n).div_ceil(p.k);
    let mut edges = Vec::new();
    for a in 0..p.k {
        for b in a..p.k {
            let (a0, a1, b0, b1) = (start(a), start(a + 1), start(b), start(b + 1));
            let (na, nb) = ((a1 - a0) as u64, (b1 - b0) as u64);
            let pairs = if a == b { na * na.saturating_sub(1) / 2 } else { na * nb };
            let prob = if a == b { p.p_in } else { p.p_out };
            if pairs == 0 || prob == 0.0 {
                continue;
            }
            let m =
                Binomial::new(pairs, prob).map_err(|e| GraphError::Parameter { name: "p", message: e.to_string() })?;
            let m = m.sample(&mut rng);
            let mut chosen = BTreeSet::new();
            while (chosen.len() as u64) < m {
                let u = rng.random_range(a0..a1);
                let v = rng.random_range(b0..b1);
                if u != v {
                    chosen.insert((u.min(v), u.max(v)));
                }
            }
            edges.extend(chosen);
        }
    }
    let adjacency = adjacency_from_edges(p.n, &edges, None)?;
    let means: Vec<f64> = (0..p.k * p.dim).map(|_| rng.sample(StandardNormal)).collect();
    let mut features = Vec::with_capacity(p.n * p.dim);
    for &c in &labels {
        for j in 0..p.dim {
            let e: f64 = rng.sample(StandardNormal);
            features.push((means[c * p.dim + j] + p.sigma * e) as f32);
        }
    }
    Ok(GraphData {
        name: format!("csbm-{}-{}", p.n, p.k),
        adjacency,
        features,
        dim: p.dim,
        labels: Some(labels),
        unscored: Vec::new(),
    })
}
