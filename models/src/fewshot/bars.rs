//! A grouped bar chart with 95 % interval whiskers, as a standalone SVG (the few-shot
//! accuracy table: one group per method and shot count, one bar per feature set).

use crate::{Error, Result};
use std::fmt::Write;
use std::path::Path;

/// Bar colours of the series (Tableau blue, orange, green, red).
const COLOURS: [&str; 4] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"];

/// One group of bars: a label and per series (mean, half-width of the interval), in %.
pub struct BarGroup {
    /// Label under the group.
    pub label: String,
    /// (mean, 95 % half-width) per series.
    pub bars: Vec<(f64, f64)>,
}

/// Escapes text for SVG.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Writes the chart to `path`: y axis from `y_min` to 100 %, one colour per name of `series`.
pub fn plot_bars(path: &Path, title: &str, series: &[&str], groups: &[BarGroup], y_min: f64) -> Result<()> {
    if groups.is_empty() || series.is_empty() {
        return Err(Error::InvalidInput("bar chart: nothing to draw".into()));
    }
    if groups.iter().flat_map(|g| &g.bars).any(|(m, h)| !m.is_finite() || !h.is_finite()) {
        return Err(Error::InvalidInput("bar chart: a value is not finite".into()));
    }
    let (left, top, plot_h, group_w, bar_w) = (60.0, 60.0, 320.0, 26.0 * series.len() as f64 + 24.0, 26.0);
    let width = left + group_w * groups.len() as f64 + 30.0;
    let height = top + plot_h + 110.0;
    let y = |v: f64| top + plot_h * (1.0 - ((v - y_min) / (100.0 - y_min)).clamp(0.0, 1.0));
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" font-family=\"sans-serif\">\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\
         <text x=\"{:.0}\" y=\"28\" font-size=\"18\" text-anchor=\"middle\">{}</text>",
        width / 2.0,
        esc(title)
    );
    for t in 0..=5 {
        let v = y_min + (100.0 - y_min) * t as f64 / 5.0;
        let yy = y(v);
        let _ = write!(
            s,
            "<line x1=\"{left}\" x2=\"{:.1}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e8e8e8\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"end\">{v:.0}</text>",
            width - 30.0,
            left - 6.0,
            yy + 4.0
        );
    }
    let _ = write!(
        s,
        "<text x=\"16\" y=\"{:.1}\" font-size=\"14\" transform=\"rotate(-90 16 {:.1})\" text-anchor=\"middle\">accuracy (%)</text>",
        top + plot_h / 2.0,
        top + plot_h / 2.0
    );
    for (g, group) in groups.iter().enumerate() {
        let x0 = left + g as f64 * group_w + 12.0;
        for (b, &(mean, half)) in group.bars.iter().enumerate() {
            let x = x0 + b as f64 * bar_w;
            let colour = COLOURS[b % COLOURS.len()];
            let (yt, yb) = (y(mean), y(y_min));
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{yt:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{mean:.2} ± {half:.2}</title></rect>",
                bar_w - 4.0,
                (yb - yt).max(0.0)
            );
            let cx = x + (bar_w - 4.0) / 2.0;
            let (lo, hi) = (y(mean - half), y(mean + half));
            let _ = write!(
                s,
                "<line x1=\"{cx:.1}\" x2=\"{cx:.1}\" y1=\"{lo:.1}\" y2=\"{hi:.1}\" stroke=\"black\"/>\
                 <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{hi:.1}\" y2=\"{hi:.1}\" stroke=\"black\"/>\
                 <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{lo:.1}\" y2=\"{lo:.1}\" stroke=\"black\"/>",
                cx - 4.0,
                cx + 4.0,
                cx - 4.0,
                cx + 4.0
            );
        }
        let lx = x0 + (group_w - 24.0) / 2.0;
        let ly = top + plot_h + 14.0;
        let _ = write!(
            s,
            "<text x=\"{lx:.1}\" y=\"{ly:.1}\" font-size=\"12\" text-anchor=\"end\" transform=\"rotate(-35 {lx:.1} {ly:.1})\">{}</text>",
            esc(&group.label)
        );
    }
    let mut x = left + 10.0;
    for (i, name) in series.iter().enumerate() {
        let yy = height - 18.0;
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"14\" height=\"14\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{yy:.1}\" font-size=\"13\">{}</text>",
            yy - 12.0,
            COLOURS[i % COLOURS.len()],
            x + 20.0,
            esc(name)
        );
        x += 40.0 + 7.5 * name.chars().count() as f64;
    }
    s.push_str("</svg>\n");
    Ok(crate::io::write_atomic(path, s.as_bytes())?)
}
