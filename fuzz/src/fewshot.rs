//! Few-shot episodes for the bound-optimiser targets: support rows with labels (every class
//! present, or now and then not), query rows, hostile values when the case is wild.

use crate::{Result, Unstructured, cast, count, param, values};
use clasp_core::Real;
use clasp_core::bound::{BoundEnergy, BoundParams, Symmetrise};

/// The buffers of an episode (build the [`clasp_core::bound::Episode`] from them).
pub struct EpisodeData<T> {
    /// Classes.
    pub ways: usize,
    /// Features.
    pub dim: usize,
    /// Support rows, row-major.
    pub support: Vec<T>,
    /// Class of each support row.
    pub labels: Vec<usize>,
    /// Query rows, row-major.
    pub query: Vec<T>,
    /// Number of support rows.
    pub ns: usize,
    /// Number of query rows.
    pub nq: usize,
}

/// Draws an episode: ≤ 3 ways, ≤ 3 features, ≤ 2 shots, ≤ 8 queries.
pub fn episode<T: Real>(u: &mut Unstructured<'_>) -> Result<EpisodeData<T>> {
    let wild = crate::wild(u)?;
    let (ways, dim, shots, nq) =
        (u.int_in_range(1..=3)?, u.int_in_range(1..=3)?, u.int_in_range(1..=2)?, u.int_in_range(1..=8)?);
    let ns = ways * shots;
    let mut labels: Vec<usize> = (0..ns).map(|i| i % ways).collect();
    if u.ratio(1u8, 16)? {
        let i = u.choose_index(ns)?;
        labels[i] = u.int_in_range(0..=ways)?;
    }
    Ok(EpisodeData {
        ways,
        dim,
        support: cast(&values(u, ns * dim, wild)?),
        labels,
        query: cast(&values(u, nq * dim, wild)?),
        ns,
        nq,
    })
}

/// Bound parameters with hostile values now and then.
pub fn bound(u: &mut Unstructured<'_>) -> Result<BoundParams> {
    Ok(BoundParams::default()
        .lambda(if u.ratio(1u8, 4)? { 0.0 } else { param(u, 0.01, 10.0)? })
        .tol(param(u, 1e-8, 1e-2)?)
        .max_iter(count(u, 1, 30)?)
        .monotone(u.ratio(3u8, 4)?)
        // The targets check the reported energy against `bound_energy`, the majorised E.
        .energy(BoundEnergy::Majorised))
}

/// One of the three kNN symmetrisations.
pub fn symmetrise(u: &mut Unstructured<'_>) -> Result<Symmetrise> {
    Ok(match u.int_in_range(0u8..=2)? {
        0 => Symmetrise::None,
        1 => Symmetrise::Max,
        _ => Symmetrise::Mean,
    })
}

/// Draws an episode and runs `f` on it when it validates (else checks the error prints).
pub fn with_episode<T: Real>(
    u: &mut Unstructured<'_>,
    f: impl FnOnce(&mut Unstructured<'_>, &EpisodeData<T>, &clasp_core::bound::Episode<'_, T>) -> Result<()>,
) -> Result<()> {
    let e = episode::<T>(u)?;
    let s = clasp_core::MatRef::new(&e.support, e.ns, e.dim, "support").expect("shape");
    let q = clasp_core::MatRef::new(&e.query, e.nq, e.dim, "query").expect("shape");
    match clasp_core::bound::Episode::new(s, &e.labels, q, e.ways) {
        Ok(ep) => f(u, &e, &ep),
        Err(err) => {
            crate::describe(&err);
            Ok(())
        }
    }
}
