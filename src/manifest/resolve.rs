//! Resolution: raw manifest + versions.env layers + defaults → [`Resolved`],
//! recording where each value came from. Every field is resolved even when
//! another one fails, so all problems are reported together; the result is
//! built only when every field resolved.

use super::defaults;
use super::document::Document;
use super::enums::{ChainBackend, MacaroonScope, Runtime};
use super::fields::{self, FieldError, FieldResult, PathBase};
use super::problem::{KeyPath, Problem};
use super::provenance::{Provenance, Source};
use super::raw::{self, ExtraScalar, ExtraValue};
use super::resolved::*;
use super::rules;
use super::versions_env::{VersionKey, Versions, VersionsOrigin};
use crate::lnd::permissions::{self, Permission};
use std::collections::BTreeMap;

/// Everything resolution needs besides the raw manifest.
pub struct Context<'a> {
    pub doc: &'a Document<'a>,
    /// Entries the structural check rejected (and pruned): not defaulted,
    /// and rules depending on them are skipped to avoid follow-on noise.
    pub poisoned: &'a [KeyPath],
    /// versions.env layers, lowest precedence first.
    pub versions: &'a [Versions],
    pub base: PathBase<'a>,
}

/// Resolves the manifest. `None` when any problem was found.
pub fn resolve(
    raw: &raw::Manifest,
    cx: &Context<'_>,
) -> (Option<Resolved>, Provenance, Vec<Problem>) {
    let mut r = Resolver {
        cx,
        problems: Vec::new(),
        provenance: Provenance::default(),
    };
    let resolved = r.manifest(raw);
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
            .or_else(|| self.runtime_hint(raw));
        let backend = signer.as_ref().map(|s| s.chain_backend);
        let network = signer.as_ref().map(|s| s.network);

        let docker = self.docker(raw, runtime, signer.as_ref().map(|s| s.name.as_str()));
        let native = self.native(raw, runtime);
        let neutrino = self.neutrino(raw, backend, network);
        let bitcoind = self.bitcoind(raw, backend);
        let rpc_listen = self.parsed(
            p(&["rpc", "listen"]),
            raw.rpc.as_ref().and_then(|r| r.listen.as_deref()),
            defaults::RPC_LISTEN,
            fields::bind,
        );
        let rpc = self.rpc(
            raw.rpc.as_ref(),
            signer.as_ref().map(|s| s.name.as_str()),
            rpc_listen,
        );
        let rest = self.rest(raw.rest.as_ref());
        let base = self.cx.base.clone();
        let secrets_dir = self.parsed(
            p(&["wallet", "secrets_dir"]),
            raw.wallet.as_ref().and_then(|w| w.secrets_dir.as_deref()),
            defaults::SECRETS_DIR,
            |s| fields::path(s, &base),
        );
        let wallet = self.wallet(raw.wallet.as_ref(), secrets_dir.clone());
        let macaroon = self.macaroon(raw.macaroon.as_ref());
        let bundle = self.bundle(raw.bundle.as_ref());

        if let (
            Some(rpc_listen),
            Some(Rest {
                listen: Some(rest_listen),
                ..
            }),
        ) = (rpc_listen, &rest)
        {
            rules::binds_do_not_clash(self, rpc_listen, *rest_listen);
        }
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
            docker: docker?,
            native: native?,
            rpc: rpc?,
            rest: rest?,
            wallet: wallet?,
            macaroon: macaroon?,
            bundle: bundle?,
        })
    }

    /// The runtime when `[signer]` as a whole failed but its runtime key is
    /// fine, so the runtime tables are still checked.
    fn runtime_hint(&self, raw: &raw::Manifest) -> Option<Runtime> {
        let path = p(&["signer", "runtime"]);
        if self.poisoned(&path) {
            return None;
        }
        Some(
            raw.signer
                .as_ref()
                .and_then(|s| s.runtime)
                .unwrap_or(defaults::RUNTIME),
        )
    }

    fn signer(&mut self, raw: Option<&raw::SignerTable>) -> Option<Signer> {
        let name = self.parsed(
            p(&["signer", "name"]),
            raw.and_then(|s| s.name.as_deref()),
            defaults::SIGNER_NAME,
            fields::name,
        );
        let network = self.required(p(&["signer", "network"]), raw.and_then(|s| s.network));
        let runtime = self.value(
            p(&["signer", "runtime"]),
            raw.and_then(|s| s.runtime),
            defaults::RUNTIME,
        );
        let alias = self.parsed(
            p(&["signer", "alias"]),
            raw.and_then(|s| s.alias.as_deref()),
            defaults::ALIAS,
            fields::alias,
        );
        let debug_level = self.value(
            p(&["signer", "debug_level"]),
            raw.and_then(|s| s.debug_level),
            defaults::DEBUG_LEVEL,
        );
        let chain_backend = self.value(
            p(&["signer", "chain_backend"]),
            raw.and_then(|s| s.chain_backend),
            defaults::CHAIN_BACKEND,
        );
        let extra_config = self.extra_config(raw.and_then(|s| s.extra_config.as_ref()));
        Some(Signer {
            name: name?,
            network: network?,
            runtime: runtime?,
            alias: alias?,
            debug_level: debug_level?,
            chain_backend: chain_backend?,
            extra_config: extra_config?,
        })
    }

    fn extra_config(
        &mut self,
        raw: Option<&BTreeMap<String, ExtraValue>>,
    ) -> Option<BTreeMap<String, Vec<String>>> {
        let base = p(&["signer", "extra_config"]);
        let mut entries = Vec::new();
        if let Some(table) = raw {
            flatten(&base, "", table, &mut entries);
        }
        // In file order, so a repeat is reported where it repeats.
        entries.sort_by_key(|(path, _, _)| self.cx.doc.span(path).start);
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut first_seen: BTreeMap<String, KeyPath> = BTreeMap::new();
        let mut ok = true;
        for (path, key, value) in entries {
            if let Err(e) = fields::lnd_conf_key(&key) {
                self.report_key(&path, format!("`{path}`: {}", e.reason), e.help);
                ok = false;
                continue;
            }
            if let Some(m) = super::managed::managed(&key) {
                let what = if m.group {
                    format!("lsm manages lnd's {}.* options", m.name)
                } else {
                    format!("lsm manages lnd's {} option", m.name)
                };
                self.report_key(
                    &path,
                    format!("`{key}` cannot be set in [signer.extra_config]: {what}"),
                    m.instead,
                );
                ok = false;
                continue;
            }
            if let Some(first) = first_seen.get(&key.to_ascii_lowercase()) {
                let first = first.to_string();
                self.report_key(
                    &path,
                    format!("lnd option `{key}` is set twice in [signer.extra_config]"),
                    format!(
                        "it is also set as `{first}`; keep one (use an array for repeated options)"
                    ),
                );
                ok = false;
                continue;
            }
            first_seen.insert(key.to_ascii_lowercase(), path.clone());
            let scalars: Vec<&ExtraScalar> = match value {
                ExtraValue::Scalar(s) => vec![s],
                ExtraValue::List(items) => items.iter().collect(),
                ExtraValue::Table(_) => continue,
            };
            if scalars.is_empty() {
                self.report(
                    &path,
                    format!("`{path}` is an empty array, which writes nothing"),
                    "remove the key, or list at least one value",
                );
                ok = false;
                continue;
            }
            let mut rendered = Vec::new();
            for (i, s) in scalars.iter().enumerate() {
                match s {
                    ExtraScalar::Bool(b) => rendered.push(b.to_string()),
                    ExtraScalar::Integer(n) => rendered.push(n.to_string()),
                    ExtraScalar::String(text) => match fields::lnd_conf_value(text) {
                        Ok(v) => rendered.push(v),
                        Err(e) => {
                            let at = if matches!(value, ExtraValue::List(_)) {
                                path.index(i)
                            } else {
                                path.clone()
                            };
                            self.report_field(&at, e);
                            ok = false;
                        }
                    },
                }
            }
            let shown = base.key(&key);
            self.source_at(&shown, &path);
            out.insert(key, rendered);
        }
        ok.then_some(out)
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

    fn docker(
        &mut self,
        raw: &raw::Manifest,
        runtime: Option<Runtime>,
        name: Option<&str>,
    ) -> Option<Option<Docker>> {
        if !self.section(
            "docker",
            raw.docker.is_some(),
            runtime.map(|r| r == Runtime::Docker),
            "signer.runtime",
            "docker",
        )? {
            return Some(None);
        }
        let d = raw.docker.as_ref();
        let image = self.versioned(
            p(&["docker", "image"]),
            d.and_then(|d| d.image.as_deref()),
            VersionKey::LndImage,
            fields::image,
        );
        let version = self.versioned(
            p(&["docker", "version"]),
            d.and_then(|d| d.version.as_deref()),
            VersionKey::LndVersion,
            fields::tag,
        );
        let digest = self.optional(
            p(&["docker", "digest"]),
            d.and_then(|d| d.digest.as_deref()),
            fields::digest,
        );
        let volume = match name {
            Some(n) => self.parsed(
                p(&["docker", "volume"]),
                d.and_then(|d| d.volume.as_deref()),
                &format!("{n}{}", defaults::VOLUME_SUFFIX),
                fields::docker_object_name,
            ),
            None => None,
        };
        let network = self.optional(
            p(&["docker", "network"]),
            d.and_then(|d| d.network.as_deref()),
            fields::docker_object_name,
        );
        let restart = self.value(
            p(&["docker", "restart"]),
            d.and_then(|d| d.restart),
            defaults::RESTART,
        );
        let host = self.optional(
            p(&["docker", "host"]),
            d.and_then(|d| d.host.as_deref()),
            fields::docker_host,
        );
        Some(Some(Docker {
            image: image?,
            version: version?,
            digest: digest?,
            volume: volume?,
            network: network?,
            restart: restart?,
            host: host?,
        }))
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

    fn native(&mut self, raw: &raw::Manifest, runtime: Option<Runtime>) -> Option<Option<Native>> {
        if !self.section(
            "native",
            raw.native.is_some(),
            runtime.map(|r| r == Runtime::Native),
            "signer.runtime",
            "native",
        )? {
            return Some(None);
        }
        let n = raw.native.as_ref();
        let base = self.cx.base.clone();
        let lnd_path = self.parsed(
            p(&["native", "lnd_path"]),
            n.and_then(|n| n.lnd_path.as_deref()),
            defaults::LND_PATH,
            |s| fields::lnd_binary(s, &base),
        );
        let lnd_dir = self.parsed(
            p(&["native", "lnd_dir"]),
            n.and_then(|n| n.lnd_dir.as_deref()),
            defaults::LND_DIR,
            |s| fields::path(s, &base),
        );
        let supervisor = self.value(
            p(&["native", "supervisor"]),
            n.and_then(|n| n.supervisor),
            defaults::SUPERVISOR,
        );
        Some(Some(Native {
            lnd_path: lnd_path?,
            lnd_dir: lnd_dir?,
            supervisor: supervisor?,
        }))
    }

    fn neutrino(
        &mut self,
        raw: &raw::Manifest,
        backend: Option<ChainBackend>,
        network: Option<super::enums::Network>,
    ) -> Option<Option<Neutrino>> {
        if !self.section(
            "neutrino",
            raw.neutrino.is_some(),
            backend.map(|b| b == ChainBackend::Neutrino),
            "signer.chain_backend",
            "neutrino",
        )? {
            return Some(None);
        }
        let n = raw.neutrino.as_ref();
        let peers_path = p(&["neutrino", "peers"]);
        let peers = match n.and_then(|n| n.peers.as_deref()) {
            Some(list) => self.list(&peers_path, list, fields::host_port),
            None if self.poisoned(&peers_path) => None,
            None => {
                self.source(&peers_path, false);
                Some(Vec::new())
            }
        };
        let fee_url = self.optional(
            p(&["neutrino", "fee_url"]),
            n.and_then(|n| n.fee_url.as_deref()),
            fields::url,
        );
        if network == Some(super::enums::Network::Mainnet) && matches!(fee_url, Some(None)) {
            let at = if raw.neutrino.is_some() {
                p(&["neutrino"])
            } else {
                p(&["signer", "chain_backend"])
            };
            self.report(
                &at,
                "neutrino on mainnet needs a fee estimation URL",
                "set [neutrino] fee_url = \"https://...\" (lnd refuses to start neutrino on mainnet without fee.url)",
            );
            return None;
        }
        Some(Some(Neutrino {
            peers: peers?,
            fee_url: fee_url?,
        }))
    }

    fn bitcoind(
        &mut self,
        raw: &raw::Manifest,
        backend: Option<ChainBackend>,
    ) -> Option<Option<Bitcoind>> {
        if !self.section(
            "bitcoind",
            raw.bitcoind.is_some(),
            backend.map(|b| b == ChainBackend::Bitcoind),
            "signer.chain_backend",
            "bitcoind",
        )? {
            return Some(None);
        }
        let Some(b) = raw.bitcoind.as_ref() else {
            if !self.poisoned(&p(&["bitcoind"])) {
                self.report(
                    &p(&["signer", "chain_backend"]),
                    "chain_backend = \"bitcoind\" needs a [bitcoind] table",
                    "add [bitcoind] with rpchost, rpcuser, rpcpass_file, zmqpubrawblock and zmqpubrawtx",
                );
            }
            return None;
        };
        let base = self.cx.base.clone();
        let need = |r: &mut Self,
                    key: &str,
                    value: Option<&str>,
                    parse: &dyn Fn(&str) -> FieldResult<String>|
         -> Option<String> {
            let path = p(&["bitcoind", key]);
            match value {
                Some(_) => r.optional(path, value, parse).flatten(),
                None if r.poisoned(&path) => None,
                None => {
                    r.report(
                        &p(&["bitcoind"]),
                        format!("missing `{key}` in [bitcoind]"),
                        format!("add {key} = ... (needed with chain_backend = \"bitcoind\")"),
                    );
                    None
                }
            }
        };
        let rpchost = need(self, "rpchost", b.rpchost.as_deref(), &fields::host_port);
        let rpcuser = need(self, "rpcuser", b.rpcuser.as_deref(), &|s: &str| {
            if s.is_empty() || s.chars().any(|c| c.is_control() || c.is_whitespace()) {
                Err(FieldError {
                    reason: format!("{} is not a user name", crate::diagnostic::quote(s)),
                    help: "write bitcoind's rpcuser without spaces".into(),
                })
            } else {
                Ok(s.to_string())
            }
        });
        let rpcpass_file = need(
            self,
            "rpcpass_file",
            b.rpcpass_file.as_deref(),
            &|s: &str| fields::path(s, &base).map(|p| p.to_string_lossy().into_owned()),
        );
        let zmqpubrawblock = need(
            self,
            "zmqpubrawblock",
            b.zmqpubrawblock.as_deref(),
            &fields::zmq_endpoint,
        );
        let zmqpubrawtx = need(
            self,
            "zmqpubrawtx",
            b.zmqpubrawtx.as_deref(),
            &fields::zmq_endpoint,
        );
        Some(Some(Bitcoind {
            rpchost: rpchost?,
            rpcuser: rpcuser?,
            rpcpass_file: rpcpass_file?.into(),
            zmqpubrawblock: zmqpubrawblock?,
            zmqpubrawtx: zmqpubrawtx?,
        }))
    }

    fn rpc(
        &mut self,
        raw: Option<&raw::RpcTable>,
        name: Option<&str>,
        listen: Option<std::net::SocketAddr>,
    ) -> Option<Rpc> {
        let ips_path = p(&["rpc", "tls_extra_ips"]);
        let ips = match raw.and_then(|r| r.tls_extra_ips.as_deref()) {
            Some(list) => self
                .list(&ips_path, list, fields::ip)
                .and_then(|v| self.unique(&ips_path, v)),
            None if self.poisoned(&ips_path) => None,
            None => {
                self.source(&ips_path, false);
                Some(Vec::new())
            }
        };
        let domains_path = p(&["rpc", "tls_extra_domains"]);
        let domains = match raw.and_then(|r| r.tls_extra_domains.as_deref()) {
            Some(list) => self
                .list(&domains_path, list, fields::dns_name)
                .and_then(|v| self.unique(&domains_path, v)),
            None if self.poisoned(&domains_path) => None,
            None => name.map(|n| {
                self.source(&domains_path, false);
                let mut d = vec![defaults::TLS_EXTRA_DOMAIN.to_string()];
                if n != defaults::TLS_EXTRA_DOMAIN {
                    d.push(n.to_string());
                }
                d
            }),
        };
        Some(Rpc {
            listen: listen?,
            tls_extra_ips: ips?,
            tls_extra_domains: domains?,
        })
    }

    /// Refuses a list that names the same thing twice (reported at the repeat).
    fn unique<T: PartialEq + std::fmt::Display>(
        &mut self,
        path: &KeyPath,
        items: Vec<T>,
    ) -> Option<Vec<T>> {
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            if let Some(first) = items[..i].iter().position(|x| x == item) {
                self.report(
                    &path.index(i),
                    format!("`{path}` lists {item} twice"),
                    format!("remove the repeat (first at position {})", first + 1),
                );
                ok = false;
            }
        }
        ok.then_some(items)
    }

    fn rest(&mut self, raw: Option<&raw::RestTable>) -> Option<Rest> {
        let enabled = self.value(
            p(&["rest", "enabled"]),
            raw.and_then(|r| r.enabled),
            defaults::REST_ENABLED,
        )?;
        let listen_path = p(&["rest", "listen"]);
        let raw_listen = raw.and_then(|r| r.listen.as_deref());
        if !enabled {
            if raw_listen.is_some() {
                self.report(
                    &listen_path,
                    "`rest.listen` is set but REST is disabled (rest.enabled = false)",
                    "remove rest.listen, or set rest.enabled = true",
                );
                return None;
            }
            self.source(&listen_path, false);
            return Some(Rest {
                enabled,
                listen: None,
            });
        }
        let listen = self.parsed(listen_path, raw_listen, defaults::REST_LISTEN, fields::bind)?;
        Some(Rest {
            enabled,
            listen: Some(listen),
        })
    }

    fn wallet(
        &mut self,
        raw: Option<&raw::WalletTable>,
        secrets_dir: Option<std::path::PathBuf>,
    ) -> Option<Wallet> {
        let auto_unlock = self.value(
            p(&["wallet", "auto_unlock"]),
            raw.and_then(|w| w.auto_unlock),
            defaults::AUTO_UNLOCK,
        );
        let pubkey = self.optional(
            p(&["wallet", "expected_identity_pubkey"]),
            raw.and_then(|w| w.expected_identity_pubkey.as_deref()),
            fields::pubkey,
        );
        Some(Wallet {
            secrets_dir: secrets_dir?,
            auto_unlock: auto_unlock?,
            expected_identity_pubkey: pubkey?,
        })
    }

    fn macaroon(&mut self, raw: Option<&raw::MacaroonTable>) -> Option<Macaroon> {
        let scope = self.value(
            p(&["macaroon", "scope"]),
            raw.and_then(|m| m.scope),
            defaults::MACAROON_SCOPE,
        );
        let root_key_id = self.value(
            p(&["macaroon", "root_key_id"]),
            raw.and_then(|m| m.root_key_id),
            defaults::ROOT_KEY_ID,
        );
        let perms_path = p(&["macaroon", "permissions"]);
        let listed = raw.and_then(|m| m.permissions.as_deref());
        let permissions = match (scope, listed) {
            (None, _) => None,
            (Some(MacaroonScope::Custom), None | Some([])) => {
                if !self.poisoned(&perms_path) {
                    let at = if listed.is_some() {
                        perms_path.clone()
                    } else {
                        p(&["macaroon", "scope"])
                    };
                    self.report(
                        &at,
                        "scope = \"custom\" needs at least one permission",
                        "list them in macaroon.permissions, e.g. [\"signer:generate\", \"signer:read\"]",
                    );
                }
                None
            }
            (Some(MacaroonScope::Custom), Some(list)) => self
                .list(&perms_path, list, fields::permission)
                .and_then(|v| self.unique(&perms_path, v))
                .map(|mut v| {
                    v.sort();
                    v
                }),
            (Some(other), Some(_)) => {
                self.report(
                    &perms_path,
                    format!("`macaroon.permissions` is only used with scope = \"custom\", but scope is \"{other}\""),
                    "remove macaroon.permissions, or set macaroon.scope = \"custom\"",
                );
                None
            }
            (Some(other), None) => {
                self.provenance
                    .insert(perms_path.to_string(), Source::Default);
                Some(scope_permissions(other))
            }
        };
        Some(Macaroon {
            scope: scope?,
            permissions: permissions?,
            root_key_id: root_key_id?,
        })
    }

    fn bundle(&mut self, raw: Option<&raw::BundleTable>) -> Option<Bundle> {
        let base = self.cx.base.clone();
        let path = self.parsed(p(&["bundle", "path"]), raw.and_then(|b| b.path.as_deref()), defaults::BUNDLE_PATH, |s| {
            let dir = fields::path(s, &base)?;
            if dir.file_name().is_none() {
                return Err(FieldError {
                    reason: format!("{} is the file system root", crate::diagnostic::quote(s)),
                    help: "name a directory of its own, e.g. \"~/.lnget/signer/credentials-bundle\"".into(),
                });
            }
            Ok(dir)
        });
        let archive = self.value(
            p(&["bundle", "archive"]),
            raw.and_then(|b| b.archive),
            defaults::BUNDLE_ARCHIVE,
        );
        Some(Bundle {
            path: path?,
            archive: archive?,
        })
    }
}

/// The concrete permission set of a predefined scope.
fn scope_permissions(scope: MacaroonScope) -> Vec<Permission> {
    match scope {
        MacaroonScope::SignerOnly => permissions::signer_only(),
        MacaroonScope::Admin => permissions::admin(),
        MacaroonScope::Custom => Vec::new(),
    }
}

/// `[signer.extra_config]` as (path written, dotted lnd key, value) leaves.
fn flatten<'v>(
    path: &KeyPath,
    prefix: &str,
    table: &'v BTreeMap<String, ExtraValue>,
    out: &mut Vec<(KeyPath, String, &'v ExtraValue)>,
) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let at = path.key(k);
        match v {
            ExtraValue::Table(inner) => flatten(&at, &key, inner, out),
            leaf => out.push((at, key, leaf)),
        }
    }
}

fn quote_str(s: &str) -> String {
    crate::diagnostic::quote(s)
}
