//! fio-libblkio's own params, read from the test's JSON params before the
//! rest goes to pbench-fio: `hipri` (0 or 1, written into the job file),
//! `target` (the block device exported), `__SETUP_RAMDISK__` (load `brd`
//! for a 1 GiB `/dev/ram0` first) and `__STORAGE_DAEMON_CMD__` (the
//! export's command, whose two `%s` become the target and the socket).

use runperf_plugin_sdk::serde_json::{Map, Value};
use runperf_plugin_sdk::{PluginError, PluginResult};

use super::NAME;

/// The default export: the target as a host device with direct I/O,
/// served as vhost-user-blk on a unix socket from its own iothread.
pub const DEFAULT_DAEMON: &str = "qemu-storage-daemon --blockdev \
     driver=host_device,node-name=file,filename=%s,cache.direct=on \
     --object iothread,id=iothread0 \
     --export type=vhost-user-blk,iothread=iothread0,id=export,node-name=file,\
     addr.type=unix,addr.path=%s,writable=on";

/// The params fio-libblkio reads itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Special {
    /// fio's `hipri`: `0` or `1`.
    pub hipri: &'static str,
    /// The block device exported.
    pub target: String,
    /// Whether to load `brd` before and unload it after.
    pub setup_ramdisk: bool,
    /// The export command as given, `%s` still in it.
    pub daemon: String,
}

impl Special {
    /// Reads them from the test's JSON params (defaults: hipri 0,
    /// `/dev/ram0`, ramdisk on, the qemu-storage-daemon command), checking
    /// the command's placeholders up front.
    pub fn read(extra: &Map<String, Value>) -> PluginResult<Self> {
        let hipri = match extra.get("hipri") {
            None => "0",
            Some(value) => match flag(value) {
                Some(true) => "1",
                Some(false) => "0",
                None => return Err(bad("hipri", value, "0 or 1")),
            },
        };
        let target = match extra.get("target") {
            None => "/dev/ram0".to_owned(),
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(value) => return Err(bad("target", value, "a block device path")),
        };
        let setup_ramdisk = match extra.get("__SETUP_RAMDISK__") {
            None => true,
            Some(value) => {
                flag(value).ok_or_else(|| bad("__SETUP_RAMDISK__", value, "true or false"))?
            }
        };
        let daemon = match extra.get("__STORAGE_DAEMON_CMD__") {
            None => DEFAULT_DAEMON.to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(value) => return Err(bad("__STORAGE_DAEMON_CMD__", value, "a command line")),
        };
        let special = Self {
            hipri,
            target,
            setup_ramdisk,
            daemon,
        };
        special.daemon_line("socket")?;
        Ok(special)
    }

    /// The export command with the target and `socket` put in: exactly
    /// two `%s`, `%%` for a literal `%`, no other `%` sequence.
    pub fn daemon_line(&self, socket: &str) -> PluginResult<String> {
        let mut values = [self.target.as_str(), socket].into_iter();
        let mut out = String::new();
        let mut chars = self.daemon.chars();
        let mut used = 0;
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('s') => {
                    used += 1;
                    out.push_str(values.next().unwrap_or_default());
                }
                other => {
                    return Err(placeholders(&format!(
                        "it has %{}",
                        other.map(String::from).unwrap_or_default()
                    )));
                }
            }
        }
        if used != 2 {
            return Err(placeholders(&format!("it has {used}")));
        }
        Ok(out)
    }
}

/// A yes/no param: a JSON bool, 0 or 1, or such a string.
fn flag(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "0" | "false" | "no" => Some(false),
            "1" | "true" | "yes" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

fn bad(key: &str, value: &Value, expected: &str) -> PluginError {
    PluginError::new(format!("{NAME} param {key} is {value}; give {expected}"))
}

fn placeholders(found: &str) -> PluginError {
    PluginError::new(format!(
        "{NAME} param __STORAGE_DAEMON_CMD__ needs exactly two %s, the target then the \
         vhost-user-blk socket (%% for a literal %), but {found}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use runperf_plugin_sdk::serde_json::json;

    fn read(value: Value) -> PluginResult<Special> {
        Special::read(value.as_object().unwrap())
    }

    #[test]
    fn defaults_export_dev_ram0_on_a_ramdisk() {
        let s = read(json!({})).unwrap();
        assert_eq!(
            (s.hipri, s.target.as_str(), s.setup_ramdisk),
            ("0", "/dev/ram0", true)
        );
        let line = s.daemon_line("/run/x.sock").unwrap();
        assert!(line.starts_with("qemu-storage-daemon --blockdev driver=host_device,node-name=file,filename=/dev/ram0,cache.direct=on "), "{line}");
        assert!(
            line.ends_with("addr.type=unix,addr.path=/run/x.sock,writable=on"),
            "{line}"
        );
    }

    #[test]
    fn the_daemon_command_needs_two_placeholders() {
        let given = |cmd: &str| read(json!({"__STORAGE_DAEMON_CMD__": cmd}));
        for (cmd, found) in [
            ("qsd %s", "it has 1"),
            ("qsd %s %s %s", "it has 3"),
            ("qsd %d %s", "it has %d"),
        ] {
            let err = given(cmd).unwrap_err().to_string();
            assert!(
                err.contains("exactly two %s") && err.contains(found),
                "{cmd}: {err}"
            );
        }
        let s = read(json!({"__STORAGE_DAEMON_CMD__": "q 100%% %s %s", "target": "/dev/sdb", "hipri": 1, "__SETUP_RAMDISK__": "false"})).unwrap();
        assert_eq!(s.daemon_line("S").unwrap(), "q 100% /dev/sdb S");
        assert_eq!((s.hipri, s.setup_ramdisk), ("1", false));
    }

    #[test]
    fn flags_are_checked() {
        let err = read(json!({"hipri": 2})).unwrap_err().to_string();
        assert!(err.contains("param hipri is 2; give 0 or 1"), "{err}");
        let err = read(json!({"__SETUP_RAMDISK__": "maybe"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("__SETUP_RAMDISK__"), "{err}");
    }
}
