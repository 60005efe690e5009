//! A mixture built from hostile parameters (`from_covariances`, `from_precisions`, all four
//! covariance types) scoring hostile data, f32/f64 compute (all four storage scalars for the
//! data): `predict`, `predict_proba`, `score_samples`, `score`, `bic`, `aic`, the caller-buffer
//! `e_step`, `e_step_log`, `weighted_log_prob`, then `m_step` and `target_distribution` on the
//! responsibilities. On `Ok`: valid model, probabilities on the simplex, `exp(e_step_log)` =
//! `e_step`; on `Err`: the caller's buffers are untouched.
#![no_main]

use clasp_core::Linalg;
use clasp_core::mixture::{
    CovarianceType, GaussianMixture, TargetKind, e_step, e_step_log, m_step, target_distribution, weighted_log_prob,
};
use clasp_core::{Float, MatRef, Real};
use clasp_fuzz::mixture::{assert_model, assert_scores, covariance_type};
use clasp_fuzz::{Result, Unstructured, acc_eps, assert_finite, assert_simplex_rows, assert_untouched, cast};
use clasp_fuzz::{describe, param, sentinel, snapshot_acc, values, weights, widen_acc};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Linalg,
{
    let wild = clasp_fuzz::wild(u)?;
    let (k, d, n) = (u.int_in_range(1..=3)?, u.int_in_range(1..=3)?, u.int_in_range(1..=8)?);
    let ct = covariance_type(u)?;
    let mut w = weights(u, k, wild)?;
    if u.ratio(7u8, 8)? {
        let t: f64 = w.iter().sum();
        w.iter_mut().for_each(|v| *v /= t);
    }
    let means = values(u, k * d, wild)?;
    let mut cov = vec![0.0; ct.covariance_len(k, d)];
    if matches!(ct, CovarianceType::Full | CovarianceType::Tied) {
        // A·Aᵀ + s·I (PD) from hostile A, or a raw hostile matrix.
        let raw = u.ratio(1u8, 4)?;
        for m in cov.chunks_exact_mut(d * d) {
            let a = values(u, d * d, wild)?;
            let s = param(u, 1e-3, 10.0)?;
            for i in 0..d {
                for j in 0..d {
                    m[i * d + j] = if raw {
                        a[i * d + j]
                    } else {
                        (0..d).map(|t| a[i * d + t] * a[j * d + t]).sum::<f64>() + if i == j { s } else { 0.0 }
                    };
                }
            }
        }
    } else {
        for v in cov.iter_mut() {
            *v = param(u, 1e-3, 10.0)?;
        }
    }
    let wf: Vec<T::Acc> = cast(&w);
    let mf: Vec<T::Acc> = cast(&means);
    let cf: Vec<T::Acc> = cast(&cov);
    let built = if u.arbitrary()? {
        GaussianMixture::from_covariances(ct, &wf, &mf, &cf, d)
    } else {
        GaussianMixture::from_precisions(ct, &wf, &mf, &cf, d)
    };
    let model = match built {
        Ok(m) => m,
        Err(e) => {
            describe(&e);
            return Ok(());
        }
    };
    let tol = acc_eps::<T>() * 1e3;
    assert_model(&model, tol);
    let wild_x = clasp_fuzz::wild(u)?;
    let x: Vec<T> = cast(&values(u, n * d, wild_x)?);
    let xm = MatRef::new(&x, n, d, "x").expect("shape");
    assert_scores(&model, xm, tol);

    let nr = clasp_fuzz::ot::jitter(u, n * k)?;
    let (mut resp, mut lresp, mut lpn, mut wlp) =
        (sentinel::<T::Acc>(nr), sentinel::<T::Acc>(nr), sentinel::<T::Acc>(n), sentinel::<T::Acc>(nr));
    let (r0, n0) = (snapshot_acc(&resp), snapshot_acc(&lpn));
    let plain = e_step(&model, xm, &mut resp, &mut lpn);
    let logged = e_step_log(&model, xm, &mut lresp, &mut lpn.clone());
    let weighted = weighted_log_prob(&model, xm, &mut wlp);
    match (&plain, &logged) {
        (Ok(a), Ok(b)) => {
            assert!(a.to_f64().is_finite() && (a.to_f64() - b.to_f64()).abs() <= tol * (1.0 + a.to_f64().abs()));
            let (r, lr) = (widen_acc(&resp), widen_acc(&lresp));
            assert_simplex_rows(&r, k, tol, "resp");
            // ln r = w − ln p(x) carries an absolute rounding error ε·|ln p(x)| (seed-1 CI
            // finding in bf16/f32 at |ln p(x)| ≈ 1e38): exp(ln r) is only that close to r.
            let lp = widen_acc(&lpn);
            for (i, (p, l)) in r.iter().zip(&lr).enumerate() {
                let slack = tol * (1.0 + lp[i / k].abs());
                assert!((p - l.exp()).abs() <= slack, "resp {p} vs exp(log_resp) {} (ln p {})", l.exp(), lp[i / k]);
            }
            assert!(weighted.is_ok());
            let wl = widen_acc(&wlp);
            assert!(wl.iter().all(|v| !v.is_nan() && *v < f64::INFINITY), "weighted_log_prob {wl:?}");
        }
        (Err(e), Err(e2)) => {
            // The two forms name their own buffers (`resp`, `log_resp`): same kind of error.
            assert_eq!(std::mem::discriminant(e), std::mem::discriminant(e2), "{e:?} vs {e2:?}");
            assert_untouched(e, &r0, &snapshot_acc(&resp), "resp");
            assert_untouched(e, &n0, &snapshot_acc(&lpn), "log_prob_norm");
            assert_untouched(e, &r0, &snapshot_acc(&lresp), "log_resp");
            if let Err(e) = weighted {
                assert_untouched(&e, &r0, &snapshot_acc(&wlp), "weighted_log_prob out");
            }
            return Ok(());
        }
        _ => panic!("e_step {plain:?} but e_step_log {logged:?}"),
    }

    // M-step on the responsibilities (or hostile ones), then the DEC / DEPICT targets.
    let raw = u.ratio(1u8, 4)?;
    let q: Vec<T::Acc> = if raw { cast(&values(u, n * k, true)?) } else { resp.clone() };
    let reg = if u.ratio(1u8, 8)? { 0.0 } else { param(u, 1e-6, 1e-1)? };
    match m_step(xm, &q, k, ct, reg) {
        Ok(m) if !raw => assert_model(&m, tol),
        Ok(m) => assert_finite(&widen_acc(m.means()), "m_step means"),
        Err(e) => {
            describe(&e);
        }
    }
    let kind = if u.arbitrary()? { TargetKind::DecSquare } else { TargetKind::DepictSqrt };
    let mut out = sentinel::<T::Acc>(n * k);
    let o0 = snapshot_acc(&out);
    match target_distribution(&q, k, kind, &mut out) {
        Ok(()) => assert_simplex_rows(&widen_acc(&out), k, tol, "target_distribution"),
        Err(e) => assert_untouched(&e, &o0, &snapshot_acc(&out), "target out"),
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
