//! The two `bkr` calls and what their answers mean, with errors that say
//! whether the client is missing or what Beaker said.

use runperf_plugin_sdk::{
    Command, CommandOutput, Host, PluginError, PluginResult, serde_json::Value,
};

fn bkr(host: &Host<'_>, client: &str, args: &[&str]) -> PluginResult<CommandOutput> {
    let mut argv = vec!["bkr"];
    argv.extend_from_slice(args);
    let out = host
        .run(client, &Command::argv(argv).timeout(600.0))
        .map_err(|e| e.context(format!("cannot run bkr on {client}")))?;
    // 127: the shell found no such command; 126: found but not runnable.
    if out.status == 127 || out.status == 126 {
        return Err(PluginError::new(format!(
            "bkr (the Beaker client) is not installed on {client}: install beaker-client there and \
             configure it (~/.beaker_client/config), or point the Beaker provisioner's client param \
             at a machine that has it"
        ))
        .with_cause(out.stderr.trim().to_owned()));
    }
    if !out.success() {
        return Err(PluginError::new(format!(
            "bkr {} failed on {client} (exit {})",
            args.first().copied().unwrap_or(""),
            out.status
        ))
        .with_cause(out.stderr.trim().to_owned()));
    }
    Ok(out)
}

/// The id of the newest distro tree named `distro` for `arch`.
pub fn distro_tree(
    host: &Host<'_>,
    client: &str,
    distro: &str,
    arch: &str,
) -> PluginResult<String> {
    let out = bkr(
        host,
        client,
        &[
            "distro-trees-list",
            "--arch",
            arch,
            "--limit",
            "1",
            "--name",
            distro,
            "--format",
            "json",
        ],
    )?;
    parse_tree_id(&out.stdout).ok_or_else(|| {
        PluginError::new(format!(
            "Beaker has no distro tree named {distro} for {arch} (bkr distro-trees-list answered {:?})",
            out.stdout.trim()
        ))
    })
}

/// The first `distro_tree_id` of a `distro-trees-list --format json` answer.
pub fn parse_tree_id(json: &str) -> Option<String> {
    let value: Value = runperf_plugin_sdk::serde_json::from_str(json).ok()?;
    match value.as_array()?.first()?.get("distro_tree_id")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// Asks Beaker to install distro tree `tree` on `address`.
pub fn provision(host: &Host<'_>, client: &str, tree: &str, address: &str) -> PluginResult<()> {
    bkr(
        host,
        client,
        &["system-provision", "--distro-tree", tree, address],
    )?;
    Ok(())
}
