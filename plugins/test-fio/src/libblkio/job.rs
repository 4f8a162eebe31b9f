//! fio-libblkio's pbench-fio params and job file: fio's `libblkio` engine
//! through the `virtio-blk-vhost-user` driver on the worker's socket.

use std::collections::BTreeMap;

use crate::nbd::job::PBENCH_LOGS;
use crate::params::canonical;
use pbench_support::params::over_defaults;

/// Where the socket lives on every worker and the job file on the host.
pub const BASE: &str = "/var/lib/runperf/runperf-libblkio";

/// The vhost-user-blk socket on every worker.
pub fn socket() -> String {
    format!("{BASE}/vhost-user-blk.sock")
}

/// pbench-fio's params: the user's over one job and the job file runperf
/// writes (`hipri` and `target` are ours, not pbench-fio's).
pub fn pbench_params(params: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut params = canonical(params);
    params.remove("hipri");
    params.remove("target");
    over_defaults(
        &[
            ("numjobs", "1"),
            ("job-file", &format!("{BASE}/libblkio.fio")),
        ],
        params,
    )
}

/// The job file; pbench-fio puts each iteration's block size and test
/// type for `$@`.
pub fn pbench_job(hipri: &str) -> String {
    format!(
        "; written by runperf's {name}: pbench-fio puts each iteration's values for $@\n\
         [global]\nbs = $@\nrw = $@\nioengine = libblkio\n\
         libblkio_driver = virtio-blk-vhost-user\nlibblkio_path = {socket}\n\
         iodepth = 1\nhipri = {hipri}\ndirect = 1\nsync = 0\ntime_based = 1\n\
         ramp_time = 5\nruntime = 10\n{PBENCH_LOGS}\n[job0]\n",
        name = super::NAME,
        socket = socket(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_job_on_the_socket_and_our_params_stay_ours() {
        let user = [("hipri", "1"), ("target", "/dev/sdb"), ("samples", "2")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into();
        let params = pbench_params(&user);
        assert_eq!(
            params.keys().collect::<Vec<_>>(),
            ["job-file", "numjobs", "samples"]
        );
        assert_eq!(
            params["job-file"],
            "/var/lib/runperf/runperf-libblkio/libblkio.fio"
        );
        let job = pbench_job("1");
        assert!(job.contains("ioengine = libblkio\nlibblkio_driver = virtio-blk-vhost-user\nlibblkio_path = /var/lib/runperf/runperf-libblkio/vhost-user-blk.sock\n"), "{job}");
        assert!(
            job.contains("hipri = 1\n") && job.ends_with("[job0]\n"),
            "{job}"
        );
    }
}
