//! LaplacianShot (`laplacian_shot`: kNN affinity, optional rectification and shift, bound
//! updates), every storage scalar: on `Ok` the labels are classes and, with the monotone
//! safeguard, the bound energy did not increase.
#![no_main]

use clasp_core::Real;
use clasp_core::bound::{Episode, LaplacianShotParams, laplacian_shot};
use clasp_fuzz::fewshot::{EpisodeData, bound, symmetrise, with_episode};
use clasp_fuzz::{Result, Unstructured, assert_labels, describe, param};

fn check<T: Real>(u: &mut Unstructured<'_>, e: &EpisodeData<T>, ep: &Episode<'_, T>) -> Result<()> {
    let params = LaplacianShotParams::default()
        .bound(bound(u)?)
        .knn(u.int_in_range(0..=e.nq)?)
        .symmetrise(symmetrise(u)?)
        .rectify(u.arbitrary()?)
        .shift(u.arbitrary()?)
        .rectify_temperature(param(u, 0.1, 100.0)?);
    match laplacian_shot(ep, &params) {
        Ok((labels, info)) => {
            assert_eq!(labels.len(), e.nq);
            assert_labels(&labels, e.ways, "labels");
            let b = info.bound;
            assert!(b.energy.is_finite() && b.initial_energy.is_finite(), "{b:?}");
            if params.bound.monotone {
                assert!(b.energy <= b.initial_energy + 1e-6 * (1.0 + b.initial_energy.abs()), "energy rose: {b:?}");
            }
            assert!(info.unrectified_classes <= e.ways);
        }
        Err(err) => {
            describe(&err);
        }
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, with_episode(u, check)) });
