//! Turning user-given names into safe single path components.

/// Converts `name` into a file or dir name that cannot escape its parent:
/// characters not allowed on common filesystems (and any non-ASCII one)
/// become `_`, a leading `.` becomes `_`, and the result is at most 255
/// bytes and never empty.
pub fn safe_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .take(255)
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\0' => '_',
            c if !c.is_ascii() || c.is_ascii_control() => '_',
            c => c,
        })
        .collect();
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn hostile_names_stay_one_component() {
        assert_eq!(safe_name("../../etc"), "_._.._etc");
        assert_eq!(safe_name(".."), "_.");
        assert_eq!(safe_name("."), "_");
        assert_eq!(safe_name(""), "_");
        assert_eq!(safe_name("$(touch /tmp/pwned)"), "$(touch _tmp_pwned)");
        assert_eq!(safe_name("čau"), "_au");
        assert_eq!(safe_name(&"x".repeat(300)).len(), 255);
        assert_eq!(safe_name("Localhost"), "Localhost");
    }
}
