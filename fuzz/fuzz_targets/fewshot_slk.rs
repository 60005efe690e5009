//! `slk_few_shot` in all four variants (K-means and K-modes prototypes, with λ = 0 or with
//! the Laplacian term: SLK-Means, SLK-MS), every storage scalar: on `Ok` the labels are
//! classes and the energy and bandwidth are finite.
#![no_main]

use clasp_core::Real;
use clasp_core::bound::{Episode, Prototype, SlkParams, slk_few_shot};
use clasp_fuzz::fewshot::{EpisodeData, bound, symmetrise, with_episode};
use clasp_fuzz::{Result, Unstructured, assert_labels, count, describe, param};

fn check<T: Real>(u: &mut Unstructured<'_>, e: &EpisodeData<T>, ep: &Episode<'_, T>) -> Result<()> {
    let params = SlkParams::default()
        .prototype(if u.arbitrary()? { Prototype::KMeans } else { Prototype::KModes })
        .bound(bound(u)?)
        .knn(u.int_in_range(0..=e.ns + e.nq)?)
        .symmetrise(symmetrise(u)?)
        .clamp_support(u.arbitrary()?)
        .shift(u.arbitrary()?)
        .max_outer(count(u, 1, 10)?)
        .outer_tol(param(u, 1e-6, 1e-2)?)
        .sigma_knn(count(u, 1, e.ns + e.nq + 1)?)
        .mean_shift_tol(param(u, 1e-6, 1e-2)?)
        .mean_shift_max_iter(count(u, 1, 50)?)
        .soft_means(u.arbitrary()?);
    match slk_few_shot(ep, &params) {
        Ok((labels, info)) => {
            assert_eq!(labels.len(), e.nq);
            assert_labels(&labels, e.ways, "labels");
            assert!(info.energy.is_finite() && info.sigma.is_finite() && info.sigma >= 0.0, "{info:?}");
            assert!(info.outer_iterations <= params.max_outer);
        }
        Err(err) => {
            describe(&err);
        }
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, with_episode(u, check)) });
