//! Runs a reference script (`shared/bench/peers.py`, `bench/torch/steps.py`) for one workload
//! in the same session and prints the ratio of each reference's time to clasp's (> 1 means
//! clasp is faster). A script is called as `SCRIPT WORKLOAD --threads N --repeat R` and prints
//! one JSON line per reference with `peer` and `ms_per_iter` or `ms_total` (and `n_iter`
//! where a run stops on its own: compared per pass).

use crate::{Error, Result};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// One reference's time beside clasp's on the same metric.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The reference's name as its script prints it.
    pub peer: String,
    /// The compared key (`ms_per_iter`, `ms_per_pass` or `ms_total`).
    pub metric: &'static str,
    /// The reference's time (ms).
    pub peer_ms: f64,
    /// clasp's time (ms).
    pub clasp_ms: f64,
}

impl Comparison {
    /// Peer time / clasp time (> 1: clasp is faster).
    pub fn ratio(&self) -> f64 {
        self.peer_ms / self.clasp_ms
    }
}

/// Runs the peer script for `workload`, prints one `ratio` JSON line per peer and returns the
/// comparisons.
pub fn compare(
    python: &str,
    script: &Path,
    workload: &str,
    repeat: usize,
    threads: usize,
    ours: &Value,
    quiet: bool,
) -> Result<Vec<Comparison>> {
    let mut child = Command::new(python)
        .arg(script)
        .arg(workload)
        .args(["--threads", &threads.to_string(), "--repeat", &repeat.to_string()])
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|source| Error::Process { what: format!("cannot run {python} {}", script.display()), source })?;
    let who = script.file_name().map_or_else(|| script.display().to_string(), |f| f.to_string_lossy().into_owned());
    let stdout = child.stdout.take().ok_or_else(|| Error::Peers(format!("{who}: no stdout")))?;
    // Line by line as the peers finish (the SDP references take minutes each), not at exit.
    let mut compared = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|source| Error::Process { what: format!("reading {who} output"), source })?;
        if line.trim().is_empty() {
            continue;
        }
        compared.push(report(workload, &who, &line, ours, quiet)?);
    }
    let status = child.wait().map_err(|source| Error::Process { what: format!("{who} {workload}"), source })?;
    if !status.success() {
        return Err(Error::Peers(format!("{who} {workload} failed ({status}); see its stderr above")));
    }
    if compared.is_empty() {
        return Err(Error::Peers(format!("{who} printed no result for `{workload}`")));
    }
    Ok(compared)
}

/// The compared metric and the two times (ms). Iterative runs that stop on their own (Lloyd's
/// unchanged assignment) are compared per pass, `ms_per_pass` = `ms_total` / `n_iter`: clasp
/// and the reference draw their data from different generators, so the same rule can stop
/// after a different number of passes; otherwise `ms_per_iter` when the reference reports it,
/// else `ms_total`.
fn compared_times(peer: &Value, ours: &Value) -> (&'static str, Option<f64>, Option<f64>) {
    if ours.get("ms_per_pass").is_some() {
        let theirs = peer["ms_total"].as_f64().zip(peer["n_iter"].as_f64()).map(|(t, n)| t / n.max(1.0));
        return ("ms_per_pass", theirs, ours["ms_per_pass"].as_f64());
    }
    let key = if peer.get("ms_per_iter").is_some() { "ms_per_iter" } else { "ms_total" };
    (key, peer[key].as_f64(), ours[key].as_f64())
}

/// Prints one peer line and the ratio line against clasp's record.
fn report(workload: &str, who: &str, line: &str, ours: &Value, quiet: bool) -> Result<Comparison> {
    let peer: Value =
        serde_json::from_str(line).map_err(|e| Error::JsonValue(e).context(format!("{who} printed `{line}`")))?;
    println!("{peer}");
    let (key, theirs, mine) = compared_times(&peer, ours);
    let (Some(theirs), Some(mine)) = (theirs, mine) else {
        return Err(Error::Peers(format!("cannot compare `{key}` between clasp and {}", peer["peer"])));
    };
    let ratio = json!({
        "workload": workload, "ratio": theirs / mine, "metric": key,
        "peer": peer["peer"], "peer_ms": theirs, "clasp_ms": mine,
    });
    println!("{ratio}");
    if !quiet {
        eprintln!("{workload}: clasp {mine:.4} ms vs {} {theirs:.4} ms ({key}) -> {:.2}x", peer["peer"], theirs / mine);
    }
    let name = peer["peer"].as_str().map_or_else(|| peer["peer"].to_string(), str::to_owned);
    Ok(Comparison { peer: name, metric: key, peer_ms: theirs, clasp_ms: mine })
}
