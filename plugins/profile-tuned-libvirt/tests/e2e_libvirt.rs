//! End to end on this machine (needs root, libvirt, qemu, mmdebstrap; run
//! `.ci/libvirt-setup.sh` first): DefaultLibvirt with a LocalDebian image
//! built here and user-mode networking (extra `network` `user`), the VM
//! boots and answers over SSH on its forwarded 127.0.0.1 port, a short fio
//! runs inside, revert leaves nothing behind. Every address the profile
//! registered, every address the test connected to and every socket of the
//! VM's qemu is loopback: the test never reaches a VM over a network.
//! Gated: `RUNPERF_E2E_LIBVIRT=1`; about 2 minutes on a 2-CPU sandbox
//! whose KVM is PVM (the VM runs under TCG).
//!
//! The host side is the testing `ScriptedHost` on this machine: commands
//! for the host run here, commands for the VM go through the `ssh` client
//! with a key made for the test, persistent keys live in memory, and
//! `guest_image` asks the LocalDebian provider of the image-providers
//! plugin library, built with cargo and loaded like the host loads it.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use runperf_plugin_api::loader::{self, ImageProviderHandle};
use runperf_plugin_sdk::{
    Command, CommandLine, HostServices, PluginError, Profile, ProfileContext,
    address::{is_loopback, split_port},
    serde_json::{self, Map, Value, json},
    testing::{LocalHost, ScriptedHost, apply_profile, revert_profile},
};
use runperf_profile_tuned_libvirt::{Kind, LibvirtProfile};

/// Every address the test's `ssh` client connected to.
type Dialled = Arc<Mutex<Vec<String>>>;

/// This machine as host1: its commands and files are this machine's, the
/// VM's commands go through `ssh` with `ssh_key` (each address dialled is
/// added to `dialled`), and guest images come from `provider`.
fn this_machine(
    ssh_key: String,
    public_key: &str,
    provider: ImageProviderHandle,
    dialled: Dialled,
) -> ScriptedHost {
    let host = ScriptedHost::local();
    host.set_metadata(json!({"distro": "Debian-12"}));
    host.set_params(
        "host1",
        json!({"arch": "x86_64", "host_cpus": 2, "guest_cpus": 1, "guest_mem_m": 1024, "hugepage_kb": 2048,
               "numa_nodes": 1, "shared_pub_key": public_key}),
    );
    host.otherwise(move |host, machine, command| {
        if machine == "host1" {
            return LocalHost::new().run(command);
        }
        let worker = host
            .worker(machine)
            .ok_or_else(|| PluginError::new(format!("no machine {machine}")))?;
        dialled.lock().unwrap().push(worker.address.clone());
        LocalHost::new().run(&ssh(&ssh_key, &worker.address, command))
    });
    let provider = Mutex::new(provider);
    host.answer_images(move |host, request| {
        let mut provider = provider.lock().unwrap();
        assert!(provider.is_for(&request.distro, &request.arch));
        if provider.is_up_to_date(host, request)? {
            Ok(request.path.clone())
        } else {
            provider.prepare(host, request)
        }
    });
    host
}

/// `command` run as root on `address` (`ADDR` or `ADDR:PORT`) through
/// the ssh client.
fn ssh(key: &str, address: &str, command: &Command) -> Command {
    let argv = match &command.line {
        CommandLine::Argv(argv) => argv.clone(),
        CommandLine::Shell(line) => vec!["sh".into(), "-c".into(), line.clone()],
    };
    let remote: Vec<String> = argv.iter().map(|a| quote(a)).collect();
    let (host, port) = split_port(address);
    let port = port.unwrap_or(22).to_string();
    let mut ssh = vec!["ssh", "-i", key, "-p", port.as_str()];
    for option in [
        "StrictHostKeyChecking=no",
        "UserKnownHostsFile=/dev/null",
        "BatchMode=yes",
        "ConnectTimeout=10",
        "LogLevel=ERROR",
    ] {
        ssh.extend(["-o", option]);
    }
    let target = format!("root@{host}");
    let line = remote.join(" ");
    Command::argv(ssh.into_iter().chain([target.as_str(), line.as_str()]))
}

/// The sockets of the running VM `domain`'s qemu process, as `ss` prints
/// them: (local address, peer address) of each.
fn qemu_sockets(host: &ScriptedHost, domain: &str) -> Vec<(String, String)> {
    let pid_file = format!("/run/libvirt/qemu/{domain}.pid");
    let pid = std::fs::read_to_string(&pid_file).unwrap_or_else(|e| panic!("{pid_file}: {e}"));
    let out = host
        .run("host1", &Command::argv(["ss", "-Htuanp"]))
        .unwrap();
    assert!(out.success(), "{out:?}");
    let owner = format!("pid={},", pid.trim());
    out.stdout
        .lines()
        .filter(|line| line.contains(&owner))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields[4].to_owned(), fields[5].to_owned())
        })
        .collect()
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

#[test]
fn default_libvirt_boots_a_local_debian_vm_and_leaves_nothing_behind() {
    if std::env::var("RUNPERF_E2E_LIBVIRT").as_deref() != Ok("1") {
        return runperf_plugin_sdk::testing::tool_missing(
            "the real-VM test runs with RUNPERF_E2E_LIBVIRT=1 (after .ci/libvirt-setup.sh)",
        );
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
    let public_key = std::fs::read_to_string(dir.path().join("id.pub")).unwrap();
    let dialled = Dialled::default();
    let host = this_machine(
        key.display().to_string(),
        public_key.trim(),
        local_debian(),
        dialled.clone(),
    );
    // User-mode networking: the VM is reached on a 127.0.0.1 port only.
    // The profile picks the accelerator (TCG where KVM is PVM, as on the
    // sandboxes this runs on; see accel.rs).
    let mut extra = Map::new();
    extra.insert("network".into(), json!("user"));
    let mut profile = LibvirtProfile::new(
        Kind::DefaultLibvirt,
        ProfileContext {
            host: "host1".into(),
            paths: vec![],
            extra,
            ..ProfileContext::default()
        },
    );
    // As runperf does: crash markers around apply and revert, and the
    // paths the profile registered removed after its revert.
    let name = profile.name().to_owned();
    let applied = apply_profile(&host, &mut profile, "host1", &name, None);
    let result = applied.and_then(|applied| {
        eprintln!(
            "applied after {:?}: {:?}",
            started.elapsed(),
            applied.workers
        );
        assert_eq!(applied.workers, ["host1.DefaultLibvirt0"]);
        let registered = host.workers();
        eprintln!("registered workers: {registered:?}");
        assert!(!registered.is_empty());
        for worker in &registered {
            assert!(
                is_loopback(&worker.address) && split_port(&worker.address).1.is_some(),
                "worker {} registered at {}, not at a 127.0.0.1 port",
                worker.name,
                worker.address
            );
        }
        let sockets = qemu_sockets(&host, "host1.DefaultLibvirt0");
        eprintln!("sockets of the VM's qemu: {sockets:?}");
        assert!(!sockets.is_empty(), "qemu listens on no forwarded port");
        for (local, peer) in &sockets {
            assert!(
                is_loopback(local) && (peer.ends_with(":*") || is_loopback(peer)),
                "qemu has a socket {local} -> {peer} off loopback"
            );
        }
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
        let info = host.with(|h| profile.info(h))?;
        eprintln!("guest_accel: {}", info["guest_accel"]);
        assert!(info["guest_accel"].is_string(), "{info:?}");
        assert_eq!(info["guest_network"], "user", "{info:?}");
        let filtered = info["guest0_libvirt_xml"].as_str().unwrap_or_default();
        let raw = info["guest0_libvirt_xml_raw"].as_str().unwrap_or_default();
        assert!(
            raw.contains("<uuid>") && !filtered.contains("<uuid>") && filtered.contains("UUID"),
            "{filtered}"
        );
        Ok(())
    });
    let reverted = revert_profile(&host, &mut profile, "host1", &name);
    eprintln!("e2e took {:?}", started.elapsed());
    result.unwrap();
    let dialled = dialled.lock().unwrap().clone();
    assert!(!dialled.is_empty(), "the test never reached the VM");
    let off_loopback: Vec<&String> = dialled.iter().filter(|a| !is_loopback(a)).collect();
    assert!(
        off_loopback.is_empty(),
        "connected to {off_loopback:?}, not loopback"
    );
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
    let left = host.persistent_keys();
    assert!(left.is_empty(), "persistent keys left: {left:?}");
}
