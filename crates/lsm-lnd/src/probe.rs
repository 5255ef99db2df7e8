//! The RPCs a watch-only lnd calls on its remote signer (lnd's
//! lnwallet/rpcwallet), and a harmless call of each: a request lnd's
//! handler refuses in validation, which runs only after the macaroon
//! check. So lnd's answer says whether the macaroon grants the call
//! ("permission denied" or not) without anything being signed, derived or
//! stored — the watch-only macaroon lacks macaroon:read, so
//! CheckMacaroonPermissions is not an option (watch-only research §5).

/// One RPC a watch-only node needs from its signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SignerRpc {
    SignMessage,
    DeriveSharedKey,
    MuSig2CreateSession,
    MuSig2RegisterNonces,
    MuSig2Sign,
    MuSig2CombineSig,
    MuSig2Cleanup,
    SignPsbt,
}

impl SignerRpc {
    /// Every one, in the order lsm reports them.
    pub const ALL: [SignerRpc; 8] = [
        SignerRpc::SignMessage,
        SignerRpc::DeriveSharedKey,
        SignerRpc::MuSig2CreateSession,
        SignerRpc::MuSig2RegisterNonces,
        SignerRpc::MuSig2Sign,
        SignerRpc::MuSig2CombineSig,
        SignerRpc::MuSig2Cleanup,
        SignerRpc::SignPsbt,
    ];

    /// The method's name, e.g. `SignPsbt`.
    pub fn name(self) -> &'static str {
        match self {
            SignerRpc::SignMessage => "SignMessage",
            SignerRpc::DeriveSharedKey => "DeriveSharedKey",
            SignerRpc::MuSig2CreateSession => "MuSig2CreateSession",
            SignerRpc::MuSig2RegisterNonces => "MuSig2RegisterNonces",
            SignerRpc::MuSig2Sign => "MuSig2Sign",
            SignerRpc::MuSig2CombineSig => "MuSig2CombineSig",
            SignerRpc::MuSig2Cleanup => "MuSig2Cleanup",
            SignerRpc::SignPsbt => "SignPsbt",
        }
    }

    /// The full gRPC method path, e.g. `/walletrpc.WalletKit/SignPsbt`.
    pub fn method(self) -> &'static str {
        match self {
            SignerRpc::SignMessage => "/signrpc.Signer/SignMessage",
            SignerRpc::DeriveSharedKey => "/signrpc.Signer/DeriveSharedKey",
            SignerRpc::MuSig2CreateSession => "/signrpc.Signer/MuSig2CreateSession",
            SignerRpc::MuSig2RegisterNonces => "/signrpc.Signer/MuSig2RegisterNonces",
            SignerRpc::MuSig2Sign => "/signrpc.Signer/MuSig2Sign",
            SignerRpc::MuSig2CombineSig => "/signrpc.Signer/MuSig2CombineSig",
            SignerRpc::MuSig2Cleanup => "/signrpc.Signer/MuSig2Cleanup",
            SignerRpc::SignPsbt => "/walletrpc.WalletKit/SignPsbt",
        }
    }

    /// The entity permission lnd requires for it (a `uri:` permission for
    /// [`method`](Self::method) grants it too).
    pub fn permission(self) -> &'static str {
        match self {
            SignerRpc::SignPsbt => "onchain:write",
            _ => "signer:generate",
        }
    }

    /// What a watch-only node cannot do without it (watch-only research §5).
    pub fn needed_for(self) -> &'static str {
        match self {
            SignerRpc::SignMessage => "it signs its node announcement at startup, so it exits",
            SignerRpc::DeriveSharedKey => "every peer connection (Brontide handshake) fails",
            SignerRpc::SignPsbt => {
                "sending coins, funding channels and every commitment and HTLC signature fail"
            }
            _ => "taproot channels fail (MuSig2)",
        }
    }
}

/// MuSig2's session ids are 32 bytes; no session has the all-zero one.
pub const UNUSED_SESSION_ID: [u8; 32] = [0; 32];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rpc_is_lnds_method_with_lnds_permission() {
        // lnd v0.20.0-beta's permissions for these methods (its
        // ListPermissions, as the lnd double's data file records them).
        let lnd = [
            ("/signrpc.Signer/DeriveSharedKey", "signer:generate"),
            ("/signrpc.Signer/MuSig2Cleanup", "signer:generate"),
            ("/signrpc.Signer/MuSig2CombineSig", "signer:generate"),
            ("/signrpc.Signer/MuSig2CreateSession", "signer:generate"),
            ("/signrpc.Signer/MuSig2RegisterNonces", "signer:generate"),
            ("/signrpc.Signer/MuSig2Sign", "signer:generate"),
            ("/signrpc.Signer/SignMessage", "signer:generate"),
            ("/walletrpc.WalletKit/SignPsbt", "onchain:write"),
        ];
        let mut ours: Vec<(&str, &str)> = SignerRpc::ALL
            .iter()
            .map(|r| (r.method(), r.permission()))
            .collect();
        ours.sort_unstable();
        assert_eq!(ours, lnd);
        for r in SignerRpc::ALL {
            assert!(r.method().ends_with(&format!("/{}", r.name())));
        }
    }
}
