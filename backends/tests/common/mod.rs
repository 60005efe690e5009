//! Shared test helpers: the device (or a loud report of its absence), fixture loading and
//! random inputs. The reference of every kernel is clasp-core itself, called by the tests.
#![allow(dead_code)]

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

/// The wgpu device, or `None` after a loud message on stderr when no adapter exists.
/// With `CLASP_REQUIRE_GPU=1` a missing adapter fails the test instead.
#[cfg(feature = "wgpu")]
pub fn wgpu_or_report(test: &str) -> Option<clasp_backends::Gpu<cubecl::wgpu::WgpuRuntime>> {
    if clasp_backends::BackendKind::Wgpu.is_available() {
        return Some(clasp_backends::Gpu::new(&cubecl::wgpu::WgpuDevice::DefaultDevice));
    }
    if std::env::var("CLASP_REQUIRE_GPU").is_ok_and(|v| v == "1") {
        panic!("{test}: CLASP_REQUIRE_GPU=1 but no wgpu adapter was found (install mesa-vulkan-drivers libvulkan1)");
    }
    eprintln!(
        "\n!!!!!!!! {test}: NO WGPU ADAPTER — device parity NOT checked (set CLASP_REQUIRE_GPU=1 to fail) !!!!!!!!\n"
    );
    None
}

/// Reads a float64 fixture array as (shape, data).
pub fn fixture(case: &str, array: &str) -> (Vec<usize>, Vec<f64>) {
    let path: PathBuf =
        [env!("CARGO_MANIFEST_DIR"), "..", "tests", "fixtures", case, &format!("{array}.npy")].iter().collect();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).expect("npy header");
    let shape = npy.shape().iter().map(|&d| d as usize).collect();
    (shape, npy.into_vec::<f64>().expect("f64 data"))
}

/// Reads a float64 fixture case key from case.json (numbers only).
pub fn fixture_num(case: &str, key: &str) -> f64 {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "tests", "fixtures", case, "case.json"].iter().collect();
    let text = std::fs::read_to_string(&path).expect("case.json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    v[key].as_f64().unwrap_or_else(|| panic!("{case}: no number `{key}`"))
}

/// Seeded uniform values in [lo, hi).
pub fn uniform(seed: u64, len: usize, lo: f64, hi: f64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.random_range(lo..hi)).collect()
}

/// Seeded standard normal values (`rand_distr::StandardNormal` over `rand`'s `StdRng`, as the
/// benchmark generator).
pub fn normal(seed: u64, len: usize) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.sample::<f64, _>(StandardNormal)).collect()
}

/// Cosine scores z cᵀ of seeded unit vectors (n × k, dimension d), as in SwAV.
pub fn cosine_scores(seed: u64, n: usize, k: usize, d: usize) -> Vec<f64> {
    let unit = |mut x: Vec<f64>| {
        for row in x.chunks_exact_mut(d) {
            let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            row.iter_mut().for_each(|v| *v /= norm);
        }
        x
    };
    let z = unit(normal(seed, n * d));
    let c = unit(normal(seed + 1, k * d));
    let mut s = vec![0.0; n * k];
    for i in 0..n {
        for j in 0..k {
            s[i * k + j] = (0..d).map(|t| z[i * d + t] * c[j * d + t]).sum();
        }
    }
    s
}

pub fn to_f32(x: &[f64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

pub fn max_abs_diff(a: &[f32], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(&x, &y)| (x as f64 - y).abs()).fold(0.0, f64::max)
}

/// Largest |a − b| relative to the largest |b| (an f32 result against an f64 reference).
pub fn rel_diff(a: &[f32], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-30);
    max_abs_diff(a, b) / scale
}

/// Row arg-max (ties to the lowest index) and the gap to the runner-up.
pub fn argmax_with_gap(row: &[f64]) -> (usize, f64) {
    let mut best = 0;
    for (j, &x) in row.iter().enumerate() {
        if x > row[best] {
            best = j;
        }
    }
    let second = row.iter().enumerate().filter(|&(j, _)| j != best).map(|(_, &x)| x).fold(f64::NEG_INFINITY, f64::max);
    (best, row[best] - second)
}
