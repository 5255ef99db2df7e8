//! The signer as lnd itself reports it over gRPC: wallet state (State needs
//! no macaroon), and once lnd is SERVER_ACTIVE and an admin macaroon is at
//! hand, its identity, version, macaroon root keys and accounts — the live
//! facts the wallet, macaroon and bundle plans compare against.
//!
//! Observation never waits for lnd: a signer that is not answering is
//! reported as unreachable with the reason, and the plan says so. It speaks
//! to lnd only through an [`LndReader`], which cannot change lnd: `plan` and
//! `status` are read-only towards lnd as they are towards Docker.

use crate::lnd::client::ClientOptions;
use crate::lnd::error::LndError;
use crate::lnd::proto::lnrpc::WalletState;
use crate::lnd::proto::walletrpc::Account;
use crate::lnd::reader::LndReader;
use crate::plan::{Address, Blocker};
use crate::secrets::SecretBytes;
use crate::wallet::diff::WalletView;
use serde_json::json;
use std::time::Duration;

/// How lsm reaches the signer's gRPC from this host. Each runtime makes
/// one (where lnd listens, its certificate and admin.macaroon); it is
/// defined here, beside the calls that take it, below the runtimes.
#[derive(Clone)]
pub(crate) struct SignerAccess {
    /// `host:port` as dialled from this host.
    pub addr: String,
    /// lnd's tls.cert (PEM): the pin.
    pub tls_cert_pem: Vec<u8>,
    /// lnd's admin.macaroon, for authenticated observation and bakes.
    pub admin_macaroon: Option<SecretBytes>,
}

impl SignerAccess {
    /// Access at `addr` once lnd has written its certificate.
    pub(crate) fn once_certified(
        addr: &str,
        tls_cert_pem: Option<&[u8]>,
        admin_macaroon: Option<&SecretBytes>,
    ) -> Result<SignerAccess, String> {
        let cert = tls_cert_pem.ok_or("lnd has not written tls.cert yet")?;
        Ok(SignerAccess {
            addr: addr.to_string(),
            tls_cert_pem: cert.to_vec(),
            admin_macaroon: admin_macaroon.cloned(),
        })
    }
}

impl std::fmt::Debug for SignerAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignerAccess")
            .field("addr", &self.addr)
            .field("tls_cert", &crate::secrets::fingerprint(&self.tls_cert_pem))
            .field("admin_macaroon", &self.admin_macaroon.is_some())
            .finish()
    }
}

/// What lnd said.
#[derive(Debug, Clone)]
pub(crate) struct SignerView {
    pub wallet: WalletView,
    /// lnd's raw state, when it answered.
    pub state: Option<WalletState>,
    /// GetInfo.version, e.g. `0.20.0-beta commit=v0.20.0-beta`.
    pub version: Option<String>,
    pub identity_pubkey: Option<String>,
    /// GetInfo's channel count (pending, active and inactive): what a
    /// watch-only node's data holds besides its wallet.
    pub channels: Option<u32>,
    /// GetInfo's network, e.g. `testnet`.
    pub network: Option<String>,
    pub root_key_ids: Option<Vec<u64>>,
    pub accounts: Option<Vec<Account>>,
    /// The certificate lsm pinned to reach lnd.
    pub tls_cert_pem: Option<Vec<u8>>,
    /// The admin macaroon used (never shown; needed by apply).
    pub admin_macaroon: Option<SecretBytes>,
    /// Why facts are missing (lnd starting, no macaroon yet, ...).
    pub limits: Vec<String>,
    /// lnd's verdict on the bundle's macaroon (see [`Probe`]), when asked.
    pub bundle_macaroon: Option<MacaroonVerdict>,
    /// `host:port` lsm dialled.
    pub addr: Option<String>,
}

impl SignerView {
    fn unreachable(reason: String, wallet_exists: Option<bool>) -> SignerView {
        SignerView {
            wallet: WalletView::Unreachable {
                reason,
                wallet_exists,
            },
            state: None,
            version: None,
            identity_pubkey: None,
            channels: None,
            network: None,
            root_key_ids: None,
            accounts: None,
            tls_cert_pem: None,
            admin_macaroon: None,
            limits: Vec::new(),
            bundle_macaroon: None,
            addr: None,
        }
    }

    /// True once lnd serves authenticated calls.
    pub(crate) fn server_active(&self) -> bool {
        self.state == Some(WalletState::ServerActive)
    }

    /// lnd answered as an active signer and every fact was read: only then
    /// can a plan with no actions say the signer matches.
    pub(crate) fn complete(&self) -> bool {
        self.server_active() && self.limits.is_empty()
    }

    /// Why the facts are incomplete, in a few words.
    pub(crate) fn why_incomplete(&self) -> String {
        match (&self.wallet, self.state) {
            (WalletView::Unreachable { reason, .. }, _) if !reason.is_empty() => reason.clone(),
            (_, Some(s)) if s != WalletState::ServerActive => format!("lnd is {}", s.as_str_name()),
            _ => self.limits.join("; "),
        }
    }

    /// Canonical facts for the plan's observed digest (nothing secret; the
    /// accounts and cert enter as hashes). Transient start-up states collapse
    /// so a plan made while lnd finished starting is not needlessly stale.
    pub(crate) fn digest_input(&self) -> serde_json::Value {
        let wallet = match &self.wallet {
            WalletView::Unreachable { wallet_exists, .. } => json!({"unreachable": wallet_exists}),
            WalletView::NonExisting => json!("non_existing"),
            WalletView::Locked => json!("locked"),
            WalletView::Unlocked { .. } => json!("unlocked"),
        };
        let accounts = self.accounts.as_ref().map(|a| {
            let text: Vec<String> = a
                .iter()
                .map(|x| format!("{}|{}", x.derivation_path, x.extended_public_key))
                .collect();
            crate::secrets::sha256_hex(text.join("\n").as_bytes())
        });
        json!({
            "wallet": wallet,
            "identity": self.identity_pubkey,
            "version": self.version,
            "root_key_ids": self.root_key_ids,
            "accounts": accounts,
            "tls_cert": self.tls_cert_pem.as_ref().map(|c| crate::secrets::sha256_hex(c)),
            "bundle_macaroon": self.bundle_macaroon.as_ref().map(|v| json!([v.sha256, v.rejected])),
        })
    }
}

/// lnd is active but lsm has no admin.macaroon (deleted, or a wallet made
/// with stateless_init): lsm can then check neither identity, accounts nor
/// macaroons, and bake nothing, so no plan may say the signer matches.
/// lnd (0.17 and later) writes each missing default macaroon file every
/// time the wallet is unlocked (v0.20.0-beta lnd.go genDefaultMacaroons,
/// called from config_builder.go L552), so restarting lnd brings it back.
/// `location` and `restart` come from the runtime (where the file lives,
/// how an operator restarts lnd there): nothing here names a runtime.
pub(crate) fn missing_admin_macaroon(
    view: &SignerView,
    location: &str,
    restart: &str,
) -> Option<Blocker> {
    if !view.server_active() || view.admin_macaroon.is_some() {
        return None;
    }
    Some(Blocker {
        code: crate::plan::BlockerCode::AdminMacaroonMissing,
        address: Address::FILE_ADMIN_MACAROON,
        reason: format!(
            "lnd is running unlocked but its admin.macaroon ({location}) is missing, so lsm can \
             check neither the signer's identity, accounts nor macaroons, nor bake or revoke"
        ),
        fix: format!(
            "restart lnd: {restart}, then run `lsm apply`. lnd writes any missing default \
             macaroon file each time the wallet is unlocked; with auto_unlock it unlocks itself \
             on start, otherwise `lsm apply` unlocks it"
        ),
    })
}

/// Timeouts for observation: short, because a plan must not hang on a
/// signer that is down.
pub(crate) fn observe_options(cert_label: &str) -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(3),
        call_timeout: Duration::from_secs(10),
        unlock_timeout: Duration::from_secs(120),
        cert_label: cert_label.to_string(),
    }
}

/// A read-only connection for `access` (no macaroon attached). lnd's own
/// typed error is the whole story: this module adds nothing to it.
pub(crate) fn reader(access: &SignerAccess, opts: ClientOptions) -> Result<LndReader, LndError> {
    LndReader::connect(&access.addr, &access.tls_cert_pem, opts)
}

/// A macaroon from the bundle for lnd to judge: a file that decodes like
/// the declared one proves nothing (another signer's has the same
/// permissions and root key id), so lnd itself is asked whether it
/// accepts it (Lightning.CheckMacaroonPermissions, read-only).
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    pub macaroon: SecretBytes,
    /// The declared permissions, which the macaroon must grant.
    pub permissions: Vec<crate::lnd::permissions::Permission>,
}

/// lnd's verdict on a [`Probe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MacaroonVerdict {
    /// sha256 of the macaroon judged.
    pub sha256: String,
    /// lnd's reason when it rejects it.
    pub rejected: Option<String>,
}

/// Asks lnd what it is (and, given a `probe`, whether it accepts the
/// bundle's macaroon).
pub(crate) async fn observe(
    access: Result<SignerAccess, String>,
    wallet_exists: Option<bool>,
    probe: Option<Probe>,
) -> SignerView {
    let access = match access {
        Ok(a) => a,
        Err(reason) => return SignerView::unreachable(reason, wallet_exists),
    };
    let client = match reader(&access, observe_options("lnd's tls.cert")) {
        Ok(c) => c,
        Err(e) => return SignerView::unreachable(e.to_string(), wallet_exists),
    };
    let state = match client.get_state().await {
        Ok(s) => s,
        Err(e) => {
            return SignerView::unreachable(
                format!("lnd is not answering on {}: {e}", access.addr),
                wallet_exists,
            );
        }
    };
    let mut view = SignerView::unreachable(String::new(), wallet_exists);
    view.state = Some(state);
    view.addr = Some(access.addr.clone());
    view.tls_cert_pem = Some(access.tls_cert_pem.clone());
    view.admin_macaroon = access.admin_macaroon.clone();
    view.wallet = wallet_of(state, wallet_exists);
    if state != WalletState::ServerActive {
        if matches!(state, WalletState::Unlocked | WalletState::RpcActive) {
            view.limits.push(
                "lnd is still starting; identity and accounts are read once it is active".into(),
            );
        }
        return view;
    }
    let Some(mac) = access.admin_macaroon.as_ref() else {
        view.limits.push(
            "lnd's admin.macaroon is not available, so identity and accounts are unknown".into(),
        );
        return view;
    };
    read_active(&mut view, &client.with_macaroon(mac), probe.as_ref()).await;
    view
}

/// The wallet as lnd's state tells it (the identity comes with GetInfo).
fn wallet_of(state: WalletState, wallet_exists: Option<bool>) -> WalletView {
    match state {
        WalletState::NonExisting => WalletView::NonExisting,
        WalletState::Locked => WalletView::Locked,
        WalletState::Unlocked | WalletState::RpcActive | WalletState::ServerActive => {
            WalletView::Unlocked {
                identity_pubkey: None,
            }
        }
        WalletState::WaitingToStart => WalletView::Unreachable {
            reason: "lnd is still starting (opening its databases)".into(),
            wallet_exists,
        },
    }
}

/// With the admin macaroon, reads an active lnd's identity, root keys and
/// accounts, and its verdict on the `probe`, concurrently. A call that
/// fails leaves its part unknown and says why in the view's limits.
async fn read_active(view: &mut SignerView, authed: &LndReader, probe: Option<&Probe>) {
    let judge = async {
        match probe {
            Some(p) if !p.permissions.is_empty() => Some(
                authed
                    .check_macaroon_permissions(&p.macaroon, &p.permissions)
                    .await,
            ),
            _ => None,
        }
    };
    let (info, ids, accounts, judged, pending) = tokio::join!(
        authed.get_info(),
        authed.list_macaroon_ids(),
        authed.list_accounts(),
        judge,
        authed.pending_channels()
    );
    match (judged, probe) {
        (Some(Ok(verdict)), Some(p)) => {
            view.bundle_macaroon = Some(MacaroonVerdict {
                sha256: crate::secrets::sha256_hex(&p.macaroon),
                rejected: verdict.err(),
            });
        }
        // An lnd without the call cannot judge; the offline checks stand.
        (Some(Err(crate::lnd::error::LndError::Unimplemented { .. })), _) => {}
        (Some(Err(e)), _) => view
            .limits
            .push(format!("CheckMacaroonPermissions failed: {e}")),
        _ => {}
    }
    match info {
        Ok(info) => {
            view.identity_pubkey = Some(info.identity_pubkey.clone());
            // Unknown unless lnd also listed the channels still closing
            // (waiting close, force-closed with funds in limbo), which
            // GetInfo leaves out; only a count of all of them is usable.
            view.channels = pending.ok().map(|p| {
                let closing = p.pending_closing_channels.len()
                    + p.pending_force_closing_channels.len()
                    + p.waiting_close_channels.len()
                    + usize::from(p.total_limbo_balance > 0);
                info.num_pending_channels
                    + info.num_active_channels
                    + info.num_inactive_channels
                    + u32::try_from(closing).unwrap_or(u32::MAX)
            });
            view.version = Some(info.version.clone());
            view.network = info.chains.first().map(|c| c.network.clone());
            view.wallet = WalletView::Unlocked {
                identity_pubkey: Some(info.identity_pubkey),
            };
        }
        Err(e) => view.limits.push(format!("GetInfo failed: {e}")),
    }
    match ids {
        Ok(ids) => view.root_key_ids = Some(ids),
        Err(e) => view.limits.push(format!("ListMacaroonIDs failed: {e}")),
    }
    match accounts {
        Ok(a) => view.accounts = Some(a),
        Err(e) => view.limits.push(format!("ListAccounts failed: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(state: WalletState, mac: bool) -> SignerView {
        let mut v = SignerView::unreachable(String::new(), None);
        v.state = Some(state);
        v.admin_macaroon = mac.then(|| SecretBytes::new(vec![2u8; 8]));
        v
    }

    #[test]
    fn an_active_signer_without_admin_macaroon_blocks_with_the_restart_fix() {
        let blocker = |state, mac, restart: &str| {
            missing_admin_macaroon(
                &view(state, mac),
                "/root/.lnd/lsm/admin-regtest.macaroon in volume signer-1-data",
                restart,
            )
        };
        let b = blocker(
            WalletState::ServerActive,
            false,
            "`docker restart signer-1`",
        )
        .expect("a blocker");
        assert!(
            b.reason
                .contains("/root/.lnd/lsm/admin-regtest.macaroon in volume signer-1-data"),
            "{}",
            b.reason
        );
        assert!(b.fix.contains("`docker restart signer-1`"), "{}", b.fix);
        assert!(
            b.fix
                .starts_with("restart lnd: `docker restart signer-1`, then"),
            "{}",
            b.fix
        );
        // With the macaroon, or while lnd is locked or still starting, none.
        assert!(blocker(WalletState::ServerActive, true, "x").is_none());
        for state in [
            WalletState::Locked,
            WalletState::Unlocked,
            WalletState::RpcActive,
        ] {
            assert!(blocker(state, false, "x").is_none());
        }
    }
}
