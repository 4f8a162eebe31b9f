//! `RUNPERF_METADATA`: the run's `key:value` lines, written as the
//! reference writes them, with secrets kept out of the recorded command.

use std::{fs::OpenOptions, io::Write, path::Path};

use anyhow::Context;
use sha1::{Digest, Sha1};

use super::spec::HostSpec;

/// File name of the run metadata at the top of a result tree.
pub const FILE: &str = "RUNPERF_METADATA";

/// Options whose following values are secret, as they appear in argv.
const MASKED_LISTS: [&str; 2] = ["--default-passwords", "--metadata"];
/// Options whose value is a script file, recorded by hash.
const SCRIPTS: [&str; 2] = ["--host-setup-script", "--worker-setup-script"];

/// Options whose values the recorded command changes.
const SENSITIVE: [&str; 7] = [
    "--distro",
    "--guest-distro",
    "--default-passwords",
    "--metadata",
    "--host-setup-script",
    "--host-setup-script-reboot",
    "--worker-setup-script",
];

/// The sensitive option `arg` stands for: itself, or the one it
/// abbreviates (clap accepts any unambiguous prefix, as argparse did).
fn resolve(arg: &str) -> Option<&'static str> {
    if let Some(exact) = SENSITIVE.iter().find(|o| **o == arg) {
        return Some(exact);
    }
    let mut candidates = SENSITIVE
        .iter()
        .filter(|o| arg.len() > 3 && o.starts_with(arg));
    match (candidates.next(), candidates.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

fn script_digest(path: &str) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let hex = format!("{:x}", Sha1::digest(bytes));
            format!("sha1:{}", &hex[..6])
        }
        Err(_) => "sha1:unreadable".to_owned(),
    }
}

/// The command line as recorded: distro names replaced by `DISTRO` /
/// `GUEST_DISTRO`, passwords and metadata values by `MASKED`, setup
/// scripts by a short sha1 of their content.
pub fn masked_command(argv: &[String]) -> String {
    let mut out: Vec<String> = Vec::with_capacity(argv.len());
    let mut i = 0;
    while i < argv.len() {
        let arg = &argv[i];
        let (opt, inline) = match arg.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v)),
            _ => (arg.as_str(), None),
        };
        let option = resolve(opt);
        let replace = |value: &str| -> Option<String> {
            match option? {
                "--distro" => Some("DISTRO".into()),
                "--guest-distro" => Some("GUEST_DISTRO".into()),
                o if MASKED_LISTS.contains(&o) => Some("MASKED".into()),
                o if SCRIPTS.contains(&o) => Some(script_digest(value)),
                _ => None,
            }
        };
        match inline {
            Some(value) => {
                let value = replace(value).unwrap_or_else(|| value.to_owned());
                out.push(format!("{opt}={value}"));
                i += 1;
            }
            None if opt.starts_with("--") && replace("").is_some() => {
                out.push(arg.clone());
                i += 1;
                let list = option.is_some_and(|o| MASKED_LISTS.contains(&o));
                while i < argv.len() && !argv[i].starts_with('-') {
                    out.push(replace(&argv[i]).unwrap_or_default());
                    i += 1;
                    if !list {
                        break;
                    }
                }
            }
            None => {
                out.push(arg.clone());
                i += 1;
            }
        }
    }
    out.join(" ")
}

/// What goes into the first lines of `RUNPERF_METADATA`.
pub struct RunInfo<'a> {
    /// `--metadata` pairs, in order.
    pub metadata: &'a [(String, String)],
    /// `--distro`.
    pub distro: &'a str,
    /// `--guest-distro`, if given.
    pub guest_distro: Option<&'a str>,
    /// The process's argv.
    pub argv: &'a [String],
    /// The hosts.
    pub hosts: &'a [HostSpec],
}

/// Writes the initial `RUNPERF_METADATA` into `dir`.
pub fn create(dir: &Path, info: &RunInfo<'_>) -> anyhow::Result<()> {
    let mut text = String::new();
    for (key, value) in info.metadata {
        text.push_str(&format!("{key}:{value}\n"));
    }
    text.push_str(&format!("distro:{}\n", info.distro));
    match info.guest_distro {
        Some(g) if g != info.distro => text.push_str(&format!("guest_distro:{g}\n")),
        _ => text.push_str("guest_distro:DISTRO\n"),
    }
    text.push_str(&format!("runperf_version:{}\n", env!("CARGO_PKG_VERSION")));
    text.push_str(&format!("runperf_cmd:{}\n", masked_command(info.argv)));
    let addresses: Vec<&str> = info.hosts.iter().map(|h| h.address.as_str()).collect();
    text.push_str(&format!("machine:{}", addresses.join(",")));
    let url_base = info.metadata.iter().find(|(k, _)| k == "machine_url_base");
    let urls = match url_base {
        Some((_, base)) => addresses
            .iter()
            .map(|a| base.replace("%(machine)s", a))
            .collect::<Vec<_>>()
            .join(","),
        None => addresses.first().copied().unwrap_or_default().to_owned(),
    };
    text.push_str(&format!("\nmachine_url:{urls}"));
    let path = dir.join(FILE);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// Appends a `key:value` line (value on one line, usually JSON).
pub fn append(dir: &Path, key: &str, value: &str) -> anyhow::Result<()> {
    let path = dir.join(FILE);
    let mut file = OpenOptions::new()
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot append to {}", path.display()))?;
    let value = value.replace('\n', "\\n");
    write!(file, "\n{key}:{value}").with_context(|| format!("cannot append to {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn secrets_never_reach_the_recorded_command() {
        let cmd = masked_command(&argv(
            "run-perf --distro F-32 --default-password hunter2 s3cret --metadata url=http://x build=42 \
             --guest-distro G --profiles Localhost -- fio",
        ));
        assert_eq!(
            cmd,
            "run-perf --distro DISTRO --default-password MASKED MASKED --metadata MASKED MASKED \
             --guest-distro GUEST_DISTRO --profiles Localhost -- fio"
        );
        let cmd = masked_command(&argv("run-perf --default-passwords=pw --metadata=a=b fio"));
        assert_eq!(
            cmd,
            "run-perf --default-passwords=MASKED --metadata=MASKED fio"
        );
    }

    #[test]
    fn setup_scripts_are_recorded_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("s.sh");
        std::fs::write(&script, "echo hi\n").unwrap();
        let s = script.to_str().unwrap();
        let cmd = masked_command(&argv(&format!(
            "run-perf --host-setup-script {s} --host-setup-script-reboot fio"
        )));
        // sha1("echo hi\n") = 1a3a1c...
        let expected = format!("{:x}", Sha1::digest(b"echo hi\n"));
        assert_eq!(
            cmd,
            format!(
                "run-perf --host-setup-script sha1:{} --host-setup-script-reboot fio",
                &expected[..6]
            )
        );
    }

    #[test]
    fn metadata_file_layout_matches_the_reference() {
        let dir = tempfile::tempdir().unwrap();
        let hosts = [
            HostSpec::parse("a:192.0.2.1").unwrap(),
            HostSpec::parse("b:192.0.2.2").unwrap(),
        ];
        let metadata = [
            ("build".to_owned(), "7".to_owned()),
            (
                "machine_url_base".to_owned(),
                "https://lab/%(machine)s".to_owned(),
            ),
        ];
        let argv = argv("run-perf --distro F fio");
        create(
            dir.path(),
            &RunInfo {
                metadata: &metadata,
                distro: "F",
                guest_distro: Some("F"),
                argv: &argv,
                hosts: &hosts,
            },
        )
        .unwrap();
        append(dir.path(), "environment_world", "[{\"a\": 1}]").unwrap();
        let text = std::fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert_eq!(
            text,
            format!(
                "build:7\nmachine_url_base:https://lab/%(machine)s\ndistro:F\nguest_distro:DISTRO\n\
                 runperf_version:{}\nruncmd\nmachine:192.0.2.1,192.0.2.2\n\
                 machine_url:https://lab/192.0.2.1,https://lab/192.0.2.2\nenvironment_world:[{{\"a\": 1}}]",
                env!("CARGO_PKG_VERSION")
            )
            .replace("runcmd", "runperf_cmd:run-perf --distro DISTRO fio")
        );
    }
}
