//! Rules across keys that no single field can check: listeners must not
//! collide, and the exported bundle must never contain secrets.

use super::problem::KeyPath;
use super::resolve::Resolver;
use super::resolved::Bundle;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

/// Two binds collide when they share a port and their addresses overlap:
/// the same address, or either one a wildcard (`0.0.0.0` and `[::]` take the
/// port on every address; on Linux `[::]` also covers IPv4).
pub(crate) fn binds_collide(a: SocketAddr, b: SocketAddr) -> bool {
    let canonical = |ip: IpAddr| ip.to_canonical();
    let (x, y) = (canonical(a.ip()), canonical(b.ip()));
    a.port() == b.port() && (x.is_unspecified() || y.is_unspecified() || x == y)
}

pub(super) fn binds_do_not_clash(r: &mut Resolver<'_>, rpc: SocketAddr, rest: SocketAddr) {
    if !binds_collide(rpc, rest) {
        return;
    }
    let rest_path = KeyPath::of(&["rest", "listen"]);
    let rpc_path = KeyPath::of(&["rpc", "listen"]);
    // Point at whichever the operator wrote (REST when both or neither).
    let at = if r.written(&rest_path) || !r.written(&rpc_path) {
        rest_path
    } else {
        rpc_path
    };
    r.report(
        &at,
        format!(
            "`rest.listen` ({rest}) and `rpc.listen` ({rpc}) collide: both bind port {} on overlapping addresses",
            rest.port()
        ),
        "give REST and gRPC different ports (e.g. rpc 0.0.0.0:10012, rest 127.0.0.1:10013)",
    );
}

/// The p2p listener must not take the port of the gRPC or REST listener.
pub(super) fn p2p_does_not_clash(r: &mut Resolver<'_>, p2p: SocketAddr, other: SocketAddr) {
    if !binds_collide(p2p, other) {
        return;
    }
    r.report(
        &KeyPath::of(&["p2p", "listen"]),
        format!(
            "`p2p.listen` ({p2p}) collides with another listener ({other}): both bind port {} on \
             overlapping addresses",
            p2p.port()
        ),
        "give the p2p listener its own port (lnd's default is 9735)",
    );
}

/// The bundle directory is handed to another machine: it must not be the
/// secrets directory (seed, wallet password) or lnd's directory (admin
/// macaroon, wallet.db), nor contain either of them.
pub(super) fn bundle_never_holds_secrets(
    r: &mut Resolver<'_>,
    bundle: &Bundle,
    secrets_dir: Option<&Path>,
    lnd_dir: Option<&Path>,
) {
    let bundle_path = KeyPath::of(&["bundle", "path"]);
    let guarded = [
        (
            secrets_dir,
            ["wallet", "secrets_dir"],
            "the wallet secrets (seed, password)",
        ),
        (
            lnd_dir,
            ["native", "lnd_dir"],
            "lnd's directory (admin.macaroon, wallet.db)",
        ),
    ];
    // Inside lnd's directory the bundle would sit among lnd's own
    // macaroons (admin.macaroon in data/chain/bitcoin/<network>), which
    // are not the watch-only node's to have, and lsm would clean them out.
    if let Some(lnd_dir) = lnd_dir.filter(|d| contains(d, &bundle.path) && *d != bundle.path) {
        let other = KeyPath::of(&["native", "lnd_dir"]);
        let at = if r.written(&bundle_path) || !r.written(&other) {
            bundle_path.clone()
        } else {
            other
        };
        r.report(
            &at,
            format!(
                "the credentials bundle directory {} is inside lnd's directory {}, among lnd's \
                 own files and macaroons",
                bundle.path.display(),
                lnd_dir.display()
            ),
            "give the bundle a directory of its own, outside native.lnd_dir",
        );
    }
    for (dir, key, what) in guarded {
        let Some(dir) = dir.filter(|d| contains(&bundle.path, d)) else {
            continue;
        };
        // Point at whichever of the two the operator wrote (the bundle when both or neither).
        let other = KeyPath::of(&key);
        let at = if r.written(&bundle_path) || !r.written(&other) {
            bundle_path.clone()
        } else {
            other
        };
        r.report(
            &at,
            format!(
                "the credentials bundle directory {} would contain {what} in {}",
                bundle.path.display(),
                dir.display()
            ),
            format!(
                "the bundle is copied to the watch-only machine; give it a directory of its own, outside {}",
                KeyPath::of(&key)
            ),
        );
    }
}

/// `outer` is `inner` or one of its ancestors.
fn contains(outer: &Path, inner: &Path) -> bool {
    inner.starts_with(outer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn collisions() {
        assert!(binds_collide(a("0.0.0.0:1"), a("127.0.0.1:1")));
        assert!(binds_collide(a("[::]:1"), a("127.0.0.1:1")));
        assert!(binds_collide(a("10.0.0.1:1"), a("[::]:1")));
        assert!(binds_collide(a("10.0.0.1:1"), a("10.0.0.1:1")));
        assert!(binds_collide(a("[::ffff:10.0.0.1]:1"), a("10.0.0.1:1")));
        assert!(!binds_collide(a("10.0.0.1:1"), a("10.0.0.2:1")));
        assert!(!binds_collide(a("0.0.0.0:1"), a("0.0.0.0:2")));
        assert!(!binds_collide(a("[::1]:1"), a("127.0.0.1:1")));
    }
}
