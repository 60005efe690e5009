//! `sinkhorn_batched` on a few small problems (shared or per-problem marginals), every storage
//! scalar: on `Ok` each problem's potentials are finite and agree with a single-problem
//! `sinkhorn_scaling` run for the same fixed iteration count, and the reported worst column
//! error is the largest of theirs; on `Err` other than a breakdown nothing is written.
#![no_main]

use clasp_core::sinkhorn::{
    BatchedParams, SinkhornParams, sinkhorn_batched, sinkhorn_batched_scratch, sinkhorn_scaling,
    sinkhorn_scaling_scratch,
};
use clasp_core::{Float, MatRef, Real};
use clasp_fuzz::ot::{problem, scratch_len};
use clasp_fuzz::{Result, Unstructured, acc_eps, assert_untouched, count, describe, sentinel};
use clasp_fuzz::{snapshot_acc, widen_acc};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()> {
    let batch = u.int_in_range(1..=3)?;
    let first = problem::<T>(u, 5, 5)?;
    let (n, k, kind, eps) = (first.n, first.k, first.kind, first.eps);
    let shared = u.arbitrary::<bool>()?;
    let (mut x, mut a, mut b) = (first.x, first.a, first.b);
    for _ in 1..batch {
        let mut q = problem::<T>(u, n, k)?;
        q.x.resize(n * k, x[0]);
        x.extend_from_slice(&q.x);
        if !shared {
            a.extend_from_within(..n.min(a.len()));
            b.extend_from_within(..k.min(b.len()));
        }
    }
    let params = BatchedParams::default().eps(eps).kind(kind).iterations(count(u, 1, 60)?);
    clasp_fuzz::trace(&params);
    let ns = scratch_len(u, sinkhorn_batched_scratch(n, k))?;
    let (mut f, mut g) = (sentinel::<T::Acc>(batch * n), sentinel::<T::Acc>(batch * k));
    let mut s = vec![<T::Acc as Float>::ZERO; ns];
    let (f0, g0) = (snapshot_acc(&f), snapshot_acc(&g));
    match sinkhorn_batched(&x, batch, n, k, &a, &b, &params, &mut f, &mut g, &mut s) {
        Ok(info) => {
            assert_eq!((info.iterations, info.problems), (params.iterations, batch));
            let (fw, gw) = (widen_acc(&f), widen_acc(&g));
            assert!(fw.iter().chain(&gw).all(|v| v.is_finite()), "f {fw:?} g {gw:?}");
            let single =
                SinkhornParams::default().eps(eps).kind(kind).max_iter(params.iterations).tol(0.0).check_every(1);
            let mut worst = 0.0f64;
            for p in 0..batch {
                let xp = MatRef::new(&x[p * n * k..(p + 1) * n * k], n, k, "x").expect("shape");
                let ap = if a.len() == n { &a[..] } else { &a[p * n..(p + 1) * n] };
                let bp = if b.len() == k { &b[..] } else { &b[p * k..(p + 1) * k] };
                let (mut fs, mut gs) = (sentinel::<T::Acc>(n), sentinel::<T::Acc>(k));
                let mut ss = vec![<T::Acc as Float>::ZERO; sinkhorn_scaling_scratch(n, k)];
                let one = sinkhorn_scaling(xp, ap, bp, &single, &mut fs, &mut gs, &mut ss)
                    .unwrap_or_else(|e| panic!("batched Ok but problem {p} alone fails: {e:?}"));
                worst = worst.max(one.marginal_err);
                let scale = acc_eps::<T>() * 1e3;
                for (bv, sv) in fw[p * n..(p + 1) * n]
                    .iter()
                    .chain(&gw[p * k..(p + 1) * k])
                    .zip(widen_acc(&fs).iter().chain(&widen_acc(&gs)))
                {
                    assert!((bv - sv).abs() <= scale * (1.0 + sv.abs()), "problem {p}: batched {bv} vs single {sv}");
                }
            }
            let t = acc_eps::<T>() * 1e3;
            assert!((info.max_marginal_err - worst).abs() <= t * (1.0 + worst), "{} vs {worst}", info.max_marginal_err);
        }
        Err(e) => {
            describe(&e);
            assert_untouched(&e, &f0, &snapshot_acc(&f), "f");
            assert_untouched(&e, &g0, &snapshot_acc(&g), "g");
        }
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
