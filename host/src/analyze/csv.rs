//! CSV export of the primary checks (`analyze-perf -c`), in the reference's
//! exact layout: a `test,"name",...` header (commas and quotes in names
//! replaced by `_`), then per primary check a line `CHECK,v1,v2,...,` with
//! `-100` for results lacking the check, and no final newline.

use std::fmt::Write as _;

use super::table::CheckTable;

/// Value written for a result that lacks the check.
const MISSING: &str = "-100";

fn quoted_name(name: &str) -> String {
    format!("\"{}\"", name.replace([',', '"'], "_"))
}

/// The CSV text of the primary checks of `table`.
pub fn primary_checks_csv(table: &CheckTable) -> String {
    let columns = table.columns();
    let mut out = String::from("test,");
    out.push_str(
        &columns
            .iter()
            .map(|(name, _)| quoted_name(name))
            .collect::<Vec<_>>()
            .join(","),
    );
    for (check, row) in table.rows().filter(|(_, row)| row.primary) {
        let _ = write!(out, "\n{check},");
        for &(_, column) in &columns {
            match row.value(column) {
                Some(value) => {
                    let _ = write!(out, "{value},");
                }
                None => {
                    out.push_str(MISSING);
                    out.push(',');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::CheckValue;

    #[test]
    fn layout_matches_the_reference() {
        let mut table = CheckTable::new();
        table.add("r,1", "a.mean", CheckValue::Float(1.5), true);
        table.add("r\"2", "a.mean", CheckValue::Int(0), true);
        table.add("r\"2", "b.mean", CheckValue::Float(1e-5), true);
        table.add("r\"2", "c.mean", CheckValue::Float(7.0), false);
        assert_eq!(
            primary_checks_csv(&table),
            // Sorted by raw name: '"' sorts before ','.
            "test,\"r_2\",\"r_1\"\na.mean,0,1.5,\nb.mean,1e-05,-100,"
        );
    }
}
