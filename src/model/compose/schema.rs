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

/// `uniqueItems`: the first pair of equal items.
fn check_unique(items: &[Value], path: &[String], at: At, leaves: &mut Vec<Leaf>) {
    for i in 1..items.len() {
        for j in 0..i {
            if json_equal(&items[i], &items[j]) {
                leaves.push(Leaf {
                    path: path.to_vec(),
                    message: format!("items at {j} and {i} are equal"),
                    additional: false,
                    at,
                });
                return;
            }
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
            x.entries.len() == y.entries.len()
                && x.entries.iter().all(|(k, v)| y.get(&k.name).is_some_and(|w| json_equal(v, w)))
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
