//! Properties of the concave–convex bound optimiser (`clasp_core::bound`): the raw update is
//! the bound's minimiser and lowers the energy by exactly the bound's gap (strictly, where the
//! iterate is not a fixed point), the safeguarded update never raises it and still moves,
//! predictions are equivariant to the query order, SimpleShot is exact on separable data, and
//! every entry rejects bad input with a typed error.

use clasp_core::bound::{
    BoundParams, Csr, CsrRef, Episode, LaplacianShotParams, Prototype, SlkParams, Symmetrise, bound_energy, bound_step,
    bound_update, bound_update_scratch, knn_affinity, laplacian_shot, simple_shot, simple_shot_labels, slk_few_shot,
    softmax_rows,
};
use clasp_core::{Error, MatMut, MatRef};
use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `n` points in `d` dimensions around `k` random centres (spread `noise`), labels p mod k.
fn blobs(n: usize, d: usize, k: usize, noise: f64, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<f64> = (0..k * d).map(|_| 4.0 * uniform(&mut rng) - 2.0).collect();
    let mut x = Vec::with_capacity(n * d);
    let mut l = Vec::with_capacity(n);
    for p in 0..n {
        let c = p % k;
        for j in 0..d {
            x.push(centres[c * d + j] + noise * (uniform(&mut rng) - 0.5));
        }
        l.push(c);
    }
    (x, l)
}

/// Unary costs: squared distances of the points to `k` random prototypes.
fn unary_for(x: &[f64], d: usize, k: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xA5A5);
    let protos: Vec<f64> = (0..k * d).map(|_| 4.0 * uniform(&mut rng) - 2.0).collect();
    x.chunks_exact(d)
        .flat_map(|r| protos.chunks_exact(d).map(move |m| r.iter().zip(m).map(|(a, b)| (a - b) * (a - b)).sum::<f64>()))
        .collect()
}

/// Unary costs uniform in [0, 2): softmax(−A) is far from one-hot, so one update with λ > 0
/// and a non-empty W moves every row by a measurable amount.
fn bounded_unary(n: usize, k: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5A5A);
    (0..n * k).map(|_| 2.0 * uniform(&mut rng)).collect()
}

/// A random symmetric, diagonally dominant (hence positive semi-definite) affinity: off-diagonal
/// weights in [0, 1) with probability 0.3, diagonal = row sum + 0.1.
fn psd_affinity(n: usize, seed: u64) -> Csr<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut dense = vec![0.0; n * n];
    for p in 0..n {
        for q in (p + 1)..n {
            if uniform(&mut rng) < 0.3 {
                let v = uniform(&mut rng);
                dense[p * n + q] = v;
                dense[q * n + p] = v;
            }
        }
    }
    for p in 0..n {
        dense[p * n + p] = (0..n).map(|q| dense[p * n + q]).sum::<f64>() + 0.1;
    }
    let mut indptr = vec![0];
    let mut idx = Vec::new();
    let mut wts = Vec::new();
    for p in 0..n {
        for q in 0..n {
            if dense[p * n + q] > 0.0 {
                idx.push(q);
                wts.push(dense[p * n + q]);
            }
        }
        indptr.push(idx.len());
    }
    Csr::new(n, indptr, idx, wts).unwrap()
}

/// One raw step (no safeguard) from Y⁰ = softmax(−A), checked against the bound it minimises.
/// With c_p = a_p − λ(WY⁰)_p the bound is Σ_p [y_p ln y_p + y_p·c_p] + const, so its minimiser
/// is y¹_p = softmax(−c_p), computed here independently; and for any symmetric W
///
/// E(Y⁰) − E(Y¹) = Σ_p KL(y⁰_p ‖ y¹_p) + (λ/2) Σ_pq w_pq (y¹ − y⁰)_p·(y¹ − y⁰)_q
///
/// exactly (expand the quadratic term around Y⁰). Returns (E(Y⁰) − E(Y¹), Σ_p KL(y⁰_p ‖ y¹_p)).
fn raw_step_against_the_bound(a: &[f64], w: &CsrRef<'_, f64>, n: usize, k: usize, lambda: f64) -> (f64, f64) {
    let am = MatRef::new(a, n, k, "a").unwrap();
    let neg: Vec<f64> = a.iter().map(|v| -v).collect();
    let mut y0 = vec![0.0; n * k];
    softmax_rows(&neg, k, &mut y0);
    let mut scratch = vec![0.0; bound_update_scratch(n, k)];
    let e0 = bound_energy(am, w, MatRef::new(&y0, n, k, "y").unwrap(), lambda, &mut scratch).unwrap();
    // The bound's minimiser, from W·Y⁰ formed row by row from the CSR arrays.
    let mut wy0 = vec![0.0; n * k];
    for p in 0..n {
        let (idx, wt) = w.row(p);
        for (&q, &v) in idx.iter().zip(wt) {
            for c in 0..k {
                wy0[p * k + c] += v * y0[q * k + c];
            }
        }
    }
    let logits: Vec<f64> = a.iter().zip(&wy0).map(|(&ai, &wi)| lambda * wi - ai).collect();
    let mut want = vec![0.0; n * k];
    softmax_rows(&logits, k, &mut want);

    let mut y = y0.clone();
    let s =
        bound_step(am, w, lambda, false, 0, &mut MatMut::new(&mut y, n, k, "y").unwrap(), e0, &mut scratch).unwrap();
    assert!(s.moved && s.halvings == 0, "{s:?}");
    for (i, (&got, &exp)) in y.iter().zip(&want).enumerate() {
        assert!((got - exp).abs() <= 1e-12, "entry {i}: update {got} vs bound minimiser {exp}");
    }
    let kl: f64 = y0.iter().zip(&y).map(|(&p, &q)| if p > 0.0 { p * (p / q).ln() } else { 0.0 }).sum();
    let d: Vec<f64> = y.iter().zip(&y0).map(|(u, v)| u - v).collect();
    let mut quad = 0.0;
    for p in 0..n {
        let (idx, wt) = w.row(p);
        for (&q, &v) in idx.iter().zip(wt) {
            quad += v * (0..k).map(|c| d[p * k + c] * d[q * k + c]).sum::<f64>();
        }
    }
    let decrease = e0 - s.energy;
    let identity = kl + 0.5 * lambda * quad;
    assert!(
        (decrease - identity).abs() <= 1e-9 * (1.0 + e0.abs()),
        "E(Y0) - E(Y1) = {decrease} but KL + (λ/2)ΔᵀWΔ = {identity} (KL {kl})"
    );
    (decrease, kl)
}

/// Runs `steps` bound steps from softmax(−A) and returns the energies (initial first).
fn energies(a: &[f64], w: &CsrRef<'_, f64>, n: usize, k: usize, lambda: f64, monotone: bool, steps: usize) -> Vec<f64> {
    let am = MatRef::new(a, n, k, "a").unwrap();
    let neg: Vec<f64> = a.iter().map(|v| -v).collect();
    let mut y = vec![0.0; n * k];
    softmax_rows(&neg, k, &mut y);
    let mut scratch = vec![0.0; bound_update_scratch(n, k)];
    let mut e = bound_energy(am, w, MatRef::new(&y, n, k, "y").unwrap(), lambda, &mut scratch).unwrap();
    let mut out = vec![e];
    for _ in 0..steps {
        let mut ym = MatMut::new(&mut y, n, k, "y").unwrap();
        let s = bound_step(am, w, lambda, monotone, 0, &mut ym, e, &mut scratch).unwrap();
        // The reported energy is the energy of the returned iterate.
        let check = bound_energy(am, w, MatRef::new(&y, n, k, "y").unwrap(), lambda, &mut scratch).unwrap();
        assert!((check - s.energy).abs() <= 1e-9 * (1.0 + check.abs()), "{check} vs {}", s.energy);
        e = s.energy;
        out.push(e);
    }
    out
}

/// Asserts `E_{t+1} ≤ E_t + slack·|E_t|` along the sequence.
fn assert_non_increasing(e: &[f64], slack: f64) {
    for w in e.windows(2) {
        assert!(w[1] <= w[0] + slack * w[0].abs(), "energy increased: {} -> {} in {e:?}", w[0], w[1]);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The raw update (no safeguard) on symmetrised kNN graphs (not positive semi-definite in
    /// general): it is the bound's minimiser, and it changes the energy by exactly the bound's
    /// gap identity of [`raw_step_against_the_bound`]. An update that does nothing, or any other
    /// update, fails.
    #[test]
    fn raw_update_is_the_bound_minimiser_on_symmetric_knn_graphs(
        n in 4usize..40, k in 2usize..6, d in 1usize..5, knn in 2usize..6,
        lambda in 0.0f64..4.0, mean in any::<bool>(), seed in any::<u64>(),
    ) {
        prop_assume!(knn < n);
        let (x, _) = blobs(n, d, k, 1.0, seed);
        let sym = if mean { Symmetrise::Mean } else { Symmetrise::Max };
        let w = knn_affinity(MatRef::new(&x, n, d, "x").unwrap(), knn, sym).unwrap();
        raw_step_against_the_bound(&bounded_unary(n, k, seed), &w.as_ref(), n, k, lambda);
    }

    /// For a positive semi-definite W the raw update is a majorise–minimise step: it lowers E by
    /// at least Σ_p KL(y⁰_p ‖ y¹_p), which is positive here (unary costs in [0, 2), λ ≥ 0.5, every
    /// point its own neighbour with weight ≥ 0.1, so softmax(−A) is not a fixed point): the
    /// energy strictly decreases. Later steps never increase it beyond rounding.
    #[test]
    fn raw_update_strictly_decreases_the_energy_for_psd_affinity(
        n in 2usize..30, k in 2usize..6, lambda in 0.5f64..4.0, seed in any::<u64>(),
    ) {
        let w = psd_affinity(n, seed);
        let a = bounded_unary(n, k, seed);
        let (decrease, kl) = raw_step_against_the_bound(&a, &w.as_ref(), n, k, lambda);
        prop_assert!(kl > 1e-8, "softmax(-A) is (nearly) a fixed point: KL {kl}");
        prop_assert!(decrease >= kl * (1.0 - 1e-9), "E decreased by {decrease} < KL {kl}");
        let e = energies(&a, &w.as_ref(), n, k, lambda, false, 25);
        prop_assert!(e[1] < e[0], "{e:?}");
        assert_non_increasing(&e, 1e-13);
    }

    /// With the monotone safeguard on symmetrised kNN graphs, the energy never increases (by
    /// construction of the safeguard) and the first step strictly lowers it: the raw direction
    /// is a descent direction for symmetric W and softmax(−A) is not a fixed point on these
    /// data (unary costs in [0, 2), λ ≥ 0.5), so a safeguard that rejects every step fails.
    #[test]
    fn safeguarded_update_decreases_the_energy_on_symmetric_knn_graphs(
        n in 4usize..40, k in 2usize..6, d in 1usize..5, knn in 2usize..6,
        lambda in 0.5f64..4.0, mean in any::<bool>(), seed in any::<u64>(),
    ) {
        prop_assume!(knn < n);
        let (x, _) = blobs(n, d, k, 1.0, seed);
        let sym = if mean { Symmetrise::Mean } else { Symmetrise::Max };
        let w = knn_affinity(MatRef::new(&x, n, d, "x").unwrap(), knn, sym).unwrap();
        let e = energies(&bounded_unary(n, k, seed), &w.as_ref(), n, k, lambda, true, 25);
        prop_assert!(e[1] < e[0], "the first safeguarded step did not lower E: {e:?}");
        assert_non_increasing(&e, 0.0);
    }

    /// `bound_update` returns an energy no larger than its initial one, even on the directed
    /// reference graph, and its labels match those of repeated `bound_step`s.
    #[test]
    fn bound_update_ends_below_its_start(
        n in 4usize..40, k in 2usize..6, lambda in 0.0f64..3.0, seed in any::<u64>(),
    ) {
        let (x, _) = blobs(n, 3, k, 1.0, seed);
        let w = knn_affinity(MatRef::new(&x, n, 3, "x").unwrap(), 3, Symmetrise::None).unwrap();
        let a = unary_for(&x, 3, k, seed);
        let neg: Vec<f64> = a.iter().map(|v| -v).collect();
        let mut y = vec![0.0; n * k];
        softmax_rows(&neg, k, &mut y);
        let mut scratch = vec![0.0; bound_update_scratch(n, k)];
        let p = BoundParams::default().lambda(lambda);
        let info = bound_update(MatRef::new(&a, n, k, "a").unwrap(), &w.as_ref(), &p, 0, &mut MatMut::new(&mut y, n, k, "y").unwrap(), &mut scratch).unwrap();
        prop_assert!(info.energy <= info.initial_energy);
        prop_assert!(info.iterations >= 1 && info.iterations <= p.max_iter);
        for row in y.chunks_exact(k) {
            prop_assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }
}

/// An episode of `ways` well-separated blobs: `shots` support and `queries` query points per class.
fn synthetic_episode(
    ways: usize,
    shots: usize,
    queries: usize,
    d: usize,
    noise: f64,
    seed: u64,
) -> (Vec<f64>, Vec<usize>, Vec<f64>, Vec<usize>) {
    let (x, l) = blobs(ways * (shots + queries), d, ways, noise, seed);
    let ns = ways * shots;
    (x[..ns * d].to_vec(), l[..ns].to_vec(), x[ns * d..].to_vec(), l[ns..].to_vec())
}

#[test]
fn simpleshot_is_perfect_on_separable_data() {
    for seed in 0..20 {
        // Centres in [-2, 2]^8 are ≥ ~1 apart with overwhelming probability; noise ±0.005.
        let (s, sl, q, ql) = synthetic_episode(5, 1, 15, 8, 0.01, seed);
        let ep =
            Episode::new(MatRef::new(&s, 5, 8, "s").unwrap(), &sl, MatRef::new(&q, 75, 8, "q").unwrap(), 5).unwrap();
        assert_eq!(simple_shot_labels(&ep).unwrap(), ql, "seed {seed}");
    }
}

fn permuted(q: &[f64], d: usize, perm: &[usize]) -> Vec<f64> {
    perm.iter().flat_map(|&i| q[i * d..(i + 1) * d].iter().copied()).collect()
}

#[test]
fn permuting_the_queries_permutes_the_predictions() {
    let d = 6;
    for seed in 0..10u64 {
        let (s, sl, q, _) = synthetic_episode(4, 2, 10, d, 1.5, seed);
        let nq = q.len() / d;
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 100);
        let mut perm: Vec<usize> = (0..nq).collect();
        for i in (1..nq).rev() {
            perm.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let qp = permuted(&q, d, &perm);
        let sm = MatRef::new(&s, 8, d, "s").unwrap();
        let e1 = Episode::new(sm, &sl, MatRef::new(&q, nq, d, "q").unwrap(), 4).unwrap();
        let e2 = Episode::new(sm, &sl, MatRef::new(&qp, nq, d, "q").unwrap(), 4).unwrap();
        let check = |a: Vec<usize>, b: Vec<usize>, what: &str| {
            let expect: Vec<usize> = perm.iter().map(|&i| a[i]).collect();
            assert_eq!(b, expect, "{what}, seed {seed}");
        };
        check(simple_shot_labels(&e1).unwrap(), simple_shot_labels(&e2).unwrap(), "simpleshot");
        for rectify in [false, true] {
            let p = LaplacianShotParams::default().rectify(rectify);
            check(laplacian_shot(&e1, &p).unwrap().0, laplacian_shot(&e2, &p).unwrap().0, "laplacianshot");
        }
        for prototype in [Prototype::KMeans, Prototype::KModes] {
            for lambda in [0.0, 0.7] {
                let p = SlkParams::default().prototype(prototype).bound(SlkParams::default().bound.lambda(lambda));
                check(slk_few_shot(&e1, &p).unwrap().0, slk_few_shot(&e2, &p).unwrap().0, "slk");
            }
        }
    }
}

#[test]
fn same_input_same_output() {
    let (s, sl, q, _) = synthetic_episode(3, 2, 8, 4, 2.0, 3);
    let ep = Episode::new(MatRef::new(&s, 6, 4, "s").unwrap(), &sl, MatRef::new(&q, 24, 4, "q").unwrap(), 3).unwrap();
    let p = SlkParams::default().prototype(Prototype::KModes);
    assert_eq!(slk_few_shot(&ep, &p).unwrap(), slk_few_shot(&ep, &p).unwrap());
}

#[test]
fn bad_episodes_are_typed_errors() {
    let (s, sl, q, _) = synthetic_episode(3, 2, 4, 4, 1.0, 1);
    let sm = MatRef::new(&s, 6, 4, "s").unwrap();
    let qm = MatRef::new(&q, 12, 4, "q").unwrap();
    // ways = 0.
    assert!(matches!(Episode::new(sm, &sl, qm, 0), Err(Error::InvalidParameter { name: "ways", .. })));
    // shots = 0 for a class: 4 ways but labels only in 0..3.
    assert!(matches!(Episode::new(sm, &sl, qm, 4), Err(Error::InvalidParameter { name: "shots", .. })));
    // Empty query set / empty support.
    assert_eq!(MatRef::<f64>::new(&[], 0, 4, "query").unwrap_err(), Error::Empty { what: "query" });
    // Mismatched feature dimensions.
    let q3 = MatRef::new(&q, 16, 3, "q").unwrap();
    assert!(matches!(Episode::new(sm, &sl, q3, 3), Err(Error::ShapeMismatch { what: "query columns", .. })));
    // Labels of the wrong length or out of range.
    assert!(matches!(Episode::new(sm, &sl[..5], qm, 3), Err(Error::ShapeMismatch { .. })));
    let mut bad_l = sl.clone();
    bad_l[0] = 7;
    assert!(matches!(Episode::new(sm, &bad_l, qm, 3), Err(Error::IndexOutOfRange { .. })));
    // NaN features.
    let mut qn = q.clone();
    qn[5] = f64::NAN;
    assert!(matches!(
        Episode::new(sm, &sl, MatRef::new(&qn, 12, 4, "q").unwrap(), 3),
        Err(Error::NonFinite { what: "query", index: 5 })
    ));
    let mut sn = s.clone();
    sn[0] = f64::INFINITY;
    assert!(matches!(
        Episode::new(MatRef::new(&sn, 6, 4, "s").unwrap(), &sl, qm, 3),
        Err(Error::NonFinite { what: "support", .. })
    ));
    // knn ≥ number of points.
    let ep = Episode::new(sm, &sl, qm, 3).unwrap();
    let p = LaplacianShotParams::default().knn(12);
    assert!(matches!(laplacian_shot(&ep, &p), Err(Error::InvalidParameter { name: "knn", .. })));
    let p = SlkParams::default().knn(18);
    assert!(matches!(slk_few_shot(&ep, &p), Err(Error::InvalidParameter { name: "knn", .. })));
    let p = SlkParams::default().knn(17);
    assert!(slk_few_shot(&ep, &p).is_ok());
    assert!(matches!(knn_affinity(qm, 12, Symmetrise::None), Err(Error::InvalidParameter { name: "knn", .. })));
    // Bad parameters.
    let p = LaplacianShotParams::default().bound(BoundParams::default().lambda(f64::NAN));
    assert!(matches!(laplacian_shot(&ep, &p), Err(Error::InvalidParameter { name: "lambda", .. })));
    let p = SlkParams::default().max_outer(0);
    assert!(matches!(slk_few_shot(&ep, &p), Err(Error::InvalidParameter { name: "max_outer", .. })));
    // SimpleShot: short output or scratch, output untouched.
    let mut labels = vec![99usize; 12];
    let mut scratch = vec![0.0f64; 11];
    assert!(matches!(
        simple_shot(&ep, &mut labels, &mut scratch),
        Err(Error::ScratchTooSmall { needed: 12, found: 11 })
    ));
    assert!(matches!(simple_shot(&ep, &mut labels[..11], &mut [0.0; 12]), Err(Error::ShapeMismatch { .. })));
    assert_eq!(labels, vec![99usize; 12]);
}
