//! What can go wrong when several processes train or solve together, each case with the
//! message a user needs to act on it (which flag, which rank, which timeout).

use std::time::Duration;

/// An error of the distributed engine, its launcher or a data-parallel run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DistError {
    /// `--peers 0`.
    #[error("--peers must be at least 1")]
    NoPeers,
    /// `--rank` outside `0..peers`.
    #[error("--rank {rank} is out of range for --peers {peers} (ranks are 0..{peers})")]
    RankOutOfRange {
        /// The rank given.
        rank: usize,
        /// The number of peers given.
        peers: usize,
    },
    /// A flag value that cannot be used (an address, a port, a timeout).
    #[error("{flag} {value}: {why}")]
    BadFlag {
        /// The flag.
        flag: &'static str,
        /// The value given.
        value: String,
        /// Why it cannot be used.
        why: String,
    },
    /// The peers did not all join, or a collective call got no answer, within the timeout.
    #[error(
        "{what}: no answer from the other peers within {} s (a peer died, stalled or never joined; \
         check that every rank runs with the same --peers and --coordinator, or raise --peer-timeout)",
        .after.as_secs_f64()
    )]
    Timeout {
        /// The operation that waited.
        what: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// burn's collective layer reported an error (a lost peer, a register mismatch, …).
    #[error("{what} failed: {detail}")]
    Collective {
        /// The operation that failed.
        what: &'static str,
        /// burn's error, with an explanation where one is known.
        detail: String,
    },
    /// The ranks that joined are not exactly `0..peers`, each once.
    #[error("every rank 0..N must join exactly once: duplicated rank(s) {duplicated:?}, missing rank(s) {missing:?}")]
    RankMismatch {
        /// Ranks that joined more than once.
        duplicated: Vec<usize>,
        /// Ranks that did not join.
        missing: Vec<usize>,
    },
    /// The peers disagree on something that must be equal on all of them.
    #[error("the peers disagree on {what}")]
    Disagreement {
        /// What differs (the run's configuration and data, the parameters after training, …).
        what: &'static str,
    },
    /// An earlier collective call of this engine failed; the run cannot continue.
    #[error("the distributed run stopped after an earlier failure: {first}")]
    Broken {
        /// The first failure.
        first: Box<DistError>,
    },
    /// A run's settings that cannot be split over the peers.
    #[error("cannot split the run over the peers: {detail}")]
    Unshardable {
        /// Which setting and why.
        detail: String,
    },
    /// Peer processes of `--peers N` could not be started or failed.
    #[error("peers of --peers: {detail}")]
    Peer {
        /// The (lowest) rank concerned.
        rank: usize,
        /// What happened, to every rank concerned.
        detail: String,
    },
    /// A tensor's data could not be read back (a dtype this engine does not reduce).
    #[error("{what}: only f32 tensors are reduced")]
    Data {
        /// What was read.
        what: &'static str,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_flag_or_the_rank() {
        assert!(DistError::RankOutOfRange { rank: 4, peers: 4 }.to_string().contains("--rank 4"));
        let t = DistError::Timeout { what: "all-reduce", after: Duration::from_secs(3) }.to_string();
        assert!(t.contains("3 s") && t.contains("--peer-timeout"), "{t}");
        let m = DistError::RankMismatch { duplicated: vec![1], missing: vec![2] }.to_string();
        assert!(m.contains("[1]") && m.contains("[2]"), "{m}");
        let b = DistError::Broken { first: Box::new(DistError::NoPeers) }.to_string();
        assert_eq!(b, "the distributed run stopped after an earlier failure: --peers must be at least 1");
        let p = DistError::Peer { rank: 1, detail: "failed: rank 1".into() }.to_string();
        assert_eq!(p, "peers of --peers: failed: rank 1");
    }
}
