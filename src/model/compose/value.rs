//! The compose model as Compose's loader handles it: a tree of mappings, sequences and
//! typed scalars, where every value remembers the file and the bytes it came from.
//!
//! Scalars are typed as Go's YAML library types them when decoding into `any` (the YAML
//! 1.2 core schema: `yes`/`on` stay strings, `0o17` and the old `017` are octal numbers,
//! `~`/`null`/empty are null). Strings keep a [`TextMap`] from their bytes to the file, so
//! a part of a value (the `RO` of `./a:/b:RO`) can be pointed at after interpolation.

use crate::span::Span;
use crate::syntax::compose::short::Short;
use crate::syntax::compose::yaml::{Node, NodeValue, Style};

/// Where a value was written: which file (index into the loaded files) and which bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct At {
    pub file: usize,
    pub span: Span,
}

/// A piece of a string value and the file bytes it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Byte range in the string value.
    pub start: usize,
    pub end: usize,
    /// Byte range in the file.
    pub source: Span,
    /// The value's bytes are the file's bytes one for one (else the whole piece maps to
    /// the whole source range: an escape, a fold, or a substituted variable).
    pub exact: bool,
}

/// How a string value's bytes map to its file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextMap {
    pub segments: Vec<Segment>,
}

impl TextMap {
    /// A string written as is at `offset`.
    pub fn verbatim(offset: usize, len: usize) -> TextMap {
        TextMap { segments: vec![Segment { start: 0, end: len, source: Span::new(offset, offset + len), exact: true }] }
    }

    /// A string whose bytes cannot be pointed at one by one: all of it maps to `span`.
    pub fn whole(len: usize, span: Span) -> TextMap {
        TextMap { segments: vec![Segment { start: 0, end: len, source: span, exact: false }] }
    }

    /// The file span of the value's bytes `start..end`.
    pub fn span_of(&self, start: usize, end: usize) -> Option<Span> {
        let first = self.segments.iter().find(|s| s.start <= start && start < s.end.max(s.start + 1))?;
        let last = self
            .segments
            .iter()
            .rev()
            .find(|s| s.start < end.max(start + 1) && end <= s.end.max(s.start))
            .unwrap_or(first);
        let from = if first.exact { first.source.start + (start - first.start) } else { first.source.start };
        let to = if last.exact { last.source.start + (end.saturating_sub(last.start)) } else { last.source.end };
        Some(Span::new(from, to.max(from)))
    }
}

/// A mapping key.
#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    pub name: String,
    pub at: At,
    /// The key, typed as a scalar: Compose refuses keys that are not strings.
    pub typed: Box<Kind>,
}

/// A mapping: entries in document order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    pub entries: Vec<(Key, Value)>,
    /// Set when this mapping is the canonical form of a short-syntax volume string.
    pub short: Option<Box<ShortOrigin>>,
}

impl Mapping {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.iter_mut().find(|(k, _)| k.name == key).map(|(_, v)| v)
    }

    pub fn key(&self, key: &str) -> Option<&Key> {
        self.entries.iter().find(|(k, _)| k.name == key).map(|(k, _)| k)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Set `key` (replacing its value in place, or appending).
    pub fn insert(&mut self, key: Key, value: Value) {
        match self.entries.iter_mut().find(|(k, _)| k.name == key.name) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let index = self.entries.iter().position(|(k, _)| k.name == key)?;
        Some(self.entries.remove(index).1)
    }
}

/// Where a canonical volume mapping came from: the short-syntax string and its fields.
#[derive(Clone, Debug, PartialEq)]
pub struct ShortOrigin {
    /// The string as parsed (after interpolation).
    pub text: String,
    pub at: At,
    pub map: TextMap,
    pub fields: Short,
}

impl ShortOrigin {
    /// The file span of a byte range of the short string.
    pub fn span(&self, span: Span) -> Span {
        self.map.span_of(span.start, span.end).unwrap_or(self.at.span)
    }
}

/// A string value and how it maps to the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub value: String,
    pub map: TextMap,
}

/// The content of a value.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Text),
    Seq(Vec<Value>),
    Map(Mapping),
}

/// A value of the compose model.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: Kind,
    pub at: At,
    /// Compose's own tags: `!reset`, `!override` (others are not kept).
    pub tag: Option<String>,
}

impl Value {
    pub fn new(kind: Kind, at: At) -> Value {
        Value { kind, at, tag: None }
    }

    pub fn string(value: impl Into<String>, at: At) -> Value {
        let value = value.into();
        let map = TextMap::whole(value.len(), at.span);
        Value::new(Kind::Str(Text { value, map }), at)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(text) => Some(&text.value),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&Mapping> {
        match &self.kind {
            Kind::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Mapping> {
        match &mut self.kind {
            Kind::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&Vec<Value>> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// The JSON type name, as the schema validator names it.
    pub fn json_type(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Int(_) => "integer",
            Kind::Float(_) => "number",
            Kind::Str(_) => "string",
            Kind::Seq(_) => "array",
            Kind::Map(_) => "object",
        }
    }

    /// The file span of bytes `start..end` of a string value.
    pub fn sub_span(&self, start: usize, end: usize) -> Span {
        match &self.kind {
            Kind::Str(text) => text.map.span_of(start, end).unwrap_or(self.at.span),
            _ => self.at.span,
        }
    }

    /// Go's `%v` formatting of a scalar (used where Compose formats values into strings).
    pub fn go_format(&self) -> String {
        go_format(&self.kind)
    }
}

/// Go's `%v` of a decoded YAML scalar.
pub fn go_format(kind: &Kind) -> String {
    match kind {
        Kind::Null => "<nil>".to_string(),
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => go_float(*f),
        Kind::Str(text) => text.value.clone(),
        Kind::Seq(items) => format!("[{}]", items.iter().map(Value::go_format).collect::<Vec<_>>().join(" ")),
        Kind::Map(map) => format!(
            "map[{}]",
            map.entries.iter().map(|(k, v)| format!("{}:{}", k.name, v.go_format())).collect::<Vec<_>>().join(" ")
        ),
    }
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)` with Go's exponent form).
pub fn go_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf".to_string() } else { "-Inf".to_string() };
    }
    let exponent = if value == 0.0 { 0 } else { value.abs().log10().floor() as i32 };
    if (-4..21).contains(&exponent) {
        let text = format!("{value}");
        return text;
    }
    // Shortest representation in exponent form: Rust's `{:e}` gives `1e21`, Go `1e+21`.
    let text = format!("{value:e}");
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
            let digits = if digits.len() < 2 { format!("0{digits}") } else { digits.to_string() };
            format!("{mantissa}e{sign}{digits}")
        }
        None => text,
    }
}

/// Build the model tree of one YAML document of file `file`.
pub fn from_node(node: &Node, file: usize) -> Value {
    let at = At { file, span: node.span };
    let kind = match &node.value {
        NodeValue::Scalar(scalar) => {
            let map = match scalar.verbatim_at {
                Some(offset) => TextMap::verbatim(offset, scalar.text.len()),
                None => TextMap::whole(scalar.text.len(), node.span),
            };
            type_scalar(&scalar.text, scalar.style, node.tag.as_deref(), map)
        }
        NodeValue::Seq(items) => Kind::Seq(items.iter().map(|item| from_node(item, file)).collect()),
        NodeValue::Map(entries) => {
            let entries = entries
                .iter()
                .map(|entry| {
                    let key_at = At { file, span: entry.key.span };
                    let (name, typed) = match &entry.key.value {
                        NodeValue::Scalar(scalar) => {
                            let map = TextMap::whole(scalar.text.len(), entry.key.span);
                            (
                                scalar.text.clone(),
                                type_scalar(&scalar.text, scalar.style, entry.key.tag.as_deref(), map),
                            )
                        }
                        // A collection as a key: never a string, Compose refuses it.
                        _ => (String::new(), Kind::Seq(Vec::new())),
                    };
                    (Key { name, at: key_at, typed: Box::new(typed) }, from_node(&entry.value, file))
                })
                .collect();
            Kind::Map(Mapping { entries, short: None })
        }
    };
    let tag = node.tag.clone().filter(|t| t == "!reset" || t == "!override");
    Value { kind, at, tag }
}

/// Type a scalar as Go's YAML library does when decoding into `any`.
fn type_scalar(text: &str, style: Style, tag: Option<&str>, map: TextMap) -> Kind {
    let string = || Kind::Str(Text { value: text.to_string(), map: map.clone() });
    match tag {
        None => {}
        Some("!!str") | Some("!!binary") | Some("!!timestamp") => return string(),
        Some("!!null") => return Kind::Null,
        Some("!!bool") => return resolve_plain(text).filter(|k| matches!(k, Kind::Bool(_))).unwrap_or_else(string),
        Some("!!int") => return resolve_plain(text).filter(|k| matches!(k, Kind::Int(_))).unwrap_or_else(string),
        Some("!!float") => {
            return match resolve_plain(text) {
                Some(Kind::Int(i)) => Kind::Float(i as f64),
                Some(kind @ Kind::Float(_)) => kind,
                _ => string(),
            }
        }
        // `!` and application tags (`!reset`, `!override`...) leave the text as a string.
        Some(_) => return string(),
    }
    if style != Style::Plain {
        return string();
    }
    resolve_plain(text).unwrap_or_else(string)
}

/// The YAML 1.2 core-schema resolution of a plain scalar (with Go's extensions: `_` in
/// numbers, `0b`, `0o`, and the YAML 1.1 octal `0777`). `None` means a string.
fn resolve_plain(text: &str) -> Option<Kind> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Kind::Null),
        "true" | "True" | "TRUE" => return Some(Kind::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Kind::Bool(false)),
        ".nan" | ".NaN" | ".NAN" => return Some(Kind::Float(f64::NAN)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(Kind::Float(f64::INFINITY)),
        "-.inf" | "-.Inf" | "-.INF" => return Some(Kind::Float(f64::NEG_INFINITY)),
        _ => {}
    }
    let first = text.as_bytes().first().copied()?;
    if !(first.is_ascii_digit() || first == b'+' || first == b'-' || first == b'.') {
        return None;
    }
    let plain: String = text.chars().filter(|c| *c != '_').collect();
    if let Some(int) = parse_go_int(&plain) {
        return Some(int);
    }
    if is_yaml_float(&plain) {
        return plain.parse::<f64>().ok().map(Kind::Float);
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint`: optional sign, then `0x`, `0o`,
/// `0b`, a leading `0` (octal) or decimal digits.
fn parse_go_int(text: &str) -> Option<Kind> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'+') => (false, text.get(1..)?),
        Some(b'-') => (true, text.get(1..)?),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        if magnitude <= i64::MAX as u64 + 1 {
            return Some(Kind::Int((magnitude as i128).wrapping_neg() as i64));
        }
        return None;
    }
    match i64::try_from(magnitude) {
        Ok(value) => Some(Kind::Int(value)),
        // Beyond int64: Go keeps a uint64; a float is the closest we carry.
        Err(_) => Some(Kind::Float(magnitude as f64)),
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+') | Some(b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(bytes.get(i), Some(b'e') | Some(b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+') | Some(b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Kind {
        type_scalar(text, Style::Plain, None, TextMap::default())
    }

    #[test]
    fn scalars_are_typed_like_go_yaml() {
        assert_eq!(plain("0o1777"), Kind::Int(1023));
        assert_eq!(plain("01777"), Kind::Int(1023));
        assert_eq!(plain("1777"), Kind::Int(1777));
        assert_eq!(plain("1_000"), Kind::Int(1000));
        assert_eq!(plain("0x1F"), Kind::Int(31));
        assert_eq!(plain("true"), Kind::Bool(true));
        assert!(matches!(plain("yes"), Kind::Str(_)));
        assert!(matches!(plain("1kb"), Kind::Str(_)));
        assert_eq!(plain("~"), Kind::Null);
        assert_eq!(plain("0.0001"), Kind::Float(0.0001));
        assert_eq!(plain("-1"), Kind::Int(-1));
        assert_eq!(plain("09"), Kind::Float(9.0));
        assert!(matches!(type_scalar("true", Style::DoubleQuoted, None, TextMap::default()), Kind::Str(_)));
    }

    #[test]
    fn text_maps_point_into_the_file() {
        let map = TextMap::verbatim(10, 9);
        assert_eq!(map.span_of(7, 9), Some(Span::new(17, 19)));
        let map = TextMap::whole(5, Span::new(3, 10));
        assert_eq!(map.span_of(1, 2), Some(Span::new(3, 10)));
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1.5), "1.5");
    }
}
