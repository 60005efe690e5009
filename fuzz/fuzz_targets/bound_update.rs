//! The bound optimiser on caller scratch: `bound_update` (with fixed rows),
//! `bound_update_from_unary`, `bound_step`, `bound_energy`, `softmax_rows`, over a kNN
//! affinity (`knn_affinity`) or a hostile CSR, f32 and f64: on `Ok` the free rows of Y are on
//! the simplex, fixed rows are untouched, the reported energy is E(Y) and, with the monotone
//! safeguard (or λ = 0), it did not increase; on `Err` Y is untouched.
#![no_main]

use clasp_core::bound::{
    BoundParams, CsrRef, bound_energy, bound_step, bound_update, bound_update_from_unary, bound_update_scratch,
    knn_affinity, softmax_rows,
};
use clasp_core::{Float, MatMut, MatRef};
use clasp_fuzz::fewshot::{bound, symmetrise};
use clasp_fuzz::{Result, Unstructured, assert_simplex_rows, assert_untouched, cast, describe, snapshot_acc};
use clasp_fuzz::{values, widen_acc};

fn run<F: Float + clasp_core::Real<Acc = F>>(u: &mut Unstructured<'_>) -> Result<()> {
    let wild = clasp_fuzz::wild(u)?;
    let (n, k) = (u.int_in_range(1..=6)?, u.int_in_range(1..=3)?);
    let unary: Vec<F> = cast(&values(u, n * k, wild)?);
    let a = MatRef::new(&unary, n, k, "unary").expect("shape");
    // Affinity: kNN graph of random points, or hostile CSR arrays.
    let owned;
    let (indptr, indices, weights): (Vec<usize>, Vec<usize>, Vec<F>);
    let w = if u.arbitrary()? {
        let pts: Vec<F> = cast(&values(u, n * 2, wild)?);
        match knn_affinity(MatRef::new(&pts, n, 2, "p").expect("shape"), u.int_in_range(0..=n)?, symmetrise(u)?) {
            Ok(c) => {
                owned = c;
                owned.as_ref()
            }
            Err(e) => {
                describe(&e);
                return Ok(());
            }
        }
    } else {
        let nnz = u.int_in_range(0..=2 * n)?;
        let mut ptr: Vec<usize> = (0..=n).map(|i| i * nnz / n).collect();
        if u.ratio(1u8, 8)? {
            let i = u.choose_index(ptr.len())?;
            ptr[i] = u.int_in_range(0..=nnz + 1)?;
        }
        indptr = ptr;
        indices = (0..nnz).map(|_| u.int_in_range(0..=n)).collect::<Result<_>>()?;
        weights = cast(&values(u, nnz, wild)?.iter().map(|v| v.abs()).collect::<Vec<_>>());
        match CsrRef::new(n, &indptr, &indices, &weights) {
            Ok(c) => c,
            Err(e) => {
                describe(&e);
                return Ok(());
            }
        }
    };
    let params: BoundParams = bound(u)?;
    let tol = F::EPSILON.to_f64() * 64.0;
    let mut y = vec![F::ZERO; n * k];
    let simplex_start = u.ratio(7u8, 8)?;
    if simplex_start {
        let logits: Vec<F> = cast(&values(u, n * k, false)?);
        softmax_rows(&logits, k, &mut y);
        assert_simplex_rows(&widen_acc(&y), k, tol, "softmax_rows");
    } else {
        y = cast(&values(u, n * k, true)?);
    }
    let fixed = u.int_in_range(0..=n + 1)?;
    let ns = clasp_fuzz::ot::scratch_len(u, bound_update_scratch(n, k))?;
    let mut scratch = vec![F::ZERO; ns];
    let y0 = y.clone();
    let before = snapshot_acc(&y);
    let mut ym = MatMut::new(&mut y, n, k, "y").expect("shape");
    // λ = 0: each row's update is the exact minimiser of its convex term, monotone from a
    // simplex start; from a raw (non-simplex) start only the safeguard guarantees it.
    let monotone = params.monotone || params.lambda == 0.0;
    clasp_fuzz::trace(&(&unary, n, k, &params, &y0, fixed, simplex_start, &w));
    match bound_update(a, &w, &params, fixed, &mut ym, &mut scratch) {
        Ok(info) => {
            let monotone = params.monotone || (params.lambda == 0.0 && simplex_start);
            assert!(info.energy.is_finite() && info.initial_energy.is_finite(), "{info:?}");
            assert!(info.iterations <= params.max_iter);
            let yw = widen_acc(&y);
            let fixed = fixed.min(n);
            assert_eq!(snapshot_acc(&y)[..fixed * k], before[..fixed * k], "fixed rows moved");
            // Rows move only by accepted steps (a rejected monotone step keeps the input rows).
            if simplex_start {
                assert_simplex_rows(&yw[fixed * k..], k, tol * 16.0, "y");
            }
            if monotone {
                let slack = tol * (1.0 + info.initial_energy.abs()) * 16.0;
                assert!(info.energy <= info.initial_energy + slack, "energy rose: {info:?}");
            }
            let mut wy = vec![F::ZERO; n * k];
            let e = bound_energy(a, &w, MatRef::new(&y, n, k, "y").expect("shape"), params.lambda, &mut wy)
                .expect("energy of a returned Y");
            // E sums terms y·a and λ·y·(WY) that can cancel (a = ±1e300): the reported and the
            // recomputed energy (other summation orders) agree to ε times the terms' size.
            let size: f64 = yw
                .iter()
                .zip(&widen_acc(&unary))
                .zip(&widen_acc(&wy))
                .map(|((y, a), w)| {
                    (y * a).abs() + if params.lambda > 0.0 { params.lambda * (y * w).abs() } else { 0.0 }
                })
                .sum();
            let slack = tol * (1.0 + e.to_f64().abs() + size) * 64.0;
            assert!((e.to_f64() - info.energy).abs() <= slack, "energy {} vs reported {}", e.to_f64(), info.energy);
            // One more monotone step from the result cannot increase the energy.
            let mut ym = MatMut::new(&mut y, n, k, "y").expect("shape");
            if let Ok(step) = bound_step(a, &w, params.lambda, true, fixed, &mut ym, e, &mut scratch) {
                assert!(step.energy <= e.to_f64() + slack, "{step:?} from {}", e.to_f64());
            }
        }
        Err(e) => {
            describe(&e);
            assert_untouched(&e, &before, &snapshot_acc(&y), "y");
        }
    }
    let mut y = y0;
    let before = snapshot_acc(&y);
    let mut ym = MatMut::new(&mut y, n, k, "y").expect("shape");
    match bound_update_from_unary(a, &w, &params, &mut ym, &mut scratch) {
        Ok(info) => {
            assert_simplex_rows(&widen_acc(&y), k, tol * 16.0, "y from unary");
            if monotone {
                let slack = tol * (1.0 + info.initial_energy.abs()) * 16.0;
                assert!(info.energy <= info.initial_energy + slack, "energy rose: {info:?}");
            }
        }
        Err(e) => {
            describe(&e);
            assert_untouched(&e, &before, &snapshot_acc(&y), "y");
        }
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_float!(u, run(u)) });
