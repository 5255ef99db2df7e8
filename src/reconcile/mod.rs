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
//! | [`bundle`] | what the bundle should hold given the live signer; its apply steps |
//! | [`watchonly`] | a watch-only node's plan: secrets → runtime → watch-only wallet, and its blockers |
//! | [`rehearsal`] | a restore rehearsal of seed.txt in a throwaway lnd of the runtime |

pub(crate) mod build;
pub(crate) mod bundle;
pub(crate) mod certificate;
mod error;
pub(crate) mod rehearsal;
pub(crate) mod watchonly;

pub(crate) use error::Error;
