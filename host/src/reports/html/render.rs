//! Renders the view with the embedded tera templates into one standalone
//! page: CSS and script inlined, a Content-Security-Policy that allows no
//! fetch at all and only the page's own script (by its hash), so even an
//! escaping mistake could not run injected code or reach the network.

use std::io::{self, Write};

use base64::Engine as _;
use sha2::{Digest, Sha256};
use tera::{Context, Tera};

use super::status;
use super::view::View;

const REPORT: &str = include_str!("templates/report.html");
/// The template macros (`chart` draws an [`super::svg::Svg`]), shared with
/// history-perf detect's page.
pub const MACROS: &str = include_str!("templates/macros.html");
/// Click-to-copy, shared with history-perf detect's page.
pub const COPY_JS: &str = include_str!("templates/copy.js");
const ROWS: &str = include_str!("templates/rows.html");

/// Rows of a check table rendered per template call: the template value
/// of a slice is small, that of a whole table of thousands of rows with
/// every build's cells took hundreds of megabytes.
const ROWS_PER_RENDER: usize = 256;
const CSS: &str = include_str!("templates/report.css");
const JS: &str = concat!(
    include_str!("templates/copy.js"),
    include_str!("templates/report.js")
);

/// Why the page could not be rendered (a bug in the templates).
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot render the HTML report: {0:#}; this is a bug in runperf's templates, please report it"
)]
pub struct RenderError(#[from] tera::Error);

/// Stand-ins for the rows of the two check tables in the rendered page:
/// the rows are written in their place, a slice at a time. Comments that
/// no escaped value can produce (`<` is escaped) and no template holds.
const ROW_MARKS: [&str; 2] = ["<!--runperf-rows:groups-->", "<!--runperf-rows:failures-->"];

/// The CSP of a page whose only script is `script`, inlined: nothing from
/// anywhere, and no script but that one (by its hash).
pub fn content_security_policy(script: &str) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
    format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; \
         img-src data:; base-uri 'none'; form-action 'none'"
    )
}

/// HTML escaping of every `{{ }}` value: `&`, `<`, `>`, `"` and `'`, which
/// is enough in text and in quoted attributes (tera's default also turns
/// every `/` into `&#x2F;`, making links unreadable and the file larger).
pub fn escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 16);
    for c in input.chars() {
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

/// Writes the page for `view` to `out`. The page is rendered without the
/// rows of its check tables, which are rendered a slice at a time straight
/// into `out`: they are most of the page, and as one template value they
/// took most of the report's memory.
pub fn render(view: &View, out: &mut dyn Write) -> io::Result<()> {
    let mut tera = Tera::default();
    // Names ending in .html: tera escapes every `{{ }}` in them.
    tera.add_raw_templates(vec![
        ("macros.html", MACROS),
        ("rows.html", ROWS),
        ("report.html", REPORT),
    ])
    .map_err(bug)?;
    tera.set_escape_fn(escape);
    let mut context = Context::new();
    context.insert("groups_rows", ROW_MARKS[0]);
    context.insert("failures_rows", ROW_MARKS[1]);
    context.insert("view", view);
    context.insert("statuses", &status::ALL);
    context.insert("css", CSS);
    context.insert("js", JS);
    context.insert("csp", &content_security_policy(JS));
    let page = tera.render("report.html", &context).map_err(bug)?;
    let mut rest = page.as_str();
    for (mark, table) in ROW_MARKS.into_iter().zip([&view.groups, &view.failures]) {
        let Some((before, after)) = rest.split_once(mark) else {
            let missing = tera::Error::msg(format!("the page lacks the rows of {}", table.id));
            return Err(bug(missing));
        };
        out.write_all(before.as_bytes())?;
        for slice in table.rows.chunks(ROWS_PER_RENDER) {
            let mut context = Context::new();
            context.insert("rows", slice);
            tera.render_to("rows.html", &context, &mut *out)
                .map_err(bug)?;
        }
        rest = after;
    }
    out.write_all(rest.as_bytes())
}

/// A template error as an I/O error (the report is written through
/// `Write`); the message says it is a bug.
fn bug(error: tera::Error) -> io::Error {
    io::Error::other(RenderError(error))
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("https://a/b"), "https://a/b");
    }
}
