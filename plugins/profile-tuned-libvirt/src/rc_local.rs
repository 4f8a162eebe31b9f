//! The `rc.local` script that finishes TunedLibvirt's host setup at boot
//! (hugepages spread over the NUMA nodes, every task but libvirt's moved
//! to the last CPU), and the `%(name)s` templating user scripts given with
//! `rc_local_file` use, as in the reference.

use runperf_plugin_sdk::{
    PluginError, PluginResult,
    serde_json::{Map, Value},
};

/// The built-in TunedLibvirt script (`assets/rc.local.sh`).
pub const TUNED_TEMPLATE: &str = include_str!("../assets/rc.local.sh");

/// Fills `%(name)s` placeholders from `values` (`%%` is a literal `%`);
/// fails on an unknown name or any other `%` sequence.
pub fn render(template: &str, values: &Map<String, Value>) -> PluginResult<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
            continue;
        }
        let named = after
            .strip_prefix('(')
            .and_then(|s| s.find(')').map(|end| (&s[..end], &s[end + 1..])));
        match named {
            Some((name, tail)) if tail.starts_with('s') => {
                let value = values.get(name).ok_or_else(|| {
                    PluginError::new(format!(
                        "the template uses %({name})s, but no host param or rc_local_file_params \
                         entry is named {name}"
                    ))
                })?;
                match value {
                    Value::String(s) => out.push_str(s),
                    Value::Bool(true) => out.push_str("True"),
                    Value::Bool(false) => out.push_str("False"),
                    Value::Null => out.push_str("None"),
                    other => out.push_str(&other.to_string()),
                }
                rest = &tail[1..];
            }
            _ => {
                let shown: String = rest[at..].chars().take(12).collect();
                return Err(PluginError::new(format!(
                    "unsupported placeholder {shown:?}: use %(name)s, or %% for a literal %"
                )));
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use runperf_plugin_sdk::serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn fills_named_placeholders() {
        let values = map(json!({"mem_per_node": 10, "path": "/var/lib/runperf/x", "smt": false}));
        assert_eq!(
            render("A='%(mem_per_node)s' B=%(path)s %(smt)s 50%%", &values).unwrap(),
            "A='10' B=/var/lib/runperf/x False 50%"
        );
    }

    #[test]
    fn unknown_names_and_bare_percent_are_errors() {
        let err = render("%(nope)s", &Map::new()).unwrap_err();
        assert!(err.message().contains("nope"), "{err}");
        assert!(render("echo $((5 % 2))", &Map::new()).is_err());
        assert!(render("%(x)d", &map(json!({"x": 1}))).is_err());
    }

    #[test]
    fn the_built_in_script_has_every_value_it_needs() {
        let values = map(
            json!({"mem_per_node": 11, "numa_nodes": 2, "hugepage_kb": 1048576,
                                "performed_setup_path": "/var/lib/runperf/persistent_setup_finished"}),
        );
        let script = render(TUNED_TEMPLATE, &values).unwrap();
        assert!(script.contains("MEM_PER_NODE='11'"));
        assert!(script.contains("HUGEPAGE_KB='1048576'"));
        assert!(script.contains("echo rc_local >> \"$PERFORMED_SETUP_PATH\""));
    }
}
