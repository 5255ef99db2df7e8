//! protojson as lnd's REST gateway speaks it (lnrpc.RESTJsonMarshalOpts):
//! output uses proto (snake_case) names, emits every field, writes bytes as
//! standard base64, 64-bit integers as strings and enums by name; input
//! accepts proto names and lowerCamelCase, base64 in either alphabet,
//! 64-bit integers as strings or numbers, and refuses unknown fields.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value;
use std::collections::HashMap;

// ----- output --------------------------------------------------------------

/// A JSON object rendered in proto declaration order (nested objects too),
/// as protojson writes fields.
#[derive(Default)]
pub struct Obj(Vec<(&'static str, String)>);

impl Obj {
    pub fn new() -> Obj {
        Obj(Vec::new())
    }

    fn raw(mut self, name: &'static str, json: String) -> Obj {
        self.0.push((name, json));
        self
    }

    pub fn string(self, name: &'static str, v: &str) -> Obj {
        self.raw(name, quote(v))
    }

    pub fn bytes(self, name: &'static str, v: &[u8]) -> Obj {
        self.raw(name, quote(&STANDARD.encode(v)))
    }

    pub fn u32(self, name: &'static str, v: u32) -> Obj {
        self.raw(name, v.to_string())
    }

    /// int64/uint64: a JSON string.
    pub fn i64(self, name: &'static str, v: i64) -> Obj {
        self.raw(name, quote(&v.to_string()))
    }

    pub fn bool(self, name: &'static str, v: bool) -> Obj {
        self.raw(name, v.to_string())
    }

    pub fn strings<'a>(self, name: &'static str, v: impl IntoIterator<Item = &'a str>) -> Obj {
        let items: Vec<String> = v.into_iter().map(quote).collect();
        self.raw(name, format!("[{}]", items.join(",")))
    }

    pub fn objs(self, name: &'static str, v: impl IntoIterator<Item = Obj>) -> Obj {
        let items: Vec<String> = v.into_iter().map(|o| o.render()).collect();
        self.raw(name, format!("[{}]", items.join(",")))
    }

    /// A proto map field: keys are strings in JSON.
    pub fn map(self, name: &'static str, v: impl IntoIterator<Item = (String, Obj)>) -> Obj {
        let items: Vec<String> = v
            .into_iter()
            .map(|(k, o)| format!("{}:{}", quote(&k), o.render()))
            .collect();
        self.raw(name, format!("{{{}}}", items.join(",")))
    }

    /// Compact JSON.
    pub fn render(&self) -> String {
        let fields: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{}:{v}", quote(k)))
            .collect();
        format!("{{{}}}", fields.join(","))
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

// ----- input ---------------------------------------------------------------

/// The protobuf field kinds the double's requests use.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Bytes,
    Str,
    Bool,
    Int32,
    Uint32,
    Uint64,
    Enum(&'static [&'static str]),
    Message(&'static Schema),
    RepeatedStr,
    RepeatedMessage(&'static Schema),
}

/// A message's fields by proto name.
pub type Schema = [(&'static str, Kind)];

/// A decoded field value.
#[derive(Debug, Clone)]
pub enum Val {
    Bytes(Vec<u8>),
    Str(String),
    Bool(bool),
    Int(i64),
    Uint(u64),
    Message(Decoded),
    Strings(Vec<String>),
    Messages(Vec<Decoded>),
}

/// A decoded message: present fields by proto name.
#[derive(Debug, Clone, Default)]
pub struct Decoded(pub HashMap<&'static str, Val>);

impl Decoded {
    pub fn bytes(&self, f: &str) -> Vec<u8> {
        match self.0.get(f) {
            Some(Val::Bytes(b)) => b.clone(),
            _ => Vec::new(),
        }
    }
    pub fn string(&self, f: &str) -> String {
        match self.0.get(f) {
            Some(Val::Str(s)) => s.clone(),
            _ => String::new(),
        }
    }
    pub fn bool(&self, f: &str) -> bool {
        matches!(self.0.get(f), Some(Val::Bool(true)))
    }
    pub fn int(&self, f: &str) -> i64 {
        match self.0.get(f) {
            Some(Val::Int(i)) => *i,
            _ => 0,
        }
    }
    pub fn uint(&self, f: &str) -> u64 {
        match self.0.get(f) {
            Some(Val::Uint(u)) => *u,
            _ => 0,
        }
    }
    pub fn strings(&self, f: &str) -> Vec<String> {
        match self.0.get(f) {
            Some(Val::Strings(v)) => v.clone(),
            _ => Vec::new(),
        }
    }
    pub fn message(&self, f: &str) -> Option<&Decoded> {
        match self.0.get(f) {
            Some(Val::Message(m)) => Some(m),
            _ => None,
        }
    }
    pub fn messages(&self, f: &str) -> Vec<Decoded> {
        match self.0.get(f) {
            Some(Val::Messages(v)) => v.clone(),
            _ => Vec::new(),
        }
    }
}

/// Decodes a request body as lnd's gateway does: the first JSON value
/// (gojson.rs; an empty body is the empty message), then protojson.
pub fn decode_body(body: &[u8], schema: &'static Schema) -> Result<Decoded, String> {
    let Some(raw) = super::gojson::first_value(body)? else {
        return Ok(Decoded::default());
    };
    let text = String::from_utf8_lossy(raw);
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "proto: syntax error (line {}:{}): {}",
            e.line(),
            e.column(),
            e.to_string().split(" at line").next().unwrap_or_default()
        )
    })?;
    decode_value(&value, schema, &text)
}

fn decode_value(value: &Value, schema: &'static Schema, text: &str) -> Result<Decoded, String> {
    let obj = match value {
        Value::Object(o) => o,
        // protojson wants an object here, even for null.
        other => {
            return Err(format!(
                "proto: syntax error (line 1:1): unexpected token {}",
                raw_token(other)
            ));
        }
    };
    let mut out = Decoded::default();
    for (key, v) in obj {
        let Some((name, kind)) = schema
            .iter()
            .find(|(n, _)| *n == key || camel(n) == *key)
            .copied()
        else {
            return Err(format!(
                "proto: ({}): unknown field {key:?}",
                position(text, key)
            ));
        };
        if v.is_null() {
            continue;
        }
        // protojson (lightninglabs/protobuf-go-hex-display v1.33.0
        // encoding/protojson/decode.go L365, L117–118): a scalar of the
        // wrong type, or a list or message that is not one.
        let bad = || {
            format!(
                "proto: ({}): invalid value for {} type: {}",
                value_position(text, key),
                kind_name(kind),
                raw_token(v)
            )
        };
        let not_a = |open: bool| {
            if open {
                Ok(())
            } else {
                Err(format!(
                    "proto: syntax error ({}): unexpected token {}",
                    value_position(text, key),
                    raw_token(v)
                ))
            }
        };
        match kind {
            Kind::Message(_) => not_a(v.is_object())?,
            Kind::RepeatedStr | Kind::RepeatedMessage(_) => not_a(v.is_array())?,
            _ => {}
        }
        let val = match kind {
            Kind::Bytes => Val::Bytes(v.as_str().and_then(decode_base64).ok_or_else(bad)?),
            Kind::Str => Val::Str(v.as_str().ok_or_else(bad)?.to_string()),
            Kind::Bool => Val::Bool(v.as_bool().ok_or_else(bad)?),
            Kind::Int32 => Val::Int(
                int_of(v)
                    .filter(|i| i32::try_from(*i).is_ok())
                    .ok_or_else(bad)?,
            ),
            Kind::Uint32 => Val::Uint(
                uint_of(v)
                    .filter(|u| u32::try_from(*u).is_ok())
                    .ok_or_else(bad)?,
            ),
            Kind::Uint64 => Val::Uint(uint_of(v).ok_or_else(bad)?),
            Kind::Enum(names) => Val::Int(enum_of(v, names).ok_or_else(bad)?),
            Kind::Message(s) => Val::Message(decode_value(v, s, text)?),
            Kind::RepeatedStr => Val::Strings(
                v.as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|x| {
                        x.as_str().map(str::to_string).ok_or_else(|| {
                            format!(
                                "proto: ({}): invalid value for string type: {}",
                                value_position(text, key),
                                raw_token(x)
                            )
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Kind::RepeatedMessage(s) => Val::Messages(
                v.as_array()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|x| decode_value(x, s, text))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        out.0.insert(name, val);
    }
    Ok(out)
}

/// Decodes URL query parameters like grpc-gateway: proto or JSON names,
/// unknown parameters ignored, bytes as base64 (standard, then URL-safe).
pub fn decode_query(query: &str, schema: &'static Schema) -> Result<Decoded, String> {
    let mut out = Decoded::default();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (url_decode(k), url_decode(v));
        let Some((name, kind)) = schema
            .iter()
            .find(|(n, _)| *n == k || camel(n) == k)
            .copied()
        else {
            continue;
        };
        let bad = |what: &str| format!("{what} for field {name:?}: {v:?}");
        let val = match kind {
            Kind::Bytes => Val::Bytes(
                STANDARD
                    .decode(&v)
                    .or_else(|_| URL_SAFE.decode(&v))
                    .map_err(|e| format!("{e}"))?,
            ),
            Kind::Str => Val::Str(v.clone()),
            Kind::Bool => Val::Bool(v.parse().map_err(|_| bad("invalid bool"))?),
            Kind::Int32 => Val::Int(v.parse::<i32>().map_err(|_| bad("invalid int32"))?.into()),
            Kind::Uint32 => Val::Uint(v.parse::<u32>().map_err(|_| bad("invalid uint32"))?.into()),
            Kind::Uint64 => Val::Uint(v.parse().map_err(|_| bad("invalid uint64"))?),
            Kind::Enum(names) => Val::Int(
                enum_of(&Value::String(v.clone()), names)
                    .or_else(|| v.parse::<i64>().ok())
                    .ok_or_else(|| bad("invalid enum value"))?,
            ),
            Kind::RepeatedStr => {
                let mut list = out.strings(name);
                list.push(v.clone());
                Val::Strings(list)
            }
            Kind::Message(_) | Kind::RepeatedMessage(_) => continue,
        };
        out.0.insert(name, val);
    }
    Ok(out)
}

fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or(""), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// protojson's bytes: standard or URL-safe base64, padded or not.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(s).ok())
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn uint_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn enum_of(v: &Value, names: &[&str]) -> Option<i64> {
    match v {
        Value::String(s) => names.iter().position(|n| n == s).map(|i| i as i64),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Bytes => "bytes",
        Kind::Str | Kind::RepeatedStr => "string",
        Kind::Bool => "bool",
        Kind::Int32 => "int32",
        Kind::Uint32 => "uint32",
        Kind::Uint64 => "uint64",
        Kind::Enum(_) => "enum",
        Kind::Message(_) | Kind::RepeatedMessage(_) => "message",
    }
}

/// lowerCamelCase JSON name of a proto field.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON value as protojson's tokenizer shows it in errors: the opening
/// bracket of a list or object, else the literal.
fn raw_token(v: &Value) -> String {
    match v {
        Value::Array(_) => "[".into(),
        Value::Object(_) => "{".into(),
        other => other.to_string(),
    }
}

/// `line L:C` of the value after a key in the raw body.
fn value_position(text: &str, key: &str) -> String {
    let needle = format!("\"{key}\"");
    let Some(k) = text.find(&needle) else {
        return position(text, key);
    };
    let after = &text[k + needle.len()..];
    let colon = after.find(':').map(|i| i + 1).unwrap_or(0);
    let skip = after[colon..]
        .find(|c: char| !c.is_ascii_whitespace())
        .unwrap_or(0);
    line_col(text, k + needle.len() + colon + skip)
}

fn line_col(text: &str, off: usize) -> String {
    let before = &text[..off];
    let line = before.matches('\n').count() + 1;
    let col = off - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    format!("line {line}:{col}")
}

/// `line L:C` of a key in the raw body, for protojson-style messages.
fn position(text: &str, key: &str) -> String {
    let needle = format!("\"{key}\"");
    let off = text.find(&needle).unwrap_or(0);
    let before = &text[..off];
    let line = before.matches('\n').count() + 1;
    let col = off - before.rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    format!("line {line}:{col}")
}

#[cfg(test)]
mod tests {
    use super::*;

    static INNER: &Schema = &[("entity", Kind::Str), ("action", Kind::Str)];
    static REQ: &Schema = &[
        ("wallet_password", Kind::Bytes),
        ("cipher_seed_mnemonic", Kind::RepeatedStr),
        ("recovery_window", Kind::Int32),
        ("root_key_id", Kind::Uint64),
        ("stateless_init", Kind::Bool),
        ("permissions", Kind::RepeatedMessage(INNER)),
    ];

    #[test]
    fn accepts_proto_and_camel_names() {
        let d = decode_body(
            br#"{"walletPassword":"cGFzc3dvcmQx","cipher_seed_mnemonic":["a","b"],"root_key_id":"18446744073709551615","recoveryWindow":5,"permissions":[{"entity":"info","action":"read"}]}"#,
            REQ,
        )
        .unwrap();
        assert_eq!(d.bytes("wallet_password"), b"password1");
        assert_eq!(d.strings("cipher_seed_mnemonic"), ["a", "b"]);
        assert_eq!(d.uint("root_key_id"), u64::MAX);
        assert_eq!(d.int("recovery_window"), 5);
        assert_eq!(d.messages("permissions")[0].string("action"), "read");
    }

    #[test]
    fn refuses_unknown_fields_and_bad_values() {
        let e = decode_body(br#"{"wallet_password":"cGFzc3dvcmQx","frob":1}"#, REQ).unwrap_err();
        assert_eq!(e, "proto: (line 1:35): unknown field \"frob\"");
        assert_eq!(
            decode_body(br#"{"stateless_init":"yes"}"#, REQ).unwrap_err(),
            "proto: (line 1:19): invalid value for bool type: \"yes\""
        );
        assert_eq!(
            decode_body(br#"{"root_key_id": true}"#, REQ).unwrap_err(),
            "proto: (line 1:17): invalid value for uint64 type: true"
        );
        assert_eq!(
            decode_body(br#"{"permissions":"x"}"#, REQ).unwrap_err(),
            "proto: syntax error (line 1:16): unexpected token \"x\""
        );
        assert_eq!(
            decode_body(b"[]", REQ).unwrap_err(),
            "proto: syntax error (line 1:1): unexpected token ["
        );
        // json.Decoder's words for broken JSON, protojson's for the rest.
        assert_eq!(decode_body(b"{", REQ).unwrap_err(), "unexpected EOF");
        assert_eq!(
            decode_body(b"null", REQ).unwrap_err(),
            "proto: syntax error (line 1:1): unexpected token null"
        );
        assert!(decode_body(b"", REQ).unwrap().0.is_empty());
        // What follows the first value is never read.
        assert!(decode_body(b"{} {", REQ).unwrap().0.is_empty());
    }

    #[test]
    fn query_parameters() {
        let d = decode_query(
            "aezeed_passphrase=aGk%3D&ignored=1",
            &[("aezeed_passphrase", Kind::Bytes)],
        )
        .unwrap();
        assert_eq!(d.bytes("aezeed_passphrase"), b"hi");
    }

    #[test]
    fn output_keeps_order_and_encodings() {
        let o = Obj::new()
            .string("b", "x")
            .i64("a", 5)
            .bytes("c", b"hi")
            .bool("d", false);
        assert_eq!(o.render(), r#"{"b":"x","a":"5","c":"aGk=","d":false}"#);
    }
}
