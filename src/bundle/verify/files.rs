//! The bundle as a set of files: are the right ones there, do their hashes
//! match bundle.json, are their modes private, is there a birthday.

use super::{Declared, Files, Findings};
use crate::bundle::observe::{ObservedBundle, is_macaroon_name};
use crate::bundle::{ACCOUNTS_FILE, BUNDLE_JSON_FILE, DIR_MODE, FILE_MODE, TLS_CERT_FILE};
use crate::lnd::fingerprint;
use crate::lnd::macaroon::parse_rfc3339;
use std::time::UNIX_EPOCH;

pub(super) fn check_present(
    files: &Files,
    strays: &[String],
    declared: &Declared,
    f: &mut Findings,
) -> (String, ()) {
    let macaroon = declared.json.as_ref().map(|j| j.macaroon_file.clone());
    let mut required = vec![ACCOUNTS_FILE, TLS_CERT_FILE, BUNDLE_JSON_FILE];
    if let Some(m) = &macaroon {
        required.push(m);
    }
    for name in &required {
        if !files.contains_key(*name) {
            f.problem(format!("{name} is missing"));
        }
    }
    let macaroons: Vec<&String> = files.keys().filter(|n| is_macaroon_name(n)).collect();
    match &macaroon {
        Some(declared_name) => {
            for other in macaroons.iter().filter(|n| **n != declared_name) {
                f.problem(format!(
                    "{other} is in the bundle but bundle.json declares only {declared_name}; \
                     a watch-only node must get exactly one macaroon{}",
                    if *other == "admin.macaroon" {
                        " (and never the admin one by accident)"
                    } else {
                        ""
                    }
                ));
            }
        }
        None if macaroons.is_empty() => f.problem("the bundle holds no macaroon"),
        None if macaroons.len() > 1 => f.problem(format!(
            "the bundle holds {} macaroons ({}); it should hold exactly one",
            macaroons.len(),
            macaroons
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => {}
    }
    for s in strays {
        if crate::bundle::observe::is_own_temp(s) {
            f.warn(format!(
                "{s} is a temp file left by an interrupted write; run lsm apply again to clean it up"
            ));
        } else {
            f.warn(format!("{s} is not part of a credentials bundle"));
        }
    }
    let present: Vec<&str> = files.keys().map(String::as_str).collect();
    (present.join(", "), ())
}

pub(super) fn check_hashes(files: &Files, declared: &Declared, f: &mut Findings) -> (String, ()) {
    let Some(json) = &declared.json else {
        f.skip("no readable bundle.json to compare with");
        return (String::new(), ());
    };
    let mut matched = 0;
    for (name, want) in &json.sha256 {
        match files.get(name) {
            // Missing files are reported by the presence check.
            None => {}
            Some(bytes) => {
                let got = fingerprint::sha256_hex(bytes);
                if got.eq_ignore_ascii_case(want) {
                    matched += 1;
                } else {
                    f.problem(format!(
                        "{name} does not match bundle.json: sha256 {} ≠ {} recorded; the file \
                         was changed or damaged after export",
                        short(&got),
                        short(want)
                    ));
                }
            }
        }
    }
    for name in files.keys() {
        if name != BUNDLE_JSON_FILE && !json.sha256.contains_key(name) {
            f.problem(format!("{name} has no sha256 in bundle.json"));
        }
    }
    (format!("{matched} files match bundle.json"), ())
}

fn short(hex: &str) -> String {
    format!("{}…", hex.get(..16).unwrap_or(hex))
}

pub(super) fn check_modes(observed: &ObservedBundle, f: &mut Findings) -> (String, ()) {
    if let Some(mode) = observed.dir_mode
        && mode != DIR_MODE
    {
        f.problem(format!(
            "the bundle directory has mode {mode:04o}; it must be {DIR_MODE:04o} (chmod 700)"
        ));
    }
    for (name, file) in &observed.files {
        if file.mode != FILE_MODE {
            f.problem(format!(
                "{name} has mode {:04o}; it must be {FILE_MODE:04o} (chmod 600)",
                file.mode
            ));
        }
    }
    (
        format!("directory {DIR_MODE:04o}, files {FILE_MODE:04o}"),
        (),
    )
}

pub(super) fn check_birthday(declared: &Declared, f: &mut Findings) -> String {
    let Some(json) = &declared.json else {
        return f.skip("no readable bundle.json");
    };
    match &json.wallet_birthday {
        None => {
            f.warn(format!(
                "no wallet birthday: {}",
                json.wallet_birthday_note
                    .as_deref()
                    .unwrap_or("the watch-only import will rescan the chain from 2017")
            ));
            "none".into()
        }
        Some(b) => {
            let at = UNIX_EPOCH + std::time::Duration::from_secs(b.unix);
            if parse_rfc3339(&b.rfc3339) != Some(at) {
                f.problem(format!(
                    "bundle.json's wallet birthday disagrees with itself: unix {} but rfc3339 {}",
                    b.unix, b.rfc3339
                ));
            }
            b.rfc3339.clone()
        }
    }
}
