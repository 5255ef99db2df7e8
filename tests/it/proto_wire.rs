//! Pins the protobuf wire encoding of lnd messages to bytes computed by hand
//! from the field numbers in lnd-facts §2 and §5.2. A renumbered or retyped
//! field in `crates/lsm-lnd/proto/` changes these bytes, so it can never pass silently.
//!
//! Tag byte = (field_number << 3) | wire_type; wire type 0 = varint,
//! 2 = length-delimited. Field numbers ≥ 16 need a two-byte tag.

use lsm_lnd::proto::lnrpc::{
    self, BakeMacaroonRequest, ChangePasswordRequest, DeleteMacaroonIdRequest, GenSeedRequest,
    GenSeedResponse, GetInfoResponse, GetStateResponse, InitWalletRequest, ListMacaroonIDsResponse,
    MacaroonId, MacaroonPermission, Op, UnlockWalletRequest, WalletState, WatchOnly,
    WatchOnlyAccount,
};
use lsm_lnd::proto::walletrpc::{self, Account, AddressType, ListAccountsRequest};
use prost::Message;

fn enc<M: Message>(m: &M) -> String {
    hex::encode(m.encode_to_vec())
}

fn h(s: &str) -> String {
    hex::encode(s)
}

#[test]
fn state_enum_values() {
    // GetStateResponse.state = 1 (varint): 08 <value>.
    let r = |s: WalletState| enc(&GetStateResponse { state: s as i32 });
    assert_eq!(r(WalletState::NonExisting), ""); // proto3 default omitted
    assert_eq!(r(WalletState::Locked), "0801");
    assert_eq!(r(WalletState::Unlocked), "0802");
    assert_eq!(r(WalletState::RpcActive), "0803");
    assert_eq!(r(WalletState::ServerActive), "0804");
    assert_eq!(r(WalletState::WaitingToStart), "08ff01");
    assert_eq!(enc(&lnrpc::SubscribeStateResponse { state: 4 }), "0804");
}

#[test]
fn wallet_unlocker_messages() {
    // GenSeedRequest: aezeed_passphrase = 1, seed_entropy = 2.
    let g = GenSeedRequest {
        aezeed_passphrase: b"pp".to_vec(),
        seed_entropy: vec![0xaa; 16],
    };
    assert_eq!(enc(&g), format!("0a02{}1210{}", h("pp"), "aa".repeat(16)));
    // GenSeedResponse: cipher_seed_mnemonic = 1 (repeated string), enciphered_seed = 2.
    let r = GenSeedResponse {
        cipher_seed_mnemonic: vec!["abandon".into(), "zoo".into()],
        enciphered_seed: vec![1, 2],
    };
    assert_eq!(
        enc(&r),
        format!("0a07{}0a03{}12020102", h("abandon"), h("zoo"))
    );

    // InitWalletRequest: 1 password, 2 mnemonic, 4 recovery_window, 6
    // stateless_init, 8 birthday (uint64), 9 watch_only, 10 macaroon_root_key.
    let init = InitWalletRequest {
        wallet_password: b"password".to_vec(),
        cipher_seed_mnemonic: vec!["w".into()],
        recovery_window: 5,
        stateless_init: true,
        extended_master_key_birthday_timestamp: 300,
        watch_only: Some(WatchOnly {
            master_key_birthday_timestamp: 1,
            master_key_fingerprint: vec![0xde, 0xad, 0xbe, 0xef],
            accounts: vec![WatchOnlyAccount {
                purpose: 84,
                coin_type: 0,
                account: 1,
                xpub: "x".into(),
            }],
        }),
        macaroon_root_key: vec![7; 32],
        ..Default::default()
    };
    // WatchOnlyAccount{purpose=1:84, account=3:1, xpub=4:"x"} = 08 54 18 01 22 01 78 (7 bytes)
    // WatchOnly{1:1, 2:deadbeef, 3:account} = 08 01, 12 04 deadbeef, 1a 07 ... (2+6+9 = 17 = 0x11 bytes)
    let watch_only = "0801".to_string() + "1204deadbeef" + "1a07" + "0854180122" + "0178";
    let want = format!(
        "0a08{}1201{}2005300140ac024a11{}5220{}",
        h("password"),
        h("w"),
        watch_only,
        "07".repeat(32)
    );
    assert_eq!(enc(&init), want);

    // UnlockWalletRequest: 1 password, 2 recovery_window, 4 stateless_init.
    let u = UnlockWalletRequest {
        wallet_password: b"pw".to_vec(),
        recovery_window: 2,
        channel_backups: None,
        stateless_init: true,
    };
    assert_eq!(enc(&u), format!("0a02{}10022001", h("pw")));

    // ChangePasswordRequest: 1 current, 2 new, 3 stateless_init, 4 new_macaroon_root_key.
    let c = ChangePasswordRequest {
        current_password: b"a".to_vec(),
        new_password: b"b".to_vec(),
        stateless_init: true,
        new_macaroon_root_key: true,
    };
    assert_eq!(enc(&c), "0a0161120162".to_string() + "18012001");
    assert_eq!(
        enc(&lnrpc::InitWalletResponse {
            admin_macaroon: vec![2, 1]
        }),
        "0a020201"
    );
}

#[test]
fn macaroon_rpc_messages() {
    // BakeMacaroonRequest: permissions = 1, root_key_id = 2 (uint64), allow_external = 3.
    let b = BakeMacaroonRequest {
        permissions: vec![MacaroonPermission {
            entity: "signer".into(),
            action: "generate".into(),
        }],
        root_key_id: 4200,
        allow_external_permissions: true,
    };
    // MacaroonPermission{1:"signer", 2:"generate"} = 0a06.. 1208.. (18 bytes = 0x12)
    // 4200 = 0x1068 -> varint e8 20.
    assert_eq!(
        enc(&b),
        format!("0a120a06{}1208{}10e8201801", h("signer"), h("generate"))
    );
    assert_eq!(
        enc(&lnrpc::BakeMacaroonResponse {
            macaroon: "0201".into()
        }),
        format!("0a04{}", h("0201"))
    );
    // ListMacaroonIDsResponse.root_key_ids = 1, repeated uint64 -> packed.
    assert_eq!(
        enc(&ListMacaroonIDsResponse {
            root_key_ids: vec![0, 4200]
        }),
        "0a0300e820"
    );
    assert_eq!(enc(&DeleteMacaroonIdRequest { root_key_id: 1 }), "0801");
    assert_eq!(
        enc(&lnrpc::DeleteMacaroonIdResponse { deleted: true }),
        "0801"
    );
    // ListPermissionsResponse.method_permissions = 1, map<string, MacaroonPermissionList>:
    // entry{1:key, 2:value}; MacaroonPermissionList.permissions = 1.
    let mut map = std::collections::HashMap::new();
    map.insert(
        "/a.B/C".to_string(),
        lnrpc::MacaroonPermissionList {
            permissions: vec![MacaroonPermission {
                entity: "info".into(),
                action: "read".into(),
            }],
        },
    );
    // perm = 0a04 info 1204 read (12 bytes); list = 0a0c + perm (14); entry = 0a06 key 12 0e list (24)
    let want = format!(
        "0a180a06{}120e0a0c0a04{}1204{}",
        h("/a.B/C"),
        h("info"),
        h("read")
    );
    assert_eq!(
        enc(&lnrpc::ListPermissionsResponse {
            method_permissions: map
        }),
        want
    );
}

#[test]
fn macaroon_identifier_messages() {
    // MacaroonId: nonce = 1, storageId = 2, ops = 3; Op: entity = 1, actions = 2.
    let id = MacaroonId {
        nonce: vec![0x11; 16],
        storage_id: b"0".to_vec(),
        ops: vec![Op {
            entity: "info".into(),
            actions: vec!["read".into(), "write".into()],
        }],
    };
    // Op = 0a04 info 1204 read 1205 write = 19 bytes = 0x13
    assert_eq!(
        enc(&id),
        format!("0a10{}120130", "11".repeat(16))
            + &format!("1a130a04{}1204{}1205{}", h("info"), h("read"), h("write"))
    );
}

#[test]
#[allow(deprecated)] // Chain.chain is deprecated in lnd but still sent ("bitcoin").
fn get_info_uses_lnds_scattered_field_numbers() {
    // version = 14, commit_hash = 20 (two-byte tag a2 01), identity_pubkey = 1,
    // alias = 2, synced_to_chain = 9, chains = 16 (tag 82 01), color = 17 (tag 8a 01).
    let r = GetInfoResponse {
        version: "v".into(),
        commit_hash: "c".into(),
        identity_pubkey: "p".into(),
        alias: "a".into(),
        synced_to_chain: true,
        chains: vec![lnrpc::Chain {
            chain: "bitcoin".into(),
            network: "regtest".into(),
        }],
        color: "#".into(),
        block_height: 3,
        ..Default::default()
    };
    // Fields are written in field-number order.
    let chain = format!("0a07{}1207{}", h("bitcoin"), h("regtest")); // 18 bytes = 0x12
    let want = format!(
        "0a01{}1201{}3003{}7201{}8201{}{}8a0101{}a20101{}",
        h("p"),
        h("a"),
        "4801",
        h("v"),
        "12",
        chain,
        h("#"),
        h("c"),
    );
    assert_eq!(enc(&r), want);
}

#[test]
fn wallet_kit_accounts() {
    // ListAccountsRequest: name = 1, address_type = 2 (enum).
    let req = ListAccountsRequest {
        name: "default".into(),
        address_type: AddressType::TaprootPubkey as i32,
    };
    assert_eq!(enc(&req), format!("0a07{}1004", h("default")));
    assert_eq!(AddressType::HybridNestedWitnessPubkeyHash as i32, 3);
    assert_eq!(AddressType::NestedWitnessPubkeyHash as i32, 2);
    assert_eq!(AddressType::WitnessPubkeyHash as i32, 1);
    // Account: 1 name, 2 address_type, 3 xpub, 4 fingerprint, 5 path,
    // 6 external_key_count, 7 internal_key_count, 8 watch_only.
    let a = Account {
        name: "n".into(),
        address_type: 1,
        extended_public_key: "x".into(),
        master_key_fingerprint: vec![0xab],
        derivation_path: "m".into(),
        external_key_count: 2,
        internal_key_count: 3,
        watch_only: true,
    };
    assert_eq!(
        enc(&a),
        format!(
            "0a01{}10011a01{}2201ab2a01{}300238034001",
            h("n"),
            h("x"),
            h("m")
        )
    );
    let resp = walletrpc::ListAccountsResponse { accounts: vec![a] };
    // Account = 3+2+3+3+3+2+2+2 = 20 = 0x14 bytes.
    assert!(enc(&resp).starts_with("0a140a01"));
}
