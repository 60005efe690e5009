//! The heap-free front ends (`FixedSinkhorn`, `FixedSwav`, `FixedKMeans`, `FixedGmm` incl.
//! `from_bytes` of hostile blobs, `FixedBound`) against the slice/alloc API on the same
//! inputs, every storage scalar: identical results (bit for bit where the same algorithm runs,
//! within rounding for the GMM), identical errors, outputs untouched on `Err`.
#![no_main]

use clasp_core::Linalg;
use clasp_core::bound::{BoundParams, CsrRef, bound_update, bound_update_scratch};
use clasp_core::fixed::{FixedBound, FixedCovariance, FixedGmm, FixedKMeans, FixedSinkhorn, FixedSwav, gmm_blob};
use clasp_core::kmeans::kmeans_assign;
use clasp_core::mixture::{CovarianceType, GaussianMixture};
use clasp_core::sinkhorn::{
    SinkhornParams, SwavParams, sinkhorn_scaling, sinkhorn_scaling_scratch, swav_assign, swav_codes, swav_scratch,
};
use clasp_core::{Float, Local, MatMut, MatRef, Real};
use clasp_fuzz::{Result, Unstructured, acc_eps, assert_simplex_rows, cast, param, values, weights, widen, widen_acc};

const N: usize = 4;
const K: usize = 3;
const D: usize = 2;
const M: usize = 2;

fn grid<T: Copy + Default, const R: usize, const C: usize>(v: &[T]) -> [[T; C]; R] {
    core::array::from_fn(|i| core::array::from_fn(|j| v[i * C + j]))
}

fn same<A: core::fmt::Debug, B: core::fmt::Debug>(a: &A, b: &B, what: &str) {
    assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}: fixed and slice API differ");
}

fn run<T: Real>(u: &mut Unstructured<'_>) -> Result<()>
where
    T::Acc: Linalg + Real<Acc = T::Acc>,
{
    let wild = clasp_fuzz::wild(u)?;
    let x: Vec<T> = cast(&values(u, N * K, wild)?);
    let a: Vec<T> = cast(&weights(u, N, wild)?);
    let b: Vec<T> = cast(&weights(u, K, wild)?.iter().map(|v| v * N as f64 / K as f64 * 5.0).collect::<Vec<_>>());
    let xm = MatRef::new(&x, N, K, "x").expect("shape");
    let eps = param(u, 0.02, 20.0)?;

    // Sinkhorn.
    let params = SinkhornParams::default().eps(eps).max_iter(u.int_in_range(1..=50)?);
    let (mut f, mut g) = ([<T::Acc as Float>::ZERO; N], [<T::Acc as Float>::ZERO; K]);
    let fixed = FixedSinkhorn::<T, N, K>::new().solve(
        &grid(&x),
        &a.clone().try_into().unwrap(),
        &b.clone().try_into().unwrap(),
        &params,
        &mut f,
        &mut g,
    );
    let (mut f2, mut g2) = (vec![<T::Acc as Float>::ZERO; N], vec![<T::Acc as Float>::ZERO; K]);
    let mut s = vec![<T::Acc as Float>::ZERO; sinkhorn_scaling_scratch(N, K)];
    let slice = sinkhorn_scaling(xm, &a, &b, &params, &mut f2, &mut g2, &mut s);
    same(&(fixed, f, g), &(slice, f2, g2), "sinkhorn");

    // SwAV.
    let sp =
        SwavParams::default().eps(eps).iterations(u.int_in_range(1..=5)?).max_shift(u.arbitrary()?).keep_last(None);
    let mut fs = FixedSwav::<T, N, K>::new();
    let mut codes = [[T::default(); K]; N];
    let fixed = fs.codes(&grid(&x), &sp, &mut codes);
    let mut codes2 = vec![T::default(); N * K];
    let mut s = vec![<T::Acc as Float>::ZERO; swav_scratch(N, K)];
    let slice = swav_codes(xm, &sp, &mut codes2, &mut s, &mut Local);
    same(&(fixed, codes.as_flattened()), &(slice, &codes2[..]), "swav codes");
    let mut labels = [0usize; N];
    let fixed = fs.assign(&grid(&x), &sp, &mut labels);
    let mut labels2 = vec![0usize; N];
    let slice = swav_assign(xm, &sp, &mut labels2, &mut s, &mut Local);
    same(&(fixed, labels), &(slice, &labels2[..]), "swav assign");

    // k-means assignment: K centres in D dimensions, N points.
    let c: Vec<T::Acc> = cast(&values(u, K * D, wild)?);
    let pts: Vec<T> = cast(&values(u, N * D, wild)?);
    if let Ok(km) = FixedKMeans::<T::Acc, K, D>::new(grid(&c)) {
        let (mut l, mut dist) = ([0usize; N], [<T::Acc as Float>::ZERO; N]);
        let fixed = km.assign(&grid::<T, N, D>(&pts), &mut l, &mut dist);
        let (mut l2, mut d2) = (vec![0usize; N], vec![<T::Acc as Float>::ZERO; N]);
        let slice =
            kmeans_assign(MatRef::new(&pts, N, D, "x").unwrap(), MatRef::new(&c, K, D, "c").unwrap(), &mut l2, &mut d2);
        same(&(fixed, l, dist), &(slice, &l2[..], &d2[..]), "kmeans assign");
    }

    // GMM (diag / spherical) from parameters, and from a blob (serialised or hostile bytes).
    let diag = u.arbitrary::<bool>()?;
    let mut w = weights(u, K, false)?;
    let t: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= t);
    let (wf, mf): (Vec<T::Acc>, Vec<T::Acc>) = (cast(&w), cast(&values(u, K * D, wild)?));
    let var: Vec<f64> = (0..K * D).map(|_| param(u, 1e-2, 10.0)).collect::<Result<_>>()?;
    let vf: Vec<T::Acc> = cast(&var);
    let cov = if diag { FixedCovariance::Diag } else { FixedCovariance::Spherical };
    let fixed = FixedGmm::<T::Acc, K, D>::new(cov, wf.clone().try_into().unwrap(), grid(&mf), grid(&vf));
    let (ct, cv): (CovarianceType, Vec<T::Acc>) = if diag {
        (CovarianceType::Diag, vf.clone())
    } else {
        (CovarianceType::Spherical, vf.iter().step_by(D).copied().collect())
    };
    let model = GaussianMixture::from_covariances(ct, &wf, &mf, &cv, D);
    if let (Ok(fg), Ok(m)) = (&fixed, &model) {
        let mut resp = [[<T::Acc as Float>::ZERO; K]; N];
        // The E-step behind predict_proba (same call path), so that the comparison tolerance
        // can use the log normaliser: the alloc E-step's exp(w − lse) carries an absolute
        // error of ε·|lse| per entry (the fixed one normalises the shifted terms directly).
        let mut lpn = [<T::Acc as Float>::ZERO; N];
        clasp_fuzz::trace(&(diag, &wf, &mf, &vf, widen(&pts)));
        let ok = fg.e_step(&grid::<T, N, D>(&pts), &mut resp, &mut lpn);
        let alloc = m.predict_proba(MatRef::new(&pts, N, D, "x").unwrap());
        let r1 = widen_acc(resp.as_flattened());
        if ok.is_ok() {
            assert_simplex_rows(&r1, K, acc_eps::<T>() * 1e3, "fixed predict_proba");
        }
        let breakdown = |e: Option<&clasp_core::Error>| matches!(e, Some(clasp_core::Error::NumericalBreakdown { .. }));
        match (&ok, &alloc) {
            (Ok(_), Ok(r2)) => {
                let r2 = widen_acc(r2);
                let lse_max = widen_acc(&lpn).iter().fold(1.0f64, |m, v| m.max(v.abs()));
                let tol = acc_eps::<T>() * (1e4 + 4.0 * lse_max);
                assert_simplex_rows(&r2, K, tol, "alloc predict_proba");
                for (p, q) in r1.iter().zip(&r2) {
                    assert!((p - q).abs() <= tol, "fixed {p} vs alloc {q}");
                }
            }
            // The two E-steps sum the quadratic forms in different orders, so a row at the
            // edge of the representable range can overflow in one only: that side must then
            // report the breakdown, never a non-finite `Ok`.
            (Ok(_), Err(e)) => assert!(breakdown(Some(e)), "fixed Ok vs alloc {e:?}"),
            (Err(e), Ok(r2)) => {
                assert!(breakdown(Some(e)), "fixed {e:?} vs alloc Ok");
                clasp_fuzz::assert_finite(&widen_acc(r2), "alloc predict_proba");
            }
            (Err(e1), Err(e2)) => {
                assert_eq!(std::mem::discriminant(e1), std::mem::discriminant(e2), "{e1:?} vs {e2:?}")
            }
        }
        if let Ok(blob) = gmm_blob::to_bytes(m) {
            let back = FixedGmm::<T::Acc, K, D>::from_bytes(&blob)
                .unwrap_or_else(|e| panic!("from_bytes refuses the blob to_bytes wrote: {e:?}"));
            assert_eq!(back.covariance(), cov);
        }
    }
    let junk: Vec<u8> = u.arbitrary()?;
    let mut blob = gmm_blob::MAGIC.to_vec();
    if u.arbitrary()? {
        blob.push(gmm_blob::VERSION);
    }
    blob.extend_from_slice(&junk);
    for bytes in [&junk[..], &blob[..]] {
        if let Ok(g) = FixedGmm::<T::Acc, K, D>::from_bytes(bytes) {
            let s: f64 = g.weights().iter().map(|v| v.to_f64()).sum();
            assert!((s - 1.0).abs() <= 1e-3, "blob weights sum to {s}");
        }
    }

    // Bound update: M neighbours per point.
    let nb: Vec<usize> = (0..N * M).map(|_| u.int_in_range(0..=N)).collect::<Result<_>>()?;
    let wt: Vec<T::Acc> = cast(&values(u, N * M, wild)?.iter().map(|v| v.abs()).collect::<Vec<_>>());
    let un: Vec<T::Acc> = cast(&values(u, N * K, wild)?);
    let bp = BoundParams::default().max_iter(u.int_in_range(1..=10)?);
    let fixed_rows = u.int_in_range(0..=N)?;
    let y0: Vec<T::Acc> = (0..N * K).map(|_| <T::Acc as Float>::from_f64(1.0 / K as f64)).collect();
    let fixed = FixedBound::<T::Acc, N, K, M>::new(grid(&nb), grid(&wt));
    let indptr: Vec<usize> = (0..=N).map(|p| p * M).collect();
    let csr = CsrRef::new(N, &indptr, &nb, &wt);
    same(&fixed.as_ref().err(), &csr.as_ref().err(), "bound affinity");
    if let (Ok(mut fb), Ok(w)) = (fixed, csr) {
        let mut y: [[T::Acc; K]; N] = grid(&y0);
        let r1 = fb.update(&grid(&un), &bp, fixed_rows, &mut y);
        let mut y2 = y0.clone();
        let mut s = vec![<T::Acc as Float>::ZERO; bound_update_scratch(N, K)];
        let r2 = bound_update(
            MatRef::new(&un, N, K, "u").unwrap(),
            &w,
            &bp,
            fixed_rows,
            &mut MatMut::new(&mut y2, N, K, "y").unwrap(),
            &mut s,
        );
        same(&(r1, y.as_flattened()), &(r2, &y2[..]), "bound update");
    }
    Ok(())
}

clasp_fuzz::fuzz_case!(|u| { clasp_fuzz::each_real!(u, run(u)) });
