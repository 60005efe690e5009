//! The OOD map figure: for a few test crops, one row of panels — the image, the inlier labels,
//! the OOD ground truth, then score maps (each scaled to its crop's own range, dark = inlier-like,
//! bright = OOD-like) — written as a PNG.

use super::bench::Crop;
use crate::{Error, Result};

/// Panel magnification.
const ZOOM: usize = 3;
/// White gap between panels.
const GAP: usize = 6;
/// Label colours.
const LABEL_COLOURS: [[u8; 3]; 8] = [
    [40, 40, 40],
    [255, 127, 14],
    [44, 160, 44],
    [31, 119, 180],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
];

/// A heat colour of t ∈ [0, 1]: black → red → yellow → white.
fn heat(t: f64) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0) * 3.0;
    let c = |x: f64| (x.clamp(0.0, 1.0) * 255.0) as u8;
    [c(t), c(t - 1.0), c(t - 2.0)]
}

/// One `s × s` panel of RGB pixels.
type Panel = Vec<[u8; 3]>;

fn image_panel(crop: &Crop) -> Panel {
    let p = crop.size * crop.size;
    (0..p)
        .map(|i| {
            let v = |ch: usize| (crop.pixels[ch.min(crop.channels - 1) * p + i].clamp(0.0, 1.0) * 255.0) as u8;
            if crop.channels >= 3 { [v(0), v(1), v(2)] } else { [v(0); 3] }
        })
        .collect()
}

fn score_panel(scores: &[f64]) -> Panel {
    let (lo, hi) = scores.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    scores.iter().map(|&v| heat((v - lo) / span)).collect()
}

/// PNG bytes of the figure: one row per crop, panels image | labels | OOD mask | each of
/// `maps[r]` (score vectors of crop r, one per column).
pub fn ood_figure(crops: &[&Crop], maps: &[Vec<&[f64]>]) -> Result<Vec<u8>> {
    let Some(first) = crops.first() else {
        return Err(Error::InvalidInput("ood figure: no crops".into()));
    };
    let s = first.size;
    let cols = 3 + maps.first().map_or(0, Vec::len);
    let cell = s * ZOOM;
    let (w, h) = (cols * cell + (cols + 1) * GAP, crops.len() * cell + (crops.len() + 1) * GAP);
    let mut img = image::RgbImage::from_pixel(w as u32, h as u32, image::Rgb([255, 255, 255]));
    for (r, crop) in crops.iter().enumerate() {
        if crop.size != s {
            return Err(Error::InvalidInput("ood figure: crops of different sizes".into()));
        }
        let mut panels: Vec<Panel> = vec![
            image_panel(crop),
            crop.labels.iter().map(|&l| LABEL_COLOURS[usize::from(l) % LABEL_COLOURS.len()]).collect(),
            crop.ood.iter().map(|&o| if o { [255, 255, 255] } else { [0, 0, 0] }).collect(),
        ];
        for m in maps.get(r).into_iter().flatten() {
            if m.len() != s * s {
                return Err(Error::InvalidInput(format!(
                    "ood figure: a score map of {} values for a {s}×{s} crop",
                    m.len()
                )));
            }
            panels.push(score_panel(m));
        }
        for (c, panel) in panels.iter().enumerate() {
            let (x0, y0) = (GAP + c * (cell + GAP), GAP + r * (cell + GAP));
            for (i, px) in panel.iter().enumerate() {
                let (py, pxx) = (i / s, i % s);
                for dy in 0..ZOOM {
                    for dx in 0..ZOOM {
                        let (x, y) = (x0 + pxx * ZOOM + dx, y0 + py * ZOOM + dy);
                        img.put_pixel(x as u32, y as u32, image::Rgb(*px));
                    }
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|source| Error::ImageEncode { what: "ood figure".into(), source })?;
    Ok(out.into_inner())
}
