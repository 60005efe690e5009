//! The one error type of the data layer: every variant names the file or folder at fault and
//! prints as a single line saying what is wrong with it.

use std::path::PathBuf;

/// Why a data set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The path does not exist.
    #[error("{}: no such file or folder", path.display())]
    NotFound {
        /// The missing file or folder.
        path: PathBuf,
    },
    /// Reading the file or listing the folder failed.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file or folder being read.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The bytes are not what the format requires (bad magic, corrupt stream, undecodable
    /// image, unsupported dtype, …).
    #[error("{}: {message}", path.display())]
    Format {
        /// The offending file.
        path: PathBuf,
        /// What is wrong, without the path.
        message: String,
    },
    /// Sizes do not fit together (truncated data, image and label counts differ, an array of
    /// the wrong rank, a flat row whose length is not a square, …).
    #[error("{}: {message}", path.display())]
    Shape {
        /// The offending file.
        path: PathBuf,
        /// What is wrong, without the path.
        message: String,
    },
    /// A pixel value is NaN, infinite or outside the allowed range.
    #[error("{}: value {value} at flat index {index} is outside {range}", path.display())]
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
    #[error("{}: {message}", path.display())]
    Label {
        /// The offending labels file.
        path: PathBuf,
        /// What is wrong, without the path.
        message: String,
    },
    /// The source holds no images (an empty folder or class folder, an array with zero rows),
    /// or too few to split.
    #[error("{}: {message}", path.display())]
    Empty {
        /// The empty file or folder.
        path: PathBuf,
        /// What was looked for, e.g. `no PNG or JPEG image`.
        message: String,
    },
    /// A folder holds both class sub-folders and images directly; use one layout or the other.
    #[error(
        "{}: holds both sub-folders and images; put every image in a class sub-folder, or none",
        path.display()
    )]
    MixedLayout {
        /// The folder.
        path: PathBuf,
    },
    /// The path is a file that is neither a `.npy` array nor a folder of images.
    #[error("{}: not a data source; expected a folder of PNG/JPEG images or a .npy file", path.display())]
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
