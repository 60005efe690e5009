//! Which rows of a global batch a peer holds: contiguous, sizes differing by at most one.

use std::ops::Range;

/// Rows of `n` that rank `rank` of `peers` holds: `n·rank/peers .. n·(rank+1)/peers`.
pub fn shard_rows(n: usize, rank: usize, peers: usize) -> Range<usize> {
    let peers = peers.max(1);
    (n * rank / peers)..(n * (rank + 1) / peers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_tile_the_rows() {
        for (n, p) in [(10, 3), (8, 4), (3, 4), (0, 2)] {
            let ranges: Vec<_> = (0..p).map(|r| shard_rows(n, r, p)).collect();
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[p - 1].end, n);
            assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
            assert!(ranges.iter().all(|r| r.len() + 1 >= n / p && r.len() <= n.div_ceil(p)));
        }
    }
}
