//! Native mode: for every iteration (protocol x test type x message size
//! x instances) and sample, a `uperf -s` server per client is started on
//! the host machine (ports 20010, 20020, ... as pbench-uperf numbers
//! them) once the previous sample's servers let go of the ports; once
//! they all listen, every worker runs `uperf -m PROFILE -R -a -i 1`
//! against its server at the same time, and the outputs become pbench
//! iterations.

use std::collections::BTreeMap;
use std::path::Path;

use runperf_plugin_sdk::serde_json::json;
use runperf_plugin_sdk::{Host, LogLevel, PluginError, PluginResult, TestRun};

use crate::listen::{self, State};
use crate::output::{self, ClientResult};
use crate::params::UperfParams;
use crate::profile::{PADDING_SECS, Workload, profile_xml};
use pbench_support::launch::{self, WorkDir};
use pbench_support::{metadata, result};

/// Where the servers and clients run.
#[derive(Debug, Clone)]
pub struct Machines {
    /// Work dir on the host machine (servers).
    pub server: WorkDir,
    /// Work dir on each client worker.
    pub clients: Vec<WorkDir>,
    /// uperf version on the clients.
    pub version: String,
}

/// Port of the server of the `index`-th client (0-based).
pub fn port(index: usize) -> u16 {
    u16::try_from(20_000 + 10 * (index + 1)).unwrap_or(u16::MAX)
}

/// Address client `index` uses for its server.
pub fn server_address(params: &UperfParams, run: &TestRun, index: usize, client: &str) -> String {
    match params.servers.get(index) {
        Some(server) => server.clone(),
        None if client == run.host => "127.0.0.1".to_owned(),
        None => pbench_support::agent::address_of(run, &run.host),
    }
}

/// A client behind a forwarded port (libvirt profile with network
/// `user`) is an isolated guest: it cannot reach the uperf server on the
/// host at any address. The host itself as its own client (the Localhost
/// profile), even when reached on an SSH port of its own, talks to its
/// server over loopback. An error naming such a guest, if any.
pub fn check_reachable_servers(run: &TestRun, clients: &[String]) -> PluginResult<()> {
    let forwarded = pbench_support::agent::forwarded_workers(run);
    let guest = |name: &String| *name != run.host && clients.contains(name);
    match forwarded.iter().find(|(name, _)| guest(name)) {
        None => Ok(()),
        Some((name, address)) => Err(PluginError::new(format!(
            "uperf client {name} is reached through the forwarded port {address} (libvirt \
             profile with network user, an isolated guest): it cannot reach the uperf server on \
             {}; run uperf with the profile's network default",
            run.host
        ))),
    }
}

type Sample = Vec<(String, String, u16, ClientResult)>;

fn sample(
    host: &Host<'_>,
    run: &TestRun,
    params: &UperfParams,
    m: &Machines,
    w: &Workload<'_>,
    tag: &str,
) -> PluginResult<Sample> {
    let machine = &m.server.machine;
    for index in 0..m.clients.len() {
        listen::wait(host, machine, port(index), State::Free)?;
    }
    let mut servers = Vec::new();
    for index in 0..m.clients.len() {
        let argv = ["uperf", "-s", "-P", &port(index).to_string()].map(str::to_owned);
        match launch::start(host, &m.server, &format!("{tag}-server{index}"), &argv) {
            Ok(server) => servers.push(server),
            Err(err) => {
                launch::stop(host, &servers);
                return Err(err);
            }
        }
    }
    // Clients connect only once every server listens.
    let listening = (0..m.clients.len())
        .try_for_each(|index| listen::wait(host, machine, port(index), State::Listening));
    let result = listening.and_then(|()| clients(host, run, params, m, w, tag));
    launch::stop(host, &servers);
    result
}

fn clients(
    host: &Host<'_>,
    run: &TestRun,
    params: &UperfParams,
    m: &Machines,
    w: &Workload<'_>,
    tag: &str,
) -> PluginResult<Sample> {
    let mut jobs = Vec::new();
    let mut addresses = Vec::new();
    for (index, dir) in m.clients.iter().enumerate() {
        let server = server_address(params, run, index, &dir.machine);
        let xml_path = format!("{}/{tag}.xml", dir.path);
        host.write_file(
            &dir.machine,
            &xml_path,
            profile_xml(w, &server, params.runtime).as_bytes(),
        )?;
        let argv = [
            "uperf",
            "-m",
            &xml_path,
            "-R",
            "-a",
            "-i",
            "1",
            "-P",
            &port(index).to_string(),
        ]
        .map(str::to_owned);
        jobs.push((dir.clone(), argv.to_vec()));
        addresses.push(server);
    }
    let timeout = (params.runtime + PADDING_SECS) as f64 * 2.0 + 600.0;
    let finished = launch::run_everywhere(host, &jobs, tag, timeout)?;
    finished
        .into_iter()
        .zip(addresses)
        .enumerate()
        .map(|(index, (f, server))| {
            if f.status != 0 {
                return Err(PluginError::new(format!(
                    "uperf client on {} exited with {}",
                    f.machine, f.status
                ))
                .with_cause(format!("{}\n{}", f.stdout.trim(), f.stderr.trim())));
            }
            let parsed = output::parse(&f.stdout, w.test_type == "rr", w.instances, &f.machine)?;
            Ok((f.machine, server, port(index), parsed))
        })
        .collect()
}

fn series(samples: &[Sample], get: fn(&ClientResult) -> Option<f64>) -> Vec<result::ClientSeries> {
    let mut out: Vec<result::ClientSeries> = Vec::new();
    for sample in samples {
        for (client, server, port, res) in sample {
            let Some(value) = get(res) else { continue };
            let labels = vec![
                ("client_hostname".to_owned(), client.clone()),
                ("server_hostname".to_owned(), server.clone()),
                ("server_port".to_owned(), port.to_string()),
            ];
            match out.iter_mut().find(|s| s.labels == labels) {
                Some(existing) => existing.samples.push(value),
                None => out.push(result::ClientSeries {
                    labels,
                    samples: vec![value],
                }),
            }
        }
    }
    out
}

fn iteration(
    number: u32,
    w: &Workload<'_>,
    samples: &[Sample],
    params: &UperfParams,
    m: &Machines,
    run: &TestRun,
) -> result::Iteration {
    let primary = w.primary_metric();
    let first = samples.first().cloned().unwrap_or_default();
    let join = |f: fn(&(String, String, u16, ClientResult)) -> String| {
        first.iter().map(f).collect::<Vec<_>>().join(",")
    };
    let benchmark = BTreeMap::from([
        ("benchmark_name".to_owned(), json!("uperf")),
        ("benchmark_version".to_owned(), json!(m.version)),
        ("clients".to_owned(), json!(join(|s| s.0.clone()))),
        ("instances".to_owned(), json!(w.instances)),
        ("max_stddevpct".to_owned(), json!(params.max_stddev)),
        ("message_size_bytes".to_owned(), json!(w.message_size)),
        ("primary_metric".to_owned(), json!(primary)),
        ("protocol".to_owned(), json!(w.protocol)),
        ("servers".to_owned(), json!(join(|s| s.1.clone()))),
        ("test_type".to_owned(), json!(w.test_type)),
        (
            "uid".to_owned(),
            json!("benchmark_name:%benchmark_name%-controller_host:%controller_host%"),
        ),
    ]);
    let mut metrics = vec![result::Metric {
        workflow: result::Workflow::Throughput,
        name: primary.to_owned(),
        description: if w.test_type == "rr" {
            "Number of transactions sent by client for a period of 1 second"
        } else {
            "Number of gigabits sent by client for a period of 1 second"
        }
        .to_owned(),
        clients: series(samples, |r| Some(r.throughput)),
    }];
    if w.test_type == "rr" {
        metrics.push(result::Metric {
            workflow: result::Workflow::Latency,
            name: "usec".to_owned(),
            description: "Average elapsed time spanning: client sending, server accepting/sending, and client \
                          receiving 1 message, over a 1 second window"
                .to_owned(),
            clients: series(samples, |r| r.latency_usec),
        });
    }
    result::Iteration {
        number,
        name: w.iteration_name(),
        benchmark,
        user: Some(metadata::user_params(run)),
        metrics,
    }
}

/// Runs every iteration and writes `result.json` and `RUNPERF_METADATA.json`.
pub fn run(host: &Host<'_>, run: &TestRun, params: &UperfParams, m: &Machines) -> PluginResult<()> {
    let mut iterations = Vec::new();
    let mut number = 0;
    for protocol in &params.protocols {
        for test_type in &params.test_types {
            for message_size in &params.message_sizes {
                for instances in &params.instances {
                    number += 1;
                    let w = Workload {
                        protocol,
                        test_type,
                        message_size: *message_size,
                        instances: *instances,
                    };
                    let name = w.iteration_name();
                    for attempt in 1..=params.max_failures.max(1) {
                        host.log(
                            LogLevel::Info,
                            &format!("uperf iteration {number} {name}, attempt {attempt}"),
                        );
                        let samples = (1..=params.samples)
                            .map(|s| {
                                sample(host, run, params, m, &w, &format!("{number}-{attempt}-{s}"))
                            })
                            .collect::<PluginResult<Vec<_>>>()
                            .map_err(|e| e.context(format!("uperf iteration {name} failed")))?;
                        let mut it = iteration(number, &w, &samples, params, m, run);
                        let stddev = it.throughput_stddevpct(w.primary_metric()).unwrap_or(0.0);
                        if stddev <= params.max_stddev {
                            iterations.push(it);
                            break;
                        }
                        host.log(
                            LogLevel::Warn,
                            &format!("uperf iteration {name}: stddev {stddev}% above max-stddev"),
                        );
                        it.name = format!("{name}-fail{attempt}");
                        iterations.push(it);
                    }
                }
            }
        }
    }
    let dir = Path::new(&run.output_dir);
    result::write_result_json(dir, &iterations)?;
    let path = dir.join("RUNPERF_METADATA.json");
    std::fs::write(&path, metadata::metadata_json(host, run)?)
        .map_err(|e| PluginError::new(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pbench_support::result::iteration_json;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn rr_iteration_like_pbench_uperf() {
        let parsed =
            output::parse(&fixture("uperf-1.0.4-tcp-rr-64B-1i.txt"), true, 1, "w1").unwrap();
        let samples = vec![vec![(
            "w1".to_owned(),
            "127.0.0.1".to_owned(),
            port(0),
            parsed,
        )]];
        let params = UperfParams::parse(&BTreeMap::new()).unwrap();
        let dir = WorkDir {
            machine: "w1".into(),
            path: "/tmp/x".into(),
        };
        let m = Machines {
            server: dir.clone(),
            clients: vec![dir],
            version: "1.0.4".into(),
        };
        let run = TestRun {
            profile: "Localhost".into(),
            ..TestRun::default()
        };
        let w = Workload {
            protocol: "tcp",
            test_type: "rr",
            message_size: 64,
            instances: 1,
        };
        let value = iteration_json(&iteration(2, &w, &samples, &params, &m, &run));
        assert_eq!(value["iteration_name"], "tcp_rr-64B-1i");
        let trans = &value["iteration_data"]["throughput"]["trans_sec"];
        assert_eq!(trans[0]["server_port"], "20010");
        assert_eq!(trans[1]["client_hostname"], "all");
        assert_eq!(trans[1]["server_hostname"], "all");
        assert_eq!(
            trans[1]["uid"],
            "client_hostname:%client_hostname%-server_hostname:%server_hostname%-server_port:%server_port%"
        );
        let bench = &value["iteration_data"]["parameters"]["benchmark"][0];
        assert_eq!(
            (
                bench["primary_metric"].as_str(),
                bench["message_size_bytes"].as_u64()
            ),
            (Some("trans_sec"), Some(64))
        );
        assert_eq!(bench["servers"], "127.0.0.1");
        assert!(
            value["iteration_data"]["latency"]["usec"][1]["mean"]
                .as_f64()
                .unwrap_or_default()
                > 90.0
        );
    }

    #[test]
    fn server_is_the_host_or_loopback_or_given() {
        let mut params = UperfParams::parse(&BTreeMap::new()).unwrap();
        let run = TestRun {
            host: "h".into(),
            ..TestRun::default()
        };
        assert_eq!(server_address(&params, &run, 0, "h"), "127.0.0.1");
        assert_eq!(server_address(&params, &run, 0, "vm1"), "h");
        let mut with_addresses = run.clone();
        with_addresses
            .addresses
            .insert("h".into(), "192.0.2.7".into());
        assert_eq!(
            server_address(&params, &with_addresses, 0, "vm1"),
            "192.0.2.7"
        );
        params.servers = vec!["192.0.2.1".into()];
        assert_eq!(server_address(&params, &run, 0, "vm1"), "192.0.2.1");
        assert_eq!(port(1), 20020);
    }

    #[test]
    fn a_client_behind_a_forwarded_port_is_refused_naming_it() {
        let mut run = TestRun {
            host: "h".into(),
            workers: vec![vec!["vm0".into(), "vm1".into()]],
            ..TestRun::default()
        };
        run.addresses.insert("vm0".into(), "192.0.2.10".into());
        let clients = run.workers[0].clone();
        check_reachable_servers(&run, &clients).unwrap();
        run.addresses.insert("vm1".into(), "127.0.0.1:10022".into());
        let err = check_reachable_servers(&run, &clients)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("vm1")
                && err.contains("127.0.0.1:10022")
                && err.contains("network default"),
            "{err}"
        );
    }

    #[test]
    fn the_host_as_its_own_client_on_an_ssh_port_is_not_a_guest() {
        let mut run = TestRun {
            host: "h".into(),
            workers: vec![vec!["h".into()]],
            ..TestRun::default()
        };
        run.addresses.insert("h".into(), "127.0.0.1:2222".into());
        check_reachable_servers(&run, &run.workers[0].clone()).unwrap();
        assert_eq!(
            server_address(&UperfParams::parse(&BTreeMap::new()).unwrap(), &run, 0, "h"),
            "127.0.0.1"
        );
    }
}
