//! The one run-time dispatch of the crate's hot loops.
//!
//! A loop body is written once as portable generic code (`#[inline(always)]`, lane
//! accumulators so that it vectorises). [`simd_dispatch!`] defines the entry that runs it
//! either inside an `#[target_feature(enable = "avx2")]` instantiation, when
//! [`features`](super::detect::features) reports AVX2, or as baseline code (SSE2 on x86-64).
//! Both instantiations perform the same operations in the same order (no fused multiply-add
//! is enabled), so the choice never changes a result.

/// Defines `$name` (dispatching), running the `#[inline(always)]` body function `$body` either
/// inside an AVX2-enabled wrapper (when detected) or as portable code. An optional
/// `where { … }` block carries the entry's where clause.
macro_rules! simd_dispatch {
    (
        $(#[$meta:meta])*
        fn $name:ident < $($gen:ident : $bound:path),* > ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty
        $(where { $($wc:tt)* })?
        => $body:ident
    ) => {
        $(#[$meta])*
        #[inline]
        pub(crate) fn $name<$($gen: $bound),*>($($arg: $ty),*) -> $ret
        $(where $($wc)*)?
        {
            #[cfg(all(feature = "std", any(target_arch = "x86", target_arch = "x86_64")))]
            {
                #[target_feature(enable = "avx2")]
                #[allow(clippy::too_many_arguments)]
                fn with_avx2<$($gen: $bound),*>($($arg: $ty),*) -> $ret
                $(where $($wc)*)?
                {
                    $body::<$($gen),*>($($arg),*)
                }
                if $crate::simd::features().avx2 {
                    // SAFETY: AVX2 support was detected at run time (`simd::features`).
                    return unsafe { with_avx2::<$($gen),*>($($arg),*) };
                }
            }
            $body::<$($gen),*>($($arg),*)
        }
    };
}
pub(crate) use simd_dispatch;
