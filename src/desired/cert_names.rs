//! The names lnd's tls.cert must carry, and how a certificate differs.
//!
//! lsm renders `tlsdisableautofill=true` and `tlsautorefresh=true`, so the
//! names are exactly what `[rpc]` declares plus lnd's fixed ones
//! (lnd-facts §3.3; lnd `cert/selfsigned.go` ipAddresses and dnsNames):
//! IPs 127.0.0.1, ::1 and each tls_extra_ip; DNS names localhost, each
//! tls_extra_domain, unix, unixpacket and bufconn. With autofill off no
//! interface address or host name enters the certificate, so a container
//! that comes back with another IP keeps its certificate; with autorefresh
//! on lnd issues a new one at its next start whenever this set differs from
//! the certificate's (`cert.IsOutdated`). Declared names therefore converge
//! by restarting lnd, and the plan can say beforehand that they will.

use crate::lnd::tls::CertInfo;
use crate::manifest::Resolved;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// lnd's `tlsextraip` values: `[rpc] tls_extra_ips`, plus a specific
/// (non-loopback) rpc bind address, which is what a watch-only node dials,
/// so the certificate must name it; unspecified binds add nothing.
pub(crate) fn extra_ips(r: &Resolved) -> Vec<String> {
    let mut ips: Vec<String> = r.rpc.tls_extra_ips.iter().map(|i| i.to_string()).collect();
    let bind = r.rpc.listen.ip();
    if !bind.is_unspecified() && !bind.is_loopback() {
        let ip = bind.to_string();
        if !ips.contains(&ip) {
            ips.push(ip);
        }
    }
    ips
}

/// The names the signer's certificate must carry for `r`.
pub(crate) fn declared(r: &Resolved) -> CertNames {
    CertNames::issued_for(&extra_ips(r), &r.rpc.tls_extra_domains)
}

/// A certificate's subject alternative names, as sets (lnd compares them
/// as sets: order and duplicates do not count).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct CertNames {
    pub ips: BTreeSet<IpAddr>,
    pub dns: BTreeSet<String>,
}

impl CertNames {
    /// The names lnd gives a certificate it issues for these extras with
    /// autofill off. Extra IPs that do not parse are skipped, as lnd does.
    pub(crate) fn issued_for(extra_ips: &[String], extra_domains: &[String]) -> CertNames {
        let mut ips: BTreeSet<IpAddr> = [
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]
        .into();
        ips.extend(
            extra_ips
                .iter()
                .filter_map(|i| i.parse::<IpAddr>().ok())
                .map(canonical),
        );
        let mut dns: BTreeSet<String> = ["localhost", "unix", "unixpacket", "bufconn"]
            .into_iter()
            .map(String::from)
            .collect();
        dns.extend(extra_domains.iter().cloned());
        CertNames { ips, dns }
    }

    /// The names a certificate carries.
    pub(crate) fn of(cert: &CertInfo) -> CertNames {
        CertNames {
            ips: cert.ip_addresses.iter().copied().map(canonical).collect(),
            dns: cert.dns_names.iter().cloned().collect(),
        }
    }

    /// What changes from `self` (the certificate's) to `to`: `+DNS:x`,
    /// `-IP:y`, additions first.
    pub(crate) fn changes_to(&self, to: &CertNames) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        out.extend(to.dns.difference(&self.dns).map(|d| format!("+DNS:{d}")));
        out.extend(to.ips.difference(&self.ips).map(|i| format!("+IP:{i}")));
        out.extend(self.dns.difference(&to.dns).map(|d| format!("-DNS:{d}")));
        out.extend(self.ips.difference(&to.ips).map(|i| format!("-IP:{i}")));
        out
    }
}

/// An IPv4-mapped IPv6 address is the IPv4 address (Go's net.IP.Equal).
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(ips: &[&str], dns: &[&str]) -> CertNames {
        CertNames {
            ips: ips.iter().map(|i| i.parse().unwrap()).collect(),
            dns: dns.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn issued_names_are_lnds_fixed_ones_plus_the_extras() {
        let n = CertNames::issued_for(
            &[
                "10.0.0.5".into(),
                "::ffff:10.0.0.6".into(),
                "not-an-ip".into(),
            ],
            &["signer".into(), "localhost".into()],
        );
        assert_eq!(
            n,
            names(
                &["127.0.0.1", "::1", "10.0.0.5", "10.0.0.6"],
                &["localhost", "signer", "unix", "unixpacket", "bufconn"]
            )
        );
    }

    #[test]
    fn changes_list_additions_then_removals() {
        let cert = names(&["127.0.0.1", "172.17.0.2"], &["localhost", "abc123"]);
        let want = names(&["127.0.0.1"], &["localhost", "signer"]);
        assert_eq!(
            cert.changes_to(&want),
            ["+DNS:signer", "-DNS:abc123", "-IP:172.17.0.2"]
        );
        assert!(want.changes_to(&want).is_empty());
    }
}
