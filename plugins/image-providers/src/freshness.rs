//! Whether an image prepared earlier can be reused, as the reference
//! decides: it exists, was made for the same public key, and with the same
//! worker setup script (or none, if none is asked for now). Providers keep
//! both beside the image.

use runperf_plugin_sdk::{Command, Host, ImageRequest, LogLevel, PluginResult};

/// The public key the image was made for.
pub fn key_path(image: &str) -> String {
    format!("{image}.key.pub")
}

/// The setup script the image was made with.
pub fn setup_script_path(image: &str) -> String {
    format!("{image}.setup_script.sh")
}

/// Every file a provider creates for `image` (removed before preparing).
pub fn paths(image: &str) -> Vec<String> {
    vec![
        image.to_owned(),
        setup_script_path(image),
        key_path(image),
        format!("{image}.tmp"),
    ]
}

fn exists(host: &Host<'_>, machine: &str, path: &str) -> PluginResult<bool> {
    Ok(host
        .run(machine, &Command::argv(["test", "-e", path]))?
        .success())
}

fn read(host: &Host<'_>, machine: &str, path: &str) -> PluginResult<String> {
    Ok(String::from_utf8_lossy(&host.read_file(machine, path)?).into_owned())
}

/// Whether the image of `request` can be reused; logs why not.
pub fn is_up_to_date(host: &Host<'_>, request: &ImageRequest) -> PluginResult<bool> {
    let why = outdated(host, request)?;
    if let Some(why) = why {
        host.log(
            LogLevel::Debug,
            &format!("{}: image {} {why}", request.host, request.path),
        );
    }
    Ok(why.is_none())
}

/// Why the image of `request` cannot be reused, or `None` when it can.
pub fn outdated(host: &Host<'_>, request: &ImageRequest) -> PluginResult<Option<&'static str>> {
    let machine = request.host.as_str();
    let image = request.path.as_str();
    if !exists(host, machine, image)? {
        return Ok(Some("does not exists"));
    }
    let key = key_path(image);
    let made_for = if exists(host, machine, &key)? {
        read(host, machine, &key)?
    } else {
        String::new()
    };
    if made_for.trim() != request.public_key.trim() {
        return Ok(Some("has wrong public key"));
    }
    let script = setup_script_path(image);
    let has_script = exists(host, machine, &script)?;
    match request.setup_script.as_deref() {
        Some(wanted) => {
            if !has_script {
                return Ok(Some("not created with setup script"));
            }
            if read(host, machine, &script)?.trim() != wanted.trim() {
                return Ok(Some("created with a different setup script"));
            }
        }
        None if has_script => return Ok(Some("created with setup script")),
        None => {}
    }
    Ok(None)
}

/// Removes what an earlier preparation left and records the public key
/// (and setup script) the new image is made for.
pub fn start_over(host: &Host<'_>, request: &ImageRequest) -> PluginResult<()> {
    let machine = request.host.as_str();
    let image = request.path.as_str();
    let dir = image
        .rsplit_once('/')
        .map_or(".", |(d, _)| if d.is_empty() { "/" } else { d });
    host.run_ok(machine, &Command::argv(["mkdir", "-p", dir]))?;
    let mut rm = vec!["rm".to_owned(), "-f".to_owned(), "--".to_owned()];
    rm.extend(paths(image));
    host.run_ok(machine, &Command::argv(rm))?;
    host.write_file(
        machine,
        &key_path(image),
        format!("{}\n", request.public_key.trim()).as_bytes(),
    )?;
    if let Some(script) = &request.setup_script {
        host.write_file(machine, &setup_script_path(image), script.as_bytes())?;
    }
    Ok(())
}
