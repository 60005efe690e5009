//! ROC curves of several scores on one pair of axes (FPR on x, TPR on y, both [0, 1]), with the
//! chance diagonal and a legend naming each score (its AUROC in the name, if the caller adds it).

use super::ReportError;
use super::chart::{
    DESC_SIZE, FONT, GRID, LABEL_SIZE, PALETTE, draw_legend, legend_width, line_legend, render_svg, title_block,
};
use super::error::{check_finite, check_non_empty, draw_err};
use plotters::prelude::*;
use std::path::Path;

/// At most this many points of a curve are drawn (evenly strided, the last always kept).
const MAX_POINTS: usize = 600;

/// Writes an SVG of the ROC `curves` (name, FPR values, TPR values). Errors when there is no
/// curve, a curve is empty, its two vectors differ in length, or a value is not finite.
pub fn plot_roc(path: &Path, title: &str, curves: &[(&str, &[f64], &[f64])]) -> Result<(), ReportError> {
    check_non_empty("curves", curves.len())?;
    for (name, fpr, tpr) in curves {
        let what = format!("curve `{name}`");
        check_non_empty(&what, fpr.len())?;
        check_finite(&what, fpr)?;
        check_finite(&what, tpr)?;
        if fpr.len() != tpr.len() {
            return Err(ReportError::LengthMismatch {
                what: format!("TPR of {what}"),
                expected: fpr.len(),
                found: tpr.len(),
            });
        }
    }
    let entries = line_legend(curves.iter().map(|(name, _, _)| *name));
    let legend_w = legend_width(None, entries.iter().map(|e| e.label.clone()));
    let size = (600 + legend_w, 560);
    render_svg(path, size, |root| {
        let body = title_block(root, title, None)?;
        let (plot, legend) = body.split_horizontally(size.0 - legend_w);
        let mut chart = ChartBuilder::on(&plot)
            .margin(14)
            .x_label_area_size(52)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0f64..1.0, 0.0f64..1.0)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(6)
            .x_desc("false-positive rate")
            .y_desc("true-positive rate")
            .label_style((FONT, LABEL_SIZE))
            .axis_desc_style((FONT, DESC_SIZE))
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .draw()
            .map_err(draw_err)?;
        chart.draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], GRID.stroke_width(2))).map_err(draw_err)?;
        for (i, (_, fpr, tpr)) in curves.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let stride = fpr.len().div_ceil(MAX_POINTS).max(1);
            let last = fpr.len() - 1;
            let points = (0..fpr.len()).filter(|&j| j % stride == 0 || j == last).map(|j| (fpr[j], tpr[j]));
            chart.draw_series(LineSeries::new(points, colour.stroke_width(2))).map_err(draw_err)?;
        }
        draw_legend(&legend.margin(14, 0, 0, 0), None, &entries)
    })
}
