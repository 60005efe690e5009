//! Image–report pairs listed in a CSV: one pair per line, `image_path,report_text` and an
//! optional third column `label` (a class name), an optional header line starting with
//! `image_path`. Relative image paths are read from the CSV's folder. Images are decoded to
//! grey, resized to `side × side` and cut into `patch × patch` patches (the image tokens,
//! row-major); reports go through a [`CharTokenizer`] fitted on the training reports.

use super::{CharTokenizer, PairedSet, PairedSplit, View};
use crate::data::{ImageSet, TEST_FRACTION, read_grey_image, train_test_indices};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// One line of the CSV.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairRecord {
    /// The image file (resolved against the CSV's folder).
    pub image: PathBuf,
    /// The report.
    pub text: String,
    /// The class name, if the CSV has a third column.
    pub label: Option<String>,
}

/// Decoded pairs before the split.
#[derive(Clone, Debug)]
pub struct RawPairs {
    /// Data set name (the CSV's file name).
    pub name: String,
    /// Images, `n × side × side` grey values in [0, 1].
    pub images: Vec<f32>,
    /// Side of the resized images.
    pub side: usize,
    /// Reports.
    pub texts: Vec<String>,
    /// Class ids (in order of first appearance of the names), when every line has a label.
    pub labels: Option<Vec<usize>>,
    /// Class names.
    pub class_names: Vec<String>,
}

fn parse_records(path: &Path) -> Result<Vec<PairRecord>> {
    let base = path.parent().unwrap_or(Path::new("."));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| Error::table(path, e))?;
    let mut out = Vec::new();
    for (line, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| Error::table(path, e))?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if line == 0 && rec.get(0).is_some_and(|f| f.trim() == "image_path") {
            continue;
        }
        if !(2..=3).contains(&rec.len()) {
            return Err(Error::invalid_file(
                path,
                format!("line {}: {} fields, expected image_path,report_text[,label]", line + 1, rec.len()),
            ));
        }
        let image = rec.get(0).unwrap_or_default().trim();
        if image.is_empty() {
            return Err(Error::invalid_file(path, format!("line {}: empty image path", line + 1)));
        }
        out.push(PairRecord {
            image: base.join(image),
            text: rec.get(1).unwrap_or_default().to_string(),
            label: rec.get(2).map(|s| s.trim().to_string()),
        });
    }
    if out.is_empty() {
        return Err(Error::invalid_file(path, "no image–report pairs"));
    }
    Ok(out)
}

/// Reads the CSV at `path` and decodes every image to `side × side` grey.
pub fn load_pairs_csv(path: &Path, side: usize) -> Result<RawPairs> {
    if side == 0 {
        return Err(Error::InvalidConfig("the image side must be positive".into()));
    }
    let records = parse_records(path)?;
    let mut images = Vec::with_capacity(records.len() * side * side);
    for r in &records {
        let (pixels, height, width) = read_grey_image(&r.image)?;
        let one = ImageSet { name: String::new(), pixels, n: 1, height, width, labels: None, class_names: vec![] };
        images.extend(one.resized(side, side).pixels);
    }
    let mut class_names: Vec<String> = Vec::new();
    let labels = if records.iter().all(|r| r.label.is_some()) {
        let ids = records
            .iter()
            .map(|r| {
                let name = r.label.clone().unwrap_or_default();
                match class_names.iter().position(|c| *c == name) {
                    Some(i) => i,
                    None => {
                        class_names.push(name);
                        class_names.len() - 1
                    }
                }
            })
            .collect();
        Some(ids)
    } else {
        None
    };
    Ok(RawPairs {
        name: path.file_name().map_or_else(|| "pairs".into(), |f| f.to_string_lossy().into_owned()),
        images,
        side,
        texts: records.into_iter().map(|r| r.text).collect(),
        labels,
        class_names,
    })
}

/// The `patch × patch` patches of one `side × side` image, row-major patch order, each patch
/// row-major: `(side/patch)² × patch²` values.
pub fn image_tokens(pixels: &[f32], side: usize, patch: usize) -> Vec<f32> {
    let per = side / patch.max(1);
    let mut out = Vec::with_capacity(per * per * patch * patch);
    for pr in 0..per {
        for pc in 0..per {
            for r in 0..patch {
                let start = (pr * patch + r) * side + pc * patch;
                out.extend_from_slice(&pixels[start..start + patch]);
            }
        }
    }
    out
}

/// Seeded 80/20 split (stratified with labels) of `raw` into image-patch tokens (view a) and
/// report character ids of length `text_len` (view b); the tokenizer is fitted on the training
/// reports only.
pub fn pairs_split(raw: &RawPairs, patch: usize, text_len: usize, seed: u64) -> Result<(PairedSplit, CharTokenizer)> {
    let (n, side) = (raw.texts.len(), raw.side);
    if patch == 0 || side % patch != 0 {
        return Err(Error::InvalidConfig(format!("patch size {patch} does not divide the image side {side}")));
    }
    if text_len == 0 {
        return Err(Error::InvalidConfig("the text length must be positive".into()));
    }
    let (train, test) = train_test_indices(raw.labels.as_deref(), n, TEST_FRACTION, seed);
    if train.len() < 2 || test.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{}: {n} pairs are too few (at least 4 are needed for a train/held-out split)",
            raw.name
        )));
    }
    let tokenizer = CharTokenizer::fit(train.iter().map(|&i| raw.texts[i].as_str()));
    let tokens: Vec<f32> =
        raw.images.chunks_exact(side * side).flat_map(|img| image_tokens(img, side, patch)).collect();
    let ids: Vec<u32> = raw.texts.iter().flat_map(|t| tokenizer.encode(t, text_len)).collect();
    let set = PairedSet {
        name: raw.name.clone(),
        view_names: ["image".into(), "report".into()],
        a: View::Tokens { data: tokens, tokens: (side / patch).pow(2), token_dim: patch * patch },
        b: View::Text { ids, len: text_len, vocab: tokenizer.vocab() },
        labels: raw.labels.clone(),
        class_names: raw.class_names.clone(),
    };
    set.check()?;
    Ok((PairedSplit { train: set.subset(&train), test: set.subset(&test) }, tokenizer))
}
