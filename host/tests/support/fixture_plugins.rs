//! Builds the plugin libraries the tests load: the workspace's real
//! plugins and the fixtures of `tests/plugins/` (a downstream plugin and
//! one crate per way a plugin can be broken), into `target/plugin-fixtures`
//! (a target dir of its own, so the build does not wait for the lock of
//! the `cargo test` that runs us).

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cargo_build(manifest: &Path, target: &Path, extra: &[&str]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .arg("build")
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(target)
        .args(extra)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building {} failed", manifest.display());
}

/// Dir holding every plugin library, built on first use.
pub fn libs_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = workspace();
        let target = root.join("target/plugin-fixtures");
        cargo_build(&root.join("Cargo.toml"), &target, &["--workspace", "--lib"]);
        cargo_build(&root.join("tests/plugins/Cargo.toml"), &target, &[]);
        target.join("debug")
    })
}

/// Path of the library built from crate `lib_name` (`runperf_profile_localhost`).
pub fn lib(lib_name: &str) -> PathBuf {
    let path = libs_dir().join(format!(
        "{}{lib_name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// Copies the named libraries into `dir` (created if needed).
pub fn install(dir: &Path, lib_names: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    for name in lib_names {
        let src = lib(name);
        std::fs::copy(&src, dir.join(src.file_name().unwrap())).unwrap();
    }
}
