//! Several compose files (and several YAML documents) into one model, as Compose merges
//! them (compose-go `override`, `loader/reset.go`): `!reset` / `!override` tags, the merge
//! rules (mappings merged key by key, sequences appended, some keys special), and the
//! unicity rule that collapses list entries with the same key (a volume's target), the
//! later one replacing the earlier in the earlier one's place.

use super::interpolate::{parts_match, path_matches};
use super::value::{At, Key, Kind, Mapping, Text, TextMap, Value};
use super::volume::parse_short;
use std::collections::HashMap;
use std::sync::LazyLock;

/// A problem found while merging or collapsing, with Compose's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeError {
    pub message: String,
    pub at: At,
}

fn pattern_matches(path: &[String], pattern: &[String]) -> bool {
    pattern.len() == path.len() && pattern.iter().zip(path).all(|(p, part)| p == "*" || p == part)
}

/// Remove the `!reset` nodes of a new document and return the paths tagged `!reset` or
/// `!override` (to be cleared from what was loaded before).
pub fn take_resets(doc: &mut Value) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut path = Vec::new();
    collect_resets(doc, &mut path, &mut paths);
    paths
}

fn collect_resets(value: &mut Value, path: &mut Vec<String>, paths: &mut Vec<Vec<String>>) {
    match &mut value.kind {
        Kind::Map(map) => {
            map.entries.retain(|(key, item)| {
                if item.tag.as_deref() == Some("!reset") {
                    let mut p = path.clone();
                    p.push(key.name.clone());
                    paths.push(p);
                    return false;
                }
                true
            });
            for (key, item) in &mut map.entries {
                path.push(key.name.clone());
                if item.tag.as_deref() == Some("!override") {
                    paths.push(path.clone());
                } else {
                    collect_resets(item, path, paths);
                }
                path.pop();
            }
        }
        Kind::Seq(items) => {
            let mut index = 0;
            items.retain(|item| {
                let keep = item.tag.as_deref() != Some("!reset");
                index += 1;
                keep
            });
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                if item.tag.as_deref() == Some("!override") {
                    paths.push(path.clone());
                } else {
                    collect_resets(item, path, paths);
                }
                path.pop();
            }
        }
        _ => {}
    }
}

/// Clear the recorded paths from the model loaded so far (mapping keys only, as Compose).
pub fn apply_resets(dict: &mut Value, paths: &[Vec<String>]) {
    let mut path = Vec::new();
    clear(dict, &mut path, paths);
}

fn clear(value: &mut Value, path: &mut Vec<String>, paths: &[Vec<String>]) {
    if let Kind::Map(map) = &mut value.kind {
        map.entries.retain(|(key, _)| {
            let mut next = path.clone();
            next.push(key.name.clone());
            !paths.iter().any(|p| pattern_matches(&next, p))
        });
        for (key, item) in &mut map.entries {
            path.push(key.name.clone());
            clear(item, path, paths);
            path.pop();
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Special {
    ToSequence,
    Override,
    Build,
    DependsOn,
    ToMapping,
    ExtraHosts,
    Logging,
}

const SPECIALS: &[(&str, Special)] = &[
    ("networks.*.labels", Special::ToSequence),
    ("volumes.*.labels", Special::ToSequence),
    ("services.*.annotations", Special::ToSequence),
    ("services.*.build", Special::Build),
    ("services.*.build.args", Special::ToSequence),
    ("services.*.build.additional_contexts", Special::ToSequence),
    ("services.*.build.extra_hosts", Special::ExtraHosts),
    ("services.*.build.labels", Special::ToSequence),
    ("services.*.command", Special::Override),
    ("services.*.depends_on", Special::DependsOn),
    ("services.*.deploy.labels", Special::ToSequence),
    ("services.*.dns", Special::ToSequence),
    ("services.*.dns_opt", Special::ToSequence),
    ("services.*.dns_search", Special::ToSequence),
    ("services.*.entrypoint", Special::Override),
    ("services.*.env_file", Special::ToSequence),
    ("services.*.label_file", Special::ToSequence),
    ("services.*.environment", Special::ToSequence),
    ("services.*.extra_hosts", Special::ExtraHosts),
    ("services.*.healthcheck.test", Special::Override),
    ("services.*.labels", Special::ToSequence),
    ("services.*.volumes.*.volume.labels", Special::ToSequence),
    ("services.*.logging", Special::Logging),
    ("services.*.models", Special::ToMapping),
    ("services.*.networks", Special::ToMapping),
    ("services.*.sysctls", Special::ToSequence),
    ("services.*.tmpfs", Special::ToSequence),
    ("services.*.ulimits.*", Special::Override),
    ("networks.*.ipam.config", Special::Override),
];

/// Merge `other` (a later file) over `base`.
pub fn merge(base: Value, other: Value, path: &mut Vec<String>) -> Result<Value, MergeError> {
    if let Some((_, special)) = SPECIALS.iter().find(|(pattern, _)| path_matches(path, pattern)) {
        return Ok(merge_special(*special, base, other, path));
    }
    if other.is_null() {
        return Ok(base);
    }
    let cannot = |at: At, path: &[String]| MergeError { message: format!("cannot override {}", path.join(".")), at };
    match base.kind {
        Kind::Map(mut mapping) => {
            let Kind::Map(more) = other.kind else { return Err(cannot(other.at, path)) };
            merge_mappings(&mut mapping, more, path)?;
            Ok(Value { kind: Kind::Map(mapping), at: base.at, tag: base.tag })
        }
        Kind::Seq(mut items) => {
            let Kind::Seq(more) = other.kind else { return Err(cannot(other.at, path)) };
            items.extend(more);
            Ok(Value { kind: Kind::Seq(items), at: base.at, tag: base.tag })
        }
        _ => Ok(other),
    }
}

fn merge_mappings(mapping: &mut Mapping, other: Mapping, path: &mut Vec<String>) -> Result<(), MergeError> {
    // Where each key is (its first entry, as a search in order finds it).
    let mut positions: HashMap<String, usize> = HashMap::with_capacity(mapping.entries.len());
    for (index, (key, _)) in mapping.entries.iter().enumerate() {
        positions.entry(key.name.clone()).or_insert(index);
    }
    for (key, value) in other.entries {
        match positions.get(&key.name).copied() {
            None => {
                positions.insert(key.name.clone(), mapping.entries.len());
                mapping.entries.push((key, value));
            }
            Some(index) => {
                let existing = std::mem::replace(&mut mapping.entries[index].1, Value::new(Kind::Null, At::default()));
                path.push(key.name.clone());
                let merged = merge(existing, value, path);
                path.pop();
                mapping.entries[index].1 = merged?;
            }
        }
    }
    Ok(())
}

fn merge_special(special: Special, base: Value, other: Value, path: &mut Vec<String>) -> Value {
    let at = base.at;
    match special {
        Special::Override => other,
        Special::ToSequence => {
            let mut items = into_sequence(base);
            items.extend(into_sequence(other));
            Value::new(Kind::Seq(items), at)
        }
        Special::ExtraHosts => {
            let mut items = into_sequence(base);
            for item in into_sequence(other) {
                if !items.iter().any(|i| i.kind == item.kind) {
                    items.push(item);
                }
            }
            Value::new(Kind::Seq(items), at)
        }
        Special::Build => {
            let as_map = |v: Value| match v.kind {
                Kind::Str(_) => {
                    let mut map = Mapping::default();
                    map.insert(Key { name: "context".into(), at: v.at, typed: Box::new(Kind::Null) }, v.clone());
                    map
                }
                Kind::Map(map) => map,
                _ => Mapping::default(),
            };
            let mut mapping = as_map(base);
            let _ = merge_mappings(&mut mapping, as_map(other), path);
            Value::new(Kind::Map(mapping), at)
        }
        Special::DependsOn | Special::ToMapping => {
            let with_default = special == Special::DependsOn;
            let mut mapping = into_mapping(base, with_default);
            let _ = merge_mappings(&mut mapping, into_mapping(other, with_default), path);
            Value::new(Kind::Map(mapping), at)
        }
        Special::Logging => {
            let same_driver = match (base.as_map(), other.as_map()) {
                (Some(b), Some(o)) => match (b.get("driver"), o.get("driver")) {
                    (Some(x), Some(y)) => x.kind == y.kind,
                    _ => true,
                },
                _ => false,
            };
            match (same_driver, base.kind) {
                (true, Kind::Map(mut mapping)) => {
                    if let Kind::Map(more) = other.kind {
                        let _ = merge_mappings(&mut mapping, more, path);
                    }
                    Value::new(Kind::Map(mapping), at)
                }
                _ => other,
            }
        }
    }
}

/// compose-go `convertIntoSequence`: a mapping becomes sorted `k=v` strings.
fn into_sequence(value: Value) -> Vec<Value> {
    match value.kind {
        Kind::Seq(items) => items,
        Kind::Str(_) => vec![value],
        Kind::Map(map) => {
            let mut items: Vec<Value> = Vec::new();
            for (key, item) in map.entries {
                match &item.kind {
                    Kind::Null => items.push(string_at(key.name.clone(), key.at)),
                    Kind::Seq(list) => {
                        for element in list {
                            items.push(string_at(format!("{}={}", key.name, element.go_format()), key.at));
                        }
                    }
                    _ => items.push(string_at(format!("{}={}", key.name, item.go_format()), key.at)),
                }
            }
            items.sort_by(|a, b| a.as_str().unwrap_or("").cmp(b.as_str().unwrap_or("")));
            items
        }
        _ => Vec::new(),
    }
}

fn string_at(text: String, at: At) -> Value {
    let map = TextMap::whole(text.len(), at.span);
    Value::new(Kind::Str(Text { value: text, map }), at)
}

/// compose-go `convertIntoMapping`: a list of names becomes a mapping.
fn into_mapping(value: Value, depends_on_defaults: bool) -> Mapping {
    match value.kind {
        Kind::Map(map) => map,
        Kind::Seq(items) => {
            let mut map = Mapping::default();
            for item in items {
                let Some(name) = item.as_str() else { continue };
                let entry = if depends_on_defaults {
                    let mut defaults = Mapping::default();
                    let key = |n: &str| Key { name: n.into(), at: item.at, typed: Box::new(Kind::Null) };
                    defaults.insert(key("condition"), string_at("service_started".into(), item.at));
                    defaults.insert(key("required"), Value::new(Kind::Bool(true), item.at));
                    Value::new(Kind::Map(defaults), item.at)
                } else {
                    Value::new(Kind::Null, item.at)
                };
                map.insert(Key { name: name.to_string(), at: item.at, typed: Box::new(Kind::Null) }, entry);
            }
            map
        }
        _ => Mapping::default(),
    }
}

// ---------------------------------------------------------------------------------------
// Unicity (compose-go `override/uncity.go`).

const KEY_VALUE_LISTS: &[&str] = &[
    "networks.*.labels",
    "networks.*.ipam.options",
    "services.*.annotations",
    "services.*.build.args",
    "services.*.build.additional_contexts",
    "services.*.build.platform",
    "services.*.build.tags",
    "services.*.build.labels",
    "services.*.cap_add",
    "services.*.cap_drop",
    "services.*.deploy.labels",
    "services.*.dns",
    "services.*.dns_opt",
    "services.*.dns_search",
    "services.*.environment",
    "services.*.labels",
    "services.*.links",
    "services.*.networks.*.aliases",
    "services.*.networks.*.link_local_ips",
    "services.*.profiles",
    "services.*.sysctls",
    "services.*.tmpfs",
];

/// [`KEY_VALUE_LISTS`] with each pattern split into its parts (once: the table is
/// matched against every list of a file).
static KEY_VALUE_PARTS: LazyLock<Vec<Vec<&'static str>>> =
    LazyLock::new(|| KEY_VALUE_LISTS.iter().map(|pattern| pattern.split('.').collect()).collect());

/// Collapse list entries with the same key, in place. Errors (a short-syntax string that
/// does not parse, an entry without target...) are returned in document order; the entry
/// concerned is dropped so that the rest can still be read.
pub fn enforce_unicity(value: &mut Value) -> Vec<MergeError> {
    let mut errors = Vec::new();
    let mut path = Vec::new();
    unicity(value, &mut path, &mut errors);
    errors
}

fn type_name(value: &Value) -> &'static str {
    match &value.kind {
        Kind::Null => "<nil>",
        Kind::Bool(_) => "bool",
        Kind::Int(_) => "int",
        Kind::Float(_) => "float64",
        Kind::Str(_) => "string",
        Kind::Seq(_) => "[]interface {}",
        Kind::Map(_) => "map[string]interface {}",
    }
}

fn unicity(value: &mut Value, path: &mut Vec<String>, errors: &mut Vec<MergeError>) {
    match &mut value.kind {
        Kind::Map(map) => {
            for (key, item) in &mut map.entries {
                path.push(key.name.clone());
                unicity(item, path, errors);
                path.pop();
            }
        }
        Kind::Seq(items) => {
            let volumes = path_matches(path, "services.*.volumes");
            let key_value = KEY_VALUE_PARTS.iter().any(|parts| parts_match(path, parts));
            if !volumes && !key_value {
                return;
            }
            let mut kept: Vec<Value> = Vec::with_capacity(items.len());
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (i, item) in std::mem::take(items).into_iter().enumerate() {
                let item_path = format!("{}.[{i}]", path.join("."));
                let key = if volumes { volume_key(&item, &item_path) } else { key_value_key(&item, &item_path) };
                match key {
                    Ok(key) => match seen.get(&key) {
                        Some(&j) => kept[j] = item,
                        None => {
                            seen.insert(key, kept.len());
                            kept.push(item);
                        }
                    },
                    Err(message) => errors.push(MergeError { message, at: item.at }),
                }
            }
            *items = kept;
        }
        _ => {}
    }
}

fn volume_key(item: &Value, path: &str) -> Result<String, String> {
    match &item.kind {
        Kind::Map(map) => match map.get("target").and_then(Value::as_str) {
            Some(target) => Ok(target.to_string()),
            None => Err(format!("service volume {path} is missing a mount target")),
        },
        Kind::Str(text) => parse_short(&text.value).map(|record| record.target).map_err(|error| error.message),
        _ => Ok(String::new()),
    }
}

fn key_value_key(item: &Value, path: &str) -> Result<String, String> {
    match &item.kind {
        Kind::Str(text) => Ok(text.value.split_once('=').map_or(text.value.as_str(), |(k, _)| k).to_string()),
        _ => Err(format!("{path}: unexpected type {}", type_name(item))),
    }
}
