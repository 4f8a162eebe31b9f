//! The uperf XML profile of an iteration, with the flowops pbench-uperf
//! uses: `stream` writes to the server, `maerts` reads from it,
//! `bidirec` does both in two thread groups, `rr` writes and reads one
//! message per transaction. uperf runs 6 s longer than `runtime`; the
//! parser trims 3 s at each end.

/// Seconds added to the runtime for ramp up and down.
pub const PADDING_SECS: u64 = 6;

/// Escapes text for an XML attribute value.
fn attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// What one iteration measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload<'a> {
    /// `tcp` or `udp`.
    pub protocol: &'a str,
    /// `stream`, `maerts`, `bidirec` or `rr`.
    pub test_type: &'a str,
    /// Message size in bytes.
    pub message_size: u64,
    /// Threads.
    pub instances: u32,
}

impl Workload<'_> {
    /// pbench-uperf's iteration name (`tcp_stream-64B-1i`).
    pub fn iteration_name(&self) -> String {
        format!(
            "{}_{}-{}B-{}i",
            self.protocol, self.test_type, self.message_size, self.instances
        )
    }

    /// The primary metric: `trans_sec` for rr, `Gb_sec` otherwise.
    pub fn primary_metric(&self) -> &'static str {
        if self.test_type == "rr" {
            "trans_sec"
        } else {
            "Gb_sec"
        }
    }
}

fn group(
    out: &mut String,
    workload: &Workload<'_>,
    server: &str,
    duration: &str,
    open: &str,
    body: &[String],
) {
    let options = attr(&format!(
        "remotehost={server} protocol={}",
        workload.protocol
    ));
    out.push_str(&format!("  <group nthreads=\"{}\">\n", workload.instances));
    out.push_str(&format!(
        "    <transaction iterations=\"1\">\n      <flowop type=\"{open}\" options=\"{options}\"/>\n    </transaction>\n"
    ));
    out.push_str(&format!("    <transaction duration=\"{duration}\">\n"));
    for flowop in body {
        out.push_str(&format!("      {flowop}\n"));
    }
    out.push_str("    </transaction>\n");
    out.push_str("    <transaction iterations=\"1\">\n      <flowop type=\"disconnect\"/>\n    </transaction>\n");
    out.push_str("  </group>\n");
}

/// The profile for `workload` against `server`, `runtime` seconds measured.
pub fn profile_xml(workload: &Workload<'_>, server: &str, runtime: u64) -> String {
    let duration = format!("{}s", runtime + PADDING_SECS);
    let size = workload.message_size;
    let name = attr(&format!(
        "{}-{}-{}B-{}i",
        workload.protocol, workload.test_type, size, workload.instances
    ));
    let mut out = format!("<?xml version=\"1.0\"?>\n<profile name=\"{name}\">\n");
    let write = format!("<flowop type=\"write\" options=\"count=16 size={size}\"/>");
    let read = format!("<flowop type=\"read\" options=\"count=16 size={size}\"/>");
    match workload.test_type {
        "rr" => group(
            &mut out,
            workload,
            server,
            &duration,
            "connect",
            &[
                format!("<flowop type=\"write\" options=\"size={size}\"/>"),
                format!("<flowop type=\"read\" options=\"size={size}\"/>"),
            ],
        ),
        "maerts" => group(&mut out, workload, server, &duration, "accept", &[read]),
        "bidirec" => {
            group(&mut out, workload, server, &duration, "connect", &[write]);
            group(&mut out, workload, server, &duration, "accept", &[read]);
        }
        _ => group(&mut out, workload, server, &duration, "connect", &[write]),
    }
    out.push_str("</profile>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(test_type: &str) -> Workload<'_> {
        Workload {
            protocol: "tcp",
            test_type,
            message_size: 64,
            instances: 8,
        }
    }

    #[test]
    fn stream_profile() {
        let xml = profile_xml(&workload("stream"), "192.0.2.1", 60);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\"?>\n<profile name=\"tcp-stream-64B-8i\">\n  <group nthreads=\"8\">\n    \
             <transaction iterations=\"1\">\n      <flowop type=\"connect\" options=\"remotehost=192.0.2.1 protocol=tcp\"/>\n    \
             </transaction>\n    <transaction duration=\"66s\">\n      <flowop type=\"write\" options=\"count=16 size=64\"/>\n    \
             </transaction>\n    <transaction iterations=\"1\">\n      <flowop type=\"disconnect\"/>\n    </transaction>\n  \
             </group>\n</profile>\n"
        );
    }

    #[test]
    fn rr_writes_then_reads_one_message() {
        let xml = profile_xml(&workload("rr"), "h", 10);
        assert!(xml.contains("<flowop type=\"write\" options=\"size=64\"/>\n      <flowop type=\"read\" options=\"size=64\"/>"));
        assert!(xml.contains("duration=\"16s\""));
    }

    #[test]
    fn bidirec_has_both_groups_and_maerts_accepts() {
        let xml = profile_xml(&workload("bidirec"), "h", 10);
        assert_eq!(xml.matches("<group").count(), 2);
        assert!(xml.contains("type=\"accept\""));
        assert!(profile_xml(&workload("maerts"), "h", 10).contains("type=\"accept\""));
    }

    #[test]
    fn hostile_server_name_cannot_break_the_xml() {
        let xml = profile_xml(&workload("stream"), "\"/><flowop type=\"x", 10);
        assert!(xml.contains("remotehost=&quot;/&gt;&lt;flowop type=&quot;x protocol=tcp"));
    }

    #[test]
    fn names_and_primary_metrics() {
        let w = Workload {
            protocol: "udp",
            test_type: "rr",
            message_size: 1,
            instances: 1,
        };
        assert_eq!(w.iteration_name(), "udp_rr-1B-1i");
        assert_eq!(w.primary_metric(), "trans_sec");
        assert_eq!(workload("stream").primary_metric(), "Gb_sec");
    }
}
