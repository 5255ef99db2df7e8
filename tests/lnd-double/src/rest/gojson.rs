//! How grpc-gateway reads a request body before protojson sees it: Go's
//! `json.Decoder.Decode` into a `json.RawMessage` (grpc-gateway v2
//! runtime/marshal_jsonpb.go decodeJSONPb), which takes the first JSON
//! value and ignores what follows it. Its syntax errors are encoding/json's
//! scanner's (encoding/json/scanner.go), ported here state by state, and a
//! value cut short is `unexpected EOF`; an empty body is io.EOF, which the
//! generated handlers treat as the empty message.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Parse {
    ObjectKey,
    ObjectValue,
    ArrayValue,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    BeginValue,
    BeginValueOrEmpty,
    BeginStringOrEmpty,
    BeginString,
    EndValue,
    EndTop,
    InString,
    InStringEsc,
    InStringEscU(u8),
    Neg,
    One,
    Zero,
    Dot,
    Dot0,
    E,
    ESign,
    E0,
    Lit(&'static [u8], usize, &'static str),
}

enum Step {
    Continue,
    /// The value ended before this byte.
    End,
    /// An object or array closed; the top-level value may be complete.
    Closed,
    Error(String),
}

struct Scanner {
    state: State,
    stack: Vec<Parse>,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// encoding/json's quoteChar.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        _ => {
            let q = crate::gofmt::go_quote(&String::from_utf8_lossy(&[c]));
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

fn error(c: u8, context: &str) -> Step {
    Step::Error(format!("invalid character {} {context}", quote_char(c)))
}

impl Scanner {
    fn step(&mut self, c: u8) -> Step {
        use State::*;
        match self.state {
            BeginValueOrEmpty => {
                if is_space(c) {
                    return Step::Continue;
                }
                if c == b']' {
                    return self.end_value(c);
                }
                self.begin_value(c)
            }
            BeginValue => self.begin_value(c),
            BeginStringOrEmpty => {
                if is_space(c) {
                    return Step::Continue;
                }
                if c == b'}' {
                    if let Some(top) = self.stack.last_mut() {
                        *top = Parse::ObjectValue;
                    }
                    return self.end_value(c);
                }
                self.begin_string(c)
            }
            BeginString => self.begin_string(c),
            EndValue => self.end_value(c),
            EndTop => Step::End,
            InString => {
                match c {
                    b'"' => self.state = EndValue,
                    b'\\' => self.state = InStringEsc,
                    c if c < 0x20 => return error(c, "in string literal"),
                    _ => {}
                }
                Step::Continue
            }
            InStringEsc => match c {
                b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {
                    self.state = InString;
                    Step::Continue
                }
                b'u' => {
                    self.state = InStringEscU(0);
                    Step::Continue
                }
                _ => error(c, "in string escape code"),
            },
            InStringEscU(n) => {
                if !c.is_ascii_hexdigit() {
                    return error(c, "in \\u hexadecimal character escape");
                }
                self.state = if n == 3 {
                    InString
                } else {
                    InStringEscU(n + 1)
                };
                Step::Continue
            }
            Neg => match c {
                b'0' => {
                    self.state = Zero;
                    Step::Continue
                }
                b'1'..=b'9' => {
                    self.state = One;
                    Step::Continue
                }
                _ => error(c, "in numeric literal"),
            },
            One if c.is_ascii_digit() => Step::Continue,
            One | Zero => match c {
                b'.' => {
                    self.state = Dot;
                    Step::Continue
                }
                b'e' | b'E' => {
                    self.state = E;
                    Step::Continue
                }
                _ => self.end_value(c),
            },
            Dot if c.is_ascii_digit() => {
                self.state = Dot0;
                Step::Continue
            }
            Dot => error(c, "after decimal point in numeric literal"),
            Dot0 => match c {
                b'0'..=b'9' => Step::Continue,
                b'e' | b'E' => {
                    self.state = E;
                    Step::Continue
                }
                _ => self.end_value(c),
            },
            E if c == b'+' || c == b'-' => {
                self.state = ESign;
                Step::Continue
            }
            E | ESign => {
                if c.is_ascii_digit() {
                    self.state = E0;
                    Step::Continue
                } else {
                    error(c, "in exponent of numeric literal")
                }
            }
            E0 if c.is_ascii_digit() => Step::Continue,
            E0 => self.end_value(c),
            Lit(word, i, name) => {
                if c != word[i] {
                    return error(
                        c,
                        &format!("in literal {name} (expecting {})", quote_char(word[i])),
                    );
                }
                self.state = if i + 1 == word.len() {
                    EndValue
                } else {
                    Lit(word, i + 1, name)
                };
                Step::Continue
            }
        }
    }

    fn begin_value(&mut self, c: u8) -> Step {
        use State::*;
        if is_space(c) {
            return Step::Continue;
        }
        self.state = match c {
            b'{' => {
                self.stack.push(Parse::ObjectKey);
                BeginStringOrEmpty
            }
            b'[' => {
                self.stack.push(Parse::ArrayValue);
                BeginValueOrEmpty
            }
            b'"' => InString,
            b'-' => Neg,
            b'0' => Zero,
            b'1'..=b'9' => One,
            b't' => Lit(b"true", 1, "true"),
            b'f' => Lit(b"false", 1, "false"),
            b'n' => Lit(b"null", 1, "null"),
            _ => return error(c, "looking for beginning of value"),
        };
        Step::Continue
    }

    fn begin_string(&mut self, c: u8) -> Step {
        if is_space(c) {
            return Step::Continue;
        }
        if c == b'"' {
            self.state = State::InString;
            return Step::Continue;
        }
        error(c, "looking for beginning of object key string")
    }

    fn end_value(&mut self, c: u8) -> Step {
        let Some(top) = self.stack.last().copied() else {
            self.state = State::EndTop;
            return Step::End;
        };
        if is_space(c) {
            self.state = State::EndValue;
            return Step::Continue;
        }
        match (top, c) {
            (Parse::ObjectKey, b':') => {
                *self.stack.last_mut().unwrap_or_else(|| unreachable!()) = Parse::ObjectValue;
                self.state = State::BeginValue;
                Step::Continue
            }
            (Parse::ObjectKey, _) => error(c, "after object key"),
            (Parse::ObjectValue, b',') => {
                *self.stack.last_mut().unwrap_or_else(|| unreachable!()) = Parse::ObjectKey;
                self.state = State::BeginString;
                Step::Continue
            }
            (Parse::ObjectValue, b'}') | (Parse::ArrayValue, b']') => {
                self.stack.pop();
                self.state = State::EndValue;
                Step::Closed
            }
            (Parse::ObjectValue, _) => error(c, "after object key:value pair"),
            (Parse::ArrayValue, b',') => {
                self.state = State::BeginValue;
                Step::Continue
            }
            (Parse::ArrayValue, _) => error(c, "after array element"),
        }
    }
}

/// The first JSON value of `body` as `json.Decoder.Decode` reads it: None
/// for a body of white space only (io.EOF), else the value's bytes, or
/// Go's error text.
pub fn first_value(body: &[u8]) -> Result<Option<&[u8]>, String> {
    let mut s = Scanner {
        state: State::BeginValue,
        stack: Vec::new(),
    };
    let mut start = None;
    for (i, &c) in body.iter().enumerate() {
        if start.is_none() && !is_space(c) {
            start = Some(i);
        }
        match s.step(c) {
            Step::Continue => {}
            Step::End => return Ok(start.map(|st| &body[st..i])),
            Step::Closed => {
                if s.stack.is_empty() {
                    return Ok(start.map(|st| &body[st..=i]));
                }
            }
            Step::Error(e) => return Err(e),
        }
    }
    let Some(st) = start else {
        return Ok(None);
    };
    // At EOF the decoder feeds one space: a number or literal ends there.
    match s.step(b' ') {
        Step::End => Ok(Some(&body[st..])),
        _ => Err("unexpected EOF".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::first_value;

    fn err(s: &str) -> String {
        first_value(s.as_bytes()).unwrap_err()
    }

    #[test]
    fn takes_the_first_value_like_json_decoder() {
        assert_eq!(first_value(b"  \n"), Ok(None));
        assert_eq!(first_value(b" {} trailing"), Ok(Some(&b"{}"[..])));
        assert_eq!(
            first_value(b"{\"a\":[1,2.5e3,true,null,\"x\\u00e9\"]}"),
            Ok(Some(&b"{\"a\":[1,2.5e3,true,null,\"x\\u00e9\"]}"[..]))
        );
        assert_eq!(first_value(b"12 "), Ok(Some(&b"12"[..])));
        assert_eq!(first_value(b"12"), Ok(Some(&b"12"[..])));
        assert_eq!(first_value(b"null"), Ok(Some(&b"null"[..])));
    }

    #[test]
    fn syntax_errors_are_encoding_jsons() {
        assert_eq!(err("{"), "unexpected EOF");
        assert_eq!(err("{\"a\":"), "unexpected EOF");
        assert_eq!(err("tru"), "unexpected EOF");
        assert_eq!(
            err("{]"),
            "invalid character ']' looking for beginning of object key string"
        );
        assert_eq!(err("{\"a\" 1}"), "invalid character '1' after object key");
        assert_eq!(
            err("{\"a\":1 \"b\"}"),
            "invalid character '\"' after object key:value pair"
        );
        assert_eq!(err("[1 2]"), "invalid character '2' after array element");
        assert_eq!(
            err("x"),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            err("trux"),
            "invalid character 'x' in literal true (expecting 'e')"
        );
        assert_eq!(
            err("\"a\\q\""),
            "invalid character 'q' in string escape code"
        );
        assert_eq!(err("-x"), "invalid character 'x' in numeric literal");
        assert_eq!(
            err("'a'"),
            "invalid character '\\'' looking for beginning of value"
        );
    }
}
