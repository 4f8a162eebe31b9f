//! Tests that need a real tool (sshd, fio, uperf, Chromium, libvirt,
//! PostgreSQL) and a machine that may lack it.
//!
//! Outside CI such a test skips and says why, so a developer without the
//! tool still gets a green run of everything else. Under CI (`CI=true`,
//! as `.ci/run` is started) CI is meant to provide every tool, so a
//! missing one fails the test with the same reason: a green CI means every
//! test ran.

/// Whether this process runs under CI (`CI` set to `true` or `1`).
pub fn in_ci() -> bool {
    matches!(
        std::env::var("CI")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Ok("true" | "1")
    )
}

/// Reports that the tool a test needs is missing: `reason` says what is
/// missing and how to provide it. Outside CI it prints `SKIPPED: reason`
/// and returns, and the test should return at once; under CI it panics
/// with the reason.
///
/// ```no_run
/// # fn fio_installed() -> bool { false }
/// use runperf_plugin_sdk::testing::tool_missing;
/// if !fio_installed() {
///     return tool_missing("fio is not installed (apt-get install fio)");
/// }
/// ```
#[track_caller]
pub fn tool_missing(reason: &str) {
    if in_ci() {
        panic!("CI=true, and CI must provide what this test needs: {reason}");
    }
    // Straight to stderr, past the test harness's capture, so the skip
    // shows in an ordinary `cargo test` run.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

/// The first of `names` found as an executable file on the `PATH`.
pub fn find_on_path(names: &[&str]) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_lookup_finds_sh_and_not_a_made_up_name() {
        assert!(find_on_path(&["no-such-program-runperf", "sh"]).is_some());
        assert!(find_on_path(&["no-such-program-runperf"]).is_none());
    }
}
