//! Compose files to the mount model: what `docker compose` loads from them, what it would
//! refuse (with its exact message and the stage that refuses it), and what it would ask
//! the Engine for, service by service.
//!
//! [`load`] follows Compose's loader in its order, because the order decides which error
//! wins (see `grammar/compose.md`): per file and YAML document, parse → interpolate →
//! `!reset`/`!override` → merge → unicity → schema → canonical form → unicity; then, for the
//! merged model, defaults → validation → path resolution → normalisation → decoding →
//! consistency, and finally the conversion to Engine requests. Where Compose stops at the
//! first error, we go on where we can and keep every error in stage order: the first one
//! is what `docker compose` prints, the others what it would print next.
//!
//! Not followed: `include:` and `extends:` (other files), Windows path conversion. Checks
//! of keys that have nothing to do with storage are partial (see `schema`).

pub mod dotenv;
pub mod engine;
pub mod interpolate;
pub mod merge;
pub mod schema;
pub mod value;
pub mod volume;

use crate::model::mount::{Field, Mount, MountKind, SyntaxKind, TmpfsSettings};
use crate::model::request::ApiMount;
use crate::span::Span;
use crate::syntax::compose::yaml::{self, Limits};
use engine::EngineRoute;
use serde::Serialize;
use std::collections::BTreeMap;
use value::{At, Key, Kind, Mapping, ShortOrigin, Value};
use volume::VolumeRecord;

/// How to load: what `docker compose` takes from its command line and environment.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// `--project-directory`; default: the directory of the first file.
    pub project_dir: Option<String>,
    /// `-p`; else `COMPOSE_PROJECT_NAME`, else `name:`, else the directory's name.
    pub project_name: Option<String>,
    /// The process environment.
    pub env: BTreeMap<String, String>,
    /// The `.env` file (or `--env-file`): its path (for messages) and text.
    pub env_file: Option<(String, String)>,
    /// Variables set explicitly, over everything else.
    pub overrides: BTreeMap<String, String>,
    /// The home directory for `~`; default: `HOME` of `env`.
    pub home: Option<String>,
    /// The directory relative paths are taken from when the project directory is relative.
    pub cwd: String,
    /// `false` is `--no-interpolate`.
    pub interpolate: bool,
    /// Active profiles (`--profile`).
    pub profiles: Vec<String>,
    pub limits: Limits,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            project_dir: None,
            project_name: None,
            env: BTreeMap::new(),
            env_file: None,
            overrides: BTreeMap::new(),
            home: None,
            cwd: "/".to_string(),
            interpolate: true,
            profiles: Vec::new(),
            limits: Limits::default(),
        }
    }
}

/// The loader step that raised an error (Compose's pipeline order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComposeStage {
    /// Reading the YAML (syntax, limits, duplicate keys, non-string keys).
    Yaml,
    Interpolate,
    /// Merging override files (`cannot override ...`).
    Merge,
    /// Collapsing list entries; short-syntax strings are parsed here.
    Unicity,
    Schema,
    /// The canonical form (`external.name` conflicts).
    Transform,
    /// Cross-field validation (`external` with other keys).
    Validate,
    /// Relative path resolution.
    Resolve,
    /// Decoding into typed records.
    Decode,
    /// Undefined volumes, networks, services; mount target conflicts.
    Consistency,
    /// The project as a whole (empty, no name).
    Project,
}

/// An error as Compose prints it, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComposeError {
    pub stage: ComposeStage,
    pub message: String,
    /// Index into [`ComposeProject::files`], when the error is about a place in a file.
    pub file: Option<usize>,
    pub span: Option<Span>,
}

/// A warning Compose logs while loading.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComposeWarning {
    pub message: String,
    pub file: Option<usize>,
    pub span: Option<Span>,
}

/// A service storage item: the semantic mount and what Compose makes of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComposeMount {
    pub mount: Mount,
    /// The file the item is written in (index into [`ComposeProject::files`]).
    pub file: usize,
    /// Compose's loaded record (`volumes:` entries; `None` for `tmpfs:` items).
    pub record: Option<VolumeRecord>,
    /// What is sent to the Engine for it (`None` for `tmpfs:` items: see the request).
    pub route: Option<EngineRoute>,
    /// Warnings `docker compose` logs for this item.
    pub warnings: Vec<String>,
    /// Short syntax: the option tokens (ignored ones included), with their spans.
    pub options: Vec<volume::OptionToken>,
    /// Long syntax: the keys written, with the spans of key and value.
    pub keys: Vec<volume::KeySpan>,
}

/// Whose volumes a `volumes_from` entry names, as `docker compose` resolves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VolumesFromTarget {
    /// `SERVICE[:mode]`: the ID of the service's first container (the mode is dropped).
    FirstContainerOf(String),
    /// `container:NAME[:mode]`: the container NAME (the mode is dropped).
    Container(String),
}

/// One `volumes_from` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VolumesFrom {
    pub text: String,
    pub file: usize,
    pub span: Span,
    /// `ro` / `rw` as written (with no effect: docker compose drops it).
    pub mode: Option<String>,
    pub target: VolumesFromTarget,
}

/// A `depends_on` entry (explicit, or implied by `volumes_from`, `links`...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DependsOn {
    pub condition: String,
    pub restart: bool,
    pub required: bool,
}

/// The storage part of the container-create request of a service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServiceRequest {
    /// `HostConfig.Binds`.
    pub binds: Vec<String>,
    /// `HostConfig.Mounts`.
    pub mounts: Vec<ApiMount>,
    /// `HostConfig.Tmpfs` (from the service `tmpfs:` key).
    pub tmpfs: BTreeMap<String, String>,
    /// `HostConfig.VolumesFrom`.
    pub volumes_from: Vec<VolumesFromTarget>,
}

/// A service and its storage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Service {
    pub name: String,
    pub file: usize,
    pub span: Span,
    /// `false` when the service has profiles none of which is active.
    pub enabled: bool,
    /// `volumes:` entries (in order, after unicity), then `tmpfs:` items.
    pub mounts: Vec<ComposeMount>,
    pub volumes_from: Vec<VolumesFrom>,
    pub depends_on: Vec<(String, DependsOn)>,
    pub request: ServiceRequest,
}

/// A top-level volume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopLevelVolume {
    /// The key services refer to.
    pub key: String,
    /// The Engine volume name (`name`, else the key if external, else `<project>_<key>`).
    pub name: String,
    pub driver: Option<String>,
    pub driver_opts: BTreeMap<String, String>,
    pub external: bool,
    pub labels: BTreeMap<String, String>,
    pub file: usize,
    /// The whole entry, and the key alone.
    pub span: Span,
    pub key_span: Span,
}

/// Everything loaded from a set of compose files.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ComposeProject {
    pub name: String,
    pub working_dir: String,
    pub files: Vec<String>,
    pub services: Vec<Service>,
    pub volumes: Vec<TopLevelVolume>,
    /// In Compose's stage order: the first is what `docker compose` prints.
    pub errors: Vec<ComposeError>,
    pub warnings: Vec<ComposeWarning>,
}

impl ComposeProject {
    /// The error `docker compose` stops with, if any.
    pub fn error(&self) -> Option<&ComposeError> {
        self.errors.first()
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    pub fn volume(&self, key: &str) -> Option<&TopLevelVolume> {
        self.volumes.iter().find(|v| v.key == key)
    }
}

/// What the loader collects as it goes.
struct Loader<'a> {
    options: &'a LoadOptions,
    files: Vec<String>,
    vars: BTreeMap<String, String>,
    errors: Vec<ComposeError>,
    warnings: Vec<ComposeWarning>,
}

impl Loader<'_> {
    fn error(&mut self, stage: ComposeStage, message: impl Into<String>, at: Option<At>) {
        self.errors.push(ComposeError {
            stage,
            message: message.into(),
            file: at.map(|a| a.file),
            span: at.map(|a| a.span),
        });
    }

    fn warn(&mut self, message: impl Into<String>, at: Option<At>) {
        self.warnings.push(ComposeWarning {
            message: message.into(),
            file: at.map(|a| a.file),
            span: at.map(|a| a.span),
        });
    }
}

fn dirname(path: &str) -> String {
    match path.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => path[..i].to_string(),
        None => ".".to_string(),
    }
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
}

/// compose-go `NormalizeProjectName`.
pub fn normalize_project_name(name: &str) -> String {
    let kept: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

fn new_key(name: &str, at: At) -> Key {
    Key { name: name.to_string(), at, typed: Box::new(Kind::Null) }
}

/// Load compose files `(path, text)` in `-f` order.
pub fn load<P: AsRef<str>, T: AsRef<str>>(files: &[(P, T)], options: &LoadOptions) -> ComposeProject {
    let mut loader = Loader {
        options,
        files: files.iter().map(|(p, _)| p.as_ref().to_string()).collect(),
        vars: BTreeMap::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let first = loader.files.first().cloned().unwrap_or_default();
    let mut working_dir = options.project_dir.clone().unwrap_or_else(|| dirname(&first));
    if !working_dir.starts_with('/') {
        working_dir = crate::model::paths::absolute(&options.cwd, &working_dir);
    }
    loader.vars = environment(&mut loader);
    let home = options.home.clone().or_else(|| options.env.get("HOME").cloned());

    // Per file and document: parse, interpolate, merge, unicity, schema, canonical form.
    let mut dict = Value::new(Kind::Map(Mapping::default()), At::default());
    let mut file_name: Option<String> = None;
    if files.is_empty() {
        loader.error(ComposeStage::Project, "no compose file specified", None);
    }
    for (index, (path, text)) in files.iter().enumerate() {
        let path = path.as_ref();
        let documents = match yaml::parse(text.as_ref(), &options.limits) {
            Ok(documents) => documents,
            Err(error) => {
                let at = At { file: index, span: error.span };
                loader.error(ComposeStage::Yaml, format!("failed to parse {path}: {}", error.message), Some(at));
                continue;
            }
        };
        for document in &documents {
            let mut doc = value::from_node(document, index);
            if let Some(name) = doc.as_map().and_then(|m| m.get("name")).and_then(Value::as_str) {
                if !name.is_empty() {
                    file_name = Some(name.to_string());
                }
            }
            load_document(&mut loader, &mut dict, &mut doc, path);
        }
    }
    let name = project_name(&mut loader, file_name, &working_dir);
    let empty = dict.as_map().is_none_or(|m| m.entries.is_empty());
    if empty && !files.is_empty() && loader.errors.is_empty() {
        loader.error(ComposeStage::Project, "empty compose file", None);
    }

    // The merged model: defaults, validation, paths, normalisation, decoding.
    set_defaults(&mut dict);
    validate_resources(&mut loader, &dict);
    resolve_paths(&mut loader, &mut dict, &working_dir, home.as_deref());
    let volumes = decode_toplevel_volumes(&dict, &name);
    let mut services = decode_services(&mut loader, &dict, &volumes, &working_dir);
    check_consistency(&mut loader, &dict, &mut services, &volumes);

    let mut errors = loader.errors;
    errors.sort_by_key(|e| e.stage);
    ComposeProject { name, working_dir, files: loader.files, services, volumes, errors, warnings: loader.warnings }
}

/// The variables for interpolation: the `.env` file, then the process environment over
/// it, then the explicit overrides.
fn environment(loader: &mut Loader) -> BTreeMap<String, String> {
    let options = loader.options;
    let mut vars = BTreeMap::new();
    if let Some((path, text)) = &options.env_file {
        match dotenv::parse(text, &options.env) {
            Ok(pairs) => vars.extend(pairs),
            Err(reason) => loader.error(ComposeStage::Project, format!("failed to read {path}: {reason}"), None),
        }
    }
    vars.extend(options.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    vars.extend(options.overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
    vars
}

fn project_name(loader: &mut Loader, from_file: Option<String>, working_dir: &str) -> String {
    if let Some(name) = &loader.options.project_name {
        if normalize_project_name(name) != *name {
            loader.error(
                ComposeStage::Project,
                format!(
                    "invalid project name {}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number",
                    crate::model::verdict::go_quote(name)
                ),
                None,
            );
        }
        return name.clone();
    }
    if let Some(name) = loader.vars.get("COMPOSE_PROJECT_NAME").filter(|n| !n.is_empty()) {
        return name.clone();
    }
    if let Some(name) = from_file {
        let interpolated = if loader.options.interpolate {
            interpolate::substitute(&name, &loader.vars, &mut Vec::new()).map(|s| s.value).unwrap_or(name)
        } else {
            name
        };
        let normalized = normalize_project_name(&interpolated);
        if !normalized.is_empty() {
            return normalized;
        }
    }
    let name = normalize_project_name(basename(working_dir));
    if name.is_empty() {
        loader.error(ComposeStage::Project, "project name must not be empty", None);
    }
    name
}

/// Go's `%#v` of a non-string key.
fn go_key(kind: &Kind) -> String {
    match kind {
        Kind::Null => "<nil>".to_string(),
        Kind::Str(text) => crate::model::verdict::go_quote(&text.value),
        other => value::go_format(other),
    }
}

/// The first key that is not a string (Compose refuses the document).
fn non_string_key(value: &Value) -> Option<(String, At)> {
    non_string_key_in(value, &mut Vec::new())
}

/// One step of the path to a value: a key, or an index in a list.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The path as compose prints it (`services.web.volumes[0]`).
fn print_path(path: &[Step<'_>]) -> String {
    let mut printed = String::new();
    for step in path {
        match step {
            Step::Key(name) if printed.is_empty() => printed.push_str(name),
            Step::Key(name) => {
                printed.push('.');
                printed.push_str(name);
            }
            Step::Index(i) => printed.push_str(&format!("[{i}]")),
        }
    }
    printed
}

// Every node of the file is visited: the path is kept as steps and printed only for the
// key that is reported.
fn non_string_key_in<'v>(value: &'v Value, path: &mut Vec<Step<'v>>) -> Option<(String, At)> {
    let visit = |item: &'v Value, step: Step<'v>, path: &mut Vec<Step<'v>>| {
        path.push(step);
        let found = non_string_key_in(item, path);
        path.pop();
        found
    };
    match &value.kind {
        Kind::Map(map) => {
            for (key, item) in &map.entries {
                if !matches!(*key.typed, Kind::Str(_)) {
                    let prefix = print_path(path);
                    let location = if prefix.is_empty() { "at top level".to_string() } else { format!("in {prefix}") };
                    return Some((format!("non-string key {location}: {}", go_key(&key.typed)), key.at));
                }
                if let Some(found) = visit(item, Step::Key(&key.name), path) {
                    return Some(found);
                }
            }
            None
        }
        Kind::Seq(items) => items.iter().enumerate().find_map(|(i, item)| visit(item, Step::Index(i), path)),
        _ => None,
    }
}

fn load_document(loader: &mut Loader, dict: &mut Value, doc: &mut Value, path: &str) {
    if doc.as_map().is_none() {
        loader.error(ComposeStage::Yaml, "top-level object must be a mapping", Some(doc.at));
        return;
    }
    if let Some((message, at)) = non_string_key(doc) {
        loader.error(ComposeStage::Yaml, message, Some(at));
        return;
    }
    if loader.options.interpolate {
        let mut warnings = Vec::new();
        for error in interpolate::interpolate(doc, &loader.vars, &mut warnings) {
            loader.error(ComposeStage::Interpolate, error.message, Some(error.at));
        }
        for warning in warnings {
            loader.warn(warning.message, Some(warning.at));
        }
    }
    if let Some(map) = doc.as_map() {
        if let Some(include) = map.key("include") {
            let at = include.at;
            loader.warn("include: the included files are not read", Some(at));
        }
        if let Some(services) = map.get("services").and_then(Value::as_map) {
            let extending: Vec<At> = services
                .entries
                .iter()
                .filter_map(|(_, s)| s.as_map().and_then(|m| m.key("extends")).map(|k| k.at))
                .collect();
            for at in extending {
                loader.warn("extends: the extended service is not read; its volumes are missing here", Some(at));
            }
        }
    }
    let resets = merge::take_resets(doc);
    merge::apply_resets(dict, &resets);
    let base = std::mem::replace(dict, Value::new(Kind::Null, At::default()));
    let taken = std::mem::replace(doc, Value::new(Kind::Null, At::default()));
    let mut merge_path = Vec::new();
    match merge::merge(base.clone(), taken, &mut merge_path) {
        Ok(merged) => *dict = merged,
        Err(error) => {
            loader.error(ComposeStage::Merge, error.message, Some(error.at));
            *dict = base;
        }
    }
    for error in merge::enforce_unicity(dict) {
        loader.error(ComposeStage::Unicity, error.message, Some(error.at));
    }
    if let Some(error) = schema::validate(dict) {
        loader.error(ComposeStage::Schema, format!("validating {path}: {}", error.message), Some(error.at));
    }
    if let Some(map) = dict.as_map_mut() {
        if let Some(version) = map.remove("version") {
            loader.warn(
                format!("{path}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion"),
                Some(version.at),
            );
        }
    }
    canonical(loader, dict);
    for error in merge::enforce_unicity(dict) {
        loader.error(ComposeStage::Unicity, error.message, Some(error.at));
    }
}

/// compose-go `transform.Canonical`, for storage: short volume strings become mappings,
/// `external: {name: x}` becomes `external: true` + `name: x`.
fn canonical(loader: &mut Loader, dict: &mut Value) {
    let skip_parse_errors = !loader.options.interpolate;
    let Some(root) = dict.as_map_mut() else { return };
    if let Some(services) = root.get_mut("services").and_then(Value::as_map_mut) {
        for (_, service) in &mut services.entries {
            let Some(volumes) = service.as_map_mut().and_then(|m| m.get_mut("volumes")) else { continue };
            let Kind::Seq(items) = &mut volumes.kind else { continue };
            for item in items.iter_mut() {
                let Kind::Str(text) = &item.kind else { continue };
                match volume::parse_short(&text.value) {
                    Ok(record) => {
                        let fields = crate::syntax::compose::short::split(&text.value).unwrap_or_default();
                        let origin =
                            ShortOrigin { text: text.value.clone(), at: item.at, map: text.map.clone(), fields };
                        *item = volume::canonical(&record, origin);
                    }
                    Err(error) if !skip_parse_errors => {
                        loader.error(ComposeStage::Transform, error.message, Some(item.at));
                    }
                    Err(_) => {}
                }
            }
        }
    }
    let Some(volumes) = root.get_mut("volumes").and_then(Value::as_map_mut) else { return };
    let mut problems = Vec::new();
    for (key, volume) in &mut volumes.entries {
        let Some(map) = volume.as_map_mut() else { continue };
        let name = map.get("name").cloned();
        let Some(external) = map.get_mut("external") else { continue };
        let Some(ext_map) = external.as_map() else { continue };
        let ext_name = ext_map.get("name").cloned();
        let at = external.at;
        *external = Value::new(Kind::Bool(true), at);
        if let Some(ext_name) = ext_name {
            let path = format!("volumes.{}", key.name);
            problems.push((
                false,
                format!("{path}: external.name is deprecated. Please set name and external: true"),
                at,
            ));
            match name {
                Some(name) if name.kind != ext_name.kind => {
                    problems.push((true, format!("{path}: name and external.name conflict; only use name"), at));
                }
                Some(_) => {}
                None => map.insert(new_key("name", ext_name.at), ext_name),
            }
        }
    }
    for (is_error, message, at) in problems {
        if is_error {
            loader.error(ComposeStage::Transform, message, Some(at));
        } else {
            loader.warn(message, Some(at));
        }
    }
}

/// compose-go `SetDefaultValues`, for storage: `bind.create_host_path` defaults to true.
fn set_defaults(dict: &mut Value) {
    let Some(services) = dict.as_map_mut().and_then(|m| m.get_mut("services")).and_then(Value::as_map_mut) else {
        return;
    };
    for (_, service) in &mut services.entries {
        let Some(Kind::Seq(items)) = service.as_map_mut().and_then(|m| m.get_mut("volumes")).map(|v| &mut v.kind)
        else {
            continue;
        };
        for item in items {
            let Some(bind) = item.as_map_mut().and_then(|m| m.get_mut("bind")) else { continue };
            let at = bind.at;
            if let Some(map) = bind.as_map_mut() {
                if !map.contains("create_host_path") {
                    map.insert(new_key("create_host_path", at), Value::new(Kind::Bool(true), at));
                }
            }
        }
    }
}

/// compose-go `validation.Validate`, for storage: top-level `external` conflicts, and the
/// `file`/`environment` rules of secrets and configs.
fn validate_resources(loader: &mut Loader, dict: &Value) {
    let Some(root) = dict.as_map() else { return };
    if let Some(volumes) = root.get("volumes").and_then(Value::as_map) {
        for (key, volume) in &volumes.entries {
            let Some(map) = volume.as_map() else { continue };
            if !matches!(map.get("external").map(|v| &v.kind), Some(Kind::Bool(true))) {
                continue;
            }
            let conflict = map
                .entries
                .iter()
                .find(|(k, _)| !matches!(k.name.as_str(), "name" | "external") && !k.name.starts_with("x-"));
            if let Some((other, _)) = conflict {
                let message = format!(
                    "volumes.{}: conflicting parameters \"external\" and {} specified",
                    key.name,
                    crate::model::verdict::go_quote(&other.name)
                );
                loader.error(ComposeStage::Validate, message, Some(other.at));
            }
        }
    }
    for (section, keys) in
        [("configs", &["file", "environment", "content"][..]), ("secrets", &["file", "environment"][..])]
    {
        let Some(resources) = root.get(section).and_then(Value::as_map) else { continue };
        for (key, resource) in &resources.entries {
            let empty = Mapping::default();
            let map = resource.as_map().unwrap_or(&empty);
            let count = keys.iter().filter(|k| map.contains(k)).count();
            let path = format!("{section}.{}", key.name);
            if count > 1 {
                loader.error(
                    ComposeStage::Validate,
                    format!("{path}: {} attributes are mutually exclusive", keys.join("|")),
                    Some(key.at),
                );
            } else if count == 0 && !map.contains("driver") && !map.contains("external") {
                loader.error(
                    ComposeStage::Validate,
                    format!("{path}: one of {} must be set", keys.join("|")),
                    Some(key.at),
                );
            }
        }
    }
}

/// compose-go `ResolveRelativePaths`, for storage: bind sources and `local` bind devices.
fn resolve_paths(loader: &mut Loader, dict: &mut Value, working_dir: &str, home: Option<&str>) {
    let Some(root) = dict.as_map_mut() else { return };
    let mut warnings = Vec::new();
    if let Some(services) = root.get_mut("services").and_then(Value::as_map_mut) {
        for (_, service) in &mut services.entries {
            let Some(Kind::Seq(items)) = service.as_map_mut().and_then(|m| m.get_mut("volumes")).map(|v| &mut v.kind)
            else {
                continue;
            };
            let mut keep = Vec::with_capacity(items.len());
            for mut item in std::mem::take(items) {
                let at = item.at;
                if let Some(map) = item.as_map_mut() {
                    if map.get("type").and_then(Value::as_str) == Some("bind") {
                        match map.get_mut("source") {
                            None => {
                                loader.error(
                                    ComposeStage::Resolve,
                                    "invalid mount config for type \"bind\": field Source must not be empty",
                                    Some(at),
                                );
                                continue;
                            }
                            Some(source) => resolve_in_place(source, working_dir, home, &mut warnings),
                        }
                    }
                }
                keep.push(item);
            }
            *items = keep;
        }
    }
    if let Some(volumes) = root.get_mut("volumes").and_then(Value::as_map_mut) {
        for (_, volume) in &mut volumes.entries {
            let Some(map) = volume.as_map_mut() else { continue };
            if map.get("driver").and_then(Value::as_str) != Some("local") {
                continue;
            }
            let Some(opts) = map.get_mut("driver_opts").and_then(Value::as_map_mut) else { continue };
            if opts.get("o").and_then(Value::as_str) != Some("bind") {
                continue;
            }
            if let Some(device) = opts.get_mut("device") {
                resolve_in_place(device, working_dir, home, &mut warnings);
            }
        }
    }
    for (message, at) in warnings {
        loader.warn(message, Some(at));
    }
}

fn resolve_in_place(value: &mut Value, working_dir: &str, home: Option<&str>, warnings: &mut Vec<(String, At)>) {
    let Kind::Str(text) = &mut value.kind else { return };
    let (resolved, warning) = volume::resolve_bind_source(&text.value, working_dir, home);
    if let Some(warning) = warning {
        warnings.push((warning, value.at));
    }
    if resolved != text.value {
        text.value = resolved;
        text.map = value::TextMap::whole(text.value.len(), value.at.span);
    }
}

fn string_map(value: Option<&Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(map) = value.and_then(Value::as_map) {
        for (key, item) in &map.entries {
            let text = if item.is_null() { String::new() } else { item.go_format() };
            out.insert(key.name.clone(), text);
        }
    }
    out
}

fn is_true(value: Option<&Value>) -> bool {
    match value.map(|v| &v.kind) {
        Some(Kind::Bool(b)) => *b,
        Some(Kind::Str(text)) => matches!(text.value.as_str(), "1" | "t" | "T" | "TRUE" | "true" | "True"),
        Some(Kind::Int(1)) => true,
        _ => false,
    }
}

/// Top-level volumes, named as Compose names them.
fn decode_toplevel_volumes(dict: &Value, project: &str) -> Vec<TopLevelVolume> {
    let Some(volumes) = dict.as_map().and_then(|m| m.get("volumes")).and_then(Value::as_map) else { return Vec::new() };
    volumes
        .entries
        .iter()
        .map(|(key, value)| {
            let empty = Mapping::default();
            let map = value.as_map().unwrap_or(&empty);
            let external = is_true(map.get("external"));
            let name = match map.get("name").filter(|v| !v.is_null()) {
                Some(name) => name.go_format(),
                None if external => key.name.clone(),
                None => format!("{project}_{}", key.name),
            };
            let span = entry_span(key.at, value.at);
            TopLevelVolume {
                key: key.name.clone(),
                name,
                driver: map.get("driver").and_then(Value::as_str).map(str::to_string),
                driver_opts: string_map(map.get("driver_opts")),
                external,
                labels: volume::labels_of(map.get("labels")),
                file: key.at.file,
                span,
                key_span: key.at.span,
            }
        })
        .collect()
}

/// A `key: value` entry's span in the key's file: to the end of the value when the value
/// is in that file too (after a merge it can come from a later file: then the key alone).
fn entry_span(key: At, value: At) -> Span {
    let end = if value.file == key.file { value.span.end.max(key.span.end) } else { key.span.end };
    Span::new(key.span.start, end)
}

/// Names listed as a sequence of strings or as the keys of a mapping.
fn names_of(value: Option<&Value>) -> Vec<(String, At)> {
    match value.map(|v| &v.kind) {
        Some(Kind::Seq(items)) => items.iter().filter_map(|i| i.as_str().map(|s| (s.to_string(), i.at))).collect(),
        Some(Kind::Map(map)) => map.entries.iter().map(|(k, _)| (k.name.clone(), k.at)).collect(),
        Some(Kind::Str(text)) => vec![(text.value.clone(), value.map(|v| v.at).unwrap_or_default())],
        _ => Vec::new(),
    }
}

fn decode_services(loader: &mut Loader, dict: &Value, volumes: &[TopLevelVolume], working_dir: &str) -> Vec<Service> {
    let Some(services) = dict.as_map().and_then(|m| m.get("services")).and_then(Value::as_map) else {
        return Vec::new();
    };
    let profiles = &loader.options.profiles;
    let mut out = Vec::new();
    for (key, value) in &services.entries {
        let empty = Mapping::default();
        let map = value.as_map().unwrap_or(&empty);
        let service_profiles = names_of(map.get("profiles"));
        let enabled =
            service_profiles.is_empty() || service_profiles.iter().any(|(p, _)| profiles.contains(p) || p == "*");
        let mut service = Service {
            name: key.name.clone(),
            file: key.at.file,
            span: entry_span(key.at, value.at),
            enabled,
            mounts: Vec::new(),
            volumes_from: Vec::new(),
            depends_on: Vec::new(),
            request: ServiceRequest::default(),
        };
        decode_service_volumes(loader, &mut service, map.get("volumes"), volumes, working_dir);
        decode_service_tmpfs(&mut service, map.get("tmpfs"));
        decode_volumes_from(&mut service, map.get("volumes_from"));
        decode_depends_on(&mut service, map);
        out.push(service);
    }
    out
}

fn decode_service_volumes(
    loader: &mut Loader,
    service: &mut Service,
    value: Option<&Value>,
    volumes: &[TopLevelVolume],
    working_dir: &str,
) {
    let Some(items) = value.and_then(Value::as_seq) else { return };
    for (i, item) in items.iter().enumerate() {
        let path = format!("services.{}.volumes[{i}]", service.name);
        let owned;
        let map = match &item.kind {
            Kind::Map(map) => map,
            // Kept as a string only when interpolation is off and it did not parse.
            Kind::Str(text) => match volume::parse_short(&text.value) {
                Ok(record) => {
                    let fields = crate::syntax::compose::short::split(&text.value).unwrap_or_default();
                    let origin = ShortOrigin { text: text.value.clone(), at: item.at, map: text.map.clone(), fields };
                    owned = volume::canonical(&record, origin);
                    match owned.as_map() {
                        Some(map) => map,
                        None => continue,
                    }
                }
                Err(error) => {
                    loader.error(ComposeStage::Decode, error.message, Some(item.at));
                    continue;
                }
            },
            _ => continue,
        };
        let (decoded, problems) = volume::decode(map, &path);
        for problem in problems {
            loader.error(ComposeStage::Decode, problem, Some(item.at));
        }
        let syntax = if map.short.is_some() { SyntaxKind::ComposeShort } else { SyntaxKind::ComposeLong };
        let span = map.short.as_ref().map(|s| s.at.span).unwrap_or(item.at.span);
        let record = decoded.record;
        let declared = volumes.iter().find(|v| v.key == record.source && record.kind == "volume");
        let route = engine::route(&record, declared.map(|v| v.name.as_str()), working_dir);
        let mut mount = Mount::new(syntax, MountKind::from_api(&record.kind), decoded.written_target.clone(), span);
        mount.source = match record.kind.as_str() {
            "volume" if record.source.is_empty() => None,
            "volume" => Some(declared.map(|v| v.name.clone()).unwrap_or_else(|| record.source.clone())),
            "tmpfs" if record.source.is_empty() => None,
            _ => Some(record.source.clone()),
        };
        mount.read_only = record.read_only;
        if let Some(bind) = &record.bind {
            mount.propagation = Some(bind.propagation.clone()).filter(|p| !p.is_empty());
            mount.selinux = Some(bind.selinux.clone()).filter(|p| !p.is_empty());
            mount.bind_recursive = Some(bind.recursive.clone()).filter(|p| !p.is_empty());
            mount.create_host_path = bind.create_host_path;
        }
        if let Some(options) = &record.volume {
            mount.nocopy = options.nocopy;
            mount.subpath = Some(options.subpath.clone()).filter(|p| !p.is_empty());
            mount.labels = options.labels.clone();
        }
        if let Some(image) = &record.image {
            mount.subpath = Some(image.subpath.clone()).filter(|p| !p.is_empty());
        }
        if let Some(tmpfs) = &record.tmpfs {
            mount.tmpfs = Some(TmpfsSettings {
                size_bytes: u64::try_from(tmpfs.size).ok().filter(|s| *s != 0),
                mode: Some(tmpfs.mode).filter(|m| *m != 0),
                options: Vec::new(),
            });
        }
        mount.consistency = Some(record.consistency.clone()).filter(|c| !c.is_empty());
        if let Some(volume) = declared {
            mount.driver = volume.driver.clone();
            mount.driver_opts = volume.driver_opts.clone();
        }
        mount.mode = decoded.mode.clone();
        mount.provenance = decoded.provenance.clone();
        match &route {
            EngineRoute::Bind(bind) => service.request.binds.push(bind.clone()),
            EngineRoute::Mount(api) => service.request.mounts.push(api.as_ref().clone()),
        }
        service.mounts.push(ComposeMount {
            mount,
            file: item.at.file,
            record: Some(record.clone()),
            route: Some(route),
            warnings: engine::foreign_option_warnings(&record),
            options: decoded.options.clone(),
            keys: decoded.keys.clone(),
        });
    }
}

fn decode_service_tmpfs(service: &mut Service, value: Option<&Value>) {
    let items: Vec<&Value> = match value.map(|v| &v.kind) {
        Some(Kind::Str(_)) => value.into_iter().collect(),
        Some(Kind::Seq(items)) => items.iter().collect(),
        _ => Vec::new(),
    };
    for item in items {
        let Some(text) = item.as_str() else { continue };
        let (path, options) = text.split_once(':').unwrap_or((text, ""));
        let span = item.at.span;
        let mut mount = Mount::new(SyntaxKind::ComposeTmpfs, MountKind::Tmpfs, path, span);
        mount.provenance.insert(Field::Target, item.sub_span(0, path.len()));
        if text.len() > path.len() {
            mount.provenance.insert(Field::TmpfsOptions, item.sub_span(path.len() + 1, text.len()));
        }
        mount.tmpfs = Some(TmpfsSettings {
            size_bytes: None,
            mode: None,
            options: if options.is_empty() { Vec::new() } else { options.split(',').map(str::to_string).collect() },
        });
        service.request.tmpfs.insert(path.to_string(), options.to_string());
        service.mounts.push(ComposeMount {
            mount,
            file: item.at.file,
            record: None,
            route: None,
            warnings: Vec::new(),
            options: Vec::new(),
            keys: Vec::new(),
        });
    }
}

fn decode_volumes_from(service: &mut Service, value: Option<&Value>) {
    let Some(items) = value.and_then(Value::as_seq) else { return };
    for item in items {
        let Some(text) = item.as_str() else { continue };
        let parts: Vec<&str> = text.split(':').collect();
        let (target, mode) = if parts.first() == Some(&"container") {
            (VolumesFromTarget::Container(parts.get(1).unwrap_or(&"").to_string()), parts.get(2))
        } else {
            (VolumesFromTarget::FirstContainerOf(parts.first().unwrap_or(&"").to_string()), parts.get(1))
        };
        service.request.volumes_from.push(target.clone());
        service.volumes_from.push(VolumesFrom {
            text: text.to_string(),
            file: item.at.file,
            span: item.at.span,
            mode: mode.map(|m| m.to_string()),
            target,
        });
    }
}

/// `depends_on` as normalised: explicit entries, then `links`, namespaces shared with a
/// `service:`, and `volumes_from` services.
fn decode_depends_on(service: &mut Service, map: &Mapping) {
    let add = |name: &str, dep: DependsOn, out: &mut Vec<(String, DependsOn)>| {
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_string(), dep));
        }
    };
    let mut deps = Vec::new();
    match map.get("depends_on").map(|v| &v.kind) {
        Some(Kind::Seq(items)) => {
            for item in items.iter().filter_map(Value::as_str) {
                add(item, DependsOn { condition: "service_started".into(), restart: false, required: true }, &mut deps);
            }
        }
        Some(Kind::Map(entries)) => {
            for (key, value) in &entries.entries {
                let sub = value.as_map();
                let get_bool = |k: &str, default: bool| match sub.and_then(|m| m.get(k)).map(|v| &v.kind) {
                    Some(Kind::Bool(b)) => *b,
                    _ => default,
                };
                let condition =
                    sub.and_then(|m| m.get("condition")).and_then(Value::as_str).unwrap_or("service_started");
                add(
                    &key.name,
                    DependsOn {
                        condition: condition.into(),
                        restart: get_bool("restart", false),
                        required: get_bool("required", true),
                    },
                    &mut deps,
                );
            }
        }
        _ => {}
    }
    let started = |restart| DependsOn { condition: "service_started".into(), restart, required: true };
    for (link, _) in names_of(map.get("links")) {
        let parts: Vec<&str> = link.split(':').collect();
        let name = if parts.len() == 2 { parts[0] } else { link.as_str() };
        add(name, started(true), &mut deps);
    }
    for namespace in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
        if let Some(shared) = map.get(namespace).and_then(Value::as_str).and_then(|v| v.strip_prefix("service:")) {
            add(shared, started(true), &mut deps);
        }
    }
    for from in &service.volumes_from {
        if let VolumesFromTarget::FirstContainerOf(name) = &from.target {
            add(name, started(false), &mut deps);
        }
    }
    service.depends_on = deps;
}

/// compose-go `checkConsistency`, for the checks that concern storage and the references
/// a storage check depends on.
fn check_consistency(loader: &mut Loader, dict: &Value, services: &mut [Service], volumes: &[TopLevelVolume]) {
    let empty = Mapping::default();
    let root = dict.as_map().unwrap_or(&empty);
    let service_maps = root.get("services").and_then(Value::as_map).unwrap_or(&empty);
    let networks: Vec<String> = names_of(root.get("networks")).into_iter().map(|(n, _)| n).collect();
    let secrets: Vec<String> = names_of(root.get("secrets")).into_iter().map(|(n, _)| n).collect();
    let configs: Vec<String> = names_of(root.get("configs")).into_iter().map(|(n, _)| n).collect();
    let invalid = "invalid compose project";
    for service in services.iter().filter(|s| s.enabled) {
        let map = service_maps.get(&service.name).and_then(Value::as_map).unwrap_or(&empty);
        let at = At { file: service.file, span: service.span };
        let name = &service.name;
        let quoted = crate::model::verdict::go_quote(name);
        if !map.contains("build") && !map.contains("image") && !map.contains("provider") {
            loader.error(
                ComposeStage::Consistency,
                format!("service {quoted} has neither an image nor a build context specified: {invalid}"),
                Some(at),
            );
            continue;
        }
        let service_networks = names_of(map.get("networks"));
        if map.contains("network_mode") && !service_networks.is_empty() {
            loader.error(
                ComposeStage::Consistency,
                format!("service {name} declares mutually exclusive `network_mode` and `networks`: {invalid}"),
                Some(at),
            );
            continue;
        }
        if let Some((network, network_at)) =
            service_networks.iter().find(|(n, _)| n != "default" && !networks.contains(n))
        {
            loader.error(
                ComposeStage::Consistency,
                format!("service {quoted} refers to undefined network {network}: {invalid}"),
                Some(*network_at),
            );
            continue;
        }
        let missing_dep = service.depends_on.iter().find(|(dep, cfg)| {
            let target = services_enabled(service_maps, dep, &loader.options.profiles);
            match target {
                None => true,
                Some(false) => cfg.required,
                Some(true) => false,
            }
        });
        if let Some((dep, _)) = missing_dep {
            loader.error(
                ComposeStage::Consistency,
                format!(
                    "service {quoted} depends on undefined service {}: {invalid}",
                    crate::model::verdict::go_quote(dep)
                ),
                Some(at),
            );
            continue;
        }
        let undefined_volume = service.mounts.iter().find(|m| {
            m.record.as_ref().is_some_and(|r| {
                r.kind == "volume" && !r.source.is_empty() && !volumes.iter().any(|v| v.key == r.source)
            })
        });
        if let Some(mount) = undefined_volume {
            let source = mount.record.as_ref().map(|r| r.source.clone()).unwrap_or_default();
            let span = mount.mount.span_of(Field::Source);
            loader.error(
                ComposeStage::Consistency,
                format!("service {quoted} refers to undefined volume {source}: {invalid}"),
                Some(At { file: mount.file, span }),
            );
            continue;
        }
        if let Some(message) = undefined_file_objects(map, "configs", "config", &configs, &quoted)
            .or_else(|| undefined_file_objects(map, "secrets", "secret", &secrets, &quoted))
        {
            loader.error(ComposeStage::Consistency, message, Some(at));
            continue;
        }
        // Mount targets: `tmpfs:` items first, then `volumes:` (cleaned targets).
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut tmpfs_index = 0;
        let mut volume_index = 0;
        let mut conflicts = Vec::new();
        let ordered = service
            .mounts
            .iter()
            .filter(|m| m.record.is_none())
            .chain(service.mounts.iter().filter(|m| m.record.is_some()));
        for mount in ordered {
            let (location, target) = match &mount.record {
                None => {
                    tmpfs_index += 1;
                    (format!("services.{name}.tmpfs[{}]", tmpfs_index - 1), mount.mount.target.clone())
                }
                Some(record) => {
                    volume_index += 1;
                    (format!("services.{name}.volumes[{}]", volume_index - 1), record.target.clone())
                }
            };
            match seen.iter().find(|(t, _)| *t == target) {
                Some((_, first)) => {
                    conflicts.push((
                        format!("{location}: target {target} already mounted as {first}"),
                        mount.file,
                        mount.mount.span,
                    ));
                    break;
                }
                None => seen.push((target, location)),
            }
        }
        if let Some((message, file, span)) = conflicts.into_iter().next() {
            loader.error(ComposeStage::Consistency, message, Some(At { file, span }));
        }
    }
}

/// `Some(enabled)` when the service exists.
fn services_enabled(services: &Mapping, name: &str, profiles: &[String]) -> Option<bool> {
    let service = services.get(name)?;
    let listed = names_of(service.as_map().and_then(|m| m.get("profiles")));
    Some(listed.is_empty() || listed.iter().any(|(p, _)| profiles.contains(p) || p == "*"))
}

fn undefined_file_objects(map: &Mapping, key: &str, what: &str, declared: &[String], service: &str) -> Option<String> {
    let items = map.get(key).and_then(Value::as_seq)?;
    for item in items {
        let source = match &item.kind {
            Kind::Str(text) => text.value.clone(),
            Kind::Map(entry) => entry.get("source").and_then(Value::as_str).unwrap_or("").to_string(),
            _ => continue,
        };
        if !declared.contains(&source) {
            return Some(format!("service {service} refers to undefined {what} {source}: invalid compose project"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> LoadOptions {
        LoadOptions { project_dir: Some("/p".into()), home: Some("/home/u".into()), ..Default::default() }
    }

    fn text_at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    const FILE: &str = "name: demo\nservices:\n  web:\n    image: alpine\n    volumes:\n      - ./a:/b:RO\n      - ${SRC:-./x}:/y:ro,z\n      - type: bind\n        source: ./c\n        target: /d/\n        consistency: cached\n    tmpfs: /run:size=64m\nvolumes:\n  data: {}\n";

    #[test]
    fn spans_point_into_the_file() {
        let project = load(&[("compose.yaml", FILE)], &options());
        assert_eq!(project.errors, []);
        let web = project.service("web").unwrap();
        let short = &web.mounts[0];
        assert_eq!(short.mount.syntax, SyntaxKind::ComposeShort);
        assert_eq!(short.mount.source.as_deref(), Some("/p/a"));
        assert!(!short.mount.read_only);
        assert_eq!(text_at(FILE, short.mount.span), "./a:/b:RO");
        assert_eq!(text_at(FILE, short.mount.span_of(Field::Source)), "./a");
        assert_eq!(short.options.len(), 1);
        assert_eq!((short.options[0].text.as_str(), short.options[0].sets), ("RO", None));
        assert_eq!(text_at(FILE, short.options[0].span), "RO");
        assert_eq!(short.route, Some(EngineRoute::Bind("/p/a:/b:rw".into())));

        let interpolated = &web.mounts[1];
        assert_eq!(text_at(FILE, interpolated.mount.span_of(Field::Source)), "${SRC:-./x}");
        assert_eq!(text_at(FILE, interpolated.mount.span_of(Field::ReadOnly)), "ro");
        assert_eq!(text_at(FILE, interpolated.mount.span_of(Field::Selinux)), "z");
        assert_eq!(interpolated.mount.selinux.as_deref(), Some("z"));

        let long = &web.mounts[2];
        assert_eq!(long.mount.syntax, SyntaxKind::ComposeLong);
        assert_eq!(long.mount.target, "/d/");
        assert_eq!(long.record.as_ref().unwrap().target, "/d");
        let key = long.keys.iter().find(|k| k.path == "consistency").unwrap();
        assert_eq!(text_at(FILE, key.key), "consistency");
        assert_eq!(text_at(FILE, long.mount.span_of(Field::Consistency)), "cached");

        let tmpfs = &web.mounts[3];
        assert_eq!(tmpfs.mount.syntax, SyntaxKind::ComposeTmpfs);
        assert_eq!(text_at(FILE, tmpfs.mount.span_of(Field::TmpfsOptions)), "size=64m");
        assert_eq!(web.request.tmpfs.get("/run").map(String::as_str), Some("size=64m"));

        let data = project.volume("data").unwrap();
        assert_eq!((data.name.as_str(), text_at(FILE, data.key_span)), ("demo_data", "data"));
    }

    #[test]
    fn override_files_merge_by_target() {
        let base = "services:\n  web:\n    image: alpine\n    volumes:\n      - ./a:/data\n      - ./keep:/keep\n";
        let over = "services:\n  web:\n    volumes:\n      - type: volume\n        source: db\n        target: /data\n    tmpfs:\n      - /data\nvolumes:\n  db:\n";
        let project = load(&[("/p/compose.yaml", base), ("/p/compose.override.yaml", over)], &LoadOptions::default());
        assert_eq!(project.name, "p");
        let web = project.service("web").unwrap();
        let files: Vec<usize> = web.mounts.iter().map(|m| m.file).collect();
        assert_eq!(files, [1, 0, 1]);
        assert_eq!(web.request.binds, ["p_db:/data:rw", "/p/keep:/keep:rw"]);
        assert_eq!(
            project.error().map(|e| e.message.as_str()),
            Some("services.web.volumes[0]: target /data already mounted as services.web.tmpfs[0]")
        );
    }

    #[test]
    fn env_file_then_environment_then_overrides() {
        let file =
            "services:\n  web:\n    image: alpine\n    volumes:\n      - ${A}:/a\n      - ${B}:/b\n      - ${C}:/c\n";
        let mut options = options();
        options.env_file = Some((".env".into(), "A=./from-file\nB=./from-file\nC=./from-file\n".into()));
        options.env.insert("B".into(), "./from-env".into());
        options.env.insert("C".into(), "./from-env".into());
        options.overrides.insert("C".into(), "./override".into());
        let project = load(&[("compose.yaml", file)], &options);
        let sources: Vec<_> = project.services[0].mounts.iter().map(|m| m.mount.source.clone().unwrap()).collect();
        assert_eq!(sources, ["/p/from-file", "/p/from-env", "/p/override"]);
    }

    #[test]
    fn anchors_merge_keys_and_reset() {
        let base = "x-bind: &bind\n  type: bind\n  read_only: true\nservices:\n  web:\n    image: alpine\n    volumes:\n      - <<: *bind\n        source: ./conf\n        target: /etc/app\n";
        let over = "services:\n  web:\n    volumes: !reset []\n";
        let project = load(&[("/p/a.yaml", base)], &LoadOptions::default());
        assert_eq!(project.services[0].request.binds, ["/p/conf:/etc/app:ro"]);
        let project = load(&[("/p/a.yaml", base), ("/p/b.yaml", over)], &LoadOptions::default());
        assert_eq!(project.errors, []);
        assert!(project.services[0].mounts.is_empty());
    }

    #[test]
    fn errors_come_in_stage_order() {
        let file = "services:\n  web:\n    image: alpine\n    volumes:\n      - /a::/b\n      - ${X:?set X}:/x\n";
        let project = load(&[("c.yaml", file)], &options());
        let stages: Vec<_> = project.errors.iter().map(|e| e.stage).collect();
        // The string that failed interpolation is kept as written: it then reads as a
        // volume name, undefined (what Compose would say were it not stopped earlier).
        assert_eq!(stages, [ComposeStage::Interpolate, ComposeStage::Unicity, ComposeStage::Consistency]);
        assert_eq!(project.errors[1].message, "invalid spec: /a::/b: empty section between colons");
        assert_eq!(text_at(file, project.errors[1].span.unwrap()), "/a::/b");
    }
}
