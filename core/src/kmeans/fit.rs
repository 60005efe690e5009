//! k-means entry points with owned outputs: [`kmeans`] (k-means++ or random initialisation,
//! `n_init` restarts keeping the lowest inertia) and [`kmeans_from`] (user-given centres).

use super::lloyd::{LloydRun, lloyd};
use super::params::{KMeansInfo, KMeansInit, KMeansParams};
use super::plus_plus::plus_plus_unchecked;
use crate::draw::Draw;
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::monitor::{Monitor, Unmonitored};
use crate::scalar::{Float, Real};
use crate::validate;
use alloc::vec::Vec;

/// A fitted k-means model.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansFit<F> {
    /// Final centres, k × d row-major.
    pub centers: Vec<F>,
    /// Cluster of every row (0..k).
    pub labels: Vec<usize>,
    /// Iterations, convergence flag, inertia.
    pub info: KMeansInfo,
}

/// scikit-learn's tolerance scaling: tol · mean_d Var(x_·d) (population variance).
fn effective_tol<T: Real>(x: MatRef<'_, T>, tol: f64) -> T::Acc {
    if tol == 0.0 {
        return T::Acc::ZERO;
    }
    let (n, d) = (x.rows(), x.cols());
    let nf = T::Acc::from_usize(n);
    let mut total = T::Acc::ZERO;
    for j in 0..d {
        let mean = x.row_iter().map(|r| r[j].to_acc()).sum::<T::Acc>() / nf;
        let var = x
            .row_iter()
            .map(|r| {
                let t = r[j].to_acc() - mean;
                t * t
            })
            .sum::<T::Acc>()
            / nf;
        total += var;
    }
    T::Acc::from_f64(tol) * total / T::Acc::from_usize(d)
}

fn into_fit<F: Float>(run: LloydRun<F>, best_init: usize) -> KMeansFit<F> {
    KMeansFit {
        info: KMeansInfo { n_iter: run.n_iter, converged: run.converged, inertia: run.inertia.to_f64(), best_init },
        centers: run.centers,
        labels: run.labels,
    }
}

/// A run's centres and inertia are finite. On finite data they overflow only for data near
/// the type's MAX (a cluster's coordinate sum or a squared distance exceeds it), where the
/// result is not representable.
fn check_run<F: Float>(run: &LloydRun<F>) -> Result<()> {
    validate::finite_output(&run.centers, "k-means", run.n_iter)?;
    validate::finite_output(&[run.inertia], "k-means", run.n_iter)
}

/// Lloyd's k-means on the rows of `x` (n × d): `params.n_init` seeded initialisations
/// (k-means++ or random rows), keeping the run with the lowest inertia (ties to the first).
///
/// Errors: invalid parameters, `k` = 0 or `k` > n, non-finite data;
/// [`Error::NumericalBreakdown`] when every run's centres or inertia overflow (data near the
/// type's MAX).
pub fn kmeans<T: Real>(x: MatRef<'_, T>, params: &KMeansParams) -> Result<KMeansFit<T::Acc>> {
    kmeans_monitored(x, params, &mut Unmonitored)
}

/// [`kmeans`] reporting every Lloyd pass to `monitor` (run = the initialisation index,
/// residual = the squared centre shift); a `Break` ends the current initialisation there.
pub fn kmeans_monitored<T: Real>(
    x: MatRef<'_, T>,
    params: &KMeansParams,
    monitor: &mut dyn Monitor,
) -> Result<KMeansFit<T::Acc>> {
    params.validate(x.rows())?;
    validate::finite(x.as_slice(), "x")?;
    let tol_eff = effective_tol(x, params.tol);
    let mut draw = Draw::new(params.seed);
    let mut best: Option<(LloydRun<T::Acc>, usize)> = None;
    let mut breakdown = Error::InvalidParameter { name: "n_init", value: 0.0 };
    for init in 0..params.n_init {
        let centers = initial_centers(x, params, &mut draw);
        let run = lloyd(x, centers, params.max_iter, tol_eff, init, monitor);
        if let Err(e) = check_run(&run) {
            breakdown = e;
        } else if best.as_ref().is_none_or(|(b, _)| run.inertia < b.inertia) {
            best = Some((run, init));
        }
    }
    best.map(|(run, i)| into_fit(run, i)).ok_or(breakdown)
}

fn initial_centers<T: Real>(x: MatRef<'_, T>, params: &KMeansParams, draw: &mut Draw) -> Vec<T::Acc> {
    match params.init {
        KMeansInit::PlusPlus => plus_plus_unchecked(x, &[], params.k, draw).0,
        KMeansInit::Random => {
            let mut perm: Vec<usize> = (0..x.rows()).collect();
            draw.distinct(&mut perm, params.k);
            perm[..params.k].iter().flat_map(|&i| x.row(i).iter().map(|v| v.to_acc())).collect()
        }
    }
}

/// Lloyd's k-means from the given initial centres `init` (k × d; `params.k`, `init` and
/// `seed`/`n_init` are ignored — k is `init.rows()`).
///
/// Errors: `init` with a different number of columns than `x`, more centres than rows,
/// non-finite values, invalid `max_iter`/`tol`; [`Error::NumericalBreakdown`] when the
/// centres or the inertia overflow (data near the type's MAX).
pub fn kmeans_from<T: Real, C: Real<Acc = T::Acc>>(
    x: MatRef<'_, T>,
    init: MatRef<'_, C>,
    params: &KMeansParams,
) -> Result<KMeansFit<T::Acc>> {
    let k = init.rows();
    KMeansParams { k, n_init: 1, ..*params }.validate(x.rows())?;
    if init.cols() != x.cols() {
        return Err(Error::ShapeMismatch { what: "init", expected: k * x.cols(), found: init.as_slice().len() });
    }
    validate::finite(x.as_slice(), "x")?;
    validate::finite(init.as_slice(), "init")?;
    let centers = init.as_slice().iter().map(|v| v.to_acc()).collect();
    let run = lloyd(x, centers, params.max_iter, effective_tol(x, params.tol), 0, &mut Unmonitored);
    check_run(&run)?;
    Ok(into_fit(run, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Vec<f64> {
        let mut v = Vec::new();
        for (cx, cy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)] {
            for i in 0..10 {
                let t = i as f64 * 0.1;
                v.extend_from_slice(&[cx + t, cy + (t * 7.0) % 0.5]);
            }
        }
        v
    }

    #[test]
    fn recovers_separated_clusters() {
        let data = grid();
        let x = MatRef::new(&data, 30, 2, "x").unwrap();
        let fit = kmeans(x, &KMeansParams { k: 3, n_init: 3, seed: 4, ..Default::default() }).unwrap();
        for blk in fit.labels.chunks(10) {
            assert!(blk.iter().all(|&l| l == blk[0]));
        }
        assert!(fit.info.converged);
        assert_eq!(fit, kmeans(x, &KMeansParams { k: 3, n_init: 3, seed: 4, ..Default::default() }).unwrap());
        let r = kmeans(x, &KMeansParams { k: 3, init: KMeansInit::Random, n_init: 5, ..Default::default() }).unwrap();
        assert!(r.info.inertia <= fit.info.inertia * (1.0 + 1e-12));
    }

    #[test]
    fn empty_cluster_is_relocated() {
        let data = grid();
        let x = MatRef::new(&data, 30, 2, "x").unwrap();
        // Two centres on the first blob and one far away: the far one starts empty.
        let init = [0.0, 0.0, 0.5, 0.0, 1000.0, 1000.0];
        let fit = kmeans_from(x, MatRef::new(&init, 3, 2, "init").unwrap(), &KMeansParams::default()).unwrap();
        let mut used = [false; 3];
        for &l in &fit.labels {
            used[l] = true;
        }
        assert_eq!(used, [true; 3]);
        assert!(fit.centers.iter().all(|c| c.is_finite()));
    }

    #[test]
    fn bad_input_is_rejected() {
        let data = grid();
        let x = MatRef::new(&data, 30, 2, "x").unwrap();
        assert!(kmeans(x, &KMeansParams { k: 31, ..Default::default() }).is_err());
        assert!(kmeans(x, &KMeansParams { k: 0, ..Default::default() }).is_err());
        let mut bad = data.clone();
        bad[3] = f64::INFINITY;
        assert!(matches!(
            kmeans(MatRef::new(&bad, 30, 2, "x").unwrap(), &KMeansParams { k: 2, ..Default::default() }),
            Err(Error::NonFinite { .. })
        ));
        let init3 = [0.0f64; 3];
        assert!(kmeans_from(x, MatRef::new(&init3, 1, 3, "init").unwrap(), &KMeansParams::default()).is_err());
    }

    #[test]
    fn duplicated_points_do_not_break_it() {
        let data = [1.0f64; 20];
        let x = MatRef::new(&data, 10, 2, "x").unwrap();
        let fit = kmeans(x, &KMeansParams { k: 3, ..Default::default() }).unwrap();
        assert_eq!(fit.info.inertia, 0.0);
        assert!(fit.centers.iter().all(|c| c.is_finite()));
    }
}
