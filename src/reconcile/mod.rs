//! Reconcile: the layer above the resources that puts them together. The
//! plan model ([`crate::plan`]) names no resource, and each resource
//! (runtime, wallet, macaroon scope, bundle, watch-only node) makes its
//! own actions out of plan types; here the desired state and the observed
//! world meet, and every resource's diff becomes one plan, ordered along
//! the dependency chain.
//!
//! | module | job |
//! |---|---|
//! | [`build`] | the plan and the destroy plan, ordered; blockers and notes |
//! | [`certificate`] | tls.cert's names converge through a start of lnd |

pub(crate) mod build;
pub(crate) mod certificate;
