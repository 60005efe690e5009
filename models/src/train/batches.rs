//! Seeded mini-batches and per-epoch random streams: epoch e of a run draws from a stream that
//! depends only on (seed, e), so a resumed run repeats an uninterrupted one exactly.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// The random stream of epoch `epoch` for `purpose` (shuffling, augmentation, …) of a run seeded `seed`.
pub fn epoch_rng(seed: u64, epoch: usize, purpose: u64) -> ChaCha8Rng {
    let mixed = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((epoch as u64).wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(purpose.wrapping_mul(0x94D0_49BB_1331_11EB));
    ChaCha8Rng::seed_from_u64(mixed)
}

/// A seeded permutation of `0..n` cut into batches of `batch` (the last one may be smaller;
/// `drop_last` drops it when it is smaller than `batch`).
pub fn epoch_batches(n: usize, batch: usize, seed: u64, epoch: usize, drop_last: bool) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut epoch_rng(seed, epoch, 0));
    order.chunks(batch.max(1)).filter(|c| !drop_last || c.len() == batch || n < batch).map(<[usize]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_every_index_once_and_repeat_per_seed() {
        let b = epoch_batches(10, 4, 7, 3, false);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 4, 2]);
        let mut all: Vec<usize> = b.concat();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(b, epoch_batches(10, 4, 7, 3, false));
        assert_ne!(b, epoch_batches(10, 4, 7, 4, false));
        assert_eq!(epoch_batches(10, 4, 7, 3, true).len(), 2);
    }
}
