//! The one collective engine of a distributed run: a peer registered with burn's collective
//! operations (`burn-collective` 0.21, global mode: one device per process, processes and nodes
//! joined through its orchestrator over WebSocket), through which every sum crosses the peers —
//! the core's `AllReduce` hook (sharded Sinkhorn), the synchronised batch norm and the gradients.
//!
//! burn's calls block without a deadline, and a peer that dies can leave the others waiting
//! forever (in its barrier) — so every call runs on a helper thread and is waited for with the
//! run's timeout. The first failure (timeout, lost peer, mismatch) is recorded and every later
//! call fails at once with it: the run stops with a clear error instead of hanging.

use super::error::DistError;
use super::orchestrator::Orchestrator;
use burn::prelude::*;
use burn::tensor::TensorPrimitive;
use burn_collective::{AllReduceStrategy, CollectiveConfig, CollectiveError, PeerId, ReduceOperation};
use std::fmt;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Where a peer joins a distributed run (the `--rank/--peers/--coordinator` flags).
#[derive(Clone, Debug, PartialEq)]
pub struct DistSpec {
    /// This peer's rank, `0..peers`; rank 0 hosts the orchestrator and writes the outputs.
    pub rank: usize,
    /// Number of peers (processes) in the run.
    pub peers: usize,
    /// The orchestrator's `host:port` (rank 0 starts it on that port).
    pub coordinator: String,
    /// This peer's address as the other peers reach it.
    pub host: String,
    /// Port of this peer's tensor service (default: the coordinator's port + 1 + rank).
    pub data_port: Option<u16>,
    /// Longest wait for the other peers, at the start (all joining) and in every call.
    pub timeout: Duration,
    /// The test hook of the dead-peer tests (the hidden `--fault-exit RANK:N`): that rank
    /// exits abruptly (status 70, no goodbye to its peers) at its N-th all-reduce.
    pub fault_exit: Option<(usize, u64)>,
}

impl DistSpec {
    /// Checks the rank against the peer count and parses the addresses; returns the
    /// orchestrator's port and this peer's data port.
    pub fn validate(&self) -> Result<(u16, u16), DistError> {
        if self.peers == 0 {
            return Err(DistError::NoPeers);
        }
        if self.rank >= self.peers {
            return Err(DistError::RankOutOfRange { rank: self.rank, peers: self.peers });
        }
        let bad =
            |why: &str| DistError::BadFlag { flag: "--coordinator", value: self.coordinator.clone(), why: why.into() };
        let (host, port) = self.coordinator.rsplit_once(':').ok_or_else(|| bad("expected HOST:PORT"))?;
        if host.is_empty() {
            return Err(bad("the host is empty"));
        }
        let port: u16 = port.parse().map_err(|_| bad("the port is not a number in 1..65535"))?;
        if port == 0 {
            return Err(bad("the port is not a number in 1..65535"));
        }
        if self.host.is_empty() || self.host.contains('/') {
            return Err(DistError::BadFlag {
                flag: "--host",
                value: self.host.clone(),
                why: "expected a host name or IP".into(),
            });
        }
        let data_port = match self.data_port {
            Some(p) => p,
            None => u16::try_from(usize::from(port) + 1 + self.rank).map_err(|_| DistError::BadFlag {
                flag: "--data-port",
                value: "(default)".into(),
                why: "the coordinator's port + 1 + rank exceeds 65535; give --data-port".into(),
            })?,
        };
        Ok((port, data_port))
    }
}

/// Floats and calls that crossed the engine (for the benchmark: bytes per step).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// All-reduce calls.
    pub calls: u64,
    /// f32 elements all-reduced (each call's tensor size).
    pub floats: u64,
}

impl Traffic {
    /// Bytes all-reduced (4 per f32 element).
    pub fn bytes(&self) -> u64 {
        self.floats * 4
    }
}

/// Ends this process abruptly at all-reduce `calls` if `fault_exit` ([`DistSpec::fault_exit`])
/// names it.
fn fault_exit(at: Option<(usize, u64)>, rank: usize, calls: u64) {
    if at == Some((rank, calls)) {
        eprintln!("clasp (rank {rank}): --fault-exit: exiting at all-reduce {calls}");
        std::process::exit(70);
    }
}

struct Inner<B: Backend> {
    rank: usize,
    peers: usize,
    device: B::Device,
    timeout: Duration,
    failure: Mutex<Option<DistError>>,
    traffic: Mutex<Traffic>,
    /// The injected crash of the dead-peer tests, if any ([`DistSpec::fault_exit`]).
    fault_exit: Option<(usize, u64)>,
    /// The orchestrator child process rank 0 runs (dropped, i.e. stopped, with the engine).
    _orchestrator: Option<Orchestrator>,
}

/// A peer of a distributed run on inner backend `B` (cheap to clone: one shared peer).
pub struct Collective<B: Backend> {
    inner: Arc<Inner<B>>,
}

impl<B: Backend> Clone for Collective<B> {
    fn clone(&self) -> Self {
        Self { inner: Arc::clone(&self.inner) }
    }
}

impl<B: Backend> fmt::Debug for Collective<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Collective(rank {} of {})", self.inner.rank, self.inner.peers)
    }
}

/// What burn's collective errors mean for a user (its global errors are matched by name: their
/// type is private to burn-collective).
fn explain(e: &CollectiveError) -> String {
    let lost = "a connection to a peer failed: a peer died or is unreachable";
    match e {
        CollectiveError::LocalServerMissing => format!("the collective service of this process stopped ({lost})"),
        CollectiveError::AllReduceShapeMismatch => {
            "the peers sent tensors of different shapes (different configurations or models?)".into()
        }
        CollectiveError::Global(g) => {
            let name = format!("{g:?}");
            let why = if name.starts_with("RegisterParamsMismatch") {
                "the peers were started with different --peers".to_string()
            } else if name.starts_with("DoubleRegister") {
                "two peers registered the same address (each needs its own --host/--data-port)".into()
            } else if name.starts_with("PeerLost") {
                lost.into()
            } else if name.starts_with("PeerSentIncoherentTensor") {
                "the peers sent tensors of different shapes (different configurations or models?)".into()
            } else {
                return format!("burn-collective: {name}");
            };
            format!("{why} (burn-collective: {name})")
        }
        other => format!("burn-collective: {other:?}"),
    }
}

impl<B: Backend> Collective<B> {
    /// One process, no peers: every all-reduce is the identity.
    pub fn solo(device: B::Device) -> Self {
        let spec = DistSpec {
            rank: 0,
            peers: 1,
            coordinator: String::new(),
            host: String::new(),
            data_port: None,
            timeout: Duration::from_secs(1),
            fault_exit: None,
        };
        Self::new(&spec, device, None)
    }

    fn new(spec: &DistSpec, device: B::Device, orch: Option<Orchestrator>) -> Self {
        Self {
            inner: Arc::new(Inner {
                rank: spec.rank,
                peers: spec.peers,
                device,
                timeout: spec.timeout,
                failure: Mutex::new(None),
                traffic: Mutex::new(Traffic::default()),
                fault_exit: spec.fault_exit,
                _orchestrator: orch,
            }),
        }
    }

    /// Joins the run `spec` describes on `device`: rank 0 starts the orchestrator (a child
    /// `clasp orchestrator` process of this executable), every peer registers, then one
    /// all-reduce checks that the ranks are exactly `0..peers` and that every peer hashed its
    /// run (configuration, data, seed) to the same `fingerprint`. `peers == 1` joins nothing.
    pub fn join(spec: &DistSpec, device: B::Device, fingerprint: u64) -> Result<Self, DistError> {
        let (port, data_port) = spec.validate()?;
        if spec.peers == 1 {
            return Ok(Self::solo(device));
        }
        super::logging::quiet_collective_logs(&format!("rank {}", spec.rank), log::LevelFilter::Warn);
        let orch = if spec.rank == 0 { Some(Orchestrator::spawn(port, spec.timeout)?) } else { None };
        let coord_host = spec.coordinator.rsplit_once(':').map_or("", |(h, _)| h);
        let bad =
            |flag: &'static str, value: String| DistError::BadFlag { flag, value, why: "not a valid address".into() };
        let global = format!("ws://{coord_host}:{port}");
        let node = format!("ws://{}:{data_port}", spec.host);
        let config = CollectiveConfig::default()
            .with_num_devices(1)
            .with_num_nodes(spec.peers as u32)
            .with_global_address(global.parse().map_err(|_| bad("--coordinator", global.clone()))?)
            .with_node_address(node.parse().map_err(|_| bad("--host", node.clone()))?)
            .with_data_service_port(data_port)
            .with_global_all_reduce_strategy(AllReduceStrategy::Tree(2));
        let engine = Self::new(spec, device.clone(), orch);
        let peer = PeerId::from(spec.rank);
        engine.call("joining the peers (register)", move || burn_collective::register::<B>(peer, device, config))?;
        engine.handshake(fingerprint)?;
        Ok(engine)
    }

    /// The ranks are `0..peers`, each once, and the fingerprints agree (one all-reduce).
    fn handshake(&self, fingerprint: u64) -> Result<(), DistError> {
        let n = self.inner.peers;
        let mut buf = vec![0.0f32; n + 16];
        buf[self.inner.rank] = 1.0;
        put_fingerprint(&mut buf[n..], fingerprint);
        self.all_reduce_host("the start-up handshake", &mut buf)?;
        let duplicated: Vec<usize> = (0..n).filter(|&r| buf[r] > 1.5).collect();
        let missing: Vec<usize> = (0..n).filter(|&r| buf[r] < 0.5).collect();
        if !duplicated.is_empty() || !missing.is_empty() {
            return self.fail(DistError::RankMismatch { duplicated, missing });
        }
        if !fingerprints_agree(&buf[n..], n) {
            return self.fail(DistError::Disagreement {
                what: "the run (configuration, data or seed): start every rank with the same flags and data",
            });
        }
        Ok(())
    }

    /// Whether all peers hold the same `value` (one all-reduce); an error if not.
    pub fn agree(&self, what: &'static str, value: u64) -> Result<(), DistError> {
        if self.inner.peers == 1 {
            return Ok(());
        }
        let mut buf = [0.0f32; 16];
        put_fingerprint(&mut buf, value);
        self.all_reduce_host(what, &mut buf)?;
        if fingerprints_agree(&buf, self.inner.peers) { Ok(()) } else { self.fail(DistError::Disagreement { what }) }
    }

    /// This peer's rank.
    pub fn rank(&self) -> usize {
        self.inner.rank
    }

    /// Number of peers.
    pub fn peers(&self) -> usize {
        self.inner.peers
    }

    /// The device the engine's tensors live on.
    pub fn device(&self) -> &B::Device {
        &self.inner.device
    }

    /// Calls and floats all-reduced so far.
    pub fn traffic(&self) -> Traffic {
        *self.inner.traffic.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The first failure of this engine, if any (a failure inside a backward pass, where no
    /// error can be returned, is reported here).
    pub fn check(&self) -> Result<(), DistError> {
        match self.inner.failure.lock().unwrap_or_else(PoisonError::into_inner).clone() {
            Some(first) => Err(DistError::Broken { first: Box::new(first) }),
            None => Ok(()),
        }
    }

    /// The error to report for a core call that failed while this engine was its all-reduce:
    /// the engine's own failure when it has one (the real cause), else the core's error.
    pub fn blame(&self, e: clasp_core::Error) -> crate::Error {
        match self.check() {
            Err(d) => d.into(),
            Ok(()) => e.into(),
        }
    }

    fn fail<T>(&self, e: DistError) -> Result<T, DistError> {
        let mut slot = self.inner.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(e.clone());
        }
        Err(e)
    }

    /// Runs one blocking collective call on a helper thread and waits at most the timeout.
    fn call<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce() -> Result<T, CollectiveError> + Send + 'static,
    ) -> Result<T, DistError> {
        self.check()?;
        let (tx, rx) = mpsc::sync_channel(1);
        let started = std::thread::Builder::new().name("clasp-collective".into()).spawn(move || {
            // The receiver is gone only after a timeout, when nobody needs the answer.
            let _ = tx.send(f());
        });
        if started.is_err() {
            return self.fail(DistError::Collective { what, detail: "cannot start a thread".into() });
        }
        let e = match rx.recv_timeout(self.inner.timeout) {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => DistError::Collective { what, detail: explain(&e) },
            Err(RecvTimeoutError::Timeout) => DistError::Timeout { what, after: self.inner.timeout },
            Err(RecvTimeoutError::Disconnected) => DistError::Collective {
                what,
                detail: "the collective call panicked (a connection to a peer failed: a peer died or is unreachable)"
                    .into(),
            },
        };
        self.fail(e)
    }

    /// Σ over peers of a float tensor primitive (every peer gets the sum).
    pub fn all_reduce_primitive(
        &self,
        what: &'static str,
        x: B::FloatTensorPrimitive,
    ) -> Result<B::FloatTensorPrimitive, DistError> {
        if self.inner.peers == 1 {
            return Ok(x);
        }
        let calls = {
            let shape = burn::tensor::TensorMetadata::shape(&x);
            let mut t = self.inner.traffic.lock().unwrap_or_else(PoisonError::into_inner);
            t.calls += 1;
            t.floats += shape.num_elements() as u64;
            t.calls
        };
        fault_exit(self.inner.fault_exit, self.inner.rank, calls);
        let peer = PeerId::from(self.inner.rank);
        self.call(what, move || burn_collective::all_reduce::<B>(peer, x, ReduceOperation::Sum))
    }

    /// Σ over peers of `x` (every peer gets the sum).
    pub fn all_reduce_sum<const D: usize>(
        &self,
        what: &'static str,
        x: Tensor<B, D>,
    ) -> Result<Tensor<B, D>, DistError> {
        let out = self.all_reduce_primitive(what, x.into_primitive().tensor())?;
        Ok(Tensor::from_primitive(TensorPrimitive::Float(out)))
    }

    /// Σ over peers of a host buffer, in place.
    pub fn all_reduce_host(&self, what: &'static str, buf: &mut [f32]) -> Result<(), DistError> {
        if self.inner.peers == 1 {
            return Ok(());
        }
        let t = Tensor::<B, 1>::from_data(TensorData::new(buf.to_vec(), [buf.len()]), &self.inner.device);
        let out = self.all_reduce_sum(what, t)?;
        let v = out.into_data().into_vec::<f32>().map_err(|_| DistError::Data { what })?;
        if v.len() != buf.len() {
            return self.fail(DistError::Collective { what, detail: "the sum came back with another length".into() });
        }
        buf.copy_from_slice(&v);
        Ok(())
    }

    /// Waits until every peer reached this point (a one-element all-reduce).
    pub fn barrier(&self, what: &'static str) -> Result<(), DistError> {
        self.all_reduce_host(what, &mut [1.0])
    }
}

/// Writes `value`'s 8 bytes b and their squares b² into `out[0..8]` and `out[8..16]`: summed
/// over n ≤ 256 peers these stay exact integers in f32 (≤ 256·255² < 2²⁴), and all peers hold
/// the same value iff n·Σb² = (Σb)² for every byte (equality in Cauchy–Schwarz).
fn put_fingerprint(out: &mut [f32], value: u64) {
    for (i, b) in value.to_le_bytes().into_iter().enumerate() {
        out[i] = f32::from(b);
        out[8 + i] = f32::from(b) * f32::from(b);
    }
}

/// See [`put_fingerprint`]: whether the n summed fingerprints were all equal.
fn fingerprints_agree(sums: &[f32], n: usize) -> bool {
    (0..8).all(|i| {
        let (s, q) = (f64::from(sums[i]), f64::from(sums[8 + i]));
        (n as f64 * q - s * s).abs() < 0.5
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_of(values: &[u64]) -> Vec<f32> {
        let mut total = vec![0.0f32; 16];
        for &v in values {
            let mut b = vec![0.0f32; 16];
            put_fingerprint(&mut b, v);
            total.iter_mut().zip(b).for_each(|(t, x)| *t += x);
        }
        total
    }

    #[test]
    fn fingerprints_agree_only_when_equal() {
        let v = 0xDEAD_BEEF_0123_4567;
        assert!(fingerprints_agree(&sum_of(&[v; 4]), 4));
        assert!(!fingerprints_agree(&sum_of(&[v, v, v, v ^ 1]), 4));
        // Same byte sums, different values: still told apart by the squares.
        assert!(!fingerprints_agree(&sum_of(&[1, 3, 2, 2]), 4));
        assert!(fingerprints_agree(&sum_of(&[u64::MAX; 256]), 256));
    }

    #[test]
    fn spec_validation_names_the_flag() {
        let spec = DistSpec {
            rank: 2,
            peers: 2,
            coordinator: "127.0.0.1:4000".into(),
            host: "127.0.0.1".into(),
            data_port: None,
            timeout: Duration::from_secs(1),
            fault_exit: None,
        };
        assert_eq!(spec.validate(), Err(DistError::RankOutOfRange { rank: 2, peers: 2 }));
        assert_eq!(DistSpec { rank: 1, ..spec.clone() }.validate(), Ok((4000, 4002)));
        let e = DistSpec { rank: 0, coordinator: "localhost".into(), ..spec.clone() }.validate();
        assert!(matches!(e, Err(DistError::BadFlag { flag: "--coordinator", .. })), "{e:?}");
        assert_eq!(DistSpec { peers: 0, ..spec }.validate(), Err(DistError::NoPeers));
    }

    #[test]
    fn solo_all_reduce_is_the_identity() {
        let engine = Collective::<burn::backend::Flex>::solo(Default::default());
        let mut buf = [1.0, 2.0];
        engine.all_reduce_host("test", &mut buf).unwrap();
        assert_eq!(buf, [1.0, 2.0]);
        assert_eq!(engine.traffic(), Traffic::default());
    }
}
