//! Runtime CPU-feature dispatch for the hot passes.
//!
//! The portable code is compiled for the target's baseline (SSE2 on x86-64) and auto-vectorises
//! there. With the `std` feature on x86/x86-64, a pass can also be instantiated inside an
//! `#[target_feature(enable = "avx2")]` wrapper and selected at run time with
//! `is_x86_feature_detected!`; without `std` (no detection available) the baseline code runs.
//! No `-C target-cpu` flag is needed or assumed.

/// Whether the AVX2 instantiations may be called on this CPU.
#[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
#[inline]
pub(crate) fn has_avx2() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// Defines `$name` (dispatching), running the `#[inline(always)]` body function `$body` either
/// inside an AVX2-enabled wrapper (when detected) or as portable code.
macro_rules! simd_dispatch {
    (
        $(#[$meta:meta])*
        fn $name:ident < $($gen:ident : $bound:path),* > ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty
        => $body:ident
    ) => {
        $(#[$meta])*
        #[inline]
        pub(crate) fn $name<$($gen: $bound),*>($($arg: $ty),*) -> $ret {
            #[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
            {
                #[target_feature(enable = "avx2")]
                #[allow(clippy::too_many_arguments)]
                fn with_avx2<$($gen: $bound),*>($($arg: $ty),*) -> $ret {
                    $body::<$($gen),*>($($arg),*)
                }
                if $crate::sinkhorn::dispatch::has_avx2() {
                    // SAFETY: AVX2 support was detected at run time just above.
                    return unsafe { with_avx2::<$($gen),*>($($arg),*) };
                }
            }
            $body::<$($gen),*>($($arg),*)
        }
    };
}
pub(crate) use simd_dispatch;
