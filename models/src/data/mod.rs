//! Image data sets for the training pipelines: single-channel images in [0, 1] with optional
//! labels ([`ImageSet`]), loaded from MNIST (the repository's `data/mnist/`), scikit-learn's
//! digits (`data/digits/`) or a user path (a folder of PNG/JPEG images or a `.npy` array), and
//! split into seeded, stratified train/test parts ([`load_split`]).
//!
//! Every failure is a [`DataError`] whose message is one line naming the file and the problem.

mod digits;
mod error;
mod folder;
mod idx;
mod image_set;
mod mnist;
mod npy;
mod split;
pub mod video;

use std::path::{Path, PathBuf};

pub use digits::{DIGITS_SIDE, load_digits};
pub use error::DataError;
pub use folder::{is_image_file, load_folder, read_grey_image};
pub use idx::{IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parse_idx, read_idx_images, read_idx_labels};
pub use image_set::{ImageSet, Split};
pub use mnist::{MNIST_SIDE, MNIST_TEST, MNIST_TRAIN, MnistPart, digit_class_names, load_mnist};
pub use npy::{labels_path_for, load_npy, read_npy_labels};
pub use split::{
    TEST_FRACTION, limit_set, random_sample, sample, split_set, stratified_counts, stratified_sample,
    train_test_indices,
};

/// Where images come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataSource {
    /// MNIST: 60 000 training and 10 000 test images of 28×28 (fixed split).
    Mnist,
    /// scikit-learn's digits: 1797 images of 8×8 (seeded stratified 80/20 split).
    Digits,
    /// A folder of PNG/JPEG images (class sub-folders or flat) or a `.npy` array (seeded
    /// stratified 80/20 split, random when unlabelled).
    Path(PathBuf),
}

impl std::str::FromStr for DataSource {
    type Err = std::convert::Infallible;

    /// `"mnist"` and `"digits"` name the bundled sets; anything else is a path.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "mnist" => DataSource::Mnist,
            "digits" => DataSource::Digits,
            other => DataSource::Path(PathBuf::from(other)),
        })
    }
}

impl DataSource {
    /// A short name for reports: `mnist`, `digits`, or the path's file stem (folder name, or
    /// file name without `.npy`), falling back to the whole path.
    pub fn name(&self) -> String {
        match self {
            DataSource::Mnist => "mnist".into(),
            DataSource::Digits => "digits".into(),
            DataSource::Path(p) => match p.file_stem() {
                Some(s) if !s.is_empty() && s != ".." => s.to_string_lossy().into_owned(),
                _ => p.display().to_string(),
            },
        }
    }
}

/// Loads a user path: a folder of images ([`load_folder`]) or a `.npy` file ([`load_npy`]).
fn load_path(path: &Path, name: &str) -> Result<ImageSet, DataError> {
    if !path.exists() {
        return Err(DataError::NotFound { path: path.into() });
    }
    if path.is_dir() {
        return load_folder(path, name);
    }
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")) {
        return load_npy(path, name);
    }
    Err(DataError::UnknownExtension { path: path.into() })
}

/// Loads a train/test split. `train_limit`/`test_limit`: keep at most that many images of each
/// part, chosen by a seeded *stratified* sample (same class proportions; when unlabelled, a
/// seeded random sample); `None` keeps all. Same seed → same subset.
///
/// MNIST uses its fixed 60 000/10 000 split; digits and paths hold out a seeded stratified
/// [`TEST_FRACTION`] (`ceil(0.2 n)` images) as the test part, so a path needs at least two images.
pub fn load_split(
    source: &DataSource,
    train_limit: Option<usize>,
    test_limit: Option<usize>,
    seed: u64,
) -> Result<Split, DataError> {
    let set = match source {
        DataSource::Mnist => {
            return Ok(Split {
                train: load_mnist(MnistPart::Train, train_limit, seed)?,
                test: load_mnist(MnistPart::Test, test_limit, seed.wrapping_add(1))?,
            });
        }
        DataSource::Digits => load_digits()?,
        DataSource::Path(p) => {
            let set = load_path(p, &source.name())?;
            if set.n < 2 {
                let msg = format!("{} image(s); at least 2 are needed to split into train and test", set.n);
                return Err(DataError::empty(p, msg));
            }
            set
        }
    };
    Ok(split_set(&set, train_limit, test_limit, seed))
}

/// Loads every image of a source as one set (for `clasp assign`): for MNIST the 10 000 test
/// images, for digits all 1797, for a path all images it holds.
pub fn load_all(source: &DataSource) -> Result<ImageSet, DataError> {
    match source {
        DataSource::Mnist => load_mnist(MnistPart::Test, None, 0),
        DataSource::Digits => load_digits(),
        DataSource::Path(p) => load_path(p, &source.name()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A fresh folder under the system temp dir, removed on drop.
    pub(crate) struct TempDir(PathBuf);

    impl TempDir {
        pub(crate) fn new(tag: &str) -> Self {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let unique = format!(
                "clasp-data-{tag}-{}-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
            );
            let p = std::env::temp_dir().join(unique);
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn source_parsing_and_names() {
        assert_eq!("mnist".parse::<DataSource>(), Ok(DataSource::Mnist));
        assert_eq!("digits".parse::<DataSource>(), Ok(DataSource::Digits));
        let p: DataSource = "some/dir/faces.npy".parse().unwrap();
        assert_eq!(p, DataSource::Path("some/dir/faces.npy".into()));
        assert_eq!(p.name(), "faces");
        assert_eq!(DataSource::Path("imgs/".into()).name(), "imgs");
        assert_eq!(DataSource::Mnist.name(), "mnist");
        assert_eq!(DataSource::Path("..".into()).name(), "..");
    }

    #[test]
    fn path_errors_are_one_clear_line() {
        let dir = TempDir::new("mod-errors");
        let missing = DataSource::Path(dir.path().join("nope"));
        let e = load_all(&missing).unwrap_err();
        assert!(matches!(e, DataError::NotFound { .. }), "{e}");
        assert!(e.to_string().contains("nope") && !e.to_string().contains('\n'), "{e}");

        let csv = dir.path().join("table.csv");
        std::fs::write(&csv, "1,2\n").unwrap();
        let e = load_split(&DataSource::Path(csv), None, None, 0).unwrap_err();
        assert!(matches!(e, DataError::UnknownExtension { .. }), "{e}");
        assert!(e.to_string().contains("table.csv"), "{e}");

        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let e = load_all(&DataSource::Path(empty)).unwrap_err();
        assert!(matches!(e, DataError::Empty { .. }), "{e}");
        assert!(e.to_string().contains("no PNG or JPEG"), "{e}");
    }
}
