//! Filtering a domain XML for the environment info, as the reference does
//! with regular expressions, so that two runs of the same setup compare
//! equal: UUIDs, MAC addresses, paths under `/var/lib/libvirt/`, security
//! labels, port ids, `/dev/pts` paths, numeric ids and (ours, user-mode
//! networking) the forwarded SSH port are replaced by fixed words. Each filter is a small matcher applied left to right
//! without overlaps, in the reference's order.

/// A matcher returns the length of the match starting at the text's start.
type Matcher = fn(&str) -> Option<usize>;

const FILTERS: [(Matcher, &str); 8] = [
    (uuid, "UUID"),
    (mac, "MAC"),
    (libvirt_path, "PATH"),
    (seclabel, "SECLABEL"),
    (portid, "PORTID"),
    (pts, "PTS"),
    (numeric_id, " ID"),
    (forwarded_port, FORWARD),
];

/// How the user-mode network forwards the guest's SSH (network.rs).
const FORWARD: &str = "hostfwd=tcp:127.0.0.1:PORT";

/// The filtered XML.
pub fn filter(xml: &str) -> String {
    FILTERS
        .iter()
        .fold(xml.to_owned(), |text, (matcher, word)| {
            replace_all(&text, *matcher, word)
        })
}

fn replace_all(text: &str, matcher: Matcher, word: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        match matcher(&text[at..]) {
            Some(len) if len > 0 => {
                out.push_str(word);
                at += len;
            }
            _ => {
                let c = text[at..].chars().next().unwrap_or(' ');
                out.push(c);
                at += c.len_utf8().max(1);
            }
        }
    }
    out
}

fn is_quote(c: char) -> bool {
    c == '"' || c == '\''
}

/// Length of the leading run of chars for which `keep` holds.
fn run(text: &str, keep: impl Fn(char) -> bool) -> usize {
    text.find(|c| !keep(c)).unwrap_or(text.len())
}

/// `<uuid>[^<]+</uuid>`
fn uuid(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("<uuid>")?;
    let n = run(rest, |c| c != '<');
    (n > 0 && rest[n..].starts_with("</uuid>")).then_some(6 + n + 7)
}

/// `<mac address=[^/]+/>`
fn mac(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("<mac address=")?;
    let n = run(rest, |c| c != '/');
    (n > 0 && rest[n..].starts_with("/>")).then_some(13 + n + 2)
}

/// A quote, `prefix`, `min` or more non-quote chars, a quote.
fn quoted(text: &str, prefix: &str, min: usize) -> Option<usize> {
    let first = text.chars().next().filter(|c| is_quote(*c))?;
    let rest = text[first.len_utf8()..].strip_prefix(prefix)?;
    let n = run(rest, |c| !is_quote(c));
    (n >= min && rest[n..].starts_with(is_quote)).then_some(1 + prefix.len() + n + 1)
}

/// `["']/var/lib/libvirt/[^"']+["']`
fn libvirt_path(text: &str) -> Option<usize> {
    quoted(text, "/var/lib/libvirt/", 1)
}

/// `["']/dev/pts[^"']*["']`
fn pts(text: &str) -> Option<usize> {
    quoted(text, "/dev/pts", 0)
}

/// `portid=["'][^"']+["']`
fn portid(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("portid=")?;
    quoted(rest, "", 1).map(|n| 7 + n)
}

/// `<seclabel.*?</seclabel>` across lines, shortest match.
fn seclabel(text: &str) -> Option<usize> {
    if !text.starts_with("<seclabel") {
        return None;
    }
    let end = text[9..].find("</seclabel>")?;
    Some(9 + end + 11)
}

/// `\sid=['"]\d+['"]`
fn numeric_id(text: &str) -> Option<usize> {
    let space = text.chars().next().filter(|c| c.is_whitespace())?;
    let rest = text[space.len_utf8()..].strip_prefix("id=")?;
    let quote = rest.chars().next().filter(|c| is_quote(*c))?;
    let digits = &rest[quote.len_utf8()..];
    let n = run(digits, |c| c.is_ascii_digit());
    (n > 0 && digits[n..].starts_with(is_quote)).then_some(space.len_utf8() + 3 + 1 + n + 1)
}

/// `hostfwd=tcp:127.0.0.1:\d+`
fn forwarded_port(text: &str) -> Option<usize> {
    let prefix = "hostfwd=tcp:127.0.0.1:";
    let digits = text.strip_prefix(prefix)?;
    let n = run(digits, |c| c.is_ascii_digit());
    (n > 0).then_some(prefix.len() + n)
}

#[cfg(test)]
mod tests {
    use super::filter;

    #[test]
    fn filters_what_changes_between_runs() {
        let xml = "<domain type='kvm' id='7'>\n  <name>h.DefaultLibvirt0</name>\n  \
                   <uuid>0d1e-aa</uuid>\n  <mac address='52:54:00:18:c2:40'/>\n  \
                   <source file='/var/lib/libvirt/images/F-h.qcow2'/>\n  \
                   <source path=\"/dev/pts/3\"/>\n  <seclabel type='dynamic'>\n    \
                   <label>x</label>\n  </seclabel>\n  <source portid='ab-12'/>\n  \
                   <alias name='net0'/> <controller index='0'/>\n  \
                   <qemu:arg value='user,id=n,hostfwd=tcp:127.0.0.1:10022-:22'/>\n</domain>";
        assert_eq!(
            filter(xml),
            "<domain type='kvm' ID>\n  <name>h.DefaultLibvirt0</name>\n  UUID\n  MAC\n  \
             <source file=PATH/>\n  <source path=PTS/>\n  SECLABEL\n  <source PORTID/>\n  \
             <alias name='net0'/> <controller index='0'/>\n  \
             <qemu:arg value='user,id=n,hostfwd=tcp:127.0.0.1:PORT-:22'/>\n</domain>"
        );
    }

    #[test]
    fn leaves_near_misses_alone() {
        for text in [
            "<uuid></uuid>",
            "<mac address='x'>",
            "'/var/lib/libvirt/'",
            "portid=''",
            "<seclabel type='none'/>",
            "xid='1'",
            " id='a1'",
            "'/var/lib/libvirtd/x'",
        ] {
            assert_eq!(filter(text), text);
        }
        assert_eq!(filter("'/dev/pts'"), "PTS");
        assert_eq!(filter("čé <uuid>ž</uuid>"), "čé UUID");
    }
}
