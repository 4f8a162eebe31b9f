//! A private OpenSSH server on 127.0.0.1 for one test: its own config,
//! generated host and client keys, a free port, `-D` so it stays in the
//! foreground (`-E` logs to a file: with `-e` debug lines leak into sessions), and every process of it killed when the test ends.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use runperf::machine::{HostKeyPolicy, SshConfig};

pub const SSHD: &str = "/usr/sbin/sshd";

/// `false` when OpenSSH's server is not installed: the test skips (with a
/// printed reason), or fails under CI.
pub fn available() -> bool {
    if Path::new(SSHD).exists() {
        return true;
    }
    runperf_plugin_sdk::testing::tool_missing(&format!(
        "{SSHD} is absent; install openssh-server (see .ci/sshd-setup.sh) to run the SSH tests"
    ));
    false
}

/// Generate an ed25519 key pair at `path` (and `path.pub`).
pub fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "runperf-test", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen failed for {}", path.display());
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

pub struct Sshd {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub client_key: PathBuf,
    pub host_key: PathBuf,
    pub known_hosts: PathBuf,
    child: Option<Child>,
}

impl Sshd {
    /// Start a server that lets root in with the generated client key.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let client_key = dir.path().join("client_key");
        let host_key = dir.path().join("host_key");
        keygen(&client_key);
        keygen(&host_key);
        let public =
            std::fs::read_to_string(client_key.with_extension("pub")).expect("client pub key");
        std::fs::write(dir.path().join("authorized_keys.root"), public).expect("authorized keys");
        let mut sshd = Self {
            port: free_port(),
            known_hosts: dir.path().join("known_hosts"),
            dir,
            client_key,
            host_key,
            child: None,
        };
        sshd.spawn();
        sshd
    }

    fn write_config(&self) -> PathBuf {
        let dir = self.dir.path().display();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {dir}/sshd.pid\n\
             AuthorizedKeysFile .ssh/authorized_keys {dir}/authorized_keys.%u\nStrictModes no\n\
             PermitRootLogin yes\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n\
             UsePAM no\nSubsystem sftp internal-sftp\nAllowTcpForwarding yes\nLogLevel DEBUG1\n\
             MaxStartups 100\nMaxSessions 50\n",
            port = self.port,
            host_key = self.host_key.display(),
        );
        let path = self.dir.path().join("sshd_config");
        std::fs::write(&path, config).expect("sshd config");
        path
    }

    /// (Re)start the server process on the same port.
    pub fn spawn(&mut self) {
        std::fs::create_dir_all("/run/sshd").expect("privilege separation dir /run/sshd");
        let config = self.write_config();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("sshd log");
        let child = Command::new(SSHD)
            .args(["-D", "-E"])
            .arg(self.log_path())
            .arg("-f")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("sshd starts");
        self.child = Some(child);
        let end = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < end,
                "sshd did not listen on {}: {}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("sshd.log")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Client settings for `user` with our key and a private known_hosts.
    pub fn config(&self, user: &str) -> SshConfig {
        SshConfig {
            user: user.into(),
            port: self.port,
            identity: Some(self.client_key.clone()),
            use_agent: false,
            known_hosts: self.known_hosts.clone(),
            host_key_policy: HostKeyPolicy::AcceptNew,
            connect_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(20),
            ..SshConfig::default()
        }
    }

    fn listener_pid(&self) -> Option<i32> {
        self.child.as_ref().and_then(|c| i32::try_from(c.id()).ok())
    }

    /// PIDs of the per-connection processes (children of the listener and
    /// their descendants), collected before anything is killed.
    pub fn session_pids(&self) -> Vec<i32> {
        let Some(root) = self.listener_pid() else {
            return Vec::new();
        };
        let parents: Vec<(i32, i32)> = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
                let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                let after = &stat[stat.rfind(')')? + 2..];
                let ppid: i32 = after.split_whitespace().nth(1)?.parse().ok()?;
                Some((pid, ppid))
            })
            .collect();
        let mut found = vec![root];
        let mut i = 0;
        while i < found.len() {
            let parent = found[i];
            found.extend(
                parents
                    .iter()
                    .filter(|(_, pp)| *pp == parent)
                    .map(|(pid, _)| *pid),
            );
            i += 1;
        }
        found.remove(0);
        found
    }

    fn signal(pids: &[i32], signal: i32) {
        for pid in pids {
            // SAFETY: plain syscall on processes this test started.
            unsafe {
                libc::kill(*pid, signal);
            }
        }
    }

    /// Kill the open connections but keep the listener (a dropped session).
    pub fn kill_sessions(&self) {
        Self::signal(&self.session_pids(), libc::SIGKILL);
    }

    /// Freeze the open connections: the machine stops answering.
    pub fn freeze_sessions(&self) -> Vec<i32> {
        let pids = self.session_pids();
        Self::signal(&pids, libc::SIGSTOP);
        pids
    }

    /// Kill the listener and every connection.
    pub fn kill(&mut self) {
        let sessions = self.session_pids();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        Self::signal(&sessions, libc::SIGCONT);
        Self::signal(&sessions, libc::SIGKILL);
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A throw-away local user with a password, removed at the end.
pub struct TestUser {
    pub name: String,
    pub password: String,
    pub home: PathBuf,
}

impl TestUser {
    pub fn create(tag: &str) -> Self {
        let name = format!("rpt{}{tag}", std::process::id() % 100_000);
        let home = PathBuf::from(format!("/tmp/{name}-home"));
        let _ = Command::new("userdel")
            .args(["-r", &name])
            .stderr(Stdio::null())
            .status();
        let status = Command::new("useradd")
            .args(["-m", "-s", "/bin/sh", "-d"])
            .arg(&home)
            .arg(&name)
            .status()
            .expect("useradd runs (the SSH password tests need root)");
        assert!(status.success(), "useradd {name} failed");
        let password = format!("pw-{name}-x");
        let mut chpasswd = Command::new("chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .expect("chpasswd runs");
        use std::io::Write;
        chpasswd
            .stdin
            .take()
            .expect("chpasswd stdin")
            .write_all(format!("{name}:{password}\n").as_bytes())
            .expect("password written");
        assert!(
            chpasswd.wait().expect("chpasswd ends").success(),
            "chpasswd failed"
        );
        Self {
            name,
            password,
            home,
        }
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel")
            .args(["-r", "-f", &self.name])
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.home);
    }
}
