//! Peng–Wei SDP problems and the checks the four solver targets share.

use crate::{Result, Unstructured, assert_finite, assert_labels, cast, count, describe, param, values, widen};
use clasp_core::sdp::{
    Affinity, SdpInfo, certificate, feasibility, kmeans_labels, row_argmax_labels, spectral_embedding,
};
use clasp_core::{Float, Linalg, MatRef, Real};

/// Small data (n ≤ 7 points, p ≤ 3 features), its affinity (from the data, from squared
/// distances or from a similarity, hostile now and then) and a cluster count k.
#[derive(Debug)]
pub struct Instance<T: Real> {
    /// Points.
    pub n: usize,
    /// Features.
    pub p: usize,
    /// The data, row-major n × p.
    pub x: Vec<T>,
    /// Its affinity (or a hostile one), if it validated.
    pub affinity: Option<Affinity<T::Acc>>,
    /// Number of clusters (may be invalid).
    pub k: usize,
    /// Solver tolerance (may be invalid).
    pub tol: f64,
    /// Iteration budget (may be 0).
    pub max_iter: usize,
}

/// Draws an [`Instance`].
pub fn instance<T: Real>(u: &mut Unstructured<'_>) -> Result<Instance<T>> {
    let wild = crate::wild(u)?;
    let (n, p) = (u.int_in_range(1..=7)?, u.int_in_range(1..=3)?);
    let x: Vec<T> = cast(&values(u, n * p, wild)?);
    let xm = MatRef::new(&x, n, p, "x").expect("shape");
    let affinity = match u.int_in_range(0u8..=3)? {
        0 | 1 => Affinity::from_data(xm).ok(),
        choice => {
            // Squared distances of the data, or a hostile symmetric matrix.
            let xs = widen(&x);
            let mut m = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    m[i * n + j] = (0..p).map(|t| (xs[i * p + t] - xs[j * p + t]).powi(2)).sum();
                }
            }
            if u.ratio(1u8, 4)? {
                m = values(u, n * n, true)?;
            }
            let mt: Vec<T> = cast(&m);
            let mm = MatRef::new(&mt, n, n, "m").expect("shape");
            if choice == 2 { Affinity::from_distances(mm).ok() } else { Affinity::from_similarity(mm).ok() }
        }
    };
    Ok(Instance { n, p, x, affinity, k: count(u, 1, n + 1)?, tol: param(u, 1e-6, 1e-2)?, max_iter: count(u, 1, 300)? })
}

/// What a solver promises about a Z it reports `converged` (README, "K-means SDP"), with
/// r = K·max(tol, n·ε) (ε of the compute type F): the bound to which the dense solvers check
/// tr Z = K and Z1 = 1 before they report convergence.
#[derive(Clone, Copy, Debug)]
pub enum Contract {
    /// ADMM and PGD: |tr Z − K| ≤ r and ‖Z1 − 1‖_∞ ≤ r (the solver's own test), and Z is the
    /// iterate of the PSD/affine block: symmetric and PSD to rounding, its negative entries
    /// bounded by the primal residual, tol·max(1, ‖Z‖_F) ≤ tol·K.
    Dense,
    /// Burer–Monteiro, Z = UUᵀ with U ≥ 0 and ‖U‖_F² = K: nonnegative, symmetric, PSD and of
    /// trace K by construction; converged means ‖UUᵀ1 − 1‖₂/√n < tol, so ‖Z1 − 1‖_∞ < √n·tol.
    LowRank,
}

impl Contract {
    /// The largest violation of each constraint a converged Z may show, as measured by
    /// [`feasibility`] (in f64, from Z stored in F): the contract's bound plus r for the
    /// rounding of recomputing the sums and the eigenvalues (n-term sums of entries ≤ 1 in F).
    fn slack<F: Float>(self, n: usize, k: usize, tol: f64) -> (f64, f64) {
        let r = k as f64 * tol.max(n as f64 * F::EPSILON.to_f64());
        match self {
            // (row sums and trace, every other constraint)
            Contract::Dense => (2.0 * r, 2.0 * r),
            Contract::LowRank => ((n as f64).sqrt() * tol + r, r),
        }
    }
}

/// On `Ok`: Z (n × n) is finite, the report is finite, and a Z reported converged meets the
/// solver's [`Contract`] constraint by constraint; the rounding helpers then give valid labels
/// and a certificate whose gap is finite.
#[track_caller]
#[allow(clippy::too_many_arguments)]
pub fn assert_solution<F: Linalg>(
    aff: &Affinity<F>,
    z: &[F],
    k: usize,
    info: &SdpInfo,
    tol: f64,
    contract: Contract,
    u: &mut Unstructured<'_>,
) -> Result<()> {
    let n = aff.n();
    assert_eq!(z.len(), n * n);
    assert_finite(&crate::widen_acc(z), "z");
    assert!(info.objective.is_finite(), "objective {}", info.objective);
    assert!(info.duality_gap.is_none_or(f64::is_finite), "duality gap {:?}", info.duality_gap);
    assert!(info.iterations >= 1);
    let f = feasibility(z, n, k).expect("feasibility of a finite n × n matrix");
    if info.converged {
        let (equalities, rest) = contract.slack::<F>(n, k, tol);
        assert!(
            f.row_sum <= equalities && f.trace <= equalities,
            "converged Z misses Z1 = 1 or tr Z = K by more than {equalities:e}: {f:?} (tol {tol}, {contract:?})"
        );
        assert!(
            f.negativity <= rest && f.psd <= rest && f.asymmetry <= rest,
            "converged Z is negative, not PSD or not symmetric beyond {rest:e}: {f:?} (tol {tol}, {contract:?})"
        );
    }
    let labels = row_argmax_labels(z, n, k).expect("row_argmax on a valid Z");
    assert_labels(&labels, k, "row_argmax_labels");
    if let Ok(e) = spectral_embedding(z, n, k) {
        assert_finite(&crate::widen_acc(&e), "spectral embedding");
        match kmeans_labels(&e, n, e.len() / n, k, count(u, 1, 2)?, u.arbitrary()?) {
            Ok(l) => assert_labels(&l, k, "kmeans_labels"),
            Err(e) => {
                describe(&e);
            }
        }
    }
    let bound = info.objective + info.duality_gap.unwrap_or(0.0);
    if let Ok(c) = certificate(aff, &labels, k, bound, tol) {
        assert!(c.partition_objective.is_finite() && c.gap.is_finite(), "{c:?}");
        assert!(!c.certified || c.gap <= tol * c.sdp_bound.abs().max(1.0), "{c:?}");
    }
    Ok(())
}

/// Z written into a storage-type buffer (e.g. [`clasp_core::sdp::admm`]).
pub type IntoBuffer<T, P> = fn(&Affinity<<T as Real>::Acc>, usize, &P, &mut [T]) -> clasp_core::Result<SdpInfo>;
/// Z returned in the compute type (e.g. [`clasp_core::sdp::admm_alloc`]).
pub type Owned<T, P> =
    fn(&Affinity<<T as Real>::Acc>, usize, &P) -> clasp_core::Result<(Vec<<T as Real>::Acc>, SdpInfo)>;

/// A dense solver's two forms.
pub struct Dense<T: Real, P> {
    /// Writing Z into the caller's buffer.
    pub into: IntoBuffer<T, P>,
    /// Returning Z.
    pub owned: Owned<T, P>,
}

/// Runs both forms of a dense solver on an [`Instance`] with parameters from `params`: the
/// owned Z passes [`assert_solution`], the buffer form reports the same, and on `Err` the
/// caller's buffer is untouched.
pub fn run_dense<T: Real, P: core::fmt::Debug>(
    u: &mut Unstructured<'_>,
    solver: Dense<T, P>,
    params: impl FnOnce(&mut Unstructured<'_>, &Instance<T>) -> Result<P>,
) -> Result<()>
where
    T::Acc: Linalg,
{
    let i = instance::<T>(u)?;
    let Some(aff) = &i.affinity else { return Ok(()) };
    let params = params(u, &i)?;
    crate::trace(&(&i, &params));
    let nz = crate::ot::jitter(u, i.n * i.n)?;
    let mut z: Vec<T> = cast(&vec![0.625; nz]);
    let before = crate::snapshot(&z);
    let written = (solver.into)(aff, i.k, &params, &mut z);
    match (solver.owned)(aff, i.k, &params) {
        Ok((zf, info)) => {
            assert_solution(aff, &zf, i.k, &info, i.tol, Contract::Dense, u)?;
            if nz == i.n * i.n {
                assert_eq!(written.expect("owned Ok but buffer form fails"), info, "buffer and owned forms differ");
            }
        }
        Err(e) => {
            describe(&e);
            assert!(written.is_err());
        }
    }
    if let Err(e) = written {
        crate::assert_untouched(&e, &before, &crate::snapshot(&z), "z");
    }
    Ok(())
}
