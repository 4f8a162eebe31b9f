//! Machine addresses as hosts and profiles write them: `NAME`, `IP`,
//! `NAME:PORT`, `[IPV6]:PORT` or a bare IPv6 address (which has no port).
//! A worker reached through a forwarded port (the libvirt profiles'
//! user-mode networking) is registered as `127.0.0.1:PORT`.

/// The host part of `address` and its port, when it names one.
///
/// ```
/// use runperf_plugin_sdk::address::split_port;
/// assert_eq!(split_port("127.0.0.1:10022"), ("127.0.0.1", Some(10022)));
/// assert_eq!(split_port("host1"), ("host1", None));
/// assert_eq!(split_port("[::1]:2222"), ("::1", Some(2222)));
/// assert_eq!(split_port("fe80::1"), ("fe80::1", None));
/// ```
pub fn split_port(address: &str) -> (&str, Option<u16>) {
    if let Some(rest) = address.strip_prefix('[')
        && let Some((host, tail)) = rest.split_once(']')
    {
        let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
        return (host, port);
    }
    match address.rsplit_once(':') {
        // More than one colon without brackets: an IPv6 address.
        Some((host, _)) if host.contains(':') => (address, None),
        Some((host, port)) => match port.parse() {
            Ok(port) => (host, Some(port)),
            Err(_) => (address, None),
        },
        None => (address, None),
    }
}

/// Whether `address` (port or not) is this machine's loopback:
/// `127.0.0.0/8`, `::1` or `localhost`.
///
/// ```
/// use runperf_plugin_sdk::address::is_loopback;
/// assert!(is_loopback("127.0.0.1:10022") && is_loopback("[::1]:22"));
/// assert!(!is_loopback("192.0.2.7") && !is_loopback("host1"));
/// ```
pub fn is_loopback(address: &str) -> bool {
    let (host, _) = split_port(address);
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::{is_loopback, split_port};

    #[test]
    fn a_port_is_split_off_only_where_one_is_written() {
        assert_eq!(split_port("192.0.2.7:2222"), ("192.0.2.7", Some(2222)));
        assert_eq!(split_port("lab-1.example.com"), ("lab-1.example.com", None));
        assert_eq!(split_port("host:notaport"), ("host:notaport", None));
        assert_eq!(split_port("host:70000"), ("host:70000", None));
        assert_eq!(split_port("::1"), ("::1", None));
        assert_eq!(split_port("[2001:db8::1]"), ("2001:db8::1", None));
    }

    #[test]
    fn loopback_is_127_slash_8_and_ipv6_one() {
        assert!(is_loopback("127.255.0.3"));
        assert!(is_loopback("::1"));
        assert!(is_loopback("LOCALHOST:22"));
        assert!(!is_loopback("128.0.0.1"));
        assert!(!is_loopback("192.0.2.15:22"));
        assert!(!is_loopback("::2"));
    }
}
