//! Splitting a user-given argument line (`virt-install-extra`) into
//! arguments the way a POSIX shell would, without running a shell:
//! whitespace separates, single quotes keep everything, double quotes keep
//! everything but `\"`, `\\`, `\$` and `` \` ``, a backslash outside quotes
//! escapes the next character. Expansions (`$VAR`, globs) are not done.

/// Splits `line` into arguments; fails on an unterminated quote or escape.
pub fn split(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("unterminated single quote in {line:?}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(format!("unterminated double quote in {line:?}")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(format!("unterminated double quote in {line:?}")),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err(format!("trailing backslash in {line:?}")),
            },
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(split("").unwrap(), Vec::<String>::new());
        assert_eq!(
            split("  --cpu host  --rng /dev/urandom ").unwrap(),
            ["--cpu", "host", "--rng", "/dev/urandom"]
        );
        assert_eq!(
            split("--metadata 'title=my vm'").unwrap(),
            ["--metadata", "title=my vm"]
        );
        assert_eq!(
            split(r#"--x "a \"b\" \$c \n""#).unwrap(),
            ["--x", r#"a "b" $c \n"#]
        );
        assert_eq!(split(r"a\ b c\\d").unwrap(), ["a b", r"c\d"]);
        assert_eq!(split("''").unwrap(), [""]);
        assert_eq!(split("pre'mid dle'post").unwrap(), ["premid dlepost"]);
        assert_eq!(split("$(reboot) ;rm").unwrap(), ["$(reboot)", ";rm"]);
    }

    #[test]
    fn rejects_unterminated_quotes() {
        assert!(split("'abc").unwrap_err().contains("single quote"));
        assert!(split("\"abc").unwrap_err().contains("double quote"));
        assert!(split("abc\\").unwrap_err().contains("backslash"));
    }
}
