//! Macaroons as lnd issues and checks them: default files, BakeMacaroon
//! rules, permission checks (a signer-only macaroon cannot call GetInfo),
//! `uri:` permissions, caveats, and revocation by root key id.

mod common;

use common::support::{NativeDouble, pinned_channel};
use common::{admin_client, create_wallet};
use lsm_lnd::error::LndError;
use lsm_lnd::macaroon::{Macaroon, time_before_condition};
use lsm_lnd::permissions::{self, Permission};
use lsm_lnd::proto::lnrpc::lightning_client::LightningClient;
use lsm_lnd::proto::lnrpc::{BakeMacaroonRequest, GetInfoRequest, MacaroonPermission};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime};

/// GetInfo with exactly these `macaroon` metadata values; the status message
/// on failure.
async fn get_info_with(d: &NativeDouble, values: &[String]) -> Result<(), String> {
    let mut c = LightningClient::new(pinned_channel(&d.rpc_addr(), &d.tls_cert()));
    let mut req = tonic::Request::new(GetInfoRequest {});
    for v in values {
        req.metadata_mut().append("macaroon", v.parse().unwrap());
    }
    c.get_info(req).await.map(|_| ()).map_err(|s| {
        assert_eq!(s.code(), tonic::Code::Unknown, "{s:?}");
        s.message().to_string()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_files_have_lnds_permissions_and_modes() {
    let d = NativeDouble::start();
    let (_, from_init) = create_wallet(&d).await;
    let dir = d.network_dir();
    for (file, perms, mode) in [
        ("admin.macaroon", permissions::admin(), 0o640),
        ("readonly.macaroon", permissions::readonly(), 0o644),
        ("invoice.macaroon", permissions::invoice(), 0o644),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let mac = Macaroon::decode(&bytes).unwrap();
        assert_eq!(mac.root_key_id().unwrap(), 0, "{file}");
        assert_eq!(mac.permissions().unwrap(), perms, "{file}");
        assert_eq!(mac.location_str().as_deref(), Some("lnd"));
        assert!(mac.caveats().is_empty());
        let m = std::fs::metadata(dir.join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(m, mode, "{file}");
    }
    // InitWallet's admin macaroon is a separate bake of the same permissions.
    let init = Macaroon::decode(&from_init).unwrap();
    assert_eq!(init.permissions().unwrap(), permissions::admin());
    assert_ne!(
        from_init,
        std::fs::read(dir.join("admin.macaroon")).unwrap()
    );
    // Secrets are not on disk in the clear.
    let db =
        String::from_utf8_lossy(&std::fs::read(dir.join("macaroons.db")).unwrap()).into_owned();
    assert!(!db.contains(&hex::encode(init.identifier())));
    assert_eq!(
        std::fs::metadata(dir.join("macaroons.db"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signer_only_macaroon_cannot_call_getinfo() {
    let d = NativeDouble::start();
    create_wallet(&d).await;
    let admin = admin_client(&d);
    // lnd's documented signer scope plus signer:read.
    let signer_perms: Vec<Permission> = [
        "message:write",
        "signer:generate",
        "signer:read",
        "address:read",
        "onchain:write",
    ]
    .iter()
    .map(|p| p.parse().unwrap())
    .collect();
    let signer_mac = admin.bake_macaroon(&signer_perms, 1).await.unwrap();
    let signer = d.client().with_macaroon(&signer_mac);
    let err = signer.get_info().await.unwrap_err();
    assert!(matches!(err, LndError::PermissionDenied { .. }), "{err:?}");
    assert_eq!(
        get_info_with(&d, &[hex::encode(&signer_mac)])
            .await
            .unwrap_err(),
        "permission denied"
    );
    let err = signer.list_accounts().await.unwrap_err();
    assert!(matches!(err, LndError::PermissionDenied { .. }), "{err:?}");

    // The admin macaroon can; so can a readonly one.
    assert!(admin.get_info().await.is_ok());
    let ro = std::fs::read(d.network_dir().join("readonly.macaroon")).unwrap();
    assert!(d.client().with_macaroon(&ro).get_info().await.is_ok());
    let err = d
        .client()
        .with_macaroon(&ro)
        .bake_macaroon(&signer_perms, 2)
        .await
        .unwrap_err();
    assert!(matches!(err, LndError::PermissionDenied { .. }), "{err:?}");

    // uri:<method> grants exactly that method.
    let uri = admin
        .bake_macaroon(&["uri:/lnrpc.Lightning/GetInfo".parse().unwrap()], 3)
        .await
        .unwrap();
    let uri_client = d.client().with_macaroon(&uri);
    assert!(uri_client.get_info().await.is_ok());
    assert!(matches!(
        uri_client.list_macaroon_ids().await.unwrap_err(),
        LndError::PermissionDenied { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_signature_and_caveat_failures() {
    let d = NativeDouble::start();
    create_wallet(&d).await;
    let admin = d.admin_macaroon();
    assert_eq!(
        get_info_with(&d, &[]).await.unwrap_err(),
        "expected 1 macaroon, got 0"
    );
    assert_eq!(
        get_info_with(&d, &[hex::encode(&admin), hex::encode(&admin)])
            .await
            .unwrap_err(),
        "expected 1 macaroon, got 2"
    );
    assert_eq!(
        get_info_with(&d, &["xyz".into()]).await.unwrap_err(),
        "encoding/hex: invalid byte: U+0078 'x'"
    );
    // Minted with the wrong key for id 0.
    let forged = Macaroon::mint(&[9; 32], 0, [0; 16], &permissions::admin()).unwrap();
    assert_eq!(
        get_info_with(&d, &[forged.to_hex().to_string()])
            .await
            .unwrap_err(),
        "verification failed: signature mismatch after caveat verification"
    );
    // Caveats added by the holder (as lncli does).
    let mut expired = Macaroon::decode(&admin).unwrap();
    expired.add_first_party_caveat(time_before_condition(
        SystemTime::now() - Duration::from_secs(5),
    ));
    let e = get_info_with(&d, &[expired.to_hex().to_string()])
        .await
        .unwrap_err();
    assert!(
        e.starts_with("caveat \"time-before ")
            && e.ends_with("not satisfied: macaroon has expired"),
        "{e}"
    );
    let mut timed = Macaroon::decode(&admin).unwrap();
    timed.add_first_party_caveat(time_before_condition(
        SystemTime::now() + Duration::from_secs(60),
    ));
    get_info_with(&d, &[timed.to_hex().to_string()])
        .await
        .unwrap();
    let mut locked = Macaroon::decode(&admin).unwrap();
    locked.add_first_party_caveat("ipaddr 192.0.2.1");
    assert_eq!(
        get_info_with(&d, &[locked.to_hex().to_string()])
            .await
            .unwrap_err(),
        "caveat \"ipaddr 192.0.2.1\" not satisfied: macaroon locked to different IP address"
    );
    let mut mine = Macaroon::decode(&admin).unwrap();
    mine.add_first_party_caveat("ipaddr 127.0.0.1");
    get_info_with(&d, &[mine.to_hex().to_string()])
        .await
        .unwrap();
    let mut tampered = Macaroon::decode(&admin).unwrap().encode().to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert_eq!(
        get_info_with(&d, &[hex::encode(&tampered)])
            .await
            .unwrap_err(),
        "verification failed: signature mismatch after caveat verification"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_key_ids_list_delete_and_revoke() {
    let d = NativeDouble::start();
    create_wallet(&d).await;
    let admin = admin_client(&d);
    let perms: Vec<Permission> = vec!["info:read".parse().unwrap()];
    let m2 = admin.bake_macaroon(&perms, 2).await.unwrap();
    let m10 = admin.bake_macaroon(&perms, 10).await.unwrap();
    let m10b = admin.bake_macaroon(&perms, 10).await.unwrap();
    // Bolt keeps ids in byte order.
    assert_eq!(admin.list_macaroon_ids().await.unwrap(), vec![0, 10, 2]);
    for m in [&m2, &m10, &m10b] {
        assert!(d.client().with_macaroon(m).get_info().await.is_ok());
    }
    assert!(admin.delete_macaroon_id(10).await.unwrap());
    assert!(!admin.delete_macaroon_id(10).await.unwrap());
    for m in [&m10, &m10b] {
        assert_eq!(
            get_info_with(&d, &[hex::encode(m)]).await.unwrap_err(),
            "cannot retrieve macaroon: cannot get macaroon: root key with id 10 doesn't exist"
        );
    }
    assert!(d.client().with_macaroon(&m2).get_info().await.is_ok());
    let err = admin.delete_macaroon_id(0).await.unwrap_err();
    assert!(
        matches!(err, LndError::DefaultRootKeyUndeletable),
        "{err:?}"
    );
    assert_eq!(admin.list_macaroon_ids().await.unwrap(), vec![0, 2]);

    // Revocation survives a restart; the rest still works after unlock.
    let mut d = d;
    d.restart();
    common::unlock(&d.client()).await;
    assert!(get_info_with(&d, &[hex::encode(&m10)]).await.is_err());
    assert!(d.client().with_macaroon(&m2).get_info().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bake_macaroon_validates_like_lnd() {
    let d = NativeDouble::start();
    create_wallet(&d).await;
    let mut c = LightningClient::new(pinned_channel(&d.rpc_addr(), &d.tls_cert()));
    let mac = hex::encode(d.admin_macaroon());
    let bake = |perms: &[(&str, &str)], allow_external: bool| {
        let mut r = tonic::Request::new(BakeMacaroonRequest {
            permissions: perms
                .iter()
                .map(|(e, a)| MacaroonPermission {
                    entity: e.to_string(),
                    action: a.to_string(),
                })
                .collect(),
            root_key_id: 4,
            allow_external_permissions: allow_external,
        });
        r.metadata_mut().insert("macaroon", mac.parse().unwrap());
        r
    };
    let help = "supported actions are [read write generate], supported entities are [onchain \
                offchain address message peers info invoices signer macaroon uri]";
    let e = c.bake_macaroon(bake(&[], false)).await.unwrap_err();
    assert_eq!(
        e.message(),
        format!("permission list cannot be empty. specify at least one action/entity pair. {help}")
    );
    let e = c
        .bake_macaroon(bake(&[("wallet", "read")], false))
        .await
        .unwrap_err();
    assert_eq!(e.message(), format!("invalid permission entity. {help}"));
    let e = c
        .bake_macaroon(bake(&[("info", "sign")], false))
        .await
        .unwrap_err();
    assert_eq!(e.message(), format!("invalid permission action. {help}"));
    let e = c
        .bake_macaroon(bake(&[("uri", "/lnrpc.Lightning/NoSuchMethod")], false))
        .await
        .unwrap_err();
    assert_eq!(
        e.message(),
        "invalid permission action, must be an existing URI in the format /package.Service/MethodName"
    );
    // uri: for methods the double does not serve but lnd knows (signrpc).
    let ok = c
        .bake_macaroon(bake(&[("uri", "/signrpc.Signer/SignMessage")], false))
        .await
        .unwrap()
        .into_inner()
        .macaroon;
    let m = Macaroon::from_hex_or_bytes(ok.as_bytes()).unwrap();
    assert_eq!(m.root_key_id().unwrap(), 4);
    assert_eq!(
        m.permissions().unwrap(),
        vec![Permission::new("uri", "/signrpc.Signer/SignMessage")]
    );
    // allow_external_permissions skips validation.
    c.bake_macaroon(bake(&[("custom", "anything")], true))
        .await
        .unwrap();

    let perms = admin_client(&d).list_permissions().await.unwrap();
    assert_eq!(
        perms["/lnrpc.Lightning/GetInfo"],
        vec![Permission::new("info", "read")]
    );
    assert_eq!(
        perms["/walletrpc.WalletKit/SignPsbt"],
        vec![Permission::new("onchain", "write")]
    );
    assert!(perms.contains_key("/signrpc.Signer/MuSig2Sign"));
    assert!(perms.len() > 150);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_admin_macaroon_alone_is_rewritten_at_the_next_unlock() {
    // Since lnd 0.17 (commit 16463d4bd) genDefaultMacaroons checks each
    // file on its own (v0.20.0-beta lnd.go L842–885), on every unlock.
    let mut d = NativeDouble::start();
    create_wallet(&d).await;
    let dir = d.network_dir();
    let readonly = std::fs::read(dir.join("readonly.macaroon")).unwrap();
    let invoice = std::fs::read(dir.join("invoice.macaroon")).unwrap();
    std::fs::remove_file(dir.join("admin.macaroon")).unwrap();

    d.restart();
    assert!(!dir.join("admin.macaroon").exists());
    common::unlock(&d.client()).await;
    let admin = Macaroon::decode(&d.admin_macaroon()).unwrap();
    assert_eq!(admin.permissions().unwrap(), permissions::admin());
    admin_client(&d).get_info().await.unwrap();
    assert_eq!(
        std::fs::read(dir.join("readonly.macaroon")).unwrap(),
        readonly
    );
    assert_eq!(
        std::fs::read(dir.join("invoice.macaroon")).unwrap(),
        invoice
    );
}

/// Lightning.CheckMacaroonPermissions as lnd serves it (rpcserver.go
/// L8895, macaroons/service.go CheckMacAuth): valid for a macaroon this
/// node signed that grants the permissions; InvalidArgument with the
/// checker's reason for one signed by another node's key, an expired one,
/// or one lacking a permission; the method's own permissions with
/// check_default_perms_from_full_method; and lnd's argument errors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_macaroon_permissions_judges_another_macaroon_like_lnd() {
    use lsm_lnd::proto::lnrpc::CheckMacPermRequest;
    let d = NativeDouble::start();
    create_wallet(&d).await;
    let admin = admin_client(&d);
    let signer_only = admin
        .bake_macaroon(&permissions::signer_only(), 1)
        .await
        .unwrap();
    let so_perms = permissions::signer_only();
    assert_eq!(
        admin
            .check_macaroon_permissions(&signer_only, &so_perms)
            .await
            .unwrap(),
        Ok(())
    );
    // Another node's macaroon with the same permissions and root key id.
    let other = NativeDouble::start();
    create_wallet(&other).await;
    let foreign = admin_client(&other)
        .bake_macaroon(&permissions::signer_only(), 1)
        .await
        .unwrap();
    let why = admin
        .check_macaroon_permissions(&foreign, &so_perms)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        why,
        "verification failed: signature mismatch after caveat verification"
    );
    // Expired, and lacking a permission.
    let mut expired = Macaroon::decode(&signer_only).unwrap();
    expired.add_first_party_caveat(time_before_condition(
        SystemTime::now() - Duration::from_secs(60),
    ));
    let why = admin
        .check_macaroon_permissions(&expired.encode(), &so_perms)
        .await
        .unwrap()
        .unwrap_err();
    assert!(why.ends_with("macaroon has expired"), "{why}");
    let why = admin
        .check_macaroon_permissions(&signer_only, &[Permission::new("info", "read")])
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(why, "permission denied");

    let mut raw = LightningClient::new(pinned_channel(&d.rpc_addr(), &d.tls_cert()));
    let call = |req: CheckMacPermRequest| {
        let mut r = tonic::Request::new(req);
        r.metadata_mut()
            .append("macaroon", hex::encode(d.admin_macaroon()).parse().unwrap());
        r
    };
    let by_method = raw
        .check_macaroon_permissions(call(CheckMacPermRequest {
            macaroon: signer_only.to_vec(),
            full_method: "/signrpc.Signer/SignMessage".into(),
            check_default_perms_from_full_method: true,
            ..Default::default()
        }))
        .await
        .unwrap();
    assert!(by_method.into_inner().valid);
    let both = raw
        .check_macaroon_permissions(call(CheckMacPermRequest {
            macaroon: signer_only.to_vec(),
            permissions: vec![MacaroonPermission {
                entity: "info".into(),
                action: "read".into(),
            }],
            full_method: "/lnrpc.Lightning/GetInfo".into(),
            check_default_perms_from_full_method: true,
        }))
        .await
        .unwrap_err();
    assert_eq!(
        both.message(),
        "cannot check default permissions from full method and from provided permission list at the same time"
    );
    // The caller itself needs macaroon:read.
    let err = LightningClient::new(pinned_channel(&d.rpc_addr(), &d.tls_cert()))
        .check_macaroon_permissions({
            let mut r = tonic::Request::new(CheckMacPermRequest {
                macaroon: signer_only.to_vec(),
                ..Default::default()
            });
            r.metadata_mut()
                .append("macaroon", hex::encode(&signer_only).parse().unwrap());
            r
        })
        .await
        .unwrap_err();
    assert_eq!(err.message(), "permission denied");
}
