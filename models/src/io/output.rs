//! Output files of the command line: checked before any work, written atomically.
//!
//! [`prepare_output`] runs first in every command: the output must not be one of the inputs
//! (writing the JSON report over `--data` destroyed it), must not be a folder, and its folder
//! must exist and accept a file (tried by creating and removing `<out>.tmp`), so a bad `--out`
//! fails in milliseconds instead of after the fit. [`write_atomic`] writes `<out>.tmp`, syncs it
//! and renames it over `out`: an interrupted run never leaves a half-written file under the
//! final name.

use super::io_err;
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

/// Checks that `out` can be written and is none of `inputs` (see the module docs). Call it
/// before reading the data.
pub fn prepare_output(out: &Path, inputs: &[&Path]) -> Result<(), String> {
    let shown = out.display();
    if out.is_dir() {
        return Err(format!("--out {shown} is a folder; give a file name"));
    }
    if let Ok(target) = fs::canonicalize(out) {
        for input in inputs {
            if fs::canonicalize(input).is_ok_and(|i| i == target) {
                return Err(format!("--out {shown} is the input file {}; refusing to overwrite it", input.display()));
            }
        }
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(format!("--out {shown}: the folder {} does not exist", parent.display()));
    }
    let probe = tmp_path(out);
    File::create(&probe).map_err(|e| format!("--out {shown}: cannot write in {}: {e}", parent.display()))?;
    fs::remove_file(&probe).map_err(|e| io_err(&probe, e))
}

/// A failed write: the file being written and the operating system's error.
#[derive(Debug)]
pub struct WriteError {
    /// The temporary or final file.
    pub path: PathBuf,
    /// What went wrong.
    pub source: std::io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.source)
    }
}

impl std::error::Error for WriteError {}

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

/// Writes [`json_text`] of `value` to `path`, atomically (the command-line form: the error is
/// one line of text).
pub fn write_json_atomic<S: serde::Serialize + ?Sized>(path: &Path, value: &S) -> Result<(), String> {
    let text = json_text(value).map_err(|e| e.to_string())?;
    write_atomic(path, text.as_bytes()).map_err(|e| e.to_string())
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
        let err = prepare_output(&data, &[&data]).unwrap_err();
        assert!(err.contains("refusing to overwrite"), "{err}");
        // The same file through another spelling of the path.
        let err = prepare_output(&d.join(".").join("x.csv"), &[&data]).unwrap_err();
        assert!(err.contains("input file"), "{err}");
        assert!(prepare_output(&d, &[]).unwrap_err().contains("is a folder"));
        assert!(prepare_output(&d.join("nope/out.json"), &[]).unwrap_err().contains("does not exist"));
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
