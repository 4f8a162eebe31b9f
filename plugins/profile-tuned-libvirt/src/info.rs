//! What the profile reports about itself for `environment_profile_<NAME>`:
//! the persistent host tuning as it is now, and each VM's domain XML,
//! filtered (comparable between runs) and raw; the accelerator and why
//! (`guest_accel`: KVM or TCG emulation); the network mode
//! (`guest_network`: `default` or `user`); with `qemu_bin`, that emulator's
//! version and build configuration.

use runperf_plugin_sdk::{
    Command, Host, PluginResult,
    serde_json::{Map, Value},
};

use crate::{accel::Accel, guest::Guest, persistent, settings::Settings, xml_filter};

/// Collects the info of the guests on `machine`.
pub fn collect(
    host: &Host<'_>,
    machine: &str,
    guests: &[Guest],
    settings: Option<&Settings>,
    accel: Option<&Accel>,
) -> PluginResult<Map<String, Value>> {
    let mut out = Map::new();
    if let Some(accel) = accel {
        out.insert("guest_accel".into(), accel.describe().into());
    }
    if let Some(settings) = settings {
        out.insert("guest_network".into(), settings.network.name().into());
    }
    if let Some(settings) = settings.filter(|s| !s.persistent.is_empty()) {
        out.insert(
            "persistent".into(),
            Value::Object(persistent::describe(host, machine, &settings.persistent)?),
        );
    }
    for (i, guest) in guests.iter().enumerate() {
        let dump = host.run(
            machine,
            &Command::argv(["virsh", "dumpxml", guest.name.as_str()]),
        )?;
        let raw = format!("{}{}", dump.stdout, dump.stderr);
        out.insert(
            format!("guest{i}_libvirt_xml"),
            xml_filter::filter(&raw).into(),
        );
        out.insert(format!("guest{i}_libvirt_xml_raw"), raw.into());
    }
    if let Some(bin) = settings.and_then(|s| s.qemu_bin.as_deref()) {
        out.insert(
            "custom_qemu_details".into(),
            qemu_details(host, machine, bin)?.into(),
        );
    }
    Ok(out)
}

fn qemu_details(host: &Host<'_>, machine: &str, bin: &str) -> PluginResult<String> {
    let mut lines = Vec::new();
    let version = host.run(machine, &Command::argv([bin, "-version"]))?;
    if version.success() {
        lines.push(format!("version: {}", version.stdout.trim_end()));
    } else {
        lines.push(format!("Failed to get {bin} -version"));
    }
    let dir = bin.rsplit_once('/').map_or(".", |(d, _)| d);
    let config = format!("{dir}/../share/qemu/config.status");
    let status = host.run(machine, &Command::argv(["cat", config.as_str()]))?;
    if status.success() {
        lines.push(format!("configuration:\n{}", status.stdout.trim_end()));
    }
    Ok(lines.join("\n"))
}
