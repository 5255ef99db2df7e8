//! lnd's macaroon check for one call (ValidateMacaroon in
//! macaroons/service.go and macaroon-bakery's AuthChecker), with lnd's
//! error texts: exactly one `macaroon` metadata value, hex, a v2 macaroon
//! whose id is bakery version 3, a known root key, a valid signature chain,
//! every first-party caveat satisfied (time-before, ipaddr, iprange;
//! lnd-custom needs a middleware the double never has), and then either
//! every required permission or the op `uri:<full method>`.

use super::store::RootKeyStore;
use crate::gofmt::go_quote;
use lsm_lnd::macaroon::{Macaroon, MacaroonError, parse_rfc3339};
use lsm_lnd::permissions::Permission;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::SystemTime;

/// Checks the caller's macaroon for `full_method`. `peer` is the address
/// the gRPC server sees (for REST, lnd's own proxy).
pub fn check(
    store: &RootKeyStore,
    values: &[String],
    peer: Option<IpAddr>,
    required: &[Permission],
    full_method: &str,
    now: SystemTime,
) -> Result<(), String> {
    if values.len() != 1 {
        return Err(format!("expected 1 macaroon, got {}", values.len()));
    }
    let bytes = go_hex_decode(&values[0])?;
    check_mac_auth(store, &bytes, peer, required, full_method, now)
}

/// lnd's `Service.CheckMacAuth` (macaroons/service.go L207–254): the check
/// behind every call's macaroon (after the metadata's hex is decoded) and
/// behind Lightning.CheckMacaroonPermissions. As in macaroon-bakery's
/// AuthChecker.Allow, with no required permission at all nothing beyond
/// retrieving the macaroon's root key is checked: a signature or caveat
/// failure is a verification error, which only matters for an operation
/// that needs the macaroon.
pub fn check_mac_auth(
    store: &RootKeyStore,
    bytes: &[u8],
    peer: Option<IpAddr>,
    required: &[Permission],
    full_method: &str,
    now: SystemTime,
) -> Result<(), String> {
    let mac = Macaroon::decode(bytes).map_err(unmarshal_error)?;
    if mac.identifier().first() != Some(&3) {
        return Err("invalid ID".into());
    }
    let id = mac
        .id()
        .map_err(|e| format!("cannot retrieve macaroon: cannot unmarshal macaroon id: {e}"))?;
    if id.ops.is_empty() || id.ops[0].actions.is_empty() {
        return Err("cannot retrieve macaroon: no operations found in macaroon".into());
    }
    let root_key = store
        .get(&id.storage_id)
        .map_err(|e| format!("cannot retrieve macaroon: cannot get macaroon: {e}"))?;
    if required.is_empty() {
        return Ok(());
    }
    if let Some(c) = mac.caveats().iter().find(|c| !c.is_first_party()) {
        return Err(format!(
            "verification failed: cannot find discharge macaroon for caveat {}",
            hex::encode(&c.id)
        ));
    }
    if !mac.verify_signature(&root_key[..]) {
        return Err("verification failed: signature mismatch after caveat verification".into());
    }
    let conditions: Vec<String> = mac.caveats().iter().map(|c| c.condition()).collect();
    let declared = infer_declared(&conditions);
    for cond in &conditions {
        check_caveat(cond, &declared, peer, now)?;
    }
    let granted = mac
        .permissions()
        .map_err(|e| format!("cannot retrieve macaroon: {e}"))?;
    let has = |p: &Permission| granted.contains(p);
    if required.iter().all(has) || has(&Permission::new("uri", full_method)) {
        Ok(())
    } else {
        Err("permission denied".into())
    }
}

/// What the macaroon's own `declared <key> <value>` caveats declare; a key
/// declared twice with different values is dropped (macaroon-bakery v2.0.1
/// checkers/declared.go InferDeclaredFromConditions, which checkDeclared
/// consults through InferDeclared).
fn infer_declared(conditions: &[String]) -> HashMap<String, String> {
    let mut info: HashMap<String, String> = HashMap::new();
    let mut conflicts = Vec::new();
    for cond in conditions {
        let Some(("declared", rest)) = cond.split_once(' ') else {
            continue;
        };
        let Some((key, value)) = rest.split_once(' ') else {
            continue;
        };
        match info.get(key) {
            Some(old) if old != value => conflicts.push(key.to_string()),
            Some(_) => {}
            None => {
                info.insert(key.to_string(), value.to_string());
            }
        }
    }
    for key in conflicts {
        info.remove(&key);
    }
    info
}

/// The bakery's first-party caveat checkers lnd registers.
fn check_caveat(
    cav: &str,
    declared: &HashMap<String, String>,
    peer: Option<IpAddr>,
    now: SystemTime,
) -> Result<(), String> {
    if cav.is_empty() {
        return Err("cannot parse caveat \"\": empty caveat".into());
    }
    let (cond, arg) = match cav.split_once(' ') {
        Some(("", _)) => {
            return Err(format!(
                "cannot parse caveat {}: caveat starts with space character",
                go_quote(cav)
            ));
        }
        Some((c, a)) => (c, a),
        None => (cav, ""),
    };
    let not_satisfied = |why: String| format!("caveat {} not satisfied: {why}", go_quote(cav));
    match cond {
        "time-before" => {
            let t = parse_rfc3339(arg).ok_or_else(|| {
                not_satisfied(format!(
                    "parsing time {arg:?} as \"2006-01-02T15:04:05.999999999Z07:00\": cannot parse {arg:?} as \"2006\""
                ))
            })?;
            if now < t {
                Ok(())
            } else {
                Err(not_satisfied("macaroon has expired".into()))
            }
        }
        "ipaddr" => {
            let peer =
                peer.ok_or_else(|| not_satisfied("unable to get peer info from context".into()))?;
            let locked: Option<IpAddr> = arg.parse().ok();
            if locked.map(canonical) == Some(canonical(peer)) {
                Ok(())
            } else {
                Err(not_satisfied(
                    "macaroon locked to different IP address".into(),
                ))
            }
        }
        "iprange" => {
            let peer =
                peer.ok_or_else(|| not_satisfied("unable to get peer info from context".into()))?;
            let (net, bits) = parse_cidr(arg).ok_or_else(|| {
                not_satisfied(format!(
                    "unable to parse macaroon IP range: invalid CIDR address: {arg}"
                ))
            })?;
            if cidr_contains(net, bits, canonical(peer)) {
                Ok(())
            } else {
                Err(not_satisfied(
                    "macaroon locked to different IP range".into(),
                ))
            }
        }
        "lnd-custom" => {
            if arg != arg.trim() {
                return Err(not_satisfied(
                    "unexpected white space found in caveat condition".into(),
                ));
            }
            if arg.is_empty() {
                return Err(not_satisfied(
                    "expected custom caveat, got empty string".into(),
                ));
            }
            let name = arg.split(' ').next().unwrap_or("");
            Err(not_satisfied(format!(
                "cannot accept macaroon with custom caveat '{name}', no middleware registered to handle it"
            )))
        }
        // checkers/declared.go checkDeclared.
        "declared" => match arg.split_once(' ') {
            Some((key, value)) => match declared.get(key) {
                Some(v) if v == value => Ok(()),
                Some(v) => Err(not_satisfied(format!(
                    "got {key}={}, expected {}",
                    go_quote(v),
                    go_quote(value)
                ))),
                None => Err(not_satisfied(format!(
                    "got {key}=null, expected {}",
                    go_quote(value)
                ))),
            },
            None => Err(not_satisfied("declared caveat has no value".into())),
        },
        "error" => Err(not_satisfied("bad caveat".into())),
        _ => Err(not_satisfied("caveat not recognized".into())),
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u32)> {
    let (ip, bits) = s.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    let bits: u32 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn cidr_contains(net: IpAddr, bits: u32, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            (u32::from(n) & mask) == (u32::from(i) & mask)
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            (u128::from(n) & mask) == (u128::from(i) & mask)
        }
        _ => false,
    }
}

/// Go's hex.DecodeString errors.
fn go_hex_decode(s: &str) -> Result<Vec<u8>, String> {
    if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "encoding/hex: invalid byte: U+{:04X} {c:?}",
            c as u32
        ));
    }
    if s.len() % 2 == 1 {
        return Err("encoding/hex: odd length hex string".into());
    }
    hex::decode(s).map_err(|e| format!("encoding/hex: {e}"))
}

/// go-macaroon's UnmarshalBinary failures.
fn unmarshal_error(e: MacaroonError) -> String {
    match e {
        MacaroonError::Empty => "empty macaroon data".into(),
        MacaroonError::UnsupportedVersion(_) => {
            "cannot determine data format of binary-encoded macaroon".into()
        }
        other => format!("unmarshal v2: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsm_lnd::macaroon::time_before_condition;
    use std::time::Duration;

    fn setup() -> (tempfile::TempDir, RootKeyStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = RootKeyStore::open_or_create(dir.path(), b"password1").unwrap();
        (dir, store)
    }

    fn mint(store: &mut RootKeyStore, id: u64, perms: &[Permission]) -> Macaroon {
        let key = store.root_key(id.to_string().as_bytes()).unwrap();
        Macaroon::mint(&key[..], id, [1; 16], perms).unwrap()
    }

    fn run(
        store: &RootKeyStore,
        mac: &Macaroon,
        required: &[Permission],
        method: &str,
    ) -> Result<(), String> {
        check(
            store,
            &[mac.to_hex().to_string()],
            Some("127.0.0.1".parse().unwrap()),
            required,
            method,
            SystemTime::now(),
        )
    }

    const GETINFO: &str = "/lnrpc.Lightning/GetInfo";

    #[test]
    fn permissions_and_uri_ops() {
        let (_d, mut s) = setup();
        let info = [Permission::new("info", "read")];
        let signer = mint(&mut s, 0, &lsm_lnd::permissions::signer_only());
        assert_eq!(
            run(&s, &signer, &info, GETINFO).unwrap_err(),
            "permission denied"
        );
        let admin = mint(&mut s, 0, &lsm_lnd::permissions::admin());
        assert!(run(&s, &admin, &info, GETINFO).is_ok());
        let uri = mint(&mut s, 0, &[Permission::new("uri", GETINFO)]);
        assert!(run(&s, &uri, &info, GETINFO).is_ok());
        assert_eq!(
            run(&s, &uri, &info, "/lnrpc.Lightning/ListPermissions").unwrap_err(),
            "permission denied"
        );
    }

    #[test]
    fn metadata_and_encoding_errors() {
        let (_d, s) = setup();
        let req = [Permission::new("info", "read")];
        let err = |v: &[&str]| {
            check(
                &s,
                &v.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
                None,
                &req,
                GETINFO,
                SystemTime::now(),
            )
            .unwrap_err()
        };
        assert_eq!(err(&[]), "expected 1 macaroon, got 0");
        assert_eq!(err(&["00", "00"]), "expected 1 macaroon, got 2");
        assert_eq!(err(&["zz"]), "encoding/hex: invalid byte: U+007A 'z'");
        assert_eq!(err(&["0"]), "encoding/hex: odd length hex string");
    }

    #[test]
    fn signature_root_key_and_caveats() {
        let (_d, mut s) = setup();
        let req = [Permission::new("info", "read")];
        let admin = lsm_lnd::permissions::admin();

        // Unknown root key id.
        let other = Macaroon::mint(&[5; 32], 7, [1; 16], &admin).unwrap();
        assert_eq!(
            run(&s, &other, &req, GETINFO).unwrap_err(),
            "cannot retrieve macaroon: cannot get macaroon: root key with id 7 doesn't exist"
        );
        // Known id, wrong key.
        s.root_key(b"0").unwrap();
        let forged = Macaroon::mint(&[5; 32], 0, [1; 16], &admin).unwrap();
        assert_eq!(
            run(&s, &forged, &req, GETINFO).unwrap_err(),
            "verification failed: signature mismatch after caveat verification"
        );

        let mut expired = mint(&mut s, 0, &admin);
        let past = SystemTime::now() - Duration::from_secs(60);
        expired.add_first_party_caveat(time_before_condition(past));
        let e = run(&s, &expired, &req, GETINFO).unwrap_err();
        assert!(e.ends_with("not satisfied: macaroon has expired"), "{e}");

        let mut fresh = mint(&mut s, 0, &admin);
        fresh.add_first_party_caveat(time_before_condition(
            SystemTime::now() + Duration::from_secs(60),
        ));
        assert!(run(&s, &fresh, &req, GETINFO).is_ok());

        let mut ip = mint(&mut s, 0, &admin);
        ip.add_first_party_caveat("ipaddr 10.0.0.1");
        assert!(
            run(&s, &ip, &req, GETINFO)
                .unwrap_err()
                .ends_with("macaroon locked to different IP address")
        );
        let mut ip = mint(&mut s, 0, &admin);
        ip.add_first_party_caveat("ipaddr 127.0.0.1");
        assert!(run(&s, &ip, &req, GETINFO).is_ok());
        let mut range = mint(&mut s, 0, &admin);
        range.add_first_party_caveat("iprange 127.0.0.0/8");
        assert!(run(&s, &range, &req, GETINFO).is_ok());

        let mut custom = mint(&mut s, 0, &admin);
        custom.add_first_party_caveat("lnd-custom lit-mac-fw cond");
        assert_eq!(
            run(&s, &custom, &req, GETINFO).unwrap_err(),
            "caveat \"lnd-custom lit-mac-fw cond\" not satisfied: cannot accept macaroon with custom caveat 'lit-mac-fw', no middleware registered to handle it"
        );
        let mut unknown = mint(&mut s, 0, &admin);
        unknown.add_first_party_caveat("frob 1");
        assert_eq!(
            run(&s, &unknown, &req, GETINFO).unwrap_err(),
            "caveat \"frob 1\" not satisfied: caveat not recognized"
        );
    }

    #[test]
    fn declared_caveats_are_met_by_the_macaroons_own_declarations() {
        let (_d, mut s) = setup();
        let req = [Permission::new("info", "read")];
        let admin = lsm_lnd::permissions::admin();
        let with = |s: &mut RootKeyStore, cavs: &[&str]| {
            let mut m = mint(s, 0, &admin);
            for c in cavs {
                m.add_first_party_caveat(*c);
            }
            m
        };
        // A lone declaration declares itself (real lnd accepts it).
        let m = with(&mut s, &["declared user alice"]);
        assert!(run(&s, &m, &req, GETINFO).is_ok());
        let m = with(
            &mut s,
            &["declared user alice smith", "declared user alice smith"],
        );
        assert!(run(&s, &m, &req, GETINFO).is_ok());
        // Two values for one key cancel each other.
        let m = with(&mut s, &["declared user alice", "declared user bob"]);
        assert_eq!(
            run(&s, &m, &req, GETINFO).unwrap_err(),
            "caveat \"declared user alice\" not satisfied: got user=null, expected \"alice\""
        );
        let m = with(&mut s, &["declared user"]);
        assert_eq!(
            run(&s, &m, &req, GETINFO).unwrap_err(),
            "caveat \"declared user\" not satisfied: declared caveat has no value"
        );
    }
}
