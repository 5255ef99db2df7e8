//! lnd's listen-address rules (lncfg/address.go): a bare port means
//! `localhost:<port>`, a bare host gets the default port, `:port` means all
//! interfaces, duplicates are dropped. "localhost" resolves to 127.0.0.1
//! without asking the system resolver (Go reads /etc/hosts itself; a
//! scratch container may have no resolver configuration at all).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};

/// Normalises `addrs` like `lncfg.NormalizeAddresses`.
pub fn normalize(addrs: &[String], default_port: u16) -> Result<Vec<SocketAddr>, String> {
    Ok(normalize_shown(addrs, default_port)?
        .into_iter()
        .map(|(_, a)| a)
        .collect())
}

/// [`normalize`], each address paired with Go's `TCPAddr.String()` of it,
/// as lnd's errors show it: an empty host stays empty (`:9735`).
pub fn normalize_shown(
    addrs: &[String],
    default_port: u16,
) -> Result<Vec<(String, SocketAddr)>, String> {
    let mut out: Vec<(String, SocketAddr)> = Vec::new();
    for addr in addrs {
        let parsed = parse_address(addr, default_port)
            .map_err(|e| format!("parse address {addr} failed: {e}"))?;
        let bare = addr.split_once("://").map_or(addr.as_str(), |(_, r)| r);
        let empty_host = split_host_port(&verify_port(bare, default_port))
            .is_some_and(|(host, _)| host.is_empty());
        let shown = if empty_host {
            format!(":{}", parsed.port())
        } else {
            parsed.to_string()
        };
        if !out.iter().any(|(_, a)| *a == parsed) {
            out.push((shown, parsed));
        }
    }
    Ok(out)
}

/// `lncfg.ParseAddressString` for TCP addresses.
pub fn parse_address(addr: &str, default_port: u16) -> Result<SocketAddr, String> {
    let (network, rest) = if let Some((n, r)) = addr.split_once("://") {
        (n, r)
    } else if let Some((n, r)) = addr.split_once(':') {
        (n, r)
    } else {
        ("", addr)
    };
    match network {
        "unix" | "unixpacket" => Err(format!(
            "lnd-double does not implement unix socket listeners ({addr}); use host:port"
        )),
        "tcp" | "tcp4" | "tcp6" => resolve(&verify_port(rest, default_port)),
        "ip" | "ip4" | "ip6" | "udp" | "udp4" | "udp6" | "unixgram" => Err(format!(
            "only TCP or unix socket addresses are supported: {rest}"
        )),
        _ => resolve(&verify_port(addr, default_port)),
    }
}

/// `lncfg.verifyPort`: the bare-port and missing-port rules.
pub fn verify_port(address: &str, default_port: u16) -> String {
    match split_host_port(address) {
        Some((host, port)) => {
            if host.is_empty() && port.is_empty() {
                format!(":{default_port}")
            } else {
                address.to_string()
            }
        }
        None => {
            if address.parse::<i64>().is_ok() {
                return format!("localhost:{address}");
            }
            if address.starts_with('[') {
                return format!("{address}:{default_port}");
            }
            join_host_port(address, &default_port.to_string())
        }
    }
}

/// Go's net.SplitHostPort (enough of it for listen addresses).
fn split_host_port(s: &str) -> Option<(String, String)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':')?;
        return Some((host.to_string(), port.to_string()));
    }
    let (host, port) = s.rsplit_once(':')?;
    if host.contains(':') {
        return None;
    }
    Some((host.to_string(), port.to_string()))
}

fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn resolve(addr: &str) -> Result<SocketAddr, String> {
    let (host, port) =
        split_host_port(addr).ok_or_else(|| format!("address {addr}: missing port in address"))?;
    // Go's LookupPort (net/lookup.go L424–433): a number out of range is
    // an AddrError, a name that is no service a DNSError.
    let numeric = {
        let digits = port.strip_prefix(['+', '-']).unwrap_or(&port);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    let port: u16 = if port.is_empty() {
        0
    } else if numeric {
        port.parse()
            .map_err(|_| format!("address {port}: invalid port"))?
    } else {
        return Err(format!("lookup tcp/{port}: unknown port"));
    };
    let ip = if host.is_empty() {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    } else if host == "localhost" {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else if let Ok(ip) = host.parse::<IpAddr>() {
        ip
    } else {
        let addrs: Vec<SocketAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|_| format!("lookup {host}: no such host"))?
            .collect();
        // Go's resolver prefers IPv4 for "tcp".
        addrs
            .iter()
            .find(|a| a.is_ipv4())
            .or(addrs.first())
            .map(|a| a.ip())
            .ok_or_else(|| format!("lookup {host}: no such host"))?
    };
    Ok(SocketAddr::new(ip, port))
}

/// Where lnd's REST proxy dials its own gRPC server, and therefore the peer
/// address its gRPC side sees for every REST call: the first rpclisten with
/// a wildcard host replaced by loopback.
pub fn rest_proxy_peer(rpc_listeners: &[SocketAddr]) -> IpAddr {
    match rpc_listeners.first().map(|a| a.ip()) {
        Some(IpAddr::V4(ip)) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some(IpAddr::V6(ip)) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        Some(ip) => ip,
        None => IpAddr::V4(Ipv4Addr::LOCALHOST),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(addrs: &[&str], port: u16) -> Vec<String> {
        normalize(
            &addrs.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            port,
        )
        .unwrap()
        .iter()
        .map(|a| a.to_string())
        .collect()
    }

    #[test]
    fn bare_port_means_localhost() {
        assert_eq!(n(&["10019"], 10009), ["127.0.0.1:10019"]);
        assert_eq!(n(&["localhost"], 10009), ["127.0.0.1:10009"]);
        assert_eq!(n(&["0.0.0.0"], 10009), ["0.0.0.0:10009"]);
        assert_eq!(n(&[":10009"], 10009), ["0.0.0.0:10009"]);
        assert_eq!(n(&["0.0.0.0:10009", "0.0.0.0:10009"], 1), ["0.0.0.0:10009"]);
        assert_eq!(n(&["[::1]"], 8080), ["[::1]:8080"]);
        assert_eq!(n(&["tcp://127.0.0.1:9"], 8080), ["127.0.0.1:9"]);
    }

    #[test]
    fn shown_like_gos_tcp_addr() {
        let shown = |a: &str| {
            normalize_shown(&[a.to_string()], 9735).unwrap()[0]
                .0
                .clone()
        };
        assert_eq!(shown(":9735"), ":9735");
        assert_eq!(shown(""), ":9735");
        assert_eq!(shown("0.0.0.0:9735"), "0.0.0.0:9735");
        assert_eq!(shown("9736"), "127.0.0.1:9736");
        assert_eq!(shown("tcp://:9737"), ":9737");
    }

    #[test]
    fn refuses_what_lnd_refuses() {
        assert!(parse_address("udp://1.2.3.4:5", 1).is_err());
        assert_eq!(
            resolve("127.0.0.1:99999").unwrap_err(),
            "address 99999: invalid port"
        );
        assert_eq!(
            resolve("127.0.0.1:-1").unwrap_err(),
            "address -1: invalid port"
        );
        assert_eq!(
            resolve("127.0.0.1:nope").unwrap_err(),
            "lookup tcp/nope: unknown port"
        );
    }

    #[test]
    fn rest_proxy_peer_is_loopback_for_wildcards() {
        let l: Vec<SocketAddr> = vec!["0.0.0.0:10009".parse().unwrap()];
        assert_eq!(rest_proxy_peer(&l), IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
}
