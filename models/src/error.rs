//! The crate's error type. Every variant displays as the one line the command line prints after
//! `clasp: ` — naming the file, flag, step or data set at fault — and keeps the typed error it
//! wraps as its [`source`](std::error::Error::source).
//!
//! The layers with a domain of their own keep their own error enums ([`DataError`],
//! [`GraphError`], [`ReportError`], [`MetricError`], [`TableError`], …); they convert into
//! [`Error`] with `?` and print unchanged.

use crate::data::DataError;
use crate::graph::GraphError;
use crate::io::{BundledError, OutputError, TableError, WriteError};
use crate::metrics::MetricError;
use crate::report::ReportError;
use std::path::PathBuf;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a clasp command, pipeline or benchmark failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading, writing, creating or removing a file or folder failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A JSON file does not hold what it should (bad syntax, a missing or mistyped field).
    #[error("{}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What serde_json found.
        source: serde_json::Error,
    },
    /// A value could not be converted to or from JSON in memory (a report entry, a line
    /// printed by a reference script).
    #[error("{0}")]
    JsonValue(#[source] serde_json::Error),
    /// A data file (`.npy` or delimited text) does not hold a usable table of numbers.
    #[error("{}: {source}", path.display())]
    Table {
        /// The file (or the name of a bundled data set's file).
        path: PathBuf,
        /// What is wrong with its contents.
        source: TableError,
    },
    /// A file's contents do not fit what the command needs (a mask of the wrong size, a
    /// trained-model directory without a complete checkpoint, an empty pairs CSV, …).
    #[error("{}: {message}", path.display())]
    InvalidFile {
        /// The file or folder.
        path: PathBuf,
        /// What is wrong, without the path.
        message: String,
    },
    /// An image (or a mask) could not be decoded.
    #[error("{what}: cannot decode the {kind}: {source}")]
    ImageDecode {
        /// The image's file or name.
        what: String,
        /// `image` or `mask`.
        kind: &'static str,
        /// The decoder's error.
        source: image::ImageError,
    },
    /// A DICOM file cannot be parsed (not DICOM, truncated, a malformed element).
    #[error("{}: not a readable DICOM file: {}", path.display(), chain(source.as_ref()))]
    Dicom {
        /// The file.
        path: PathBuf,
        /// The DICOM parser's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A DICOM file in a transfer syntax whose pixel data clasp does not decode (a compressed,
    /// encapsulated one: JPEG, JPEG 2000, RLE, …).
    #[error(
        "{}: DICOM transfer syntax {name} ({uid}) is not supported: only native (uncompressed) pixel data is read \
         (Implicit VR Little Endian, Explicit VR Little or Big Endian, Deflated Explicit VR Little Endian); \
         decompress the file first (e.g. `gdcmconv --raw` or `dcmdjpeg`)",
        path.display()
    )]
    DicomTransferSyntax {
        /// The file.
        path: PathBuf,
        /// The transfer syntax UID of its file meta group.
        uid: String,
        /// The syntax's name (`unknown` when the UID is not a known one).
        name: String,
    },
    /// An image could not be encoded or written.
    #[error("{what}: {source}")]
    ImageEncode {
        /// The file or figure being written.
        what: String,
        /// The encoder's error.
        source: image::ImageError,
    },
    /// The output file of a command cannot be written (checked before any work).
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A bundled data file is unknown, or missing from the folder `CLASP_DATA` names.
    #[error(transparent)]
    Bundled(#[from] BundledError),
    /// An image or video data set could not be loaded.
    #[error(transparent)]
    Data(#[from] DataError),
    /// An attributed graph could not be loaded or generated.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A plot or report page could not be drawn or written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A metric cannot be computed on its inputs.
    #[error(transparent)]
    Metric(#[from] MetricError),
    /// An embedding evaluation (k-means, linear probe, k-NN) cannot be computed.
    #[cfg(feature = "train")]
    #[error(transparent)]
    Eval(#[from] crate::eval::EvalError),
    /// `clasp-core` rejected its input or failed numerically.
    #[error(transparent)]
    Core(#[from] clasp_core::Error),
    /// A `clasp-backends` device kernel failed.
    #[cfg(any(feature = "train", feature = "device-cpu"))]
    #[error(transparent)]
    Backend(#[from] clasp_backends::Error),
    /// The distributed engine, its launcher or a data-parallel run.
    #[error(transparent)]
    #[cfg(feature = "train")]
    Dist(#[from] crate::distributed::DistError),
    /// An error with the step or input it happened in put before it (`gmm: …`,
    /// `pamc: k-means: …`, `--data x: …`).
    #[error("{context}: {source}")]
    Context {
        /// The step or input.
        context: String,
        /// The error.
        source: Box<Error>,
    },
    /// A name that is not one of the known ones (pipeline, profile, device, workload, …).
    #[error("unknown {what} `{name}` ({expected})")]
    Unknown {
        /// What kind of name (`pipeline`, `device`, …).
        what: &'static str,
        /// The name given.
        name: String,
        /// The names expected, or where to find them.
        expected: String,
    },
    /// A command-line flag whose value cannot be used, or that conflicts with another flag.
    #[error("{flag} {reason}")]
    InvalidArgument {
        /// The flag (`--out`, `--device`, …).
        flag: &'static str,
        /// Why, following the flag (`x is a folder; give a file name`, `must differ from --seed`).
        reason: String,
    },
    /// A request this run cannot carry out: `--resume` for a pipeline that keeps no checkpoint,
    /// a pipeline or device this binary was built without, a `--data` that is no source.
    #[error("{0}")]
    Usage(String),
    /// A parameter or configuration value out of its domain (from `--config`, a resumed run, a
    /// preset or a flag).
    #[error("{0}")]
    InvalidConfig(String),
    /// Input data a step cannot use: sizes that do not fit, missing labels, too few pairs,
    /// classes or points, nothing to draw.
    #[error("{0}")]
    InvalidInput(String),
    /// A run that needs more memory than the machine has (refused before allocating).
    #[error("{command}: {message}")]
    TooLarge {
        /// The command (`gmm`, `kmeans`, …).
        command: String,
        /// The estimate, what it counts and what to do instead.
        message: String,
    },
    /// A NaN or infinity in something a model computed.
    #[error("the {what} holds non-finite values")]
    NonFinite {
        /// What holds it (`embedding`, `clip embedding`).
        what: &'static str,
    },
    /// A child process (the reference-library script `peers.py`) could not be run or read.
    #[error("{what}: {source}")]
    Process {
        /// What was being done.
        what: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A reference script (`peers.py`, `steps.py`) failed or printed something unusable.
    #[error("{0}")]
    Peers(String),
    /// A thread pool of the requested size could not be started.
    #[error("cannot start {threads} threads: {source}")]
    ThreadPool {
        /// The number of threads asked for.
        threads: usize,
        /// rayon's error.
        source: rayon::ThreadPoolBuildError,
    },
    /// The configuration of a run (`--config`, or `config.json` when resuming) cannot be read.
    #[cfg(feature = "train")]
    #[error("{}: {why}: {source}", path.display())]
    ConfigRead {
        /// The file.
        path: PathBuf,
        /// Why it was read (`--config`, `cannot resume`).
        why: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The configuration of a run is not a valid configuration of its pipeline.
    #[cfg(feature = "train")]
    #[error("{}: {why}: not a valid {what} configuration: {source}", path.display())]
    ConfigParse {
        /// The file.
        path: PathBuf,
        /// Why it was read (`--config`, `cannot resume`).
        why: &'static str,
        /// The pipeline whose configuration it should be.
        what: String,
        /// What serde_json found.
        source: serde_json::Error,
    },
    /// A pipeline configuration file (burn's `Config`) cannot be loaded.
    #[cfg(feature = "train")]
    #[error("{}: {source}", path.display())]
    BurnConfig {
        /// The file.
        path: PathBuf,
        /// burn's error.
        source: burn::config::ConfigError,
    },
    /// A directory is not the output of `clasp train` (it has no readable `run.json`).
    #[cfg(feature = "train")]
    #[error("{}: not a trained model directory ({source})", path.display())]
    NotAModel {
        /// The `run.json` looked for.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// burn could not save or load a model or an optimiser state.
    #[cfg(feature = "train")]
    #[error("{}: {source:?}", path.display())]
    Record {
        /// The model or checkpoint directory.
        path: PathBuf,
        /// burn's recorder error.
        source: burn::record::RecorderError,
    },
    /// A tensor could not be read back from the device.
    #[cfg(feature = "train")]
    #[error("tensor read-back failed: {0:?}")]
    TensorRead(#[source] burn::tensor::DataError),
    /// Training diverged.
    #[cfg(feature = "train")]
    #[error("training diverged: the loss is {loss}")]
    Diverged {
        /// The non-finite loss.
        loss: f64,
    },
    /// An invariant of clasp itself does not hold (a report entry that is not a JSON object, a
    /// poisoned lock, a benchmark that timed nothing): a bug, not a problem of the input.
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }

    /// A table error in the file `path`.
    pub(crate) fn table(path: impl Into<PathBuf>, source: impl Into<TableError>) -> Self {
        Error::Table { path: path.into(), source: source.into() }
    }

    /// A problem with the contents of `path`.
    pub(crate) fn invalid_file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::InvalidFile { path: path.into(), message: message.into() }
    }

    /// A burn recorder error on the model or checkpoint directory `path`.
    #[cfg(feature = "train")]
    pub(crate) fn record(path: impl Into<PathBuf>, source: burn::record::RecorderError) -> Self {
        Error::Record { path: path.into(), source }
    }

    /// This error with `context` put before it.
    pub fn context(self, context: impl Into<String>) -> Self {
        Error::Context { context: context.into(), source: Box::new(self) }
    }
}

/// An error and its sources, `: `-separated (the DICOM parser's own messages are terse and put
/// the detail in the chain).
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        next = cause.source();
    }
    s
}

impl From<WriteError> for Error {
    fn from(e: WriteError) -> Self {
        Error::Io { path: e.path, source: e.source }
    }
}

/// For `str::parse` of the data sources that accept every word.
impl From<std::convert::Infallible> for Error {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

/// [`Error::Context`] for results: `fit.context("gmm")?`.
pub(crate) trait Context<T> {
    /// The error, if any, with `context` put before it.
    fn context(self, context: impl Into<String>) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| e.into().context(context))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_those_of_the_wrapped_errors_with_their_context() {
        let io = Error::io("a/b.csv", std::io::Error::other("boom"));
        assert_eq!(io.to_string(), "a/b.csv: boom");
        let core = Error::from(clasp_core::Error::Empty { what: "x" });
        let wrapped: Result<()> = Err::<(), _>(core).context("gmm").context("outer");
        let e = wrapped.unwrap_err();
        assert_eq!(e.to_string(), format!("outer: gmm: {}", clasp_core::Error::Empty { what: "x" }));
        assert!(std::error::Error::source(&e).is_some());
        let unknown = Error::Unknown { what: "device", name: "tpu".into(), expected: "expected cpu".into() };
        assert_eq!(unknown.to_string(), "unknown device `tpu` (expected cpu)");
    }

    #[test]
    fn errors_cross_threads() {
        fn send_sync<T: Send + Sync + 'static>() {}
        send_sync::<Error>();
    }
}
