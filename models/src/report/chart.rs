//! Drawing helpers shared by the plots: rendering an SVG into memory and writing it atomically,
//! the title block, the colour palette and markers, a legend column, and axis ranges and tick
//! labels. SVG text is laid out with plotters' built-in size estimate, so no system font is
//! needed; the viewer's sans-serif font renders it.

use super::ReportError;
use super::atomic::write_atomic;
use super::error::draw_err;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// A drawing area of the in-memory SVG, in pixel coordinates relative to its top-left corner.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// The font family of every text element.
pub(crate) const FONT: &str = "sans-serif";
/// Tick labels and legend entries.
pub(crate) const LABEL_SIZE: u32 = 15;
/// Axis descriptions.
pub(crate) const DESC_SIZE: u32 = 17;
/// Light grid lines.
pub(crate) const GRID: RGBColor = RGBColor(232, 232, 232);
/// Secondary text (subtitles, notes).
pub(crate) const MUTED: RGBColor = RGBColor(90, 90, 90);

/// 20 colours distinguishable on white: Tableau 10, then ten darker or more saturated hues.
pub(crate) const PALETTE: [RGBColor; 20] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 117),
    RGBColor(128, 0, 0),
    RGBColor(128, 128, 0),
    RGBColor(70, 153, 144),
    RGBColor(240, 50, 230),
    RGBColor(145, 200, 30),
    RGBColor(66, 170, 244),
    RGBColor(154, 99, 36),
    RGBColor(0, 0, 0),
    RGBColor(255, 200, 20),
];

/// The shape drawn for a point or a legend entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Triangle,
    Square,
    /// A short horizontal line (for curves).
    Line,
}

/// Colour and marker of category `i`: the 20 palette colours with circles, then with
/// triangles, then with squares, then again.
pub(crate) fn category_style(i: usize) -> (RGBColor, Marker) {
    let marker = match (i / PALETTE.len()) % 3 {
        0 => Marker::Circle,
        1 => Marker::Triangle,
        _ => Marker::Square,
    };
    (PALETTE[i % PALETTE.len()], marker)
}

/// Draws `marker` of radius `r` centred at pixel `at` of `area`.
pub(crate) fn draw_marker(
    area: &Area<'_>,
    at: (i32, i32),
    r: i32,
    colour: RGBAColor,
    marker: Marker,
) -> Result<(), ReportError> {
    let (x, y) = at;
    match marker {
        Marker::Circle => area.draw(&Circle::new(at, r, colour.filled())),
        Marker::Triangle => area.draw(&TriangleMarker::new(at, r + 1, colour.filled())),
        Marker::Square => area.draw(&Rectangle::new([(x - r, y - r), (x + r, y + r)], colour.filled())),
        Marker::Line => area.draw(&PathElement::new(vec![(x - 2 * r, y), (x + 2 * r, y)], colour.stroke_width(3))),
    }
    .map_err(draw_err)
}

/// One row of a legend.
pub(crate) struct LegendEntry {
    pub label: String,
    pub colour: RGBColor,
    pub marker: Marker,
}

/// Legend entries of line series, coloured in palette order.
pub(crate) fn line_legend<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<LegendEntry> {
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| LegendEntry {
            label: name.to_string(),
            colour: PALETTE[i % PALETTE.len()],
            marker: Marker::Line,
        })
        .collect()
}

const LEGEND_ROW: i32 = 22;
const LEGEND_MAX_CHARS: usize = 28;

/// `label` cut to at most [`LEGEND_MAX_CHARS`] characters (with an ellipsis).
pub(crate) fn shorten(label: &str) -> String {
    if label.chars().count() <= LEGEND_MAX_CHARS {
        return label.to_string();
    }
    let mut s: String = label.chars().take(LEGEND_MAX_CHARS - 1).collect();
    s.push('…');
    s
}

/// Width in pixels of a legend column holding `labels` (after shortening) and `heading`.
pub(crate) fn legend_width(heading: Option<&str>, labels: impl IntoIterator<Item = String>) -> u32 {
    let longest = labels
        .into_iter()
        .map(|l| shorten(&l).chars().count() + 3)
        .chain(heading.map(|h| h.chars().count()))
        .max()
        .unwrap_or(0);
    // ~8 px per character at LABEL_SIZE, after the marker column.
    (40 + 8 * longest as u32).clamp(90, 300)
}

/// Draws a legend in `area` (a column to the right of the chart): an optional heading, then one
/// row per entry; when the entries do not fit, the last row says how many were left out.
pub(crate) fn draw_legend(area: &Area<'_>, heading: Option<&str>, entries: &[LegendEntry]) -> Result<(), ReportError> {
    let (_, height) = area.dim_in_pixel();
    let text = TextStyle::from((FONT, LABEL_SIZE).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    let mut y = 24;
    if let Some(h) = heading {
        area.draw_text(h, &TextStyle::from((FONT, LABEL_SIZE).into_font().style(FontStyle::Bold)), (8, y - 8))
            .map_err(draw_err)?;
        y += LEGEND_ROW;
    }
    let rows = ((height as i32 - y - 8) / LEGEND_ROW).max(1) as usize;
    let shown = if entries.len() > rows { rows - 1 } else { entries.len() };
    for e in &entries[..shown] {
        draw_marker(area, (18, y), 5, e.colour.to_rgba(), e.marker)?;
        area.draw_text(&shorten(&e.label), &text, (34, y)).map_err(draw_err)?;
        y += LEGEND_ROW;
    }
    if shown < entries.len() {
        let more = format!("… +{} more", entries.len() - shown);
        area.draw_text(&more, &text.color(&MUTED), (10, y)).map_err(draw_err)?;
    }
    Ok(())
}

/// Draws `title` (and a smaller grey `subtitle`) at the top of `root`; returns the area below.
pub(crate) fn title_block<'a>(root: &Area<'a>, title: &str, subtitle: Option<&str>) -> Result<Area<'a>, ReportError> {
    let below = root.titled(title, (FONT, 26)).map_err(draw_err)?;
    match subtitle {
        Some(s) if !s.is_empty() => {
            below.titled(s, TextStyle::from((FONT, LABEL_SIZE).into_font()).color(&MUTED)).map_err(draw_err)
        }
        _ => Ok(below),
    }
}

/// Renders a `size` SVG with `draw` into memory and writes it to `path` atomically; an error
/// while drawing leaves no file.
pub(crate) fn render_svg(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        draw(&root)?;
        root.present().map_err(draw_err)?;
    }
    write_atomic(path, buf.as_bytes())
}

/// `[min, max]` widened by `frac` of its span on each side; a degenerate span gets a unit (or
/// 10 %) half-width so the axis still has ticks.
pub(crate) fn padded(min: f64, max: f64, frac: f64) -> (f64, f64) {
    if max > min {
        let pad = (max - min) * frac;
        (min - pad, max + pad)
    } else {
        let half = if min == 0.0 { 1.0 } else { min.abs() * 0.1 };
        (min - half, max + half)
    }
}

/// Smallest and largest value of a non-empty iterator of finite values.
pub(crate) fn min_max(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values.into_iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// A tick label formatter for an axis spanning `lo..hi` with about `ticks` labels: just enough
/// decimals to tell neighbouring ticks apart, scientific notation for very large or small
/// magnitudes.
pub(crate) fn tick_formatter(lo: f64, hi: f64, ticks: usize) -> impl Fn(&f64) -> String {
    let magnitude = lo.abs().max(hi.abs());
    let step = (hi - lo).abs() / ticks.max(1) as f64;
    let scientific = magnitude >= 1e6 || (magnitude > 0.0 && magnitude < 1e-3);
    let decimals = if step > 0.0 { (-step.log10().floor()).clamp(0.0, 6.0) as usize } else { 2 };
    move |v: &f64| {
        if scientific {
            format!("{v:.1e}")
        } else {
            let s = format!("{v:.decimals$}");
            // "-0.00" → "0.00"
            if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_ticks() {
        assert_eq!(padded(0.0, 10.0, 0.1), (-1.0, 11.0));
        assert_eq!(padded(0.0, 0.0, 0.1), (-1.0, 1.0));
        assert_eq!(padded(5.0, 5.0, 0.1), (4.5, 5.5));
        assert_eq!(min_max([3.0, -1.0, 2.0]), (-1.0, 3.0));
        let f = tick_formatter(0.0, 1.0, 10);
        assert_eq!(f(&0.5), "0.5");
        let f = tick_formatter(0.0, 0.02, 8);
        assert_eq!(f(&0.0125), "0.013");
        assert_eq!(f(&-0.0), "0.000");
        let f = tick_formatter(0.0, 2.0e7, 8);
        assert_eq!(f(&1.0e7), "1.0e7");
        let f = tick_formatter(0.0, 2000.0, 8);
        assert_eq!(f(&1250.0), "1250");
    }

    #[test]
    fn styles_and_labels() {
        assert_eq!(category_style(3), (PALETTE[3], Marker::Circle));
        assert_eq!(category_style(23), (PALETTE[3], Marker::Triangle));
        assert_eq!(category_style(43).1, Marker::Square);
        assert_eq!(shorten("short"), "short");
        let long = "x".repeat(40);
        assert_eq!(shorten(&long).chars().count(), LEGEND_MAX_CHARS);
        assert!(legend_width(None, ["a".to_string()]) >= 90);
    }
}
