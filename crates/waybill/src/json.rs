//! Bounded JSON parsing and canonical JSON writing.
//!
//! The parser rejects duplicate keys and anything past [`Limits`], and keeps
//! every number exactly as written. The writer sorts keys by their UTF-8
//! bytes, drops insignificant whitespace and escapes only what JSON requires,
//! so the bytes that are signed are the bytes that are sent.

use crate::error::{push_pointer, Code, Error};
use crate::limits::Limits;
use crate::scan;
use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

/// Parses untrusted bytes into a value, enforcing `limits`.
///
/// ```
/// use waybill::{json, Limits};
/// let v = json::parse(br#"{"id": 9007199254740993}"#, &Limits::default()).unwrap();
/// assert_eq!(json::to_canonical_string(&v), r#"{"id":9007199254740993}"#);
/// ```
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Value, Error> {
    limits.check_body(bytes.len())?;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::new(
            Code::InputInvalidUtf8,
            "",
            format!(
                "the body is not valid UTF-8 (first bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        limits,
        path: Vec::new(),
    };
    parser.skip_ws();
    let value = parser.value(1)?;
    parser.skip_ws();
    if parser.pos != parser.bytes.len() {
        return Err(parser.syntax("unexpected text after the JSON value"));
    }
    Ok(value)
}

/// Parses `bytes` and writes them back in canonical form.
pub fn canonicalize(bytes: &[u8], limits: &Limits) -> Result<String, Error> {
    parse(bytes, limits).map(|v| to_canonical_string(&v))
}

/// Writes a value as canonical JSON.
pub fn to_canonical_string(value: &Value) -> String {
    let mut out = String::with_capacity(256);
    write_canonical(value, &mut out);
    out
}

/// Appends the canonical JSON of `value` to `out`.
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            // Writing into a String cannot fail.
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Sorted here rather than trusting the map type, so a dependency that
            // turns on serde_json's insertion order cannot change the bytes.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if !entries.is_sorted_by_key(|(key, _)| *key) {
                entries.sort_unstable_by_key(|(key, _)| *key);
            }
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        let i = string_stop(bytes, start);
        out.push_str(&s[start..i]);
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0xf) as usize] as char);
            }
        }
        start = i + 1;
    }
    out.push('"');
}

/// The first index at or after `from` holding `"`, `\\` or a control
/// character, or the length when there is none.
fn string_stop(bytes: &[u8], from: usize) -> usize {
    scan::first_stop(
        bytes,
        from,
        |w| scan::equal(w, b'"') | scan::equal(w, b'\\') | scan::below(w, 0x20),
        |b| b == b'"' || b == b'\\' || b < 0x20,
    )
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    limits: &'a Limits,
    path: Vec<String>,
}

impl Parser<'_> {
    fn pointer(&self) -> String {
        self.path
            .iter()
            .fold(String::new(), |acc, t| push_pointer(&acc, t))
    }

    fn syntax(&self, what: &str) -> Error {
        Error::new(
            Code::InputInvalidJson,
            self.pointer(),
            format!("invalid JSON at byte {}: {what}", self.pos),
        )
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        match self.bytes.get(self.pos) {
            None => Err(self.syntax("unexpected end of input")),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let s = self.string()?;
                Ok(Value::String(s))
            }
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.syntax("expected a value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, Error> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.syntax("expected a value"))
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > self.limits.effective_depth() {
            self.limits.check_depth(depth, &self.pointer())?;
        }
        self.pos += 1;
        let mut map = Map::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.syntax("expected a string key"));
            }
            let key = self.string()?;
            self.path.push(key);
            if map.contains_key(self.path.last().map(String::as_str).unwrap_or_default()) {
                return Err(Error::new(
                    Code::InputDuplicateKey,
                    self.pointer(),
                    "this key appears more than once in its object",
                ));
            }
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.syntax("expected ':'"));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value(depth + 1)?;
            let key = self.path.pop().unwrap_or_default();
            map.insert(key, value);
            if map.len() > self.limits.max_array_items {
                self.limits.check_items(map.len(), &self.pointer())?;
            }
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.syntax("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > self.limits.effective_depth() {
            self.limits.check_depth(depth, &self.pointer())?;
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            self.path.push(items.len().to_string());
            let value = self.value(depth + 1)?;
            self.path.pop();
            items.push(value);
            if items.len() > self.limits.max_array_items {
                self.limits.check_items(items.len(), &self.pointer())?;
            }
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.syntax("expected ',' or ']'")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.pos;
        let b = self.bytes;
        let mut p = self.pos;
        if b.get(p) == Some(&b'-') {
            p += 1;
        }
        match b.get(p) {
            Some(b'0') => p += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = b.get(p) {
                    p += 1;
                }
            }
            _ => {
                self.pos = p;
                return Err(self.syntax("invalid number"));
            }
        }
        if b.get(p) == Some(&b'.') {
            p += 1;
            let digits = p;
            while let Some(b'0'..=b'9') = b.get(p) {
                p += 1;
            }
            if p == digits {
                self.pos = p;
                return Err(self.syntax("invalid number: digits expected after '.'"));
            }
        }
        if let Some(b'e' | b'E') = b.get(p) {
            p += 1;
            if let Some(b'+' | b'-') = b.get(p) {
                p += 1;
            }
            let digits = p;
            while let Some(b'0'..=b'9') = b.get(p) {
                p += 1;
            }
            if p == digits {
                self.pos = p;
                return Err(self.syntax("invalid number: digits expected in the exponent"));
            }
        }
        self.pos = p;
        let literal = &self.text[start..p];
        if literal.len() > self.limits.max_string_bytes {
            self.limits.check_string(literal.len(), &self.pointer())?;
        }
        literal
            .parse::<Number>()
            .map(Value::Number)
            .map_err(|_| self.syntax("number out of range"))
    }

    fn string(&mut self) -> Result<String, Error> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run_start = self.pos;
            self.pos = string_stop(self.bytes, self.pos);
            out.push_str(&self.text[run_start..self.pos]);
            if out.len() > self.limits.max_string_bytes {
                self.limits.check_string(out.len(), &self.pointer())?;
            }
            match self.bytes.get(self.pos) {
                None => return Err(self.syntax("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.syntax("control character in a string must be escaped")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let c = match self.bytes.get(self.pos) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let first = self.hex4()?;
                let c = if (0xD800..0xDC00).contains(&first) {
                    if self.bytes.get(self.pos) != Some(&b'\\')
                        || self.bytes.get(self.pos + 1) != Some(&b'u')
                    {
                        return Err(self.syntax("lone surrogate in \\u escape"));
                    }
                    self.pos += 2;
                    let second = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err(self.syntax("lone surrogate in \\u escape"));
                    }
                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                } else if (0xDC00..0xE000).contains(&first) {
                    return Err(self.syntax("lone surrogate in \\u escape"));
                } else {
                    first
                };
                out.push(char::from_u32(c).ok_or_else(|| self.syntax("invalid \\u escape"))?);
                return Ok(());
            }
            _ => return Err(self.syntax("invalid escape")),
        };
        out.push(c);
        self.pos += 1;
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.syntax("short \\u escape"))?;
        let mut n = 0u32;
        for &d in digits {
            let v = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.syntax("invalid \\u escape"))?;
            n = n * 16 + v;
        }
        self.pos += 4;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> Result<String, Error> {
        canonicalize(s.as_bytes(), &Limits::default())
    }

    #[test]
    fn string_stop_finds_the_first_byte_that_ends_a_run() {
        let naive = |b: &[u8], from: usize| {
            (from..b.len())
                .find(|&i| b[i] == b'"' || b[i] == b'\\' || b[i] < 0x20)
                .unwrap_or(b.len())
        };
        // Every stop byte, and bytes either side of each limit, at every place
        // in and across the eight-byte words, after every start.
        for special in [
            b'"', b'\\', 0x00, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']',
        ] {
            for place in 0..24 {
                let mut bytes = vec![b'a'; 24];
                bytes[place] = special;
                for from in 0..=24 {
                    assert_eq!(
                        string_stop(&bytes, from),
                        naive(&bytes, from),
                        "{special:#x} at {place} from {from}"
                    );
                }
            }
        }
        let mixed = b"\x01\x02abc\"de\xc3\xa9fghij\\klmnopq\x1e";
        for from in 0..=mixed.len() {
            assert_eq!(string_stop(mixed, from), naive(mixed, from));
        }
    }

    #[test]
    fn keeps_big_integers_exact() {
        assert_eq!(
            canon("[9007199254740993, 1e400, -0, 1.50, 2E-3]").unwrap(),
            "[9007199254740993,1e+400,-0,1.50,2e-3]"
        );
    }

    #[test]
    fn writes_utf8_unescaped() {
        assert_eq!(
            canon(r#"{"u":"http:\/\/x\/Caf\u00e9 \u2713"}"#).unwrap(),
            r#"{"u":"http://x/Café ✓"}"#
        );
    }

    #[test]
    fn sorts_keys_by_bytes() {
        assert_eq!(
            canon(r#"{"b":1,"a":{"z":1,"é":2,"A":3}}"#).unwrap(),
            r#"{"a":{"A":3,"z":1,"é":2},"b":1}"#
        );
    }

    #[test]
    fn rejects_duplicate_keys_with_pointer() {
        let e = canon(r#"{"a":{"b":1,"b":2}}"#).unwrap_err();
        assert_eq!((e.code(), e.pointer()), (Code::InputDuplicateKey, "/a/b"));
    }

    #[test]
    fn rejects_depth_past_limit() {
        let deep = "[".repeat(33) + &"]".repeat(33);
        assert_eq!(canon(&deep).unwrap_err().code(), Code::InputTooDeep);
        let ok = "[".repeat(32) + &"]".repeat(32);
        assert!(canon(&ok).is_ok());
    }

    #[test]
    fn hand_built_limits_cannot_lift_the_depth_ceiling() {
        let limits = Limits {
            max_depth: usize::MAX,
            ..Limits::default()
        };
        let deep = "[".repeat(100_000);
        assert_eq!(
            parse(deep.as_bytes(), &limits).unwrap_err().code(),
            Code::InputTooDeep
        );
    }

    #[test]
    fn rejects_lone_surrogates_and_trailing_text() {
        assert_eq!(
            canon(r#""\ud800""#).unwrap_err().code(),
            Code::InputInvalidJson
        );
        assert_eq!(canon("{} x").unwrap_err().code(), Code::InputInvalidJson);
        assert_eq!(canon("01").unwrap_err().code(), Code::InputInvalidJson);
    }

    #[test]
    fn escapes_control_characters_only() {
        assert_eq!(
            canon(r#""a\u0001\n\u007f""#).unwrap(),
            "\"a\\u0001\\n\u{7f}\""
        );
    }
}
