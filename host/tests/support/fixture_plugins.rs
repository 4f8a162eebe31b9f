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

/// The downstream example plugin as built against runperf-plugin-api
/// 0.1.0, the first released ABI: `tests/plugins-0.1.0/`'s archive of
/// plugin-api and the example as they were then. Returns the library's
/// path.
pub fn released_0_1_0() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| build_released("0.1.0", "acme_runperf_plugins"))
}

/// The `probe` fixture (a test plugin) as built against
/// runperf-plugin-api 0.1.1: `tests/plugins-0.1.1/`'s archive of
/// plugin-api, plugin-sdk and the probe as they were then. Returns the
/// library's path.
pub fn released_0_1_1() -> &'static Path {
    static LIB: OnceLock<PathBuf> = OnceLock::new();
    LIB.get_or_init(|| build_released("0.1.1", "probe_plugin"))
}

/// Unpacks `tests/plugins-VERSION/`'s archive under
/// `target/plugin-fixtures-VERSION`, builds it with the lock file kept
/// next to it and returns the path of its library `lib_name`.
fn build_released(version: &str, lib_name: &str) -> PathBuf {
    let root = workspace();
    let fixture = root.join(format!("tests/plugins-{version}"));
    let target = root.join(format!("target/plugin-fixtures-{version}"));
    let src = target.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(fixture.join(format!("runperf-{version}-plugins.tar.gz")))
        .arg("-C")
        .arg(&src)
        .status()
        .expect("tar runs");
    assert!(status.success(), "unpacking {} failed", fixture.display());
    for file in ["Cargo.toml", "Cargo.lock"] {
        let text = std::fs::read(fixture.join(file)).unwrap();
        // Unchanged files keep their times, so cargo has nothing to redo.
        if std::fs::read(src.join(file)).ok() != Some(text.clone()) {
            std::fs::write(src.join(file), text).unwrap();
        }
    }
    cargo_build(&src.join("Cargo.toml"), &target, &["--locked"]);
    let lib = target.join(format!(
        "debug/{}{lib_name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(lib.is_file(), "{} was not built", lib.display());
    lib
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
