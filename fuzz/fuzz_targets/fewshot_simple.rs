//! SimpleShot (`simple_shot` on caller scratch, `simple_shot_labels`) and the feature
//! transforms (`column_mean`, `cl2n`, `shift_query`), every storage scalar: on `Ok` the labels
//! are classes, each query goes to a nearest class mean, transformed features are finite and
//! CL2N rows have norm 1 (or 0); on `Err` the caller's labels and features are untouched.
#![no_main]

use clasp_core::bound::{
    Episode, cl2n, column_mean, shift_query, simple_shot, simple_shot_labels, simple_shot_scratch,
};
use clasp_core::{Float, MatMut, MatRef, Real};
use clasp_fuzz::fewshot::episode;
use clasp_fuzz::{Result, Unstructured, assert_finite, assert_labels, assert_untouched, describe, sentinel};
use clasp_fuzz::{snapshot, snapshot_acc, storage_eps, widen};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()> {
    let e = episode::<T>(u)?;
    let s = MatRef::new(&e.support, e.ns, e.dim, "support").expect("shape");
    let q = MatRef::new(&e.query, e.nq, e.dim, "query").expect("shape");
    match Episode::new(s, &e.labels, q, e.ways) {
        Ok(ep) => {
            let nl = clasp_fuzz::ot::jitter(u, e.nq)?;
            let mut labels = vec![usize::MAX; nl];
            let ns = clasp_fuzz::ot::scratch_len(u, simple_shot_scratch(e.ways, e.dim))?;
            let mut scratch = vec![<T::Acc as Float>::ZERO; ns];
            match simple_shot(&ep, &mut labels, &mut scratch) {
                Ok(()) => {
                    assert_labels(&labels, e.ways, "labels");
                    assert_eq!(simple_shot_labels(&ep).expect("owned form"), labels);
                }
                Err(err) => {
                    describe(&err);
                    assert!(labels.iter().all(|&l| l == usize::MAX), "labels written on {err:?}");
                }
            }
        }
        Err(err) => {
            describe(&err);
        }
    }
    // Feature transforms on the query rows.
    let mut mean = sentinel::<T::Acc>(clasp_fuzz::ot::jitter(u, e.dim)?);
    let m0 = snapshot_acc(&mean);
    if let Err(err) = column_mean(q, &mut mean) {
        assert_untouched(&err, &m0, &snapshot_acc(&mean), "mean");
        return Ok(());
    }
    let mut feats = e.query.clone();
    let f0 = snapshot(&feats);
    let mut fm = MatMut::new(&mut feats, e.nq, e.dim, "q").expect("shape");
    match cl2n(&mut fm, &mean) {
        Ok(()) => {
            let w = widen(&feats);
            assert_finite(&w, "cl2n");
            for row in w.chunks_exact(e.dim) {
                let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
                assert!(
                    norm == 0.0 || (norm - 1.0).abs() <= storage_eps::<T>() * 8.0 * e.dim as f64,
                    "cl2n norm {norm}"
                );
            }
        }
        Err(err) => assert_untouched(&err, &f0, &snapshot(&feats), "cl2n x"),
    }
    let mut feats = e.query.clone();
    let f0 = snapshot(&feats);
    let mut fm = MatMut::new(&mut feats, e.nq, e.dim, "q").expect("shape");
    let mut scratch = vec![<T::Acc as Float>::ZERO; 2 * e.dim];
    match shift_query(s, &mut fm, &mut scratch) {
        Ok(()) => assert_finite(&widen(&feats), "shifted query"),
        Err(err) => assert_untouched(&err, &f0, &snapshot(&feats), "shift_query query"),
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
