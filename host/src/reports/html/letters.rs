//! Short labels (A, B, ..., Z, AA, AB, ...) standing for long values in a
//! row of the overall-information table: the same value always gets the
//! same letter within its row, in order of first appearance.

/// The values seen so far in one row.
#[derive(Debug, Default)]
pub struct Letters {
    seen: Vec<String>,
}

impl Letters {
    /// The letter of `value`, giving it the next one when new.
    pub fn of(&mut self, value: &str) -> String {
        let index = match self.seen.iter().position(|seen| seen == value) {
            Some(index) => index,
            None => {
                self.seen.push(value.to_string());
                self.seen.len() - 1
            }
        };
        label(index)
    }
}

/// `0 -> A`, `25 -> Z`, `26 -> AA`, like spreadsheet columns.
fn label(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_value_same_letter() {
        let mut letters = Letters::default();
        assert_eq!(letters.of("x"), "A");
        assert_eq!(letters.of("y"), "B");
        assert_eq!(letters.of("x"), "A");
        assert_eq!(label(25), "Z");
        assert_eq!(label(26), "AA");
        assert_eq!(label(27), "AB");
        assert_eq!(label(26 * 27), "AAA");
    }
}
