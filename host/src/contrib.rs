//! Where the helper scripts shipped with runperf (`bisect.sh`, ...) are:
//! `<dir of the executable>/../share/runperf/contrib` when installed,
//! else the `contrib/` dir of the source tree the binary was built from.

use std::path::{Path, PathBuf};

/// The source tree's `contrib/`.
fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib")
}

/// The places looked at, in order, for an executable at `exe`.
pub fn candidates(exe: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(bin) = exe.and_then(Path::parent) {
        dirs.push(bin.join("../share/runperf/contrib"));
    }
    dirs.push(source_dir());
    dirs
}

/// The first existing candidate (canonical), or an error listing where
/// it looked.
pub fn find(exe: Option<&Path>) -> Result<PathBuf, String> {
    let dirs = candidates(exe);
    dirs.iter()
        .find(|dir| dir.join("bisect.sh").is_file())
        .map(|dir| dir.canonicalize().unwrap_or_else(|_| dir.clone()))
        .ok_or_else(|| {
            let looked: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            format!(
                "runperf's contrib scripts are not installed: none of {} holds bisect.sh; \
                 copy the contrib/ dir of runperf's sources to <prefix>/share/runperf/contrib \
                 beside <prefix>/bin",
                looked.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_installed_dir_wins_over_the_source_tree() {
        let prefix = tempfile::tempdir().unwrap();
        let contrib = prefix.path().join("share/runperf/contrib");
        std::fs::create_dir_all(&contrib).unwrap();
        std::fs::create_dir_all(prefix.path().join("bin")).unwrap();
        let exe = prefix.path().join("bin/runperf-contrib-path");
        assert_eq!(
            find(Some(&exe)).unwrap(),
            source_dir().canonicalize().unwrap()
        );
        std::fs::write(contrib.join("bisect.sh"), "").unwrap();
        assert_eq!(find(Some(&exe)).unwrap(), contrib.canonicalize().unwrap());
    }

    #[test]
    fn the_source_tree_ships_the_bisect_helper() {
        assert!(source_dir().join("bisect.sh").is_file());
        assert_eq!(candidates(None), [source_dir()]);
    }
}
