//! Result-parser plugins: files other than pbench's `result.json` under
//! `PROFILE/TEST/SERIAL/` read into checks by the plugins that handle them
//! (loaded by the command-line front end and passed to the reader as
//! [`ResultParsers`]).

use std::{path::Path, sync::Arc};

use runperf_plugin_api::loader::ResultParserHandle;

use super::{Check, CheckValue, ResultError, pbench::FileChecks, walk::ResultFile};

/// A parser and the name it is known by.
pub struct Parser {
    /// Component name (for messages).
    pub name: String,
    /// The plugin object.
    pub handle: ResultParserHandle,
}

/// The result-parser plugins a reader hands files to, besides the
/// built-in reader of pbench's `result.json`. The command-line front ends
/// load them and pass them down to every tree they read.
pub struct ResultParsers {
    parsers: Vec<Parser>,
}

impl ResultParsers {
    /// No parser: only `result.json` files are read.
    pub const fn none() -> Self {
        Self {
            parsers: Vec::new(),
        }
    }

    /// These parsers, the first handling a file name reading the file.
    pub fn new(parsers: Vec<Parser>) -> Self {
        Self { parsers }
    }

    /// Whether there is no parser.
    pub fn is_empty(&self) -> bool {
        self.parsers.is_empty()
    }

    /// Whether a plugin reads files named `file_name` (never `result.json`,
    /// which is the built-in parser's).
    pub fn handles(&self, file_name: &str) -> bool {
        file_name != "result.json" && self.parsers.iter().any(|p| p.handle.handles(file_name))
    }

    /// Reads `file` with the first plugin that handles its name.
    pub(super) fn read(&self, file: &ResultFile) -> FileChecks {
        let name = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(parser) = self.parsers.iter().find(|p| p.handle.handles(&name)) else {
            return FileChecks {
                checks: Vec::new(),
                problems: Vec::new(),
            };
        };
        read_with(parser, file)
    }
}

fn split_params(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Reads `file` with `parser`; a failure becomes an unreadable-file check.
fn read_with(parser: &Parser, file: &ResultFile) -> FileChecks {
    match parser.handle.parse(Path::new(&file.path)) {
        Ok(parsed) => FileChecks {
            checks: parsed
                .into_iter()
                .map(|c| Check {
                    name: format!("{}:{}", file.result_id, c.name),
                    value: match (c.value, c.text) {
                        (Some(v), _) if v.is_finite() => CheckValue::Float(v),
                        (Some(v), _) => CheckValue::Broken(format!("{v} is not a finite number")),
                        (None, Some(text)) => CheckValue::Text(text),
                        (None, None) => CheckValue::Broken("no value".to_owned()),
                    },
                    primary: c.primary,
                    params: Arc::new(split_params(&c.params)),
                })
                .collect(),
            problems: Vec::new(),
        },
        Err(err) => FileChecks::unreadable(
            &file.result_id,
            ResultError::Plugin {
                path: file.path.clone(),
                parser: parser.name.clone(),
                reason: format!("{err:#}"),
            },
        ),
    }
}
