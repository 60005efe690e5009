//! The alloc-free entries perform zero heap allocations: a counting global allocator records
//! every allocation made on the calling thread while armed, and each entry (slice + caller
//! scratch Sinkhorn forms, balanced, unbalanced and log-domain, SwAV codes, assignments and
//! loss, plan outputs, k-means assignment, the bound optimiser, SimpleShot and the feature
//! transforms, the `*_into` GMM predictions, every `fixed::` front end and `FixedGmm::from_bytes`)
//! runs armed, once on success and once on a validation error (`assert_no_heap` and
//! `assert_no_heap_err`, which also require the `Ok` and the `Err`).

use clasp_core::bound::{
    BoundParams, CsrRef, Episode, bound_energy, bound_step, bound_update, bound_update_from_unary,
    bound_update_scratch, cl2n, column_mean, shift_query, simple_shot, simple_shot_scratch, softmax_rows,
};
use clasp_core::fixed::{FixedBound, FixedCovariance, FixedGmm, FixedKMeans, FixedSinkhorn, FixedSwav, gmm_blob};
use clasp_core::kmeans::kmeans_assign;
use clasp_core::mixture::{CovarianceType, GmmParams, fit, gmm_predict_scratch};
use clasp_core::sinkhorn::{
    BatchedParams, ScoreKind, SinkhornParams, SwavLossParams, SwavParams, UnbalancedParams, plan, plan_stats,
    plan_stats_scratch, potential_argmax, row_argmax, sinkhorn_batched, sinkhorn_batched_scratch, sinkhorn_log,
    sinkhorn_log_scratch, sinkhorn_scaling, sinkhorn_scaling_scratch, sinkhorn_unbalanced, sinkhorn_unbalanced_log,
    sinkhorn_unbalanced_log_scratch, sinkhorn_unbalanced_scratch, swav_assign, swav_codes, swav_loss,
    swav_loss_scratch, swav_scratch,
};
use clasp_core::{Local, MatMut, MatRef};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts allocations of the current thread while `ARMED` is set (the test harness's own
/// threads allocate concurrently; thread-local state keeps them out of the count).
struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; the bookkeeping touches only const-initialised
// thread-locals, which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ARMED.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout (the caller's contract).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ARMED.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        // SAFETY: the caller's contract for `realloc` is passed on unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` armed and returns how many heap allocations it made.
fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    COUNT.with(|c| c.set(0));
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (COUNT.with(Cell::get), r)
}

/// Runs `f` armed; it must make no heap allocation. Returns its result.
#[track_caller]
fn assert_no_heap<R: std::fmt::Debug>(what: &str, f: impl FnOnce() -> R) -> R {
    let (n, r) = allocations(f);
    assert_eq!(n, 0, "{what} made {n} heap allocations (result {r:?})");
    r
}

/// Runs `f` armed on input that fails validation: it must return `Err` without allocating.
#[track_caller]
fn assert_no_heap_err<R: std::fmt::Debug, E: std::fmt::Debug>(what: &str, f: impl FnOnce() -> Result<R, E>) {
    let (n, r) = allocations(f);
    assert_eq!(n, 0, "{what} (validation error) made {n} heap allocations (result {r:?})");
    assert!(r.is_err(), "{what}: expected a validation error, got {r:?}");
}

const N: usize = 6;
const K: usize = 3;

fn problem() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = (0..N * K).map(|i| ((i * 7 % 11) as f64) / 11.0).collect();
    (x, vec![1.0 / N as f64; N], vec![1.0 / K as f64; K])
}

#[test]
fn the_counter_sees_an_allocation() {
    let (n, v) = allocations(|| vec![1u8; 16]);
    assert!(n >= 1 && v.len() == 16);
}

#[test]
fn sinkhorn_slice_forms_do_not_allocate() {
    let (x, a, b) = problem();
    let xm = MatRef::new(&x, N, K, "x").unwrap();
    let params = SinkhornParams::default().eps(0.1);
    let bad = params.eps(-1.0);
    let (mut f, mut g) = (vec![0.0; N], vec![0.0; K]);
    let mut s = vec![0.0; sinkhorn_scaling_scratch(N, K)];
    assert_no_heap("sinkhorn_scaling", || sinkhorn_scaling(xm, &a, &b, &params, &mut f, &mut g, &mut s)).unwrap();
    assert_no_heap_err("sinkhorn_scaling", || sinkhorn_scaling(xm, &a, &b, &bad, &mut f, &mut g, &mut s));
    let mut s = vec![0.0; sinkhorn_log_scratch(N, K)];
    assert_no_heap("sinkhorn_log", || sinkhorn_log(xm, &a, &b, &params, &mut f, &mut g, &mut s)).unwrap();
    assert_no_heap_err("sinkhorn_log", || sinkhorn_log(xm, &a, &b, &bad, &mut f, &mut g, &mut s));
    let mut out = vec![0.0; N * K];
    assert_no_heap("plan", || plan(xm, ScoreKind::Cost, 0.1, &f, &g, &mut out)).unwrap();
    assert_no_heap_err("plan", || plan(xm, ScoreKind::Cost, 0.1, &f, &g, &mut out[1..]));
    let mut s = vec![0.0; plan_stats_scratch(N, K)];
    assert_no_heap("plan_stats", || plan_stats(xm, ScoreKind::Cost, 0.1, &a, &b, &f, &g, &mut s)).unwrap();
    assert_no_heap_err("plan_stats", || plan_stats(xm, ScoreKind::Cost, 0.1, &a, &b, &f, &g, &mut s[1..]));
    let mut labels = vec![0usize; N];
    assert_no_heap("potential_argmax", || potential_argmax(xm, ScoreKind::Cost, &g, &mut labels)).unwrap();
    assert_no_heap_err("potential_argmax", || potential_argmax(xm, ScoreKind::Cost, &g[1..], &mut labels));
    assert_no_heap("row_argmax", || row_argmax(xm, &mut labels)).unwrap();
    assert_no_heap_err("row_argmax", || row_argmax(xm, &mut labels[1..]));

    let up = UnbalancedParams::default().eps(0.1);
    let bad_up = up.eps(0.0);
    let mut s = vec![0.0; sinkhorn_unbalanced_scratch(N, K)];
    assert_no_heap("sinkhorn_unbalanced", || sinkhorn_unbalanced(xm, &a, &b, &up, &mut f, &mut g, &mut s)).unwrap();
    assert_no_heap_err("sinkhorn_unbalanced", || sinkhorn_unbalanced(xm, &a, &b, &bad_up, &mut f, &mut g, &mut s));
    let mut s = vec![0.0; sinkhorn_unbalanced_log_scratch(N, K)];
    assert_no_heap("sinkhorn_unbalanced_log", || sinkhorn_unbalanced_log(xm, &a, &b, &up, &mut f, &mut g, &mut s))
        .unwrap();
    assert_no_heap_err("sinkhorn_unbalanced_log", || {
        sinkhorn_unbalanced_log(xm, &a, &b, &bad_up, &mut f, &mut g, &mut s)
    });

    let xb: Vec<f64> = x.iter().chain(&x).copied().collect();
    let (mut fb, mut gb) = (vec![0.0; 2 * N], vec![0.0; 2 * K]);
    let mut s = vec![0.0; sinkhorn_batched_scratch(N, K)];
    let bp = BatchedParams::default().eps(0.1);
    assert_no_heap("sinkhorn_batched", || sinkhorn_batched(&xb, 2, N, K, &a, &b, &bp, &mut fb, &mut gb, &mut s))
        .unwrap();
    let bad_bp = bp.eps(-0.1);
    assert_no_heap_err("sinkhorn_batched", || {
        sinkhorn_batched(&xb, 2, N, K, &a, &b, &bad_bp, &mut fb, &mut gb, &mut s)
    });
}

#[test]
fn swav_does_not_allocate_in_any_precision() {
    fn run<T: clasp_core::Real>() {
        let (x, _, _) = problem();
        let xt: Vec<T> = x.iter().map(|&v| T::from_acc(<T::Acc as clasp_core::Float>::from_f64(v))).collect();
        let s = MatRef::new(&xt, N, K, "scores").unwrap();
        let params = SwavParams::default();
        let bad = params.iterations(0);
        let mut scratch = vec![<T::Acc as clasp_core::Float>::ZERO; swav_scratch(N, K)];
        let mut codes = vec![T::default(); N * K];
        assert_no_heap("swav_codes", || swav_codes(s, &params, &mut codes, &mut scratch, &mut Local)).unwrap();
        assert_no_heap_err("swav_codes", || swav_codes(s, &bad, &mut codes, &mut scratch, &mut Local));
        let mut labels = vec![0usize; N];
        assert_no_heap("swav_assign", || swav_assign(s, &params, &mut labels, &mut scratch, &mut Local)).unwrap();
        assert_no_heap_err("swav_assign", || swav_assign(s, &bad, &mut labels, &mut scratch, &mut Local));

        // Two views of N/2 samples stacked, the codes of both, and the gradient.
        let lp = SwavLossParams::default();
        let mut grad = vec![T::default(); N * K];
        let mut ls = vec![<T::Acc as clasp_core::Float>::ZERO; swav_loss_scratch(K)];
        assert_no_heap("swav_loss", || swav_loss(s, &codes, &lp, Some(&mut grad), &mut ls)).unwrap();
        let bad_lp = lp.temperature(0.0);
        assert_no_heap_err("swav_loss", || swav_loss(s, &codes, &bad_lp, Some(&mut grad), &mut ls));
    }
    run::<f64>();
    run::<f32>();
    run::<half::f16>();
    run::<half::bf16>();
}

#[test]
fn kmeans_assignment_and_the_bound_optimiser_do_not_allocate() {
    let (x, _, _) = problem();
    let xm = MatRef::new(&x, N, K, "x").unwrap();
    let c = MatRef::new(&x[..2 * K], 2, K, "c").unwrap();
    let (mut labels, mut dist) = (vec![0usize; N], vec![0.0; N]);
    assert_no_heap("kmeans_assign", || kmeans_assign(xm, c, &mut labels, &mut dist)).unwrap();
    assert_no_heap_err("kmeans_assign", || kmeans_assign(xm, c, &mut labels[1..], &mut dist));

    // A ring affinity over N points, K classes.
    let indptr: Vec<usize> = (0..=N).map(|p| 2 * p).collect();
    let indices: Vec<usize> = (0..N).flat_map(|p| [(p + 1) % N, (p + N - 1) % N]).collect();
    let weights = vec![1.0; 2 * N];
    let w = CsrRef::new(N, &indptr, &indices, &weights).unwrap();
    let unary = MatRef::new(&x, N, K, "unary").unwrap();
    let params = BoundParams::default();
    let bad = params.lambda(-1.0);
    let mut y = vec![0.0; N * K];
    let mut s = vec![0.0; bound_update_scratch(N, K)];
    assert_no_heap("softmax_rows", || softmax_rows(&x, K, &mut y));
    let mut ym = MatMut::new(&mut y, N, K, "y").unwrap();
    assert_no_heap("bound_update", || bound_update(unary, &w, &params, 1, &mut ym, &mut s)).unwrap();
    assert_no_heap_err("bound_update", || bound_update(unary, &w, &bad, 1, &mut ym, &mut s));
    assert_no_heap("bound_update_from_unary", || bound_update_from_unary(unary, &w, &params, &mut ym, &mut s)).unwrap();
    assert_no_heap_err("bound_update_from_unary", || bound_update_from_unary(unary, &w, &bad, &mut ym, &mut s));
    let mut wy = vec![0.0; N * K];
    let e = assert_no_heap("bound_energy", || bound_energy(unary, &w, ym.as_ref(), 1.0, &mut wy)).unwrap();
    assert_no_heap_err("bound_energy", || bound_energy(unary, &w, ym.as_ref(), 1.0, &mut wy[1..]));
    assert_no_heap("bound_step", || bound_step(unary, &w, 1.0, true, 0, &mut ym, e, &mut s)).unwrap();
    assert_no_heap_err("bound_step", || bound_step(unary, &w, 1.0, true, N + 1, &mut ym, e, &mut s));

    let support_labels = [0usize, 1, 2];
    let support = MatRef::new(&x[..3 * K], 3, K, "support").unwrap();
    let ep = assert_no_heap("Episode::new", || Episode::new(support, &support_labels, xm, 3)).unwrap();
    assert_no_heap_err("Episode::new", || Episode::new(support, &support_labels, xm, 0));
    let mut s = vec![0.0; simple_shot_scratch(3, K)];
    assert_no_heap("simple_shot", || simple_shot(&ep, &mut labels, &mut s)).unwrap();
    assert_no_heap_err("simple_shot", || simple_shot(&ep, &mut labels, &mut s[1..]));
    let mut mean = vec![0.0; K];
    assert_no_heap("column_mean", || column_mean(xm, &mut mean)).unwrap();
    assert_no_heap_err("column_mean", || column_mean(xm, &mut mean[1..]));
    let mut q = x.clone();
    let mut qm = MatMut::new(&mut q, N, K, "q").unwrap();
    assert_no_heap("cl2n", || cl2n(&mut qm, &mean)).unwrap();
    assert_no_heap_err("cl2n", || cl2n(&mut qm, &mean[1..]));
    let mut s = vec![0.0; 2 * K];
    assert_no_heap("shift_query", || shift_query(support, &mut qm, &mut s)).unwrap();
    assert_no_heap_err("shift_query", || shift_query(support, &mut qm, &mut s[1..]));
}

#[test]
fn gmm_predictions_into_caller_buffers_do_not_allocate() {
    // Two groups in K = 3 dimensions; the models are fitted (allocating) before arming.
    let x: Vec<f64> = (0..40 * K).map(|i| ((i * 7 % 11) as f64) / 11.0 + if i < 20 * K { 0.0 } else { 3.0 }).collect();
    let xm = MatRef::new(&x, 40, K, "x").unwrap();
    let short = MatRef::new(&x[..40 * (K - 1)], 40, K - 1, "x").unwrap();
    for cov in [CovarianceType::Full, CovarianceType::Tied, CovarianceType::Diag, CovarianceType::Spherical] {
        let model = fit(xm, &GmmParams::default().k(2).covariance_type(cov)).unwrap().model;
        let mut scratch = vec![0.0; gmm_predict_scratch(40, 2, K)];
        let mut labels = vec![0usize; 40];
        let mut resp = vec![0.0; 40 * 2];
        let mut out = vec![0.0; 40];
        assert_no_heap("predict_into", || model.predict_into(xm, &mut labels, &mut scratch)).unwrap();
        assert_no_heap_err("predict_into", || model.predict_into(short, &mut labels, &mut scratch));
        assert_no_heap("predict_proba_into", || model.predict_proba_into(xm, &mut resp, &mut scratch)).unwrap();
        assert_no_heap_err("predict_proba_into", || model.predict_proba_into(xm, &mut resp[1..], &mut scratch));
        assert_no_heap("score_samples_into", || model.score_samples_into(xm, &mut out, &mut scratch)).unwrap();
        assert_no_heap_err("score_samples_into", || model.score_samples_into(xm, &mut out, &mut scratch[1..]));
    }
}

#[test]
fn the_fixed_front_ends_do_not_allocate() {
    let (x, a, b) = problem();
    let grid: [[f64; K]; N] = core::array::from_fn(|i| core::array::from_fn(|j| x[i * K + j]));
    let (a, b): ([f64; N], [f64; K]) = (a.try_into().unwrap(), b.try_into().unwrap());
    let params = SinkhornParams::default().eps(0.1);
    let (mut f, mut g) = ([0.0; N], [0.0; K]);
    let mut sk = FixedSinkhorn::<f64, N, K>::new();
    assert_no_heap("FixedSinkhorn::solve", || sk.solve(&grid, &a, &b, &params, &mut f, &mut g)).unwrap();
    let bad = params.eps(f64::NAN);
    assert_no_heap_err("FixedSinkhorn::solve", || sk.solve(&grid, &a, &b, &bad, &mut f, &mut g));
    let mut sw = FixedSwav::<f32, N, K>::new();
    let g32: [[f32; K]; N] = core::array::from_fn(|i| core::array::from_fn(|j| grid[i][j] as f32));
    let mut codes = [[0.0f32; K]; N];
    let mut labels = [0usize; N];
    let bad_swav = SwavParams::default().eps(0.0);
    assert_no_heap("FixedSwav::codes", || sw.codes(&g32, &SwavParams::default(), &mut codes)).unwrap();
    assert_no_heap_err("FixedSwav::codes", || sw.codes(&g32, &bad_swav, &mut codes));
    assert_no_heap("FixedSwav::assign", || sw.assign(&g32, &SwavParams::default(), &mut labels)).unwrap();
    assert_no_heap_err("FixedSwav::assign", || sw.assign(&g32, &bad_swav, &mut labels));

    let centers = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]];
    let km = assert_no_heap("FixedKMeans::new", || FixedKMeans::<f64, 2, K>::new(centers)).unwrap();
    assert_no_heap_err("FixedKMeans::new", || FixedKMeans::<f64, 2, K>::new([[f64::NAN; K]; 2]));
    let mut dist = [0.0; N];
    assert_no_heap("FixedKMeans::assign", || km.assign(&grid, &mut labels, &mut dist)).unwrap();
    let mut nan_grid = grid;
    nan_grid[2][1] = f64::NAN;
    assert_no_heap_err("FixedKMeans::assign", || km.assign(&nan_grid, &mut labels, &mut dist));

    let gmm = assert_no_heap("FixedGmm::new", || {
        FixedGmm::<f64, 2, K>::new(FixedCovariance::Diag, [0.5, 0.5], centers, [[1.0; K]; 2])
    })
    .unwrap();
    assert_no_heap_err("FixedGmm::new", || {
        FixedGmm::<f64, 2, K>::new(FixedCovariance::Diag, [0.5, 0.5], centers, [[-1.0; K]; 2])
    });
    let mut resp = [[0.0; 2]; N];
    let mut lpn = [0.0; N];
    assert_no_heap("FixedGmm::e_step", || gmm.e_step(&grid, &mut resp, &mut lpn)).unwrap();
    assert_no_heap_err("FixedGmm::e_step", || gmm.e_step(&nan_grid, &mut resp, &mut lpn));
    assert_no_heap("FixedGmm::predict_proba", || gmm.predict_proba(&grid, &mut resp)).unwrap();
    assert_no_heap_err("FixedGmm::predict_proba", || gmm.predict_proba(&nan_grid, &mut resp));
    assert_no_heap("FixedGmm::predict", || gmm.predict(&grid, &mut labels)).unwrap();
    assert_no_heap_err("FixedGmm::predict", || gmm.predict(&nan_grid, &mut labels));

    // A blob exported on the host (allocating), loaded armed.
    let xs: Vec<f64> = grid.as_flattened().iter().chain(grid.as_flattened()).map(|v| v * 2.0).collect();
    let fitted =
        fit(MatRef::new(&xs, 2 * N, K, "x").unwrap(), &GmmParams::default().k(2).covariance_type(CovarianceType::Diag))
            .unwrap();
    let blob = gmm_blob::to_bytes(&fitted.model).unwrap();
    assert_no_heap("FixedGmm::from_bytes", || FixedGmm::<f32, 2, K>::from_bytes(&blob)).unwrap();
    assert_no_heap_err("FixedGmm::from_bytes", || FixedGmm::<f32, 2, K>::from_bytes(&blob[..blob.len() - 1]));

    let neighbours: [[usize; 2]; N] = core::array::from_fn(|p| [(p + 1) % N, (p + N - 1) % N]);
    let (n, fb) = allocations(|| FixedBound::<f64, N, K, 2>::new(neighbours, [[1.0; 2]; N]));
    assert_eq!(n, 0, "FixedBound::new made {n} heap allocations");
    let mut fb = fb.unwrap();
    assert_no_heap_err("FixedBound::new", || FixedBound::<f64, N, K, 2>::new([[N; 2]; N], [[1.0; 2]; N]).map(|_| ()));
    let mut y = [[1.0 / K as f64; K]; N];
    let bad_bound = BoundParams::default().max_iter(0);
    assert_no_heap("FixedBound::update", || fb.update(&grid, &BoundParams::default(), 0, &mut y)).unwrap();
    assert_no_heap_err("FixedBound::update", || fb.update(&grid, &bad_bound, 0, &mut y));
    let e = assert_no_heap("FixedBound::energy", || fb.energy(&grid, &y, 1.0)).unwrap();
    assert_no_heap_err("FixedBound::energy", || fb.energy(&nan_grid, &y, 1.0));
    assert_no_heap("FixedBound::step", || fb.step(&grid, 1.0, true, 0, &mut y, e)).unwrap();
    assert_no_heap_err("FixedBound::step", || fb.step(&grid, 1.0, true, N + 1, &mut y, e));
}
