//! Scatter plot of an embedding's 2-D PCA projection, one colour (and, beyond 20 labels, one
//! marker shape) per label, with a legend of labels and their counts.

use super::ReportError;
use super::chart::{
    Area, DESC_SIZE, FONT, GRID, LABEL_SIZE, LegendEntry, category_style, draw_legend, draw_marker, legend_width,
    min_max, padded, render_svg, tick_formatter, title_block,
};
use super::error::draw_err;
use super::projection::{MAX_EMBEDDING_POINTS, Projection, project_2d};
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

const LEGEND_HEADING: &str = "label (count)";

/// Writes an SVG scatter plot of `embedding` (`n` rows of `dim` values, row-major) projected on
/// its first two principal components (`crate::pca::pca`), each point coloured by its entry of
/// `labels` (`n` labels; a legend lists each label with its count). Embeddings of more than
/// [`MAX_EMBEDDING_POINTS`] rows are drawn through an evenly strided deterministic subsample of
/// that many rows (the subtitle says so), on which the projection is also fitted. Errors when
/// `n` or `dim` is 0, `embedding.len() != n·dim`, `labels.len() != n`, or a value is not finite.
pub fn plot_embedding(
    path: &Path,
    title: &str,
    embedding: &[f32],
    n: usize,
    dim: usize,
    labels: &[usize],
) -> Result<(), ReportError> {
    let proj = project_2d(embedding, n, dim, labels, MAX_EMBEDDING_POINTS)?;
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for &l in labels {
        *counts.entry(l).or_default() += 1;
    }
    let slot: BTreeMap<usize, usize> = counts.keys().enumerate().map(|(i, &l)| (l, i)).collect();
    let entries: Vec<LegendEntry> = counts
        .iter()
        .enumerate()
        .map(|(i, (&l, &c))| {
            let (colour, marker) = category_style(i);
            LegendEntry { label: format!("{l} ({c})"), colour, marker }
        })
        .collect();
    let legend_w = legend_width(Some(LEGEND_HEADING), entries.iter().map(|e| e.label.clone()));
    let size = (740 + legend_w, 720);
    let shown = proj.points.len();
    let subtitle = if shown < n {
        format!("PCA of {n} × {dim}; {shown} of {n} points shown (evenly strided subsample)")
    } else {
        format!("PCA of {n} points × {dim} dimensions")
    };
    render_svg(path, size, |root| {
        let body = title_block(root, title, Some(&subtitle))?;
        let (plot, legend) = body.split_horizontally(size.0 - legend_w);
        scatter(root, &plot, &proj, &slot)?;
        draw_legend(&legend, Some(LEGEND_HEADING), &entries)
    })
}

/// Axes and points; points are drawn in pixel coordinates on `root`, in row order.
fn scatter(
    root: &Area<'_>,
    plot: &Area<'_>,
    proj: &Projection,
    slot: &BTreeMap<usize, usize>,
) -> Result<(), ReportError> {
    let (x_lo, x_hi) = padded_span(proj.points.iter().map(|p| p.0));
    let (y_lo, y_hi) = padded_span(proj.points.iter().map(|p| p.1));
    let (x_desc, y_desc) = match proj.explained {
        Some((a, b)) => {
            (format!("PC1 ({:.1} % of variance)", 100.0 * a), format!("PC2 ({:.1} % of variance)", 100.0 * b))
        }
        None => ("PC1".to_string(), "PC2".to_string()),
    };
    let mut chart = ChartBuilder::on(plot)
        .margin(14)
        .x_label_area_size(52)
        .y_label_area_size(72)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(draw_err)?;
    let fx = tick_formatter(x_lo, x_hi, 8);
    let fy = tick_formatter(y_lo, y_hi, 8);
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(8)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, LABEL_SIZE))
        .axis_desc_style((FONT, DESC_SIZE))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .draw()
        .map_err(draw_err)?;
    let radius = match proj.points.len() {
        0..=300 => 5,
        301..=1000 => 4,
        _ => 3,
    };
    for (&(x, y), label) in proj.points.iter().zip(&proj.labels) {
        let (colour, marker) = category_style(slot[label]);
        draw_marker(root, chart.backend_coord(&(x, y)), radius, colour.mix(0.75), marker)?;
    }
    Ok(())
}

fn padded_span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = min_max(values);
    padded(lo, hi, 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testutil::{TempDir, read_svg};

    /// `k` Gaussian-ish blobs in `dim` dimensions (deterministic).
    fn blobs(n: usize, dim: usize, k: usize) -> (Vec<f32>, Vec<usize>) {
        let mut state = 12345u64;
        let mut noise = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let labels: Vec<usize> = (0..n).map(|i| i % k).collect();
        let emb = labels
            .iter()
            .flat_map(|&l| (0..dim).map(|j| if j % k == l { 4.0 } else { 0.0 } + noise()).collect::<Vec<_>>())
            .collect();
        (emb, labels)
    }

    #[test]
    fn writes_a_scatter_with_legend() {
        let dir = TempDir::new("embedding");
        let path = dir.path().join("emb.svg");
        let (emb, labels) = blobs(600, 16, 12);
        plot_embedding(&path, "Embedding (test)", &emb, 600, 16, &labels).unwrap();
        let svg = read_svg(&path, "Embedding (test)");
        // 600 points and 12 legend markers.
        assert_eq!(svg.matches("<circle").count(), 612);
        assert!(svg.contains("11 (50)") && svg.contains("% of variance"));
        assert!(svg.contains(LEGEND_HEADING));
    }

    #[test]
    fn degenerate_embeddings_render() {
        let dir = TempDir::new("embedding-small");
        let path = dir.path().join("emb.svg");
        plot_embedding(&path, "One point", &[1.0, 2.0], 1, 2, &[0]).unwrap();
        read_svg(&path, "One point");
        plot_embedding(&path, "One dim", &[1.0, 2.0, 3.0], 3, 1, &[0, 1, 1]).unwrap();
        read_svg(&path, "One dim");
    }

    #[test]
    fn large_embeddings_are_subsampled() {
        let dir = TempDir::new("embedding-large");
        let path = dir.path().join("emb.svg");
        let (emb, labels) = blobs(10_000, 8, 25);
        plot_embedding(&path, "Big", &emb, 10_000, 8, &labels).unwrap();
        let svg = read_svg(&path, "Big");
        // Triangles for labels 20..25 are polygons; circles for the rest.
        let markers = svg.matches("<circle").count() + svg.matches("<polygon").count();
        assert!((MAX_EMBEDDING_POINTS..MAX_EMBEDDING_POINTS + 30).contains(&markers), "{markers}");
        assert!(svg.contains("3000 of 10000 points shown"));
        let again = dir.path().join("emb2.svg");
        plot_embedding(&again, "Big", &emb, 10_000, 8, &labels).unwrap();
        assert_eq!(svg, std::fs::read_to_string(&again).unwrap(), "deterministic");
    }

    #[test]
    fn bad_input_errors_and_writes_nothing() {
        let dir = TempDir::new("embedding-bad");
        let path = dir.path().join("emb.svg");
        let empty = plot_embedding(&path, "t", &[], 0, 4, &[]);
        assert!(matches!(empty, Err(ReportError::Empty { .. })));
        let nan = plot_embedding(&path, "t", &[0.0, f32::NAN, 1.0, 2.0], 2, 2, &[0, 1]);
        assert!(matches!(nan, Err(ReportError::NonFinite { index: 1, .. })));
        let inf = plot_embedding(&path, "t", &[0.0, 1.0, f32::INFINITY, 2.0], 2, 2, &[0, 1]);
        assert!(matches!(inf, Err(ReportError::NonFinite { index: 2, .. })));
        let short = plot_embedding(&path, "t", &[0.0; 3], 2, 2, &[0, 1]);
        assert!(matches!(short, Err(ReportError::LengthMismatch { .. })));
        let labels = plot_embedding(&path, "t", &[0.0; 4], 2, 2, &[0]);
        assert!(matches!(labels, Err(ReportError::LengthMismatch { expected: 2, found: 1, .. })));
        assert!(!path.exists());
    }
}
