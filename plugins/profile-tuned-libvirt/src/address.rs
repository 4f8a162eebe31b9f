//! Finding a VM's address (`virsh domifaddr`, polled until libvirt's DHCP
//! server has leased one, 240 s by default) and waiting until the VM
//! answers commands through its host.

use std::time::{Duration, Instant};

use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult};

/// The last IPv4 address in `virsh domifaddr` output, as the reference.
pub fn last_ipv4(output: &str) -> Option<String> {
    output
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(ipv4_prefix)
        .next_back()
}

/// The leading `a.b.c.d` (1-3 digits each) of `token`, if any.
fn ipv4_prefix(token: &str) -> Option<String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() < 4 {
        return None;
    }
    let octets = &parts[..4];
    octets
        .iter()
        .all(|p| (1..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()))
        .then(|| octets.join("."))
}

/// Polls `virsh domifaddr DOMAIN` on `machine` until it shows an IPv4
/// address or `deadline` passes.
pub fn discover(
    host: &Host<'_>,
    machine: &str,
    domain: &str,
    deadline: Duration,
    pause: Duration,
) -> PluginResult<String> {
    let end = Instant::now() + deadline;
    let mut last;
    loop {
        let out = host.run(machine, &Command::argv(["virsh", "domifaddr", domain]))?;
        if let Some(addr) = last_ipv4(&out.stdout) {
            return Ok(addr);
        }
        last = format!("{}{}", out.stdout, out.stderr);
        if Instant::now() >= end {
            break;
        }
        std::thread::sleep(pause);
    }
    Err(PluginError::new(format!(
        "VM {domain} on {machine} got no IPv4 address in {} s (is libvirt's default network \
         serving DHCP, and does the guest ask for an address?); see its serial log under /var/log/libvirt",
        deadline.as_secs()
    ))
    .with_cause(last.trim().to_owned()))
}

/// Runs `true` on the worker `worker` until it succeeds or `deadline` passes.
pub fn wait_reachable(
    host: &Host<'_>,
    worker: &str,
    deadline: Duration,
    pause: Duration,
) -> PluginResult<()> {
    let end = Instant::now() + deadline;
    loop {
        let why = match host.run(worker, &Command::argv(["true"]).timeout(60.0)) {
            Ok(out) if out.success() => return Ok(()),
            Ok(out) => format!("exit status {}: {}", out.status, out.stderr.trim()),
            Err(err) => format!("{err:#}"),
        };
        if Instant::now() >= end {
            return Err(PluginError::new(format!(
                "VM {worker} does not answer commands after {} s; check that the guest runs sshd \
                 and accepts the shared key",
                deadline.as_secs()
            ))
            .with_cause(why));
        }
        std::thread::sleep(pause);
    }
}

#[cfg(test)]
mod tests {
    use super::last_ipv4;

    #[test]
    fn takes_the_last_ipv4_of_domifaddr() {
        let out = " Name       MAC address          Protocol     Address\n\
                   -------------------------------------------------------\n \
                   vnet0      52:54:00:4b:07:5a    ipv4         192.0.2.57/24\n \
                   vnet1      52:54:00:4b:07:5b    ipv4         198.51.100.3/8\n";
        assert_eq!(last_ipv4(out).as_deref(), Some("198.51.100.3"));
        assert_eq!(last_ipv4(" Name MAC address Protocol Address\n---\n"), None);
        assert_eq!(last_ipv4("fe80::5054:ff:fe4b:75a/64 1.2.3"), None);
    }
}
