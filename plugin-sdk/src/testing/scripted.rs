//! [`ScriptedHost`]: a host for plugin tests that records every call in
//! order and answers from rules the test adds.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value};

use super::{LocalHost, command_text, ok};
use crate::{
    Command, CommandOutput, Host, HostServices, ImageRequest, LogLevel, PbenchRequest, PluginError,
    PluginResult, WorkerSpec,
};

/// Answers a command no rule matched: `(host, machine, command)`.
pub type Responder =
    Arc<dyn Fn(&ScriptedHost, &str, &Command) -> PluginResult<CommandOutput> + Send + Sync>;

/// Answers `guest_image`: `(host, request)`.
pub type ImageResponder =
    Arc<dyn Fn(&ScriptedHost, &ImageRequest) -> PluginResult<String> + Send + Sync>;

/// Answers `install_pbench`: `(host, request)`.
pub type PbenchResponder =
    Arc<dyn Fn(&ScriptedHost, &PbenchRequest) -> PluginResult<()> + Send + Sync>;

/// Replies given in turn to the calls whose text contains `pattern`; the
/// last reply repeats.
struct Rule<T> {
    pattern: String,
    replies: Vec<T>,
}

/// Finds the newest rule matching `text` and takes its next reply.
fn answer<T: Clone>(rules: &mut [Rule<T>], text: &str) -> Option<T> {
    let rule = rules.iter_mut().find(|r| text.contains(&r.pattern))?;
    if rule.replies.len() > 1 {
        Some(rule.replies.remove(0))
    } else {
        rule.replies.first().cloned()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock has already failed.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// A [`HostServices`] for tests.
///
/// Every call is recorded as one line of text, in order ([`calls`]):
///
/// | call | recorded as |
/// | --- | --- |
/// | `run` | `run MACHINE: ARGV JOINED BY SPACES` (`sh -c LINE` for shell lines) |
/// | `write_file` | `write MACHINE:PATH FIRST LINE OF CONTENT` |
/// | `read_file` | `read MACHINE:PATH` |
/// | `copy_to`, `copy_from` | `copy_to MACHINE:REMOTE from LOCAL`, `copy_from MACHINE:REMOTE to LOCAL` |
/// | `persistent_set` | `set MACHINE/KEY=FIRST LINE`, `remove MACHINE/KEY` (when it was set) |
/// | `add_worker`, `remove_worker` | `add_worker NAME@ADDRESS via MACHINE`, `remove_worker NAME` |
/// | `reboot` | `reboot MACHINE` |
/// | `guest_image` | `guest_image DISTRO ARCH -> PATH` |
/// | `install_pbench` | `install_pbench MACHINE TEST` (`install_pbench MACHINE` without a test) |
///
/// A command is answered by the newest rule ([`on`]) whose pattern is
/// part of `MACHINE: COMMAND`, else by the responder ([`otherwise`]):
/// success with no output for [`new`], the command run on this machine
/// for [`local`]. Files live in memory for [`new`] and on this machine
/// for [`local`]; read rules ([`on_read`]) come first in both.
/// Persistent keys, workers, logs, params and metadata always live in
/// memory; `guest_image` answers the request's path unless
/// [`answer_images`] says otherwise, `install_pbench` succeeds unless
/// [`answer_pbench`] says otherwise.
///
/// [`calls`]: Self::calls
/// [`on`]: Self::on
/// [`otherwise`]: Self::otherwise
/// [`new`]: Self::new
/// [`local`]: Self::local
/// [`on_read`]: Self::on_read
/// [`answer_images`]: Self::answer_images
/// [`answer_pbench`]: Self::answer_pbench
pub struct ScriptedHost {
    calls: Mutex<Vec<String>>,
    commands: Mutex<Vec<(String, Command)>>,
    rules: Mutex<Vec<Rule<CommandOutput>>>,
    reads: Mutex<Vec<Rule<Vec<u8>>>>,
    otherwise: Mutex<Responder>,
    /// `None`: this machine's files.
    files: Option<Mutex<BTreeMap<String, Vec<u8>>>>,
    persistent: Mutex<BTreeMap<String, String>>,
    workers: Mutex<Vec<WorkerSpec>>,
    logs: Mutex<Vec<(LogLevel, String)>>,
    params: Mutex<BTreeMap<String, Map<String, Value>>>,
    metadata: Mutex<Map<String, Value>>,
    image_requests: Mutex<Vec<ImageRequest>>,
    images: Mutex<ImageResponder>,
    pbench: Mutex<PbenchResponder>,
}

impl Default for ScriptedHost {
    fn default() -> Self {
        Self::new()
    }
}

impl ScriptedHost {
    /// Everything in memory; commands no rule matches succeed with no output.
    pub fn new() -> Self {
        Self::with_files(Some(Mutex::default()), Arc::new(|_, _, _| Ok(ok(""))))
    }

    /// Commands no rule matches run on this machine with a default
    /// [`LocalHost`]; files are this machine's files.
    pub fn local() -> Self {
        Self::local_with(LocalHost::new())
    }

    /// As [`local`](Self::local), running commands with `local`.
    pub fn local_with(local: LocalHost) -> Self {
        Self::with_files(None, Arc::new(move |_, _, command| local.run(command)))
    }

    fn with_files(files: Option<Mutex<BTreeMap<String, Vec<u8>>>>, otherwise: Responder) -> Self {
        Self {
            calls: Mutex::default(),
            commands: Mutex::default(),
            rules: Mutex::default(),
            reads: Mutex::default(),
            otherwise: Mutex::new(otherwise),
            files,
            persistent: Mutex::default(),
            workers: Mutex::default(),
            logs: Mutex::default(),
            params: Mutex::default(),
            metadata: Mutex::default(),
            image_requests: Mutex::default(),
            images: Mutex::new(Arc::new(|_, request| Ok(request.path.clone()))),
            pbench: Mutex::new(Arc::new(|_, _| Ok(()))),
        }
    }

    /// Calls `call` with this host as a plugin sees it.
    pub fn with<R>(&self, call: impl FnOnce(&Host<'_>) -> R) -> R {
        super::with_host(self, call)
    }

    /// Answers commands whose `MACHINE: COMMAND` text contains `pattern`
    /// (`"host1: virsh create"`) with `replies` in turn; the last repeats.
    /// Newer rules win over older ones.
    pub fn on(&self, pattern: &str, replies: impl IntoIterator<Item = CommandOutput>) {
        lock(&self.rules).insert(
            0,
            Rule {
                pattern: pattern.into(),
                replies: replies.into_iter().collect(),
            },
        );
    }

    /// Answers reads of files whose `MACHINE:PATH` contains `pattern` with
    /// `contents` in turn; the last repeats. Newer rules win.
    pub fn on_read<C: Into<Vec<u8>>>(&self, pattern: &str, contents: impl IntoIterator<Item = C>) {
        let replies = contents.into_iter().map(Into::into).collect();
        lock(&self.reads).insert(
            0,
            Rule {
                pattern: pattern.into(),
                replies,
            },
        );
    }

    /// Answers the commands no rule matches with `responder`, which may
    /// look at and change this host (its files, its workers).
    pub fn otherwise(
        &self,
        responder: impl Fn(&ScriptedHost, &str, &Command) -> PluginResult<CommandOutput>
        + Send
        + Sync
        + 'static,
    ) {
        *lock(&self.otherwise) = Arc::new(responder);
    }

    /// Answers `guest_image` with `responder`.
    pub fn answer_images(
        &self,
        responder: impl Fn(&ScriptedHost, &ImageRequest) -> PluginResult<String> + Send + Sync + 'static,
    ) {
        *lock(&self.images) = Arc::new(responder);
    }

    /// Answers `install_pbench` with `responder`, which may change this
    /// host (e.g. answer `command -v pbench-fio` from now on).
    pub fn answer_pbench(
        &self,
        responder: impl Fn(&ScriptedHost, &PbenchRequest) -> PluginResult<()> + Send + Sync + 'static,
    ) {
        *lock(&self.pbench) = Arc::new(responder);
    }

    /// Every call so far, in order (see the table above).
    pub fn calls(&self) -> Vec<String> {
        lock(&self.calls).clone()
    }

    /// Forgets the calls so far (commands included).
    pub fn clear_calls(&self) {
        lock(&self.calls).clear();
        lock(&self.commands).clear();
    }

    /// Every command run so far with its machine, as the plugin sent it.
    pub fn commands(&self) -> Vec<(String, Command)> {
        lock(&self.commands).clone()
    }

    /// Sets the params `machine_params` returns for `machine` (a JSON
    /// object); machines without params are an error, as unknown machines
    /// are on the runperf host.
    pub fn set_params(&self, machine: &str, params: Value) {
        lock(&self.params).insert(machine.into(), object(params));
    }

    /// Sets the run's metadata (a JSON object).
    pub fn set_metadata(&self, metadata: Value) {
        *lock(&self.metadata) = object(metadata);
    }

    /// The persistent key `key` of `machine`.
    pub fn persistent(&self, machine: &str, key: &str) -> Option<String> {
        lock(&self.persistent)
            .get(&format!("{machine}/{key}"))
            .cloned()
    }

    /// Sets the persistent key `key` of `machine` (as a previous run would
    /// have), without recording a call.
    pub fn set_persistent(&self, machine: &str, key: &str, value: &str) {
        lock(&self.persistent).insert(format!("{machine}/{key}"), value.into());
    }

    /// Every persistent key set, as `MACHINE/KEY` and value.
    pub fn persistent_keys(&self) -> BTreeMap<String, String> {
        lock(&self.persistent).clone()
    }

    /// The in-memory file `path` of `machine`, as text (`None` when it does
    /// not exist or the files are this machine's).
    pub fn file(&self, machine: &str, path: &str) -> Option<String> {
        let files = lock(self.files.as_ref()?);
        let content = files.get(&format!("{machine}:{path}"))?;
        Some(String::from_utf8_lossy(content).into_owned())
    }

    /// Creates or replaces the in-memory file `path` of `machine`.
    pub fn set_file(&self, machine: &str, path: &str, content: &str) {
        if let Some(files) = &self.files {
            lock(files).insert(format!("{machine}:{path}"), content.as_bytes().to_vec());
        }
    }

    /// Removes the in-memory file `path` of `machine`.
    pub fn remove_file(&self, machine: &str, path: &str) {
        if let Some(files) = &self.files {
            lock(files).remove(&format!("{machine}:{path}"));
        }
    }

    /// The in-memory files of `machine` whose path starts with `dir`.
    pub fn files_under(&self, machine: &str, dir: &str) -> Vec<String> {
        let prefix = format!("{machine}:{dir}");
        let Some(files) = &self.files else {
            return Vec::new();
        };
        lock(files)
            .keys()
            .filter_map(|k| {
                k.strip_prefix(&format!("{machine}:"))
                    .filter(|_| k.starts_with(&prefix))
            })
            .map(str::to_owned)
            .collect()
    }

    /// The registered workers.
    pub fn workers(&self) -> Vec<WorkerSpec> {
        lock(&self.workers).clone()
    }

    /// The worker named `name`, if registered.
    pub fn worker(&self, name: &str) -> Option<WorkerSpec> {
        lock(&self.workers).iter().find(|w| w.name == name).cloned()
    }

    /// Every message logged by the plugin.
    pub fn logs(&self) -> Vec<(LogLevel, String)> {
        lock(&self.logs).clone()
    }

    /// Every image request, in order.
    pub fn image_requests(&self) -> Vec<ImageRequest> {
        lock(&self.image_requests).clone()
    }

    fn record(&self, call: String) {
        lock(&self.calls).push(call);
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn io(path: &str, err: std::io::Error) -> PluginError {
    PluginError::new(format!("{path}: {err}"))
}

impl HostServices for ScriptedHost {
    fn run(&self, machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        let line = format!("{machine}: {}", command_text(command));
        self.record(format!("run {line}"));
        lock(&self.commands).push((machine.into(), command.clone()));
        if let Some(reply) = answer(&mut lock(&self.rules), &line) {
            return Ok(reply);
        }
        let otherwise = Arc::clone(&lock(&self.otherwise));
        otherwise(self, machine, command)
    }

    fn write_file(
        &self,
        machine: &str,
        path: &str,
        content: &[u8],
        append: bool,
    ) -> PluginResult<()> {
        let text = String::from_utf8_lossy(content);
        self.record(
            format!("write {machine}:{path} {}", first_line(&text))
                .trim_end()
                .to_owned(),
        );
        let Some(files) = &self.files else {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(append)
                .truncate(!append)
                .open(path)
                .map_err(|e| io(path, e))?;
            return file.write_all(content).map_err(|e| io(path, e));
        };
        let mut files = lock(files);
        let entry = files.entry(format!("{machine}:{path}")).or_default();
        if !append {
            entry.clear();
        }
        entry.extend_from_slice(content);
        Ok(())
    }

    fn read_file(&self, machine: &str, path: &str) -> PluginResult<Vec<u8>> {
        let name = format!("{machine}:{path}");
        self.record(format!("read {name}"));
        if let Some(content) = answer(&mut lock(&self.reads), &name) {
            return Ok(content);
        }
        let Some(files) = &self.files else {
            return std::fs::read(path).map_err(|e| io(path, e));
        };
        lock(files)
            .get(&name)
            .cloned()
            .ok_or_else(|| PluginError::new(format!("{path}: no such file on {machine}")))
    }

    fn copy_to(&self, machine: &str, local: &str, remote: &str) -> PluginResult<()> {
        self.record(format!("copy_to {machine}:{remote} from {local}"));
        self.copy_here(local, remote)
    }

    fn copy_from(&self, machine: &str, remote: &str, local: &str) -> PluginResult<()> {
        self.record(format!("copy_from {machine}:{remote} to {local}"));
        self.copy_here(remote, local)
    }

    fn persistent_get(&self, machine: &str, key: &str) -> PluginResult<Option<String>> {
        Ok(self.persistent(machine, key))
    }

    fn persistent_set(&self, machine: &str, key: &str, value: Option<&str>) -> PluginResult<()> {
        let full = format!("{machine}/{key}");
        let mut store = lock(&self.persistent);
        match value {
            Some(v) => {
                self.record(format!("set {full}={}", first_line(v)));
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

    fn log(&self, level: LogLevel, message: &str) {
        lock(&self.logs).push((level, message.to_owned()));
    }

    fn metadata(&self) -> Map<String, Value> {
        lock(&self.metadata).clone()
    }

    fn machine_params(&self, machine: &str) -> PluginResult<Map<String, Value>> {
        lock(&self.params)
            .get(machine)
            .cloned()
            .ok_or_else(|| PluginError::new(format!("{machine} has no params in this test host")))
    }

    fn add_worker(&self, spec: &WorkerSpec) -> PluginResult<()> {
        self.record(format!(
            "add_worker {}@{} via {}",
            spec.name, spec.address, spec.via
        ));
        lock(&self.workers).push(spec.clone());
        Ok(())
    }

    fn remove_worker(&self, name: &str) -> PluginResult<()> {
        self.record(format!("remove_worker {name}"));
        lock(&self.workers).retain(|w| w.name != name);
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
        lock(&self.image_requests).push(request.clone());
        let images = Arc::clone(&lock(&self.images));
        images(self, request)
    }

    fn install_pbench(&self, request: &PbenchRequest) -> PluginResult<()> {
        let mut call = format!("install_pbench {}", request.machine);
        if let Some(test) = &request.test {
            call.push_str(&format!(" {test}"));
        }
        self.record(call);
        let pbench = Arc::clone(&lock(&self.pbench));
        pbench(self, request)
    }
}

impl ScriptedHost {
    /// Copies with `cp -a` when the files are this machine's; in memory,
    /// a copy is only recorded.
    fn copy_here(&self, from: &str, to: &str) -> PluginResult<()> {
        if self.files.is_some() {
            return Ok(());
        }
        let out = LocalHost::new().run(&Command::argv(["cp", "-a", from, to]))?;
        if out.success() {
            Ok(())
        } else {
            Err(PluginError::new(format!("cannot copy {from} to {to}"))
                .with_cause(out.stderr.trim().to_owned()))
        }
    }
}
