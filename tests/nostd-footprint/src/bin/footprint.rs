//! SwAV codes on a 64 × 16 score block and a diag-GMM predict (K = 4, D = 8, loaded from a
//! byte blob) through `clasp_core::fixed`, with no heap: everything lives on the stack. The
//! inputs go through `black_box` so that nothing is folded at compile time. Prints one
//! `… ok` line per check.
#![no_std]
#![no_main]

use clasp_core::fixed::{FixedGmm, FixedSwav, gmm_blob};
use clasp_core::sinkhorn::SwavParams;

#[link(name = "c")]
unsafe extern "C" {
    fn write(fd: i32, buf: *const u8, count: usize) -> isize;
    fn abort() -> !;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { abort() }
}

fn say(msg: &[u8]) {
    unsafe { write(1, msg.as_ptr(), msg.len()) };
}

const N: usize = 64;
const K: usize = 16;
const GK: usize = 4;
const GD: usize = 8;
const BLOB: usize = gmm_blob::HEADER_LEN + 4 * (GK + 2 * GK * GD);

fn swav_rows_sum_to_one(seed: f32) -> bool {
    let scores: [[f32; K]; N] =
        core::array::from_fn(|i| core::array::from_fn(|j| libm::sinf(seed * (i * K + j) as f32 * 0.37)));
    let mut codes = [[0.0f32; K]; N];
    let mut swav = FixedSwav::<f32, N, K>::new();
    if swav.codes(&scores, &SwavParams::default(), &mut codes).is_err() {
        return false;
    }
    codes.iter().all(|row| libm::fabsf(row.iter().sum::<f32>() - 1.0) < 1e-4)
}

/// A diag GMM blob: component k has mean 3k in every coordinate, unit variances.
fn blob(scale: f32) -> [u8; BLOB] {
    let mut b = [0u8; BLOB];
    b[..4].copy_from_slice(&gmm_blob::MAGIC);
    b[4] = gmm_blob::VERSION;
    b[5] = 1;
    b[6..8].copy_from_slice(&(GK as u16).to_le_bytes());
    b[8..10].copy_from_slice(&(GD as u16).to_le_bytes());
    let value = |i: usize| -> f32 {
        if i < GK {
            1.0 / GK as f32
        } else if i < GK + GK * GD {
            3.0 * scale * ((i - GK) / GD) as f32
        } else {
            1.0
        }
    };
    for (i, chunk) in b[gmm_blob::HEADER_LEN..].chunks_exact_mut(4).enumerate() {
        chunk.copy_from_slice(&value(i).to_le_bytes());
    }
    b
}

fn gmm_predicts_the_nearest_mean(scale: f32) -> bool {
    let Ok(gmm) = FixedGmm::<f32, GK, GD>::from_bytes(&blob(scale)) else { return false };
    let x: [[f32; GD]; GK] = core::array::from_fn(|k| [3.0 * scale * k as f32 + 0.2; GD]);
    let mut labels = [usize::MAX; GK];
    if gmm.predict(&x, &mut labels).is_err() {
        return false;
    }
    labels.iter().enumerate().all(|(k, &l)| k == l)
}

#[unsafe(no_mangle)]
pub extern "C" fn main(argc: i32, _argv: *const *const u8) -> i32 {
    let one = core::hint::black_box(argc) as f32;
    let mut failed = 0;
    for (ok, name) in [
        (swav_rows_sum_to_one(one), &b"swav_codes_64x16"[..]),
        (gmm_predicts_the_nearest_mean(one), &b"gmm_predict"[..]),
    ] {
        say(name);
        if ok {
            say(b" ok\n");
        } else {
            say(b" FAILED\n");
            failed += 1;
        }
    }
    failed
}
