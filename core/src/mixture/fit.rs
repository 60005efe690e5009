//! Fitting a Gaussian mixture with scikit-learn's `GaussianMixture` semantics: `n_init`
//! initialisations (responsibilities from k-means, k-means++ seeds, random, or random rows,
//! then one parameter estimate, overridden by any user-given weights/means/precisions), EM on
//! each, keeping the one with the largest final lower bound (ties to the first).

use super::covariance_type::CovarianceType;
use super::em::{EmHook, GmmFit, PlainEm, run_em};
use super::m_step::estimate;
use super::model::{GaussianMixture, Spread};
use crate::draw::Draw;
use crate::error::{Error, Result};
use crate::kmeans::fit::kmeans;
use crate::kmeans::plus_plus::plus_plus_unchecked;
use crate::kmeans::{KMeansInit, KMeansParams};
use crate::matrix::MatRef;
use crate::scalar::Linalg;
use crate::scalar::{Float, Real};
use crate::validate;
use alloc::vec;
use alloc::vec::Vec;

/// How initial responsibilities are built (scikit-learn's `init_params`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum GmmInit {
    /// One-hot labels of a k-means fit (k-means++ seeding, one run).
    #[default]
    KMeans,
    /// One-hot on the K k-means++ seed rows only (every other row has zero responsibility, so
    /// the initial covariances are reg·I: the first E-step is very sharp, as in scikit-learn).
    KMeansPlusPlus,
    /// Uniform(0, 1) rows, normalised.
    Random,
    /// One-hot on K distinct random rows.
    RandomFromData,
}

params! {
    /// Parameters of [`fit`]. Defaults are scikit-learn's (`k` 1, full covariances, reg 1e-6,
    /// tol 1e-3, 100 iterations, 1 initialisation from k-means).
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct GmmParams {
        /// Number of components K (1 ≤ K ≤ n).
        pub k: usize,
        /// Covariance layout.
        pub covariance_type: CovarianceType,
        /// Added to the covariance diagonals in every M-step (≥ 0). Default 1e-6.
        pub reg_covar: f64,
        /// Stop when the lower bound changes by less than this (≥ 0). Default 1e-3.
        pub tol: f64,
        /// EM iterations per initialisation (≥ 1). Default 100.
        pub max_iter: usize,
        /// Initialisations (≥ 1); the largest final lower bound is kept. Default 1.
        pub n_init: usize,
        /// Initial responsibilities.
        pub init: GmmInit,
        /// Seed of the random stream.
        pub seed: u64,
    }
}

impl Default for GmmParams {
    fn default() -> Self {
        Self {
            k: 1,
            covariance_type: CovarianceType::Full,
            reg_covar: 1e-6,
            tol: 1e-3,
            max_iter: 100,
            n_init: 1,
            init: GmmInit::KMeans,
            seed: 0,
        }
    }
}

impl GmmParams {
    /// Checks the parameters against a data set of `n` rows.
    pub fn validate(&self, n: usize) -> Result<()> {
        validate::cluster_count(self.k, n)?;
        validate::nonnegative_param(self.reg_covar, "reg_covar")?;
        validate::nonnegative_param(self.tol, "tol")?;
        if self.max_iter == 0 {
            return Err(Error::InvalidParameter { name: "max_iter", value: 0.0 });
        }
        if self.n_init == 0 {
            return Err(Error::InvalidParameter { name: "n_init", value: 0.0 });
        }
        Ok(())
    }
}

/// User-given initial values (scikit-learn's `weights_init`, `means_init`, `precisions_init`);
/// each one given replaces the estimate from the initial responsibilities. `precisions`
/// takes precedence over `covariances` when both are given.
#[derive(Clone, Copy, Debug, Default)]
pub struct GmmInitValues<'a, F> {
    /// K weights, summing to 1.
    pub weights: Option<&'a [F]>,
    /// K × D means.
    pub means: Option<&'a [F]>,
    /// Precisions in the covariance layout.
    pub precisions: Option<&'a [F]>,
    /// Covariances in the covariance layout (clasp extension).
    pub covariances: Option<&'a [F]>,
}

impl<F> GmmInitValues<'_, F> {
    fn complete(&self) -> bool {
        self.weights.is_some() && self.means.is_some() && (self.precisions.is_some() || self.covariances.is_some())
    }
}

/// Fits a mixture to the rows of `x` (n × D).
///
/// Errors: invalid parameters, K = 0 or K > n, non-finite data, a covariance that is not
/// positive definite during EM ([`Error::NotPositiveDefinite`] with the component);
/// [`Error::NumericalBreakdown`] when data near the type's MAX makes a sufficient statistic
/// or a log-likelihood overflow (the lower bound of an `Ok` fit is always finite).
pub fn fit<T: Real>(x: MatRef<'_, T>, params: &GmmParams) -> Result<GmmFit<T::Acc>>
where
    T::Acc: Linalg,
{
    fit_with_hook(x, params, &GmmInitValues::default(), &mut PlainEm)
}

/// [`fit`] with user-given initial values.
pub fn fit_with<T: Real>(
    x: MatRef<'_, T>,
    params: &GmmParams,
    init: &GmmInitValues<'_, T::Acc>,
) -> Result<GmmFit<T::Acc>>
where
    T::Acc: Linalg,
{
    fit_with_hook(x, params, init, &mut PlainEm)
}

/// [`fit_with`] with an [`EmHook`] between every E-step and M-step (e.g. [`FixedLabels`](super::FixedLabels)).
pub fn fit_with_hook<T: Real, H: EmHook<T::Acc> + ?Sized>(
    x: MatRef<'_, T>,
    params: &GmmParams,
    init: &GmmInitValues<'_, T::Acc>,
    hook: &mut H,
) -> Result<GmmFit<T::Acc>>
where
    T::Acc: Linalg,
{
    params.validate(x.rows())?;
    validate::finite(x.as_slice(), "x")?;
    let (k, d) = (params.k, x.cols());
    // Validate the user values up front.
    if let Some(w) = init.weights {
        validate::len(w, k, "weights_init")?;
        let total = validate::nonnegative(w, false, "weights_init")?.to_f64();
        if (total - 1.0).abs() > 1e-6 {
            return Err(Error::MassMismatch { what: "weights_init", found: total, expected: 1.0 });
        }
    }
    if let Some(m) = init.means {
        validate::len(m, k * d, "means_init")?;
        validate::finite(m, "means_init")?;
    }
    let clen = params.covariance_type.covariance_len(k, d);
    if let Some(p) = init.precisions {
        validate::len(p, clen, "precisions_init")?;
    } else if let Some(c) = init.covariances {
        validate::len(c, clen, "covariances_init")?;
    }
    let mut draw = Draw::new(params.seed);
    let mut best: Option<GmmFit<T::Acc>> = None;
    for trial in 0..params.n_init {
        let start = initial_model(x, params, init, &mut draw)?;
        let mut run = run_em(x, start, params.reg_covar, params.tol, params.max_iter, hook)?;
        run.info.best_init = trial;
        if best.as_ref().is_none_or(|b| run.info.lower_bound > b.info.lower_bound) {
            best = Some(run);
        }
    }
    best.ok_or(Error::InvalidParameter { name: "n_init", value: 0.0 })
}

/// The initial model of one trial: responsibilities → estimate → user overrides.
fn initial_model<T: Real>(
    x: MatRef<'_, T>,
    params: &GmmParams,
    user: &GmmInitValues<'_, T::Acc>,
    draw: &mut Draw,
) -> Result<GaussianMixture<T::Acc>>
where
    T::Acc: Linalg,
{
    let d = x.cols();
    let cov = params.covariance_type;
    if user.complete() {
        let spread = match (user.precisions, user.covariances) {
            (Some(p), _) => Spread::Precisions(p),
            (None, Some(c)) => Spread::Covariances(c),
            (None, None) => return Err(Error::Empty { what: "precisions_init" }),
        };
        let (w, m) = (user.weights.unwrap_or(&[]), user.means.unwrap_or(&[]));
        return GaussianMixture::from_parts(cov, w, m, spread, d);
    }
    let resp = initial_responsibilities(x, params, draw)?;
    let reg = <T::Acc as Float>::from_f64(params.reg_covar);
    let est = estimate(x, &resp, params.k, cov, reg);
    est.check_finite(1)?;
    let nf = <T::Acc as Float>::from_usize(x.rows());
    let weights: Vec<T::Acc> = match user.weights {
        Some(w) => w.to_vec(),
        None => est.nk.iter().map(|&v| v / nf).collect(),
    };
    let means = user.means.unwrap_or(&est.means);
    let spread = match (user.precisions, user.covariances) {
        (Some(p), _) => Spread::Precisions(p),
        (None, Some(c)) => Spread::Covariances(c),
        (None, None) => Spread::Covariances(&est.covariances),
    };
    GaussianMixture::from_parts(cov, &weights, means, spread, d)
}

/// Initial responsibilities (n × K) of one trial.
fn initial_responsibilities<T: Real>(x: MatRef<'_, T>, params: &GmmParams, draw: &mut Draw) -> Result<Vec<T::Acc>> {
    let (n, k) = (x.rows(), params.k);
    let zero = <T::Acc as Float>::ZERO;
    let one = <T::Acc as Float>::ONE;
    let mut resp = vec![zero; n * k];
    match params.init {
        GmmInit::KMeans => {
            let kp =
                KMeansParams { k, n_init: 1, init: KMeansInit::PlusPlus, seed: draw.next_seed(), ..Default::default() };
            let fit = kmeans(x, &kp)?;
            for (i, &l) in fit.labels.iter().enumerate() {
                resp[i * k + l] = one;
            }
        }
        GmmInit::KMeansPlusPlus => {
            let (_, rows) = plus_plus_unchecked(x, &[], k, draw);
            for (c, &i) in rows.iter().enumerate() {
                resp[i * k + c] = one;
            }
        }
        GmmInit::Random => {
            for row in resp.chunks_exact_mut(k) {
                for v in row.iter_mut() {
                    *v = <T::Acc as Float>::from_f64(draw.uniform());
                }
                let s: T::Acc = row.iter().copied().sum();
                if s > zero {
                    for v in row.iter_mut() {
                        *v /= s;
                    }
                }
            }
        }
        GmmInit::RandomFromData => {
            let mut perm: Vec<usize> = (0..n).collect();
            draw.distinct(&mut perm, k);
            for (c, &i) in perm[..k].iter().enumerate() {
                resp[i * k + c] = one;
            }
        }
    }
    Ok(resp)
}

/// Runs EM from a given model (the seam for semi-supervised EM and split/merge): the
/// model's K and covariance type are used, `params.reg_covar`, `tol` and `max_iter` control
/// the loop (`k`, `n_init`, `init`, `seed` are ignored), `hook` runs between E and M.
///
/// Errors: `x` of another dimension than the model, non-finite data, invalid parameters,
/// a covariance that is not positive definite during EM, [`Error::NumericalBreakdown`] as
/// for [`fit`].
pub fn em<T: Real, H: EmHook<T::Acc> + ?Sized>(
    x: MatRef<'_, T>,
    init: GaussianMixture<T::Acc>,
    params: &GmmParams,
    hook: &mut H,
) -> Result<GmmFit<T::Acc>>
where
    T::Acc: Linalg,
{
    GmmParams { k: init.k, n_init: 1, ..*params }.validate(x.rows())?;
    if x.cols() != init.d {
        return Err(Error::ShapeMismatch { what: "x", expected: x.rows() * init.d, found: x.as_slice().len() });
    }
    validate::finite(x.as_slice(), "x")?;
    run_em(x, init, params.reg_covar, params.tol, params.max_iter, hook)
}
