//! Atomic report output on [`crate::io::output`]: the bytes go to `<path>.tmp`, are synced, and
//! the temporary file is then renamed over `path`, so a reader never sees a half-written plot or
//! report under its final name (a failed write removes the temporary file).

use super::ReportError;
use crate::io::output::WriteError;
use std::path::Path;

#[cfg(test)]
pub(crate) use crate::io::output::tmp_path;

impl From<WriteError> for ReportError {
    fn from(e: WriteError) -> Self {
        ReportError::Io { path: e.path, source: e.source }
    }
}

/// Writes `bytes` to `path` through `<path>.tmp` and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    Ok(crate::io::output::write_atomic(path, bytes)?)
}

/// Writes `value` to `path` as pretty-printed JSON followed by a newline, atomically (through
/// `<path>.tmp` and a rename).
pub fn write_json_atomic(path: &Path, value: &serde_json::Value) -> Result<(), ReportError> {
    let text = crate::io::output::json_text(value).map_err(|e| ReportError::InvalidReport(e.to_string()))?;
    write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testutil::TempDir;
    use std::fs;

    #[test]
    fn json_is_pretty_and_complete() {
        let dir = TempDir::new("atomic");
        let path = dir.path().join("r.json");
        let value = serde_json::json!({"seed": 7, "pipelines": [{"name": "a"}]});
        write_json_atomic(&path, &value).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("}\n") && text.contains("\n  \"seed\": 7"), "{text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), value);
        assert!(!tmp_path(&path).exists());
        // Overwriting replaces the file.
        write_json_atomic(&path, &serde_json::json!([1])).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "[\n  1\n]\n");
    }

    #[test]
    fn unwritable_target_is_an_io_error_and_leaves_nothing() {
        let dir = TempDir::new("atomic-missing");
        let path = dir.path().join("no-such-dir").join("r.json");
        let err = write_json_atomic(&path, &serde_json::json!({})).unwrap_err();
        assert!(matches!(err, ReportError::Io { .. }), "{err}");
        assert!(!path.exists() && !tmp_path(&path).exists());
    }
}
