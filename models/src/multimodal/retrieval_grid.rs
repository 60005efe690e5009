//! The retrieval-examples figure of image-like views (MNIST halves): one row per query, the
//! query's view-a half, its true view-b partner, then its top retrieved view-b halves, each
//! framed green (the true partner), amber (another row of the same class) or red (another
//! class). Written as a PNG.

use crate::multimodal::data::View;
use crate::pipelines::Matrix;
use crate::{Error, Result};
use image::{Rgb, RgbImage};
use std::path::Path;

const SCALE: u32 = 3;
const FRAME: u32 = 2;
const GAP: u32 = 6;

/// Row `i` of a column-token view (token c = pixel column c) as a `token_dim × tokens` image.
fn column_image(view: &View, i: usize) -> Option<(Vec<f32>, usize, usize)> {
    let View::Tokens { data, tokens, token_dim } = view else {
        return None;
    };
    let (h, w) = (*token_dim, *tokens);
    let row = data.get(i * h * w..(i + 1) * h * w)?;
    let mut px = vec![0.0f32; h * w];
    for c in 0..w {
        for r in 0..h {
            px[r * w + c] = row[c * h + r];
        }
    }
    Some((px, h, w))
}

fn draw(img: &mut RgbImage, x0: u32, y0: u32, px: &[f32], h: usize, w: usize, frame: Rgb<u8>) {
    let (fw, fh) = (w as u32 * SCALE + 2 * FRAME, h as u32 * SCALE + 2 * FRAME);
    for y in 0..fh {
        for x in 0..fw {
            let inside = x >= FRAME && y >= FRAME && x < fw - FRAME && y < fh - FRAME;
            let colour = if inside {
                let (r, c) = (((y - FRAME) / SCALE) as usize, ((x - FRAME) / SCALE) as usize);
                let v = (px[r * w + c].clamp(0.0, 1.0) * 255.0) as u8;
                Rgb([v, v, v])
            } else {
                frame
            };
            img.put_pixel(x0 + x, y0 + y, colour);
        }
    }
}

/// Draws `queries` (rows of `a`) with their true partner and the `top` rows of `b` whose
/// projections (`zb`) score highest against the query's projection (`za`, dot product) to a
/// PNG at `path`. Both views must be column-token views of equal size.
pub fn write_retrieval_grid(
    path: &Path,
    (a, za): (&View, &Matrix),
    (b, zb): (&View, &Matrix),
    labels: Option<&[usize]>,
    queries: &[usize],
    top: usize,
) -> Result<()> {
    let out_of_range = |what: &str| Error::InvalidInput(format!("retrieval grid: {what} out of range"));
    let n = a.rows();
    let (Some((_, h, w)), true) = (column_image(a, 0), za.n == n && zb.n == n && za.dim == zb.dim) else {
        return Err(Error::InvalidInput("retrieval grid: needs column-token views and one projection per row".into()));
    };
    let cell_w = w as u32 * SCALE + 2 * FRAME;
    let cell_h = h as u32 * SCALE + 2 * FRAME;
    let cols = 2 + top as u32;
    let width = cols * cell_w + (cols + 2) * GAP;
    let height = queries.len() as u32 * (cell_h + GAP) + GAP;
    let mut img = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    let (green, amber, red, grey) = (Rgb([20, 160, 60]), Rgb([230, 150, 0]), Rgb([210, 30, 30]), Rgb([90, 90, 90]));
    for (row, &q) in queries.iter().enumerate() {
        let y = GAP + row as u32 * (cell_h + GAP);
        let (qa, _, _) = column_image(a, q).ok_or_else(|| out_of_range("query"))?;
        draw(&mut img, GAP, y, &qa, h, w, grey);
        let (pb, _, _) = column_image(b, q).ok_or_else(|| out_of_range("query"))?;
        draw(&mut img, GAP + cell_w + GAP, y, &pb, h, w, green);
        let mut order: Vec<usize> = (0..n).collect();
        let d = za.dim;
        let zq = za.data.get(q * d..(q + 1) * d).ok_or_else(|| out_of_range("query"))?;
        let s: Vec<f32> = zb.data.chunks_exact(d.max(1)).map(|g| g.iter().zip(zq).map(|(x, y)| x * y).sum()).collect();
        order.sort_by(|&x, &y| s[y].total_cmp(&s[x]).then(y.cmp(&x)));
        for (j, &r) in order.iter().take(top).enumerate() {
            let frame = if r == q {
                green
            } else if labels.is_some_and(|l| l[r] == l[q]) {
                amber
            } else {
                red
            };
            let (px, _, _) = column_image(b, r).ok_or_else(|| out_of_range("item"))?;
            let x = GAP + 2 * (cell_w + GAP) + GAP + j as u32 * (cell_w + GAP);
            draw(&mut img, x, y, &px, h, w, frame);
        }
    }
    img.save_with_format(path, image::ImageFormat::Png)
        .map_err(|source| Error::ImageEncode { what: path.display().to_string(), source })
}
