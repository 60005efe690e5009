//! Delimited text (the `csv` crate): comma, semicolon or tab separated, or columns separated
//! by runs of spaces. The rules, each a clear error rather than a silent guess:
//! - a UTF-8 byte-order mark is stripped; blank lines and lines starting with `#` are skipped;
//! - the delimiter is the first of `,` `;` tab found on the first data line, else whitespace;
//! - with [`Header::Auto`] the first line is a header only when *every* field is a
//!   non-numeric name; a first line mixing numbers and text is a data row with a bad value
//!   (an error naming line and column), never a header that silently drops a row;
//! - an empty cell (`1,,3`) or a row of the wrong width is an error naming line and column.

use super::{Table, TableError};

/// Whether the first line is a header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Header {
    /// A header exactly when every field of the first line is a non-numeric name.
    #[default]
    Auto,
    /// The first line is a header (skipped whatever it holds).
    Yes,
    /// No header: the first line is data.
    No,
}

/// One parsed line: its 1-based line number and its fields.
struct Line {
    number: u64,
    fields: Vec<String>,
}

/// Parses delimited text into a table of f64 (see the module docs for the rules).
pub fn parse_csv(text: &str, header: Header) -> Result<Table, TableError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = split_lines(text)?.into_iter().peekable();
    let skip_first = match (header, lines.peek()) {
        (Header::Yes, _) => true,
        (Header::No, _) | (Header::Auto, None) => false,
        (Header::Auto, Some(first)) => first.fields.iter().all(|f| !f.is_empty() && f.parse::<f64>().is_err()),
    };
    if skip_first {
        lines.next();
    }
    let mut data = Vec::new();
    let (mut rows, mut cols) = (0usize, 0usize);
    for line in lines {
        if rows == 0 {
            cols = line.fields.len();
        } else if line.fields.len() != cols {
            return Err(TableError::Ragged { line: line.number, found: line.fields.len(), expected: cols });
        }
        for (c, field) in line.fields.iter().enumerate() {
            if field.is_empty() {
                return Err(TableError::EmptyCell { line: line.number, column: c + 1 });
            }
            let v = field.parse::<f64>().map_err(|_| TableError::NotANumber {
                line: line.number,
                column: c + 1,
                field: field.clone(),
            })?;
            data.push(v);
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(TableError::NoRows);
    }
    Ok(Table { data, rows, cols })
}

/// The non-blank, non-comment lines as trimmed fields.
fn split_lines(text: &str) -> Result<Vec<Line>, TableError> {
    let is_data = |l: &str| !l.trim().is_empty() && !l.trim_start().starts_with('#');
    let Some(first) = text.lines().find(|l| is_data(l)) else { return Ok(Vec::new()) };
    let Some(delimiter) = [b',', b';', b'\t'].into_iter().find(|&d| first.as_bytes().contains(&d)) else {
        // Whitespace-separated columns (runs of spaces count as one separator).
        return Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| is_data(l))
            .map(|(i, l)| Line { number: i as u64 + 1, fields: l.split_whitespace().map(str::to_string).collect() })
            .collect());
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record?;
        let number = record.position().map_or(0, csv::Position::line);
        // A line of spaces only is one empty field: blank, not an empty cell.
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        lines.push(Line { number, fields: record.iter().map(str::to_string).collect() });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(data: &[f64], rows: usize, cols: usize) -> Table {
        Table { data: data.to_vec(), rows, cols }
    }

    #[test]
    fn separators_comments_blank_lines_and_a_name_header() {
        let t = parse_csv("a,b\n1,2\n# note\n\n3, 4\n", Header::Auto).unwrap();
        assert_eq!(t, table(&[1., 2., 3., 4.], 2, 2));
        assert_eq!(parse_csv("1;2\n3;4\n", Header::Auto).unwrap(), table(&[1., 2., 3., 4.], 2, 2));
        assert_eq!(parse_csv("1\t2\n3\t4\n", Header::Auto).unwrap(), table(&[1., 2., 3., 4.], 2, 2));
        assert_eq!(parse_csv("x y\n1   2\n 3 4\n", Header::Auto).unwrap(), table(&[1., 2., 3., 4.], 2, 2));
        assert_eq!(parse_csv("\"1\",\"2\"\n", Header::Auto).unwrap(), table(&[1., 2.], 1, 2));
    }

    #[test]
    fn a_typo_in_the_first_row_is_an_error_not_a_header() {
        // Before: the whole first row was taken as a header and silently dropped (5 rows → 4).
        let err = parse_csv("1,2x\n3,4\n5,6\n", Header::Auto).unwrap_err().to_string();
        assert_eq!(err, "line 1, column 2: \"2x\" is not a number");
        assert_eq!(parse_csv("1,2x\n3,4\n", Header::Yes).unwrap(), table(&[3., 4.], 1, 2));
        assert!(parse_csv("a,b\n1,2\n", Header::No).unwrap_err().to_string().contains("line 1, column 1"));
    }

    #[test]
    fn a_byte_order_mark_is_stripped() {
        // Before: "\u{feff}1" failed to parse, so the first data row became a "header".
        assert_eq!(parse_csv("\u{feff}1,2\n3,4\n", Header::Auto).unwrap(), table(&[1., 2., 3., 4.], 2, 2));
    }

    #[test]
    fn empty_cells_and_ragged_rows_name_line_and_column() {
        // Before: `1,,3` collapsed to two columns.
        assert_eq!(parse_csv("1,2,3\n1,,3\n", Header::Auto).unwrap_err().to_string(), "line 2, column 2: empty cell");
        assert_eq!(parse_csv("1,,3\n", Header::Auto).unwrap_err().to_string(), "line 1, column 2: empty cell");
        assert!(
            parse_csv("1,2\n3\n", Header::Auto).unwrap_err().to_string().starts_with("line 2: 1 fields, expected 2")
        );
        assert_eq!(parse_csv("a,b\n", Header::Auto).unwrap_err().to_string(), "no data rows");
        assert_eq!(parse_csv("", Header::Auto).unwrap_err().to_string(), "no data rows");
    }
}
