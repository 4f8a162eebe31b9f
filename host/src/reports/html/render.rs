//! Renders the view with the embedded tera templates into one standalone
//! page: CSS and script inlined, a Content-Security-Policy that allows no
//! fetch at all and only the page's own script (by its hash), so even an
//! escaping mistake could not run injected code or reach the network.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use tera::{Context, Tera};

use super::status;
use super::view::View;

const REPORT: &str = include_str!("templates/report.html");
const MACROS: &str = include_str!("templates/macros.html");
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
    tera.add_raw_templates(vec![("macros.html", MACROS), ("report.html", REPORT)])?;
    tera.set_escape_fn(escape);
    let mut context = Context::new();
    context.insert("view", view);
    context.insert("statuses", &status::ALL);
    context.insert("css", CSS);
    context.insert("js", JS);
    context.insert("csp", &content_security_policy());
    Ok(tera.render("report.html", &context)?)
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
