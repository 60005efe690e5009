//! A user's folder of PNG/JPEG images, converted to grey (luma) in [0, 1].
//!
//! Two layouts, never mixed: class sub-folders (each sub-folder is a class, classes numbered in
//! name order, images labelled by their folder), or images directly in the folder
//! (unlabelled). Files are read in name order; hidden entries (names starting with `.`) and
//! files of other extensions are skipped, deeper folders are not searched. Every image is
//! resized (linear filter, see [`ImageSet::resized`]) to the size of the first image read.

use std::path::{Path, PathBuf};

use super::error::DataError;
use super::image_set::{ImageSet, resize_image};

/// Whether `path` has an image extension this loader reads (`png`, `jpg`, `jpeg`, any case).
pub fn is_image_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["png", "jpg", "jpeg"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The non-hidden entries of `dir`: `(sub-folders, image files)`, each sorted by name.
fn list(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), DataError> {
    let (mut dirs, mut images) = (Vec::new(), Vec::new());
    for entry in std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))? {
        let entry = entry.map_err(|e| DataError::io(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            dirs.push(path);
        } else if is_image_file(&path) {
            images.push(path);
        }
    }
    dirs.sort();
    images.sort();
    Ok((dirs, images))
}

/// Decodes one image file to grey values in [0, 1]: `(pixels, height, width)`.
pub fn read_grey_image(path: &Path) -> Result<(Vec<f32>, usize, usize), DataError> {
    let decoded = image::ImageReader::open(path)
        .map_err(|e| DataError::io(path, e))?
        .with_guessed_format()
        .map_err(|e| DataError::io(path, e))?
        .decode()
        .map_err(|e| DataError::format(path, format!("cannot decode the image: {e}")))?;
    let grey = decoded.to_luma32f();
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    if w == 0 || h == 0 {
        return Err(DataError::shape(path, "the image has zero size"));
    }
    let pixels = grey.into_raw();
    if let Some(i) = pixels.iter().position(|v| !v.is_finite()) {
        return Err(DataError::Value { path: path.into(), index: i, value: f64::from(pixels[i]), range: "[0, 1]" });
    }
    Ok((pixels.into_iter().map(|v| v.clamp(0.0, 1.0)).collect(), h, w))
}

/// Loads a folder of images (see the module docs) as a set named `name`.
pub fn load_folder(dir: &Path, name: &str) -> Result<ImageSet, DataError> {
    let (dirs, top_images) = list(dir)?;
    if !dirs.is_empty() && !top_images.is_empty() {
        return Err(DataError::MixedLayout { path: dir.into() });
    }
    let (files, labels, class_names): (Vec<PathBuf>, Option<Vec<usize>>, Vec<String>) = if dirs.is_empty() {
        if top_images.is_empty() {
            return Err(DataError::empty(dir, "no PNG or JPEG image (and no class sub-folder)"));
        }
        (top_images, None, Vec::new())
    } else {
        let (mut files, mut labels, mut names) = (Vec::new(), Vec::new(), Vec::new());
        for (class, sub) in dirs.iter().enumerate() {
            let (_, images) = list(sub)?;
            if images.is_empty() {
                return Err(DataError::empty(sub, "class folder holds no PNG or JPEG image"));
            }
            labels.extend(std::iter::repeat_n(class, images.len()));
            files.extend(images);
            names.push(sub.file_name().map_or_else(|| class.to_string(), |s| s.to_string_lossy().into_owned()));
        }
        (files, Some(labels), names)
    };
    let mut pixels = Vec::new();
    let mut size = None;
    for file in &files {
        let (px, h, w) = read_grey_image(file)?;
        let (th, tw) = *size.get_or_insert((h, w));
        if pixels.is_empty() {
            pixels.reserve(files.len() * th * tw);
        }
        pixels.extend(resize_image(&px, h, w, th, tw));
    }
    let (height, width) = size.unwrap_or((0, 0));
    Ok(ImageSet { name: name.to_string(), pixels, n: files.len(), height, width, labels, class_names })
}

#[cfg(test)]
mod tests {
    use super::super::tests::TempDir;
    use super::super::{DataSource, load_all, load_split};
    use super::*;
    use image::{GrayImage, Luma, Rgb, RgbImage};

    fn grey(w: u32, h: u32, v: u8) -> GrayImage {
        GrayImage::from_pixel(w, h, Luma([v]))
    }

    #[test]
    fn class_folders_are_labelled_in_name_order_and_resized() {
        let dir = TempDir::new("folder-classes");
        let (cats, dogs) = (dir.path().join("cats"), dir.path().join("dogs"));
        std::fs::create_dir_all(&cats).unwrap();
        std::fs::create_dir_all(&dogs).unwrap();
        for i in 0..3 {
            grey(4, 3, 255).save(cats.join(format!("c{i}.png"))).unwrap();
            grey(4, 3, 0).save(dogs.join(format!("d{i}.png"))).unwrap();
        }
        // A larger colour image: converted to grey and resized to 3×4.
        RgbImage::from_pixel(8, 6, Rgb([0, 0, 0])).save(dogs.join("d9.png")).unwrap();
        std::fs::write(dogs.join("notes.txt"), "skipped").unwrap();
        std::fs::write(dir.path().join(".DS_Store"), "skipped").unwrap();

        let s = load_all(&DataSource::Path(dir.path().to_path_buf())).unwrap();
        assert_eq!((s.n, s.height, s.width), (7, 3, 4));
        assert_eq!(s.class_names, vec!["cats", "dogs"]);
        assert_eq!(s.labels, Some(vec![0, 0, 0, 1, 1, 1, 1]));
        assert!(s.image(0).iter().all(|&v| v == 1.0));
        assert!(s.image(6).iter().all(|&v| v == 0.0));
        let split = load_split(&DataSource::Path(dir.path().to_path_buf()), None, None, 4).unwrap();
        assert_eq!((split.train.n, split.test.n), (5, 2));
        assert_eq!(split.test.labels, Some(vec![0, 1]));
    }

    #[test]
    fn flat_folder_is_unlabelled() {
        let dir = TempDir::new("folder-flat");
        for i in 0..5u8 {
            grey(2, 2, i * 50).save(dir.path().join(format!("{i}.png"))).unwrap();
        }
        let s = load_folder(dir.path(), "flat").unwrap();
        assert_eq!((s.n, s.labels.clone(), s.num_classes()), (5, None, 0));
        assert_eq!(s.image(2), &[100.0 / 255.0; 4]);
        let a = load_split(&DataSource::Path(dir.path().into()), Some(2), None, 9).unwrap();
        let b = load_split(&DataSource::Path(dir.path().into()), Some(2), None, 9).unwrap();
        assert_eq!((a.train.n, a.test.n), (2, 1));
        assert_eq!(a.train.pixels, b.train.pixels);
    }

    #[test]
    fn folder_errors() {
        let dir = TempDir::new("folder-errors");
        let e = load_folder(dir.path(), "x").unwrap_err();
        assert!(matches!(e, DataError::Empty { .. }), "{e}");
        std::fs::write(dir.path().join("readme.txt"), "no images").unwrap();
        assert!(matches!(load_folder(dir.path(), "x"), Err(DataError::Empty { .. })));

        grey(2, 2, 1).save(dir.path().join("a.png")).unwrap();
        std::fs::create_dir(dir.path().join("class")).unwrap();
        let e = load_folder(dir.path(), "x").unwrap_err();
        assert!(matches!(e, DataError::MixedLayout { .. }), "{e}");
        std::fs::remove_file(dir.path().join("a.png")).unwrap();
        let e = load_folder(dir.path(), "x").unwrap_err();
        assert!(matches!(e, DataError::Empty { ref path, .. } if path.ends_with("class")), "{e}");

        std::fs::write(dir.path().join("class").join("broken.png"), "not a png").unwrap();
        let e = load_folder(dir.path(), "x").unwrap_err();
        assert!(matches!(e, DataError::Format { .. }) && e.to_string().contains("broken.png"), "{e}");

        let single = TempDir::new("folder-single");
        grey(2, 2, 1).save(single.path().join("only.png")).unwrap();
        let e = load_split(&DataSource::Path(single.path().into()), None, None, 0).unwrap_err();
        assert!(matches!(e, DataError::Empty { .. }), "{e}");
    }
}
