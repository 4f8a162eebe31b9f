//! Renders the view with the embedded tera templates into one standalone
//! page: CSS and script inlined, a Content-Security-Policy that allows no
//! fetch at all and only the page's own script (by its hash), so even an
//! escaping mistake could not run injected code or reach the network.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use tera::{Context, Tera};

use super::status;
use super::table::CheckTable;
use super::view::View;

const REPORT: &str = include_str!("templates/report.html");
const MACROS: &str = include_str!("templates/macros.html");
const ROWS: &str = include_str!("templates/rows.html");

/// Rows of a check table rendered per template call: the template value
/// of a slice is small, that of a whole table of thousands of rows with
/// every build's cells took hundreds of megabytes.
const ROWS_PER_RENDER: usize = 256;
const CSS: &str = include_str!("templates/report.css");
const JS: &str = include_str!("templates/report.js");

/// Why the page could not be rendered (a bug in the templates).
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot render the HTML report: {0:#}; this is a bug in runperf's templates, please report it"
)]
pub struct RenderError(#[from] tera::Error);

/// The CSP of the page: nothing from anywhere but its own script.
fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(JS.as_bytes()));
    format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; \
         img-src data:; base-uri 'none'; form-action 'none'"
    )
}

/// HTML escaping of every `{{ }}` value: `&`, `<`, `>`, `"` and `'`, which
/// is enough in text and in quoted attributes (tera's default also turns
/// every `/` into `&#x2F;`, making links unreadable and the file larger).
fn escape(input: &str) -> String {
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

/// The page for `view`.
pub fn render(view: &View) -> Result<String, RenderError> {
    let mut tera = Tera::default();
    // Names ending in .html: tera escapes every `{{ }}` in them.
    tera.add_raw_templates(vec![
        ("macros.html", MACROS),
        ("rows.html", ROWS),
        ("report.html", REPORT),
    ])?;
    tera.set_escape_fn(escape);
    let mut context = Context::new();
    context.insert("groups_rows", &rows(&tera, &view.groups)?);
    context.insert("failures_rows", &rows(&tera, &view.failures)?);
    context.insert("view", view);
    context.insert("statuses", &status::ALL);
    context.insert("css", CSS);
    context.insert("js", JS);
    context.insert("csp", &content_security_policy());
    Ok(tera.render("report.html", &context)?)
}

/// The `<tr>` rows of `table`, rendered a slice at a time.
fn rows(tera: &Tera, table: &CheckTable) -> Result<String, RenderError> {
    let mut out = String::new();
    for slice in table.rows.chunks(ROWS_PER_RENDER) {
        let mut context = Context::new();
        context.insert("rows", slice);
        out.push_str(&tera.render("rows.html", &context)?);
    }
    Ok(out)
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
