//! `swav_codes` and `swav_assign` on one score block, every storage scalar: on `Ok` every code
//! row is a probability vector, the reported prototype error is finite and each hard target
//! is a largest code of its row; on `Err` the codes and labels are untouched.
#![no_main]

use clasp_core::sinkhorn::{SwavParams, swav_assign, swav_codes, swav_scratch};
use clasp_core::{Float, Local, MatRef, Real};
use clasp_fuzz::ot::{problem, scratch_len};
use clasp_fuzz::{Result, Unstructured, assert_labels, assert_simplex_rows, assert_untouched, count, storage_eps};
use clasp_fuzz::{cast, describe, snapshot, widen};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()> {
    let p = problem::<T>(u, 8, 6)?;
    let keep_last = if u.ratio(1u8, 4)? { Some(u.int_in_range(0..=p.n + 1)?) } else { None };
    let params =
        SwavParams::default().eps(p.eps).iterations(count(u, 1, 10)?).max_shift(u.ratio(3u8, 4)?).keep_last(keep_last);
    let Ok(s) = MatRef::new(&p.x, p.n, p.k, "scores") else { return Ok(()) };
    let m = keep_last.unwrap_or(p.n).min(p.n);
    let ns = scratch_len(u, swav_scratch(p.n, p.k))?;
    let mut scratch = vec![<T::Acc as Float>::ZERO; ns];
    let mut codes: Vec<T> = cast(&vec![0.375; m * p.k]);
    let before = snapshot(&codes);
    let coded = swav_codes(s, &params, &mut codes, &mut scratch, &mut Local);
    let mut labels = vec![usize::MAX; m];
    let assigned = swav_assign(s, &params, &mut labels, &mut scratch, &mut Local);
    match (&coded, &assigned) {
        (Ok(info), Ok(assign_info)) => {
            assert_eq!((info.iterations, info.samples), (params.iterations, p.n));
            assert_eq!((assign_info.iterations, assign_info.samples), (params.iterations, p.n));
            assert!(info.prototype_err.is_finite(), "prototype_err {}", info.prototype_err);
            assert!(assign_info.prototype_err.is_finite(), "prototype_err {}", assign_info.prototype_err);
            let tol = storage_eps::<T>() * 4.0;
            let w = widen(&codes);
            assert_simplex_rows(&w, p.k, tol, "codes");
            assert_labels(&labels, p.k, "labels");
            for (row, &l) in w.chunks_exact(p.k).zip(&labels) {
                let top = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                assert!(row[l] >= top - tol * 4.0, "label {l} is not a largest code of {row:?}");
            }
        }
        (Err(a), Err(b)) => {
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "codes and assign disagree on the error");
            describe(a);
            assert_untouched(a, &before, &snapshot(&codes), "codes");
            if !clasp_fuzz::writes_on_error(b) {
                assert!(labels.iter().all(|&l| l == usize::MAX), "labels written on {b:?}");
            }
        }
        _ => panic!("swav_codes {coded:?} but swav_assign {assigned:?}"),
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
