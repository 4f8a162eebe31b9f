//! End to end on this machine (needs root, KVM, libvirt, mmdebstrap; run
//! `.ci/libvirt-setup.sh` first): DefaultLibvirt with a LocalDebian image
//! built here, the VM boots and answers over SSH, a short fio runs inside,
//! revert leaves nothing behind. Gated: `RUNPERF_E2E_LIBVIRT=1`; 2 to 3
//! minutes on a 2-CPU sandbox whose KVM is PVM (the VM runs under TCG).
//!
//! The host side is a test `HostServices`: commands for the host run here
//! with std::process, commands for the VM go through the `ssh` client
//! with a key made for the test, persistent keys live in a temp dir, and
//! `guest_image` asks the LocalDebian provider of the image-providers
//! plugin library, built with cargo and loaded like the host loads it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use runperf_plugin_api::{
    Command, CommandLine, CommandOutput, Host, HostServices, ImageRequest, LogLevel, PluginError,
    PluginResult, Profile, ProfileContext, WorkerSpec, lend,
    loader::{self, ImageProviderHandle},
    serde_json::{self, Map, Value, json},
};
use runperf_profile_tuned_libvirt::{Kind, LibvirtProfile};

struct ThisMachine {
    keys: std::path::PathBuf,
    ssh_key: String,
    public_key: String,
    workers: Mutex<BTreeMap<String, String>>,
    provider: Mutex<ImageProviderHandle>,
}

/// Builds the image-providers plugin library and loads its LocalDebian.
fn local_debian() -> ImageProviderHandle {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| manifest.join("../../target"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = std::process::Command::new(cargo)
        .args(["build", "-p", "runperf-image-providers"])
        .current_dir(manifest)
        .status()
        .unwrap();
    assert!(built.success());
    let library = loader::load(&target.join("debug/librunperf_image_providers.so")).unwrap();
    library.new_image_provider("LocalDebian").unwrap()
}

/// POSIX single-quoting, for the remote command line ssh sends.
fn quote(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        return arg.to_owned();
    }
    format!("'{}'", arg.replace('\'', r"'\''"))
}

fn output(result: std::io::Result<std::process::Output>) -> CommandOutput {
    match result {
        Ok(out) => CommandOutput {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        Err(err) => CommandOutput {
            status: 127,
            stdout: String::new(),
            stderr: err.to_string(),
        },
    }
}

impl HostServices for ThisMachine {
    fn run(&self, machine: &str, command: &Command) -> PluginResult<CommandOutput> {
        let argv = match &command.line {
            CommandLine::Argv(argv) => argv.clone(),
            CommandLine::Shell(line) => vec!["sh".into(), "-c".into(), line.clone()],
        };
        if machine == "host1" {
            return Ok(output(
                std::process::Command::new(&argv[0])
                    .args(&argv[1..])
                    .output(),
            ));
        }
        let addr = self
            .workers
            .lock()
            .unwrap()
            .get(machine)
            .cloned()
            .ok_or_else(|| PluginError::new(format!("no machine {machine}")))?;
        let remote: Vec<String> = argv.iter().map(|a| quote(a)).collect();
        Ok(output(
            std::process::Command::new("ssh")
                .args([
                    "-i",
                    &self.ssh_key,
                    "-o",
                    "StrictHostKeyChecking=no",
                    "-o",
                    "UserKnownHostsFile=/dev/null",
                    "-o",
                    "BatchMode=yes",
                    "-o",
                    "ConnectTimeout=10",
                    "-o",
                    "LogLevel=ERROR",
                ])
                .arg(format!("root@{addr}"))
                .arg(remote.join(" "))
                .output(),
        ))
    }
    fn write_file(&self, _m: &str, path: &str, content: &[u8], append: bool) -> PluginResult<()> {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(path)
            .map_err(|e| PluginError::new(format!("{path}: {e}")))?;
        f.write_all(content)
            .map_err(|e| PluginError::new(format!("{path}: {e}")))
    }
    fn read_file(&self, _m: &str, path: &str) -> PluginResult<Vec<u8>> {
        std::fs::read(path).map_err(|e| PluginError::new(format!("{path}: {e}")))
    }
    fn copy_to(&self, _m: &str, _l: &str, _r: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn copy_from(&self, _m: &str, _r: &str, _l: &str) -> PluginResult<()> {
        Err("not used".into())
    }
    fn persistent_get(&self, _m: &str, key: &str) -> PluginResult<Option<String>> {
        Ok(std::fs::read_to_string(self.keys.join(key)).ok())
    }
    fn persistent_set(&self, _m: &str, key: &str, value: Option<&str>) -> PluginResult<()> {
        let path = self.keys.join(key);
        match value {
            Some(v) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| PluginError::new(e.to_string()))?;
                }
                std::fs::write(&path, v).map_err(|e| PluginError::new(e.to_string()))
            }
            None => {
                let _ = std::fs::remove_file(&path);
                Ok(())
            }
        }
    }
    fn log(&self, level: LogLevel, message: &str) {
        eprintln!("[{level:?}] {message}");
    }
    fn metadata(&self) -> Map<String, Value> {
        json!({"distro": "Debian-12"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }
    fn machine_params(&self, _m: &str) -> PluginResult<Map<String, Value>> {
        Ok(json!({"arch": "x86_64", "host_cpus": 2, "guest_cpus": 1, "guest_mem_m": 1024, "hugepage_kb": 2048,
                  "numa_nodes": 1, "shared_pub_key": self.public_key})
            .as_object().cloned().unwrap_or_default())
    }
    fn add_worker(&self, spec: &WorkerSpec) -> PluginResult<()> {
        self.workers
            .lock()
            .unwrap()
            .insert(spec.name.clone(), spec.address.clone());
        Ok(())
    }
    fn remove_worker(&self, name: &str) -> PluginResult<()> {
        self.workers.lock().unwrap().remove(name);
        Ok(())
    }
    fn reboot(&self, _m: &str) -> PluginResult<()> {
        Err("DefaultLibvirt never asks for a reboot".into())
    }
    fn guest_image(&self, request: &ImageRequest) -> PluginResult<String> {
        let mut provider = self.provider.lock().unwrap();
        assert!(provider.is_for(&request.distro, &request.arch));
        if provider.is_up_to_date(self, request)? {
            Ok(request.path.clone())
        } else {
            provider.prepare(self, request)
        }
    }
}

#[test]
fn default_libvirt_boots_a_local_debian_vm_and_leaves_nothing_behind() {
    if std::env::var("RUNPERF_E2E_LIBVIRT").as_deref() != Ok("1") {
        eprintln!("skipped: set RUNPERF_E2E_LIBVIRT=1 (after .ci/libvirt-setup.sh) to run it");
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id");
    let keygen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(keygen.success());
    let host = ThisMachine {
        keys: dir.path().join("runperf"),
        ssh_key: key.display().to_string(),
        public_key: std::fs::read_to_string(dir.path().join("id.pub"))
            .unwrap()
            .trim()
            .to_owned(),
        workers: Mutex::new(BTreeMap::new()),
        provider: Mutex::new(local_debian()),
    };
    let mut profile = LibvirtProfile::new(
        Kind::DefaultLibvirt,
        ProfileContext {
            host: "host1".into(),
            paths: vec![],
            // No extras: the profile picks the accelerator (TCG where KVM
            // is PVM, as on the sandboxes this runs on; see accel.rs).
            extra: Map::new(),
            ..ProfileContext::default()
        },
    );
    let applied = lend(&host, |ffi| profile.apply(&Host::from_ffi(ffi), None));
    let result = applied.and_then(|applied| {
        eprintln!(
            "applied after {:?}: {:?}",
            started.elapsed(),
            applied.workers
        );
        assert_eq!(applied.workers, ["host1.DefaultLibvirt0"]);
        let out = host.run(
            "host1.DefaultLibvirt0",
            &Command::argv(["sh", "-c", "uname -r; nproc; fio --version"]),
        )?;
        eprintln!("inside the VM: {out:?}");
        assert!(out.success() && out.stdout.contains("fio-"), "{out:?}");
        let fio_started = Instant::now();
        let fio = host.run(
            "host1.DefaultLibvirt0",
            &Command::argv([
                "fio",
                "--name=e2e",
                "--filename=/var/tmp/e2e.fio",
                "--size=16M",
                "--rw=randrw",
                "--bs=4k",
                "--ioengine=psync",
                "--runtime=5",
                "--time_based",
                "--output-format=json",
            ]),
        )?;
        assert!(fio.success(), "{fio:?}");
        let report: Value = serde_json::from_str(&fio.stdout)
            .map_err(|e| PluginError::new(format!("fio printed no JSON ({e}): {fio:?}")))?;
        let read_bytes = report["jobs"][0]["read"]["io_bytes"].as_u64();
        eprintln!(
            "fio in the VM: {read_bytes:?} bytes read in {:?}",
            fio_started.elapsed()
        );
        assert!(read_bytes.is_some_and(|b| b > 0), "{report}");
        let info = lend(&host, |ffi| profile.info(&Host::from_ffi(ffi)))?;
        eprintln!("guest_accel: {}", info["guest_accel"]);
        assert!(info["guest_accel"].is_string(), "{info:?}");
        let filtered = info["guest0_libvirt_xml"].as_str().unwrap_or_default();
        let raw = info["guest0_libvirt_xml_raw"].as_str().unwrap_or_default();
        assert!(
            raw.contains("<uuid>") && !filtered.contains("<uuid>") && filtered.contains("UUID"),
            "{filtered}"
        );
        Ok(())
    });
    let reverted = lend(&host, |ffi| profile.revert(&Host::from_ffi(ffi)));
    eprintln!("e2e took {:?}", started.elapsed());
    result.unwrap();
    assert!(!reverted.unwrap());
    let domains = host
        .run(
            "host1",
            &Command::argv(["virsh", "list", "--all", "--name"]),
        )
        .unwrap();
    assert!(
        !domains.stdout.contains("host1.DefaultLibvirt0"),
        "{domains:?}"
    );
    for path in [
        "/var/lib/libvirt/images/Debian-12.qcow2",
        "/var/lib/libvirt/images/Debian-12.qcow2.key.pub",
        "/var/lib/libvirt/images/Debian-12-host1.DefaultLibvirt0.qcow2",
        "/var/log/libvirt/Debian-12-host1.DefaultLibvirt0.qcow2_.xml",
    ] {
        assert!(!std::path::Path::new(path).exists(), "{path} left behind");
    }
    let left: Vec<_> = walk(&host.keys);
    assert!(left.is_empty(), "persistent keys left: {left:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() { walk(&p) } else { vec![p] }
        })
        .collect()
}
