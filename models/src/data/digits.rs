//! scikit-learn's digits (bundled with clasp, `crate::io::bundled`): 1797 images of 8×8 grey levels 0–16,
//! labels 0–9, turned into [`ImageSet`] values / 16.

use super::error::DataError;
use super::image_set::ImageSet;
use super::mnist::digit_class_names;

/// Side of a digits image.
pub const DIGITS_SIDE: usize = 8;

/// Loads all 1797 digits (named `digits`, pixels / 16, class names `"0"`..`"9"`).
pub fn load_digits() -> Result<ImageSet, DataError> {
    let dir = std::path::Path::new("<bundled>/digits");
    let b = crate::io::load_bundled("digits").map_err(|m| DataError::format(dir, m.to_string()))?;
    let d = DIGITS_SIDE * DIGITS_SIDE;
    let features = dir.join("features.npy");
    if b.x.cols != d {
        return Err(DataError::shape(&features, format!("{} features per row, expected {d} (8×8)", b.x.cols)));
    }
    if b.x.rows == 0 {
        return Err(DataError::empty(&features, "no rows"));
    }
    let mut pixels = Vec::with_capacity(b.x.data.len());
    for (i, &v) in b.x.data.iter().enumerate() {
        if !(0.0..=16.0).contains(&v) {
            return Err(DataError::Value { path: features, index: i, value: v, range: "[0, 16]" });
        }
        pixels.push((v / 16.0) as f32);
    }
    let labels_path = dir.join("labels.npy");
    let mut labels = Vec::with_capacity(b.y.len());
    for (i, &l) in b.y.iter().enumerate() {
        match usize::try_from(l) {
            Ok(c) if c < 10 => labels.push(c),
            _ => return Err(DataError::label(&labels_path, format!("label {i} is {l}, expected 0..=9"))),
        }
    }
    Ok(ImageSet {
        name: "digits".into(),
        pixels,
        n: b.x.rows,
        height: DIGITS_SIDE,
        width: DIGITS_SIDE,
        labels: Some(labels),
        class_names: digit_class_names(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{DataSource, load_all, load_split};
    use super::*;

    #[test]
    fn digits_load_and_split_sizes() {
        let all = load_digits().unwrap();
        assert_eq!((all.n, all.height, all.width, all.num_classes()), (1797, 8, 8, 10));
        assert!(all.pixels.iter().all(|&v| (0.0..=1.0).contains(&v)));
        assert!(all.pixels.contains(&1.0));
        assert_eq!(load_all(&DataSource::Digits).unwrap().n, 1797);

        let s = load_split(&DataSource::Digits, None, None, 0).unwrap();
        assert_eq!((s.train.n, s.test.n), (1437, 360));
        // Class counts 178, 182, 177, 183, 181, 182, 181, 179, 174, 180: 20 % of each, rounded
        // by largest remainder to a total of 360.
        let mut test_counts = [0; 10];
        for &l in s.test.labels.as_ref().unwrap() {
            test_counts[l] += 1;
        }
        assert_eq!(test_counts.iter().sum::<usize>(), 360);
        assert!(test_counts.iter().all(|&c| (35..=37).contains(&c)), "{test_counts:?}");

        let again = load_split(&DataSource::Digits, None, None, 0).unwrap();
        assert_eq!((&s.train.pixels, &s.test.labels), (&again.train.pixels, &again.test.labels));
        let other = load_split(&DataSource::Digits, None, None, 1).unwrap();
        assert_ne!(again.test.labels, other.test.labels);

        let small = load_split(&DataSource::Digits, Some(100), Some(50), 3).unwrap();
        assert_eq!((small.train.n, small.test.n, small.train.dim()), (100, 50, 64));
        assert_eq!(small.test.class_names.len(), 10);
    }
}
