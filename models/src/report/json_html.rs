//! JSON values as HTML fragments: escaping, number formatting, flattening nested objects to
//! dotted keys, compact arrays, and the generic nested-table rendering of arbitrary JSON
//! (objects → key/value tables, arrays of objects → tables with the union of their keys as
//! columns, arrays of scalar arrays → matrices, arrays of scalars → one compact line).

use serde_json::{Map, Number, Value};
use std::fmt::Write;

/// Arrays of scalars longer than this are shown abbreviated, with the full list folded.
const COMPACT_MAX: usize = 16;
/// Items shown in the abbreviated form.
const COMPACT_HEAD: usize = 10;

/// `s` with `& < > " '` replaced by entities (safe in text and in quoted attributes).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A float with 3 decimals (fractions, seconds), or 3 significant decimals in scientific
/// notation when very large or very small.
pub(crate) fn fmt_float(v: f64) -> String {
    if v == 0.0 {
        "0.000".to_string()
    } else if (1e-3..1e6).contains(&v.abs()) {
        format!("{v:.3}")
    } else {
        format!("{v:.3e}")
    }
}

/// Integers as they are, floats through [`fmt_float`].
pub(crate) fn fmt_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        fmt_float(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// A duration in seconds for people: `0.250 s`, `12.3 s`, `4 min 05 s`, `2 h 03 min`.
pub(crate) fn fmt_seconds(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return format!("{s} s");
    }
    if s < 1.0 {
        format!("{s:.3} s")
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        let t = s.round() as u64;
        format!("{} min {:02} s", t / 60, t % 60)
    } else {
        let m = (s / 60.0).round() as u64;
        format!("{} h {:02} min", m / 60, m % 60)
    }
}

/// Whether `v` is a string, number, bool or null.
pub(crate) fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// A scalar as escaped HTML (null as a grey dash); arrays and objects as compact JSON.
pub(crate) fn scalar_html(v: &Value) -> String {
    match v {
        Value::Null => "<span class=\"null\">—</span>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => fmt_number(n),
        Value::String(s) => escape(s),
        other => format!("<code class=\"arr\">{}</code>", escape(&other.to_string())),
    }
}

/// A scalar as plain text inside a compact array (strings quoted).
fn scalar_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Number(n) => fmt_number(n),
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// Nested objects flattened to `(dotted.key, leaf)` pairs in map order; arrays, scalars and
/// empty objects are leaves.
pub(crate) fn flatten<'a>(prefix: &str, map: &'a Map<String, Value>, out: &mut Vec<(String, &'a Value)>) {
    for (k, v) in map {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(inner) if !inner.is_empty() => flatten(&key, inner, out),
            _ => out.push((key, v)),
        }
    }
}

/// A leaf of a flattened table: arrays of scalars compact, other arrays and objects through
/// [`render_value`], scalars escaped.
pub(crate) fn leaf_html(v: &Value) -> String {
    match v {
        Value::Array(items) if items.iter().all(is_scalar) => compact_array(items),
        Value::Array(_) | Value::Object(_) => render_value(v),
        _ => scalar_html(v),
    }
}

/// An array of scalars on one line, `[1, 2, 3]`; long arrays show their first items and fold
/// the full list into a `<details>` element.
pub(crate) fn compact_array(items: &[Value]) -> String {
    let join = |xs: &[Value]| xs.iter().map(scalar_text).collect::<Vec<_>>().join(", ");
    if items.len() <= COMPACT_MAX {
        return format!("<code class=\"arr\">[{}]</code>", escape(&join(items)));
    }
    format!(
        "<details><summary><code class=\"arr\">[{}, …]</code> ({} items)</summary><code class=\"arr\">[{}]</code></details>",
        escape(&join(&items[..COMPACT_HEAD])),
        items.len(),
        escape(&join(items))
    )
}

/// A two-column table of already-rendered `(key, html)` rows; keys are escaped here.
pub(crate) fn kv_table<'a>(rows: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut out = String::from("<table class=\"kv\"><tbody>");
    for (k, html) in rows {
        let _ = write!(out, "<tr><th>{}</th><td>{html}</td></tr>", escape(k));
    }
    out.push_str("</tbody></table>");
    out
}

/// Any JSON value as nested HTML (see the module documentation).
pub(crate) fn render_value(v: &Value) -> String {
    match v {
        Value::Object(map) if map.is_empty() => "<span class=\"null\">{}</span>".to_string(),
        Value::Object(map) => kv_table(map.iter().map(|(k, v)| (k.as_str(), render_value(v)))),
        Value::Array(items) if items.is_empty() => "<code class=\"arr\">[]</code>".to_string(),
        Value::Array(items) if items.iter().all(is_scalar) => compact_array(items),
        Value::Array(items) if items.iter().all(Value::is_object) => records_table(items),
        Value::Array(items) if items.iter().all(|r| r.as_array().is_some_and(|r| r.iter().all(is_scalar))) => {
            matrix_table(items)
        }
        Value::Array(items) => {
            let mut out = String::from("<ol class=\"items\">");
            for item in items {
                let _ = write!(out, "<li>{}</li>", render_value(item));
            }
            out.push_str("</ol>");
            out
        }
        scalar => scalar_html(scalar),
    }
}

/// Cell class for a value: numbers right-aligned.
fn cell_class(v: &Value) -> &'static str {
    if v.is_number() { " class=\"num\"" } else { "" }
}

/// Objects as rows of one table whose columns are the union of their keys (first-seen order).
fn records_table(items: &[Value]) -> String {
    let mut columns: Vec<&str> = Vec::new();
    for item in items {
        for k in item.as_object().into_iter().flat_map(Map::keys) {
            if !columns.contains(&k.as_str()) {
                columns.push(k);
            }
        }
    }
    let mut out = String::from("<div class=\"scroll\"><table class=\"records\"><thead><tr><th>#</th>");
    for c in &columns {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr></thead><tbody>");
    for (i, item) in items.iter().enumerate() {
        let _ = write!(out, "<tr><td class=\"idx\">{}</td>", i + 1);
        for c in &columns {
            match item.get(*c) {
                Some(v) => {
                    let _ = write!(out, "<td{}>{}</td>", cell_class(v), render_value(v));
                }
                None => out.push_str("<td></td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// Arrays of scalars as the rows of a grid.
fn matrix_table(rows: &[Value]) -> String {
    let mut out = String::from("<div class=\"scroll\"><table class=\"matrix\"><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for v in row.as_array().map(Vec::as_slice).unwrap_or_default() {
            let _ = write!(out, "<td{}>{}</td>", cell_class(v), scalar_html(v));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_and_formats() {
        assert_eq!(escape("<b>\"x\" & 'y'</b>"), "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;");
        assert_eq!(fmt_float(0.87345), "0.873");
        assert_eq!(fmt_float(1.0), "1.000");
        assert_eq!(fmt_float(1.5e-5), "1.500e-5");
        assert_eq!(scalar_html(&json!(12)), "12");
        assert_eq!(scalar_html(&json!(0.5)), "0.500");
        assert_eq!(fmt_seconds(0.25), "0.250 s");
        assert_eq!(fmt_seconds(12.34), "12.3 s");
        assert_eq!(fmt_seconds(245.0), "4 min 05 s");
        assert_eq!(fmt_seconds(7380.0), "2 h 03 min");
    }

    #[test]
    fn flattens_with_dotted_keys() {
        let v = json!({"a": 1, "b": {"c": [1, 2], "d": {"e": "x"}, "f": {}}});
        let mut out = Vec::new();
        flatten("", v.as_object().unwrap(), &mut out);
        let keys: Vec<&str> = out.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b.c", "b.d.e", "b.f"]);
        assert_eq!(leaf_html(out[1].1), "<code class=\"arr\">[1, 2]</code>");
    }

    #[test]
    fn renders_nested_json_generically() {
        let v = json!({
            "sinkhorn": [{"n": 10, "err": 1e-9}, {"n": 20, "iters": 7}],
            "grid": [[1, 2], [3, 4]],
            "long": (0..40).collect::<Vec<_>>(),
            "mixed": [1, {"x": "<i>"}],
        });
        let html = render_value(&v);
        // Union of keys as columns.
        // Union of keys as columns (map order: sorted keys), a blank cell where a key is missing.
        assert!(html.contains("<th>#</th><th>err</th><th>n</th><th>iters</th>"), "{html}");
        assert!(html.contains("<td class=\"num\">20</td><td class=\"num\">7</td>"), "{html}");
        assert!(html.contains("1.000e-9"));
        assert!(html.contains("<table class=\"matrix\">"));
        assert!(html.contains("(40 items)") && html.contains("<details>"));
        assert!(html.contains("&lt;i&gt;") && !html.contains("<i>"));
    }
}
