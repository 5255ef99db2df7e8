//! The signer's TLS certificate as a resource of the plan. lnd issues it
//! and lsm cannot write it, but lnd renders it from lnd.conf: with
//! `tlsautorefresh` it issues a new one at start whenever the declared
//! names differ from the certificate's (desired/cert_names.rs). So the
//! certificate converges by a start of lnd, and the plan says beforehand
//! that it will change, because the watch-only node must then be given
//! the re-exported bundle (it pins the certificate).

use crate::desired::cert_names::{self, CertNames};
use crate::desired::{Desired, display_path};
use crate::lnd::tls::CertInfo;
use crate::plan::Action;
use crate::runtime::Observer;

/// Makes the certificate carry the declared names: the start of lnd that
/// `actions` already plans says that the certificate changes with it, or,
/// when none is planned, a restart of the running lnd is added. Nothing
/// when the certificate is unknown (no lnd yet) or already right.
pub(crate) fn converge<Ob: Observer>(
    observer: &Ob,
    observed: &Ob::Observation,
    desired: &Desired,
    cert_pem: Option<&[u8]>,
    actions: &mut Vec<Action>,
) {
    let Some(info) = cert_pem.and_then(|p| CertInfo::from_pem(p).ok()) else {
        return;
    };
    let have = CertNames::of(&info);
    let want = cert_names::declared(&desired.resolved);
    let changes = have.changes_to(&want);
    if changes.is_empty() {
        return;
    }
    let bundle = format!(
        "the watch-only node needs the re-exported bundle ({}), whose tls.cert changes with it",
        display_path(&desired.bundle.dir)
    );
    // In the reason, which every rendering shows: the operator must hand
    // the new bundle over.
    if let Some(start) = actions.iter_mut().rev().find(|a| a.op.starts_lnd()) {
        start.reason = format!(
            "{}; lnd then issues a new tls.cert ({}): {bundle}",
            start.reason,
            changes.join(", ")
        );
        start.disruptive = true;
        return;
    }
    let reason = format!(
        "the signer's tls.cert lacks the names [rpc] declares ({}): restart lnd so it issues a \
         new one (tlsautorefresh); {bundle}",
        changes.join(", ")
    );
    actions.extend(observer.restart(observed, crate::plan::ReasonCode::CertNamesChanged, reason));
}
