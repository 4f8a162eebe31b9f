//! Result-parser plugins: files other than pbench's `result.json` under
//! `PROFILE/TEST/SERIAL/` read into checks by the plugins that handle them
//! (installed once per process by the command-line front end).

use std::{path::Path, sync::Arc, sync::OnceLock};

use runperf_plugin_api::loader::ResultParserHandle;

use super::{Check, CheckValue, ResultError, pbench::FileChecks, walk::ResultFile};

/// A parser and the name it is known by.
pub struct Parser {
    /// Component name (for messages).
    pub name: String,
    /// The plugin object.
    pub handle: ResultParserHandle,
}

static PARSERS: OnceLock<Vec<Parser>> = OnceLock::new();

/// Makes `parsers` read their files in every tree loaded from now on; the
/// first call wins (one set of plugins per process).
pub fn install(parsers: Vec<Parser>) {
    let _ = PARSERS.set(parsers);
}

fn installed() -> &'static [Parser] {
    PARSERS.get().map_or(&[], Vec::as_slice)
}

/// Whether any result parser is installed.
pub fn any_installed() -> bool {
    !installed().is_empty()
}

/// Whether a plugin reads files named `file_name` (never `result.json`,
/// which is the built-in parser's).
pub fn handles(file_name: &str) -> bool {
    file_name != "result.json" && installed().iter().any(|p| p.handle.handles(file_name))
}

fn split_params(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Reads `file` with the first plugin that handles its name.
pub(super) fn read(file: &ResultFile) -> FileChecks {
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(parser) = installed().iter().find(|p| p.handle.handles(&name)) else {
        return FileChecks {
            checks: Vec::new(),
            problems: Vec::new(),
        };
    };
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
