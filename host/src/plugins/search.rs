//! Where plugin libraries are looked for, most important first.

use std::path::{Path, PathBuf};

/// Command-line options shared by every binary that loads plugins.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PluginArgs {
    /// Also search DIR for plugin libraries (repeatable; searched first).
    #[arg(long = "plugin-path", value_name = "DIR", global = true)]
    pub plugin_path: Vec<PathBuf>,
}

/// The ordered list of directories searched for plugin libraries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPath {
    dirs: Vec<PathBuf>,
}

impl SearchPath {
    /// The search path of this process: `--plugin-path` dirs, then
    /// `RUNPERF_PLUGIN_PATH`, then `DIR/plugins` of each asset dir
    /// (`--paths`), then the user's data dir, then `<exe>/../lib/runperf/plugins`
    /// and the executable's own dir.
    pub fn from_env(args: &PluginArgs, asset_dirs: &[PathBuf]) -> Self {
        let env_path = std::env::var_os("RUNPERF_PLUGIN_PATH");
        let data_home = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".local/share")));
        let exe_dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(Path::to_path_buf));
        Self::build(
            &args.plugin_path,
            env_path.as_deref(),
            asset_dirs,
            data_home.as_deref(),
            exe_dir.as_deref(),
        )
    }

    fn build(
        plugin_paths: &[PathBuf],
        env_path: Option<&std::ffi::OsStr>,
        asset_dirs: &[PathBuf],
        data_home: Option<&Path>,
        exe_dir: Option<&Path>,
    ) -> Self {
        let mut dirs: Vec<PathBuf> = plugin_paths.to_vec();
        if let Some(list) = env_path {
            dirs.extend(std::env::split_paths(list).filter(|p| !p.as_os_str().is_empty()));
        }
        dirs.extend(asset_dirs.iter().map(|d| d.join("plugins")));
        if let Some(data) = data_home {
            dirs.push(data.join("runperf/plugins"));
        }
        if let Some(exe) = exe_dir {
            dirs.push(exe.join("../lib/runperf/plugins"));
            dirs.push(exe.to_path_buf());
        }
        Self { dirs }
    }

    /// Exactly `dirs`, in this order.
    pub fn new(dirs: Vec<PathBuf>) -> Self {
        Self { dirs }
    }

    /// The directories, in search order.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// Shared libraries found in the search dirs, in search order, each
    /// once (by canonical path). Missing dirs are skipped.
    pub fn libraries(&self) -> Vec<PathBuf> {
        let suffix = std::env::consts::DLL_SUFFIX;
        let mut seen = std::collections::HashSet::new();
        let mut found = Vec::new();
        for dir in &self.dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.to_string_lossy().ends_with(suffix))
                .collect();
            files.sort();
            for file in files {
                let key = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
                if seen.insert(key) {
                    found.push(file);
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_cli_env_assets_data_exe() {
        let path = SearchPath::build(
            &[PathBuf::from("/cli")],
            Some(std::ffi::OsStr::new("/env1::/env2")),
            &[PathBuf::from("/assets")],
            Some(Path::new("/home/u/.local/share")),
            Some(Path::new("/opt/rp/bin")),
        );
        let dirs: Vec<_> = path
            .dirs()
            .iter()
            .map(|d| d.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            dirs,
            [
                "/cli",
                "/env1",
                "/env2",
                "/assets/plugins",
                "/home/u/.local/share/runperf/plugins",
                "/opt/rp/bin/../lib/runperf/plugins",
                "/opt/rp/bin",
            ]
        );
    }

    #[test]
    fn libraries_are_deduplicated_by_canonical_path() {
        let dir = tempfile::tempdir().unwrap();
        let lib = dir.path().join("libx.so");
        std::fs::write(&lib, b"").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"").unwrap();
        let link = dir.path().join("sub");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        let path = SearchPath::build(&[dir.path().to_owned(), link], None, &[], None, None);
        assert_eq!(path.libraries(), [lib]);
    }
}
