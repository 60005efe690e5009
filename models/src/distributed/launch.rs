//! `--peers N` on one machine: this process starts the N ranks as child processes of the same
//! executable with the same arguments plus `--rank R --coordinator 127.0.0.1:P --data-port Q`
//! (free loopback ports), and supervises them: when one fails, the others are killed and the
//! error names the rank; the run succeeds when all succeed.

use super::error::DistError;
use std::ffi::OsString;
use std::net::TcpListener;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// `n` distinct free TCP ports (held open together while choosing, so they differ).
pub fn free_ports(n: usize) -> Result<Vec<u16>, DistError> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind(("127.0.0.1", 0)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DistError::Peer { rank: 0, detail: format!("cannot pick a free port: {e}") })?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<Result<_, _>>()
        .map_err(|e| DistError::Peer { rank: 0, detail: format!("cannot pick a free port: {e}") })
}

/// The arguments of rank `rank`: `args` (this process's, without the program name) and the
/// rank's own flags.
fn rank_args(args: &[OsString], rank: usize, coordinator: u16, data_port: u16) -> Vec<OsString> {
    let mut out = args.to_vec();
    for (flag, value) in [
        ("--rank", rank.to_string()),
        ("--coordinator", format!("127.0.0.1:{coordinator}")),
        ("--data-port", data_port.to_string()),
    ] {
        out.push(flag.into());
        out.push(value.into());
    }
    out
}

/// Runs `peers` ranks of `args` (this process's arguments, without the program name) as child
/// processes and waits for all of them.
pub fn launch_local(peers: usize, args: &[OsString]) -> Result<(), DistError> {
    if peers == 0 {
        return Err(DistError::NoPeers);
    }
    let exe = std::env::current_exe()
        .map_err(|e| DistError::Peer { rank: 0, detail: format!("cannot find this executable: {e}") })?;
    let ports = free_ports(peers + 1)?;
    let mut children: Vec<(usize, Child)> = Vec::with_capacity(peers);
    for rank in 0..peers {
        match Command::new(&exe).args(rank_args(args, rank, ports[0], ports[rank + 1])).spawn() {
            Ok(child) => children.push((rank, child)),
            Err(e) => {
                kill_all(&mut children);
                return Err(DistError::Peer { rank, detail: format!("rank {rank} could not be started: {e}") });
            }
        }
    }
    supervise(children)
}

/// Waits until every child succeeded, or one failed: then the others get a moment to end on
/// their own (a rank that fails usually takes its peers down with a consequential error), the
/// rest are killed, and the error lists every failed rank with its exit status.
fn supervise(mut children: Vec<(usize, Child)>) -> Result<(), DistError> {
    let mut failed: Vec<(usize, String)> = Vec::new();
    let mut grace_until: Option<Instant> = None;
    while !children.is_empty() {
        let mut i = 0;
        while i < children.len() {
            match children[i].1.try_wait() {
                Ok(None) => i += 1,
                Ok(Some(status)) => {
                    let (rank, _) = children.swap_remove(i);
                    if !status.success() {
                        failed.push((rank, status.to_string()));
                    }
                }
                Err(e) => {
                    let (rank, _) = children.swap_remove(i);
                    failed.push((rank, format!("could not be waited for: {e}")));
                }
            }
        }
        if !failed.is_empty() {
            let until = *grace_until.get_or_insert_with(|| Instant::now() + Duration::from_secs(2));
            if Instant::now() >= until {
                kill_all(&mut children);
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if failed.is_empty() {
        return Ok(());
    }
    failed.sort();
    let list: Vec<String> = failed.iter().map(|(r, s)| format!("rank {r} ({s})")).collect();
    Err(DistError::Peer { rank: failed[0].0, detail: format!("failed: {}; their messages are above", list.join(", ")) })
}

fn kill_all(children: &mut [(usize, Child)]) {
    for (_, child) in children.iter_mut() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_and_rank_flags_appended() {
        let p = free_ports(5).unwrap();
        let mut q = p.clone();
        q.sort_unstable();
        q.dedup();
        assert_eq!(q.len(), 5);
        let a = rank_args(&["train".into(), "swav".into()], 1, 4000, 4002);
        let a: Vec<String> = a.iter().map(|s| s.to_string_lossy().into_owned()).collect();
        assert_eq!(a, ["train", "swav", "--rank", "1", "--coordinator", "127.0.0.1:4000", "--data-port", "4002"]);
    }
}
