//! `[signer.extra_config]`: operator-owned lnd.conf options, flattened to
//! lnd's dotted names, refused when lsm manages them (see `managed.rs`),
//! rendered to one lnd.conf value per line.

use super::{Resolver, p};
use crate::manifest::fields;
use crate::manifest::problem::KeyPath;
use crate::manifest::raw::{ExtraScalar, ExtraValue};
use std::collections::BTreeMap;

impl Resolver<'_> {
    pub(super) fn extra_config(
        &mut self,
        raw: Option<&BTreeMap<String, ExtraValue>>,
    ) -> Option<BTreeMap<String, Vec<String>>> {
        let base = p(&[self.node, "extra_config"]);
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
            // A watch-only node routes: announcing its address and
            // bootstrapping peers are the operator's choice there.
            let peer_option =
                ["externalip", "nobootstrap"].contains(&key.to_ascii_lowercase().as_str());
            if let Some(m) = crate::manifest::managed::managed(&key)
                .filter(|_| !(self.node == "watchonly" && peer_option))
            {
                let what = if m.group {
                    format!("lsm manages lnd's {}.* options", m.name)
                } else {
                    format!("lsm manages lnd's {} option", m.name)
                };
                self.report_key(
                    &path,
                    format!(
                        "`{key}` cannot be set in [{}.extra_config]: {what}",
                        self.node
                    ),
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
