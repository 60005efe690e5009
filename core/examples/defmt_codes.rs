//! SwAV codes through the heap-free fixed API, with the run's [`SwavInfo`] and parameters
//! logged by `defmt` (`cargo build -p clasp-core --example defmt_codes --features defmt`).
//!
//! On a microcontroller the global logger comes from a transport crate (`defmt-rtt`, …); this
//! host example installs a minimal one that counts the encoded bytes, which is enough to link
//! and run the formatting code (decoding needs the ELF and `defmt-print`).

use clasp_core::fixed::FixedSwav;
use clasp_core::sinkhorn::{SwavInfo, SwavParams};
use core::sync::atomic::{AtomicUsize, Ordering};

/// Encoded bytes written by the logger.
static BYTES: AtomicUsize = AtomicUsize::new(0);

#[defmt::global_logger]
struct CountingLogger;

// SAFETY: the logger keeps no state besides an atomic counter, so nested or concurrent
// acquire/release pairs cannot corrupt it.
unsafe impl defmt::Logger for CountingLogger {
    fn acquire() {}
    unsafe fn flush() {}
    unsafe fn release() {}
    unsafe fn write(bytes: &[u8]) {
        BYTES.fetch_add(bytes.len(), Ordering::Relaxed);
    }
}

defmt::timestamp!("{=u32}", 0);

/// `defmt::println!` is always on; `info!`/`debug!` need `DEFMT_LOG` (error only by default).
fn main() {
    const N: usize = 8;
    const K: usize = 3;
    let scores: [[f32; K]; N] = core::array::from_fn(|i| core::array::from_fn(|j| ((i + 2 * j) % 5) as f32 * 0.2));
    let params = SwavParams::default();
    let mut codes = [[0.0f32; K]; N];
    match FixedSwav::<f32, N, K>::new().codes(&scores, &params, &mut codes) {
        Ok(info) => {
            let info: SwavInfo = info;
            defmt::println!("swav codes {}x{}: {} with {}", N, K, info, params);
        }
        Err(e) => defmt::error!("swav codes failed: {}", e),
    }
    println!("defmt encoded {} bytes", BYTES.load(Ordering::Relaxed));
}
