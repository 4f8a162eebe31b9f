//! Reading a uperf client's output (`-R -a -i 1`): the cumulative
//! `name:Txn2 nr_bytes:N nr_ops:N` line of every interval becomes per
//! second Gb/s (stream types) or transactions/s and latency (rr), 3 s are
//! trimmed at each end and the rest averaged, as pbench's
//! uperf-postprocess does.

use runperf_plugin_sdk::{PluginError, PluginResult};

/// Seconds trimmed at the start and at the end.
const TRIM_MS: f64 = 3000.0;

/// One client's result in one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientResult {
    /// `Gb_sec` for stream types, `trans_sec` for rr.
    pub throughput: f64,
    /// Mean latency in usec (rr only).
    pub latency_usec: Option<f64>,
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_whitespace()
        .find_map(|part| part.strip_prefix(key))
}

/// `(timestamp ms, bytes, ops)` of every `Txn2` line.
fn points(text: &str) -> Vec<(f64, f64, f64)> {
    text.lines()
        .filter(|l| l.starts_with("timestamp_ms:") && field(l, "name:") == Some("Txn2"))
        .filter_map(|l| {
            let ms = field(l, "timestamp_ms:")?
                .split('.')
                .next()?
                .parse::<u64>()
                .ok()?;
            let bytes = field(l, "nr_bytes:")?.parse::<u64>().ok()?;
            let ops = field(l, "nr_ops:")?.parse::<u64>().ok()?;
            Some((ms as f64, bytes as f64, ops as f64))
        })
        .collect()
}

/// Drops points within 3 s of the first and of the last one.
fn trim(series: &mut Vec<(f64, f64)>) {
    if let Some(first) = series.first().map(|p| p.0) {
        series.retain(|p| p.0 - first > TRIM_MS);
    }
    if let Some(last) = series.last().map(|p| p.0) {
        series.retain(|p| last - p.0 > TRIM_MS);
    }
}

fn mean(series: &[(f64, f64)]) -> Option<f64> {
    (!series.is_empty()).then(|| series.iter().map(|p| p.1).sum::<f64>() / series.len() as f64)
}

/// Parses the output of the client `machine`; `rr` selects transactions.
pub fn parse(text: &str, rr: bool, instances: u32, machine: &str) -> PluginResult<ClientResult> {
    let points = points(text);
    let mut throughput = Vec::new();
    let mut latency = Vec::new();
    for pair in points.windows(2) {
        let ((t0, b0, o0), (t1, b1, o1)) = (pair[0], pair[1]);
        let secs = (t1 - t0) / 1000.0;
        if secs <= 0.0 {
            continue;
        }
        if rr {
            let trans = (o1 - o0) / secs / 2.0;
            if o1 > o0 {
                latency.push((t1, f64::from(instances) / trans * 1e6));
            }
            throughput.push((t1, trans));
        } else {
            throughput.push((t1, (b1 - b0) * 8.0 / 1e9 / secs));
        }
    }
    trim(&mut throughput);
    trim(&mut latency);
    let throughput = mean(&throughput).ok_or_else(|| {
        PluginError::new(format!(
            "uperf output of {machine} has too few Txn2 intervals (the 3 s at each end are trimmed); \
             is the runtime long enough?"
        ))
        .with_cause(text.lines().rev().take(5).collect::<Vec<_>>().join("\n"))
    })?;
    Ok(ClientResult {
        throughput,
        latency_usec: if rr { mean(&latency) } else { None },
    })
}

/// uperf's version from `uperf -V` output (`Uperf Version 1.0.7`).
pub fn version(text: &str) -> String {
    text.split_whitespace()
        .last()
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn rr_matches_pbench_gold() {
        let r = parse(
            &fixture("uperf-1.0.4-tcp-rr-64B-1i.txt"),
            true,
            1,
            "perf102",
        )
        .unwrap();
        assert!(close(r.throughput, 10759.0509666093), "{}", r.throughput);
        assert!(
            close(r.latency_usec.unwrap_or_default(), 92.9552257388008),
            "{:?}",
            r.latency_usec
        );
    }

    #[test]
    fn stream_matches_pbench_gold() {
        let r = parse(
            &fixture("uperf-1.0.4-tcp-stream-64B-1i.txt"),
            false,
            1,
            "perf102",
        )
        .unwrap();
        assert!(close(r.throughput, 0.503149997412359), "{}", r.throughput);
        assert_eq!(r.latency_usec, None);
    }

    #[test]
    fn too_short_output_is_explained() {
        let text = "timestamp_ms:1000.1 name:Txn2 nr_bytes:0 nr_ops:0\ntimestamp_ms:2000.1 name:Txn2 nr_bytes:10 nr_ops:1\n";
        let err = parse(text, false, 1, "w9").unwrap_err();
        assert!(
            err.message().contains("w9") && err.message().contains("runtime"),
            "{err}"
        );
        assert!(parse("** error: connection refused", true, 1, "w9").is_err());
    }

    #[test]
    fn version_is_the_last_word() {
        assert_eq!(version("Uperf Version 1.0.7\n"), "1.0.7");
    }
}
