//! Whole diagnostics of bad manifests, as `lsm validate` prints them: the
//! `file:line:col`, the source line, the carets, the key, the message and
//! the fix. The other manifest tests check each of these parts; a snapshot
//! also catches a change in the layout that ties them together (and keeps
//! it when the renderer is rewritten). Placeholders: none needed, the
//! manifest lies in a scratch directory named only relatively.

use crate::manifest_util::{Scratch, run, validate};

/// `lsm validate` on `manifest`: what it prints on stderr (exit 1, nothing
/// on stdout), snapshotted as `name` with the manifest as the snapshot's
/// description.
fn assert_diagnostics(name: &str, manifest: &str) {
    let r = validate(manifest);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    insta::with_settings!({ description => visible(manifest), omit_expression => true }, {
        insta::assert_snapshot!(name, r.stderr);
    });
}

/// `text` with control and bidi characters (but not newlines) written as
/// `\u{..}`, so that the .snap file shows what the manifest holds.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if bidi || (c.is_control() && c != '\n') {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[test]
fn a_toml_syntax_error() {
    // A bare word where TOML needs a quoted string.
    assert_diagnostics(
        "a_toml_syntax_error",
        "version = 1\n[signer]\nnetwork = testnet\n",
    );
}

#[test]
fn a_misspelled_key_and_table() {
    assert_diagnostics(
        "a_misspelled_key_and_table",
        "version = 1\n[signer]\nnetwork = \"testnet\"\nnmae = \"x\"\n[dockr]\nimage = \"lnd\"\n",
    );
}

#[test]
fn a_value_of_the_wrong_type_and_out_of_range() {
    assert_diagnostics(
        "a_value_of_the_wrong_type_and_out_of_range",
        "version = 1\n[signer]\nnetwork = \"testnet\"\nname = 5\n[rpc]\nlisten = \"127.0.0.1:70000\"\n",
    );
}

#[test]
fn every_problem_at_once_in_file_order() {
    assert_diagnostics(
        "every_problem_at_once_in_file_order",
        "version = 3\n[signer]\nnetwork = \"testnt\"\nnmae = \"x\"\n[rpc]\n\
         listen = \"localhost:1\"\n[macaroon]\nscope = \"custom\"\n\
         permissions = [\"wallet:read\"]\n[bundle]\narchive = \"yes\"\n",
    );
}

#[test]
fn wide_characters_keep_the_carets_aligned_and_bidi_is_escaped() {
    // The second bad permission follows wide characters on its line, and
    // carries a right-to-left override that must not reorder the output.
    assert_diagnostics(
        "wide_characters_keep_the_carets_aligned_and_bidi_is_escaped",
        "version = 1\n[signer]\nnetwork = \"testnet\"\n[macaroon]\nscope = \"custom\"\n\
         permissions = [\"署名者:read\", \"signer:gen\u{202e}erate\"]\n",
    );
}

#[test]
fn json_problems_of_a_bad_manifest() {
    let s = Scratch::new();
    s.write(
        "signer.toml",
        "version = 1\n[signer]\nnetwork = \"x\"\n[rpc]\nlisten = 5\n",
    );
    let r = run(s.lsm(&["validate", "--json"]));
    assert_eq!(r.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    insta::assert_json_snapshot!(doc);
}
