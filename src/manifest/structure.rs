//! The structural check: walks the parsed TOML against the JSON Schema
//! generated from the raw types and reports EVERY unknown key, wrong type,
//! bad enum value, out-of-range number, bad length and missing required key,
//! each at its exact span. Driving the walk from the generated schema keeps
//! one description of the format: a key added to `raw.rs` is known here
//! automatically.
//!
//! String patterns are deliberately not interpreted here: `fields.rs` checks
//! those formats with precise messages (a test keeps both in agreement).
//!
//! Afterwards `prune` removes every offending entry, so serde can deserialize
//! the rest and the semantic checks can still report their own problems.

use super::problem::{KeyPath, Problem, Segment};
use super::schema::{Kind, json_schema};
use crate::diagnostic::{did_you_mean, quote};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Schema keywords the walker enforces.
#[cfg(test)]
const ENFORCED_KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "const",
    "enum",
    "oneOf",
    "anyOf",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
];
/// Keywords that are annotations, or checked elsewhere with precise
/// messages: `pattern` and `not` (formats) in fields.rs, `uniqueItems` and
/// the cross-key `allOf`/`if`/`then`/`else`/`minItems` (schema_rules.rs) in
/// the resolver. A unit test below keeps the two in agreement.
#[cfg(test)]
const OTHER_KNOWN_KEYWORDS: &[&str] = &[
    "$schema",
    "$defs",
    "title",
    "description",
    "default",
    "examples",
    "format",
    "pattern",
    "not",
    "uniqueItems",
    "minItems",
    "allOf",
    "if",
    "then",
    "else",
];

/// Checks the whole document against the schema of its kind.
pub(crate) fn check(kind: Kind, root: &Spanned<DeTable<'_>>) -> Vec<Problem> {
    let walker = Walker::new(json_schema(kind));
    let mut out = Vec::new();
    walker.table(
        walker.root,
        root.get_ref(),
        root.span(),
        &KeyPath::root(),
        &mut out,
    );
    out
}

/// What the schema expects at a key path, for help where there is no
/// parsed value to check (a TOML syntax error).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Expected {
    /// JSON types accepted (`"string"`, `"boolean"`, ...); empty when any.
    pub types: BTreeSet<String>,
    /// The exact values allowed, as TOML literals (enumerations).
    pub allowed: Vec<String>,
    /// A valid value to show, as TOML.
    pub example: Option<String>,
}

/// What the schema expects at `path`, `None` for a key it does not know.
pub(crate) fn expected_at(kind: Kind, path: &KeyPath) -> Option<Expected> {
    let walker = Walker::new(json_schema(kind));
    let schema = walker.schema_at(path)?;
    let types: BTreeSet<String> = walker
        .types(schema)
        .unwrap_or_default()
        .into_iter()
        .map(String::from)
        .collect();
    let allowed: Vec<String> = walker
        .allowed_values(schema)
        .unwrap_or_default()
        .into_iter()
        .map(toml_literal)
        .collect();
    let example = walker
        .annotation(schema, "default")
        .map(toml_literal)
        .or_else(|| allowed.first().cloned())
        .or_else(|| {
            let only = |t: &str| types.len() == 1 && types.contains(t);
            if only("boolean") {
                Some("true".into())
            } else if only("integer") {
                Some("1".into())
            } else if only("string") {
                Some("\"...\"".into())
            } else {
                None
            }
        });
    Some(Expected {
        types,
        allowed,
        example,
    })
}

/// Removes every entry a problem points into, so what remains has the
/// types serde expects.
pub(crate) fn prune(root: &mut DeTable<'_>, problems: &[Problem]) {
    for p in problems {
        let entry = p.path.entry();
        let keys: Vec<&str> = entry
            .0
            .iter()
            .filter_map(|s| match s {
                Segment::Key(k) => Some(k.as_str()),
                Segment::Index(_) => None,
            })
            .collect();
        remove_entry(root, &keys);
    }
}

fn remove_entry(table: &mut DeTable<'_>, keys: &[&str]) {
    match keys {
        [] => {}
        [last] => {
            table.remove(*last);
        }
        [first, rest @ ..] => {
            if let Some(DeValue::Table(t)) = table.get_mut(*first).map(|v| v.get_mut()) {
                remove_entry(t, rest);
            }
        }
    }
}

struct Walker<'s> {
    root: &'s Value,
    /// Every (table path, key) the schema defines, for "belongs in" hints.
    all_keys: Vec<(String, String)>,
}

impl<'s> Walker<'s> {
    fn new(root: &'s Value) -> Self {
        let mut w = Walker {
            root,
            all_keys: Vec::new(),
        };
        let mut all = Vec::new();
        w.collect_keys(root, "", &mut all, 0);
        w.all_keys = all;
        w
    }

    fn collect_keys(
        &self,
        schema: &Value,
        table: &str,
        out: &mut Vec<(String, String)>,
        depth: usize,
    ) {
        let s = self.resolve(schema);
        let Some(props) = s.get("properties").and_then(Value::as_object) else {
            return;
        };
        for (k, sub) in props {
            out.push((table.to_string(), k.clone()));
            if depth < 3 {
                let name = if table.is_empty() {
                    k.clone()
                } else {
                    format!("{table}.{k}")
                };
                self.collect_keys(sub, &name, out, depth + 1);
            }
        }
    }

    /// The schema of the value at `path`: through `properties`, an object
    /// `additionalProperties`, and `items` for array indexes.
    fn schema_at(&self, path: &KeyPath) -> Option<&Value> {
        let mut schema = self.root;
        for seg in &path.0 {
            let s = self.resolve(schema);
            schema = match seg {
                Segment::Key(k) => s
                    .get("properties")
                    .and_then(|p| p.get(k))
                    .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))?,
                Segment::Index(_) => s.get("items")?,
            };
        }
        Some(schema)
    }

    /// Follows `$ref`s to the schema that carries the constraints.
    fn resolve<'a>(&'a self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..16 {
            let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
                return schema;
            };
            let Some(target) = r
                .strip_prefix("#/$defs/")
                .and_then(|name| self.root.get("$defs")?.get(name))
            else {
                return schema;
            };
            schema = target;
        }
        schema
    }

    /// An annotation on the field or, failing that, on its referenced type.
    fn annotation<'a>(&'a self, schema: &'a Value, key: &str) -> Option<&'a Value> {
        schema.get(key).or_else(|| self.resolve(schema).get(key))
    }

    /// The exact values allowed, when the schema is an enumeration.
    fn allowed_values<'a>(&'a self, schema: &'a Value) -> Option<Vec<&'a Value>> {
        let s = self.resolve(schema);
        if let Some(Value::Array(values)) = s.get("enum") {
            return Some(values.iter().collect());
        }
        if let Some(c) = s.get("const") {
            return Some(vec![c]);
        }
        let branches = s.get("oneOf").or_else(|| s.get("anyOf"))?.as_array()?;
        branches
            .iter()
            .map(|b| self.resolve(b).get("const"))
            .collect::<Option<Vec<_>>>()
    }

    /// The JSON types a schema accepts; `None` means any.
    fn types<'a>(&'a self, schema: &'a Value) -> Option<BTreeSet<&'a str>> {
        let s = self.resolve(schema);
        match s.get("type") {
            Some(Value::String(t)) => return Some(BTreeSet::from([t.as_str()])),
            Some(Value::Array(ts)) => return Some(ts.iter().filter_map(Value::as_str).collect()),
            _ => {}
        }
        if let Some(values) = self.allowed_values(s) {
            return Some(values.iter().map(|v| json_type(v)).collect());
        }
        let branches = s.get("oneOf").or_else(|| s.get("anyOf"))?.as_array()?;
        let mut all = BTreeSet::new();
        for b in branches {
            all.extend(self.types(b)?);
        }
        Some(all)
    }

    fn describe(&self, schema: &Value) -> String {
        if let Some(values) = self.allowed_values(schema) {
            let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            return match shown.as_slice() {
                [one] => one.clone(),
                _ => format!("one of {}", shown.join(", ")),
            };
        }
        match self.types(schema) {
            Some(types) => {
                let mut nouns: Vec<String> = TYPE_ORDER
                    .iter()
                    .filter(|t| types.contains(**t))
                    .map(|t| type_noun(t).to_string())
                    .collect();
                if types.contains("array")
                    && let Some(items) = self.resolve(schema).get("items")
                    && nouns.len() == 1
                {
                    nouns = vec![format!("an array of {}", plural(&self.describe(items)))];
                }
                join_or(&nouns)
            }
            None => "a value".to_string(),
        }
    }

    /// How to write a correct value, from the schema's default.
    fn example_help(&self, schema: &Value, path: &KeyPath) -> Option<String> {
        let key = path.last_key()?;
        let default = self.annotation(schema, "default")?;
        Some(format!(
            "for example: {} = {}",
            key_text(key),
            toml_literal(default)
        ))
    }

    fn field_help(&self, schema: &Value) -> Option<String> {
        self.annotation(schema, "description")
            .and_then(Value::as_str)
            .map(|d| d.replace('\n', " "))
    }

    fn value(
        &self,
        schema: &Value,
        v: &Spanned<DeValue<'_>>,
        path: &KeyPath,
        out: &mut Vec<Problem>,
    ) {
        let s = self.resolve(schema);
        let span = v.span();

        // A union that is not a plain enumeration: check the branch(es)
        // matching the value's TOML type.
        if self.allowed_values(s).is_none()
            && let Some(branches) = s
                .get("anyOf")
                .or_else(|| s.get("oneOf"))
                .and_then(Value::as_array)
        {
            let kind = toml_kind(v.get_ref());
            let matching: Vec<&Value> = branches
                .iter()
                .filter(|b| self.types(b).is_none_or(|ts| accepts(&ts, kind)))
                .collect();
            if matching.is_empty() {
                out.push(self.type_problem(schema, v, path));
                return;
            }
            let mut best: Option<Vec<Problem>> = None;
            for b in matching {
                let mut found = Vec::new();
                self.value(b, v, path, &mut found);
                if found.is_empty() {
                    return;
                }
                if best.as_ref().is_none_or(|prev| found.len() < prev.len()) {
                    best = Some(found);
                }
            }
            out.extend(best.unwrap_or_default());
            return;
        }

        if let Some(types) = self.types(s)
            && !accepts(&types, toml_kind(v.get_ref()))
        {
            out.push(self.type_problem(schema, v, path));
            return;
        }

        if let Some(values) = self.allowed_values(s)
            && !values
                .iter()
                .any(|allowed| same_value(allowed, v.get_ref()))
        {
            out.push(self.value_problem(schema, &values, v, path));
            return;
        }

        match v.get_ref() {
            DeValue::Table(t) => self.table(s, t, span, path, out),
            DeValue::Array(items) => {
                if let Some(item_schema) = s.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.value(item_schema, item, &path.index(i), out);
                    }
                }
            }
            DeValue::Integer(i) => self.integer(schema, i, span, path, out),
            DeValue::String(text) => self.string(schema, text, span, path, out),
            _ => {}
        }
    }

    fn table(
        &self,
        schema: &Value,
        t: &DeTable<'_>,
        span: Range<usize>,
        path: &KeyPath,
        out: &mut Vec<Problem>,
    ) {
        let s = self.resolve(schema);
        let empty = Map::new();
        let props = s
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let additional = s.get("additionalProperties");
        for (k, v) in t.iter() {
            let key: &str = k.get_ref();
            let child = path.key(key);
            if let Some(sub) = props.get(key) {
                self.value(sub, v, &child, out);
            } else if let Some(extra @ Value::Object(_)) = additional {
                self.value(extra, v, &child, out);
            } else if matches!(additional, Some(Value::Bool(false))) {
                out.push(self.unknown_key(props, key, k.span(), v, path));
            }
        }
        if let Some(required) = s.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !t.contains_key(name) {
                    let sub = props.get(name).unwrap_or(&Value::Null);
                    out.push(self.missing(sub, name, span.clone(), path));
                }
            }
        }
    }

    fn integer(
        &self,
        schema: &Value,
        i: &toml::de::DeInteger<'_>,
        span: Range<usize>,
        path: &KeyPath,
        out: &mut Vec<Problem>,
    ) {
        let Ok(n) = i64::from_str_radix(i.as_str(), i.radix()) else {
            out.push(
                Problem::new(
                    path.clone(),
                    span,
                    format!("`{path}` is out of range for a 64-bit integer"),
                )
                .help("TOML integers are 64-bit signed"),
            );
            return;
        };
        let s = self.resolve(schema);
        let bound = |k: &str| {
            s.get(k).and_then(|b| {
                b.as_i64()
                    .map(i128::from)
                    .or_else(|| b.as_u64().map(i128::from))
            })
        };
        let n = i128::from(n);
        let problem = match (bound("minimum"), bound("maximum")) {
            (Some(min), _) if n < min => Some(format!("`{path}` must be at least {min}, not {n}")),
            (_, Some(max)) if n > max => Some(format!("`{path}` must be at most {max}, not {n}")),
            _ => None,
        };
        if let Some(message) = problem {
            let mut p = Problem::new(path.clone(), span, message);
            p.help = self.field_help(schema);
            out.push(p);
        }
    }

    fn string(
        &self,
        schema: &Value,
        text: &str,
        span: Range<usize>,
        path: &KeyPath,
        out: &mut Vec<Problem>,
    ) {
        let s = self.resolve(schema);
        let len = text.chars().count() as u64;
        let min = s.get("minLength").and_then(Value::as_u64);
        let max = s.get("maxLength").and_then(Value::as_u64);
        let message = match (min, max) {
            (Some(m), _) if len < m && len == 0 => Some(format!("`{path}` must not be empty")),
            (Some(m), _) if len < m => Some(format!(
                "`{path}` is too short: {len} characters, at least {m}"
            )),
            (_, Some(m)) if len > m => Some(format!(
                "`{path}` is too long: {len} characters, at most {m}"
            )),
            _ => None,
        };
        if let Some(message) = message {
            let mut p = Problem::new(path.clone(), span, message);
            p.help = self.field_help(schema);
            out.push(p);
        }
    }

    fn type_problem(&self, schema: &Value, v: &Spanned<DeValue<'_>>, path: &KeyPath) -> Problem {
        let expected = self.describe(schema);
        let found = v.get_ref();
        let message = format!("`{path}` must be {expected}, not {}", found_text(found));
        let wants_table = self
            .types(schema)
            .is_some_and(|t| t.len() == 1 && t.contains("object"));
        let help = if wants_table && !path.is_root() {
            Some(format!(
                "write it as a table: [{path}] followed by its keys"
            ))
        } else if matches!(found, DeValue::Float(_))
            && self.types(schema).is_some_and(|t| t.contains("string"))
        {
            Some("write decimal numbers as strings here, e.g. \"0.5\"".to_string())
        } else if matches!(found, DeValue::Table(_)) && path.last_key().is_some() {
            Some(format!(
                "`{}` is a single value, not a table; check for a [{path}] header or a dotted key",
                key_text(path.last_key().unwrap_or_default())
            ))
        } else {
            self.example_help(schema, path)
                .or_else(|| self.field_help(schema))
        };
        let mut p = Problem::new(path.clone(), v.span(), message);
        p.help = help;
        p
    }

    fn value_problem(
        &self,
        schema: &Value,
        allowed: &[&Value],
        v: &Spanned<DeValue<'_>>,
        path: &KeyPath,
    ) -> Problem {
        let shown = found_text(v.get_ref());
        if let [only] = allowed {
            let mut p = Problem::new(
                path.clone(),
                v.span(),
                format!("`{path}` must be {only}, not {shown}"),
            );
            p.help = self.field_help(schema);
            return p;
        }
        let names: Vec<&str> = allowed.iter().filter_map(|a| a.as_str()).collect();
        let list = names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let message = format!("`{path}` has an unknown value {shown}");
        let help = match v
            .get_ref()
            .as_str()
            .and_then(|s| did_you_mean(s, names.iter().copied()))
        {
            Some(best) => format!("did you mean \"{best}\"? (allowed: {list})"),
            None => format!("use one of {list}"),
        };
        Problem::new(path.clone(), v.span(), message).help(help)
    }

    fn unknown_key(
        &self,
        props: &Map<String, Value>,
        key: &str,
        span: Range<usize>,
        v: &Spanned<DeValue<'_>>,
        table: &KeyPath,
    ) -> Problem {
        let is_table = matches!(v.get_ref(), DeValue::Table(_));
        let path = table.key(key);
        let message = if is_table {
            format!("unknown table [{path}]")
        } else {
            format!("unknown key `{}` in {}", key_text(key), table.table_name())
        };
        let here = table.to_string();
        let help = if let Some(best) = did_you_mean(key, props.keys().map(String::as_str)) {
            format!("did you mean `{}`?", key_text(best))
        } else {
            let elsewhere: Vec<String> = self
                .all_keys
                .iter()
                .filter(|(t, k)| k == key && *t != here)
                .map(|(t, _)| {
                    if t.is_empty() {
                        "the top level".to_string()
                    } else {
                        format!("[{t}]")
                    }
                })
                .collect();
            if !elsewhere.is_empty() {
                format!("`{}` belongs in {}", key_text(key), join_or(&elsewhere))
            } else {
                let mut keys: Vec<&str> = props.keys().map(String::as_str).collect();
                keys.sort_unstable();
                format!(
                    "keys allowed in {}: {}",
                    table.table_name(),
                    keys.join(", ")
                )
            }
        };
        Problem::new(path, span, message).help(help)
    }

    fn missing(&self, schema: &Value, name: &str, span: Range<usize>, table: &KeyPath) -> Problem {
        let path = table.key(name);
        let is_table = self.types(schema).is_some_and(|t| t.contains("object"));
        let message = if is_table {
            format!("missing required table [{path}]")
        } else {
            format!("missing required key `{name}` in {}", table.table_name())
        };
        let help = match self.allowed_values(schema).as_deref() {
            Some([one]) => format!("add {name} = {one}"),
            Some(values) => format!(
                "add {name} = {} (one of {})",
                values[0],
                values
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None if is_table => format!("add a [{path}] table"),
            None => format!("add {name} = {}", self.describe(schema)),
        };
        let mut help = help;
        if let Some(d) = self.field_help(schema) {
            help = format!("{help}; {d}");
        }
        Problem::new(path, span, message).help(help)
    }
}

/// The order types are listed in messages.
const TYPE_ORDER: &[&str] = &["string", "integer", "number", "boolean", "array", "object"];

fn type_noun(t: &str) -> &'static str {
    match t {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "a boolean (true or false)",
        "array" => "an array",
        "object" => "a table",
        _ => "a value",
    }
}

fn plural(described: &str) -> String {
    described
        .strip_prefix("a ")
        .or_else(|| described.strip_prefix("an "))
        .map(|rest| {
            let (word, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            format!("{word}s{}{tail}", if tail.is_empty() { "" } else { " " })
        })
        .unwrap_or_else(|| described.to_string())
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The JSON type a TOML value maps to (`None` for datetimes, which no key accepts).
fn toml_kind(v: &DeValue<'_>) -> Option<&'static str> {
    match v {
        DeValue::String(_) => Some("string"),
        DeValue::Integer(_) => Some("integer"),
        DeValue::Float(_) => Some("number"),
        DeValue::Boolean(_) => Some("boolean"),
        DeValue::Datetime(_) => None,
        DeValue::Array(_) => Some("array"),
        DeValue::Table(_) => Some("object"),
    }
}

fn accepts(types: &BTreeSet<&str>, kind: Option<&str>) -> bool {
    match kind {
        None => false,
        Some("integer") => types.contains("integer") || types.contains("number"),
        Some(k) => types.contains(k),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn same_value(allowed: &Value, v: &DeValue<'_>) -> bool {
    match (allowed, v) {
        (Value::String(a), DeValue::String(b)) => a == b.as_ref(),
        (Value::Bool(a), DeValue::Boolean(b)) => a == b,
        (Value::Number(a), DeValue::Integer(b)) => {
            i64::from_str_radix(b.as_str(), b.radix()).is_ok_and(|b| a.as_i64() == Some(b))
        }
        _ => false,
    }
}

/// What the operator wrote, for messages: `"x"`, `an integer (5)`, ...
fn found_text(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => quote(s),
        DeValue::Integer(i) => format!("an integer ({i})"),
        DeValue::Float(f) => format!("a float ({})", f.as_str()),
        DeValue::Boolean(b) => format!("a boolean ({b})"),
        DeValue::Datetime(_) => "a date-time".to_string(),
        DeValue::Array(_) => "an array".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}

fn key_text(k: &str) -> String {
    KeyPath::of(&[k]).to_string()
}

/// A JSON default shown as TOML.
fn toml_literal(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{}\"", s.escape_debug()),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(toml_literal)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Problem> {
        let root = DeTable::parse(text).expect("valid TOML");
        check(Kind::Signer, &root)
    }

    fn messages(text: &str) -> Vec<String> {
        problems(text)
            .into_iter()
            .map(|p| format!("{}|{}", p.message, p.help.unwrap_or_default()))
            .collect()
    }

    const OK: &str = "version = 1\n[signer]\nnetwork = \"testnet\"\n";

    #[test]
    fn minimal_manifest_passes() {
        assert!(problems(OK).is_empty());
    }

    #[test]
    fn every_keyword_in_the_schema_is_enforced_or_known() {
        fn walk(v: &Value, in_properties: bool, bad: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, sub) in m {
                        let known = in_properties
                            || ENFORCED_KEYWORDS.contains(&k.as_str())
                            || OTHER_KNOWN_KEYWORDS.contains(&k.as_str());
                        if !known {
                            bad.push(k.clone());
                        }
                        // Values of these keywords are data, not schemas.
                        if matches!(
                            k.as_str(),
                            "default" | "examples" | "const" | "enum" | "required"
                        ) {
                            continue;
                        }
                        walk(sub, k == "properties" || k == "$defs", bad);
                    }
                }
                Value::Array(items) => items.iter().for_each(|i| walk(i, false, bad)),
                _ => {}
            }
        }
        let mut bad = Vec::new();
        for kind in Kind::ALL {
            walk(json_schema(*kind), false, &mut bad);
        }
        assert!(
            bad.is_empty(),
            "schema keywords the structural check ignores: {bad:?}"
        );
    }

    #[test]
    fn unknown_keys_get_suggestions() {
        let m = messages(&format!("{OK}sigenr = 1\n[dockr]\n[rpc]\nlistne = \"x\"\n"));
        assert!(
            m.iter()
                .any(|m| m.starts_with("unknown key `sigenr` in [signer]|")),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|m| m == "unknown table [dockr]|did you mean `docker`?"),
            "{m:?}"
        );
        assert!(
            m.iter()
                .any(|m| m == "unknown key `listne` in [rpc]|did you mean `listen`?"),
            "{m:?}"
        );
    }

    #[test]
    fn misplaced_key_says_where_it_belongs() {
        let m = messages("version = 1\nnetwork = \"testnet\"\n[signer]\nnetwork = \"testnet\"\n");
        assert_eq!(
            m,
            ["unknown key `network` in the top level|`network` belongs in [docker] or [signer]"]
        );
    }

    #[test]
    fn types_enums_ranges_lengths_required() {
        let m = messages(
            "version = 2\n[signer]\nnetwork = \"testnt\"\nalias = \"\"\nname = 5\n[macaroon]\nroot_key_id = -1\n[rest]\nenabled = \"yes\"\n",
        );
        let joined = m.join("\n");
        assert!(
            joined.contains("`version` must be 1, not an integer (2)"),
            "{joined}"
        );
        assert!(
            joined.contains(
                "`signer.network` has an unknown value \"testnt\"|did you mean \"testnet\"?"
            ),
            "{joined}"
        );
        assert!(
            joined.contains("`signer.alias` must not be empty"),
            "{joined}"
        );
        assert!(
            joined.contains("`signer.name` must be a string, not an integer (5)"),
            "{joined}"
        );
        assert!(
            joined.contains("`macaroon.root_key_id` must be at least 1, not -1"),
            "{joined}"
        );
        assert!(
            joined.contains("`rest.enabled` must be a boolean (true or false), not \"yes\""),
            "{joined}"
        );
        assert_eq!(m.len(), 6, "{joined}");

        let m = messages("[signer]\nname = \"x\"\n");
        assert!(
            m.iter().any(|m| m
                .starts_with("missing required key `version` in the top level|add version = 1")),
            "{m:?}"
        );
        assert!(
            m.iter().any(|m| m.starts_with(
                "missing required key `network` in [signer]|add network = \"mainnet\""
            )),
            "{m:?}"
        );
    }

    #[test]
    fn extra_config_values() {
        let m = messages(&format!(
            "{OK}[signer.extra_config]\na = 1\nb = \"x\"\nc = [1, \"y\", true]\nd.e = false\nf = 1.5\ng = [[1]]\nh = 1979-05-27\n"
        ));
        let joined = m.join("\n");
        assert!(joined.contains("`signer.extra_config.f` must be a string, an integer, a boolean (true or false), an array or a table, not a float (1.5)|write decimal numbers as strings"), "{joined}");
        assert!(joined.contains("`signer.extra_config.g[0]` must be a string, an integer or a boolean (true or false), not an array"), "{joined}");
        assert!(
            joined.contains("`signer.extra_config.h` must be"),
            "{joined}"
        );
        assert_eq!(m.len(), 3, "{joined}");
    }

    #[test]
    fn prune_removes_offending_entries() {
        let text = "version = 1\n[signer]\nnetwork = \"x\"\nname = \"ok\"\n[macaroon]\npermissions = [1]\n";
        let mut root = DeTable::parse(text).unwrap();
        let found = check(Kind::Signer, &root);
        prune(root.get_mut(), &found);
        let signer = root
            .get_ref()
            .get("signer")
            .unwrap()
            .get_ref()
            .as_table()
            .unwrap();
        assert!(!signer.contains_key("network") && signer.contains_key("name"));
        let mac = root
            .get_ref()
            .get("macaroon")
            .unwrap()
            .get_ref()
            .as_table()
            .unwrap();
        assert!(!mac.contains_key("permissions"));
        assert!(
            check(Kind::Signer, &root)
                .iter()
                .all(|p| p.message.starts_with("missing"))
        );
    }
}
