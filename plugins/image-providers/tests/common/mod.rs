//! Test hosts for the image providers: `Local` runs every command on this
//! machine with std::process (as the reference's selftests ran a real `sh`
//! session in a temp dir); `Scripted` records calls and answers from
//! rules, to pin down command sequences that need the internet or root.

#![allow(dead_code)]

use std::sync::Mutex;

use runperf_plugin_api::{
    Command, CommandLine, CommandOutput, Host, HostServices, ImageRequest, LogLevel, PluginError,
    PluginResult, WorkerSpec, lend,
    serde_json::{Map, Value},
};

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

/// Commands and files on this machine.
pub struct Local;

impl HostServices for Local {
    fn run(&self, _machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        let mut process = match &command.line {
            CommandLine::Argv(argv) => {
                let mut p = std::process::Command::new(&argv[0]);
                p.args(&argv[1..]);
                p
            }
            CommandLine::Shell(line) => {
                let mut p = std::process::Command::new("sh");
                p.args(["-c", line]);
                p
            }
        };
        match process.output() {
            Ok(out) => Ok(CommandOutput {
                status: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }),
            Err(err) => Ok(fail(127, &err.to_string())),
        }
    }
    fn write_file(&self, _m: &str, path: &str, content: &[u8], append: bool) -> PluginResult<()> {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(|e| PluginError::new(format!("{path}: {e}")))?;
        file.write_all(content)
            .map_err(|e| PluginError::new(format!("{path}: {e}")))
    }
    fn read_file(&self, _m: &str, path: &str) -> PluginResult<Vec<u8>> {
        std::fs::read(path).map_err(|e| PluginError::new(format!("{path}: {e}")))
    }
    fn copy_to(&self, _m: &str, _l: &str, _r: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn copy_from(&self, _m: &str, _r: &str, _l: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn persistent_get(&self, _m: &str, _k: &str) -> PluginResult<Option<String>> {
        Ok(None)
    }
    fn persistent_set(&self, _m: &str, _k: &str, _v: Option<&str>) -> PluginResult<()> {
        Ok(())
    }
    fn log(&self, _level: LogLevel, _message: &str) {}
    fn metadata(&self) -> Map<String, Value> {
        Map::new()
    }
    fn machine_params(&self, _m: &str) -> PluginResult<Map<String, Value>> {
        Ok(Map::new())
    }
    fn add_worker(&self, _s: &WorkerSpec) -> PluginResult<()> {
        Err("not used".into())
    }
    fn remove_worker(&self, _n: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn reboot(&self, _m: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn guest_image(&self, _r: &ImageRequest) -> PluginResult<String> {
        Err("not used".into())
    }
}

struct Rule {
    pattern: String,
    reply: CommandOutput,
}

/// Records calls; answers commands from rules (default: success, no output).
pub struct Scripted {
    pub calls: Mutex<Vec<String>>,
    rules: Mutex<Vec<Rule>>,
}

impl Scripted {
    pub fn new() -> Self {
        Self {
            calls: Mutex::new(Vec::new()),
            rules: Mutex::new(Vec::new()),
        }
    }
    pub fn on(&self, pattern: &str, reply: CommandOutput) {
        self.rules.lock().unwrap().insert(
            0,
            Rule {
                pattern: pattern.into(),
                reply,
            },
        );
    }
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }
}

impl HostServices for Scripted {
    fn run(&self, machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        let line = format!("{machine}: {}", text(command));
        self.calls.lock().unwrap().push(format!("run {line}"));
        let rules = self.rules.lock().unwrap();
        Ok(rules
            .iter()
            .find(|r| line.contains(&r.pattern))
            .map_or_else(|| ok(""), |r| r.reply.clone()))
    }
    fn write_file(
        &self,
        machine: &str,
        path: &str,
        content: &[u8],
        _append: bool,
    ) -> PluginResult<()> {
        let first = String::from_utf8_lossy(content)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned();
        self.calls
            .lock()
            .unwrap()
            .push(format!("write {machine}:{path} {first}"));
        Ok(())
    }
    fn read_file(&self, machine: &str, path: &str) -> PluginResult<Vec<u8>> {
        self.calls
            .lock()
            .unwrap()
            .push(format!("read {machine}:{path}"));
        match path {
            "/etc/os-release" => Ok(
                b"PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nVERSION_CODENAME=trixie\n".to_vec(),
            ),
            _ => Err(PluginError::new(format!("{path}: no such file"))),
        }
    }
    fn copy_to(&self, _m: &str, _l: &str, _r: &str) -> PluginResult<()> {
        Ok(())
    }
    fn copy_from(&self, _m: &str, _r: &str, _l: &str) -> PluginResult<()> {
        Ok(())
    }
    fn persistent_get(&self, _m: &str, _k: &str) -> PluginResult<Option<String>> {
        Ok(None)
    }
    fn persistent_set(&self, _m: &str, _k: &str, _v: Option<&str>) -> PluginResult<()> {
        Ok(())
    }
    fn log(&self, _level: LogLevel, _message: &str) {}
    fn metadata(&self) -> Map<String, Value> {
        Map::new()
    }
    fn machine_params(&self, _m: &str) -> PluginResult<Map<String, Value>> {
        Ok(Map::new())
    }
    fn add_worker(&self, _s: &WorkerSpec) -> PluginResult<()> {
        Ok(())
    }
    fn remove_worker(&self, _n: &str) -> PluginResult<()> {
        Ok(())
    }
    fn reboot(&self, _m: &str) -> PluginResult<()> {
        Ok(())
    }
    fn guest_image(&self, _r: &ImageRequest) -> PluginResult<String> {
        Err("not used".into())
    }
}

/// Runs `call` with `services` lent as the plugin sees them.
pub fn with<R>(services: &dyn HostServices, call: impl FnOnce(&Host<'_>) -> R) -> R {
    lend(services, |ffi| call(&Host::from_ffi(ffi)))
}

pub fn assert_in_order(calls: &[String], expected: &[&str]) {
    let mut at = 0;
    for want in expected {
        match calls[at..].iter().position(|c| c.contains(want)) {
            Some(found) => at += found + 1,
            None => panic!(
                "expected a call containing {want:?} after #{at}; calls:\n{}",
                calls.join("\n")
            ),
        }
    }
}
