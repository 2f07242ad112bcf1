//! Emits a compose service (spec compose §2, §6, §10, §11, §12): storage as short or long
//! syntax entries of `volumes:`, `tmpfs:` items and top-level `volumes:`, and the common
//! `docker run` flags as service keys.
//!
//! What decides the form of an entry is what `docker compose` then sends to the Engine
//! (a `Binds` string or a `Mounts` entry, §11.2), because that is where behaviour is
//! decided: only the `Binds` path creates a missing host path before Engine 25.0.4 and
//! keeps an SELinux label; only the `Mounts` path keeps `consistency`; an explicit mode
//! (compose always writes `rw` or `ro`) suppresses the implicit relabel of local volumes.
//! So every candidate entry is loaded with compose's own rules (`model::compose`), and the
//! Engine's reading of compose's request is compared with the original's: the first exact
//! candidate wins (short syntax before long, unless long is asked for).
//!
//! Named volumes keep their Docker name: `volumes: NAME: {name: NAME}` — neither
//! `external: true` (which fails while the volume does not exist yet, where `docker run`
//! creates it) nor `{}` (which prefixes the project name). Everything compose cannot say is
//! reported; nothing is dropped silently.

use super::expansions::{self, compose_form, Expansion};
use super::meaning::{self, Meaning, Sent};
use super::notes::Note;
use super::quote::{compose_literal, yaml_scalar};
use super::{Item, Prepared, Shape};
use crate::model::compose::engine::EngineRoute;
use crate::model::compose::{self as compose_model, LoadOptions};
use crate::model::context::Context;
use crate::model::engine::FlagKind;
use crate::model::mount::{Field, MountKind};
use crate::model::verdict::DockerError;
use crate::model::Platform;
use crate::span::Span;
use crate::syntax::run_line::{FlagUse, RunLine};
use std::collections::BTreeMap;

/// A YAML node to write.
#[derive(Clone, Debug, PartialEq)]
pub enum Yaml {
    /// A string (written for compose: `$` doubled, expansions put back, quoted if needed).
    Str(String),
    Bool(bool),
    Int(i64),
    /// Written as is (`0o1777`).
    Raw(String),
    Seq(Vec<Yaml>),
    Map(Vec<(String, Yaml)>),
}

fn s(text: impl Into<String>) -> Yaml {
    Yaml::Str(text.into())
}

/// A top-level volume.
#[derive(Clone, Debug, PartialEq, Eq)]
struct TopVolume {
    key: String,
    name: String,
    driver: Option<String>,
    opts: BTreeMap<String, String>,
    labels: BTreeMap<String, String>,
}

impl TopVolume {
    fn yaml(&self) -> Yaml {
        let mut map = vec![("name".to_string(), s(self.name.clone()))];
        if let Some(driver) = &self.driver {
            map.push(("driver".to_string(), s(driver.clone())));
        }
        if !self.opts.is_empty() {
            let opts = self.opts.iter().map(|(k, v)| (k.clone(), s(v.clone()))).collect();
            map.push(("driver_opts".to_string(), Yaml::Map(opts)));
        }
        if !self.labels.is_empty() {
            let labels = self.labels.iter().map(|(k, v)| s(format!("{k}={v}"))).collect();
            map.push(("labels".to_string(), Yaml::Seq(labels)));
        }
        Yaml::Map(map)
    }
}

/// Where an entry goes in the service.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    /// An item of `volumes:` (a short string or a long mapping).
    Volume(Yaml),
    /// An item of `tmpfs:`.
    Tmpfs(String),
}

/// One way of writing an item.
#[derive(Clone, Debug)]
struct Candidate {
    entry: Entry,
    top: Option<TopVolume>,
    notes: Vec<Note>,
}

/// The result.
pub struct ComposeOut {
    pub output: Vec<String>,
    pub notes: Vec<Note>,
    pub exact: bool,
}

/// Writes strings for compose: literal `$` doubled, expansions in compose's syntax.
pub(super) struct Strings<'a> {
    pub(super) expansions: &'a [Expansion],
    /// `false` while verifying: placeholders stay (they are plain text).
    pub(super) restore: bool,
}

impl Strings<'_> {
    fn write(&self, text: &str) -> String {
        let literal = compose_literal(text);
        if !self.restore {
            return yaml_scalar(&literal);
        }
        let restored =
            expansions::restore_with(&literal, self.expansions, compose_form).map(|(text, _)| text).unwrap_or(literal);
        yaml_scalar(&restored)
    }
}

/// The YAML lines of a mapping at `indent`.
pub(super) fn map_lines(entries: &[(String, Yaml)], indent: usize, strings: &Strings, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    for (key, value) in entries {
        let key = yaml_scalar(key);
        match value {
            Yaml::Map(inner) if inner.is_empty() => out.push(format!("{pad}{key}: {{}}")),
            Yaml::Seq(inner) if inner.is_empty() => out.push(format!("{pad}{key}: []")),
            Yaml::Map(inner) => {
                out.push(format!("{pad}{key}:"));
                map_lines(inner, indent + 2, strings, out);
            }
            Yaml::Seq(items) => {
                out.push(format!("{pad}{key}:"));
                seq_lines(items, indent + 2, strings, out);
            }
            scalar => out.push(format!("{pad}{key}: {}", scalar_text(scalar, strings))),
        }
    }
}

fn seq_lines(items: &[Yaml], indent: usize, strings: &Strings, out: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    for item in items {
        match item {
            Yaml::Map(entries) if !entries.is_empty() => {
                let mut inner = Vec::new();
                map_lines(entries, indent + 2, strings, &mut inner);
                for (index, line) in inner.into_iter().enumerate() {
                    if index == 0 {
                        out.push(format!("{pad}- {}", line.trim_start()));
                    } else {
                        out.push(line);
                    }
                }
            }
            other => out.push(format!("{pad}- {}", scalar_text(other, strings))),
        }
    }
}

fn scalar_text(node: &Yaml, strings: &Strings) -> String {
    match node {
        Yaml::Str(text) => strings.write(text),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Int(n) => n.to_string(),
        Yaml::Raw(text) => text.clone(),
        Yaml::Map(_) => "{}".to_string(),
        Yaml::Seq(_) => "[]".to_string(),
    }
}

/// A whole compose document.
fn document(
    service: &str,
    keys: &[(String, Yaml)],
    tops: &[TopVolume],
    networks: &[String],
    strings: &Strings,
) -> Vec<String> {
    let mut out = vec!["services:".to_string(), format!("  {}:", yaml_scalar(service))];
    if keys.is_empty() {
        out.pop();
        out.push(format!("  {}: {{}}", yaml_scalar(service)));
    }
    map_lines(keys, 4, strings, &mut out);
    if !tops.is_empty() {
        out.push("volumes:".to_string());
        let entries: Vec<(String, Yaml)> = tops.iter().map(|t| (t.key.clone(), t.yaml())).collect();
        map_lines(&entries, 2, strings, &mut out);
    }
    if !networks.is_empty() {
        out.push("networks:".to_string());
        let entries: Vec<(String, Yaml)> = networks
            .iter()
            .map(|n| (n.clone(), Yaml::Map(vec![("name".into(), s(n.clone())), ("external".into(), Yaml::Bool(true))])))
            .collect();
        map_lines(&entries, 2, strings, &mut out);
    }
    out
}

/// A key of top-level `volumes:` for a volume name: the name itself when compose allows
/// it and the short syntax reads it as a volume (two characters or more, not starting with
/// `.`), else a key derived from it.
fn volume_key(name: &str, tops: &[TopVolume]) -> String {
    if let Some(existing) = tops.iter().find(|t| t.name == name) {
        return existing.key.clone();
    }
    let mut key: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect();
    if key.chars().count() < 2 || key.starts_with('.') {
        key = format!("volume_{key}");
    }
    let base = key.clone();
    let mut n = 2;
    while tops.iter().any(|t| t.key == key && t.name != name) {
        key = format!("{base}_{n}");
        n += 1;
    }
    key
}

/// The service name: `--name`, else the image's name, else `app`.
fn service_name(line: &RunLine) -> String {
    let from = |text: &str| -> String {
        text.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect()
    };
    if let Some(name) = line.last_value("name").filter(|n| !n.is_empty()) {
        return from(name.trim_start_matches('/'));
    }
    if let Some(image) = &line.image {
        let image = image.value.split('@').next().unwrap_or("");
        let last = image.rsplit('/').next().unwrap_or("");
        let name = last.split(':').next().unwrap_or("");
        let name = from(name);
        if !name.is_empty() && !name.contains("dockmountvar") && !image.contains('$') {
            return name;
        }
    }
    "app".to_string()
}

fn str_contains_colon(text: &str) -> bool {
    text.contains(':')
}

/// A colon the short syntax would split at: any, except the one of a leading drive letter
/// (`C:\data`).
fn splits_short(text: &str) -> bool {
    let mut chars = text.chars();
    let rest = match (chars.next(), chars.next()) {
        (Some(letter), Some(':')) if letter.is_alphabetic() => chars.as_str(),
        _ => text,
    };
    rest.contains(':')
}

/// The ways of writing one item, in order of preference.
fn candidates(item: &Item, long: bool, tops: &[TopVolume]) -> Vec<Candidate> {
    let mount = item.mount;
    let linux = item.ctx.platform == Platform::Linux;
    let target = mount.target.clone();
    let mut out = Vec::new();
    let read_only = mount.read_only;
    let long_map = |kind: &str, source: Option<String>| {
        let mut map = vec![("type".to_string(), s(kind))];
        if let Some(source) = source {
            map.push(("source".to_string(), s(source)));
        }
        map.push(("target".to_string(), s(target.clone())));
        if read_only {
            map.push(("read_only".to_string(), Yaml::Bool(true)));
        }
        map
    };
    match &mount.kind {
        MountKind::Bind => {
            let source = item.source_text().unwrap_or_default();
            let relabel = item.meaning.relabel.clone();
            let propagation = mount.propagation.clone();
            let recursive = mount.rare.bind_recursive.clone().filter(|r| r != "enabled");
            let creates = item.meaning.creates_source || !linux;
            let mut notes = Vec::new();
            if source.starts_with('.') {
                notes.push(Note::info(
                    format!(
                        "compose reads `{source}` from the project directory (where the compose file is), `docker run` from the directory it runs in ({}): put the compose file there",
                        item.ctx.cwd
                    ),
                    Some(item.span_of(Field::Source)),
                ));
            }
            let short_ok = !splits_short(&source) && !str_contains_colon(&target) && recursive.is_none() && creates;
            if !long && short_ok {
                let mut tokens = Vec::new();
                if read_only {
                    tokens.push("ro".to_string());
                }
                if !relabel.is_empty() {
                    tokens.push(relabel.clone());
                }
                if let Some(p) = &propagation {
                    tokens.push(p.clone());
                }
                let mut text = format!("{source}:{target}");
                if !tokens.is_empty() {
                    text = format!("{text}:{}", tokens.join(","));
                }
                out.push(Candidate { entry: Entry::Volume(s(text)), top: None, notes: notes.clone() });
            }
            let mut map = long_map("bind", Some(source.clone()));
            if let Some(consistency) = &mount.rare.consistency {
                map.push(("consistency".to_string(), s(consistency.clone())));
            }
            let mut bind = Vec::new();
            if let Some(p) = &propagation {
                bind.push(("propagation".to_string(), s(p.clone())));
            }
            if !relabel.is_empty() {
                bind.push(("selinux".to_string(), s(relabel.clone())));
            }
            if let Some(r) = &recursive {
                bind.push(("recursive".to_string(), s(r.clone())));
            }
            if !bind.is_empty() || !creates {
                bind.push(("create_host_path".to_string(), Yaml::Bool(creates)));
                map.push(("bind".to_string(), Yaml::Map(bind)));
            }
            out.push(Candidate { entry: Entry::Volume(Yaml::Map(map)), top: None, notes });
        }
        MountKind::Volume if mount.is_anonymous_volume() => {
            let mut notes = vec![Note::info(
                "`docker compose up` gives a re-created container the anonymous volumes of the one it replaces (unless `up -V`), where each `docker run` makes a new one",
                Some(item.span_of(Field::Target)),
            )];
            let driver = match item.kind {
                FlagKind::Volume => Some(item.volume_driver.to_string()).filter(|d| !d.is_empty()),
                _ => mount.rare.driver.clone(),
            };
            if let Some(driver) = driver.filter(|d| d != "local") {
                notes.push(Note::warning(
                    format!("compose cannot give an anonymous volume a driver: it gets `local`, not `{driver}`"),
                    Some(item.span_of(Field::Driver)),
                ));
            }
            let short_ok = !mount.read_only && !mount.nocopy && !str_contains_colon(&target) && target.len() > 2;
            if !long && short_ok {
                out.push(Candidate { entry: Entry::Volume(s(target.clone())), top: None, notes: notes.clone() });
            }
            let mut map = long_map("volume", None);
            if let Some(consistency) = &mount.rare.consistency {
                map.push(("consistency".to_string(), s(consistency.clone())));
            }
            if mount.nocopy {
                map.push(("volume".to_string(), Yaml::Map(vec![("nocopy".to_string(), Yaml::Bool(true))])));
            }
            out.push(Candidate { entry: Entry::Volume(Yaml::Map(map)), top: None, notes });
        }
        MountKind::Volume => {
            let name = mount.source.clone().unwrap_or_default();
            let key = volume_key(&name, tops);
            let driver = match item.kind {
                FlagKind::Volume => Some(item.volume_driver.to_string()).filter(|d| !d.is_empty()),
                _ => mount.rare.driver.clone().filter(|d| !d.is_empty()),
            };
            let top = TopVolume {
                key: key.clone(),
                name: name.clone(),
                driver,
                opts: mount.rare.driver_opts.clone(),
                labels: mount.rare.labels.clone(),
            };
            let mut notes = Vec::new();
            if key != name {
                notes.push(Note::info(
                    format!("the volume `{name}` is declared under the key `{key}` (compose keys and its short syntax cannot take `{name}`), with `name: {name}`"),
                    Some(item.span_of(Field::Source)),
                ));
            }
            let relabel = item.meaning.relabel.clone();
            if !relabel.is_empty() {
                notes.push(Note::info(
                    format!("`{relabel}` keeps the SELinux relabel of `docker run` (compose writes an explicit `rw`, which would suppress it); docker compose logs \"mount of type `volume` should not define `bind` option\" for it, and sends it all the same"),
                    Some(item.span_of(Field::Source)),
                ));
            }
            if !top.labels.is_empty() {
                notes.push(Note::info(
                    "the volume labels are set in the top-level declaration; compose adds its own `com.docker.compose.*` labels when it creates the volume",
                    Some(item.span_of(Field::Label)),
                ));
            }
            let short_ok =
                mount.rare.subpath.is_none() && !str_contains_colon(&target) && mount.rare.consistency.is_none();
            if !long && short_ok {
                let mut tokens = Vec::new();
                if read_only {
                    tokens.push("ro".to_string());
                }
                if !relabel.is_empty() {
                    tokens.push(relabel.clone());
                }
                if mount.nocopy {
                    tokens.push("nocopy".to_string());
                }
                let mut text = format!("{key}:{target}");
                if !tokens.is_empty() {
                    text = format!("{text}:{}", tokens.join(","));
                }
                out.push(Candidate { entry: Entry::Volume(s(text)), top: Some(top.clone()), notes: notes.clone() });
            }
            let mut map = long_map("volume", Some(key));
            if let Some(consistency) = &mount.rare.consistency {
                map.push(("consistency".to_string(), s(consistency.clone())));
            }
            let mut volume = Vec::new();
            if mount.nocopy {
                volume.push(("nocopy".to_string(), Yaml::Bool(true)));
            }
            if let Some(subpath) = &mount.rare.subpath {
                volume.push(("subpath".to_string(), s(subpath.clone())));
            }
            let mut with_label = map.clone();
            if !volume.is_empty() {
                map.push(("volume".to_string(), Yaml::Map(volume.clone())));
            }
            // Without the SELinux option first: through the Mount API a local volume is
            // relabelled anyway, and compose warns about a `bind:` option on a volume.
            out.push(Candidate { entry: Entry::Volume(Yaml::Map(map)), top: Some(top.clone()), notes: notes.clone() });
            if !relabel.is_empty() {
                with_label.push(("bind".to_string(), Yaml::Map(vec![("selinux".to_string(), s(relabel))])));
                if !volume.is_empty() {
                    with_label.push(("volume".to_string(), Yaml::Map(volume)));
                }
                out.push(Candidate { entry: Entry::Volume(Yaml::Map(with_label)), top: Some(top), notes });
            }
        }
        MountKind::Tmpfs => {
            let as_key = super::to_tmpfs::emit(item).ok().map(|(value, _)| value);
            let settings = mount.rare.tmpfs.clone().unwrap_or_default();
            let mut map = long_map("tmpfs", None);
            let mut tmpfs = Vec::new();
            if let Some(size) = settings.size_bytes.and_then(|n| i64::try_from(n).ok()).filter(|n| *n > 0) {
                tmpfs.push(("size".to_string(), Yaml::Int(size)));
            }
            if let Some(mode) = settings.mode {
                tmpfs.push(("mode".to_string(), Yaml::Raw(format!("0o{mode:o}"))));
            }
            if !tmpfs.is_empty() {
                map.push(("tmpfs".to_string(), Yaml::Map(tmpfs)));
            }
            let long_entry = Candidate { entry: Entry::Volume(Yaml::Map(map)), top: None, notes: Vec::new() };
            let key_entry = as_key.map(|value| Candidate { entry: Entry::Tmpfs(value), top: None, notes: Vec::new() });
            // A `--tmpfs` is the service's `tmpfs:` key: the same Engine field, the same
            // rules (its path is not cleaned, its options reach the kernel as written).
            match (long, item.kind == FlagKind::Tmpfs) {
                (_, true) => out.extend(key_entry),
                (true, false) => out.push(long_entry),
                (false, false) => {
                    out.extend(key_entry);
                    out.push(long_entry);
                }
            }
        }
        MountKind::Image | MountKind::Npipe => {
            let mut map = long_map(mount.kind.as_str(), mount.source.clone());
            if let Some(subpath) = &mount.rare.subpath {
                map.push(("image".to_string(), Yaml::Map(vec![("subpath".to_string(), s(subpath.clone()))])));
            }
            out.push(Candidate { entry: Entry::Volume(Yaml::Map(map)), top: None, notes: Vec::new() });
        }
        _ => {}
    }
    out
}

/// What the Engine makes of what compose sends for an item, when compose has created the
/// volume it names with `driver` (`""`: none declared) before the container: the Engine
/// then finds the volume with that driver.
pub fn of_declared_sent(sent: Sent, driver: &str, ctx: &Context) -> Result<Meaning, DockerError> {
    let sent = match sent {
        Sent::Mount(mut api) if !driver.is_empty() && api.r#type == "volume" && !api.source.is_empty() => {
            let options = api.volume_options.get_or_insert_with(Default::default);
            options.driver_config.get_or_insert_with(Default::default).name = driver.to_string();
            Sent::Mount(api)
        }
        other => other,
    };
    meaning::of_sent(&sent, driver, ctx)
}

/// Loads one candidate the way compose does and reads what it asks the Engine for.
fn check(candidate: &Candidate, ctx: &Context) -> Result<(Meaning, Vec<String>), String> {
    let strings = Strings { expansions: &[], restore: false };
    let mut keys = vec![("image".to_string(), s("dockmount-probe"))];
    match &candidate.entry {
        Entry::Volume(node) => keys.push(("volumes".to_string(), Yaml::Seq(vec![node.clone()]))),
        Entry::Tmpfs(text) => keys.push(("tmpfs".to_string(), Yaml::Seq(vec![s(text.clone())]))),
    }
    let tops: Vec<TopVolume> = candidate.top.iter().cloned().collect();
    let text = document("app", &keys, &tops, &[], &strings).join("\n") + "\n";
    let project = load(&text, ctx);
    if let Some(error) = project.error() {
        return Err(error.message.clone());
    }
    let item = project.services.first().and_then(|svc| svc.mounts.first()).ok_or("compose read no mount")?;
    let sent = match &item.route {
        Some(EngineRoute::Bind(raw)) => Sent::Bind(raw.clone()),
        Some(EngineRoute::Mount(api)) => Sent::Mount(api.clone()),
        None => {
            let settings = item.mount.rare.tmpfs.clone().unwrap_or_default();
            Sent::Tmpfs { path: item.mount.target.clone(), options: settings.options.join(",") }
        }
    };
    let driver = candidate.top.as_ref().and_then(|t| t.driver.clone()).unwrap_or_default();
    let mut meaning = of_declared_sent(sent, &driver, ctx).map_err(|e| e.message)?;
    if let Some(top) = &candidate.top {
        // Compose creates a declared volume itself, with its driver and options, before
        // the container: the Engine then finds it.
        meaning.driver = top.driver.clone().unwrap_or_else(|| "local".to_string());
        meaning.driver_opts = top.opts.clone();
        meaning.labels = top.labels.clone();
    }
    Ok((meaning, item.warnings.clone()))
}

/// Loads a compose text with the project directory at the client's working directory.
pub fn load(text: &str, ctx: &Context) -> compose_model::ComposeProject {
    let options = LoadOptions {
        project_dir: Some(ctx.cwd.clone()),
        project_name: Some("translate".to_string()),
        cwd: ctx.cwd.clone(),
        ..LoadOptions::default()
    };
    compose_model::load(&[("compose.yaml", text)], &options)
}

/// A warning for a difference between `docker run` and compose, in compose's terms.
fn difference_note(what: &str, before: &str, after: &str, item: &Item) -> Note {
    let v = item.ctx.versions;
    let source = item.source_text().unwrap_or_default();
    let message = match what {
        "creation of a missing host path" if before == "true" => format!(
            "compose sends this bind through the Engine's Mount API (because of its options), which creates a missing `{source}` only on Engine 25.0.4 and later with API 1.42 (here Engine {}, API {}): otherwise the container is refused when `{source}` does not exist, where `docker run -v` creates it",
            v.engine,
            v.api()
        ),
        "creation of a missing host path" => {
            format!("compose creates `{source}` when it is missing, where the original refuses the container")
        }
        "SELinux relabel" => format!(
            "the SELinux relabel changes from `{before}` to `{after}`: compose keeps an SELinux option only for mounts it sends as a bind string, and relabels local volumes it sends through the Mount API"
        ),
        "consistency" => format!(
            "`consistency={before}` is dropped: compose keeps it only for mounts it sends through the Mount API (Linux engines ignore it anyway)"
        ),
        _ => format!("the compose translation differs in its {what}: `{before}` becomes `{after}`"),
    };
    Note::warning(message, Some(Span::new(0, item.value.len())))
}

/// Translates the storage items (and, for a whole command, the other flags) to a compose
/// service.
pub fn translate(line: &RunLine, shape: Shape<'_>, items: &[Prepared], long: bool, ctx: &Context) -> ComposeOut {
    let mut notes = Vec::new();
    let mut expansions: Vec<Expansion> = items.iter().flat_map(|i| i.input.stood.expansions.clone()).collect();
    let volume_driver = line.last_value("volume-driver").unwrap_or("").to_string();
    let mut volumes: Vec<Yaml> = Vec::new();
    let mut tmpfs: Vec<String> = Vec::new();
    let mut tops: Vec<TopVolume> = Vec::new();
    let mut exact = true;
    for prepared in items {
        let span_map = |s: Span| prepared.input.text_span(s);
        if let Some(skip) = &prepared.skip {
            notes.push(skip.clone());
            continue;
        }
        if let Some(expansion) = prepared.input.stood.expansions.iter().find(|e| compose_form(e).is_none()) {
            notes.push(Note::warning(
                format!(
                    "left out: `{}` is expanded by the shell, and compose cannot write it (it interpolates `${{VAR}}` but runs no command): `{} {}`",
                    expansion.text,
                    prepared.input.flag_name(),
                    prepared.input.word.value
                ),
                Some(prepared.input.span),
            ));
            exact = false;
            continue;
        }
        let view = Item {
            kind: prepared.input.kind,
            value: prepared.input.value(),
            mount: &prepared.mount,
            meaning: &prepared.meaning,
            volume_driver: &volume_driver,
            ctx,
        };
        let mut best: Option<(usize, Candidate, Vec<Note>)> = None;
        let mut failures = Vec::new();
        for candidate in candidates(&view, long, &tops) {
            match check(&candidate, ctx) {
                Err(message) => failures.push(message),
                Ok((translated, compose_warnings)) => {
                    let diffs = meaning::differences(&prepared.meaning, &translated);
                    let mut extra: Vec<Note> =
                        diffs.iter().map(|(what, before, after)| difference_note(what, before, after, &view)).collect();
                    for warning in compose_warnings {
                        if !warning.contains("should not define `bind` option") {
                            extra.push(Note::info(format!("docker compose logs: {warning}"), None));
                        }
                    }
                    let score = diffs.len();
                    if best.as_ref().is_none_or(|(best_score, _, _)| score < *best_score) {
                        best = Some((score, candidate, extra));
                    }
                    if score == 0 {
                        break;
                    }
                }
            }
        }
        let Some((score, candidate, extra)) = best else {
            let why = failures.first().cloned().unwrap_or_else(|| "compose has no form for it".to_string());
            notes.push(Note::warning(
                format!(
                    "left out: `{} {}` cannot be written in compose ({why})",
                    prepared.input.flag_name(),
                    prepared.input.word.value
                ),
                Some(prepared.input.span),
            ));
            exact = false;
            continue;
        };
        if score > 0 {
            exact = false;
        }
        for note in candidate.notes.iter().chain(&extra) {
            notes.push(note.clone().mapped(span_map));
        }
        match candidate.entry {
            Entry::Volume(node) => volumes.push(node),
            Entry::Tmpfs(text) => tmpfs.push(text),
        }
        if let Some(top) = candidate.top {
            match tops.iter().find(|t| t.key == top.key) {
                Some(existing) if *existing != top => notes.push(Note::warning(
                    format!("the volume `{}` is named twice with different options: Docker creates it once, with the first; so does compose", top.name),
                    Some(prepared.input.span),
                )),
                Some(_) => {}
                None => tops.push(top),
            }
        }
    }
    if !volume_driver.is_empty() {
        notes.push(Note::warning(
            format!(
                "`--volume-driver {volume_driver}` has no service key: named volumes get it in their declaration, but the image's own `VOLUME`s get `local`"
            ),
            line.flags.iter().rev().find(|f| f.name == "volume-driver").map(|f| f.span),
        ));
    }

    // The service.
    let mut keys: Vec<(String, Yaml)> = Vec::new();
    let mut networks = Vec::new();
    let mut placeholders = expansions.len() + 1000;
    let whole = !matches!(shape, Shape::Flags);
    if let Some(image) = &line.image {
        let stood = expansions::stand_in(image, &mut placeholders);
        expansions.extend(stood.expansions.clone());
        keys.push(("image".to_string(), s(stood.value)));
    }
    let other = other_flags(line, &mut expansions, &mut placeholders, &mut networks, &mut notes);
    keys.extend(other.before);
    if !volumes.is_empty() {
        keys.push(("volumes".to_string(), Yaml::Seq(volumes)));
    }
    if !tmpfs.is_empty() {
        keys.push(("tmpfs".to_string(), Yaml::Seq(tmpfs.into_iter().map(s).collect())));
    }
    keys.extend(other.after);
    if !whole || line.image.is_none() {
        notes.push(Note::info("add the service's `image:` (or `build:`): compose needs one", None));
    }
    if other.inexact {
        exact = false;
    }
    let name = service_name(line);
    // The whole service as compose reads it: entries that only clash together (a tmpfs and
    // a bind at one path, which `docker run` stacks) show here.
    let entries = keys.iter().find(|(k, _)| k == "volumes").map_or(0, |(_, v)| match v {
        Yaml::Seq(items) => items.len(),
        _ => 0,
    }) + keys.iter().find(|(k, _)| k == "tmpfs").map_or(0, |(_, v)| match v {
        Yaml::Seq(items) => items.len(),
        _ => 0,
    });
    let mut checked = keys.clone();
    if !checked.iter().any(|(k, _)| k == "image") {
        checked.insert(0, ("image".to_string(), s("image")));
    }
    let verify = Strings { expansions: &[], restore: false };
    let text = document(&name, &checked, &tops, &networks, &verify).join("\n") + "\n";
    let project = load(&text, ctx);
    let storage_errors: Vec<&str> = project
        .errors
        .iter()
        .map(|e| e.message.as_str())
        .filter(|m| m.contains("mount") || m.contains("volume") || m.contains("tmpfs"))
        .collect();
    if let Some(message) = storage_errors.first() {
        notes.push(Note::warning(format!("compose refuses these mounts together: {message}"), None));
        exact = false;
    } else if project.services.first().is_some_and(|svc| svc.mounts.len() != entries) {
        notes.push(Note::warning(
            "compose keeps one entry per container path: entries `docker run` mounts one over the other are merged",
            None,
        ));
        exact = false;
    }
    let strings = Strings { expansions: &expansions, restore: true };
    let output = document(&name, &keys, &tops, &networks, &strings);
    ComposeOut { output, notes, exact }
}

/// Service keys from the other flags: those that go before the storage keys and after.
struct OtherKeys {
    before: Vec<(String, Yaml)>,
    after: Vec<(String, Yaml)>,
    /// A flag changed behaviour or was not translated.
    inexact: bool,
}

/// How a `docker run` flag becomes a service key.
enum Rule {
    /// One string.
    Str(&'static str),
    /// A list of strings (repeatable flag).
    List(&'static str),
    /// A boolean that is `true` when the flag is set.
    Bool(&'static str),
}

fn rule_of(flag: &str) -> Option<Rule> {
    use Rule::{Bool, List, Str};
    Some(match flag {
        "name" => Str("container_name"),
        "hostname" => Str("hostname"),
        "domainname" => Str("domainname"),
        "user" => Str("user"),
        "workdir" => Str("working_dir"),
        "restart" => Str("restart"),
        "platform" => Str("platform"),
        "pull" => Str("pull_policy"),
        "pid" => Str("pid"),
        "ipc" => Str("ipc"),
        "uts" => Str("uts"),
        "userns" => Str("userns_mode"),
        "cgroup-parent" => Str("cgroup_parent"),
        "runtime" => Str("runtime"),
        "isolation" => Str("isolation"),
        "shm-size" => Str("shm_size"),
        "memory" => Str("mem_limit"),
        "memory-reservation" => Str("mem_reservation"),
        "memory-swap" => Str("memswap_limit"),
        "cpus" => Str("cpus"),
        "cpuset-cpus" => Str("cpuset"),
        "stop-signal" => Str("stop_signal"),
        "mac-address" => Str("mac_address"),
        "publish" => List("ports"),
        "expose" => List("expose"),
        "env" => List("environment"),
        "env-file" => List("env_file"),
        "label" => List("labels"),
        "cap-add" => List("cap_add"),
        "cap-drop" => List("cap_drop"),
        "add-host" => List("extra_hosts"),
        "device" => List("devices"),
        "dns" => List("dns"),
        "dns-search" => List("dns_search"),
        "dns-option" => List("dns_opt"),
        "security-opt" => List("security_opt"),
        "sysctl" => List("sysctls"),
        "group-add" => List("group_add"),
        "link" => List("external_links"),
        "read-only" => Bool("read_only"),
        "privileged" => Bool("privileged"),
        "interactive" => Bool("stdin_open"),
        "tty" => Bool("tty"),
        "init" => Bool("init"),
        _ => return None,
    })
}

/// The order of service keys in the output (storage keys go between the two groups).
const KEY_ORDER: [&str; 44] = [
    "container_name",
    "hostname",
    "domainname",
    "platform",
    "pull_policy",
    "entrypoint",
    "command",
    "user",
    "working_dir",
    "environment",
    "env_file",
    "ports",
    "expose",
    "network_mode",
    "networks",
    "extra_hosts",
    "dns",
    "dns_search",
    "dns_opt",
    "restart",
    "read_only",
    "privileged",
    "cap_add",
    "cap_drop",
    "security_opt",
    "devices",
    "group_add",
    "sysctls",
    "labels",
    "external_links",
    "stdin_open",
    "tty",
    "init",
    "pid",
    "ipc",
    "uts",
    "userns_mode",
    "cgroup_parent",
    "runtime",
    "isolation",
    "shm_size",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
];

/// Keys that come after `volumes:`/`tmpfs:`.
const AFTER_STORAGE: [&str; 5] = ["volumes_from", "cpus", "cpuset", "stop_signal", "mac_address"];

fn other_flags(
    line: &RunLine,
    expansions: &mut Vec<Expansion>,
    placeholders: &mut usize,
    networks: &mut Vec<String>,
    notes: &mut Vec<Note>,
) -> OtherKeys {
    let mut values: BTreeMap<&'static str, Yaml> = BTreeMap::new();
    let mut inexact = false;
    let warn = |message: String, flag: &FlagUse, notes: &mut Vec<Note>| {
        notes.push(Note::warning(message, Some(flag_span(flag))));
    };
    for flag in &line.flags {
        if matches!(flag.name, "volume" | "mount" | "tmpfs" | "volume-driver") {
            continue;
        }
        let value = flag.value.as_ref().map(|word| {
            let stood = expansions::stand_in(word, placeholders);
            (stood.value, stood.expansions)
        });
        if let Some((_, found)) = &value {
            if let Some(bad) = found.iter().find(|e| compose_form(e).is_none()) {
                warn(
                    format!(
                        "`{} {}` is left out: compose cannot write `{}` (it runs no command)",
                        flag.written,
                        flag.value_str().unwrap_or(""),
                        bad.text
                    ),
                    flag,
                    notes,
                );
                inexact = true;
                continue;
            }
            expansions.extend(found.iter().cloned());
        }
        let text = value.as_ref().map(|(v, _)| v.clone()).unwrap_or_default();
        match (flag.name, rule_of(flag.name)) {
            (_, Some(Rule::Str(key))) => {
                values.insert(key, s(text));
            }
            (_, Some(Rule::List(key))) => {
                if let Yaml::Seq(items) = values.entry(key).or_insert_with(|| Yaml::Seq(Vec::new())) {
                    items.push(s(text));
                }
            }
            (_, Some(Rule::Bool(key))) => match flag.bool_value() {
                Some(true) => {
                    values.insert(key, Yaml::Bool(true));
                }
                Some(false) => {
                    values.remove(key);
                }
                None => {}
            },
            ("entrypoint", None) => {
                let list = if text.is_empty() { Vec::new() } else { vec![s(text)] };
                values.insert("entrypoint", Yaml::Seq(list));
            }
            ("network", None) => {
                let mode = text.as_str();
                if matches!(mode, "host" | "none" | "bridge" | "default") || mode.starts_with("container:") {
                    values.insert("network_mode", s(text.clone()));
                } else {
                    if let Yaml::Seq(items) = values.entry("networks").or_insert_with(|| Yaml::Seq(Vec::new())) {
                        items.push(s(text.clone()));
                    }
                    if !networks.contains(&text) {
                        networks.push(text.clone());
                    }
                }
            }
            ("volumes-from", None) => {
                let (container, mode) = match text.rsplit_once(':') {
                    Some((c, m)) if m == "ro" || m == "rw" => (c.to_string(), Some(m.to_string())),
                    _ => (text.clone(), None),
                };
                if let Yaml::Seq(items) = values.entry("volumes_from").or_insert_with(|| Yaml::Seq(Vec::new())) {
                    items.push(s(format!("container:{text}")));
                }
                if let Some(mode) = mode {
                    warn(
                        format!("`--volumes-from {text}`: docker compose drops the `:{mode}` of `volumes_from`, so the volumes of `{container}` come with their own modes"),
                        flag,
                        notes,
                    );
                    inexact = true;
                }
            }
            ("detach", None) => {
                notes.push(Note::info("`-d` is not a service key: run `docker compose up -d`", Some(flag_span(flag))))
            }
            ("rm", None) if flag.bool_value() != Some(false) => {
                warn(
                    "`--rm` has no service key: compose keeps the container (and its anonymous volumes) until `docker compose down` (`down -v` removes the anonymous volumes); `docker compose run --rm` removes a one-off container".to_string(),
                    flag,
                    notes,
                );
                inexact = true;
            }
            ("rm", None) => {}
            _ => {
                let shown = match flag.value_str() {
                    Some(v) => format!("{} {v}", flag.written),
                    None => flag.written.clone(),
                };
                warn(
                    format!("`{shown}` is not translated: dockmount writes no compose key for `--{}`", flag.name),
                    flag,
                    notes,
                );
                inexact = true;
            }
        }
    }
    if !line.args.is_empty() {
        let mut list = Vec::new();
        for word in &line.args {
            let stood = expansions::stand_in(word, placeholders);
            if stood.expansions.iter().any(|e| compose_form(e).is_none()) {
                notes.push(Note::warning(
                    format!(
                        "the command word `{}` holds an expansion compose cannot write: the command is left out",
                        word.value
                    ),
                    Some(word.span),
                ));
                inexact = true;
                list.clear();
                break;
            }
            expansions.extend(stood.expansions.clone());
            list.push(s(stood.value));
        }
        if !list.is_empty() {
            values.insert("command", Yaml::Seq(list));
        }
    }
    let mut before = Vec::new();
    for key in KEY_ORDER {
        if let Some(value) = values.remove(key) {
            before.push((key.to_string(), value));
        }
    }
    let mut after = Vec::new();
    for key in AFTER_STORAGE {
        if let Some(value) = values.remove(key) {
            after.push((key.to_string(), value));
        }
    }
    // Anything left has a key outside both lists: keep it, after the others.
    after.extend(values.into_iter().map(|(k, v)| (k.to_string(), v)));
    OtherKeys { before, after, inexact }
}

/// A flag and its value in the input text.
fn flag_span(flag: &FlagUse) -> Span {
    match &flag.value {
        Some(value) => Span::new(flag.span.start.min(value.span.start), flag.span.end.max(value.span.end)),
        None => flag.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::run_line::parse_command;

    fn top(key: &str, name: &str) -> TopVolume {
        TopVolume { key: key.into(), name: name.into(), driver: None, opts: BTreeMap::new(), labels: BTreeMap::new() }
    }

    #[test]
    fn volume_keys_the_short_syntax_reads_as_volumes() {
        assert_eq!(volume_key("data", &[]), "data");
        assert_eq!(volume_key("x", &[]), "volume_x");
        assert_eq!(volume_key(".hidden", &[]), "volume_.hidden");
        assert_eq!(volume_key("a/b", &[]), "a_b");
        assert_eq!(volume_key("a/b", &[top("a_b", "a:b")]), "a_b_2");
        assert_eq!(volume_key("a:b", &[top("a_b", "a:b")]), "a_b");
    }

    #[test]
    fn service_names() {
        let name = |command: &str| service_name(&parse_command(command).unwrap());
        assert_eq!(name("docker run --name /web-1 nginx"), "web-1");
        assert_eq!(name("docker run registry.example.com:5000/team/app:1.2@sha256:abc"), "app");
        assert_eq!(name("docker run $IMAGE"), "app");
        assert_eq!(name("docker run -v /a:/b"), "app");
    }

    #[test]
    fn yaml_documents() {
        let strings = Strings { expansions: &[], restore: true };
        let keys = vec![
            ("image".to_string(), s("nginx")),
            (
                "volumes".to_string(),
                Yaml::Seq(vec![
                    s("data:/d"),
                    Yaml::Map(vec![
                        ("type".into(), s("tmpfs")),
                        ("target".into(), s("/t")),
                        ("tmpfs".into(), Yaml::Map(vec![("mode".into(), Yaml::Raw("0o700".into()))])),
                    ]),
                ]),
            ),
            ("cap_add".to_string(), Yaml::Seq(Vec::new())),
        ];
        let text = document("web", &keys, &[top("data", "data")], &[], &strings).join("\n");
        assert_eq!(
            text,
            "services:\n  web:\n    image: nginx\n    volumes:\n      - data:/d\n      - type: tmpfs\n        target: /t\n        tmpfs:\n          mode: 0o700\n    cap_add: []\nvolumes:\n  data:\n    name: data"
        );
        assert!(!splits_short("C:\\data"));
        assert!(splits_short("/a:b"));
    }
}
