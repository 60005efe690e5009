//! The distributed flags shared by `clasp train` and the hidden `clasp collective-check`:
//! `--peers N` alone runs N local processes; with `--rank R --coordinator HOST:PORT` this
//! process is one rank of a run over several processes or machines.

use super::engine::DistSpec;
use super::error::DistError;
use clap::Args;
use std::time::Duration;

/// Flags of a distributed run.
#[derive(Args, Debug, Clone, Default)]
pub struct DistArgs {
    /// Number of peers (processes) of a data-parallel run; alone, starts them on this machine.
    #[arg(long)]
    pub peers: Option<usize>,
    /// This process's rank in 0..peers (with --peers and --coordinator: one rank of a multi-node run).
    #[arg(long, requires_all = ["peers", "coordinator"])]
    pub rank: Option<usize>,
    /// HOST:PORT of the orchestrator; rank 0 starts it on PORT (every interface).
    #[arg(long, requires = "rank")]
    pub coordinator: Option<String>,
    /// This process's address as the other peers reach it.
    #[arg(long, default_value = "127.0.0.1", requires = "rank")]
    pub host: String,
    /// Port of this process's tensor service (default: the coordinator's port + 1 + rank).
    #[arg(long, requires = "rank")]
    pub data_port: Option<u16>,
    /// Seconds to wait for the other peers (joining, and each collective call) before failing.
    #[arg(long, default_value_t = 120.0)]
    pub peer_timeout: f64,
    /// Test hook of the dead-peer tests: rank RANK exits abruptly (status 70) at its N-th
    /// all-reduce.
    #[arg(long, hide = true, value_name = "RANK:N")]
    pub fault_exit: Option<String>,
}

/// What the flags ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum DistMode {
    /// No distributed flag: one process.
    Single,
    /// `--peers N` alone: start N ranks here.
    Launch(usize),
    /// `--rank R --peers N --coordinator …`: be one rank.
    Rank(DistSpec),
}

impl DistArgs {
    /// The mode, validated (rank range, addresses, timeout).
    pub fn mode(&self) -> Result<DistMode, DistError> {
        if self.peers.is_none() {
            return Ok(DistMode::Single);
        }
        if !(self.peer_timeout.is_finite() && self.peer_timeout > 0.0) {
            return Err(DistError::BadFlag {
                flag: "--peer-timeout",
                value: self.peer_timeout.to_string(),
                why: "expected a positive number of seconds".into(),
            });
        }
        let timeout = Duration::from_secs_f64(self.peer_timeout);
        let fault_exit = match &self.fault_exit {
            None => None,
            Some(v) => Some(parse_fault(v).ok_or_else(|| DistError::BadFlag {
                flag: "--fault-exit",
                value: v.clone(),
                why: "expected RANK:N".into(),
            })?),
        };
        match (self.peers, self.rank, &self.coordinator) {
            (None, _, _) => Ok(DistMode::Single),
            (Some(0), _, _) => Err(DistError::NoPeers),
            (Some(peers), None, _) => Ok(DistMode::Launch(peers)),
            (Some(peers), Some(rank), coordinator) => {
                let spec = DistSpec {
                    rank,
                    peers,
                    coordinator: coordinator.clone().unwrap_or_default(),
                    host: self.host.clone(),
                    data_port: self.data_port,
                    timeout,
                    fault_exit,
                };
                spec.validate()?;
                Ok(DistMode::Rank(spec))
            }
        }
    }
}

/// `RANK:N` of `--fault-exit`.
fn parse_fault(v: &str) -> Option<(usize, u64)> {
    let (r, n) = v.split_once(':')?;
    Some((r.parse().ok()?, n.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let base = DistArgs { host: "127.0.0.1".into(), peer_timeout: 5.0, ..Default::default() };
        assert_eq!(base.mode(), Ok(DistMode::Single));
        assert_eq!(DistArgs { peers: Some(3), ..base.clone() }.mode(), Ok(DistMode::Launch(3)));
        let rank = DistArgs { peers: Some(2), rank: Some(5), coordinator: Some("h:1".into()), ..base.clone() };
        assert_eq!(rank.mode(), Err(DistError::RankOutOfRange { rank: 5, peers: 2 }));
        assert!(DistArgs { peers: Some(2), peer_timeout: 0.0, ..base.clone() }.mode().is_err());
        assert_eq!(DistArgs { peer_timeout: 0.0, ..base.clone() }.mode(), Ok(DistMode::Single));
        let fault = |v: &str| DistArgs { peers: Some(2), fault_exit: Some(v.into()), ..base.clone() }.mode();
        assert!(matches!(fault("1:x"), Err(DistError::BadFlag { flag: "--fault-exit", .. })));
        let rank = DistArgs { rank: Some(1), coordinator: Some("h:1".into()), fault_exit: Some("1:5".into()), ..base };
        match (DistArgs { peers: Some(2), ..rank }).mode() {
            Ok(DistMode::Rank(spec)) => assert_eq!(spec.fault_exit, Some((1, 5))),
            other => panic!("{other:?}"),
        }
    }
}
