//! Desired state: what the resolved manifest means for the host — the
//! rendered lnd.conf, the container or process spec, and the wallet,
//! macaroon and bundle intents.

pub mod lnd_conf;
