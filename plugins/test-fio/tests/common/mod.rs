//! A test-only host: runs every command locally with `std::process`
//! (argv without a shell, shell lines through `sh -c`), keeps persistent
//! keys in memory and records every command it ran.

#![allow(dead_code)]

pub mod schema;

use std::cell::RefCell;
use std::collections::HashMap;
use std::process::Stdio;

use runperf_plugin_api::serde_json::{Map, Value, json};
use runperf_plugin_api::{
    Command, CommandLine, CommandOutput, Host, HostServices, ImageRequest, LogLevel, PluginError,
    PluginResult, WorkerSpec, lend,
};

/// Runs everything on this machine.
#[derive(Default)]
pub struct LocalHost {
    /// Every command run, in order.
    pub commands: RefCell<Vec<CommandLine>>,
    persistent: RefCell<HashMap<String, String>>,
    /// Params returned for every machine.
    pub params: Map<String, Value>,
}

impl LocalHost {
    pub fn new() -> Self {
        Self {
            params: json!({"guest_cpus": 2})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            ..Self::default()
        }
    }

    /// Calls `f` with a plugin-side `Host` backed by `self`.
    pub fn with<R>(&self, f: impl FnOnce(&Host<'_>) -> R) -> R {
        lend(self, |h| f(&Host::from_ffi(h)))
    }
}

fn io(what: &str, e: std::io::Error) -> PluginError {
    PluginError::new(format!("{what}: {e}"))
}

impl HostServices for LocalHost {
    fn run(&self, _machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        self.commands.borrow_mut().push(command.line.clone());
        let mut cmd = match &command.line {
            CommandLine::Argv(argv) => {
                let mut cmd = std::process::Command::new(&argv[0]);
                cmd.args(&argv[1..]);
                cmd
            }
            CommandLine::Shell(line) => {
                let mut cmd = std::process::Command::new("sh");
                cmd.arg("-c").arg(line);
                cmd
            }
        };
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| io(&format!("cannot run {:?}", command.line), e))?;
        Ok(CommandOutput {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    fn write_file(&self, _m: &str, path: &str, content: &[u8], append: bool) -> PluginResult<()> {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(|e| io(path, e))?;
        file.write_all(content).map_err(|e| io(path, e))
    }

    fn read_file(&self, _m: &str, path: &str) -> PluginResult<Vec<u8>> {
        std::fs::read(path).map_err(|e| io(path, e))
    }

    fn copy_to(&self, m: &str, local: &str, remote: &str) -> PluginResult<()> {
        self.run(m, &Command::argv(["cp", "-a", local, remote]))
            .map(drop)
    }

    fn copy_from(&self, m: &str, remote: &str, local: &str) -> PluginResult<()> {
        self.run(m, &Command::argv(["cp", "-a", remote, local]))
            .map(drop)
    }

    fn persistent_get(&self, _m: &str, key: &str) -> PluginResult<Option<String>> {
        Ok(self.persistent.borrow().get(key).cloned())
    }

    fn persistent_set(&self, _m: &str, key: &str, value: Option<&str>) -> PluginResult<()> {
        match value {
            Some(v) => self
                .persistent
                .borrow_mut()
                .insert(key.to_owned(), v.to_owned()),
            None => self.persistent.borrow_mut().remove(key),
        };
        Ok(())
    }

    fn log(&self, level: LogLevel, message: &str) {
        eprintln!("[{level:?}] {message}");
    }

    fn metadata(&self) -> Map<String, Value> {
        Map::new()
    }

    fn machine_params(&self, _m: &str) -> PluginResult<Map<String, Value>> {
        Ok(self.params.clone())
    }

    fn add_worker(&self, _spec: &WorkerSpec) -> PluginResult<()> {
        Ok(())
    }

    fn remove_worker(&self, _name: &str) -> PluginResult<()> {
        Ok(())
    }

    fn reboot(&self, machine: &str) -> PluginResult<()> {
        Err(PluginError::new(format!(
            "the test host cannot reboot {machine}"
        )))
    }

    fn guest_image(&self, _request: &ImageRequest) -> PluginResult<String> {
        Err(PluginError::new("the test host has no images"))
    }
}
