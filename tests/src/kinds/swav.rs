//! The `swav` fixtures: SwAV `distributed_sinkhorn` codes, in f64 (with and without the
//! max-shift, which only changes rounding) and f32 (to 8e-7, about 3× the measured error).

use crate::compare::{Report, Tol};
use crate::fixtures::Case;
use clasp_core::sinkhorn::{SwavParams, swav_codes, swav_scratch};
use clasp_core::{Float, Local, MatRef, Real};

fn codes<T: Real>(s: &[f64], b: usize, k: usize, params: &SwavParams) -> Result<Vec<f64>, String> {
    let x: Vec<T> = s.iter().map(|&v| T::from_acc(<T::Acc as Float>::from_f64(v))).collect();
    let xm = MatRef::new(&x, b, k, "scores").map_err(|e| e.to_string())?;
    let mut out = vec![T::default(); b * k];
    let mut scratch = vec![<T::Acc as Float>::ZERO; swav_scratch(b, k)];
    let info = swav_codes(xm, params, &mut out, &mut scratch, &mut Local).map_err(|e| e.to_string())?;
    if info.iterations != params.iterations || info.samples != b {
        return Err(format!("unexpected info {info:?}"));
    }
    Ok(out.iter().map(|v| v.to_acc().to_f64()).collect())
}

/// Checker of the `swav` kind.
pub fn check(case: &Case, r: &mut Report) -> Result<(), String> {
    let scores = case.f64("scores")?;
    let want = case.f64("codes")?.data;
    let (b, k) = match scores.shape[..] {
        [b, k] => (b, k),
        _ => return Err(format!("scores has shape {:?}", scores.shape)),
    };
    let base = SwavParams::default()
        .eps(case.num("epsilon")?)
        .iterations(case.num("iterations")? as usize)
        .max_shift(false)
        .keep_last(None);
    let got = codes::<f64>(&scores.data, b, k, &base)?;
    r.close("f64 codes", &got, &want, Tol::Abs(1e-12));
    let rows: Vec<f64> = got.chunks(k).map(|row| row.iter().sum()).collect();
    r.close("f64 row sums", &rows, &vec![1.0; b], Tol::Abs(1e-13));
    let shifted = codes::<f64>(&scores.data, b, k, &base.max_shift(true))?;
    r.close("f64 codes (max-shift)", &shifted, &want, Tol::Abs(1e-12));
    let got32 = codes::<f32>(&scores.data, b, k, &base)?;
    // Measured 1.4e-7 to 2.6e-7 over the four cases (x86_64, AVX2); bound about 3×.
    r.close("f32 codes", &got32, &want, Tol::Abs(8e-7));
    Ok(())
}
