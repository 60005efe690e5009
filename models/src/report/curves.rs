//! Line chart of several named series (losses, metrics) over steps or epochs, with a legend
//! column to the right of the plot.

use super::ReportError;
use super::chart::{
    DESC_SIZE, FONT, GRID, LABEL_SIZE, PALETTE, draw_legend, legend_width, line_legend, min_max, padded, render_svg,
    tick_formatter, title_block,
};
use super::error::{check_finite, check_non_empty, draw_err};
use plotters::prelude::*;
use std::path::Path;

/// Series of at most this many points also get a dot per point.
const DOTS_UP_TO: usize = 60;

/// Writes an SVG line chart of `series` (name, values) on one pair of axes: entry `i` of each
/// series is drawn at x = i + 1 (steps or epochs counted from 1; series may differ in length),
/// the x axis is described by `x_label`, and a legend names the series. Errors when there is no
/// series, a series is empty, or a value is not finite.
pub fn plot_curves(path: &Path, title: &str, x_label: &str, series: &[(&str, &[f64])]) -> Result<(), ReportError> {
    check_non_empty("series", series.len())?;
    for (name, ys) in series {
        let what = format!("series `{name}`");
        check_non_empty(&what, ys.len())?;
        check_finite(&what, ys)?;
    }
    let len = series.iter().map(|(_, ys)| ys.len()).max().unwrap_or(1);
    let (lo, hi) = min_max(series.iter().flat_map(|(_, ys)| ys.iter().copied()));
    let (lo, hi) = padded(lo, hi, 0.05);
    let x_range = if len == 1 { 0i64..2 } else { 1i64..len as i64 };
    let entries = line_legend(series.iter().map(|(name, _)| *name));
    let legend_w = legend_width(None, entries.iter().map(|e| e.label.clone()));
    let size = (860 + legend_w, 520);
    render_svg(path, size, |root| {
        let body = title_block(root, title, None)?;
        let (plot, legend) = body.split_horizontally(size.0 - legend_w);
        let mut chart = ChartBuilder::on(&plot)
            .margin(14)
            .x_label_area_size(52)
            .y_label_area_size(76)
            .build_cartesian_2d(x_range, lo..hi)
            .map_err(draw_err)?;
        let fy = tick_formatter(lo, hi, 8);
        chart
            .configure_mesh()
            .x_labels(10)
            .y_labels(8)
            .y_label_formatter(&fy)
            .x_desc(x_label)
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, DESC_SIZE))
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .draw()
            .map_err(draw_err)?;
        for (i, (_, ys)) in series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let points = ys.iter().enumerate().map(|(j, &y)| (j as i64 + 1, y));
            chart.draw_series(LineSeries::new(points.clone(), colour.stroke_width(2))).map_err(draw_err)?;
            if ys.len() <= DOTS_UP_TO {
                chart.draw_series(points.map(|p| Circle::new(p, 3, colour.filled()))).map_err(draw_err)?;
            }
        }
        // The legend starts level with the top of the plot.
        draw_legend(&legend.margin(14, 0, 0, 0), None, &entries)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testutil::{TempDir, read_svg};

    #[test]
    fn writes_named_curves() {
        let dir = TempDir::new("curves");
        let path = dir.path().join("loss.svg");
        let train: Vec<f64> = (0..200).map(|i| 2.0 * (-(i as f64) / 50.0).exp() + 0.1).collect();
        let val: Vec<f64> = (0..20).map(|i| 2.2 * (-(i as f64) / 5.0).exp() + 0.2).collect();
        plot_curves(&path, "Training loss", "step", &[("train <loss>", &train), ("val", &val)]).unwrap();
        let svg = read_svg(&path, "Training loss");
        // Names are XML-escaped; both series are drawn.
        assert!(svg.contains("train &lt;loss&gt;") && svg.contains(">\nval\n<"));
        assert!(svg.matches("<polyline").count() >= 2);
        assert!(svg.contains(">\nstep\n<"));
        // A single point is drawn too.
        plot_curves(&path, "One", "epoch", &[("acc", &[0.5])]).unwrap();
        assert!(read_svg(&path, "One").contains("<circle"));
    }

    #[test]
    fn bad_input_errors_and_writes_nothing() {
        let dir = TempDir::new("curves-bad");
        let path = dir.path().join("c.svg");
        assert!(matches!(plot_curves(&path, "t", "x", &[]), Err(ReportError::Empty { .. })));
        let e = plot_curves(&path, "t", "x", &[("a", &[1.0]), ("b", &[])]).unwrap_err();
        assert!(matches!(&e, ReportError::Empty { what } if what.contains("`b`")), "{e}");
        let e = plot_curves(&path, "t", "x", &[("a", &[1.0, f64::NAN])]).unwrap_err();
        assert!(matches!(e, ReportError::NonFinite { index: 1, .. }), "{e}");
        let e = plot_curves(&path, "t", "x", &[("a", &[f64::NEG_INFINITY])]).unwrap_err();
        assert!(matches!(e, ReportError::NonFinite { index: 0, .. }), "{e}");
        assert!(!path.exists());
    }
}
