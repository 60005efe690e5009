//! CPU-feature detection, done once per process and cached.
//!
//! Every SIMD path of the crate asks [`features`] which instruction sets it may use. With the
//! `std` feature on x86/x86-64 the first call runs `is_x86_feature_detected!` for the four
//! sets the crate has code for and stores the answer in one atomic byte; later calls are a
//! relaxed load. Without `std` (no detection available) or on other architectures this module
//! is not compiled and the portable code runs. No `-C target-cpu` flag is needed or assumed.

/// The instruction sets the crate has explicit or dispatched code for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Features {
    /// AVX (256-bit float vectors): the f32 lane reductions and the streaming row stores.
    pub avx: bool,
    /// AVX2: the instantiation of every [`simd_dispatch!`](super::simd_dispatch) body.
    pub avx2: bool,
    /// FMA: with AVX2, the 8-lane f32 exponential.
    pub fma: bool,
    /// AVX-512F: the 16-lane f32 exponential.
    pub avx512f: bool,
}

impl Features {
    const AVX: u8 = 1;
    const AVX2: u8 = 2;
    const FMA: u8 = 4;
    const AVX512F: u8 = 8;
    /// Set in the cached byte once detection has run (so that "nothing detected" is cached too).
    const DETECTED: u8 = 0x80;

    fn from_bits(bits: u8) -> Self {
        Features {
            avx: bits & Self::AVX != 0,
            avx2: bits & Self::AVX2 != 0,
            fma: bits & Self::FMA != 0,
            avx512f: bits & Self::AVX512F != 0,
        }
    }
}

/// What this CPU supports, detected on the first call.
#[inline]
pub(crate) fn features() -> Features {
    use core::sync::atomic::{AtomicU8, Ordering};
    static CACHE: AtomicU8 = AtomicU8::new(0);
    let mut bits = CACHE.load(Ordering::Relaxed);
    if bits & Features::DETECTED == 0 {
        bits = Features::DETECTED
            | if std::is_x86_feature_detected!("avx") { Features::AVX } else { 0 }
            | if std::is_x86_feature_detected!("avx2") { Features::AVX2 } else { 0 }
            | if std::is_x86_feature_detected!("fma") { Features::FMA } else { 0 }
            | if std::is_x86_feature_detected!("avx512f") { Features::AVX512F } else { 0 };
        CACHE.store(bits, Ordering::Relaxed);
    }
    Features::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_agrees_with_std_detection() {
        for _ in 0..2 {
            let f = features();
            assert_eq!(f.avx, std::is_x86_feature_detected!("avx"));
            assert_eq!(f.avx2, std::is_x86_feature_detected!("avx2"));
            assert_eq!(f.fma, std::is_x86_feature_detected!("fma"));
            assert_eq!(f.avx512f, std::is_x86_feature_detected!("avx512f"));
        }
    }
}
