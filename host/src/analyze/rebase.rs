//! Rebasing a model (`analyze-perf --rebase-model`): after a change that
//! moved the averages but not the jitter, keep each known check's
//! acceptable deviation (its slope) and move its line to the new average;
//! checks the old model does not know are trained from the new results,
//! checks missing from the new results stay as they were.

use super::AnalyzeError;
use super::model::{ModelDocument, Tolerance};
use super::table::CheckTable;
use super::training::{ModelKind, train};
use crate::numpy::average;

/// Rebases `model` onto the values of `rows` (sorted by check name).
pub fn rebase<'a>(
    model: &mut ModelDocument,
    kind: ModelKind,
    tolerance: Tolerance,
    rows: impl IntoIterator<Item = (&'a str, Option<Vec<f64>>)>,
) -> Result<(), AnalyzeError> {
    for (check, values) in rows {
        if !model.contains(check) {
            train(model, kind, tolerance, [(check, values)])?;
            continue;
        }
        let Some(values) = values else {
            continue;
        };
        model.rebase_check(check, average(&values))?;
    }
    Ok(())
}

/// [`rebase`] over every row of `table`.
pub fn rebase_table(
    model: &mut ModelDocument,
    kind: ModelKind,
    tolerance: Tolerance,
    table: &CheckTable,
) -> Result<(), AnalyzeError> {
    rebase(model, kind, tolerance, table.numeric_rows())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::training::fit;

    #[test]
    fn known_checks_keep_their_slope_and_new_ones_are_trained() {
        let mut model = ModelDocument::new();
        let rows = vec![("a.mean", Some(vec![90.0, 110.0]))];
        train(
            &mut model,
            ModelKind::Linear,
            crate::analyze::model::DEFAULT_TOLERANCE,
            rows,
        )
        .unwrap();
        let before = fit(ModelKind::Linear, &[90.0, 110.0], 4.0).unwrap();

        let new_rows = vec![
            ("a.mean", Some(vec![200.0])),
            ("b.mean", Some(vec![5.0, 6.0])),
            ("c.error", None),
        ];
        rebase(
            &mut model,
            ModelKind::Linear,
            crate::analyze::model::DEFAULT_TOLERANCE,
            new_rows,
        )
        .unwrap();
        let json = model.to_json();
        let slope = before.equation[0];
        assert!(json.contains(&crate::strip::python_json::float_repr(slope)));
        assert!(json.contains(&crate::strip::python_json::float_repr(-slope * 200.0)));
        assert!(model.contains("b.mean"));
        assert!(!model.contains("c.error"));
    }
}
