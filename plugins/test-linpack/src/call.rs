//! How pbench-linpack is called. pbench-agents whose `pbench-linpack -h`
//! mentions `--clients` take `linpack_dir` from the environment; older
//! ones run linpack through `pbench-run-benchmark linpack` (an ansible
//! driver), which names its samples `run-samples` and wants the binary as
//! `--linpack-binary`.

use std::collections::BTreeMap;

use crate::binary::dir_of;

/// The launcher used by pbench-agents without `--clients`.
pub const RUN_BENCHMARK: &str = "pbench-run-benchmark linpack";

/// What to run, to be turned into a pbench invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// `None` for `pbench-linpack`, else [`RUN_BENCHMARK`].
    pub program: Option<&'static str>,
    /// The `--key=value` params.
    pub params: BTreeMap<String, String>,
    /// Environment assignments in front.
    pub env: Vec<(String, String)>,
    /// Options after `--clients`.
    pub trailing: Vec<(String, String)>,
}

/// The call for a pbench-agent whose `pbench-linpack -h` printed `help`,
/// with linpack at `binary`.
pub fn call(help: &str, binary: &str, params: &BTreeMap<String, String>) -> Call {
    if help.contains("--clients") {
        return Call {
            program: None,
            params: params.clone(),
            env: vec![("linpack_dir".into(), dir_of(binary).to_owned())],
            trailing: Vec::new(),
        };
    }
    let params: BTreeMap<String, String> = params
        .iter()
        .map(|(key, value)| match key.as_str() {
            "samples" => ("run-samples".to_owned(), value.clone()),
            _ => (key.clone(), value.clone()),
        })
        .collect();
    let trailing = if params.contains_key("linpack-binary") {
        Vec::new()
    } else {
        vec![("linpack-binary".into(), binary.to_owned())]
    };
    Call {
        program: Some(RUN_BENCHMARK),
        params,
        env: vec![
            ("ANSIBLE_HOST_KEY_CHECKING".into(), "false".into()),
            (
                "ANSIBLE_PYTHON_INTERPRETER".into(),
                "/usr/bin/python3".into(),
            ),
        ],
        trailing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> BTreeMap<String, String> {
        [("samples", "3"), ("threads", "1,2")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into()
    }

    #[test]
    fn new_agents_get_the_binary_dir_in_the_environment() {
        let c = call("usage: --clients=...", "/opt/l/linpack", &params());
        assert_eq!(c.program, None);
        assert_eq!(c.params, params());
        assert_eq!(c.env, [("linpack_dir".to_owned(), "/opt/l".to_owned())]);
        assert!(c.trailing.is_empty());
    }

    #[test]
    fn old_agents_get_run_benchmark_run_samples_and_the_binary() {
        let c = call("usage: pbench-linpack", "/opt/l/linpack", &params());
        assert_eq!(c.program, Some(RUN_BENCHMARK));
        assert_eq!(
            c.params.keys().collect::<Vec<_>>(),
            ["run-samples", "threads"]
        );
        assert_eq!(
            c.trailing,
            [("linpack-binary".to_owned(), "/opt/l/linpack".to_owned())]
        );
        assert_eq!(c.env[0].0, "ANSIBLE_HOST_KEY_CHECKING");
        let mut given = params();
        given.insert("linpack-binary".into(), "/x/linpack".into());
        assert!(call("", "/x/linpack", &given).trailing.is_empty());
    }
}
