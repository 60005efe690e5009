//! `mixture::fit` for all four covariance types and initialisations, f32/f64 and f16/bf16
//! storage: on `Ok` the model is valid (weights on the simplex, finite means, PD
//! covariances), the lower bound is finite and the fitted model scores its own data.
#![no_main]

use clasp_core::Linalg;
use clasp_core::mixture::fit;
use clasp_core::{Float, Real};
use clasp_fuzz::mixture::{assert_model, assert_scores, with_data};
use clasp_fuzz::{Result, Unstructured, acc_eps, describe};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Linalg,
{
    with_data::<T>(u, |_, xm, params| {
        match fit(xm, params) {
            Ok(f) => {
                let tol = acc_eps::<T>() * 1e3;
                assert_eq!(f.model.n_components(), params.k);
                assert_model(&f.model, tol);
                assert!(f.info.n_iter >= 1 && f.info.n_iter <= params.max_iter);
                assert!(f.info.lower_bound.to_f64().is_finite(), "lower bound {:?}", f.info.lower_bound);
                assert!(f.info.lower_bounds.iter().all(|b| b.to_f64().is_finite()), "{:?}", f.info.lower_bounds);
                assert_scores(&f.model, xm, tol);
            }
            Err(e) => {
                describe(&e);
            }
        }
        Ok(())
    })
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
