//! One compose short-syntax `volumes:` entry (`./data:/data:ro`) written in the long
//! syntax, for an editor to rewrite that entry in place.
//!
//! The mapping is the one compose itself turns the string into (compose-go
//! `transform.Canonical`): `type`, `source`, `target`, `read_only`, and the `bind:` /
//! `volume:` options the string sets, a bind with `create_host_path: true` (the short
//! syntax always creates a missing host path). Option tokens compose ignores (`RO`,
//! `cached`...) are left out, with a note. Both forms are then loaded as compose loads
//! them, and what compose asks the Engine for each, and the warnings it logs, compared:
//! the result is exact when they are the same.

use super::meaning::{self, Sent};
use super::notes::Note;
use super::quote::yaml_scalar;
use super::to_compose::{load, map_lines, Strings, Yaml};
use super::Refusal;
use crate::model::compose::engine::EngineRoute;
use crate::model::compose::volume::{option_field, parse_short, VolumeRecord};
use crate::model::context::Context;
use crate::span::Span;
use crate::syntax::compose::short::split;

/// A short-syntax entry in the long syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LongEntry {
    /// The block mapping's lines: the first one unindented (it goes where the string was,
    /// after the item's `- `), the others indented by the `indent` asked for.
    pub lines: Vec<String>,
    /// The same mapping in flow style (`{type: bind, source: ./a, target: /b}`), for an
    /// entry of a flow sequence.
    pub flow: String,
    pub notes: Vec<Note>,
    /// compose reads the mapping as the same mount: the same Engine request, the same
    /// warnings.
    pub exact: bool,
}

fn s(text: &str) -> Yaml {
    Yaml::Str(text.to_string())
}

/// The long-syntax mapping of a parsed short string (source and target as written).
fn mapping(record: &VolumeRecord) -> Vec<(String, Yaml)> {
    let mut map = vec![("type".to_string(), s(&record.kind))];
    if !record.source.is_empty() {
        map.push(("source".to_string(), s(&record.source)));
    }
    map.push(("target".to_string(), s(&record.target)));
    if record.read_only {
        map.push(("read_only".to_string(), Yaml::Bool(true)));
    }
    if let Some(bind) = &record.bind {
        let mut options = Vec::new();
        if !bind.selinux.is_empty() {
            options.push(("selinux".to_string(), s(&bind.selinux)));
        }
        if !bind.propagation.is_empty() {
            options.push(("propagation".to_string(), s(&bind.propagation)));
        }
        if let Some(create) = bind.create_host_path {
            options.push(("create_host_path".to_string(), Yaml::Bool(create)));
        }
        if !options.is_empty() {
            map.push(("bind".to_string(), Yaml::Map(options)));
        }
    }
    if record.volume.as_ref().is_some_and(|v| v.nocopy) {
        map.push(("volume".to_string(), Yaml::Map(vec![("nocopy".to_string(), Yaml::Bool(true))])));
    }
    map
}

/// A scalar in a flow collection: as in block context, quoted also when it holds a `,`.
fn flow_scalar(text: &str) -> String {
    let written = yaml_scalar(text);
    if written.contains(',') && !written.starts_with(['\'', '"']) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    written
}

fn flow(node: &Yaml) -> String {
    match node {
        Yaml::Str(text) | Yaml::Raw(text) => flow_scalar(text),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Int(n) => n.to_string(),
        Yaml::Seq(items) => format!("[{}]", items.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Yaml::Map(entries) => {
            let entries: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}: {}", flow_scalar(k), flow(v))).collect();
            format!("{{{}}}", entries.join(", "))
        }
    }
}

/// What compose asks the Engine for one entry of `volumes:` (written as `entry`, a line
/// of YAML), with the warnings it logs; a named volume is declared.
fn probe(entry: &str, volume: Option<&str>, ctx: &Context) -> (Result<meaning::Meaning, String>, Vec<String>) {
    let mut text = format!("services:\n  app:\n    image: dockmount-probe\n    volumes:\n      - {entry}\n");
    if let Some(name) = volume {
        text.push_str(&format!("volumes:\n  {}: {{}}\n", yaml_scalar(name)));
    }
    let project = load(&text, ctx);
    if let Some(error) = project.error() {
        return (Err(error.message.clone()), Vec::new());
    }
    let Some(item) = project.services.first().and_then(|service| service.mounts.first()) else {
        return (Err("compose read no mount".to_string()), Vec::new());
    };
    let sent = match &item.route {
        Some(EngineRoute::Bind(raw)) => Sent::Bind(raw.clone()),
        Some(EngineRoute::Mount(api)) => Sent::Mount(api.clone()),
        None => return (Err("compose read no volume".to_string()), Vec::new()),
    };
    (meaning::of_sent(&sent, "", ctx).map_err(|e| e.message), item.warnings.clone())
}

/// The long syntax of the short-syntax entry `entry` (its value, after YAML quoting),
/// with the block lines indented by `indent` spaces. A value compose refuses, or that
/// holds a `$` (compose splits the short syntax after interpolation, so a variable could
/// hold a `:`), is not rewritten.
pub fn short_to_long(entry: &str, indent: usize, ctx: &Context) -> Result<LongEntry, Refusal> {
    if entry.contains('$') {
        return Err(Refusal {
            unreadable: false,
            notes: vec![Note::error(
                "a short-syntax entry with a variable is not rewritten: compose splits it after interpolation",
                Some(Span::new(0, entry.len())),
            )],
        });
    }
    let record = parse_short(entry)
        .map_err(|error| Refusal { unreadable: false, notes: vec![Note::error(error.message, Some(error.span))] })?;
    let mut notes = Vec::new();
    for token in split(entry).map(|short| short.tokens).unwrap_or_default() {
        if !token.text.is_empty() && option_field(&token.text).is_none() {
            notes.push(Note::info(
                format!("`{}` does nothing in the short syntax (compose ignores it): left out", token.text),
                Some(token.span),
            ));
        }
    }
    let map = mapping(&record);
    let strings = Strings { expansions: &[], restore: false };
    let mut lines = Vec::new();
    map_lines(&map, indent, &strings, &mut lines);
    if let Some(first) = lines.first_mut() {
        *first = first.trim_start().to_string();
    }
    let flow = flow(&Yaml::Map(map));

    let volume = (record.kind == "volume" && !record.source.is_empty()).then_some(record.source.as_str());
    let (before, warned_before) = probe(&yaml_scalar(entry), volume, ctx);
    let (after, warned_after) = probe(&flow, volume, ctx);
    let mut exact = warned_before == warned_after;
    match (&before, &after) {
        (Ok(before), Ok(after)) => {
            for (what, was, now) in meaning::differences(before, after) {
                notes.push(Note::warning(
                    format!("the long syntax differs in its {what}: `{was}` becomes `{now}`"),
                    Some(Span::new(0, entry.len())),
                ));
                exact = false;
            }
        }
        (Err(was), Err(now)) if was == now => {}
        (Err(was), _) => {
            notes.push(Note::warning(format!("compose refuses the entry ({was}), not the long syntax"), None));
            exact = false;
        }
        (_, Err(now)) => {
            notes.push(Note::warning(format!("compose refuses the long syntax: {now}"), None));
            exact = false;
        }
    }
    if warned_before != warned_after {
        for warning in warned_after.iter().filter(|w| !warned_before.contains(w)) {
            notes.push(Note::warning(format!("docker compose then logs: {warning}"), None));
        }
    }
    Ok(LongEntry { lines, flow, notes, exact })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(entry: &str) -> LongEntry {
        let ctx = Context { cwd: "/project".to_string(), ..Context::default() };
        short_to_long(entry, 8, &ctx).unwrap_or_else(|r| panic!("{entry}: {:?}", r.notes))
    }

    #[test]
    fn binds_volumes_and_options() {
        let bind = long("./data:/data:ro");
        assert_eq!(
            bind.lines,
            [
                "type: bind",
                "        source: ./data",
                "        target: /data",
                "        read_only: true",
                "        bind:",
                "          create_host_path: true"
            ]
        );
        assert_eq!(
            bind.flow,
            "{type: bind, source: ./data, target: /data, read_only: true, bind: {create_host_path: true}}"
        );
        assert!(bind.exact, "{:?}", bind.notes);
        assert!(bind.notes.is_empty(), "{:?}", bind.notes);

        let named = long("data:/var/lib/data");
        assert_eq!(named.lines, ["type: volume", "        source: data", "        target: /var/lib/data"]);
        assert!(named.exact, "{:?}", named.notes);

        let labelled = long("/srv/a,b:/a:z,rslave,nocopy");
        assert_eq!(
            labelled.flow,
            "{type: bind, source: '/srv/a,b', target: /a, bind: {selinux: z, propagation: rslave, create_host_path: true}, volume: {nocopy: true}}"
        );
        assert!(labelled.exact, "{:?}", labelled.notes);

        let anonymous = long("/cache");
        assert_eq!(anonymous.lines, ["type: volume", "        target: /cache"]);
        assert!(anonymous.exact, "{:?}", anonymous.notes);
    }

    #[test]
    fn ignored_tokens_are_left_out_with_a_note() {
        let entry = long("./a:/b:RO,cached");
        assert_eq!(entry.flow, "{type: bind, source: ./a, target: /b, bind: {create_host_path: true}}");
        assert!(entry.exact);
        let notes: Vec<&str> = entry.notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(
            notes,
            [
                "`RO` does nothing in the short syntax (compose ignores it): left out",
                "`cached` does nothing in the short syntax (compose ignores it): left out"
            ]
        );
    }

    #[test]
    fn refused_entries_and_variables_are_not_rewritten() {
        let ctx = Context::default();
        assert!(short_to_long("/a::/b", 4, &ctx).is_err());
        assert!(short_to_long("${DATA}:/data", 4, &ctx).is_err());
    }
}
