//! Bar chart of cluster sizes, clusters in id order, with the uniform size n/k as a dashed
//! reference line.

use super::ReportError;
use super::chart::{DESC_SIZE, FONT, GRID, LABEL_SIZE, MUTED, PALETTE, render_svg, title_block};
use super::error::{check_non_empty, draw_err};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::Path;

/// Cluster ids in increasing order with their sizes.
pub(crate) fn cluster_sizes(pred: &[usize]) -> Vec<(usize, u64)> {
    let mut sizes: BTreeMap<usize, u64> = BTreeMap::new();
    for &c in pred {
        *sizes.entry(c).or_default() += 1;
    }
    sizes.into_iter().collect()
}

/// Writes an SVG bar chart of the size of each cluster in `pred` (cluster id per sample), one
/// bar per occurring id in increasing id order, with the uniform size n/k dashed. Errors when
/// `pred` is empty.
pub fn plot_cluster_sizes(path: &Path, title: &str, pred: &[usize]) -> Result<(), ReportError> {
    check_non_empty("pred", pred.len())?;
    let sizes = cluster_sizes(pred);
    let k = sizes.len();
    let n = pred.len();
    let (lo, hi) = sizes.iter().fold((u64::MAX, 0), |(lo, hi), &(_, s)| (lo.min(s), hi.max(s)));
    let uniform = n as f64 / k as f64;
    let subtitle = format!("n = {n} in k = {k} clusters · sizes {lo}–{hi} · dashed: n/k = {uniform:.1}");
    let width = (160 + 28 * k as u32).clamp(640, 1200);
    render_svg(path, (width, 520), |root| {
        let body = title_block(root, title, Some(&subtitle))?;
        let y_max = (hi as f64 * 1.12).max(hi as f64 + 1.0).ceil();
        let mut chart = ChartBuilder::on(&body)
            .margin(14)
            .x_label_area_size(52)
            .y_label_area_size(72)
            .build_cartesian_2d(-0.5..k as f64 - 0.5, 0.0..y_max)
            .map_err(draw_err)?;
        let x_fmt = |x: &f64| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < k {
                sizes[i as usize].0.to_string()
            } else {
                String::new()
            }
        };
        let y_fmt = |y: &f64| if (y - y.round()).abs() < 1e-6 { format!("{y:.0}") } else { String::new() };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(k.min(25))
            .y_labels(((y_max as usize) + 1).min(10))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc("cluster id")
            .y_desc("size")
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, DESC_SIZE))
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .draw()
            .map_err(draw_err)?;
        let bar = PALETTE[0];
        chart
            .draw_series(
                sizes.iter().enumerate().map(|(i, &(_, s))| {
                    Rectangle::new([(i as f64 - 0.4, 0.0), (i as f64 + 0.4, s as f64)], bar.filled())
                }),
            )
            .map_err(draw_err)?;
        let line = [(-0.5, uniform), (k as f64 - 0.5, uniform)];
        chart
            .draw_series(std::iter::once(DashedPathElement::new(line, 8, 5, MUTED.stroke_width(2))))
            .map_err(draw_err)?;
        // Counts above the bars while they are wide enough to hold them.
        let bar_px = chart.backend_coord(&(1.0, 0.0)).0 - chart.backend_coord(&(0.0, 0.0)).0;
        let digits = hi.to_string().len() as i32;
        if bar_px >= 8 * digits + 4 {
            let style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
            for (i, &(_, s)) in sizes.iter().enumerate() {
                let (x, y) = chart.backend_coord(&(i as f64, s as f64));
                root.draw_text(&s.to_string(), &style, (x, y - 3)).map_err(draw_err)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testutil::{TempDir, read_svg};

    #[test]
    fn sizes_are_sorted_by_id() {
        assert_eq!(cluster_sizes(&[7, 2, 2, 9, 7, 7]), vec![(2, 2), (7, 3), (9, 1)]);
    }

    #[test]
    fn writes_bars_with_counts() {
        let dir = TempDir::new("sizes");
        let path = dir.path().join("sizes.svg");
        let pred = [7, 2, 2, 9, 7, 7, 7, 40, 40, 40, 40, 40];
        plot_cluster_sizes(&path, "Cluster sizes (test)", &pred).unwrap();
        let svg = read_svg(&path, "Cluster sizes (test)");
        for s in ["\n4\n</text>", "\n5\n</text>", "\n40\n</text>", "n/k = 3.0"] {
            assert!(svg.contains(s), "{s:?} missing");
        }
        // Many clusters: still one bar each.
        let pred: Vec<usize> = (0..5000).map(|i| (i * i) % 300).collect();
        plot_cluster_sizes(&path, "Many", &pred).unwrap();
        let svg = read_svg(&path, "Many");
        assert!(svg.contains(&format!("k = {} clusters", cluster_sizes(&pred).len())));
        // A single cluster.
        plot_cluster_sizes(&path, "Single", &[3, 3]).unwrap();
        assert!(read_svg(&path, "Single").contains(">\n3\n</text>"));
    }

    #[test]
    fn empty_is_an_error() {
        let dir = TempDir::new("sizes-empty");
        let path = dir.path().join("sizes.svg");
        assert!(matches!(plot_cluster_sizes(&path, "t", &[]), Err(ReportError::Empty { .. })));
        assert!(!path.exists());
    }
}
