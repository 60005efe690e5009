//! `kmeans` (k-means++ and random init), `kmeans_from`, `kmeans_plus_plus` and
//! `kmeans_assign`, every storage scalar: on `Ok` the centres and inertia are finite, every
//! label is the nearest centre (`kmeans_assign` on the returned centres agrees, up to ties)
//! and the reported inertia is theirs; `kmeans_assign` leaves its outputs untouched on `Err`.
#![no_main]

use clasp_core::kmeans::{KMeansInit, KMeansParams, kmeans, kmeans_assign, kmeans_from, kmeans_plus_plus};
use clasp_core::{Float, MatRef, Real};
use clasp_fuzz::{Result, Unstructured, acc_eps, assert_finite, assert_labels, assert_untouched, cast, count};
use clasp_fuzz::{describe, param, sentinel, snapshot_acc, values, widen_acc};

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Real<Acc = T::Acc>,
{
    let wild = clasp_fuzz::wild(u)?;
    let (n, d) = (u.int_in_range(1..=12)?, u.int_in_range(1..=4)?);
    let x: Vec<T> = cast(&values(u, n * d, wild)?);
    let Ok(xm) = MatRef::new(&x, n, d, "x") else { return Ok(()) };
    let params = KMeansParams::default()
        .k(count(u, 1, n + 1)?)
        .max_iter(count(u, 1, 50)?)
        .tol(if u.arbitrary()? { 0.0 } else { param(u, 1e-8, 1e-1)? })
        .n_init(count(u, 1, 3)?)
        .init(if u.arbitrary()? { KMeansInit::PlusPlus } else { KMeansInit::Random })
        .seed(u.arbitrary()?);
    clasp_fuzz::trace(&(&x, n, d, &params));
    let fit = if u.ratio(1u8, 4)? {
        let c0: Vec<T> = cast(&values(u, params.k * d, wild)?);
        clasp_fuzz::trace(&c0);
        match MatRef::new(&c0, params.k, d, "init") {
            Ok(c) => kmeans_from(xm, c, &params),
            Err(_) => return Ok(()),
        }
    } else {
        kmeans(xm, &params)
    };
    if let Ok(c) = kmeans_plus_plus(xm, params.k, params.seed) {
        assert_eq!(c.len(), params.k * d);
        assert_finite(&widen_acc(&c), "k-means++ centres");
    }
    let fit = match fit {
        Ok(fit) => fit,
        Err(e) => {
            describe(&e);
            return Ok(());
        }
    };
    let k = fit.centers.len() / d;
    assert_eq!((fit.centers.len(), fit.labels.len()), (k * d, n));
    assert_finite(&widen_acc(&fit.centers), "centres");
    assert_labels(&fit.labels, k, "labels");
    assert!(fit.info.inertia >= 0.0 && fit.info.inertia.is_finite(), "inertia {}", fit.info.inertia);
    let c = MatRef::new(&fit.centers, k, d, "centers").expect("shape");
    let mut labels = vec![usize::MAX; n];
    let mut dist = sentinel::<T::Acc>(n);
    let total = kmeans_assign(xm, c, &mut labels, &mut dist).expect("assign on the fit's own centres").to_f64();
    let dist = widen_acc(&dist);
    let tol = acc_eps::<T>() * 64.0 * (1.0 + total);
    for (i, (&l, &l2)) in fit.labels.iter().zip(&labels).enumerate() {
        if l != l2 {
            let own: f64 = x[i * d..(i + 1) * d]
                .iter()
                .zip(&fit.centers[l * d..(l + 1) * d])
                .map(|(a, b)| (a.to_acc() - *b).to_f64().powi(2))
                .sum();
            assert!(own <= dist[i] + tol, "row {i}: label {l} at {own}, nearest {l2} at {}", dist[i]);
        }
    }
    assert!((total - fit.info.inertia).abs() <= tol, "inertia {} but assignment gives {total}", fit.info.inertia);
    // Hostile assignment call: wrong lengths or non-finite centres leave the outputs untouched.
    let bad: Vec<T::Acc> = cast(&values(u, k * d, true)?);
    let nl = u.int_in_range(n.saturating_sub(1)..=n + 1)?;
    let mut labels = vec![usize::MAX; nl];
    let mut dist = sentinel::<T::Acc>(n);
    let before = snapshot_acc(&dist);
    if let Err(e) = kmeans_assign(xm, MatRef::new(&bad, k, d, "c").expect("shape"), &mut labels, &mut dist) {
        assert_untouched(&e, &before, &snapshot_acc(&dist), "distances");
        assert!(labels.iter().all(|&l| l == usize::MAX), "labels written on {e:?}");
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
