//! Running the real `run-perf` binary on this machine with the test's own
//! plugins (by default the real Localhost profile and the `probe` fixture
//! test), its own persistent-state dir and a clean environment.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use super::fixture_plugins::install;

/// A scratch area for one run-perf invocation (or a few).
pub struct Bench {
    pub dir: tempfile::TempDir,
}

impl Bench {
    /// With the Localhost profile and the `probe` fixture test.
    pub fn new() -> Self {
        Self::with_plugins(&["runperf_profile_localhost", "probe_plugin"])
    }

    /// With the named plugin libraries (`runperf_test_uperf`) on its plugin path.
    pub fn with_plugins(lib_names: &[&str]) -> Self {
        let bench = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        install(&bench.plugins(), lib_names);
        std::fs::create_dir_all(bench.state()).unwrap();
        bench
    }

    pub fn plugins(&self) -> PathBuf {
        self.dir.path().join("plugins")
    }

    /// What the run keeps on "the machine" instead of /var/lib/runperf.
    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `run-perf --plugin-path ... --load-timeout 1 ARGS`, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("run-perf"));
        cmd.arg("--plugin-path")
            .arg(self.plugins())
            .args(["--load-timeout", "1"])
            .args(args)
            .env("RUNPERF_STATE_DIR", self.state())
            .env("HOME", self.dir.path())
            .env_remove("RUNPERF_PLUGIN_PATH")
            .env_remove("XDG_DATA_HOME");
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// `run-perf -v` of `tests` under the Localhost profile into dir
    /// `name`: asserts that it succeeded and left no `__error*` file, and
    /// returns the result dir.
    pub fn run_localhost(&self, name: &str, tests: &str) -> PathBuf {
        let out = self.out(name);
        let o = self.run(&[
            "-v",
            "--output",
            out.to_str().unwrap(),
            "--profiles",
            "Localhost",
            "--",
            tests,
        ]);
        assert!(o.status.success(), "run-perf {name}: {}", stderr(&o));
        let errors = error_files(&out);
        assert!(errors.is_empty(), "{name}: {errors}\n{}", stderr(&o));
        out
    }

    /// Files left in the state dir (persistent markers).
    pub fn markers(&self) -> Vec<String> {
        let mut found = Vec::new();
        collect(&self.state(), &self.state(), &mut found);
        found.sort();
        found
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else {
            out.push(path.strip_prefix(root).unwrap().display().to_string());
        }
    }
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file under `dir`, as paths relative to it.
pub fn files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    collect(dir, dir, &mut found);
    found.sort();
    found
}

/// The `__error*` files a run left under `dir`, each with its contents
/// (empty when there are none).
pub fn error_files(dir: &Path) -> String {
    files(dir)
        .into_iter()
        .filter(|f| f.contains("__error"))
        .map(|f| format!("{f}:\n{}", read(&dir.join(&f))))
        .collect::<Vec<_>>()
        .join("\n")
}
