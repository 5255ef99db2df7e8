//! Is seed.txt this wallet's backup? Decided from the identity record
//! ([`identity`](super::identity)), seed.txt's fingerprint and the
//! identity lnd reports, without lnd ever seeing the words. Pure, so every
//! case is unit-tested.

use crate::wallet::diff::{SecretsView, WalletView};
use crate::wallet::identity::short;

/// What is known about seed.txt being the wallet's backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SeedProof {
    /// No usable seed.txt to judge (missing, damaged, not the user's own:
    /// the wallet diff says so on its own).
    NoSeed,
    /// The record names this very seed, this network and (when lnd said)
    /// the live wallet's identity.
    Proven,
    /// No record: a wallet lsm did not create or restore, or one from
    /// before records; a restore rehearsal (`lsm seed verify`) proves it.
    Unproven,
    /// lsm initialised the wallet from this seed (the pending note) but
    /// stopped before recording the identity; the live wallet's identity
    /// is that record's.
    Pending,
    /// The record names another seed: seed.txt was replaced.
    OtherSeed { recorded: String, found: String },
    /// The record names another identity than the live wallet's: seed.txt
    /// (and its record) belong to another wallet, or the wallet does.
    OtherIdentity { recorded: String, live: String },
    /// The record is for another network than the manifest's.
    OtherNetwork { recorded: String },
    /// The record exists but cannot be read.
    Unreadable(String),
}

impl SeedProof {
    /// Whether seed.txt may be used as the wallet's own: restored from,
    /// its birthday exported, the volume purged on the strength of it.
    /// (Unproven seeds are restored only when there is no wallet at all,
    /// which the wallet diff decides.)
    pub(crate) fn is_proven(&self) -> bool {
        matches!(self, SeedProof::Proven)
    }

    /// A refusal: seed.txt is shown not to be this wallet's backup, or
    /// lsm cannot tell because the record is damaged.
    pub(crate) fn refuses(&self) -> bool {
        matches!(
            self,
            SeedProof::OtherSeed { .. }
                | SeedProof::OtherIdentity { .. }
                | SeedProof::Unreadable(_)
        )
    }
}

/// Judges seed.txt for the manifest's `network` and the wallet lnd reports.
pub(crate) fn seed_proof(network: &str, secrets: &SecretsView, wallet: &WalletView) -> SeedProof {
    let Some(found) = secrets
        .identity
        .seed_sha256
        .as_ref()
        .filter(|_| secrets.seed_usable())
    else {
        return SeedProof::NoSeed;
    };
    if let Some(e) = &secrets.identity.record_problem {
        return SeedProof::Unreadable(e.clone());
    }
    let live = match wallet {
        WalletView::Unlocked {
            identity_pubkey: Some(id),
        } => Some(id),
        _ => None,
    };
    let Some(record) = &secrets.identity.record else {
        let pending = secrets
            .identity
            .pending
            .as_ref()
            .is_some_and(|p| p.seed_sha256 == *found && p.network == network);
        return if pending && live.is_some() {
            SeedProof::Pending
        } else {
            SeedProof::Unproven
        };
    };
    if record.seed_sha256 != *found {
        return SeedProof::OtherSeed {
            recorded: record.seed_sha256.clone(),
            found: found.clone(),
        };
    }
    if record.network != network {
        return SeedProof::OtherNetwork {
            recorded: record.network.clone(),
        };
    }
    match live {
        Some(live) if !live.eq_ignore_ascii_case(&record.identity_pubkey) => {
            SeedProof::OtherIdentity {
                recorded: record.identity_pubkey.clone(),
                live: live.clone(),
            }
        }
        _ => SeedProof::Proven,
    }
}

/// The refusal's reason and fix, for a plan blocker; `dir` is the secrets
/// directory as shown.
pub(crate) fn refusal(
    proof: &SeedProof,
    dir: &str,
    wallet_exists: Option<bool>,
) -> Option<(String, String)> {
    let record = crate::wallet::diff::IDENTITY_FILE;
    let seed = crate::wallet::diff::SEED_FILE;
    let verify = "`lsm seed verify` rehearses a restore from seed.txt in a throwaway lnd and \
                  records what it finds";
    match proof {
        SeedProof::OtherSeed { recorded, found } => Some((
            format!(
                "{dir}/{seed} is not the seed this wallet came from: {dir}/{record} records seed \
                 {}, seed.txt is seed {}. lsm refuses it as the wallet's backup{}",
                short(recorded),
                short(found),
                if wallet_exists == Some(false) {
                    ", and will not restore another wallet in this signer's place"
                } else {
                    ""
                }
            ),
            format!(
                "put this wallet's own seed.txt back (your offline backup of seed {}). If \
                 seed.txt is right and the record is not, move {record} away: {verify}",
                short(recorded)
            ),
        )),
        SeedProof::OtherIdentity { recorded, live } => Some((
            format!(
                "{dir}/{record} says seed.txt restores identity {recorded}, but the signer's \
                 wallet is {live}: seed.txt is not this wallet's backup"
            ),
            format!(
                "check that lnd's data (the volume or lnd_dir) and {dir} belong to the same \
                 signer; {verify}"
            ),
        )),
        SeedProof::Unreadable(e) => Some((
            format!("{e}; lsm cannot tell whether seed.txt is this wallet's backup"),
            format!("restore {record} from your backup of {dir}, or move it away: {verify}"),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wallet::diff::FileView;
    use crate::wallet::identity::{IdentityRecord, IdentityView, Origin, Pending};

    fn secrets(seed: Option<&str>, record: Option<IdentityRecord>) -> SecretsView {
        SecretsView {
            dir_mode: Some(0o700),
            dir: crate::dirguard::DirView::Missing,
            euid: 0,
            untrusted: Vec::new(),
            password: FileView::Present { mode: 0o600 },
            password_problem: None,
            seed: if seed.is_some() {
                FileView::Present { mode: 0o600 }
            } else {
                FileView::Missing
            },
            seed_problem: None,
            temp_leftovers: Vec::new(),
            earlier_wallet: None,
            identity: IdentityView {
                record,
                record_problem: None,
                pending: None,
                seed_sha256: seed.map(str::to_string),
            },
            last_rehearsal: None,
        }
    }

    fn live(id: &str) -> WalletView {
        WalletView::Unlocked {
            identity_pubkey: Some(id.to_string()),
        }
    }

    fn record(seed: &str, id: &str) -> IdentityRecord {
        IdentityRecord::new("regtest", id, seed, Origin::Created)
    }

    #[test]
    fn the_record_proves_or_refuses_seed_txt() {
        let r = || Some(record("aa", "02ab"));
        assert_eq!(
            seed_proof("regtest", &secrets(Some("aa"), r()), &live("02ab")),
            SeedProof::Proven
        );
        // Another signer's seed.txt copied in.
        let p = seed_proof("regtest", &secrets(Some("bb"), r()), &live("02ab"));
        assert!(
            matches!(p, SeedProof::OtherSeed { .. }) && p.refuses(),
            "{p:?}"
        );
        // Seed and record of another wallet copied in together.
        let p = seed_proof("regtest", &secrets(Some("aa"), r()), &live("03cd"));
        assert!(matches!(p, SeedProof::OtherIdentity { .. }), "{p:?}");
        // Another network: the plan names the change instead.
        let p = seed_proof("testnet", &secrets(Some("aa"), r()), &live("02ab"));
        assert_eq!(
            p,
            SeedProof::OtherNetwork {
                recorded: "regtest".into()
            }
        );
        // With no wallet (a restore), the seed is judged by the record alone.
        assert_eq!(
            seed_proof(
                "regtest",
                &secrets(Some("aa"), r()),
                &WalletView::NonExisting
            ),
            SeedProof::Proven
        );
        assert!(
            seed_proof(
                "regtest",
                &secrets(Some("bb"), r()),
                &WalletView::NonExisting
            )
            .refuses()
        );
    }

    #[test]
    fn no_record_is_unproven_unless_lsm_was_mid_initwallet() {
        let mut s = secrets(Some("aa"), None);
        assert_eq!(
            seed_proof("regtest", &s, &live("02ab")),
            SeedProof::Unproven
        );
        s.identity.pending = Some(Pending {
            format_version: 1,
            network: "regtest".into(),
            seed_sha256: "aa".into(),
            origin: Origin::Created,
            written_at: 0,
        });
        assert_eq!(seed_proof("regtest", &s, &live("02ab")), SeedProof::Pending);
        // A note for another seed proves nothing.
        s.identity.pending.as_mut().unwrap().seed_sha256 = "bb".into();
        assert_eq!(
            seed_proof("regtest", &s, &live("02ab")),
            SeedProof::Unproven
        );
        assert_eq!(
            seed_proof("regtest", &secrets(None, None), &live("02ab")),
            SeedProof::NoSeed
        );
    }
}
