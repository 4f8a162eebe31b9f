//! What the command line asks for: `NAME[:JSON]` items (tests, profiles,
//! the provisioner), `[NAME:]ADDR` hosts, `KEY=VALUE` metadata, and the
//! per-profile test list (`RUNPERF_TESTS`).

use runperf_plugin_sdk::safe_name;
use serde_json::{Map, Value};

/// A command-line error, naming the argument and what it should look like.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The JSON after `NAME:` does not parse or is not an object.
    #[error(
        "{what} {item:?}: the params after ':' must be a JSON object ({detail}), eg. 'fio:{{\"runtime\": 10}}'"
    )]
    Params {
        /// test, profile or provisioner.
        what: &'static str,
        /// The whole argument.
        item: String,
        /// Parser message.
        detail: String,
    },
    /// `--metadata` item without `=`.
    #[error("--metadata {0:?}: expected KEY=VALUE")]
    Metadata(String),
    /// An empty host address.
    #[error("--hosts {0:?}: expected [NAME:]ADDR")]
    Host(String),
    /// A malformed `RUNPERF_TESTS` entry.
    #[error(
        "profile {profile}: RUNPERF_TESTS must be a list of test names, \"$@\" or [name, {{params}}] pairs; got {entry}"
    )]
    ProfileTests {
        /// Profile name.
        profile: String,
        /// The offending entry.
        entry: String,
    },
}

/// A component name with its JSON params (`fio:{"runtime": 10}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Component name as written.
    pub name: String,
    /// Params (empty when none were given).
    pub params: Map<String, Value>,
}

impl Item {
    /// Parses `NAME[:JSON]`; `what` names the argument in errors.
    pub fn parse(what: &'static str, text: &str) -> Result<Self, SpecError> {
        let Some((name, json)) = text.split_once(':') else {
            return Ok(Self {
                name: text.to_owned(),
                params: Map::new(),
            });
        };
        let error = |detail: String| SpecError::Params {
            what,
            item: text.to_owned(),
            detail,
        };
        match serde_json::from_str::<Value>(json).map_err(|e| error(e.to_string()))? {
            Value::Object(params) => Ok(Self {
                name: name.to_owned(),
                params,
            }),
            other => Err(error(format!("got {other}"))),
        }
    }

    /// The item's name in the run, the one source of the dir its results
    /// and failures go to and of the name its plugin gets in its context:
    /// `__NAME__` of its params (a string or a number) when given and not
    /// empty, else `component` (the catalog's spelling of the component
    /// name), made safe as one path component.
    pub fn instance_name(&self, component: &str) -> String {
        let given = match self.params.get("__NAME__") {
            Some(Value::String(name)) => name.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        safe_name(if given.is_empty() { component } else { &given })
    }
}

/// A host from `--hosts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    /// Human-readable name (defaults to the first label of the address).
    pub name: String,
    /// Address used to connect.
    pub address: String,
}

impl HostSpec {
    /// Parses `[NAME:]ADDR`.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let (name, address) = match text.split_once(':') {
            Some((name, address)) => (name.to_owned(), address.to_owned()),
            None => (
                text.split('.').next().unwrap_or(text).to_owned(),
                text.to_owned(),
            ),
        };
        if address.is_empty() || name.is_empty() {
            return Err(SpecError::Host(text.to_owned()));
        }
        Ok(Self { name, address })
    }
}

/// Parses `KEY=VALUE` items, later ones overriding earlier ones, keeping
/// first-seen order.
pub fn parse_metadata(items: &[String]) -> Result<Vec<(String, String)>, SpecError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for item in items {
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| SpecError::Metadata(item.clone()))?;
        match out.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_owned(),
            None => out.push((key.to_owned(), value.to_owned())),
        }
    }
    Ok(out)
}

/// The tests a profile runs: its `RUNPERF_TESTS` list when set (where
/// `"$@"` stands for the command-line tests), else the command-line tests.
pub fn profile_tests(profile: &Item, cli_tests: &[Item]) -> Result<Vec<Item>, SpecError> {
    let Some(list) = profile.params.get("RUNPERF_TESTS") else {
        return Ok(cli_tests.to_vec());
    };
    let bad = |entry: &Value| SpecError::ProfileTests {
        profile: profile.name.clone(),
        entry: entry.to_string(),
    };
    let Value::Array(entries) = list else {
        return Err(bad(list));
    };
    let mut tests = Vec::new();
    for entry in entries {
        match entry {
            Value::String(s) if s == "$@" => tests.extend(cli_tests.iter().cloned()),
            Value::String(name) => tests.push(Item {
                name: name.clone(),
                params: Map::new(),
            }),
            Value::Array(pair) => match pair.as_slice() {
                [Value::String(name), Value::Object(params)] => tests.push(Item {
                    name: name.clone(),
                    params: params.clone(),
                }),
                _ => return Err(bad(entry)),
            },
            _ => return Err(bad(entry)),
        }
    }
    Ok(tests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn instance_names_come_from_name_param_else_the_component_and_stay_one_component() {
        let item = |text| Item::parse("test", text).unwrap();
        assert_eq!(item("fio").instance_name("fio"), "fio");
        assert_eq!(item("localhost").instance_name("Localhost"), "Localhost");
        assert_eq!(
            item(r#"fio:{"__NAME__": "../../etc"}"#).instance_name("fio"),
            "_._.._etc"
        );
        assert_eq!(item(r#"fio:{"__NAME__": 5}"#).instance_name("fio"), "5");
        assert_eq!(item(r#"fio:{"__NAME__": ""}"#).instance_name("fio"), "fio");
        assert_eq!(item(r#"fio:{"__NAME__": [1]}"#).instance_name("fio"), "fio");
    }

    #[test]
    fn items_split_at_the_first_colon() {
        let item = Item::parse("test", r#"fio:{"targets": "/a:b", "runtime": "1"}"#).unwrap();
        assert_eq!(item.name, "fio");
        assert_eq!(item.params["targets"], "/a:b");
        assert_eq!(Item::parse("test", "uperf").unwrap().params.len(), 0);
        let err = Item::parse("test", "fio:[1]").unwrap_err().to_string();
        assert!(err.contains("must be a JSON object"), "{err}");
        assert!(Item::parse("profile", "X:{oops").is_err());
    }

    #[test]
    fn hosts_default_their_name_to_the_first_label() {
        let h = HostSpec::parse("foo.example.org").unwrap();
        assert_eq!(
            (h.name.as_str(), h.address.as_str()),
            ("foo", "foo.example.org")
        );
        let h = HostSpec::parse("foo:192.0.2.1").unwrap();
        assert_eq!((h.name.as_str(), h.address.as_str()), ("foo", "192.0.2.1"));
        let h = HostSpec::parse("127.0.0.1").unwrap();
        assert_eq!(h.name, "127");
        assert!(HostSpec::parse("foo:").is_err());
    }

    #[test]
    fn metadata_keeps_order_and_last_value() {
        let items = ["a=1", "b=x=y", "a=2"].map(String::from);
        assert_eq!(
            parse_metadata(&items).unwrap(),
            [("a".into(), "2".into()), ("b".into(), "x=y".into())]
        );
        assert!(parse_metadata(&["novalue".into()]).is_err());
    }

    #[test]
    fn runperf_tests_expands_dollar_at() {
        let cli = vec![Item::parse("test", "fio").unwrap()];
        let mut profile = Item::parse("profile", "Localhost").unwrap();
        assert_eq!(profile_tests(&profile, &cli).unwrap(), cli);
        profile.params.insert(
            "RUNPERF_TESTS".into(),
            json!(["uperf", "$@", ["fio", {"type": "read"}]]),
        );
        let names: Vec<_> = profile_tests(&profile, &cli)
            .unwrap()
            .into_iter()
            .map(|t| (t.name, Value::Object(t.params)))
            .collect();
        assert_eq!(
            names,
            [
                ("uperf".into(), json!({})),
                ("fio".into(), json!({})),
                ("fio".into(), json!({"type": "read"}))
            ]
        );
        profile.params.insert("RUNPERF_TESTS".into(), json!([1]));
        assert!(profile_tests(&profile, &cli).is_err());
    }
}
