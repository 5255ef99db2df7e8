//! The version the double claims to be (lnd v0.20.0-beta, release build).

/// `build.Version()`.
pub const VERSION: &str = "0.20.0-beta";
/// `build.Commit`: `git describe --tags` of the release.
pub const COMMIT: &str = "v0.20.0-beta";
/// GetInfo's `version`: `build.Version() + " commit=" + build.Commit`.
pub const VERSION_WITH_COMMIT: &str = "0.20.0-beta commit=v0.20.0-beta";
/// GetInfo's `commit_hash`: the commit v0.20.0-beta is tagged on.
pub const COMMIT_HASH: &str = "b9ea7070c20ad2ca8514a47d9b4d560a501f0487";

/// lnd's `--version` line: `<app> version <version> commit=<commit>`, where
/// <app> is the program's file name.
pub fn version_line(app_name: &str) -> String {
    format!("{app_name} version {VERSION} commit={COMMIT}")
}

/// The `rev` attribute lnd's structured log lines carry: the first three
/// bytes of the commit hash (build.WithBuildInfo, btclog.Hex3).
pub fn rev_attr() -> String {
    format!("rev={}", &COMMIT_HASH[..6])
}
