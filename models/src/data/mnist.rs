//! MNIST, bundled with clasp (`crate::io::bundled`; the repository's `data/mnist/`, four gzip'd
//! IDX files): 60 000 training and 10 000 test images of 28×28 grey levels, labels 0–9.

use std::path::PathBuf;

use super::error::DataError;
use super::idx::{IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parse_idx};
use super::image_set::ImageSet;
use super::split::stratified_sample;

/// Side of an MNIST image.
pub const MNIST_SIDE: usize = 28;
/// Number of MNIST training images.
pub const MNIST_TRAIN: usize = 60_000;
/// Number of MNIST test images.
pub const MNIST_TEST: usize = 10_000;

/// One of MNIST's two fixed parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MnistPart {
    /// The 60 000 training images (`train-*`).
    Train,
    /// The 10 000 test images (`t10k-*`).
    Test,
}

impl MnistPart {
    /// The bundled names of the image and label files of this part.
    pub fn files(self) -> (String, String) {
        let stem = match self {
            MnistPart::Train => "train",
            MnistPart::Test => "t10k",
        };
        (format!("mnist/{stem}-images.idx3-ubyte.gz"), format!("mnist/{stem}-labels.idx1-ubyte.gz"))
    }

    /// The part's labels as stored (0–9 in a valid file), and the name errors use for the file.
    pub fn raw_labels(self) -> Result<(Vec<u8>, PathBuf), DataError> {
        let (bytes, path) = bundled(&self.files().1)?;
        Ok((parse_idx(&bytes, IDX_LABELS_MAGIC, &path)?.1, path))
    }

    /// The number of images the part must hold.
    pub fn size(self) -> usize {
        match self {
            MnistPart::Train => MNIST_TRAIN,
            MnistPart::Test => MNIST_TEST,
        }
    }
}

/// A bundled file's bytes and its name for errors.
fn bundled(rel: &str) -> Result<(std::borrow::Cow<'static, [u8]>, PathBuf), DataError> {
    crate::io::bundled_file(rel).map_err(|m| DataError::format(PathBuf::from(rel), m.to_string()))
}

/// The class names of MNIST and digits: `"0"`..`"9"`.
pub fn digit_class_names() -> Vec<String> {
    (0..10).map(|d| d.to_string()).collect()
}

/// Loads one part of MNIST (pixels / 255, named `mnist`), keeping at most `limit` images by a
/// seeded stratified sample. Checks the IDX headers, that image and label counts agree, the
/// 28×28 size, the part's documented size and that every label is 0–9.
pub fn load_mnist(part: MnistPart, limit: Option<usize>, seed: u64) -> Result<ImageSet, DataError> {
    let (raw_labels, label_path) = part.raw_labels()?;
    if let Some(i) = raw_labels.iter().position(|&l| l > 9) {
        return Err(DataError::label(&label_path, format!("label {i} is {}, expected 0..=9", raw_labels[i])));
    }
    if raw_labels.len() != part.size() {
        let msg = format!("{} labels, MNIST {part:?} has {}", raw_labels.len(), part.size());
        return Err(DataError::shape(&label_path, msg));
    }
    let labels: Vec<usize> = raw_labels.iter().map(|&l| usize::from(l)).collect();
    let (image_bytes, image_path) = bundled(&part.files().0)?;
    let (dims, pixels) = parse_idx(&image_bytes, IDX_IMAGES_MAGIC, &image_path)?;
    let (n, h, w) = (dims[0], dims[1], dims[2]);
    if n != labels.len() {
        let msg = format!("{n} images but {} labels in {}", labels.len(), label_path.display());
        return Err(DataError::shape(&image_path, msg));
    }
    if (h, w) != (MNIST_SIDE, MNIST_SIDE) {
        return Err(DataError::shape(&image_path, format!("images are {h}×{w}, MNIST's are 28×28")));
    }
    let keep: Vec<usize> = match limit {
        Some(take) if take < n => stratified_sample(&labels, take, seed),
        _ => (0..n).collect(),
    };
    let d = h * w;
    let mut out = Vec::with_capacity(keep.len() * d);
    for &i in &keep {
        out.extend(pixels[i * d..(i + 1) * d].iter().map(|&p| f32::from(p) / 255.0));
    }
    Ok(ImageSet {
        name: "mnist".into(),
        pixels: out,
        n: keep.len(),
        height: h,
        width: w,
        labels: Some(keep.iter().map(|&i| labels[i]).collect()),
        class_names: digit_class_names(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(labels: &[usize]) -> Vec<usize> {
        let mut c = vec![0; 10];
        for &l in labels {
            c[l] += 1;
        }
        c
    }

    /// The one test that inflates the 10 MB of training images.
    #[test]
    fn real_mnist_has_the_documented_label_counts() {
        let train_counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
        let test_counts = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
        let train_labels: Vec<usize> = MnistPart::Train.raw_labels().unwrap().0.into_iter().map(usize::from).collect();
        assert_eq!(counts(&train_labels), train_counts);

        let test = super::super::load_all(&super::super::DataSource::Mnist).unwrap();
        assert_eq!((test.n, test.height, test.width, test.num_classes()), (10_000, 28, 28, 10));
        assert_eq!(counts(test.labels.as_ref().unwrap()), test_counts);
        assert!(test.pixels.iter().all(|&v| (0.0..=1.0).contains(&v)));
        let mean = test.pixels.iter().map(|&v| f64::from(v)).sum::<f64>() / test.pixels.len() as f64;
        assert!((mean * 255.0 - 33.8).abs() < 1.0, "mean pixel {}", mean * 255.0);

        let split = super::super::load_split(&super::super::DataSource::Mnist, Some(1000), Some(100), 5).unwrap();
        assert_eq!((split.train.n, split.test.n), (1000, 100));
        let c = counts(split.train.labels.as_ref().unwrap());
        for (k, (&got, &full)) in c.iter().zip(&train_counts).enumerate() {
            let want = full as f64 * 1000.0 / 60_000.0;
            assert!((got as f64 - want).abs() < 1.0, "class {k}: {got} vs {want}");
        }
        assert_eq!(counts(split.test.labels.as_ref().unwrap()), [10, 11, 10, 10, 10, 9, 10, 10, 10, 10]);
    }
}
