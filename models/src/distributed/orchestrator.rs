//! burn's global orchestrator (the rendezvous every peer registers with), run in its own
//! `clasp orchestrator --port P` child process of rank 0.
//!
//! Why a process and not a thread: burn's `start_global_orchestrator` installs Ctrl-C and
//! SIGTERM handlers (to shut itself down), which would stop Ctrl-C from ending the training
//! process that hosts it. The child reads its stdin until end-of-file, so it ends with its
//! parent however the parent ends (the pipe closes), and it is killed when dropped.

use super::error::DistError;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The line the child prints once it serves.
const READY: &str = "clasp-orchestrator-ready";

/// Entry of the hidden `clasp orchestrator` command: serves on `port` (every interface, as
/// burn binds) until stdin closes.
pub fn serve(port: u16) -> crate::Result<()> {
    super::logging::quiet_collective_logs("orchestrator", log::LevelFilter::Off);
    // burn only logs a failed bind; check it here so the parent gets an error.
    std::net::TcpListener::bind(("0.0.0.0", port))
        .map_err(|source| crate::Error::Process { what: format!("orchestrator port {port}"), source })?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|source| crate::Error::Process { what: "orchestrator runtime".into(), source })?;
    runtime.spawn(burn_collective::start_global_orchestrator(port));
    let mut out = std::io::stdout();
    writeln!(out, "{READY}")
        .and_then(|()| out.flush())
        .map_err(|source| crate::Error::Process { what: "orchestrator".into(), source })?;
    // Until the parent closes the pipe (exits, dies or drops the handle).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    Ok(())
}

/// A running orchestrator child; killed and reaped when dropped.
pub struct Orchestrator {
    child: Child,
}

impl Orchestrator {
    /// Starts `clasp orchestrator --port PORT` (this executable) and waits until it serves.
    pub fn spawn(port: u16, timeout: Duration) -> Result<Self, DistError> {
        let fail = |detail: String| DistError::Collective { what: "starting the orchestrator", detail };
        let exe = std::env::current_exe().map_err(|e| fail(format!("cannot find this executable: {e}")))?;
        let mut child = Command::new(exe)
            .args(["orchestrator", "--port", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| fail(e.to_string()))?;
        let stdout = child.stdout.take();
        let (tx, rx) = mpsc::channel();
        // Reads until the ready line (skipping anything else printed) or the end of the output.
        std::thread::spawn(move || {
            let ready =
                stdout.is_some_and(|out| BufReader::new(out).lines().any(|l| l.is_ok_and(|l| l.trim() == READY)));
            let _ = tx.send(ready);
        });
        let orch = Self { child };
        match rx.recv_timeout(timeout) {
            Ok(true) => Ok(orch),
            Ok(false) => Err(fail(format!("it exited (is port {port} of --coordinator in use?)"))),
            Err(_) => Err(fail(format!("not ready within {} s", timeout.as_secs_f64()))),
        }
    }
}

impl Drop for Orchestrator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
