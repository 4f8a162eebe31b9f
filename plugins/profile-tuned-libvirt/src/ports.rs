//! A free TCP port on a host, for a VM's forwarded SSH (network `user`):
//! ports in use are read from `/proc/net/tcp` and `/proc/net/tcp6` there
//! (any state, so a port in TIME_WAIT is skipped too), and the search
//! starts at a random point of [`RANGE`] so that two runs on one host
//! rarely race for the same port (qemu then fails to bind it, and
//! `virsh create` says so).

use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hasher};
use std::ops::RangeInclusive;

use runperf_plugin_sdk::{Host, PluginError, PluginResult};

/// Where forwarded ports are taken from: below Linux's ephemeral ports
/// (32768-60999 by default), above the well-known ones.
pub const RANGE: RangeInclusive<u16> = 10022..=19999;

/// The local ports of the sockets in a `/proc/net/tcp*` table.
pub fn ports_in_use(table: &str) -> BTreeSet<u16> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().nth(1))
        .filter_map(|local| local.rsplit_once(':'))
        .filter_map(|(_, port)| u16::from_str_radix(port, 16).ok())
        .collect()
}

/// The first port of `range` from `start` on (wrapping around) that is
/// neither in `used` nor in `taken`.
pub fn first_free(
    range: RangeInclusive<u16>,
    start: u16,
    used: &BTreeSet<u16>,
    taken: &[u16],
) -> Option<u16> {
    let (low, high) = (*range.start(), *range.end());
    let len = u32::from(high - low) + 1;
    let offset = u32::from(start.saturating_sub(low)) % len;
    (0..len)
        .map(|i| low + u16::try_from((offset + i) % len).unwrap_or(0))
        .find(|port| !used.contains(port) && !taken.contains(port))
}

/// A port of [`RANGE`] free on `machine` and not in `taken` (ports this
/// apply already gave to other VMs).
pub fn free_port(host: &Host<'_>, machine: &str, taken: &[u16]) -> PluginResult<u16> {
    let ipv4 = host.read_file(machine, "/proc/net/tcp").map_err(|e| {
        e.context(format!(
            "cannot list the TCP ports in use on {machine} to forward a VM's SSH"
        ))
    })?;
    let mut used = ports_in_use(&String::from_utf8_lossy(&ipv4));
    // A host without IPv6 has no tcp6 table.
    if let Ok(ipv6) = host.read_file(machine, "/proc/net/tcp6") {
        used.extend(ports_in_use(&String::from_utf8_lossy(&ipv6)));
    }
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let span = u64::from(RANGE.end() - RANGE.start()) + 1;
    let start = RANGE.start() + u16::try_from(random % span).unwrap_or(0);
    first_free(RANGE, start, &used, taken).ok_or_else(|| {
        PluginError::new(format!(
            "no free TCP port in {}-{} on {machine} for a VM's forwarded SSH",
            RANGE.start(),
            RANGE.end()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
        0: 0100007F:2726 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n\
        1: 0100007F:2727 0100007F:8F12 06 00000000:00000000 03:00000A2B 00000000     0        0 0 3 0\n";

    #[test]
    fn reads_the_local_ports_of_every_socket() {
        assert_eq!(ports_in_use(TCP), BTreeSet::from([10022, 10023]));
        assert!(ports_in_use("header only\n").is_empty());
    }

    #[test]
    fn skips_used_and_taken_ports_and_wraps_around() {
        let used = ports_in_use(TCP);
        assert_eq!(first_free(10022..=10030, 10022, &used, &[]), Some(10024));
        assert_eq!(
            first_free(10022..=10030, 10024, &used, &[10024]),
            Some(10025)
        );
        assert_eq!(first_free(10022..=10024, 10024, &used, &[10024]), None);
        assert_eq!(
            first_free(10022..=10025, 10025, &used, &[10025]),
            Some(10024)
        );
    }
}
