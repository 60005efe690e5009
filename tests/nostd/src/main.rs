//! Links clasp-core (default features off: no `std`, no `alloc`) into a `#![no_std]
//! #![no_main]` binary with its own panic handler and libc as its only library, runs the
//! balanced Sinkhorn solver and SwAV codes on stack buffers, checks their invariants and
//! prints one `… ok` line per check (anything else means failure).
#![no_std]
#![no_main]

use clasp_core::sinkhorn::{
    ScoreKind, SinkhornParams, SwavParams, sinkhorn_scaling, sinkhorn_scaling_scratch, swav_codes, swav_scratch,
};
use clasp_core::{Local, MatRef};

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

const N: usize = 6;
const K: usize = 4;

/// A deterministic cost in [0, 1]: squared distance between points on two lines.
fn cost() -> [f64; N * K] {
    let mut c = [0.0; N * K];
    for i in 0..N {
        for j in 0..K {
            let d = i as f64 / N as f64 - j as f64 / K as f64;
            c[i * K + j] = d * d;
        }
    }
    c
}

fn balanced_sinkhorn_holds_its_marginals() -> bool {
    let c = cost();
    let Ok(x) = MatRef::new(&c, N, K, "cost") else { return false };
    let (a, b) = ([1.0 / N as f64; N], [1.0 / K as f64; K]);
    let (mut f, mut g) = ([0.0; N], [0.0; K]);
    let mut scratch = [0.0f64; 64];
    if sinkhorn_scaling_scratch(N, K) > scratch.len() {
        return false;
    }
    let params = SinkhornParams::default().eps(0.1).kind(ScoreKind::Cost).tol(1e-12);
    let Ok(info) = sinkhorn_scaling(x, &a, &b, &params, &mut f, &mut g, &mut scratch) else { return false };
    // Column sums of Q_ij = exp((f_i + g_j − c_ij)/ε) must equal b.
    let mut worst = 0.0f64;
    for j in 0..K {
        let col: f64 = (0..N).map(|i| libm::exp((f[i] + g[j] - c[i * K + j]) / 0.1)).sum();
        worst = worst.max(libm::fabs(col - b[j]));
    }
    info.converged && worst < 1e-10
}

fn swav_codes_rows_sum_to_one() -> bool {
    let c = cost();
    let scores: [f32; N * K] = core::array::from_fn(|i| 1.0 - 2.0 * c[i] as f32);
    let Ok(s) = MatRef::new(&scores, N, K, "scores") else { return false };
    let mut codes = [0.0f32; N * K];
    let mut scratch = [0.0f32; 64];
    if swav_scratch(N, K) > scratch.len() {
        return false;
    }
    if swav_codes(s, &SwavParams::default(), &mut codes, &mut scratch, &mut Local).is_err() {
        return false;
    }
    codes.chunks_exact(K).all(|row| libm::fabsf(row.iter().sum::<f32>() - 1.0) < 1e-5)
}

#[unsafe(no_mangle)]
pub extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
    let mut failed = 0;
    for (ok, name) in [
        (balanced_sinkhorn_holds_its_marginals(), &b"sinkhorn_scaling"[..]),
        (swav_codes_rows_sum_to_one(), &b"swav_codes"[..]),
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
