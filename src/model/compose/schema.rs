//! The compose-spec JSON-schema rules for storage, checked as Compose checks them and
//! reported in its words (`validating <file>: services.web.volumes.0.type value must be
//! one of 'bind', ...`).
//!
//! Covered: the document's top-level keys, `services` (names, unknown service keys), a
//! service's `volumes`, `tmpfs` and `volumes_from`, and top-level `volumes`. Other service
//! keys and the contents of networks, secrets and configs are not checked here.
//!
//! Compose reports only the "most specific" failure: of all leaf failures (a oneOf
//! collects those of each branch), the first one with the deepest instance path, an
//! unknown key counting one level deeper than its mapping. We collect leaves in the
//! validator's order and pick the same way.

use super::value::{At, Kind, Mapping, Value};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// One failed check: instance path, message, and whether it is an unknown-key failure.
#[derive(Clone, Debug)]
struct Leaf {
    path: Vec<String>,
    message: String,
    additional: bool,
    at: At,
}

impl Leaf {
    fn specificity(&self) -> usize {
        self.path.len() + usize::from(self.additional)
    }
}

/// A schema failure as Compose prints it (without the `validating <file>: ` prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError {
    pub message: String,
    pub at: At,
}

/// Check a (merged) model; `None` when it passes.
pub fn validate(root: &Value) -> Option<SchemaError> {
    let mut leaves = Vec::new();
    let mut path = Vec::new();
    check_root(root, &mut path, &mut leaves);
    let mut best: Option<&Leaf> = None;
    for leaf in &leaves {
        if best.is_none_or(|b| leaf.specificity() > b.specificity()) {
            best = Some(leaf);
        }
    }
    best.map(|leaf| SchemaError { message: format!("{} {}", leaf.path.join("."), leaf.message), at: leaf.at })
}

fn quote(text: &str) -> String {
    let quoted = crate::model::verdict::go_quote(text);
    let inner = quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or("");
    format!("'{}'", inner.replace("\\\"", "\"").replace('\'', "\\'"))
}

fn human_type(name: &str) -> &str {
    if name == "object" {
        "mapping"
    } else {
        name
    }
}

/// `must be a <type>` for the wanted JSON types, in Compose's wording.
fn type_message(want: &[&str]) -> String {
    let mut names: Vec<&str> = want.iter().map(|w| human_type(w)).collect();
    if names.len() == 1 {
        return format!("must be a {}", names[0]);
    }
    names.sort_unstable();
    let (last, rest) = names.split_last().map(|(l, r)| (*l, r.join(", "))).unwrap_or(("", String::new()));
    format!("must be a {rest} or {last}")
}

fn type_ok(value: &Value, want: &[&str]) -> bool {
    want.iter().any(|w| match (*w, &value.kind) {
        ("null", Kind::Null) | ("boolean", Kind::Bool(_)) | ("string", Kind::Str(_)) => true,
        ("array", Kind::Seq(_)) | ("object", Kind::Map(_)) => true,
        ("number", Kind::Int(_) | Kind::Float(_)) | ("integer", Kind::Int(_)) => true,
        ("integer", Kind::Float(f)) => f.fract() == 0.0,
        _ => false,
    })
}

/// The type check; on failure a leaf is added and `false` returned (nothing else is
/// checked on that value, as in the validator).
fn check_type(value: &Value, want: &[&str], path: &[String], leaves: &mut Vec<Leaf>) -> bool {
    if type_ok(value, want) {
        return true;
    }
    leaves.push(Leaf { path: path.to_vec(), message: type_message(want), additional: false, at: value.at });
    false
}

fn additional(keys: &[&str], path: &[String], at: At, leaves: &mut Vec<Leaf>) {
    if keys.is_empty() {
        return;
    }
    let names: Vec<String> = keys.iter().map(|k| quote(k)).collect();
    leaves.push(Leaf {
        path: path.to_vec(),
        message: format!("additional properties {} not allowed", names.join(", ")),
        additional: true,
        at,
    });
}

fn is_resource_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn with<R>(path: &mut Vec<String>, part: &str, f: impl FnOnce(&mut Vec<String>) -> R) -> R {
    path.push(part.to_string());
    let result = f(path);
    path.pop();
    result
}

fn check_root(root: &Value, path: &mut Vec<String>, leaves: &mut Vec<Leaf>) {
    let Some(map) = root.as_map() else { return };
    let mut unknown = Vec::new();
    for (key, value) in &map.entries {
        with(path, &key.name, |path| match key.name.as_str() {
            "version" | "name" => {
                check_type(value, &["string"], path, leaves);
            }
            "include" => {
                check_type(value, &["array"], path, leaves);
            }
            "services" => check_named(value, path, leaves, true, check_service),
            "volumes" => check_named(value, path, leaves, true, check_toplevel_volume),
            "secrets" | "configs" => check_named(value, path, leaves, true, |_, _, _| {}),
            "networks" | "models" => check_named(value, path, leaves, false, |_, _, _| {}),
            name if name.starts_with("x-") => {}
            name => unknown.push(name),
        });
    }
    additional(&unknown, path, root.at, leaves);
}

/// A mapping of resources named `^[a-zA-Z0-9._-]+$`.
fn check_named(
    value: &Value,
    path: &mut Vec<String>,
    leaves: &mut Vec<Leaf>,
    closed: bool,
    check: impl Fn(&Value, &mut Vec<String>, &mut Vec<Leaf>),
) {
    if !check_type(value, &["object"], path, leaves) {
        return;
    }
    let Some(map) = value.as_map() else { return };
    let mut unknown = Vec::new();
    for (key, item) in &map.entries {
        if is_resource_name(&key.name) {
            with(path, &key.name, |path| check(item, path, leaves));
        } else if closed {
            unknown.push(key.name.as_str());
        }
    }
    additional(&unknown, path, value.at, leaves);
}

/// The keys a service may have (compose-spec schema `service` properties).
const SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

fn check_service(value: &Value, path: &mut Vec<String>, leaves: &mut Vec<Leaf>) {
    if !check_type(value, &["object"], path, leaves) {
        return;
    }
    let Some(map) = value.as_map() else { return };
    let mut unknown = Vec::new();
    for (key, item) in &map.entries {
        with(path, &key.name, |path| match key.name.as_str() {
            "volumes" => check_service_volumes(item, path, leaves),
            "tmpfs" => check_string_or_list(item, path, leaves),
            "volumes_from" => check_list_of_strings(item, path, leaves),
            name if name.starts_with("x-") || SERVICE_KEYS.contains(&name) => {}
            name => unknown.push(name),
        });
    }
    additional(&unknown, path, value.at, leaves);
}

/// `uniqueItems`: the first pair of equal items (the first item equal to an earlier one,
/// and the first earlier one it equals). Items are grouped by a hash that equal items
/// share, so each is compared only with the earlier ones of its group.
fn check_unique(items: &[Value], path: &[String], at: At, leaves: &mut Vec<Leaf>) {
    let mut groups: HashMap<u64, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        // A value holding a NaN equals nothing, itself included.
        let Some(hash) = json_hash(item) else { continue };
        let group = groups.entry(hash).or_default();
        if let Some(j) = group.iter().copied().find(|&j| json_equal(item, &items[j])) {
            leaves.push(Leaf {
                path: path.to_vec(),
                message: format!("items at {j} and {i} are equal"),
                additional: false,
                at,
            });
            return;
        }
        group.push(i);
    }
}

/// A hash that values equal under [`json_equal`] share; `None` for a value that contains
/// a NaN. Numbers hash by their value as a float (an integer equals the float it
/// converts to); a mapping's entries are combined without regard to their order.
fn json_hash(value: &Value) -> Option<u64> {
    fn one(part: impl Hash) -> u64 {
        let mut hasher = DefaultHasher::new();
        part.hash(&mut hasher);
        hasher.finish()
    }
    fn number(x: f64) -> Option<u64> {
        // `0.0 == -0.0`: both hash as zero.
        (!x.is_nan()).then(|| one((2u8, if x == 0.0 { 0 } else { x.to_bits() })))
    }
    match &value.kind {
        Kind::Null => Some(one(0u8)),
        Kind::Bool(b) => Some(one((1u8, *b))),
        Kind::Int(i) => number(*i as f64),
        Kind::Float(f) => number(*f),
        Kind::Str(text) => Some(one((3u8, text.value.as_str()))),
        Kind::Seq(items) => {
            let mut hasher = DefaultHasher::new();
            (4u8, items.len()).hash(&mut hasher);
            for item in items {
                json_hash(item)?.hash(&mut hasher);
            }
            Some(hasher.finish())
        }
        Kind::Map(map) => {
            let mut sum = one((5u8, map.entries.len()));
            for (key, item) in &map.entries {
                sum = sum.wrapping_add(one((key.name.as_str(), json_hash(item)?)));
            }
            Some(sum)
        }
    }
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (&a.kind, &b.kind) {
        (Kind::Null, Kind::Null) => true,
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Str(x), Kind::Str(y)) => x.value == y.value,
        (Kind::Int(x), Kind::Int(y)) => x == y,
        (Kind::Int(x), Kind::Float(y)) | (Kind::Float(y), Kind::Int(x)) => (*x as f64) == *y,
        (Kind::Float(x), Kind::Float(y)) => x == y,
        (Kind::Seq(x), Kind::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b)),
        (Kind::Map(x), Kind::Map(y)) => {
            if x.entries.len() != y.entries.len() {
                return false;
            }
            // Large mappings are looked up by key (the first entry of a name, as `get`).
            if y.entries.len() > 16 {
                let mut by_name: HashMap<&str, &Value> = HashMap::with_capacity(y.entries.len());
                for (k, v) in &y.entries {
                    by_name.entry(k.name.as_str()).or_insert(v);
                }
                return x.entries.iter().all(|(k, v)| by_name.get(k.name.as_str()).is_some_and(|w| json_equal(v, w)));
            }
            x.entries.iter().all(|(k, v)| y.get(&k.name).is_some_and(|w| json_equal(v, w)))
        }
        _ => false,
    }
}

fn check_list_of_strings(value: &Value, path: &mut Vec<String>, leaves: &mut Vec<Leaf>) {
    if !check_type(value, &["array"], path, leaves) {
        return;
    }
    let Some(items) = value.as_seq() else { return };
    check_unique(items, path, value.at, leaves);
    for (i, item) in items.iter().enumerate() {
        with(path, &i.to_string(), |path| check_type(item, &["string"], path, leaves));
    }
}

fn check_string_or_list(value: &Value, path: &mut Vec<String>, leaves: &mut Vec<Leaf>) {
    let mut branch = Vec::new();
    if check_type(value, &["string"], path, &mut branch) {
        return;
    }
    let mut second = Vec::new();
    check_list_of_strings(value, path, &mut second);
    if !second.is_empty() {
        leaves.extend(branch);
        leaves.extend(second);
    }
}

fn check_service_volumes(value: &Value, path: &mut Vec<String>, leaves: &mut Vec<Leaf>) {
    if !check_type(value, &["array"], path, leaves) {
        return;
    }
    let Some(items) = value.as_seq() else { return };
    check_unique(items, path, value.at, leaves);
    for (i, item) in items.iter().enumerate() {
        with(path, &i.to_string(), |path| {
            // oneOf: a string, or a long-syntax mapping.
            let mut first = Vec::new();
            if check_type(item, &["string"], path, &mut first) {
                return;
            }
            let mut second = Vec::new();
            check_long_volume(item, path, &mut second);
            if !second.is_empty() {
                leaves.extend(first);
                leaves.extend(second);
            }
        });
    }
}

const VOLUME_TYPES: [&str; 6] = ["bind", "volume", "tmpfs", "cluster", "npipe", "image"];

fn check_enum(value: &Value, allowed: &[&str], path: &[String], leaves: &mut Vec<Leaf>) {
    if !check_type(value, &["string"], path, leaves) {
        return;
    }
    if !value.as_str().is_some_and(|v| allowed.contains(&v)) {
        let names: Vec<String> = allowed.iter().map(|a| quote(a)).collect();
        leaves.push(Leaf {
            path: path.to_vec(),
            message: format!("value must be one of {}", names.join(", ")),
            additional: false,
            at: value.at,
        });
    }
}

/// An object with known keys (each checked by `check`), `x-*` allowed, others refused.
fn check_object(
    value: &Value,
    path: &mut Vec<String>,
    leaves: &mut Vec<Leaf>,
    known: &[&str],
    check: impl Fn(&str, &Value, &mut Vec<String>, &mut Vec<Leaf>),
) -> Option<()> {
    if !check_type(value, &["object"], path, leaves) {
        return None;
    }
    let map: &Mapping = value.as_map()?;
    let mut unknown = Vec::new();
    for (key, item) in &map.entries {
        if known.contains(&key.name.as_str()) {
            with(path, &key.name, |path| check(&key.name, item, path, leaves));
        } else if !key.name.starts_with("x-") {
            unknown.push(key.name.as_str());
        }
    }
    additional(&unknown, path, value.at, leaves);
    Some(())
}

fn check_long_volume(value: &Value, path: &mut Vec<String>, leaves: &mut Vec<Leaf>) {
    if !check_type(value, &["object"], path, leaves) {
        return;
    }
    if let Some(map) = value.as_map() {
        if !map.contains("type") {
            leaves.push(Leaf {
                path: path.to_vec(),
                message: "missing property 'type'".to_string(),
                additional: false,
                at: value.at,
            });
        }
    }
    let known = ["type", "source", "target", "read_only", "consistency", "bind", "volume", "tmpfs", "image"];
    check_object(value, path, leaves, &known, |name, item, path, leaves| match name {
        "type" => check_enum(item, &VOLUME_TYPES, path, leaves),
        "source" | "target" | "consistency" => {
            check_type(item, &["string"], path, leaves);
        }
        "read_only" => {
            check_type(item, &["boolean", "string"], path, leaves);
        }
        "bind" => {
            let known = ["propagation", "create_host_path", "recursive", "selinux"];
            check_object(item, path, leaves, &known, |name, item, path, leaves| match name {
                "propagation" => {
                    check_type(item, &["string"], path, leaves);
                }
                "create_host_path" => {
                    check_type(item, &["boolean", "string"], path, leaves);
                }
                "recursive" => check_enum(item, &["enabled", "disabled", "writable", "readonly"], path, leaves),
                _ => check_enum(item, &["z", "Z"], path, leaves),
            });
        }
        "volume" => {
            check_object(item, path, leaves, &["labels", "nocopy", "subpath"], |name, item, path, leaves| match name {
                "labels" => check_list_or_dict(item, path, leaves),
                "nocopy" => {
                    check_type(item, &["boolean", "string"], path, leaves);
                }
                _ => {
                    check_type(item, &["string"], path, leaves);
                }
            });
        }
        "tmpfs" => {
            check_object(item, path, leaves, &["size", "mode"], |name, item, path, leaves| {
                if name == "mode" {
                    check_type(item, &["number", "string"], path, leaves);
                    return;
                }
                // oneOf: a non-negative integer, or a string.
                let mut first = Vec::new();
                if check_type(item, &["integer"], path, &mut first) {
                    let negative = match item.kind {
                        Kind::Int(i) => i < 0,
                        Kind::Float(f) => f < 0.0,
                        _ => false,
                    };
                    if negative {
                        first.push(Leaf {
                            path: path.to_vec(),
                            message: "must be greater than or equal to 0".to_string(),
                            additional: false,
                            at: item.at,
                        });
                    } else {
                        return;
                    }
                }
                let mut second = Vec::new();
                if check_type(item, &["string"], path, &mut second) {
                    return;
                }
                leaves.extend(first);
                leaves.extend(second);
            });
        }
        _ => {
            check_object(item, path, leaves, &["subpath"], |_, item, path, leaves| {
                check_type(item, &["string"], path, leaves);
            });
        }
    });
}

/// `list_or_dict`: a mapping of scalars, or a list of unique strings.
fn check_list_or_dict(value: &Value, path: &mut Vec<String>, leaves: &mut Vec<Leaf>) {
    let mut first = Vec::new();
    if check_type(value, &["object"], path, &mut first) {
        if let Some(map) = value.as_map() {
            let mut empty_keys = Vec::new();
            for (key, item) in &map.entries {
                if key.name.is_empty() {
                    empty_keys.push("");
                    continue;
                }
                with(path, &key.name, |path| {
                    check_type(item, &["string", "number", "boolean", "null"], path, &mut first)
                });
            }
            additional(&empty_keys, path, value.at, &mut first);
        }
        if first.is_empty() {
            return;
        }
    }
    let mut second = Vec::new();
    check_list_of_strings(value, path, &mut second);
    if !second.is_empty() {
        leaves.extend(first);
        leaves.extend(second);
    }
}

fn check_toplevel_volume(value: &Value, path: &mut Vec<String>, leaves: &mut Vec<Leaf>) {
    if !check_type(value, &["object", "null"], path, leaves) || value.is_null() {
        return;
    }
    let known = ["name", "driver", "driver_opts", "external", "labels"];
    check_object(value, path, leaves, &known, |name, item, path, leaves| match name {
        "name" | "driver" => {
            check_type(item, &["string"], path, leaves);
        }
        "driver_opts" => {
            if check_type(item, &["object"], path, leaves) {
                if let Some(map) = item.as_map() {
                    for (key, option) in &map.entries {
                        if !key.name.is_empty() {
                            with(path, &key.name, |path| check_type(option, &["string", "number"], path, leaves));
                        }
                    }
                }
            }
        }
        "external" => {
            if check_type(item, &["boolean", "string", "object"], path, leaves) && item.as_map().is_some() {
                check_object(item, path, leaves, &["name"], |_, item, path, leaves| {
                    check_type(item, &["string"], path, leaves);
                });
            }
        }
        _ => check_list_or_dict(item, path, leaves),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::compose::value::{Key, Text, TextMap};

    fn value(kind: Kind) -> Value {
        Value::new(kind, At::default())
    }

    fn string(text: &str) -> Value {
        value(Kind::Str(Text { value: text.to_string(), map: TextMap::default() }))
    }

    fn map(entries: &[(&str, Value)]) -> Value {
        let entries = entries
            .iter()
            .map(|(name, v)| {
                (Key { name: name.to_string(), at: At::default(), typed: Box::new(Kind::Null) }, v.clone())
            })
            .collect();
        value(Kind::Map(Mapping { entries, short: None }))
    }

    /// The pair the schema validator reports, found by comparing every pair.
    fn first_equal_pair(items: &[Value]) -> Option<String> {
        (1..items.len()).find_map(|i| {
            (0..i).find(|&j| json_equal(&items[i], &items[j])).map(|j| format!("items at {j} and {i} are equal"))
        })
    }

    fn reported(items: &[Value]) -> Option<String> {
        let mut leaves = Vec::new();
        check_unique(items, &[], At::default(), &mut leaves);
        leaves.into_iter().next().map(|leaf| leaf.message)
    }

    #[test]
    fn unique_items_reports_the_first_equal_pair() {
        let one = value(Kind::Int(1));
        let one_float = value(Kind::Float(1.0));
        let nan = value(Kind::Float(f64::NAN));
        let ab = map(&[("a", string("x")), ("b", one.clone())]);
        let ba = map(&[("b", one_float.clone()), ("a", string("x"))]);
        let cases: Vec<Vec<Value>> = vec![
            vec![string("a"), string("b"), string("c")],
            vec![string("a"), string("b"), string("a"), string("b")],
            vec![string("a"), string("b"), string("b"), string("a")],
            vec![one.clone(), string("1"), one_float.clone()],
            vec![value(Kind::Float(0.0)), value(Kind::Float(-0.0))],
            vec![nan.clone(), nan.clone(), value(Kind::Seq(vec![nan.clone()])), value(Kind::Seq(vec![nan]))],
            vec![ab.clone(), map(&[("a", string("x"))]), ba],
            vec![value(Kind::Seq(vec![one.clone(), string("a")])), value(Kind::Seq(vec![string("a"), one.clone()]))],
            vec![value(Kind::Null), value(Kind::Bool(false)), value(Kind::Null)],
            // Integers that convert to the same float each equal it, not each other.
            vec![value(Kind::Int(1 << 60)), value(Kind::Int((1 << 60) + 1)), value(Kind::Float((1u64 << 60) as f64))],
        ];
        // Mappings large enough to be compared through an index, in another order.
        let names: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
        let entries: Vec<(&str, Value)> = names.iter().map(|n| (n.as_str(), string(n))).collect();
        let reversed: Vec<(&str, Value)> = entries.iter().rev().cloned().collect();
        let mut changed = reversed.clone();
        changed[3].1 = string("other");
        let mut cases = cases;
        cases.push(vec![map(&entries), map(&changed), map(&reversed)]);
        for items in &cases {
            assert_eq!(reported(items), first_equal_pair(items), "{items:?}");
        }
        assert_eq!(reported(&cases[10]).as_deref(), Some("items at 0 and 2 are equal"));
        assert_eq!(reported(&cases[1]).as_deref(), Some("items at 0 and 2 are equal"));
        assert_eq!(reported(&cases[2]).as_deref(), Some("items at 1 and 2 are equal"));
        assert_eq!(reported(&cases[6]).as_deref(), Some("items at 0 and 2 are equal"));
        assert_eq!(reported(&cases[9]).as_deref(), Some("items at 0 and 2 are equal"));
    }

    #[test]
    fn unique_items_matches_pairwise_comparison_on_generated_lists() {
        // Small values from a few shapes, so that equal pairs are frequent.
        let mut seed = 0x2545_f491_u64;
        let mut next = |bound: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % bound
        };
        for _ in 0..300 {
            let len = next(12) as usize;
            let items: Vec<Value> = (0..len)
                .map(|_| match next(4) {
                    0 => value(Kind::Int(next(3) as i64)),
                    1 => value(Kind::Float(next(3) as f64)),
                    2 => string(["a", "b"][next(2) as usize]),
                    _ => map(&[("k", value(Kind::Int(next(2) as i64))), ("j", string(["a", "b"][next(2) as usize]))]),
                })
                .collect();
            assert_eq!(reported(&items), first_equal_pair(&items), "{items:?}");
        }
    }
}
