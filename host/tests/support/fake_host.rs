//! An in-memory [`HostServices`]: persistent keys in a map, commands
//! recorded and answered with an empty success.

use std::{collections::BTreeMap, sync::Mutex};

use runperf_plugin_api::{
    Command, CommandOutput, HostServices, ImageRequest, LogLevel, PluginResult, WorkerSpec,
    serde_json::{Map, Value},
};

#[derive(Default)]
pub struct FakeHost {
    pub persistent: Mutex<BTreeMap<(String, String), String>>,
    pub commands: Mutex<Vec<(String, Command)>>,
    pub logs: Mutex<Vec<(LogLevel, String)>>,
}

impl FakeHost {
    pub fn key(&self, machine: &str, key: &str) -> Option<String> {
        self.persistent
            .lock()
            .unwrap()
            .get(&(machine.to_owned(), key.to_owned()))
            .cloned()
    }
}

impl HostServices for FakeHost {
    fn run(&self, machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        self.commands
            .lock()
            .unwrap()
            .push((machine.to_owned(), command.clone()));
        Ok(CommandOutput::default())
    }
    fn write_file(&self, _: &str, _: &str, _: &[u8], _: bool) -> PluginResult<()> {
        Ok(())
    }
    fn read_file(&self, _: &str, path: &str) -> PluginResult<Vec<u8>> {
        Err(format!("{path}: no such file").into())
    }
    fn copy_to(&self, _: &str, _: &str, _: &str) -> PluginResult<()> {
        Ok(())
    }
    fn copy_from(&self, _: &str, _: &str, _: &str) -> PluginResult<()> {
        Ok(())
    }
    fn persistent_get(&self, machine: &str, key: &str) -> PluginResult<Option<String>> {
        // Like the real storage: the value without its final newline.
        Ok(self
            .key(machine, key)
            .map(|v| v.strip_suffix('\n').unwrap_or(&v).to_owned()))
    }
    fn persistent_set(&self, machine: &str, key: &str, value: Option<&str>) -> PluginResult<()> {
        let mut map = self.persistent.lock().unwrap();
        let k = (machine.to_owned(), key.to_owned());
        match value {
            Some(v) => map.insert(k, v.to_owned()),
            None => map.remove(&k),
        };
        Ok(())
    }
    fn log(&self, level: LogLevel, message: &str) {
        self.logs.lock().unwrap().push((level, message.to_owned()));
    }
    fn metadata(&self) -> Map<String, Value> {
        Map::new()
    }
    fn machine_params(&self, _: &str) -> PluginResult<Map<String, Value>> {
        Ok(Map::new())
    }
    fn add_worker(&self, _: &WorkerSpec) -> PluginResult<()> {
        Ok(())
    }
    fn remove_worker(&self, _: &str) -> PluginResult<()> {
        Ok(())
    }
    fn reboot(&self, _: &str) -> PluginResult<()> {
        Ok(())
    }
    fn guest_image(&self, request: &ImageRequest) -> PluginResult<String> {
        Ok(request.path.clone())
    }
}
