//! What the fuzz targets share: bounded structured inputs drawn from the fuzzer's bytes
//! (shapes, scalars that include NaN, ±∞, subnormals and huge values, parameters, seeds), the
//! dispatch over the storage scalars, and the contract checks (finite outputs, simplex rows,
//! caller buffers untouched on `Err`).

pub use arbitrary::{Result, Unstructured};
use clasp_core::{Error, Float, Real};

/// Runs a target body on the fuzzer's bytes; running out of bytes ends the case quietly.
#[macro_export]
macro_rules! fuzz_case {
    (|$u:ident| $body:block) => {
        libfuzzer_sys::fuzz_target!(|data: &[u8]| {
            let mut unstructured = $crate::Unstructured::new(data);
            let run = |$u: &mut $crate::Unstructured<'_>| -> $crate::Result<()> { $body };
            let _ = run(&mut unstructured);
        });
    };
}

/// Calls `$f::<T>($args)` for the storage scalar chosen by the next input byte:
/// `half::f16`, `half::bf16`, `f32` or `f64`.
#[macro_export]
macro_rules! each_real {
    ($u:expr, $f:ident($($arg:expr),*)) => {
        match $u.int_in_range(0u8..=3)? {
            0 => $f::<half::f16>($($arg),*),
            1 => $f::<half::bf16>($($arg),*),
            2 => $f::<f32>($($arg),*),
            _ => $f::<f64>($($arg),*),
        }
    };
}

/// Calls `$f::<T>($args)` for `f32` or `f64` (entries whose compute type must be the storage type).
#[macro_export]
macro_rules! each_float {
    ($u:expr, $f:ident($($arg:expr),*)) => {
        if $u.arbitrary::<bool>()? { $f::<f32>($($arg),*) } else { $f::<f64>($($arg),*) }
    };
}

/// Prints `what` when `CLASP_FUZZ_TRACE` is set (to read a reproducer's decoded input).
pub fn trace(what: &dyn core::fmt::Debug) {
    if std::env::var_os("CLASP_FUZZ_TRACE").is_some() {
        eprintln!("{what:?}");
    }
}

/// Values that break numerics: NaN, ±∞, signed zeros, subnormals (f64, f32, f16), huge and
/// tiny normal numbers, the edges of f16.
pub const SPECIAL: [f64; 18] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.0,
    -0.0,
    5e-324,
    1e-310,
    1e-40,
    6e-8,
    1e-300,
    1e300,
    -1e300,
    f64::MAX,
    3.4e38,
    1e30,
    65504.0,
    70000.0,
    -1e-8,
];

/// One entry of an input array: with probability 1/8 when `wild`, a [`SPECIAL`] value;
/// otherwise a moderate value in [−8, 8) on a 1/4096 grid.
pub fn entry(u: &mut Unstructured<'_>, wild: bool) -> Result<f64> {
    if wild && u.ratio(1u8, 8)? {
        return Ok(SPECIAL[u.choose_index(SPECIAL.len())?]);
    }
    Ok(f64::from(u.arbitrary::<i16>()?) / 4096.0)
}

/// `len` entries (see [`entry`]).
pub fn values(u: &mut Unstructured<'_>, len: usize, wild: bool) -> Result<Vec<f64>> {
    (0..len).map(|_| entry(u, wild)).collect()
}

/// `len` strictly positive moderate weights (or wild ones), for marginals and mixture weights.
pub fn weights(u: &mut Unstructured<'_>, len: usize, wild: bool) -> Result<Vec<f64>> {
    (0..len)
        .map(|_| {
            if wild && u.ratio(1u8, 8)? {
                Ok(SPECIAL[u.choose_index(SPECIAL.len())?])
            } else {
                Ok(f64::from(u.int_in_range(1u16..=1000)?) / 100.0)
            }
        })
        .collect()
}

/// A parameter: usually log-uniform in [`lo`, `hi`], sometimes a [`SPECIAL`] value or a
/// negative one (to reach the parameter checks).
pub fn param(u: &mut Unstructured<'_>, lo: f64, hi: f64) -> Result<f64> {
    match u.int_in_range(0u8..=15)? {
        0 => Ok(SPECIAL[u.choose_index(SPECIAL.len())?]),
        1 => Ok(-lo),
        _ => {
            let t = f64::from(u.arbitrary::<u16>()?) / f64::from(u16::MAX);
            Ok(lo * (hi / lo).powf(t))
        }
    }
}

/// A count in `lo..=hi`, and 0 one time in 32 (the "at least one" checks).
pub fn count(u: &mut Unstructured<'_>, lo: usize, hi: usize) -> Result<usize> {
    if u.ratio(1u8, 32)? { Ok(0) } else { u.int_in_range(lo..=hi) }
}

/// Whether this case draws wild entries (one case in four does).
pub fn wild(u: &mut Unstructured<'_>) -> Result<bool> {
    u.ratio(1u8, 4)
}

/// Converts to the storage scalar (rounding, overflowing to ±∞ as the type does).
pub fn cast<T: Real>(v: &[f64]) -> Vec<T> {
    v.iter().map(|&x| T::from_acc(<T::Acc as Float>::from_f64(x))).collect()
}

/// Converts a storage array to f64.
pub fn widen<T: Real>(v: &[T]) -> Vec<f64> {
    v.iter().map(|x| x.to_acc().to_f64()).collect()
}

/// Converts a compute array to f64.
pub fn widen_acc<F: Float>(v: &[F]) -> Vec<f64> {
    v.iter().map(|x| x.to_f64()).collect()
}

/// Bit pattern of a storage array, to compare before and after a failed call.
pub fn snapshot<T: Real>(v: &[T]) -> Vec<u64> {
    v.iter().map(|x| x.to_acc().to_f64().to_bits()).collect()
}

/// Bit pattern of a compute array.
pub fn snapshot_acc<F: Float>(v: &[F]) -> Vec<u64> {
    v.iter().map(|x| x.to_f64().to_bits()).collect()
}

/// A compute buffer of `len` entries holding a recognisable pattern.
pub fn sentinel<F: Float>(len: usize) -> Vec<F> {
    (0..len).map(|i| F::from_f64(0.125 + i as f64)).collect()
}

/// The unit roundoff of the storage scalar `T` (bf16 and f16 share 2⁻⁸, the coarser).
pub fn storage_eps<T: Real>() -> f64 {
    match core::mem::size_of::<T>() {
        2 => 2f64.powi(-8),
        4 => f32::EPSILON as f64,
        _ => f64::EPSILON,
    }
}

/// The unit roundoff of the compute scalar of `T`.
pub fn acc_eps<T: Real>() -> f64 {
    <T::Acc as Float>::EPSILON.to_f64()
}

/// Every entry is finite.
#[track_caller]
pub fn assert_finite(v: &[f64], what: &str) {
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        panic!("{what}[{i}] = {} is not finite on Ok", v[i]);
    }
}

/// Each row of the row-major `v` (`k` columns) is a probability vector: entries in
/// [−tol, 1 + tol], sum within `tol · k` of 1.
#[track_caller]
pub fn assert_simplex_rows(v: &[f64], k: usize, tol: f64, what: &str) {
    assert_finite(v, what);
    for (i, row) in v.chunks_exact(k).enumerate() {
        let s: f64 = row.iter().sum();
        assert!(row.iter().all(|&p| (-tol..=1.0 + tol).contains(&p)), "{what} row {i} = {row:?} leaves [0, 1]");
        assert!((s - 1.0).abs() <= tol * k as f64, "{what} row {i} sums to {s}");
    }
}

/// Labels are `< bound`.
#[track_caller]
pub fn assert_labels(labels: &[usize], bound: usize, what: &str) {
    if let Some(i) = labels.iter().position(|&l| l >= bound) {
        panic!("{what}[{i}] = {} ≥ {bound}", labels[i]);
    }
}

/// The errors after which an entry documents partial output (the last good iterate).
pub fn writes_on_error(e: &Error) -> bool {
    matches!(e, Error::NumericalBreakdown { .. })
}

/// On an error that promises untouched outputs, `after` equals `before` bit for bit.
#[track_caller]
pub fn assert_untouched(e: &Error, before: &[u64], after: &[u64], what: &str) {
    if !writes_on_error(e) {
        assert_eq!(before, after, "`{what}` was written although the call failed with {e:?}");
    }
}

/// A one-line description of an error must be printable (the typed error names its argument).
pub fn describe(e: &Error) -> String {
    let s = e.to_string();
    assert!(!s.is_empty());
    s
}

/// Row sums and column sums of the plan `Q_ij = exp((σx_ij + f_i + g_j)/ε)`, in f64, and
/// the relative rounding bound of recomputing it from the inputs (large when the exponent's
/// terms are large and cancel).
pub fn plan_sums(x: &[f64], k: usize, sign: f64, eps: f64, f: &[f64], g: &[f64]) -> (Vec<f64>, Vec<f64>, f64) {
    let mut rows = vec![0.0; f.len()];
    let mut cols = vec![0.0; k];
    let mut worst = 0.0f64;
    for (i, row) in x.chunks_exact(k).enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let e = (sign * v + f[i] + g[j]) / eps;
            worst = worst.max((sign * v).abs().max(f[i].abs()).max(g[j].abs()) / eps);
            let q = e.exp();
            rows[i] += q;
            cols[j] += q;
        }
    }
    (rows, cols, worst)
}

pub mod fewshot;
pub mod mixture;
pub mod ot;
pub mod sdp;
