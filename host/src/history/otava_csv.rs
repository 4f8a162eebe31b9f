//! Apache Otava's CSV layout: one row per build, a time column, attribute
//! columns copied as they are (`build`, `machine`, `distro`) and one
//! column per metric (a check name) holding a number. Otava reads every
//! column it is configured with as a float, so a build without a metric
//! gets an empty cell: select metrics that every build has (`export
//! GLOB`) when Otava should read the file.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::BuildRecord;
use crate::results::{Check, CheckValue, python_float_repr};

/// The time column's name (Otava's default `time_column`).
pub const TIME: &str = "time";
/// The attribute columns written, after the time column.
pub const ATTRIBUTES: [&str; 3] = ["build", "machine", "distro"];

/// One exported build: its time and the record.
pub struct Row<'a> {
    /// When the build was added (RFC 3339).
    pub time: &'a str,
    /// The build.
    pub build: &'a BuildRecord,
}

/// Writes `rows` (in build order) as CSV, with the numeric checks whose
/// name `keep` accepts as metric columns, sorted by name.
pub fn write(rows: &[Row], keep: impl Fn(&str) -> bool) -> String {
    let mut metrics: BTreeMap<&str, ()> = BTreeMap::new();
    for row in rows {
        for check in &row.build.checks {
            if check.value.as_f64().is_some() && keep(&check.name) {
                metrics.insert(&check.name, ());
            }
        }
    }
    let mut out = String::new();
    let header: Vec<&str> = std::iter::once(TIME)
        .chain(ATTRIBUTES)
        .chain(metrics.keys().copied())
        .collect();
    write_record(&mut out, header.iter().copied());
    for row in rows {
        let metadata = row.build.parsed_metadata();
        let values: BTreeMap<&str, &CheckValue> = row
            .build
            .checks
            .iter()
            .map(|c| (c.name.as_str(), &c.value))
            .collect();
        let mut cells = vec![
            row.time.to_string(),
            row.build.id.clone(),
            metadata.get("machine").unwrap_or("").to_string(),
            metadata.get("distro").unwrap_or("").to_string(),
        ];
        for name in metrics.keys() {
            cells.push(match values.get(name) {
                Some(CheckValue::Int(v)) => v.to_string(),
                Some(CheckValue::Float(v)) => python_float_repr(*v),
                _ => String::new(),
            });
        }
        write_record(&mut out, cells.iter().map(String::as_str));
    }
    out
}

fn write_record<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push('\n');
}

/// A problem with an Otava CSV file.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// No header row.
    #[error("empty file: an Otava CSV starts with a header row")]
    Empty,
    /// The time column is missing.
    #[error("no {0:?} column in the header; name the time column with --time-column")]
    NoTimeColumn(String),
    /// A row of another length than the header.
    #[error("line {line}: {found} values, the header has {expected} columns")]
    RowLength {
        /// 1-based line.
        line: usize,
        /// Values found.
        found: usize,
        /// Columns in the header.
        expected: usize,
    },
    /// A metric cell that is not a number.
    #[error("line {line}: column {column:?}: {value:?} is not a number")]
    NotANumber {
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
        /// The cell.
        value: String,
    },
    /// A quoted cell that does not end.
    #[error("line {0}: a quoted value does not end")]
    Unterminated(usize),
}

/// Reads an Otava CSV: `time` names the time column, `attributes` the
/// columns copied as metadata (the first of them present, else the time,
/// gives the build id); every other column is a metric. Each row becomes
/// one build read from `path`, an empty cell meaning no such check.
pub fn read(
    text: &str,
    path: &str,
    time: &str,
    attributes: &[String],
) -> Result<Vec<BuildRecord>, CsvError> {
    let records = parse(text)?;
    let mut records = records.into_iter();
    let (_, header) = records.next().ok_or(CsvError::Empty)?;
    let time_index = header
        .iter()
        .position(|h| h == time)
        .ok_or_else(|| CsvError::NoTimeColumn(time.to_string()))?;
    let attribute_indexes: Vec<usize> = attributes
        .iter()
        .filter_map(|a| header.iter().position(|h| h == a))
        .filter(|&i| i != time_index)
        .collect();
    let no_params = Arc::new(Vec::new());
    let mut builds = Vec::new();
    for (line, row) in records {
        if row.len() == 1 && row[0].is_empty() {
            continue;
        }
        if row.len() != header.len() {
            return Err(CsvError::RowLength {
                line,
                found: row.len(),
                expected: header.len(),
            });
        }
        let mut metadata = format!("{time}:{}\n", row[time_index]);
        for &i in &attribute_indexes {
            metadata.push_str(&format!("{}:{}\n", header[i], row[i]));
        }
        let id = attribute_indexes
            .first()
            .map(|&i| row[i].clone())
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| row[time_index].clone());
        let mut checks = Vec::new();
        for (i, cell) in row.iter().enumerate() {
            if i == time_index || attribute_indexes.contains(&i) || cell.trim().is_empty() {
                continue;
            }
            let cell = cell.trim();
            let value = match cell.parse::<i64>() {
                Ok(v) => CheckValue::Int(v),
                Err(_) => match cell.parse::<f64>() {
                    Ok(v) => CheckValue::Float(v),
                    Err(_) => {
                        return Err(CsvError::NotANumber {
                            line,
                            column: header[i].clone(),
                            value: cell.to_string(),
                        });
                    }
                },
            };
            checks.push(Check {
                name: header[i].clone(),
                value,
                primary: true,
                params: no_params.clone(),
            });
        }
        builds.push(BuildRecord {
            order: id.parse().ok(),
            id,
            path: path.to_string(),
            metadata,
            checks,
            notes: Vec::new(),
            samples: Vec::new(),
        });
    }
    Ok(builds)
}

/// Splits CSV text into records (RFC 4180 quoting), each with the line
/// it starts on.
fn parse(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut record = Vec::new();
        let mut cell = String::new();
        loop {
            match chars.next() {
                None => {
                    record.push(std::mem::take(&mut cell));
                    break;
                }
                Some('"') if cell.is_empty() => loop {
                    match chars.next() {
                        None => return Err(CsvError::Unterminated(start)),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            cell.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            cell.push(c);
                        }
                    }
                },
                Some(',') => record.push(std::mem::take(&mut cell)),
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    line += 1;
                    record.push(std::mem::take(&mut cell));
                    break;
                }
                Some(c) => cell.push(c),
            }
        }
        records.push((start, record));
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(id: &str, checks: &[(&str, CheckValue)]) -> BuildRecord {
        BuildRecord {
            id: id.into(),
            order: None,
            path: "/r".into(),
            metadata: "machine:m1\ndistro:F-42\n".into(),
            checks: checks
                .iter()
                .map(|(name, value)| Check {
                    name: (*name).into(),
                    value: value.clone(),
                    primary: true,
                    params: Arc::new(Vec::new()),
                })
                .collect(),
            notes: Vec::new(),
            samples: Vec::new(),
        }
    }

    #[test]
    fn export_then_import_keeps_values_and_ids() {
        let a = build(
            "101",
            &[
                ("p/t:a,b.mean", CheckValue::Float(0.1)),
                ("x.mean", CheckValue::Int(3)),
            ],
        );
        let b = build("102", &[("x.mean", CheckValue::Float(2.5))]);
        let text = write(
            &[
                Row {
                    time: "2026-01-01T00:00:00Z",
                    build: &a,
                },
                Row {
                    time: "2026-01-02T00:00:00Z",
                    build: &b,
                },
            ],
            |_| true,
        );
        assert_eq!(
            text,
            "time,build,machine,distro,\"p/t:a,b.mean\",x.mean\n\
             2026-01-01T00:00:00Z,101,m1,F-42,0.1,3\n\
             2026-01-02T00:00:00Z,102,m1,F-42,,2.5\n"
        );
        let attributes: Vec<String> = ATTRIBUTES.iter().map(|a| a.to_string()).collect();
        let back = read(&text, "h.csv", TIME, &attributes).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].id, "101");
        assert_eq!(back[0].order, Some(101));
        assert_eq!(back[0].checks, a.checks);
        assert_eq!(back[1].checks, b.checks);
        assert!(back[1].metadata.contains("machine:m1\n"));
    }

    #[test]
    fn bad_files_say_where() {
        let attributes = vec!["build".to_string()];
        let err = read("time,x\n1,abc\n", "f", TIME, &attributes).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: column \"x\": \"abc\" is not a number"
        );
        let err = read("when,x\n1,2\n", "f", TIME, &attributes).unwrap_err();
        assert!(err.to_string().contains("no \"time\" column"));
        let err = read("time,x\n1,2,3\n", "f", TIME, &attributes).unwrap_err();
        assert!(err.to_string().contains("line 2: 3 values"));
        let err = read("time,x\n\"1,2\n", "f", TIME, &attributes).unwrap_err();
        assert!(err.to_string().contains("does not end"));
        assert!(matches!(
            read("", "f", TIME, &attributes),
            Err(CsvError::Empty)
        ));
    }
}
