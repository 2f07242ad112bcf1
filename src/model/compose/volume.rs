//! One service volume entry: Compose's record of it (compose-go `ServiceVolumeConfig`),
//! read from the short syntax (`format.ParseVolume`) or from a long-syntax mapping, its
//! canonical mapping form, and the path rules applied to bind sources.

use super::value::{At, Key, Kind, Mapping, ShortOrigin, Text, TextMap, Value};
use crate::model::mount::{Field, Provenance};
use crate::model::paths::clean;
use crate::span::Span;
use crate::syntax::compose::short::{split, Short, ShortErrorKind};
use serde::Serialize;
use std::collections::BTreeMap;

fn is_empty_str(text: &str) -> bool {
    text.is_empty()
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero_i64(value: &i64) -> bool {
    *value == 0
}

fn is_zero_u32(value: &u32) -> bool {
    *value == 0
}

/// `bind:` options.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BindRecord {
    #[serde(skip_serializing_if = "is_empty_str")]
    pub propagation: String,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub selinux: String,
    /// `None` when not written (and not defaulted yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_host_path: Option<bool>,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub recursive: String,
}

/// `volume:` options.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VolumeRecordOptions {
    #[serde(skip_serializing_if = "is_false")]
    pub nocopy: bool,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub subpath: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// `tmpfs:` options of a long-syntax entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TmpfsRecord {
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub size: i64,
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub mode: u32,
}

/// `image:` options.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImageRecord {
    #[serde(skip_serializing_if = "is_empty_str")]
    pub subpath: String,
}

/// Compose's record of a service volume; `None` sub-records are Go nil pointers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VolumeRecord {
    #[serde(rename = "type")]
    pub kind: String,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    #[serde(skip_serializing_if = "is_empty_str")]
    pub consistency: String,
    pub bind: Option<BindRecord>,
    pub volume: Option<VolumeRecordOptions>,
    pub tmpfs: Option<TmpfsRecord>,
    pub image: Option<ImageRecord>,
}

/// A short-syntax string that Compose refuses, with the record it had built so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortParseError {
    pub message: String,
    /// Span inside the string.
    pub span: Span,
    pub record: VolumeRecord,
}

/// Compose's `isFilePath`: the short-syntax rule that makes a source a bind.
pub fn is_file_path(source: &str) -> bool {
    let Some(first) = source.chars().next() else { return false };
    if matches!(first, '.' | '/' | '~') || source.starts_with("\\\\") {
        return true;
    }
    first.is_alphabetic() && source.as_bytes().get(first.len_utf8()) == Some(&b':')
}

/// `format.ParseVolume`: the raw record of a short-syntax string (target not cleaned,
/// source not resolved).
pub fn parse_short(spec: &str) -> Result<VolumeRecord, Box<ShortParseError>> {
    match split(spec) {
        Ok(short) => Ok(record_of(&short, spec)),
        Err(error) => {
            let mut record = record_of(&error.partial, spec);
            if error.kind == ShortErrorKind::Empty {
                record = VolumeRecord::default();
            }
            Err(Box::new(ShortParseError { message: error.message(spec), span: error.span, record }))
        }
    }
}

const PROPAGATIONS: [&str; 6] = ["rprivate", "private", "rshared", "shared", "rslave", "slave"];

fn record_of(short: &Short, spec: &str) -> VolumeRecord {
    let mut record = VolumeRecord::default();
    if short.tiny {
        record.kind = "volume".to_string();
        record.target = spec.to_string();
        return record;
    }
    record.source = short.source.as_ref().map(|p| p.text.clone()).unwrap_or_default();
    record.target = short.target.as_ref().map(|p| p.text.clone()).unwrap_or_default();
    for token in &short.tokens {
        apply_option(&mut record, &token.text);
    }
    if is_file_path(&record.source) {
        record.kind = "bind".to_string();
        record.bind.get_or_insert_with(BindRecord::default).create_host_path = Some(true);
    } else {
        record.kind = "volume".to_string();
        record.volume.get_or_insert_with(VolumeRecordOptions::default);
    }
    record
}

/// What one short-syntax option token does (unknown tokens are ignored, as Compose does).
fn apply_option(record: &mut VolumeRecord, token: &str) {
    match token {
        "ro" => record.read_only = true,
        "rw" => record.read_only = false,
        "nocopy" => record.volume = Some(VolumeRecordOptions { nocopy: true, ..Default::default() }),
        "z" | "Z" => record.bind.get_or_insert_with(BindRecord::default).selinux = token.to_string(),
        p if PROPAGATIONS.contains(&p) => {
            record.bind.get_or_insert_with(BindRecord::default).propagation = p.to_string()
        }
        _ => {}
    }
}

/// The model field a short-syntax option token sets, if any.
pub fn option_field(token: &str) -> Option<Field> {
    match token {
        "ro" | "rw" => Some(Field::ReadOnly),
        "nocopy" => Some(Field::NoCopy),
        "z" | "Z" => Some(Field::Selinux),
        p if PROPAGATIONS.contains(&p) => Some(Field::Propagation),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Canonical form: the mapping a short string becomes (compose-go `transform/volume.go`).

fn key(name: &str, at: At) -> Key {
    Key { name: name.to_string(), at, typed: Box::new(Kind::Null) }
}

/// A string value for a piece of the short string, mapped into the file.
fn piece_value(origin: &ShortOrigin, text: &str, span: Span) -> Value {
    let file_span = origin.span(span);
    let at = At { file: origin.at.file, span: file_span };
    let map = match origin.map.span_of(span.start, span.end) {
        Some(s) if s.len() == text.len() => TextMap::verbatim(s.start, text.len()),
        _ => TextMap::whole(text.len(), file_span),
    };
    Value::new(Kind::Str(Text { value: text.to_string(), map }), at)
}

/// The canonical mapping of a parsed short string (target cleaned, empty fields left out).
pub fn canonical(record: &VolumeRecord, origin: ShortOrigin) -> Value {
    let whole = origin.at;
    let mut map = Mapping::default();
    map.insert(key("type", whole), Value::string(record.kind.clone(), whole));
    if let Some(source) = origin.fields.source.as_ref().filter(|_| !record.source.is_empty()) {
        map.insert(key("source", whole), piece_value(&origin, &record.source, source.span));
    }
    if !record.target.is_empty() {
        let target = if origin.fields.tiny {
            Span::new(0, origin.text.len())
        } else {
            origin.fields.target.as_ref().map(|p| p.span).unwrap_or_default()
        };
        let mut value = piece_value(&origin, &clean(&record.target), target);
        if clean(&record.target) != record.target {
            value = Value::string(clean(&record.target), value.at);
        }
        map.insert(key("target", whole), value);
    }
    if record.read_only {
        map.insert(key("read_only", whole), Value::new(Kind::Bool(true), whole));
    }
    if let Some(bind) = &record.bind {
        let mut sub = Mapping::default();
        if !bind.selinux.is_empty() {
            sub.insert(key("selinux", whole), Value::string(bind.selinux.clone(), whole));
        }
        if !bind.propagation.is_empty() {
            sub.insert(key("propagation", whole), Value::string(bind.propagation.clone(), whole));
        }
        if bind.create_host_path == Some(true) {
            sub.insert(key("create_host_path", whole), Value::new(Kind::Bool(true), whole));
        }
        map.insert(key("bind", whole), Value::new(Kind::Map(sub), whole));
    }
    if let Some(volume) = &record.volume {
        let mut sub = Mapping::default();
        if volume.nocopy {
            sub.insert(key("nocopy", whole), Value::new(Kind::Bool(true), whole));
        }
        map.insert(key("volume", whole), Value::new(Kind::Map(sub), whole));
    }
    map.short = Some(Box::new(origin));
    Value::new(Kind::Map(map), whole)
}

// ---------------------------------------------------------------------------------------
// Decoding a canonical mapping into the record (compose-go `Transform`, mapstructure).

/// A short-syntax option token, where it is, and what it sets (`None`: ignored, as
/// Compose ignores `RO`, `cached`, `bogus`...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OptionToken {
    pub text: String,
    pub span: Span,
    pub sets: Option<Field>,
}

/// A long-syntax key (`bind.propagation`) with the spans of the key and of its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeySpan {
    pub path: String,
    pub key: Span,
    pub value: Span,
}

/// A loaded entry: the record and where each field came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub record: VolumeRecord,
    pub provenance: Provenance,
    /// Short syntax: every option token.
    pub options: Vec<OptionToken>,
    /// Long syntax: every key written (sub-keys as `bind.propagation`), in order.
    pub keys: Vec<KeySpan>,
    /// For short syntax: the options field as written (`ro,Z`).
    pub mode: Option<String>,
    /// The target as written, before cleaning.
    pub written_target: String,
}

fn text_of(value: Option<&Value>) -> String {
    match value.map(|v| &v.kind) {
        Some(Kind::Str(text)) => text.value.clone(),
        Some(Kind::Null) | None => String::new(),
        Some(other) => super::value::go_format(other),
    }
}

fn bool_of(value: Option<&Value>, path: &str, errors: &mut Vec<String>) -> bool {
    match value.map(|v| &v.kind) {
        Some(Kind::Bool(b)) => *b,
        Some(Kind::Str(text)) => match super::interpolate::to_boolean(&text.value, &mut Vec::new()) {
            Ok(b) => b,
            Err(reason) => {
                errors.push(format!("{path}: {reason}"));
                false
            }
        },
        _ => false,
    }
}

/// go-units `RAMInBytes`: `64m`, `1g`, `1kb`, `1.5GiB` (binary multiples).
pub fn ram_in_bytes(text: &str) -> Result<i64, String> {
    let invalid = || format!("invalid size: '{text}'");
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
        i += 1;
    }
    let number = text.get(..i).ok_or_else(invalid)?;
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') || number.contains("..") {
        return Err(invalid());
    }
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let mut unit = text.get(i..).ok_or_else(invalid)?;
    unit = unit.strip_prefix(' ').unwrap_or(unit);
    let lower = unit.to_ascii_lowercase();
    let (multiplier, suffix) = match lower.chars().next() {
        Some('k') => (1024f64, &lower[1..]),
        Some('m') => (1024f64.powi(2), &lower[1..]),
        Some('g') => (1024f64.powi(3), &lower[1..]),
        Some('t') => (1024f64.powi(4), &lower[1..]),
        Some('p') => (1024f64.powi(5), &lower[1..]),
        _ => (1.0, lower.as_str()),
    };
    let suffix = suffix.strip_prefix('i').unwrap_or(suffix);
    if !(suffix.is_empty() || suffix == "b") {
        return Err(invalid());
    }
    Ok((value * multiplier) as i64)
}

/// Decode a (canonical) service volume mapping. `path` names it in messages
/// (`services.web.volumes[0]`); decode problems are returned with the record.
pub fn decode(map: &Mapping, path: &str) -> (Decoded, Vec<String>) {
    let mut errors = Vec::new();
    let mut record = VolumeRecord {
        kind: text_of(map.get("type")),
        source: text_of(map.get("source")),
        target: text_of(map.get("target")),
        read_only: bool_of(map.get("read_only"), &format!("{path}.read_only"), &mut errors),
        consistency: text_of(map.get("consistency")),
        ..Default::default()
    };
    let mut provenance = Provenance::default();
    let mut note = |field: Field, value: Option<&Value>| {
        if let Some(value) = value {
            provenance.insert(field, value.at.span);
        }
    };
    note(Field::Kind, map.get("type"));
    note(Field::Source, map.get("source"));
    note(Field::Target, map.get("target"));
    note(Field::ReadOnly, map.get("read_only"));
    note(Field::Consistency, map.get("consistency"));
    if let Some(bind) = map.get("bind").and_then(Value::as_map) {
        let chp = bind.get("create_host_path");
        record.bind = Some(BindRecord {
            propagation: text_of(bind.get("propagation")),
            selinux: text_of(bind.get("selinux")),
            create_host_path: chp.map(|_| bool_of(chp, &format!("{path}.bind.create_host_path"), &mut errors)),
            recursive: text_of(bind.get("recursive")),
        });
        note(Field::Propagation, bind.get("propagation"));
        note(Field::Selinux, bind.get("selinux"));
        note(Field::CreateHostPath, bind.get("create_host_path"));
        note(Field::BindRecursive, bind.get("recursive"));
    }
    if let Some(volume) = map.get("volume").and_then(Value::as_map) {
        record.volume = Some(VolumeRecordOptions {
            nocopy: bool_of(volume.get("nocopy"), &format!("{path}.volume.nocopy"), &mut errors),
            subpath: text_of(volume.get("subpath")),
            labels: labels_of(volume.get("labels")),
        });
        note(Field::NoCopy, volume.get("nocopy"));
        note(Field::Subpath, volume.get("subpath"));
        note(Field::Label, volume.get("labels"));
    }
    if let Some(tmpfs) = map.get("tmpfs").and_then(Value::as_map) {
        let size = match tmpfs.get("size").map(|v| &v.kind) {
            Some(Kind::Int(i)) => *i,
            Some(Kind::Str(text)) => match go_size(&text.value) {
                Ok(size) => size,
                Err(reason) => {
                    errors.push(format!("{path}.tmpfs.size: {reason}"));
                    0
                }
            },
            _ => 0,
        };
        let mode = match tmpfs.get("mode").map(|v| &v.kind) {
            Some(Kind::Int(i)) => match u32::try_from(*i) {
                Ok(mode) => mode,
                Err(_) => {
                    errors.push(format!("{path}.tmpfs.mode: cannot parse '{i}', overflows uint32"));
                    0
                }
            },
            Some(Kind::Float(f)) if *f >= 0.0 => *f as u32,
            Some(Kind::Str(text)) => {
                errors.push(format!(
                    "{path}.tmpfs.mode: expected type 'uint32', got unconvertible type 'string', value: '{}'",
                    text.value
                ));
                0
            }
            _ => 0,
        };
        record.tmpfs = Some(TmpfsRecord { size, mode });
        note(Field::TmpfsSize, tmpfs.get("size"));
        note(Field::TmpfsMode, tmpfs.get("mode"));
    }
    if let Some(image) = map.get("image").and_then(Value::as_map) {
        record.image = Some(ImageRecord { subpath: text_of(image.get("subpath")) });
        note(Field::Subpath, image.get("subpath"));
    }
    let mut mode = None;
    let mut options = Vec::new();
    let mut keys = Vec::new();
    let mut written_target = record.target.clone();
    // Normalize cleans long-syntax targets (path.Clean: an empty target becomes ".").
    if map.short.is_none() && map.contains("target") {
        record.target = clean(&record.target);
    }
    if let Some(short) = &map.short {
        // Point at the short string's own pieces.
        provenance.clear();
        let whole = short.at.span;
        provenance.insert(Field::Kind, whole);
        if let Some(source) = &short.fields.source {
            provenance.insert(Field::Source, short.span(source.span));
        }
        if short.fields.tiny {
            provenance.insert(Field::Target, whole);
            written_target = short.text.clone();
        } else if let Some(target) = &short.fields.target {
            provenance.insert(Field::Target, short.span(target.span));
            written_target = target.text.clone();
        }
        if let Some(options) = short.fields.options.first() {
            provenance.insert(Field::Mode, short.span(options.span));
            mode = Some(options.text.clone());
        }
        for token in &short.fields.tokens {
            let sets = option_field(&token.text);
            if let Some(field) = sets {
                provenance.insert(field, short.span(token.span));
            }
            options.push(OptionToken { text: token.text.clone(), span: short.span(token.span), sets });
        }
    } else {
        for (key, value) in &map.entries {
            keys.push(KeySpan { path: key.name.clone(), key: key.at.span, value: value.at.span });
            if let Some(sub) = value.as_map() {
                for (sub_key, sub_value) in &sub.entries {
                    keys.push(KeySpan {
                        path: format!("{}.{}", key.name, sub_key.name),
                        key: sub_key.at.span,
                        value: sub_value.at.span,
                    });
                }
            }
        }
    }
    (Decoded { record, provenance, options, keys, mode, written_target }, errors)
}

/// `UnitBytes` from a string: a plain integer, else a go-units RAM size.
fn go_size(text: &str) -> Result<i64, String> {
    match text.parse::<i64>() {
        Ok(value) if !text.starts_with('+') => Ok(value),
        _ => ram_in_bytes(text),
    }
}

/// Labels as Compose decodes them: a mapping (values formatted), or `k=v` strings.
pub fn labels_of(value: Option<&Value>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    match value.map(|v| &v.kind) {
        Some(Kind::Map(map)) => {
            for (k, v) in &map.entries {
                let text = match &v.kind {
                    Kind::Null => String::new(),
                    _ => v.go_format(),
                };
                labels.insert(k.name.clone(), text);
            }
        }
        Some(Kind::Seq(items)) => {
            for item in items {
                let text = item.go_format();
                let (k, v) = text.split_once('=').unwrap_or((&text, ""));
                labels.insert(k.to_string(), v.to_string());
            }
        }
        _ => {}
    }
    labels
}

// ---------------------------------------------------------------------------------------
// Paths (compose-go `paths`).

fn is_separator(byte: u8) -> bool {
    byte == b'\\' || byte == b'/'
}

fn has_prefix_fold(path: &[u8], prefix: &str) -> bool {
    let prefix = prefix.as_bytes();
    if path.len() < prefix.len() {
        return false;
    }
    for (i, p) in prefix.iter().enumerate() {
        let c = path[i];
        if is_separator(*p) {
            if !is_separator(c) {
                return false;
            }
        } else if !p.eq_ignore_ascii_case(&c) {
            return false;
        }
    }
    path.len() <= prefix.len() || is_separator(path[prefix.len()])
}

fn unc_len(path: &[u8], prefix_len: usize) -> usize {
    let mut count = 0;
    for (i, c) in path.iter().enumerate().skip(prefix_len) {
        if is_separator(*c) {
            count += 1;
            if count == 2 {
                return i;
            }
        }
    }
    path.len()
}

/// Length of a Windows volume name (`C:`, `\\host\share`, `\\.\pipe`...).
fn volume_name_len(path: &[u8]) -> usize {
    if path.len() >= 2 && path[1] == b':' {
        return 2;
    }
    if path.is_empty() || !is_separator(path[0]) {
        return 0;
    }
    if has_prefix_fold(path, "\\\\.\\UNC") {
        return unc_len(path, "\\\\.\\UNC\\".len());
    }
    if has_prefix_fold(path, "\\\\.") || has_prefix_fold(path, "\\\\?") || has_prefix_fold(path, "\\??") {
        if path.len() == 3 {
            return 3;
        }
        let rest = path.get(4..).unwrap_or(&[]);
        return match rest.iter().position(|c| is_separator(*c)) {
            Some(i) => 4 + i,
            None => path.len(),
        };
    }
    if path.len() >= 2 && is_separator(path[1]) {
        return unc_len(path, 2);
    }
    0
}

/// Windows-absolute, judged on any OS (compose-go `IsWindowsAbs`).
pub fn is_windows_abs(path: &str) -> bool {
    let bytes = path.as_bytes();
    let length = volume_name_len(bytes);
    if length == 0 {
        return false;
    }
    if bytes.len() >= 2 && is_separator(bytes[0]) && is_separator(bytes[1]) {
        return true;
    }
    bytes.get(length).is_some_and(|c| is_separator(*c))
}

/// `~` expansion: only the first character is looked at (`~user/x` is `$HOME/user/x`).
pub fn expand_user(path: &str, home: Option<&str>) -> Result<String, String> {
    match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) => Ok(join(home, rest)),
        (Some(_), None) => Err("cannot expand '~', because the environment lacks HOME".to_string()),
        (None, _) => Ok(path.to_string()),
    }
}

/// Go's `filepath.Join` on Linux.
pub fn join(dir: &str, path: &str) -> String {
    match (dir.is_empty(), path.is_empty()) {
        (true, true) => String::new(),
        (true, false) => clean(path),
        (false, true) => clean(dir),
        (false, false) => clean(&format!("{dir}/{path}")),
    }
}

/// Compose's bind source resolution (`maybeUnixPath`): `~` expanded, absolute (POSIX or
/// Windows) kept verbatim, anything else joined to the working directory. Returns the
/// path and a warning when `~` could not be expanded.
pub fn resolve_bind_source(source: &str, working_dir: &str, home: Option<&str>) -> (String, Option<String>) {
    let (path, warning) = match expand_user(source, home) {
        Ok(path) => (path, None),
        Err(warning) => (source.to_string(), Some(warning)),
    };
    if path.starts_with('/') || is_windows_abs(&path) {
        return (path, warning);
    }
    (join(working_dir, &path), warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_records() {
        let record = parse_short("data:/x:z").unwrap();
        assert_eq!(record.kind, "volume");
        assert_eq!(record.bind, Some(BindRecord { selinux: "z".into(), ..Default::default() }));
        assert_eq!(record.volume, Some(VolumeRecordOptions::default()));
        let record = parse_short("./a:/b:nocopy").unwrap();
        assert_eq!(record.kind, "bind");
        assert_eq!(record.volume.map(|v| v.nocopy), Some(true));
        assert_eq!(parse_short(".").unwrap().volume, None);
        assert!(!is_file_path("a界"));
        assert!(is_file_path("c:"));
        assert!(is_file_path("é:x"));
    }

    #[test]
    fn paths_resolve_like_compose() {
        assert_eq!(resolve_bind_source("./data/", "/proj", Some("/home/user")).0, "/proj/data");
        assert_eq!(resolve_bind_source("~user/x", "/proj", Some("/home/user")).0, "/home/user/user/x");
        assert_eq!(resolve_bind_source("/x//y/../z", "/proj", None).0, "/x//y/../z");
        assert_eq!(resolve_bind_source("c:", "/proj", None).0, "/proj/c:");
        assert_eq!(resolve_bind_source("C:/data", "/proj", None).0, "C:/data");
        assert_eq!(resolve_bind_source("\\\\.\\pipe\\x", "/proj", None).0, "\\\\.\\pipe\\x");
        assert_eq!(resolve_bind_source("..", "/proj", None).0, "/");
        assert_eq!(ram_in_bytes("64m"), Ok(67_108_864));
        assert_eq!(ram_in_bytes("1kb"), Ok(1024));
        assert_eq!(ram_in_bytes("1.5GiB"), Ok(1_610_612_736));
        assert!(ram_in_bytes("x").is_err());
    }
}
