//! Data for the k-means SDP tests: the bundled iris/wine features, the exact-recovery
//! Gaussian generator of the sketch-and-lift code (Zhuang, Chen & Yang, AISTATS 2022) and
//! membership matrices.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use std::path::PathBuf;

/// `data/<name>/features.npy` as (row-major values, rows, cols).
pub fn bundled_features(name: &str) -> Result<(Vec<f64>, usize, usize), String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data").join(name).join("features.npy");
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let npy = npyz::NpyFile::new(&bytes[..]).map_err(|e| e.to_string())?;
    let shape = npy.shape().to_vec();
    let data = npy.into_vec::<f64>().map_err(|e| e.to_string())?;
    match shape.as_slice() {
        [n, p] => Ok((data, *n as usize, *p as usize)),
        other => Err(format!("{}: shape {other:?}", path.display())),
    }
}

/// Standardises each column to mean 0 and population standard deviation 1.
pub fn standardise(x: &mut [f64], n: usize, p: usize) {
    for j in 0..p {
        let mean = (0..n).map(|i| x[i * p + j]).sum::<f64>() / n as f64;
        let var = (0..n).map(|i| (x[i * p + j] - mean).powi(2)).sum::<f64>() / n as f64;
        let sd = var.sqrt();
        (0..n).for_each(|i| x[i * p + j] = (x[i * p + j] - mean) / sd);
    }
}

/// Standard normal draws (`rand_distr::StandardNormal` over `rand`'s `StdRng`, as the
/// benchmark generator `clasp_models::bench::synthetic`), reproducible from
/// a seed.
pub struct Gaussian {
    rng: StdRng,
}

impl Gaussian {
    /// A stream for `seed`.
    pub fn new(seed: u64) -> Self {
        Self { rng: StdRng::seed_from_u64(seed) }
    }
    /// One N(0, 1) draw.
    pub fn sample(&mut self) -> f64 {
        self.rng.sample(StandardNormal)
    }
}

/// The separation Δ = l·√((1 + √(1 + Kp/(n log n)))·4 log n) of the exact-recovery threshold
/// (Chen & Yang, IEEE T-IT 2021) at multiple `l` (γ = 1).
pub fn recovery_separation(n: usize, k: usize, p: usize, l: f64) -> f64 {
    let (nf, ln) = (n as f64, (n as f64).ln());
    l * ((1.0 + (1.0 + (k * p) as f64 / (nf * ln)).sqrt()) * 4.0 * ln).sqrt()
}

/// n points (n/k per cluster, in cluster order) from N(μ_c, I_p) with μ_c = e_c·Δ/√2, so every
/// pair of centres is Δ apart. Returns (x row-major n × p, labels).
pub fn recovery_instance(n: usize, k: usize, p: usize, l: f64, seed: u64) -> (Vec<f64>, Vec<usize>) {
    let delta = recovery_separation(n, k, p, l);
    let mut g = Gaussian::new(seed);
    let labels: Vec<usize> = (0..n).map(|i| i * k / n).collect();
    let mut x = Vec::with_capacity(n * p);
    for &c in &labels {
        for j in 0..p {
            let centre = if j == c { delta / 2f64.sqrt() } else { 0.0 };
            x.push(centre + g.sample());
        }
    }
    (x, labels)
}

/// Z_G = Σ_c (1/n_c) 1_{G_c}1_{G_c}ᵀ, row-major n × n.
pub fn membership(labels: &[usize], k: usize) -> Vec<f64> {
    let n = labels.len();
    let sizes: Vec<f64> = (0..k).map(|c| labels.iter().filter(|&&l| l == c).count() as f64).collect();
    (0..n * n).map(|idx| if labels[idx / n] == labels[idx % n] { 1.0 / sizes[labels[idx / n]] } else { 0.0 }).collect()
}

/// Whether two labellings are the same partition (equal up to a relabelling).
pub fn same_partition(a: &[usize], b: &[usize]) -> bool {
    a.len() == b.len() && (0..a.len()).all(|i| (0..a.len()).all(|j| (a[i] == a[j]) == (b[i] == b[j])))
}

/// Fraction of points misclustered under the best matching of labels (brute force over the
/// k! permutations; k ≤ 6).
pub fn misclustering(truth: &[usize], pred: &[usize], k: usize) -> f64 {
    fn permutations(k: usize) -> Vec<Vec<usize>> {
        if k == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(k - 1) {
            for pos in 0..=p.len() {
                let mut q = p.clone();
                q.insert(pos, k - 1);
                out.push(q);
            }
        }
        out
    }
    let best = permutations(k)
        .iter()
        .map(|perm| truth.iter().zip(pred).filter(|&(&t, &p)| perm.get(p) == Some(&t)).count())
        .max()
        .unwrap_or(0);
    1.0 - best as f64 / truth.len() as f64
}
