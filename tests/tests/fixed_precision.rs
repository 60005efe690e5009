//! Accuracy of reduced-precision storage through the heap-free API: inputs stored as f32,
//! `half::f16` or `half::bf16` (compute in f32), compared with the f64 references — SwAV
//! codes (fixture `swav/codes_32x10_it3`), Sinkhorn plans (`sinkhorn/pot_7x5_reg0.1`) and GMM
//! responsibilities (the wine diag model of `gmm/sklearn_wine_std_diag`, evaluated by the
//! f64 [`FixedGmm`]). Prints the max abs error per storage type and asserts stated bounds.

use clasp_core::fixed::{FixedCovariance, FixedGmm, FixedSinkhorn, FixedSwav};
use clasp_core::sinkhorn::{ScoreKind, SinkhornParams, SwavParams};
use clasp_core::{Float, Real};
use clasp_tests::fixtures::{Case, load_manifest};
use half::{bf16, f16};
use std::path::PathBuf;

fn case(id: &str) -> Case {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    load_manifest(&dir).expect("manifest").into_iter().find(|c| c.id() == id).expect("fixture case")
}

fn store<T: Real>(v: f64) -> T {
    T::from_acc(<T::Acc as Float>::from_f64(v))
}

fn rows<T: Real, const N: usize, const K: usize>(v: &[f64]) -> [[T; K]; N] {
    assert_eq!(v.len(), N * K);
    core::array::from_fn(|i| core::array::from_fn(|j| store(v[i * K + j])))
}

fn max_abs(a: impl IntoIterator<Item = f64>, b: &[f64]) -> f64 {
    a.into_iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

fn swav_error<T: Real>() -> f64 {
    let c = case("swav/codes_32x10_it3");
    let scores: [[T; 10]; 32] = rows(&c.f64("scores").unwrap().data);
    let mut codes = [[store::<T>(0.0); 10]; 32];
    let params = SwavParams::default().eps(c.num("epsilon").unwrap()).iterations(3);
    FixedSwav::<T, 32, 10>::new().codes(&scores, &params, &mut codes).unwrap();
    max_abs(codes.as_flattened().iter().map(|v| v.to_acc().to_f64()), &c.f64("codes").unwrap().data)
}

fn sinkhorn_plan_error<T: Real>() -> f64 {
    let c = case("sinkhorn/pot_7x5_reg0.1");
    let cost = c.f64("cost").unwrap().data;
    let x: [[T; 5]; 7] = rows(&cost);
    let a: [T; 7] = core::array::from_fn(|i| store(c.f64("a").unwrap().data[i]));
    let b: [T; 5] = core::array::from_fn(|j| store(c.f64("b").unwrap().data[j]));
    let params = SinkhornParams::default().eps(0.1).kind(ScoreKind::Cost).tol(1e-6);
    let zero = <T::Acc as Float>::ZERO;
    let (mut f, mut g) = ([zero; 7], [zero; 5]);
    FixedSinkhorn::<T, 7, 5>::new().solve(&x, &a, &b, &params, &mut f, &mut g).unwrap();
    let plan = (0..35).map(|p| {
        let (i, j) = (p / 5, p % 5);
        ((f[i].to_f64() + g[j].to_f64() - x[i][j].to_acc().to_f64()) / 0.1).exp()
    });
    max_abs(plan, &c.f64("plan").unwrap().data)
}

fn gmm_error<T: Real<Acc = f32>>() -> f64 {
    let c = case("gmm/sklearn_wine_std_diag");
    let xs = c.f64("x").unwrap().data;
    let (w, m, v) = (c.f64("weights").unwrap().data, c.f64("means").unwrap().data, c.f64("covariances").unwrap().data);
    let reference = FixedGmm::<f64, 3, 13>::new(
        FixedCovariance::Diag,
        w.clone().try_into().unwrap(),
        rows::<f64, 3, 13>(&m),
        rows::<f64, 3, 13>(&v),
    )
    .unwrap();
    let mut expected = [[0.0f64; 3]; 178];
    reference.predict_proba(&rows::<f64, 178, 13>(&xs), &mut expected).unwrap();
    // The shipped model is f32 (the blob's precision); the data is stored as T.
    let model = FixedGmm::<f32, 3, 13>::new(
        FixedCovariance::Diag,
        core::array::from_fn(|k| w[k] as f32),
        rows::<f32, 3, 13>(&m),
        rows::<f32, 3, 13>(&v),
    )
    .unwrap();
    let mut resp = [[0.0f32; 3]; 178];
    model.predict_proba(&rows::<T, 178, 13>(&xs), &mut resp).unwrap();
    max_abs(resp.as_flattened().iter().map(|&r| r as f64), expected.as_flattened())
}

#[test]
fn reduced_precision_storage_error_is_bounded() {
    let table = [
        ("f32", swav_error::<f32>(), sinkhorn_plan_error::<f32>(), gmm_error::<f32>()),
        ("f16", swav_error::<f16>(), sinkhorn_plan_error::<f16>(), gmm_error::<f16>()),
        ("bf16", swav_error::<bf16>(), sinkhorn_plan_error::<bf16>(), gmm_error::<bf16>()),
    ];
    println!("max abs error vs f64: storage | SwAV codes 32x10 | Sinkhorn plan 7x5 | GMM predict_proba wine");
    for (name, swav, plan, gmm) in table {
        println!("{name:>5} | {swav:.3e} | {plan:.3e} | {gmm:.3e}");
    }
    // Stated bounds, about 3x the measured errors (f32: 2.0e-7 / 9.1e-8 / 1.9e-6;
    // f16: 1.1e-3 / 5.4e-5 / 3.2e-4; bf16: 5.9e-3 / 2.9e-4 / 3.2e-3).
    let bounds = [("f32", 1e-6, 5e-7, 1e-5), ("f16", 5e-3, 2e-4, 1.5e-3), ("bf16", 2e-2, 1e-3, 1e-2)];
    for ((name, swav, plan, gmm), (_, bs, bp, bg)) in table.into_iter().zip(bounds) {
        assert!(swav <= bs, "{name}: SwAV error {swav:e} > {bs:e}");
        assert!(plan <= bp, "{name}: plan error {plan:e} > {bp:e}");
        assert!(gmm <= bg, "{name}: GMM error {gmm:e} > {bg:e}");
    }
}
