//! Confusion matrix of predicted clusters against true classes: rows are the classes in id
//! order, columns the clusters ordered so that the cluster matched to class `r` by the
//! Hungarian method (`crate::metrics::best_map`) sits in column `r` (unmatched clusters follow,
//! in id order). Cells are shaded by their share of the row and labelled with their counts;
//! matched pairs are outlined.

use super::ReportError;
use super::chart::{Area, DESC_SIZE, FONT, LABEL_SIZE, MUTED, render_svg, title_block};
use super::error::{check_len, check_non_empty, draw_err};
use crate::metrics::best_map;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::Path;

/// Counts with rows = classes and columns = clusters in matched order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Confusion {
    /// Class ids, increasing (rows).
    pub classes: Vec<usize>,
    /// Cluster ids in column order.
    pub clusters: Vec<usize>,
    /// Row-major `classes.len() × clusters.len()` counts.
    pub counts: Vec<u64>,
    /// For each column, the row of the class its cluster is matched to.
    pub matched_row: Vec<Option<usize>>,
    /// Samples on matched pairs (ACC numerator).
    pub matched: u64,
}

impl Confusion {
    /// Checks the inputs, matches clusters to classes and counts.
    pub(crate) fn new(truth: &[usize], pred: &[usize]) -> Result<Self, ReportError> {
        check_non_empty("truth", truth.len())?;
        check_len("pred", truth.len(), pred.len())?;
        let t = to_ids("truth", truth)?;
        let p = to_ids("pred", pred)?;
        let (map, matched) = best_map(&t, &p)?;
        let map: BTreeMap<usize, usize> = map.into_iter().map(|(c, k)| (c as usize, k as usize)).collect();
        let classes = sorted_ids(truth);
        let row: BTreeMap<usize, usize> = classes.iter().enumerate().map(|(r, &k)| (k, r)).collect();
        let by_class: BTreeMap<usize, usize> = map.iter().map(|(&c, &k)| (k, c)).collect();
        let mut clusters: Vec<usize> = classes.iter().filter_map(|k| by_class.get(k).copied()).collect();
        clusters.extend(sorted_ids(pred).into_iter().filter(|c| !map.contains_key(c)));
        let col: BTreeMap<usize, usize> = clusters.iter().enumerate().map(|(j, &c)| (c, j)).collect();
        let mut counts = vec![0u64; classes.len() * clusters.len()];
        for (k, c) in truth.iter().zip(pred) {
            counts[row[k] * clusters.len() + col[c]] += 1;
        }
        let matched_row = clusters.iter().map(|c| map.get(c).map(|k| row[k])).collect();
        Ok(Confusion { classes, clusters, counts, matched_row, matched })
    }

    fn count(&self, r: usize, j: usize) -> u64 {
        self.counts[r * self.clusters.len() + j]
    }
}

fn to_ids(what: &str, labels: &[usize]) -> Result<Vec<i64>, ReportError> {
    labels
        .iter()
        .enumerate()
        .map(|(index, &l)| i64::try_from(l).map_err(|_| ReportError::LabelOutOfRange { what: what.to_string(), index }))
        .collect()
}

fn sorted_ids(labels: &[usize]) -> Vec<usize> {
    let mut ids = labels.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Writes an SVG heat map of the confusion matrix of `pred` (cluster ids) against `truth`
/// (class ids) after Hungarian matching: each cell shows its count, shaded by its share of
/// the true class; the subtitle gives the matched accuracy. Errors when `truth` is empty or
/// `pred` has a different length.
pub fn plot_confusion(path: &Path, title: &str, truth: &[usize], pred: &[usize]) -> Result<(), ReportError> {
    let m = Confusion::new(truth, pred)?;
    let layout = Layout::new(&m);
    let subtitle = format!(
        "ACC {:.3} after Hungarian matching (outlined cells) · n = {} · {} classes, {} clusters",
        m.matched as f64 / truth.len() as f64,
        truth.len(),
        m.classes.len(),
        m.clusters.len()
    );
    render_svg(path, layout.size, |root| {
        let body = title_block(root, title, Some(&subtitle))?;
        draw_matrix(&body, &m, &layout)?;
        draw_colour_bar(&body, &layout)
    })
}

/// Pixel geometry of the heat map.
struct Layout {
    size: (u32, u32),
    /// Side of a cell.
    cell: i32,
    /// Top-left corner of the grid in the area below the title.
    x0: i32,
    y0: i32,
    /// Show every `row_step`-th class and `col_step`-th cluster label.
    row_step: usize,
    col_step: usize,
}

const TITLE_H: i32 = 80;
const BAR_W: i32 = 130;

impl Layout {
    fn new(m: &Confusion) -> Self {
        let (rows, cols) = (m.classes.len() as i32, m.clusters.len() as i32);
        let cell = (640 / rows.max(cols)).clamp(6, 64);
        let widest = |ids: &[usize]| ids.iter().map(|i| i.to_string().len()).max().unwrap_or(1) as i32;
        let x0 = 52 + 9 * widest(&m.classes);
        let y0 = 16;
        let grid_w = cell * cols;
        let grid_h = cell * rows;
        let width = (x0 + grid_w + BAR_W).max(620);
        let height = TITLE_H + y0 + grid_h.max(230) + 70;
        let row_step = (18 + cell - 1) / cell;
        let col_step = (8 * widest(&m.clusters) + 4 + cell - 1) / cell;
        Layout {
            size: (width as u32, height as u32),
            cell,
            x0,
            y0,
            row_step: row_step.max(1) as usize,
            col_step: col_step.max(1) as usize,
        }
    }
}

/// White → dark blue by `f` in [0, 1].
fn shade(f: f64) -> RGBColor {
    let lerp = |hi: u8, lo: u8| (f64::from(hi) + (f64::from(lo) - f64::from(hi)) * f).round() as u8;
    RGBColor(lerp(255, 8), lerp(255, 48), lerp(255, 107))
}

fn draw_matrix(area: &Area<'_>, m: &Confusion, l: &Layout) -> Result<(), ReportError> {
    let (rows, cols) = (m.classes.len(), m.clusters.len());
    let c = l.cell;
    let font = f64::from(c) * 0.42;
    let center = Pos::new(HPos::Center, VPos::Center);
    for r in 0..rows {
        let total: u64 = (0..cols).map(|j| m.count(r, j)).sum();
        for j in 0..cols {
            let (x, y) = (l.x0 + c * j as i32, l.y0 + c * r as i32);
            let count = m.count(r, j);
            let f = if total > 0 { count as f64 / total as f64 } else { 0.0 };
            area.draw(&Rectangle::new([(x, y), (x + c, y + c)], shade(f).filled())).map_err(draw_err)?;
            area.draw(&Rectangle::new([(x, y), (x + c, y + c)], RGBColor(225, 225, 225).stroke_width(1)))
                .map_err(draw_err)?;
            if c >= 16 {
                let colour = match (count, f > 0.5) {
                    (0, _) => RGBColor(185, 185, 185),
                    (_, true) => WHITE,
                    _ => BLACK,
                };
                let style = TextStyle::from((FONT, font.min(20.0)).into_font()).pos(center).color(&colour);
                area.draw_text(&count.to_string(), &style, (x + c / 2, y + c / 2)).map_err(draw_err)?;
            }
        }
    }
    // Matched pairs, outlined on top of the grid.
    for (j, row) in m.matched_row.iter().enumerate() {
        if let Some(r) = row {
            let (x, y) = (l.x0 + c * j as i32, l.y0 + c * *r as i32);
            area.draw(&Rectangle::new([(x + 1, y + 1), (x + c - 1, y + c - 1)], RGBColor(230, 120, 0).stroke_width(2)))
                .map_err(draw_err)?;
        }
    }
    let labels = TextStyle::from((FONT, LABEL_SIZE).into_font());
    let grid_bottom = l.y0 + c * rows as i32;
    for (r, k) in m.classes.iter().enumerate().step_by(l.row_step) {
        let style = labels.pos(Pos::new(HPos::Right, VPos::Center));
        area.draw_text(&k.to_string(), &style, (l.x0 - 6, l.y0 + c * r as i32 + c / 2)).map_err(draw_err)?;
    }
    for (j, k) in m.clusters.iter().enumerate().step_by(l.col_step) {
        let style = labels.pos(Pos::new(HPos::Center, VPos::Top));
        area.draw_text(&k.to_string(), &style, (l.x0 + c * j as i32 + c / 2, grid_bottom + 6)).map_err(draw_err)?;
    }
    let desc = TextStyle::from((FONT, DESC_SIZE).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
    let grid_mid_y = l.y0 + c * rows as i32 / 2;
    area.draw_text("true class", &desc.transform(FontTransform::Rotate270), (16, grid_mid_y)).map_err(draw_err)?;
    area.draw_text("predicted cluster (in matched order)", &desc, (l.x0 + c * cols as i32 / 2, grid_bottom + 44))
        .map_err(draw_err)
}

/// Vertical colour scale to the right of the grid.
fn draw_colour_bar(area: &Area<'_>, l: &Layout) -> Result<(), ReportError> {
    let (w, _) = area.dim_in_pixel();
    let x = w as i32 - BAR_W + 40;
    let y = l.y0 + 24;
    let h = 200;
    let steps = 20;
    for s in 0..steps {
        let f = 1.0 - f64::from(s) / f64::from(steps - 1);
        let (a, b) = (y + h * s / steps, y + h * (s + 1) / steps);
        area.draw(&Rectangle::new([(x, a), (x + 16, b)], shade(f).filled())).map_err(draw_err)?;
    }
    area.draw(&Rectangle::new([(x, y), (x + 16, y + h)], MUTED.stroke_width(1))).map_err(draw_err)?;
    let text = TextStyle::from((FONT, LABEL_SIZE).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (label, at) in [("1", y), ("0.5", y + h / 2), ("0", y + h)] {
        area.draw_text(label, &text, (x + 22, at)).map_err(draw_err)?;
    }
    let head = TextStyle::from((FONT, LABEL_SIZE).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    area.draw_text("share of class", &head.color(&MUTED), (x + 8, y - 8)).map_err(draw_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testutil::{TempDir, read_svg};

    const TRUTH: [usize; 9] = [0, 0, 0, 1, 1, 2, 2, 2, 2];
    const PRED: [usize; 9] = [5, 5, 3, 3, 3, 7, 7, 7, 5];

    #[test]
    fn counts_in_matched_order() {
        let m = Confusion::new(&TRUTH, &PRED).unwrap();
        assert_eq!(m.classes, vec![0, 1, 2]);
        assert_eq!(m.clusters, vec![5, 3, 7]);
        assert_eq!(m.counts, vec![2, 1, 0, 0, 2, 0, 1, 0, 3]);
        assert_eq!(m.matched_row, vec![Some(0), Some(1), Some(2)]);
        assert_eq!(m.matched, 7);
        // More clusters than classes: the unmatched cluster comes last.
        let m = Confusion::new(&[0, 0, 1, 1], &[9, 4, 2, 2]).unwrap();
        assert_eq!(m.clusters.len(), 3);
        assert_eq!(m.matched_row[2], None);
        assert_eq!(m.clusters[1], 2);
        // More classes than clusters.
        let m = Confusion::new(&[0, 1, 2, 2], &[0, 0, 1, 1]).unwrap();
        assert_eq!((m.classes.len(), m.clusters.len(), m.matched), (3, 2, 3));
    }

    #[test]
    fn writes_a_heat_map_with_counts() {
        let dir = TempDir::new("confusion");
        let path = dir.path().join("confusion.svg");
        plot_confusion(&path, "Confusion (test)", &TRUTH, &PRED).unwrap();
        let svg = read_svg(&path, "Confusion (test)");
        for count in ["2", "1", "0", "3"] {
            assert!(svg.contains(&format!(">\n{count}\n</text>")), "count {count} missing");
        }
        assert!(svg.contains("ACC 0.778"));
        assert!(svg.contains("true class"));
    }

    #[test]
    fn many_classes_still_render() {
        let dir = TempDir::new("confusion-many");
        let path = dir.path().join("c.svg");
        let truth: Vec<usize> = (0..2000).map(|i| i % 100).collect();
        let pred: Vec<usize> = (0..2000).map(|i| (i * 7 + i / 100) % 120).collect();
        plot_confusion(&path, "Many", &truth, &pred).unwrap();
        read_svg(&path, "Many");
        plot_confusion(&path, "Single", &[4], &[9]).unwrap();
        assert!(read_svg(&path, "Single").contains("ACC 1.000"));
    }

    #[test]
    fn bad_input() {
        let dir = TempDir::new("confusion-bad");
        let path = dir.path().join("c.svg");
        assert!(matches!(plot_confusion(&path, "t", &[], &[]), Err(ReportError::Empty { .. })));
        let e = plot_confusion(&path, "t", &[0, 1], &[0]).unwrap_err();
        assert!(matches!(e, ReportError::LengthMismatch { expected: 2, found: 1, .. }), "{e}");
        let e = plot_confusion(&path, "t", &[usize::MAX], &[0]).unwrap_err();
        assert!(matches!(e, ReportError::LabelOutOfRange { index: 0, .. }), "{e}");
        assert!(!path.exists());
    }
}
