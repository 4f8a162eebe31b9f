//! A scripted `HostServices` for the profile tests: it records every call
//! in order (like the reference's mocked sessions), answers commands from
//! rules the test adds, and models just enough of a host to follow a
//! profile through apply and revert: files, persistent keys, libvirt
//! domains created from written XML, DHCP leases and workers.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use runperf_plugin_api::{
    Command, CommandLine, CommandOutput, Host, HostServices, ImageRequest, LogLevel, PluginError,
    PluginResult, WorkerSpec, lend,
    serde_json::{Map, Value, json},
};

struct Rule {
    pattern: String,
    replies: Vec<CommandOutput>,
}

/// The scripted host.
pub struct Scripted {
    calls: Mutex<Vec<String>>,
    rules: Mutex<Vec<Rule>>,
    pub persistent: Mutex<BTreeMap<String, String>>,
    pub files: Mutex<BTreeMap<String, Vec<u8>>>,
    pub domains: Mutex<Vec<String>>,
    pub workers: Mutex<Vec<WorkerSpec>>,
    pub params: Map<String, Value>,
    pub metadata: Map<String, Value>,
    pub image_requests: Mutex<Vec<ImageRequest>>,
    pub image_answer: Mutex<PluginResult<String>>,
}

/// A command's text as recorded: argv joined by spaces.
pub fn text(command: &Command) -> String {
    match &command.line {
        CommandLine::Argv(argv) => argv.join(" "),
        CommandLine::Shell(line) => format!("sh -c {line}"),
    }
}

pub fn ok(stdout: &str) -> CommandOutput {
    CommandOutput {
        status: 0,
        stdout: stdout.into(),
        stderr: String::new(),
    }
}

pub fn fail(status: i32, stderr: &str) -> CommandOutput {
    CommandOutput {
        status,
        stdout: String::new(),
        stderr: stderr.into(),
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl Scripted {
    /// A host "host1" with the reference's selftest params and guest distro.
    pub fn new() -> Self {
        Self {
            calls: Mutex::new(Vec::new()),
            rules: Mutex::new(Vec::new()),
            persistent: Mutex::new(BTreeMap::new()),
            // A KVM host, not a PVM one (see accel.rs).
            files: Mutex::new(BTreeMap::from([("host1:/dev/kvm".to_owned(), Vec::new())])),
            domains: Mutex::new(Vec::new()),
            workers: Mutex::new(Vec::new()),
            params: object(
                json!({"arch": "x86_64", "hugepage_kb": 1048576, "numa_nodes": 2,
                                  "host_cpus": 16, "guest_cpus": 8, "guest_mem_m": 22528,
                                  "shared_pub_key": "ssh-ed25519 AAAA runperf"}),
            ),
            metadata: object(json!({"distro": "Debian-12", "guest_distro": "DISTRO"})),
            image_requests: Mutex::new(Vec::new()),
            image_answer: Mutex::new(Ok("/var/lib/libvirt/images/Debian-12.qcow2".into())),
        }
    }

    /// Answers commands containing `pattern` (`"host1: virsh create"`)
    /// with `replies` in turn; the last one repeats.
    pub fn on(&self, pattern: &str, replies: Vec<CommandOutput>) {
        self.rules.lock().unwrap().insert(
            0,
            Rule {
                pattern: pattern.into(),
                replies,
            },
        );
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    pub fn clear_calls(&self) {
        self.calls.lock().unwrap().clear();
    }

    pub fn key(&self, key: &str) -> Option<String> {
        self.persistent
            .lock()
            .unwrap()
            .get(&format!("host1/{key}"))
            .cloned()
    }

    pub fn set_key(&self, key: &str, value: &str) {
        self.persistent
            .lock()
            .unwrap()
            .insert(format!("host1/{key}"), value.into());
    }

    pub fn file(&self, path: &str) -> Option<String> {
        self.files
            .lock()
            .unwrap()
            .get(&format!("host1:{path}"))
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    pub fn set_file(&self, path: &str, content: &str) {
        self.files
            .lock()
            .unwrap()
            .insert(format!("host1:{path}"), content.as_bytes().to_vec());
    }

    /// Runs `call` with this host lent as the plugin sees it.
    pub fn with<R>(&self, call: impl FnOnce(&Host<'_>) -> R) -> R {
        lend(self, |ffi| call(&Host::from_ffi(ffi)))
    }

    fn record(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    fn scripted(&self, line: &str) -> Option<CommandOutput> {
        let mut rules = self.rules.lock().unwrap();
        let rule = rules.iter_mut().find(|r| line.contains(&r.pattern))?;
        if rule.replies.len() > 1 {
            Some(rule.replies.remove(0))
        } else {
            rule.replies.first().cloned()
        }
    }

    /// What an ordinary host would answer.
    fn model(&self, machine: &str, argv: &[String]) -> CommandOutput {
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        match args.as_slice() {
            ["test", "-e", path] => {
                if self
                    .files
                    .lock()
                    .unwrap()
                    .contains_key(&format!("{machine}:{path}"))
                {
                    ok("")
                } else {
                    fail(1, "")
                }
            }
            ["rm", rest @ ..] => {
                let mut files = self.files.lock().unwrap();
                for path in rest.iter().filter(|a| !a.starts_with('-')) {
                    files.remove(&format!("{machine}:{path}"));
                }
                ok("")
            }
            ["virsh", "list", "--all", "--name"] => {
                ok(&(self.domains.lock().unwrap().join("\n") + "\n"))
            }
            ["virsh", "create", path] => {
                let xml = self.file(path).unwrap_or_default();
                let name = xml
                    .split("<name>")
                    .nth(1)
                    .and_then(|s| s.split("</name>").next())
                    .unwrap_or("");
                self.domains.lock().unwrap().push(name.to_owned());
                ok(&format!("Domain '{name}' created from {path}\n"))
            }
            ["virsh", "destroy", name, ..] => {
                self.domains.lock().unwrap().retain(|d| d != name);
                ok("")
            }
            ["virsh", "domifaddr", name] => {
                let domains = self.domains.lock().unwrap();
                match domains.iter().position(|d| d == name) {
                    Some(i) => ok(&format!(
                        " Name MAC address Protocol Address\n---\n vnet{i} 52:54:00:00:00:0{i} ipv4 192.168.122.{}/24\n",
                        10 + i
                    )),
                    None => fail(1, "error: domain not found"),
                }
            }
            ["virsh", "net-info", "default"] => ok("Name: default\nActive: yes\n"),
            ["osinfo-query", ..] => ok(" debian11\n debian12\n fedora32\n"),
            ["virt-install", .., "--dry-run", "--print-xml"] => {
                let name = args
                    .iter()
                    .position(|a| *a == "--name")
                    .map_or("", |i| args[i + 1]);
                let disk = args
                    .iter()
                    .position(|a| *a == "--disk")
                    .map_or("", |i| args[i + 1]);
                ok(&format!(
                    "<domain type='kvm'>\n  <name>{name}</name>\n  <uuid>1-2</uuid>\n  <devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n    <disk type='file' device='disk'><source file='{disk}'/></disk>\n  </devices>\n</domain>\n"
                ))
            }
            ["dnf" | "yum", "--version"] => fail(127, "not found"),
            ["tuned-adm", "active"] => ok("Current active profile: balanced\n"),
            ["stat", ..] => fail(1, "No such file"),
            ["grubby", "--default-kernel"] => ok("/boot/vmlinuz-6.1\n"),
            ["systemctl", "is-enabled", "irqbalance"] => ok("enabled\n"),
            _ => ok(""),
        }
    }
}

impl HostServices for Scripted {
    fn run(&self, machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        let line = format!("{machine}: {}", text(command));
        self.record(format!("run {line}"));
        if let Some(reply) = self.scripted(&line) {
            return Ok(reply);
        }
        match &command.line {
            CommandLine::Argv(argv) => Ok(self.model(machine, argv)),
            CommandLine::Shell(_) => Ok(ok("")),
        }
    }

    fn write_file(
        &self,
        machine: &str,
        path: &str,
        content: &[u8],
        append: bool,
    ) -> PluginResult<()> {
        self.record(format!("write {machine}:{path}"));
        let mut files = self.files.lock().unwrap();
        let entry = files.entry(format!("{machine}:{path}")).or_default();
        if !append {
            entry.clear();
        }
        entry.extend_from_slice(content);
        Ok(())
    }

    fn read_file(&self, machine: &str, path: &str) -> PluginResult<Vec<u8>> {
        self.record(format!("read {machine}:{path}"));
        if path == "/proc/sys/kernel/random/uuid" {
            return Ok(b"6c1f0d3e-0000-4000-8000-000000000001\n".to_vec());
        }
        let files = self.files.lock().unwrap();
        match files.get(&format!("{machine}:{path}")) {
            Some(content) => Ok(content.clone()),
            None if path == "/proc/cmdline" => Ok(b"BOOT_IMAGE=/vmlinuz ro quiet\n".to_vec()),
            None => Err(PluginError::new(format!(
                "{path}: no such file on {machine}"
            ))),
        }
    }

    fn copy_to(&self, machine: &str, local: &str, remote: &str) -> PluginResult<()> {
        self.record(format!("copy_to {machine}:{remote} from {local}"));
        Ok(())
    }

    fn copy_from(&self, machine: &str, remote: &str, local: &str) -> PluginResult<()> {
        self.record(format!("copy_from {machine}:{remote} to {local}"));
        Ok(())
    }

    fn persistent_get(&self, machine: &str, key: &str) -> PluginResult<Option<String>> {
        Ok(self
            .persistent
            .lock()
            .unwrap()
            .get(&format!("{machine}/{key}"))
            .cloned())
    }

    fn persistent_set(&self, machine: &str, key: &str, value: Option<&str>) -> PluginResult<()> {
        let mut store = self.persistent.lock().unwrap();
        let full = format!("{machine}/{key}");
        match value {
            Some(v) => {
                self.record(format!("set {full}={}", v.lines().next().unwrap_or("")));
                store.insert(full, v.to_owned());
            }
            None => {
                if store.remove(&full).is_some() {
                    self.record(format!("remove {full}"));
                }
            }
        }
        Ok(())
    }

    fn log(&self, _level: LogLevel, _message: &str) {}

    fn metadata(&self) -> Map<String, Value> {
        self.metadata.clone()
    }

    fn machine_params(&self, machine: &str) -> PluginResult<Map<String, Value>> {
        match machine {
            "host1" => Ok(self.params.clone()),
            other => Err(PluginError::new(format!("{other} is not a host"))),
        }
    }

    fn add_worker(&self, spec: &WorkerSpec) -> PluginResult<()> {
        self.record(format!(
            "add_worker {}@{} via {}",
            spec.name, spec.address, spec.via
        ));
        self.workers.lock().unwrap().push(spec.clone());
        Ok(())
    }

    fn remove_worker(&self, name: &str) -> PluginResult<()> {
        self.record(format!("remove_worker {name}"));
        self.workers.lock().unwrap().retain(|w| w.name != name);
        Ok(())
    }

    fn reboot(&self, machine: &str) -> PluginResult<()> {
        self.record(format!("reboot {machine}"));
        Ok(())
    }

    fn guest_image(&self, request: &ImageRequest) -> PluginResult<String> {
        self.record(format!(
            "guest_image {} {} -> {}",
            request.distro, request.arch, request.path
        ));
        self.image_requests.lock().unwrap().push(request.clone());
        self.image_answer.lock().unwrap().clone()
    }
}

/// Asserts that `calls` contains each of `expected` (substrings) in order.
pub fn assert_in_order(calls: &[String], expected: &[&str]) {
    let mut at = 0;
    for want in expected {
        match calls[at..].iter().position(|c| c.contains(want)) {
            Some(found) => at += found + 1,
            None => panic!(
                "expected a call containing {want:?} after call #{at}; calls were:\n{}",
                calls
                    .iter()
                    .enumerate()
                    .map(|(i, c)| format!("{i:3} {c}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }
}
