//! The one error type of the data layer: every variant names the file or folder at fault and
//! prints as a single line saying what is wrong with it.

use std::fmt;
use std::path::PathBuf;

/// Why a data set could not be loaded.
#[derive(Debug)]
pub enum DataError {
    /// The path does not exist.
    NotFound {
        /// The missing file or folder.
        path: PathBuf,
    },
    /// Reading the file or listing the folder failed.
    Io {
        /// The file or folder being read.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The bytes are not what the format requires (bad magic, corrupt stream, undecodable
    /// image, unsupported dtype, …).
    Format {
        /// The offending file.
        path: PathBuf,
        /// What is wrong, without the path.
        message: String,
    },
    /// Sizes do not fit together (truncated data, image and label counts differ, an array of
    /// the wrong rank, a flat row whose length is not a square, …).
    Shape {
        /// The offending file.
        path: PathBuf,
        /// What is wrong, without the path.
        message: String,
    },
    /// A pixel value is NaN, infinite or outside the allowed range.
    Value {
        /// The offending file.
        path: PathBuf,
        /// Flat index of the first bad value in the file's array.
        index: usize,
        /// The bad value.
        value: f64,
        /// The allowed range, e.g. `[0, 1]`.
        range: &'static str,
    },
    /// A label is unusable (negative, not an integer type, or out of range).
    Label {
        /// The offending labels file.
        path: PathBuf,
        /// What is wrong, without the path.
        message: String,
    },
    /// The source holds no images (an empty folder or class folder, an array with zero rows),
    /// or too few to split.
    Empty {
        /// The empty file or folder.
        path: PathBuf,
        /// What was looked for, e.g. `no PNG or JPEG image`.
        message: String,
    },
    /// A folder holds both class sub-folders and images directly; use one layout or the other.
    MixedLayout {
        /// The folder.
        path: PathBuf,
    },
    /// The path is a file that is neither a `.npy` array nor a folder of images.
    UnknownExtension {
        /// The file.
        path: PathBuf,
    },
}

impl DataError {
    /// The file or folder the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            DataError::NotFound { path }
            | DataError::Io { path, .. }
            | DataError::Format { path, .. }
            | DataError::Shape { path, .. }
            | DataError::Value { path, .. }
            | DataError::Label { path, .. }
            | DataError::Empty { path, .. }
            | DataError::MixedLayout { path }
            | DataError::UnknownExtension { path } => path,
        }
    }

    pub(crate) fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DataError::Format { path: path.into(), message: message.into() }
    }

    pub(crate) fn shape(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DataError::Shape { path: path.into(), message: message.into() }
    }

    pub(crate) fn label(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DataError::Label { path: path.into(), message: message.into() }
    }

    pub(crate) fn empty(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DataError::Empty { path: path.into(), message: message.into() }
    }

    /// An I/O error; a missing file becomes [`DataError::NotFound`].
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            DataError::NotFound { path }
        } else {
            DataError::Io { path, source }
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.path().display();
        match self {
            DataError::NotFound { .. } => write!(f, "{p}: no such file or folder"),
            DataError::Io { source, .. } => write!(f, "{p}: cannot read: {source}"),
            DataError::Format { message, .. } => write!(f, "{p}: {message}"),
            DataError::Shape { message, .. } => write!(f, "{p}: {message}"),
            DataError::Value { index, value, range, .. } => {
                write!(f, "{p}: value {value} at flat index {index} is outside {range}")
            }
            DataError::Label { message, .. } => write!(f, "{p}: {message}"),
            DataError::Empty { message, .. } => write!(f, "{p}: {message}"),
            DataError::MixedLayout { .. } => {
                write!(f, "{p}: holds both sub-folders and images; put every image in a class sub-folder, or none")
            }
            DataError::UnknownExtension { .. } => {
                write!(f, "{p}: not a data source; expected a folder of PNG/JPEG images or a .npy file")
            }
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_and_name_the_path() {
        let errs = [
            DataError::io("a/b.npy", std::io::Error::from(std::io::ErrorKind::NotFound)),
            DataError::io("a/b.npy", std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
            DataError::format("a/b.npy", "bad magic"),
            DataError::Value { path: "a/b.npy".into(), index: 3, value: 1.5, range: "[0, 1]" },
            DataError::MixedLayout { path: "a/b.npy".into() },
            DataError::UnknownExtension { path: "a/b.npy".into() },
        ];
        assert!(matches!(errs[0], DataError::NotFound { .. }));
        for e in &errs {
            let s = e.to_string();
            assert!(s.starts_with("a/b.npy: "), "{s}");
            assert!(!s.contains('\n'), "{s}");
        }
    }
}
