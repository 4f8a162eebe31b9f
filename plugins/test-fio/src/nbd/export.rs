//! The image a worker serves: a work dir holding a 256 MiB raw image of
//! random data, `qemu-nbd -t -k SOCKET` serving it in the background, and
//! the checks that the worker's fio has the `nbd` engine and that
//! `qemu-nbd` exists (installed when missing).

use runperf_plugin_sdk::packages::PackageManager;
use runperf_plugin_sdk::{Command, Host, PluginError, PluginResult};

use super::NAME;
use super::job::IMAGE_MIB;
use crate::engine::check_engine;
use pbench_support::launch::{Started, WorkDir, start as start_background, stop};
use pbench_support::packages::{ensure, find};

/// Waits (at most 10 s) for the socket `$1` to appear.
const WAIT_SOCKET: &str =
    "i=0; while [ ! -S \"$1\" ]; do i=$((i+1)); [ $i -gt 100 ] && exit 1; sleep 0.1; done";

/// One worker's served image.
#[derive(Debug, Clone)]
pub struct Export {
    /// The work dir holding the image, the socket and qemu-nbd's output.
    pub dir: WorkDir,
    /// qemu-nbd, once started.
    server: Option<Started>,
}

impl Export {
    /// The unix socket qemu-nbd listens on.
    pub fn socket(&self) -> String {
        format!("{}/socket", self.dir.path)
    }

    /// Kills qemu-nbd and removes the work dir.
    pub fn stop(self, host: &Host<'_>) -> PluginResult<()> {
        if let Some(server) = &self.server {
            stop(host, std::slice::from_ref(server));
        }
        self.dir.remove(host)
    }
}

/// Where an export's dir is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place<'a> {
    /// A fresh `/tmp/runperf-nbd.XXXXXX` (native mode).
    Temp,
    /// This path, emptied first (pbench mode: the one job file on the
    /// host names the same socket for every client).
    Fixed(&'a str),
}

/// The export dir on `worker`.
pub(crate) fn create_dir(host: &Host<'_>, worker: &str, place: Place<'_>) -> PluginResult<WorkDir> {
    match place {
        Place::Temp => WorkDir::create(host, worker, "runperf-nbd"),
        Place::Fixed(path) => {
            host.run_ok(worker, &Command::argv(["rm", "-rf", "--", path]))?;
            host.run_ok(worker, &Command::argv(["mkdir", "-p", "--", path]))?;
            Ok(WorkDir {
                machine: worker.to_owned(),
                path: path.to_owned(),
            })
        }
    }
}

/// Checks `worker`, creates its image at `place` and starts serving it;
/// the export is pushed to `exports` as soon as its dir exists.
pub fn start(
    host: &Host<'_>,
    worker: &str,
    place: Place<'_>,
    exports: &mut Vec<Export>,
) -> PluginResult<()> {
    let fio = ensure(host, worker, "fio", "fio")?;
    check_engine(
        host,
        worker,
        &fio,
        "nbd",
        NAME,
        "install a fio built with libnbd there (Fedora: fio-engine-nbd; Debian's fio has it)",
    )?;
    ensure_qemu_nbd(host, worker)?;
    exports.push(Export {
        dir: create_dir(host, worker, place)?,
        server: None,
    });
    let export = exports.last_mut().expect("just pushed");
    let image = format!("{}/disk.img", export.dir.path);
    host.run_ok(
        worker,
        &Command::argv([
            "dd".to_owned(),
            "bs=1M".into(),
            format!("count={IMAGE_MIB}"),
            "if=/dev/urandom".into(),
            format!("of={image}"),
            "status=none".into(),
        ]),
    )
    .map_err(|e| e.context(format!("cannot create the {NAME} image on {worker}")))?;
    let socket = export.socket();
    let argv: Vec<String> = ["qemu-nbd", "-t", "-k", &socket, "-f", "raw", &image]
        .map(str::to_owned)
        .to_vec();
    let server = start_background(host, &export.dir, "qemu-nbd", &argv)?;
    let prefix = server.prefix.clone();
    export.server = Some(server);
    wait_for_socket(host, worker, "qemu-nbd", &prefix, &socket)
}

/// Waits up to 10 s for the server `what`, started with the output
/// `prefix`, to create `socket` on `worker`; the error carries its stderr.
pub(crate) fn wait_for_socket(
    host: &Host<'_>,
    worker: &str,
    what: &str,
    prefix: &str,
    socket: &str,
) -> PluginResult<()> {
    let waited = host.run(
        worker,
        &Command::argv(["sh", "-c", WAIT_SOCKET, "runperf", socket]),
    )?;
    if waited.success() {
        return Ok(());
    }
    let log = host
        .read_file(worker, &format!("{prefix}.err"))
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    Err(PluginError::new(format!(
        "{what} on {worker} did not create {socket} within 10 s"
    ))
    .with_cause(log))
}

/// Installs qemu-nbd on `worker` when missing (qemu-img on dnf and yum
/// machines, qemu-utils on apt ones).
fn ensure_qemu_nbd(host: &Host<'_>, worker: &str) -> PluginResult<()> {
    if find(host, worker, "qemu-nbd")?.is_some() {
        return Ok(());
    }
    let package = match PackageManager::detect(host, worker)? {
        Some(manager) if manager.is_rpm() => "qemu-img",
        _ => "qemu-utils",
    };
    ensure(host, worker, "qemu-nbd", package).map(drop)
}
