//! The REST shapes of the messages the gateway carries: request schemas
//! (proto field names and kinds) and response encoders (every field, in
//! declaration order).

use super::json::{Decoded, Kind, Obj, Schema};
use lsm_lnd::proto::lnrpc::{self, WalletState};
use lsm_lnd::proto::walletrpc::{self, AddressType};

const ADDRESS_TYPES: &[&str] = &[
    "UNKNOWN",
    "WITNESS_PUBKEY_HASH",
    "NESTED_WITNESS_PUBKEY_HASH",
    "HYBRID_NESTED_WITNESS_PUBKEY_HASH",
    "TAPROOT_PUBKEY",
];

static CHANNEL_POINT: &Schema = &[
    ("funding_txid_bytes", Kind::Bytes),
    ("funding_txid_str", Kind::Str),
    ("output_index", Kind::Uint32),
];
static CHANNEL_BACKUP: &Schema = &[
    ("chan_point", Kind::Message(CHANNEL_POINT)),
    ("chan_backup", Kind::Bytes),
];
static CHANNEL_BACKUPS: &Schema = &[("chan_backups", Kind::RepeatedMessage(CHANNEL_BACKUP))];
static MULTI_CHAN_BACKUP: &Schema = &[
    ("chan_points", Kind::RepeatedMessage(CHANNEL_POINT)),
    ("multi_chan_backup", Kind::Bytes),
];
static CHAN_BACKUP_SNAPSHOT: &Schema = &[
    ("single_chan_backups", Kind::Message(CHANNEL_BACKUPS)),
    ("multi_chan_backup", Kind::Message(MULTI_CHAN_BACKUP)),
];
static WATCH_ONLY_ACCOUNT: &Schema = &[
    ("purpose", Kind::Uint32),
    ("coin_type", Kind::Uint32),
    ("account", Kind::Uint32),
    ("xpub", Kind::Str),
];
static WATCH_ONLY: &Schema = &[
    ("master_key_birthday_timestamp", Kind::Uint64),
    ("master_key_fingerprint", Kind::Bytes),
    ("accounts", Kind::RepeatedMessage(WATCH_ONLY_ACCOUNT)),
];

pub static GEN_SEED: &Schema = &[
    ("aezeed_passphrase", Kind::Bytes),
    ("seed_entropy", Kind::Bytes),
];

pub static INIT_WALLET: &Schema = &[
    ("wallet_password", Kind::Bytes),
    ("cipher_seed_mnemonic", Kind::RepeatedStr),
    ("aezeed_passphrase", Kind::Bytes),
    ("recovery_window", Kind::Int32),
    ("channel_backups", Kind::Message(CHAN_BACKUP_SNAPSHOT)),
    ("stateless_init", Kind::Bool),
    ("extended_master_key", Kind::Str),
    ("extended_master_key_birthday_timestamp", Kind::Uint64),
    ("watch_only", Kind::Message(WATCH_ONLY)),
    ("macaroon_root_key", Kind::Bytes),
];

pub static UNLOCK_WALLET: &Schema = &[
    ("wallet_password", Kind::Bytes),
    ("recovery_window", Kind::Int32),
    ("channel_backups", Kind::Message(CHAN_BACKUP_SNAPSHOT)),
    ("stateless_init", Kind::Bool),
];

pub static CHANGE_PASSWORD: &Schema = &[
    ("current_password", Kind::Bytes),
    ("new_password", Kind::Bytes),
    ("stateless_init", Kind::Bool),
    ("new_macaroon_root_key", Kind::Bool),
];

static MACAROON_PERMISSION: &Schema = &[("entity", Kind::Str), ("action", Kind::Str)];

pub static BAKE_MACAROON: &Schema = &[
    ("permissions", Kind::RepeatedMessage(MACAROON_PERMISSION)),
    ("root_key_id", Kind::Uint64),
    ("allow_external_permissions", Kind::Bool),
];

pub static LIST_ACCOUNTS: &Schema = &[
    ("name", Kind::Str),
    ("address_type", Kind::Enum(ADDRESS_TYPES)),
];

pub fn gen_seed_request(d: &Decoded) -> lnrpc::GenSeedRequest {
    lnrpc::GenSeedRequest {
        aezeed_passphrase: d.bytes("aezeed_passphrase"),
        seed_entropy: d.bytes("seed_entropy"),
    }
}

pub fn init_wallet_request(d: &Decoded) -> lnrpc::InitWalletRequest {
    lnrpc::InitWalletRequest {
        wallet_password: d.bytes("wallet_password"),
        cipher_seed_mnemonic: d.strings("cipher_seed_mnemonic"),
        aezeed_passphrase: d.bytes("aezeed_passphrase"),
        recovery_window: d.int("recovery_window") as i32,
        channel_backups: None,
        stateless_init: d.bool("stateless_init"),
        extended_master_key: d.string("extended_master_key"),
        extended_master_key_birthday_timestamp: d.uint("extended_master_key_birthday_timestamp"),
        watch_only: d.message("watch_only").map(|w| lnrpc::WatchOnly {
            master_key_birthday_timestamp: w.uint("master_key_birthday_timestamp"),
            master_key_fingerprint: w.bytes("master_key_fingerprint"),
            accounts: w
                .messages("accounts")
                .iter()
                .map(|a| lnrpc::WatchOnlyAccount {
                    purpose: a.uint("purpose") as u32,
                    coin_type: a.uint("coin_type") as u32,
                    account: a.uint("account") as u32,
                    xpub: a.string("xpub"),
                })
                .collect(),
        }),
        macaroon_root_key: d.bytes("macaroon_root_key"),
    }
}

pub fn unlock_wallet_request(d: &Decoded) -> lnrpc::UnlockWalletRequest {
    lnrpc::UnlockWalletRequest {
        wallet_password: d.bytes("wallet_password"),
        recovery_window: d.int("recovery_window") as i32,
        channel_backups: None,
        stateless_init: d.bool("stateless_init"),
    }
}

pub fn change_password_request(d: &Decoded) -> lnrpc::ChangePasswordRequest {
    lnrpc::ChangePasswordRequest {
        current_password: d.bytes("current_password"),
        new_password: d.bytes("new_password"),
        stateless_init: d.bool("stateless_init"),
        new_macaroon_root_key: d.bool("new_macaroon_root_key"),
    }
}

pub fn bake_macaroon_request(d: &Decoded) -> lnrpc::BakeMacaroonRequest {
    lnrpc::BakeMacaroonRequest {
        permissions: d
            .messages("permissions")
            .iter()
            .map(|p| lnrpc::MacaroonPermission {
                entity: p.string("entity"),
                action: p.string("action"),
            })
            .collect(),
        root_key_id: d.uint("root_key_id"),
        allow_external_permissions: d.bool("allow_external_permissions"),
    }
}

pub fn list_accounts_request(d: &Decoded) -> walletrpc::ListAccountsRequest {
    walletrpc::ListAccountsRequest {
        name: d.string("name"),
        address_type: d.int("address_type") as i32,
    }
}

pub fn state(state: i32) -> Obj {
    let name = WalletState::try_from(state)
        .map(|s| s.as_str_name().to_string())
        .unwrap_or_else(|_| state.to_string());
    Obj::new().string("state", &name)
}

pub fn gen_seed_response(r: &lnrpc::GenSeedResponse) -> Obj {
    Obj::new()
        .strings(
            "cipher_seed_mnemonic",
            r.cipher_seed_mnemonic.iter().map(String::as_str),
        )
        .bytes("enciphered_seed", &r.enciphered_seed)
}

pub fn admin_macaroon_response(admin_macaroon: &[u8]) -> Obj {
    Obj::new().bytes("admin_macaroon", admin_macaroon)
}

// The deprecated `testnet` and `chains[].chain` are still emitted by lnd.
#[allow(deprecated)]
pub fn get_info_response(r: &lnrpc::GetInfoResponse) -> Obj {
    Obj::new()
        .string("version", &r.version)
        .string("commit_hash", &r.commit_hash)
        .string("identity_pubkey", &r.identity_pubkey)
        .string("alias", &r.alias)
        .string("color", &r.color)
        .u32("num_pending_channels", r.num_pending_channels)
        .u32("num_active_channels", r.num_active_channels)
        .u32("num_inactive_channels", r.num_inactive_channels)
        .u32("num_peers", r.num_peers)
        .u32("block_height", r.block_height)
        .string("block_hash", &r.block_hash)
        .i64("best_header_timestamp", r.best_header_timestamp)
        .bool("synced_to_chain", r.synced_to_chain)
        .bool("synced_to_graph", r.synced_to_graph)
        .bool("testnet", r.testnet)
        .objs(
            "chains",
            r.chains.iter().map(|c| {
                Obj::new()
                    .string("chain", &c.chain)
                    .string("network", &c.network)
            }),
        )
        .strings("uris", r.uris.iter().map(String::as_str))
        .map(
            "features",
            // protojson writes map entries in key order.
            sorted(&r.features).into_iter().map(|(bit, f)| {
                (
                    bit.to_string(),
                    Obj::new()
                        .string("name", &f.name)
                        .bool("is_required", f.is_required)
                        .bool("is_known", f.is_known),
                )
            }),
        )
        .bool("require_htlc_interceptor", r.require_htlc_interceptor)
        .bool(
            "store_final_htlc_resolutions",
            r.store_final_htlc_resolutions,
        )
}

fn sorted<K: Ord + Copy, V>(m: &std::collections::HashMap<K, V>) -> Vec<(K, &V)> {
    let mut v: Vec<(K, &V)> = m.iter().map(|(k, v)| (*k, v)).collect();
    v.sort_by_key(|(k, _)| *k);
    v
}

pub fn list_accounts_response(r: &walletrpc::ListAccountsResponse) -> Obj {
    Obj::new().objs(
        "accounts",
        r.accounts.iter().map(|a| {
            let addr_type = AddressType::try_from(a.address_type)
                .map(|t| t.as_str_name().to_string())
                .unwrap_or_else(|_| a.address_type.to_string());
            Obj::new()
                .string("name", &a.name)
                .string("address_type", &addr_type)
                .string("extended_public_key", &a.extended_public_key)
                .bytes("master_key_fingerprint", &a.master_key_fingerprint)
                .string("derivation_path", &a.derivation_path)
                .u32("external_key_count", a.external_key_count)
                .u32("internal_key_count", a.internal_key_count)
                .bool("watch_only", a.watch_only)
        }),
    )
}

pub fn bake_macaroon_response(r: &lnrpc::BakeMacaroonResponse) -> Obj {
    Obj::new().string("macaroon", &r.macaroon)
}

pub fn list_macaroon_ids_response(r: &lnrpc::ListMacaroonIDsResponse) -> Obj {
    let ids: Vec<String> = r.root_key_ids.iter().map(u64::to_string).collect();
    Obj::new().strings("root_key_ids", ids.iter().map(String::as_str))
}

pub fn delete_macaroon_id_response(r: &lnrpc::DeleteMacaroonIdResponse) -> Obj {
    Obj::new().bool("deleted", r.deleted)
}

pub fn list_permissions_response(r: &lnrpc::ListPermissionsResponse) -> Obj {
    let mut methods: Vec<_> = r.method_permissions.iter().collect();
    methods.sort_by(|a, b| a.0.cmp(b.0));
    Obj::new().map(
        "method_permissions",
        methods.into_iter().map(|(m, list)| {
            (
                m.clone(),
                Obj::new().objs(
                    "permissions",
                    list.permissions.iter().map(|p| {
                        Obj::new()
                            .string("entity", &p.entity)
                            .string("action", &p.action)
                    }),
                ),
            )
        }),
    )
}
