//! Resolution: raw manifest + versions.env layers + defaults → [`Resolved`],
//! recording where each value came from. Every field is resolved even when
//! another one fails, so all problems are reported together; the result is
//! built only when every field resolved.
//!
//! This module holds the field machinery (defaults, parsing, provenance,
//! reporting) and the order tables are resolved in; `sections` resolves each
//! table, `extra_config` the operator's lnd.conf options.

use super::defaults;
use super::document::Document;
use super::enums::Runtime;
use super::fields::{self, FieldError, FieldResult, PathBase};
use super::problem::{KeyPath, Problem};
use super::provenance::{Provenance, Source};
use super::raw;
use super::resolved::{Resolved, Rest};
use super::rules;
use super::versions_env::{VersionKey, Versions, VersionsOrigin};

mod extra_config;
mod sections;
mod watchonly;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;

/// Everything resolution needs besides the raw manifest.
pub(crate) struct Context<'a> {
    pub doc: &'a Document<'a>,
    /// Entries the structural check rejected (and pruned): not defaulted,
    /// and rules depending on them are skipped to avoid follow-on noise.
    pub poisoned: &'a [KeyPath],
    /// versions.env layers, lowest precedence first.
    pub versions: &'a [Versions],
    pub base: PathBase<'a>,
}

/// The defaults that differ between the kinds of node.
pub(super) struct NodeDefaults {
    pub name: &'static str,
    pub alias: &'static str,
    pub chain_backend: super::enums::ChainBackend,
    pub lnd_dir: &'static str,
    pub rpc_listen: &'static str,
    pub rest_listen: &'static str,
    pub secrets_dir: &'static str,
    /// TLS names the certificate carries besides the node's name.
    pub tls_extra_domain: &'static [&'static str],
}

const SIGNER_DEFAULTS: NodeDefaults = NodeDefaults {
    name: defaults::SIGNER_NAME,
    alias: defaults::ALIAS,
    chain_backend: defaults::CHAIN_BACKEND,
    lnd_dir: defaults::LND_DIR,
    rpc_listen: defaults::RPC_LISTEN,
    rest_listen: defaults::REST_LISTEN,
    secrets_dir: defaults::SECRETS_DIR,
    tls_extra_domain: &[defaults::TLS_EXTRA_DOMAIN],
};

const WATCHONLY_DEFAULTS: NodeDefaults = NodeDefaults {
    name: defaults::watchonly::NAME,
    alias: defaults::watchonly::ALIAS,
    chain_backend: defaults::watchonly::CHAIN_BACKEND,
    lnd_dir: defaults::watchonly::LND_DIR,
    rpc_listen: defaults::watchonly::RPC_LISTEN,
    rest_listen: defaults::watchonly::REST_LISTEN,
    secrets_dir: defaults::watchonly::SECRETS_DIR,
    tls_extra_domain: &[],
};

/// Resolves the manifest. `None` when any problem was found.
pub(crate) fn resolve(
    raw: &raw::Raw,
    cx: &Context<'_>,
) -> (Option<Resolved>, Provenance, Vec<Problem>) {
    let (node, defaults) = match raw {
        raw::Raw::Signer(_) => ("signer", &SIGNER_DEFAULTS),
        raw::Raw::WatchOnly(_) => ("watchonly", &WATCHONLY_DEFAULTS),
    };
    let mut r = Resolver {
        cx,
        problems: Vec::new(),
        provenance: Provenance::default(),
        node,
        defaults,
    };
    let resolved = match raw {
        raw::Raw::Signer(m) => r.manifest(m),
        raw::Raw::WatchOnly(m) => r.watch_only(m),
    };
    let resolved = if r.problems.is_empty() {
        resolved
    } else {
        None
    };
    (resolved, r.provenance, r.problems)
}

pub(super) struct Resolver<'a> {
    cx: &'a Context<'a>,
    pub(super) problems: Vec<Problem>,
    provenance: Provenance,
    /// The node's top table: `signer` or `watchonly`.
    pub(super) node: &'static str,
    pub(super) defaults: &'static NodeDefaults,
}

fn p(keys: &[&str]) -> KeyPath {
    KeyPath::of(keys)
}

impl<'a> Resolver<'a> {
    /// True when the entry (or a table above it) had a structural problem.
    pub(super) fn poisoned(&self, path: &KeyPath) -> bool {
        self.cx.poisoned.iter().any(|bad| path.starts_with(bad))
    }

    /// Whether the manifest itself contains the key.
    pub(super) fn written(&self, path: &KeyPath) -> bool {
        self.cx.doc.contains(path)
    }

    /// Reports a problem at the key's value (or, for a whole table, its header).
    pub(super) fn report(
        &mut self,
        path: &KeyPath,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.cx.doc.key_or_value_span(path);
        self.problems
            .push(Problem::new(path.clone(), span, message).help(help));
    }

    /// Reports a problem underlining the key name rather than its value.
    pub(super) fn report_key(
        &mut self,
        path: &KeyPath,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self
            .cx
            .doc
            .key_span(path)
            .unwrap_or_else(|| self.cx.doc.span(path));
        self.problems
            .push(Problem::new(path.clone(), span, message).help(help));
    }

    fn report_field(&mut self, path: &KeyPath, e: FieldError) {
        let message = format!("`{path}`: {}", e.reason);
        self.report(path, message, e.help);
    }

    fn source(&mut self, path: &KeyPath, written: bool) {
        let source = match (written, self.cx.doc.location(path)) {
            (true, Some(l)) => Source::Manifest {
                line: l.line,
                column: l.column,
            },
            _ => Source::Default,
        };
        self.provenance.insert(path.to_string(), source);
    }

    /// A typed value from the manifest, else the default.
    fn value<T>(&mut self, path: KeyPath, raw: Option<T>, default: T) -> Option<T> {
        match raw {
            Some(v) => {
                self.source(&path, true);
                Some(v)
            }
            None if self.poisoned(&path) => None,
            None => {
                self.source(&path, false);
                Some(default)
            }
        }
    }

    /// A string from the manifest, else the default text; both go through
    /// `parse` (so a default path with `~` needs a home directory too).
    fn parsed<T>(
        &mut self,
        path: KeyPath,
        raw: Option<&str>,
        default: &str,
        parse: impl Fn(&str) -> FieldResult<T>,
    ) -> Option<T> {
        let (text, written) = match raw {
            Some(t) => (t, true),
            None if self.poisoned(&path) => return None,
            None => (default, false),
        };
        match parse(text) {
            Ok(v) => {
                self.source(&path, written);
                Some(v)
            }
            Err(mut e) => {
                if !written {
                    e.reason = format!(
                        "the default {} for this key cannot be used: {}",
                        quote_str(default),
                        e.reason
                    );
                }
                self.report_field(&path, e);
                None
            }
        }
    }

    /// An optional string: parsed when written, `Some(None)` when absent.
    fn optional<T>(
        &mut self,
        path: KeyPath,
        raw: Option<&str>,
        parse: impl Fn(&str) -> FieldResult<T>,
    ) -> Option<Option<T>> {
        match raw {
            None if self.poisoned(&path) => None,
            None => {
                self.source(&path, false);
                Some(None)
            }
            Some(text) => match parse(text) {
                Ok(v) => {
                    self.source(&path, true);
                    Some(Some(v))
                }
                Err(e) => {
                    self.report_field(&path, e);
                    None
                }
            },
        }
    }

    /// A list of strings, each parsed and reported at its own element.
    fn list<T>(
        &mut self,
        path: &KeyPath,
        raw: &[String],
        parse: impl Fn(&str) -> FieldResult<T>,
    ) -> Option<Vec<T>> {
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in raw.iter().enumerate() {
            match parse(item) {
                Ok(v) => out.push(v),
                Err(e) => {
                    self.report_field(&path.index(i), e);
                    ok = false;
                }
            }
        }
        if ok {
            self.source(path, true);
            Some(out)
        } else {
            None
        }
    }

    /// A required key: structural check already reported it when missing.
    fn required<T>(&mut self, path: KeyPath, raw: Option<T>) -> Option<T> {
        match raw {
            Some(v) => {
                self.source(&path, true);
                Some(v)
            }
            None => {
                if !self.poisoned(&path) {
                    self.report(
                        &path,
                        format!("missing required key `{path}`"),
                        format!("add `{path}` to the manifest"),
                    );
                }
                None
            }
        }
    }

    fn manifest(&mut self, raw: &raw::Manifest) -> Option<Resolved> {
        let version = self.required(p(&["version"]), raw.version.map(|_| raw::FORMAT_VERSION));
        let signer = self.signer(raw.signer.as_ref());
        let runtime = signer
            .as_ref()
            .map(|s| s.runtime)
            .or_else(|| self.runtime_hint(raw.signer.as_ref().and_then(|s| s.runtime)));
        let backend = signer.as_ref().map(|s| s.chain_backend);
        let network = signer.as_ref().map(|s| s.network);
        let name = signer.as_ref().map(|s| s.name.as_str());

        let docker = self.docker(raw.docker.as_ref(), runtime, name);
        let native = self.native(raw.native.as_ref(), runtime);
        let neutrino = self.neutrino(raw.neutrino.as_ref(), backend, network);
        let bitcoind = self.bitcoind(raw.bitcoind.as_ref(), backend);
        let btcd = self.btcd(raw.btcd.as_ref(), backend);
        let rpc_listen = self.rpc_listen(raw.rpc.as_ref().and_then(|r| r.listen.as_deref()));
        let rpc = self.rpc(raw.rpc.as_ref(), name, rpc_listen);
        let rest = self.rest(raw.rest.as_ref());
        let secrets_dir =
            self.secrets_dir(raw.wallet.as_ref().and_then(|w| w.secrets_dir.as_deref()));
        let wallet = self.wallet(raw.wallet.as_ref(), secrets_dir.clone());
        let macaroon = self.macaroon(raw.macaroon.as_ref());
        let bundle = self.bundle(raw.bundle.as_ref());

        self.listeners_do_not_clash(rpc_listen, &rest, None);
        if let Some(bundle) = &bundle {
            let lnd_dir = native
                .as_ref()
                .and_then(|n| n.as_ref())
                .map(|n| n.lnd_dir.as_path());
            rules::bundle_never_holds_secrets(self, bundle, secrets_dir.as_deref(), lnd_dir);
        }

        Some(Resolved {
            version: version?,
            signer: signer?,
            neutrino: neutrino?,
            bitcoind: bitcoind?,
            btcd: btcd?,
            docker: docker?,
            native: native?,
            rpc: rpc?,
            rest: rest?,
            wallet: wallet?,
            macaroon: macaroon?,
            bundle: bundle?,
            watchonly: None,
        })
    }

    fn rpc_listen(&mut self, raw: Option<&str>) -> Option<std::net::SocketAddr> {
        self.parsed(
            p(&["rpc", "listen"]),
            raw,
            self.defaults.rpc_listen,
            fields::bind,
        )
    }

    fn secrets_dir(&mut self, raw: Option<&str>) -> Option<std::path::PathBuf> {
        let base = self.cx.base.clone();
        self.parsed(
            p(&["wallet", "secrets_dir"]),
            raw,
            self.defaults.secrets_dir,
            |s| fields::own_dir(s, &base),
        )
    }

    /// No two of the node's listeners may take the same host port.
    fn listeners_do_not_clash(
        &mut self,
        rpc: Option<std::net::SocketAddr>,
        rest: &Option<Rest>,
        p2p: Option<std::net::SocketAddr>,
    ) {
        let rest = rest.as_ref().and_then(|r| r.listen);
        if let (Some(rpc), Some(rest)) = (rpc, rest) {
            rules::binds_do_not_clash(self, rpc, rest);
        }
        for other in [rpc, rest].into_iter().flatten() {
            if let Some(p2p) = p2p {
                rules::p2p_does_not_clash(self, p2p, other);
            }
        }
    }

    /// The runtime when `[signer]` as a whole failed but its runtime key is
    /// fine, so the runtime tables are still checked.
    fn runtime_hint(&self, raw: Option<Runtime>) -> Option<Runtime> {
        let path = p(&[self.node, "runtime"]);
        if self.poisoned(&path) {
            return None;
        }
        Some(raw.unwrap_or(defaults::RUNTIME))
    }
    /// Provenance under one key for a value written at another path (a
    /// flattened extra_config key written as a nested table).
    fn source_at(&mut self, shown: &KeyPath, written_at: &KeyPath) {
        let source = match self.cx.doc.location(written_at) {
            Some(l) => Source::Manifest {
                line: l.line,
                column: l.column,
            },
            None => Source::Default,
        };
        self.provenance.insert(shown.to_string(), source);
    }

    /// Gates a runtime or backend table on its selector: `Some(true)` when
    /// selected (resolve it), `Some(false)` when not (absent), `None` when
    /// the selector is unknown or the table is set but not selected
    /// (reported here).
    fn section(
        &mut self,
        table: &str,
        present: bool,
        selected: Option<bool>,
        selector: &str,
        value: &str,
    ) -> Option<bool> {
        let selected = selected?;
        let selector = format!("{}.{selector}", self.node);
        if present && !selected {
            self.report_key(
                &p(&[table]),
                format!("[{table}] is set but {selector} is not \"{value}\""),
                format!("remove the [{table}] table, or set {selector} = \"{value}\""),
            );
            return None;
        }
        Some(selected)
    }
    /// A value the manifest may set, else the highest versions.env layer.
    fn versioned(
        &mut self,
        path: KeyPath,
        raw: Option<&str>,
        key: VersionKey,
        parse: fn(&str) -> FieldResult<String>,
    ) -> Option<String> {
        if let Some(text) = raw {
            return match parse(text) {
                Ok(v) => {
                    self.source(&path, true);
                    Some(v)
                }
                Err(e) => {
                    self.report_field(&path, e);
                    None
                }
            };
        }
        if self.poisoned(&path) {
            return None;
        }
        let found = self
            .cx
            .versions
            .iter()
            .rev()
            .find_map(|layer| layer.get(key).map(|v| (layer, v)));
        match found {
            Some((layer, v)) => {
                let source = match &layer.origin {
                    VersionsOrigin::Embedded => Source::EmbeddedVersions,
                    VersionsOrigin::File(file) => Source::VersionsFile {
                        path: file.clone(),
                        line: v.line,
                    },
                };
                self.provenance.insert(path.to_string(), source);
                Some(v.value.clone())
            }
            None => {
                self.report(
                    &path,
                    format!(
                        "`{path}` is not set and no versions.env defines {}",
                        key.name()
                    ),
                    format!(
                        "set `{path}` in the manifest, or {}=... in a versions.env beside it",
                        key.name()
                    ),
                );
                None
            }
        }
    }
    /// Refuses a list that names the same thing twice (reported at the repeat).
    fn unique<T: Eq + Hash + std::fmt::Display>(
        &mut self,
        path: &KeyPath,
        items: Vec<T>,
    ) -> Option<Vec<T>> {
        let found = repeats(&items);
        for &(i, first) in &found {
            self.report(
                &path.index(i),
                format!("`{path}` lists {} twice", items[i]),
                format!(
                    "remove the repeat; it is first listed as {}",
                    path.index(first)
                ),
            );
        }
        found.is_empty().then_some(items)
    }
}

/// `(index, index of its first occurrence)` for every item seen before,
/// in one pass with a set: a list of 40,000 permissions must not cost
/// 800 million comparisons.
fn repeats<T: Eq + Hash>(items: &[T]) -> Vec<(usize, usize)> {
    let mut first: HashMap<&T, usize> = HashMap::with_capacity(items.len());
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match first.entry(item) {
            Entry::Occupied(e) => out.push((i, *e.get())),
            Entry::Vacant(e) => {
                e.insert(i);
            }
        }
    }
    out
}

fn quote_str(s: &str) -> String {
    crate::diagnostic::quote(s)
}

#[cfg(test)]
mod tests {
    use super::repeats;
    use std::cell::Cell;
    use std::hash::{Hash, Hasher};

    thread_local! {
        static COMPARISONS: Cell<usize> = const { Cell::new(0) };
    }

    /// An item that counts how often it is compared.
    #[derive(Debug)]
    struct Counted(u32);

    impl PartialEq for Counted {
        fn eq(&self, other: &Self) -> bool {
            COMPARISONS.with(|c| c.set(c.get() + 1));
            self.0 == other.0
        }
    }
    impl Eq for Counted {}
    impl Hash for Counted {
        fn hash<H: Hasher>(&self, h: &mut H) {
            self.0.hash(h);
        }
    }

    #[test]
    fn finds_every_repeat_with_its_first_position() {
        let items = ["a", "b", "a", "c", "b", "a"];
        assert_eq!(repeats(&items), [(2, 0), (4, 1), (5, 0)]);
        assert!(repeats::<&str>(&[]).is_empty());
    }

    #[test]
    fn comparisons_grow_linearly_not_quadratically() {
        let n = 20_000;
        let items: Vec<Counted> = (0..n).map(Counted).chain([Counted(7)]).collect();
        COMPARISONS.with(|c| c.set(0));
        assert_eq!(repeats(&items), [(n as usize, 7)]);
        // Pairwise search would make ~n²/2 = 200 million comparisons.
        let made = COMPARISONS.with(Cell::get);
        assert!(made <= 2 * n as usize, "{made} comparisons for {n} items");
    }
}
