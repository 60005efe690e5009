//! The stack scratch shared by the fixed Sinkhorn front ends: one contiguous block of
//! N·K + N + 5K compute scalars, which covers both [`crate::sinkhorn::swav_scratch`]`(N, K)`
//! (N·K + 3K + 3) and [`crate::sinkhorn::sinkhorn_scaling_scratch`]`(N, K)` (N·K + N + 3K).

/// N·K + N + 5K contiguous elements of `A`, laid out by `repr(C)` without padding (every
/// field is an array of the same `A`).
#[repr(C)]
pub(crate) struct StackScratch<A, const N: usize, const K: usize> {
    kernel: [[A; K]; N],
    rows: [A; N],
    tail: [[A; K]; 5],
}

impl<A: Copy, const N: usize, const K: usize> StackScratch<A, N, K> {
    /// Number of elements.
    pub(crate) const LEN: usize = N * K + N + 5 * K;

    /// All entries `zero`.
    pub(crate) fn new(zero: A) -> Self {
        Self { kernel: [[zero; K]; N], rows: [zero; N], tail: [[zero; K]; 5] }
    }

    /// The whole block as one slice.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [A] {
        // SAFETY: `repr(C)` with three fields that are arrays of the same `A`: each field's size
        // is a multiple of `align_of::<A>()`, so there is no padding and the struct is exactly
        // `LEN` consecutive, initialised `A`s; the borrow of `self` covers the whole slice.
        unsafe { core::slice::from_raw_parts_mut((self as *mut Self).cast::<A>(), Self::LEN) }
    }
}

#[cfg(test)]
mod tests {
    use super::StackScratch;

    #[test]
    fn the_block_has_no_padding_and_covers_both_solvers() {
        type S = StackScratch<f32, 64, 16>;
        assert_eq!(core::mem::size_of::<S>(), S::LEN * 4);
        assert!(S::LEN >= crate::sinkhorn::swav_scratch(64, 16));
        assert!(S::LEN >= crate::sinkhorn::sinkhorn_scaling_scratch(64, 16));
        let mut s = StackScratch::<f64, 1, 1>::new(0.0);
        assert!(StackScratch::<f64, 1, 1>::LEN >= crate::sinkhorn::swav_scratch(1, 1));
        s.as_mut_slice().fill(1.0);
        assert_eq!(s.as_mut_slice().iter().sum::<f64>(), 7.0);
    }
}
