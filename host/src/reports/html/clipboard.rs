//! Full values copied on click (environments, params, long metadata),
//! stored once each and embedded as JSON in a
//! `<script type="application/json">` block that the page's script reads
//! with `JSON.parse`, so no value ever passes through HTML parsing.

use std::collections::HashMap;

/// Distinct values to copy; elements refer to them by index.
#[derive(Debug, Default)]
pub struct Clipboard {
    values: Vec<String>,
    index: HashMap<String, usize>,
}

impl Clipboard {
    /// The index of `value`, storing it when new.
    pub fn add(&mut self, value: String) -> usize {
        if let Some(&i) = self.index.get(&value) {
            return i;
        }
        self.values.push(value.clone());
        self.index.insert(value, self.values.len() - 1);
        self.values.len() - 1
    }

    /// The values as JSON that is safe inside a `<script>` element.
    pub fn script_json(&self) -> String {
        script_safe_json(&serde_json::json!({ "copy": self.values }))
    }
}

/// `value` as JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped, so the
/// text can neither close the script element nor break a JS parser.
pub fn script_safe_json(value: &serde_json::Value) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "{}".into());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_once_and_escapes_for_script() {
        let mut clipboard = Clipboard::default();
        assert_eq!(clipboard.add("a".into()), 0);
        assert_eq!(clipboard.add("</script><b>&\u{2028}".into()), 1);
        assert_eq!(clipboard.add("a".into()), 0);
        let json = clipboard.script_json();
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        assert!(!json.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back["copy"][1], "</script><b>&\u{2028}");
    }
}
