//! Output files of the command line: checked before any work, written atomically.
//!
//! [`prepare_output`] runs first in every command: the output must not be one of the inputs
//! (writing the JSON report over `--data` destroyed it), must not be a folder, and its folder
//! must exist and accept a file (tried by creating and removing `<out>.tmp`), so a bad `--out`
//! fails in milliseconds instead of after the fit. [`write_atomic`] writes `<out>.tmp`, syncs it
//! and renames it over `out`: an interrupted run never leaves a half-written file under the
//! final name.

use crate::{Error, Result};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `path` with `.tmp` appended to its file name (`run/report.html` → `run/report.html.tmp`).
pub fn tmp_path(path: &Path) -> PathBuf {
    let mut name = OsString::from(path.as_os_str());
    name.push(".tmp");
    PathBuf::from(name)
}

/// Why `--out` cannot be written (found by [`prepare_output`] before any work).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output is a folder.
    #[error("--out {} is a folder; give a file name", out.display())]
    Folder {
        /// The output path.
        out: PathBuf,
    },
    /// The output is one of the command's inputs.
    #[error("--out {} is the input file {}; refusing to overwrite it", out.display(), input.display())]
    Input {
        /// The output path.
        out: PathBuf,
        /// The input it names.
        input: PathBuf,
    },
    /// The output's folder does not exist.
    #[error("--out {}: the folder {} does not exist", out.display(), folder.display())]
    NoFolder {
        /// The output path.
        out: PathBuf,
        /// Its folder.
        folder: PathBuf,
    },
    /// No file can be created in the output's folder.
    #[error("--out {}: cannot write in {}: {source}", out.display(), folder.display())]
    NotWritable {
        /// The output path.
        out: PathBuf,
        /// Its folder.
        folder: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// Checks that `out` can be written and is none of `inputs` (see the module docs). Call it
/// before reading the data.
pub fn prepare_output(out: &Path, inputs: &[&Path]) -> Result<()> {
    if out.is_dir() {
        return Err(OutputError::Folder { out: out.into() }.into());
    }
    if let Ok(target) = fs::canonicalize(out) {
        for input in inputs {
            if fs::canonicalize(input).is_ok_and(|i| i == target) {
                return Err(OutputError::Input { out: out.into(), input: input.into() }.into());
            }
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(OutputError::NoFolder { out: out.into(), folder: parent.into() }.into());
    }
    let probe = tmp_path(out);
    File::create(&probe).map_err(|source| OutputError::NotWritable {
        out: out.into(),
        folder: parent.into(),
        source,
    })?;
    fs::remove_file(&probe).map_err(|e| Error::io(&probe, e))
}

/// A failed write: the file being written and the operating system's error.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct WriteError {
    /// The temporary or final file.
    pub path: PathBuf,
    /// What went wrong.
    pub source: std::io::Error,
}

/// Writes `bytes` to `path` through `<path>.tmp`, a sync and a rename; on failure the
/// temporary file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let tmp = tmp_path(path);
    let written = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(source) = written {
        let _ = fs::remove_file(&tmp);
        return Err(WriteError { path: tmp, source });
    }
    fs::rename(&tmp, path).map_err(|source| {
        let _ = fs::remove_file(&tmp);
        WriteError { path: path.to_path_buf(), source }
    })
}

/// `value` as pretty JSON followed by a newline: the text of every JSON file clasp writes.
pub fn json_text<S: serde::Serialize + ?Sized>(value: &S) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Writes [`json_text`] of `value` to `path`, atomically.
pub fn write_json_atomic<S: serde::Serialize + ?Sized>(path: &Path, value: &S) -> Result<()> {
    let text = json_text(value).map_err(Error::JsonValue)?;
    Ok(write_atomic(path, text.as_bytes())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("clasp-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn refuses_inputs_folders_and_missing_folders() {
        let d = scratch("prepare");
        let data = d.join("x.csv");
        fs::write(&data, "1,2\n").unwrap();
        let err = prepare_output(&data, &[&data]).unwrap_err().to_string();
        assert!(err.contains("refusing to overwrite"), "{err}");
        // The same file through another spelling of the path.
        let err = prepare_output(&d.join(".").join("x.csv"), &[&data]).unwrap_err().to_string();
        assert!(err.contains("input file"), "{err}");
        assert!(prepare_output(&d, &[]).unwrap_err().to_string().contains("is a folder"));
        assert!(prepare_output(&d.join("nope/out.json"), &[]).unwrap_err().to_string().contains("does not exist"));
        prepare_output(&d.join("out.json"), &[&data]).unwrap();
        assert!(!tmp_path(&d.join("out.json")).exists() && !d.join("out.json").exists());
        assert_eq!(fs::read_to_string(&data).unwrap(), "1,2\n");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn atomic_write_replaces_whole_files_only() {
        let d = scratch("atomic");
        let p = d.join("r.json");
        write_json_atomic(&p, &serde_json::json!({"a": 1})).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "{\n  \"a\": 1\n}\n");
        assert!(!tmp_path(&p).exists());
        // A rename that cannot happen (the target is a non-empty folder) leaves no temporary file.
        fs::create_dir_all(d.join("dir/x")).unwrap();
        assert!(write_atomic(&d.join("dir"), b"x").is_err());
        assert!(!tmp_path(&d.join("dir")).exists());
        fs::remove_dir_all(&d).unwrap();
    }
}
