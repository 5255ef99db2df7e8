//! Offline checks of a bundle, wherever it came from (a directory lsm
//! wrote, a pasted `.tar.gz.b64`, `lsm export`): would a watch-only node
//! accept it, and does it leak more than it should?
//!
//! Every check runs and every problem is reported — an operator fixing a
//! bundle wants the whole list at once, not one error per attempt.
//! Messages name files, paths and fingerprints; never a macaroon or key.

pub(crate) mod accounts;
mod credentials;
mod files;
pub(crate) mod identity;

pub(crate) use credentials::rpc_host;

use crate::bundle::bundle_json::{BundleJson, FORMAT_VERSION};
use crate::bundle::contents::DesiredBundle;
use crate::bundle::network::Network;
use crate::bundle::observe::{ObservedBundle, observe};
use crate::bundle::{ACCOUNTS_FILE, BUNDLE_JSON_FILE, BundleLayout, Error, TLS_CERT_FILE};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;
use zeroize::Zeroizing;

/// What the caller asserts and when "now" is (certificate and caveat
/// expiry).
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Check against this network instead of bundle.json's (and report a
    /// problem if they differ).
    pub network: Option<Network>,
    pub now: SystemTime,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            network: None,
            now: SystemTime::now(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    /// Could not run (e.g. the file it needs is missing, already reported).
    Skipped,
}

/// One named check and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: CheckStatus,
    /// One line: what was checked (pass) or why it was skipped.
    pub detail: String,
}

/// The outcome. `ok` is false when there is any problem; warnings do not
/// fail a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    /// What was checked: a directory, an archive file or standard input.
    pub source: String,
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
    pub checks: Vec<Check>,
    /// `--live`: what the signer answered (see `bundle::live`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<serde_json::Value>,
}

/// What one check found.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub problems: Vec<String>,
    pub warnings: Vec<String>,
    pub skipped: Option<String>,
}

/// Findings quote what the bundle holds (file and entry names, bundle.json
/// fields, derivation paths, macaroon permissions): each line is escaped
/// here, once, so nothing in a bundle can fake a line of the report.
fn one_line(s: impl Into<String>) -> String {
    let s = s.into();
    match crate::diagnostic::escape_line(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(escaped) => escaped,
    }
}

impl Findings {
    pub(crate) fn problem(&mut self, p: impl Into<String>) {
        self.problems.push(one_line(p));
    }

    pub(crate) fn warn(&mut self, w: impl Into<String>) {
        self.warnings.push(one_line(w));
    }

    pub(crate) fn skip(&mut self, why: impl Into<String>) -> String {
        let why = one_line(why);
        self.skipped = Some(why.clone());
        why
    }
}

/// Collects checks into a report.
struct Checker {
    report: VerifyReport,
}

impl Checker {
    fn new(source: String) -> Self {
        Checker {
            report: VerifyReport {
                ok: true,
                source,
                problems: Vec::new(),
                warnings: Vec::new(),
                checks: Vec::new(),
                live: None,
            },
        }
    }

    /// Runs one check; `f` returns the one-line detail shown when it passes.
    fn run<T>(&mut self, name: &'static str, f: impl FnOnce(&mut Findings) -> (String, T)) -> T {
        let mut found = Findings::default();
        let (detail, value) = f(&mut found);
        let status = if !found.problems.is_empty() {
            CheckStatus::Fail
        } else if let Some(_why) = &found.skipped {
            CheckStatus::Skipped
        } else if !found.warnings.is_empty() {
            CheckStatus::Warn
        } else {
            CheckStatus::Pass
        };
        let detail = match (&found.skipped, status) {
            (Some(why), CheckStatus::Skipped) => why.clone(),
            _ => one_line(detail),
        };
        self.report.ok &= found.problems.is_empty();
        self.report.problems.extend(found.problems);
        self.report.warnings.extend(found.warnings);
        self.report.checks.push(Check {
            name,
            status,
            detail,
        });
        value
    }

    fn finish(self) -> VerifyReport {
        self.report
    }
}

/// The bundle's files by name (secret bytes).
pub(crate) type Files = BTreeMap<String, Zeroizing<Vec<u8>>>;

/// Verifies a bundle directory (and the archive beside it, if there is one).
pub(crate) fn verify_dir(dir: &Path, opts: &VerifyOptions) -> Result<VerifyReport, Error> {
    verify_dir_files(dir, opts).map(|(report, _)| report)
}

/// [`verify_dir`], also returning the bundle's files as read (the same
/// bytes that were checked, for [`import`](crate::bundle::import)).
pub(crate) fn verify_dir_files(
    dir: &Path,
    opts: &VerifyOptions,
) -> Result<(VerifyReport, Files), Error> {
    let layout = BundleLayout::new(dir, false)?;
    let observed = observe(&layout)?;
    if observed.dir_mode.is_none() {
        return Err(Error::BadPath {
            path: dir.to_path_buf(),
            why: "no such directory".into(),
        });
    }
    let files: Files = observed
        .files
        .iter()
        .map(|(n, f)| (n.clone(), f.bytes.clone()))
        .collect();
    let mut c = Checker::new(dir.display().to_string());
    let mut strays = observed.unmanaged.clone();
    strays.extend(observed.temp_leftovers.iter().cloned());
    check_contents(&mut c, &files, &strays, opts);
    c.run("modes", |f| files::check_modes(&observed, f));
    check_archive_beside(&mut c, &layout, &observed, &files);
    Ok((c.finish(), files))
}

/// Verifies a bundle given as base64 tar.gz text (a `.b64` file or stdin);
/// also returns the bundle's files taken out of it.
pub(crate) fn verify_archive_files(
    source: &str,
    text: &[u8],
    opts: &VerifyOptions,
) -> (VerifyReport, Files) {
    let mut c = Checker::new(source.to_string());
    let entries = c.run("archive", |f| match crate::bundle::archive::extract(text) {
        Ok(entries) => (format!("{} files", entries.len()), Some(entries)),
        Err(e) => {
            f.problem(format!("the archive cannot be read: {e}"));
            (String::new(), None)
        }
    });
    let Some(entries) = entries else {
        return (c.finish(), Files::new());
    };
    let mut files = Files::new();
    let mut unexpected = Vec::new();
    for (name, bytes) in entries {
        if is_bundle_name(&name) {
            files.insert(name, bytes);
        } else {
            unexpected.push(name);
        }
    }
    check_contents(&mut c, &files, &unexpected, opts);
    (c.finish(), files)
}

/// Verifies a bundle before it is written: the same content checks, run
/// on the desired files in memory, so a bundle that would fail (another
/// network, a cert that does not cover the endpoint) is never written
/// over a good one. Content that is not known yet is reported as missing.
pub fn verify_desired(desired: &DesiredBundle, opts: &VerifyOptions) -> VerifyReport {
    let mut c = Checker::new(format!("the bundle for {}", desired.layout.dir().display()));
    let files: Files = desired
        .files
        .iter()
        .filter_map(|(n, content)| {
            content
                .known()
                .map(|b| (n.clone(), Zeroizing::new(b.to_vec())))
        })
        .collect();
    check_contents(&mut c, &files, &[], opts);
    c.finish()
}

fn is_bundle_name(name: &str) -> bool {
    matches!(name, ACCOUNTS_FILE | TLS_CERT_FILE | BUNDLE_JSON_FILE)
        || crate::bundle::observe::is_macaroon_name(name)
}

/// What bundle.json declares, once parsed.
pub(crate) struct Declared {
    pub json: Option<BundleJson>,
    pub network: Option<Network>,
}

/// The checks that look only at file contents (shared by both sources).
fn check_contents(c: &mut Checker, files: &Files, strays: &[String], opts: &VerifyOptions) {
    let declared = c.run("bundle.json", |f| check_bundle_json(files, opts, f));
    c.run("files", |f| {
        files::check_present(files, strays, &declared, f)
    });
    c.run("sha256", |f| files::check_hashes(files, &declared, f));
    c.run("tls.cert", |f| {
        credentials::check_cert(files, &declared, opts.now, f)
    });
    c.run("macaroon", |f| {
        credentials::check_macaroon(files, &declared, opts.now, f)
    });
    c.run("accounts", |f| {
        (accounts::check(files, declared.network, f), ())
    });
    c.run("birthday", |f| (files::check_birthday(&declared, f), ()));
    c.run("identity", |f| (identity::check(&declared, f), ()));
}

fn check_bundle_json(files: &Files, opts: &VerifyOptions, f: &mut Findings) -> (String, Declared) {
    let mut declared = Declared {
        json: None,
        network: opts.network,
    };
    let Some(bytes) = files.get(BUNDLE_JSON_FILE) else {
        f.skip("bundle.json is missing");
        if opts.network.is_none() {
            f.warn(
                "without bundle.json or --network the accounts cannot be checked against a network",
            );
        }
        return (String::new(), declared);
    };
    let json = match BundleJson::parse(bytes) {
        Ok(j) => j,
        Err(e) => {
            f.problem(format!("bundle.json is not valid: {e}"));
            return (String::new(), declared);
        }
    };
    if json.format_version > FORMAT_VERSION {
        f.problem(format!(
            "bundle.json has format_version {}; this lsm understands up to {FORMAT_VERSION} (upgrade lsm)",
            json.format_version
        ));
    }
    match json.network.parse::<Network>() {
        Ok(n) => match opts.network {
            Some(want) if want != n => {
                f.problem(format!("bundle.json is for {n}, but --network says {want}"))
            }
            Some(_) => {}
            None => declared.network = Some(n),
        },
        Err(e) => f.problem(format!("bundle.json: {e}")),
    }
    if json.edited_by_hand() {
        f.problem(
            "bundle.json was edited after lsm wrote it: its signer, network, endpoint, scope or \
             macaroon fields no longer match its seal (described_sha256); export it again \
             (lsm apply) rather than editing it",
        );
    }
    if json.macaroon_file != format!("{}.macaroon", json.scope) {
        f.problem(format!(
            "bundle.json names the macaroon {}, but scope {} means {}.macaroon",
            json.macaroon_file, json.scope, json.scope
        ));
    }
    let detail = format!(
        "{} for signer {}, endpoint {}, scope {}",
        json.network, json.signer, json.rpc_endpoint, json.scope
    );
    declared.json = Some(json);
    (detail, declared)
}

fn check_archive_beside(
    c: &mut Checker,
    layout: &BundleLayout,
    observed: &ObservedBundle,
    files: &Files,
) {
    let Some(archive) = &observed.archive else {
        return;
    };
    let name = layout.archive_name();
    c.run("archive", |f| {
        match crate::bundle::archive::extract(&archive.bytes) {
            Err(e) => f.problem(format!("{name} beside the directory cannot be read: {e}")),
            Ok(entries) => {
                let inside: Files = entries.into_iter().collect();
                let differ: Vec<&str> = inside
                    .keys()
                    .chain(files.keys())
                    .filter(|n| inside.get(*n) != files.get(*n))
                    .map(String::as_str)
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                if !differ.is_empty() {
                    f.problem(format!(
                        "{name} beside the directory does not match it ({} differ{}); run lsm apply or re-export",
                        differ.join(", "),
                        if differ.len() == 1 { "s" } else { "" }
                    ));
                }
            }
        }
        if archive.mode != crate::bundle::FILE_MODE {
            f.problem(format!(
                "{name} has mode {:04o}; it holds the macaroon, so it must be 0600",
                archive.mode
            ));
        }
        (format!("{name} matches the directory"), ())
    });
}
