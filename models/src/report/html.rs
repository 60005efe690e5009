//! The run report as one self-contained HTML page (inline CSS and images, no script, no
//! external resource): a header with the run's seed, profile and wall time, a summary table
//! of every pipeline's metrics (each metric with a `raw_` baseline highlighted against it), a
//! section per pipeline with its metrics, settings, other fields and plots (SVG inlined, PNG
//! and JPEG as data URIs), the `primitives` results as nested tables, and any other top-level
//! field.

use super::ReportError;
use super::atomic::write_atomic;
use super::json_html::{
    escape, flatten, fmt_float, fmt_seconds, is_scalar, kv_table, leaf_html, render_value, scalar_html,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Keys of a pipeline object with their own place on the page.
const PIPELINE_KEYS: [&str; 6] = ["name", "dataset", "settings", "metrics", "wall_s", "plots"];
/// Top-level keys with their own place on the page.
const TOP_KEYS: [&str; 6] = ["seed", "profile", "primitives", "pipelines", "wall_s", "total_wall_s"];
/// Metrics shown first in the summary, in this order.
const PREFERRED_METRICS: [&str; 5] = ["acc", "nmi", "ari", "linear_probe", "knn"];

/// Writes `report` (the JSON of a `clasp` run: `seed`, `profile`, `primitives`, `pipelines`
/// with `name`, `dataset`, `settings`, `metrics`, `wall_s`, `plots`, …; every key optional) as
/// one self-contained HTML page to `out`. Plot paths are relative to `base_dir`; SVG plots are
/// inlined and PNG/JPEG plots embedded as base64 data URIs. The page is built in memory and
/// written atomically (`<out>.tmp`, then a rename): on any error — a report that is not an
/// object, `pipelines` not an array of objects, a listed plot missing or of another type —
/// nothing is written.
pub fn write_html(report: &Value, base_dir: &Path, out: &Path) -> Result<(), ReportError> {
    let page = render_page(report, base_dir)?;
    write_atomic(out, page.as_bytes())
}

/// One pipeline of the report, with its metrics flattened.
struct Pipeline<'a> {
    obj: &'a Map<String, Value>,
    name: String,
    metrics: Vec<(String, &'a Value)>,
}

impl<'a> Pipeline<'a> {
    fn new(i: usize, obj: &'a Map<String, Value>) -> Result<Self, ReportError> {
        let name = match obj.get("name") {
            Some(Value::String(s)) => s.clone(),
            Some(v) if !v.is_null() => v.to_string(),
            _ => format!("pipeline {}", i + 1),
        };
        let mut metrics = Vec::new();
        match obj.get("metrics") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => flatten("", m, &mut metrics),
            Some(_) => return Err(ReportError::InvalidReport(format!("pipelines[{i}].metrics is not an object"))),
        }
        Ok(Pipeline { obj, name, metrics })
    }

    fn metric(&self, key: &str) -> Option<&'a Value> {
        self.metrics.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

fn render_page(report: &Value, base_dir: &Path) -> Result<String, ReportError> {
    let top = report.as_object().ok_or_else(|| ReportError::InvalidReport("the report is not a JSON object".into()))?;
    let pipelines = match top.get("pipelines") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, p)| match p {
                Value::Object(obj) => Pipeline::new(i, obj),
                _ => Err(ReportError::InvalidReport(format!("pipelines[{i}] is not an object"))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(ReportError::InvalidReport("`pipelines` is not an array".into())),
    };
    let mut body = String::new();
    header(&mut body, top, &pipelines);
    if !pipelines.is_empty() {
        summary(&mut body, &pipelines);
        for (i, p) in pipelines.iter().enumerate() {
            pipeline_section(&mut body, i, p, base_dir)?;
        }
    }
    if let Some(primitives) = top.get("primitives").filter(|v| !v.is_null()) {
        body.push_str("<section id=\"primitives\"><h2>Primitives</h2>");
        generic_section(&mut body, primitives);
        body.push_str("</section>");
    }
    let others: Vec<(&String, &Value)> =
        top.iter().filter(|(k, v)| !TOP_KEYS.contains(&k.as_str()) && !is_scalar(v)).collect();
    if !others.is_empty() {
        body.push_str("<section id=\"other\"><h2>Other fields</h2>");
        for (k, v) in others {
            let _ = write!(body, "<h3>{}</h3>{}", escape(k), render_value(v));
        }
        body.push_str("</section>");
    }
    let title = page_title(top);
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n\
         <footer>Written by clasp-models from the run's JSON report.</footer>\n</body>\n</html>\n",
        escape(&title)
    ))
}

fn page_title(top: &Map<String, Value>) -> String {
    let mut title = String::from("clasp report");
    if let Some(p) = top.get("profile").and_then(Value::as_str) {
        let _ = write!(title, " · {p}");
    }
    if let Some(s) = top.get("seed").filter(|v| !v.is_null()) {
        let _ = write!(title, " · seed {s}");
    }
    title
}

/// Title, run facts (seed, profile, wall time, other top-level scalars) and a contents list.
fn header(out: &mut String, top: &Map<String, Value>, pipelines: &[Pipeline<'_>]) {
    let _ = write!(out, "<header><h1>{}</h1><dl class=\"meta\">", escape(&page_title(top)));
    let mut fact = |k: &str, v: String| {
        let _ = write!(out, "<div><dt>{}</dt><dd>{v}</dd></div>", escape(k));
    };
    for key in ["seed", "profile"] {
        if let Some(v) = top.get(key) {
            fact(key, scalar_html(v));
        }
    }
    let total = ["total_wall_s", "wall_s"].iter().find_map(|k| top.get(*k).and_then(Value::as_f64));
    let summed: Vec<f64> = pipelines.iter().filter_map(|p| p.obj.get("wall_s").and_then(Value::as_f64)).collect();
    match total {
        Some(s) => fact("total wall time", fmt_seconds(s)),
        None if !summed.is_empty() => fact("wall time (sum over pipelines)", fmt_seconds(summed.iter().sum())),
        None => {}
    }
    if !pipelines.is_empty() {
        fact("pipelines", pipelines.len().to_string());
    }
    for (k, v) in top {
        if !TOP_KEYS.contains(&k.as_str()) && is_scalar(v) {
            fact(k, scalar_html(v));
        }
    }
    out.push_str("</dl>");
    let mut toc = Vec::new();
    if !pipelines.is_empty() {
        toc.push(("summary".to_string(), "Summary".to_string()));
    }
    for (i, p) in pipelines.iter().enumerate() {
        toc.push((format!("pipeline-{}", i + 1), escape(&p.name)));
    }
    if top.get("primitives").is_some_and(|v| !v.is_null()) {
        toc.push(("primitives".to_string(), "Primitives".to_string()));
    }
    if toc.len() > 1 {
        out.push_str("<nav><ul>");
        for (id, label) in toc {
            let _ = write!(out, "<li><a href=\"#{id}\">{label}</a></li>");
        }
        out.push_str("</ul></nav>");
    }
    out.push_str("</header>");
}

/// Lower is better for losses and errors, higher for everything else.
fn lower_is_better(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("loss") || k.contains("error") || k.ends_with("_err") || k.ends_with("_s") || k.contains("time")
}

/// `(class, tooltip, delta)` of metric `key` of `p` against its `raw_` baseline, when both are
/// numbers.
fn versus_raw(p: &Pipeline<'_>, key: &str, v: &Value) -> Option<(&'static str, String, String)> {
    if key.starts_with("raw_") {
        return None;
    }
    let raw_key = format!("raw_{key}");
    let (x, raw) = (v.as_f64()?, p.metric(&raw_key)?.as_f64()?);
    let delta = x - raw;
    let better = if lower_is_better(key) { delta < 0.0 } else { delta > 0.0 };
    let class = if delta == 0.0 {
        "same"
    } else if better {
        "better"
    } else {
        "worse"
    };
    let sign = if delta >= 0.0 { "+" } else { "−" };
    let delta_text = format!("{sign}{}", fmt_float(delta.abs()));
    Some((class, format!("{raw_key} = {}, Δ {delta_text}", fmt_float(raw)), delta_text))
}

/// A metric cell, highlighted against its baseline.
fn metric_cell(p: &Pipeline<'_>, key: &str, v: &Value) -> String {
    let num = if v.is_number() { " num" } else { "" };
    match versus_raw(p, key, v) {
        Some((class, tip, delta)) => format!(
            "<td class=\"{class}{num}\" title=\"{}\">{}<span class=\"delta\">{}</span></td>",
            escape(&tip),
            leaf_html(v),
            escape(&delta)
        ),
        None if v.is_number() => format!("<td class=\"num\">{}</td>", leaf_html(v)),
        None => format!("<td>{}</td>", leaf_html(v)),
    }
}

/// Union of the flattened metric keys: the preferred metrics first, then the others, then the
/// `raw_` baselines, each group in first-seen order.
fn metric_columns(pipelines: &[Pipeline<'_>]) -> Vec<String> {
    let mut seen: Vec<&str> = Vec::new();
    for p in pipelines {
        for (k, _) in &p.metrics {
            if !seen.contains(&k.as_str()) {
                seen.push(k);
            }
        }
    }
    let root = |k: &str| k.split('.').next().unwrap_or(k).to_string();
    let rank = |k: &str| -> (usize, usize) {
        if k.starts_with("raw_") {
            (2, 0)
        } else {
            match PREFERRED_METRICS.iter().position(|m| *m == root(k)) {
                Some(i) => (0, i),
                None => (1, 0),
            }
        }
    };
    let mut cols: Vec<(usize, (usize, usize), &str)> = seen.iter().enumerate().map(|(i, k)| (i, rank(k), *k)).collect();
    cols.sort_by_key(|&(i, r, _)| (r, i));
    cols.into_iter().map(|(_, _, k)| k.to_string()).collect()
}

fn summary(out: &mut String, pipelines: &[Pipeline<'_>]) {
    let columns = metric_columns(pipelines);
    let has_dataset = pipelines.iter().any(|p| p.obj.get("dataset").is_some_and(|v| !v.is_null()));
    let has_wall = pipelines.iter().any(|p| p.obj.get("wall_s").is_some_and(Value::is_number));
    out.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"scroll\"><table class=\"summary\"><thead><tr>");
    out.push_str("<th>#</th><th>pipeline</th>");
    if has_dataset {
        out.push_str("<th>dataset</th>");
    }
    for c in &columns {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    if has_wall {
        out.push_str("<th>wall time</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for (i, p) in pipelines.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td class=\"idx\">{}</td><th><a href=\"#pipeline-{}\">{}</a></th>",
            i + 1,
            i + 1,
            escape(&p.name)
        );
        if has_dataset {
            let _ = write!(out, "<td>{}</td>", p.obj.get("dataset").map(scalar_html).unwrap_or_default());
        }
        for c in &columns {
            match p.metric(c) {
                Some(v) => out.push_str(&metric_cell(p, c, v)),
                None => out.push_str("<td></td>"),
            }
        }
        if has_wall {
            let wall = p.obj.get("wall_s").and_then(Value::as_f64).map(fmt_seconds).unwrap_or_default();
            let _ = write!(out, "<td class=\"num\">{wall}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    if pipelines.iter().any(|p| p.metrics.iter().any(|(k, v)| versus_raw(p, k, v).is_some())) {
        out.push_str(
            "<p class=\"note\">A metric with a <code>raw_</code> baseline (the same metric on the raw \
             features) is <span class=\"better\">green</span> when better than it and \
             <span class=\"worse\">red</span> when worse; the small number is the difference.</p>",
        );
    }
    out.push_str("</section>");
}

fn pipeline_section(out: &mut String, i: usize, p: &Pipeline<'_>, base_dir: &Path) -> Result<(), ReportError> {
    let _ = write!(out, "<section class=\"pipeline\" id=\"pipeline-{}\"><h2>{}. {}", i + 1, i + 1, escape(&p.name));
    if let Some(d) = p.obj.get("dataset").filter(|v| !v.is_null()) {
        let _ = write!(out, " <span class=\"tag\">{}</span>", scalar_html(d));
    }
    out.push_str("</h2>");
    if let Some(s) = p.obj.get("wall_s").and_then(Value::as_f64) {
        let _ = write!(out, "<p class=\"meta\">wall time {}</p>", fmt_seconds(s));
    }
    out.push_str("<div class=\"cols\">");
    if !p.metrics.is_empty() {
        out.push_str("<div><h3>Metrics</h3><table class=\"kv\"><tbody>");
        for k in metric_columns(std::slice::from_ref(p)) {
            if let Some(v) = p.metric(&k) {
                let _ = write!(out, "<tr><th>{}</th>{}</tr>", escape(&k), metric_cell(p, &k, v));
            }
        }
        out.push_str("</tbody></table></div>");
    }
    match p.obj.get("settings") {
        Some(Value::Object(s)) if !s.is_empty() => {
            let mut flat = Vec::new();
            flatten("", s, &mut flat);
            let rows = flat.iter().map(|(k, v)| (k.as_str(), leaf_html(v)));
            let _ = write!(out, "<div><h3>Settings</h3>{}</div>", kv_table(rows));
        }
        Some(v) if !v.is_null() && v.as_object().is_none() => {
            let _ = write!(out, "<div><h3>Settings</h3>{}</div>", render_value(v));
        }
        _ => {}
    }
    out.push_str("</div>");
    let details: Vec<(&str, String)> = p
        .obj
        .iter()
        .filter(|(k, _)| !PIPELINE_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), render_value(v)))
        .collect();
    if !details.is_empty() {
        let _ = write!(out, "<h3>Details</h3>{}", kv_table(details));
    }
    let plots: Vec<&str> = match p.obj.get("plots") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(j, v)| {
                v.as_str()
                    .ok_or_else(|| ReportError::InvalidReport(format!("pipelines[{i}].plots[{j}] is not a string")))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(ReportError::InvalidReport(format!("pipelines[{i}].plots is not an array"))),
    };
    if !plots.is_empty() {
        out.push_str("<h3>Plots</h3><div class=\"plots\">");
        for rel in plots {
            let _ =
                write!(out, "<figure>{}<figcaption>{}</figcaption></figure>", embed_plot(base_dir, rel)?, escape(rel));
        }
        out.push_str("</div>");
    }
    out.push_str("</section>");
    Ok(())
}

/// An object's scalars as one table, then each nested value under its own heading; anything
/// else through [`render_value`].
fn generic_section(out: &mut String, v: &Value) {
    let Value::Object(map) = v else {
        out.push_str(&render_value(v));
        return;
    };
    let scalars: Vec<(&str, String)> =
        map.iter().filter(|(_, v)| is_scalar(v)).map(|(k, v)| (k.as_str(), scalar_html(v))).collect();
    if !scalars.is_empty() {
        out.push_str(&kv_table(scalars));
    }
    for (k, v) in map.iter().filter(|(_, v)| !is_scalar(v)) {
        let _ = write!(out, "<h3>{}</h3>{}", escape(k), render_value(v));
    }
}

/// The plot at `base_dir/rel` as HTML: an SVG inline (without its XML prolog), other images as
/// base64 data URIs.
fn embed_plot(base_dir: &Path, rel: &str) -> Result<String, ReportError> {
    let path = base_dir.join(rel);
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let mime = match ext.as_deref() {
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        _ => return Err(ReportError::UnsupportedPlot { path: PathBuf::from(rel) }),
    };
    let bytes = std::fs::read(&path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => ReportError::MissingPlot { path: path.clone() },
        _ => ReportError::Io { path: path.clone(), source },
    })?;
    if mime == "image/svg+xml"
        && let Some(svg) = inline_svg(&bytes)
    {
        return Ok(format!("<div class=\"svg\">{svg}</div>"));
    }
    Ok(format!("<img src=\"data:{mime};base64,{}\" alt=\"{}\">", STANDARD.encode(&bytes), escape(rel)))
}

/// The `<svg …>…</svg>` element of an SVG document (XML declaration, doctype and leading
/// comments removed), or `None` when it cannot be inlined safely (not UTF-8, no `<svg` root,
/// or scripts), in which case it is embedded as a data URI instead.
fn inline_svg(bytes: &[u8]) -> Option<&str> {
    let mut s = std::str::from_utf8(bytes).ok()?.trim_start_matches('\u{feff}').trim_start();
    loop {
        if s.starts_with("<?") {
            s = s[s.find("?>")? + 2..].trim_start();
        } else if s.starts_with("<!--") {
            s = s[s.find("-->")? + 3..].trim_start();
        } else if s.len() >= 9 && s[..9].eq_ignore_ascii_case("<!doctype") {
            s = s[s.find('>')? + 1..].trim_start();
        } else {
            break;
        }
    }
    let s = s.trim_end();
    let lower = s.to_ascii_lowercase();
    let safe = !lower.contains("<script") && !lower.contains("<foreignobject") && !has_event_handler(&lower);
    (s.starts_with("<svg") && s.ends_with("</svg>") && safe).then_some(s)
}

/// Whether `s` has an attribute like ` onload=` (an event handler).
fn has_event_handler(s: &str) -> bool {
    s.match_indices(" on").any(|(i, _)| {
        let rest = s[i + 3..].trim_start_matches(|c: char| c.is_ascii_alphabetic());
        rest.len() < s.len() - i - 3 && rest.trim_start().starts_with('=')
    })
}

const CSS: &str = "
:root{color-scheme:light}
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1d1d1f;background:#fff;max-width:1500px;margin:0 auto;padding:1.5rem 2rem 3rem}
h1{font-size:1.7rem;margin:0 0 .5rem}
h2{font-size:1.3rem;margin:2.2rem 0 .6rem;padding-bottom:.25rem;border-bottom:2px solid #e4e4e7}
h3{font-size:1.02rem;margin:1.1rem 0 .4rem;color:#333}
dl.meta{display:flex;flex-wrap:wrap;gap:.3rem 2rem;margin:.3rem 0 .8rem}
dl.meta div{display:flex;gap:.4rem}
dl.meta dt{color:#666}
dl.meta dd{margin:0;font-weight:600}
p.meta{color:#555;margin:.2rem 0 .6rem}
nav ul{list-style:none;padding:0;margin:.4rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem}
a{color:#1d4ed8;text-decoration:none}
a:hover{text-decoration:underline}
table{border-collapse:collapse;margin:.3rem 0 .8rem;font-size:.92rem}
th,td{border:1px solid #e0e0e4;padding:.28rem .6rem;text-align:left;vertical-align:top}
thead th{background:#f2f2f5;white-space:nowrap}
tbody tr:nth-child(even)>td{background:#fafafb}
table.kv>tbody>tr>th{background:#f7f7f9;font-weight:600;white-space:nowrap}
table.summary tbody th{font-weight:600;white-space:nowrap}
table table{margin:0;font-size:.96em}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.idx{color:#888;text-align:right}
.better,tbody tr>td.better{background:#dcf5dc;color:#14532d}
.worse,tbody tr>td.worse{background:#fde2e2;color:#7f1d1d}
.delta{font-size:.78em;margin-left:.4em;opacity:.85}
code.arr{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86em;white-space:pre-wrap;word-break:break-word}
details summary{cursor:pointer}
ol.items{margin:0;padding-left:1.4rem}
.null{color:#999}
.tag{font-size:.8rem;font-weight:500;background:#eef2ff;color:#3730a3;border-radius:4px;padding:.1rem .45rem;vertical-align:middle}
.cols{display:flex;flex-wrap:wrap;gap:0 2.5rem;align-items:flex-start}
.scroll{overflow-x:auto;max-width:100%}
.plots{display:flex;flex-wrap:wrap;gap:1.2rem;align-items:flex-start}
figure{margin:0;border:1px solid #e4e4e7;border-radius:6px;padding:.5rem;max-width:100%;box-sizing:border-box}
figure svg,figure img{display:block;max-width:100%;height:auto}
figcaption{font-size:.8rem;color:#666;margin-top:.3rem;word-break:break-all}
.note{color:#555;font-size:.85rem}
.note span{padding:0 .3em;border-radius:3px}
footer{margin-top:3rem;color:#888;font-size:.8rem}
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::atomic::tmp_path;
    use crate::report::plot_cluster_sizes;
    use crate::report::testutil::TempDir;
    use serde_json::json;

    fn sample(plot: &str) -> Value {
        json!({
            "seed": 42,
            "profile": "quick",
            "wall_s": 75.5,
            "primitives": {
                "sinkhorn": [{"n": 100, "err": 1.5e-7}, {"n": 200, "iters": 31}],
                "note": "a & b",
            },
            "pipelines": [{
                "name": "swav-digits",
                "dataset": "digits",
                "settings": {"lr": 0.001, "head": {"k": 10, "act": "<b>"}, "dims": [64, 32]},
                "metrics": {"acc": 0.87345, "raw_acc": 0.8, "nmi": 0.81, "linear_probe": 0.7,
                            "raw_linear_probe": 0.75, "knn": {"k10": 0.9}, "loss": 1.25},
                "wall_s": 12.34,
                "plots": [plot],
                "epochs": 20,
            }],
            "version": "0.1.0",
        })
    }

    #[test]
    fn writes_a_self_contained_page() {
        let dir = TempDir::new("html");
        std::fs::create_dir_all(dir.path().join("plots")).unwrap();
        plot_cluster_sizes(&dir.path().join("plots/sizes.svg"), "Sizes of swav", &[0, 0, 1, 2, 2, 2]).unwrap();
        let out = dir.path().join("report.html");
        write_html(&sample("plots/sizes.svg"), dir.path(), &out).unwrap();
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(!tmp_path(&out).exists());
        assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
        // Header, summary, metrics with 3 decimals and the baseline highlight.
        assert!(html.contains("swav-digits") && html.contains("<dd>42</dd>") && html.contains("<dd>quick</dd>"));
        assert!(html.contains("1 min 16 s"), "total wall time");
        assert!(html.contains("0.873") && !html.contains("0.87345"));
        assert!(html.contains("<td class=\"better num\" title=\"raw_acc = 0.800, Δ +0.073\">0.873"));
        assert!(html.contains("<td class=\"worse num\""), "linear probe below its baseline");
        assert!(html.contains("<th>knn.k10</th>") && html.contains("<th>raw_acc</th>"));
        let acc = html.find("<th>acc</th>").unwrap();
        assert!(acc < html.find("<th>nmi</th>").unwrap() && acc < html.find("<th>loss</th>").unwrap());
        // Settings flattened and escaped, arrays compact.
        assert!(html.contains("<th>head.act</th><td>&lt;b&gt;</td>") && !html.contains("<b>"));
        assert!(html.contains("[64, 32]"));
        // The plot inlined without its prolog; no external resources.
        assert!(html.contains("<div class=\"svg\"><svg") && html.contains("Sizes of swav"));
        assert!(!html.contains("<?xml") && !html.contains("<script") && !html.contains("src=\"http"));
        // Primitives as a table with the union of keys; other fields kept.
        for col in ["<th>n</th>", "<th>err</th>", "<th>iters</th>", "<td class=\"num\">1.500e-7</td>"] {
            assert!(html.contains(col), "{col} missing");
        }
        assert!(html.contains("a &amp; b"));
        assert!(html.contains("<dt>version</dt>") && html.contains("<th>epochs</th>"));
    }

    #[test]
    fn png_plots_and_prologs() {
        let dir = TempDir::new("html-png");
        std::fs::write(dir.path().join("p.png"), [0x89, b'P', b'N', b'G', 1, 2, 3]).unwrap();
        let svg = "<?xml version=\"1.0\"?>\n<!-- made by hand -->\n<svg xmlns=\"http://www.w3.org/2000/svg\"><text>hi</text></svg>\n";
        std::fs::write(dir.path().join("q.svg"), svg).unwrap();
        let report = json!({"pipelines": [{"name": "train", "plots": ["p.png", "q.svg"]}]});
        let out = dir.path().join("r.html");
        write_html(&report, dir.path(), &out).unwrap();
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(
            html.contains(&format!("data:image/png;base64,{}", STANDARD.encode([0x89, b'P', b'N', b'G', 1, 2, 3])))
        );
        assert!(html.contains("<div class=\"svg\"><svg xmlns") && !html.contains("made by hand"));
        // No primitives, no seed: those sections are simply absent.
        assert!(!html.contains("id=\"primitives\"") && html.contains("<h1>clasp report</h1>"));
        // A script-carrying SVG is not inlined.
        std::fs::write(dir.path().join("q.svg"), "<svg><script>alert(1)</script></svg>").unwrap();
        write_html(&report, dir.path(), &out).unwrap();
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(!html.contains("<script") && html.contains("data:image/svg+xml;base64,"));
        assert!(has_event_handler("<svg onload = \"x\">") && !has_event_handler("<text>loss on train</text>"));
    }

    #[test]
    fn missing_plot_errors_and_writes_nothing() {
        let dir = TempDir::new("html-missing");
        let out = dir.path().join("report.html");
        let err = write_html(&sample("plots/nope.svg"), dir.path(), &out).unwrap_err();
        assert!(matches!(&err, ReportError::MissingPlot { path } if path.ends_with("plots/nope.svg")), "{err}");
        assert!(!out.exists() && !tmp_path(&out).exists());
        let err = write_html(&sample("plots/x.gif"), dir.path(), &out).unwrap_err();
        assert!(matches!(err, ReportError::UnsupportedPlot { .. }), "{err}");
        assert!(!out.exists());
    }

    #[test]
    fn malformed_reports_are_rejected() {
        let dir = TempDir::new("html-bad");
        let out = dir.path().join("report.html");
        for bad in
            [json!([1]), json!({"pipelines": 3}), json!({"pipelines": [1]}), json!({"pipelines": [{"plots": [1]}]})]
        {
            let err = write_html(&bad, dir.path(), &out).unwrap_err();
            assert!(matches!(err, ReportError::InvalidReport(_)), "{err}");
        }
        assert!(!out.exists());
        // An empty object is a valid (empty) report.
        write_html(&json!({}), dir.path(), &out).unwrap();
        assert!(std::fs::read_to_string(&out).unwrap().contains("<h1>clasp report</h1>"));
    }
}
