//! SSH login and trust against a real sshd: password login installing our
//! key like ssh-copy-id, and the known-hosts policies.

mod support;

use std::time::Duration;

use runperf::machine::{
    Command, HostKeyPolicy, SshConfig, SshTransport, Transport, TransportError,
};
use support::sshd::{self, Sshd, TestUser, keygen};

#[test]
fn a_password_login_installs_our_key_for_later_runs() {
    if !sshd::available() {
        return;
    }
    let server = Sshd::start();
    let user = TestUser::create("pw");
    let base = server.config(&user.name);
    // No key is authorised for this user yet, and no password: refused.
    let refused = SshTransport::new("127.0.0.1", base.clone()).run(&Command::argv(["true"]));
    let err = refused.unwrap_err();
    assert!(matches!(err, TransportError::Auth { .. }), "{err}");
    assert!(err.to_string().contains("--default-passwords"), "{err}");

    let with_passwords = SshConfig {
        passwords: vec!["wrong-one".into(), user.password.clone()],
        ..base.clone()
    };
    let first = SshTransport::new("127.0.0.1", with_passwords);
    let out = first.run(&Command::argv(["id", "-un"])).unwrap();
    assert_eq!(out.stdout.trim(), user.name);
    let keys = std::fs::read_to_string(user.home.join(".ssh/authorized_keys")).unwrap();
    let ours = std::fs::read_to_string(server.client_key.with_extension("pub")).unwrap();
    assert_eq!(keys.trim(), ours.trim());
    use std::os::unix::fs::PermissionsExt;
    let mode = |p| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(user.home.join(".ssh")), 0o700);
    assert_eq!(mode(user.home.join(".ssh/authorized_keys")), 0o600);

    // A later run needs no password.
    let later = SshTransport::new("127.0.0.1", base);
    assert_eq!(
        later
            .run(&Command::argv(["id", "-un"]))
            .unwrap()
            .stdout
            .trim(),
        user.name
    );
    let log = server.log();
    assert!(
        log.contains(&format!("Accepted password for {}", user.name)),
        "{log}"
    );
    assert!(
        log.contains(&format!("Accepted publickey for {}", user.name)),
        "{log}"
    );
}

#[test]
fn host_keys_are_recorded_then_a_changed_key_is_rejected() {
    if !sshd::available() {
        return;
    }
    let mut server = Sshd::start();
    let config = server.config("root");
    let strict = SshConfig {
        host_key_policy: HostKeyPolicy::Strict,
        ..config.clone()
    };
    let unknown = SshTransport::new("127.0.0.1", strict.clone())
        .connect()
        .unwrap_err();
    assert!(
        matches!(unknown, TransportError::HostKeyUnknown { .. }),
        "{unknown}"
    );
    assert!(!server.known_hosts.exists(), "strict mode recorded a key");

    SshTransport::new("127.0.0.1", config.clone())
        .connect()
        .unwrap();
    let recorded = std::fs::read_to_string(&server.known_hosts).unwrap();
    assert!(
        recorded.starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 ", server.port)),
        "{recorded}"
    );
    // Once recorded, strict mode and OpenSSH's own client accept it.
    SshTransport::new("127.0.0.1", strict).connect().unwrap();
    let ssh_client = std::process::Command::new("ssh")
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
        ])
        .arg(format!(
            "UserKnownHostsFile={}",
            server.known_hosts.display()
        ))
        .arg("-i")
        .arg(&server.client_key)
        .args(["-p", &server.port.to_string(), "root@127.0.0.1", "true"])
        .status()
        .unwrap();
    assert!(
        ssh_client.success(),
        "OpenSSH rejects the known_hosts line we wrote"
    );

    // The machine gets a new host key (reinstalled, or an attacker).
    server.kill();
    std::fs::remove_file(&server.host_key).unwrap();
    std::fs::remove_file(server.host_key.with_extension("pub")).unwrap();
    keygen(&server.host_key);
    server.spawn();
    let changed = SshTransport::new("127.0.0.1", config.clone())
        .connect()
        .unwrap_err();
    assert!(
        matches!(changed, TransportError::HostKeyChanged { .. }),
        "{changed}"
    );
    let text = changed.to_string();
    assert!(
        text.contains(&server.known_hosts.display().to_string()) && text.contains("ssh-keygen -R"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&server.known_hosts).unwrap(),
        recorded,
        "known_hosts was modified"
    );

    // Ignoring host keys (throw-away VMs) connects and records nothing.
    let ignore = SshConfig {
        host_key_policy: HostKeyPolicy::Ignore,
        connect_timeout: Duration::from_secs(5),
        ..config
    };
    let out = SshTransport::new("127.0.0.1", ignore)
        .run(&Command::argv(["echo", "ok"]))
        .unwrap();
    assert_eq!(out.stdout, "ok\n");
    assert_eq!(
        std::fs::read_to_string(&server.known_hosts).unwrap(),
        recorded
    );
}

#[test]
fn an_unreachable_host_is_reported_as_such() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = SshConfig {
        port,
        connect_timeout: Duration::from_secs(3),
        ..SshConfig::default()
    };
    let err = SshTransport::new("127.0.0.1", config)
        .check_reachable()
        .unwrap_err();
    assert!(matches!(err, TransportError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("cannot reach 127.0.0.1"), "{err}");
}
