//! The `--os-variant` virt-install gets for a guest distro, resolved
//! against `osinfo-query os -f short-id` as the reference does: the
//! lower-cased distro, RHEL composes cut down to a known `rhelX.Y`
//! (falling back to `rhel8.0`), or the distro without dashes.

use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult};

/// Resolves `distro` against the osinfo short ids `known` (one per line).
pub fn resolve(distro: &str, known: &str) -> PluginResult<String> {
    if distro.is_empty() {
        return Err(PluginError::new(
            "no guest distro given, cannot choose virt-install's --os-variant; pass --guest-distro",
        ));
    }
    let ids: Vec<&str> = known
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let lower = distro.to_lowercase();
    if ids.contains(&lower.as_str()) {
        return Ok(lower);
    }
    if lower.starts_with("rhel") {
        return Ok(rhel(&lower, &ids));
    }
    let no_dash = lower.replace('-', "");
    if ids.contains(&no_dash.as_str()) {
        return Ok(no_dash);
    }
    if let Some(older) = newest_older(&no_dash, &ids) {
        // Deviation: an osinfo database older than the guest (Debian 12 on
        // bookworm's osinfo-db) gets the family's newest known release.
        return Ok(older);
    }
    Err(PluginError::new(format!(
        "osinfo knows no os variant for guest distro {distro} (tried {lower} and {no_dash}); \
         use a distro name osinfo-query knows, or pass --os-variant in the virt-install-extra extra"
    )))
}

/// `RHEL-8.2.0-20200404.0` -> `rhel8.2` when known, else shorter, else `rhel8.0`.
fn rhel(lower: &str, ids: &[&str]) -> String {
    // Drop the last dash-separated part (the compose date) and the dashes.
    let parts: Vec<&str> = lower.splitn(3, '-').collect();
    let mut candidate = parts[..parts.len().saturating_sub(1)].concat();
    loop {
        if ids
            .iter()
            .any(|id| id.ends_with(candidate.as_str()) && !candidate.is_empty())
        {
            return candidate;
        }
        match candidate.rsplit_once('.') {
            Some((head, _)) => candidate = head.to_owned(),
            None => break,
        }
    }
    "rhel8.0".to_owned()
}

/// `debian12` -> the newest known `debianN` with N <= 12, if any.
fn newest_older(wanted: &str, ids: &[&str]) -> Option<String> {
    let split = wanted.find(|c: char| c.is_ascii_digit())?;
    let (family, version) = wanted.split_at(split);
    let version: f64 = version.parse().ok()?;
    ids.iter()
        .filter_map(|id| {
            let v: f64 = id.strip_prefix(family)?.parse().ok()?;
            (v <= version).then_some((v, *id))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id.to_owned())
}

/// Whether the user already chose the os variant in `extra_args`.
pub fn given_in(extra_args: &[String]) -> bool {
    extra_args.iter().any(|a| {
        a == "--os-variant"
            || a.starts_with("--os-variant=")
            || a == "--osinfo"
            || a.starts_with("--osinfo=")
    })
}

/// Asks `machine` for the osinfo short ids and resolves `distro`.
pub fn for_distro(host: &Host<'_>, machine: &str, distro: &str) -> PluginResult<String> {
    let out = host
        .run_ok(machine, &Command::argv(["osinfo-query", "os", "-f", "short-id"]))
        .map_err(|e| e.context(format!("cannot list the os variants on {machine}: install libosinfo-bin (Debian) or libosinfo")))?;
    resolve(distro, &out.stdout)
}
