//! ## What it does
//! Flags a compose service that mounts a named volume the file does not declare under
//! the top-level `volumes:` key: `- dbdata:/var/lib/postgresql/data` with no
//! `volumes: {dbdata: ...}`.
//!
//! ## Why is this bad?
//! Unlike `docker run -v dbdata:/data`, which creates the volume on the fly, compose
//! refuses the whole project before it starts anything:
//! `service "db" refers to undefined volume dbdata: invalid compose project`. The name is
//! often a typo of a declared volume, or a host directory written without `./`
//! (`data:/data` where `./data:/data` was meant).
//!
//! Compose checks only the services it runs: a service whose profiles are not active is
//! reported as a warning. In a file that is meant to be merged with others (an override
//! file, a file with `include:` or `extends:`, a fragment whose services have no `image`
//! or that refers to networks or services it does not declare, a Coolify template whose
//! platform declares the volumes), the volume may be declared by another file of the
//! project: the finding is information there. A name that uses a variable the file
//! expects from its environment (`${PROJECT}_data` with no `.env`) is not judged.
//!
//! ## Example
//! ```yaml
//! services:
//!   db:
//!     image: postgres
//!     volumes:
//!       - dbdata:/var/lib/postgresql/data
//! ```
//!
//! Use instead:
//! ```yaml
//! services:
//!   db:
//!     image: postgres
//!     volumes:
//!       - dbdata:/var/lib/postgresql/data
//! volumes:
//!   dbdata:
//! ```
//!
//! ## Fix safety
//! Unsafe: the fix declares the volume under the top-level `volumes:` (adding the key
//! when the file has none), which makes compose create a project volume; when a host
//! directory or another volume was meant, that is the wrong repair. No fix for JSON
//! files, flow-style mappings, or names that would need quoting.

use super::similar_names::SimilarNames;
use super::volume_words::line_start_and_indent;
use super::{Applicability, Document, Edit, Finding, Fix, Rule, Severity};
use crate::model::compose::ComposeProject;
use crate::model::mount::Field;
use crate::model::verdict::{go_quote, DockerError};
use crate::span::Span;
use std::collections::{HashMap, HashSet};

pub const RULE: Rule = Rule {
    code: "DM019",
    name: "undefined-volume",
    severity: Severity::Error,
    source: include_str!("undefined_volume.rs"),
    check,
    covers: Some(covers),
};

fn covers(error: &DockerError) -> bool {
    error.message.contains(" refers to undefined volume ")
}

fn check(document: &Document) -> Vec<Finding> {
    let Some(facts) = document.compose.as_deref() else {
        return Vec::new();
    };
    let project = &facts.project;
    let declared_keys: HashSet<&str> = project.volumes.iter().map(|v| v.key.as_str()).collect();
    // Worked out at the first finding, once for all: the hint for each name, and where a
    // declaration goes (the same place whatever the name).
    let mut hints: HashMap<&str, String> = HashMap::new();
    let mut candidates: Option<Candidates> = None;
    let mut site: Option<Option<Site>> = None;
    let mut findings = Vec::new();
    for service in &project.services {
        for mount in service.mounts.iter().filter(|m| m.file == 0) {
            let Some(record) = &mount.record else {
                continue;
            };
            if record.kind != "volume" || record.source.is_empty() || declared_keys.contains(record.source.as_str()) {
                continue;
            }
            let name = &record.source;
            // `${NAME}_data` with `NAME` unset where the file was linted: compose would
            // look for `_data`, which says nothing about the file.
            let span = mount.mount.span_of(Field::Source);
            if facts.uses_unset_variable(document.slice(span)) {
                continue;
            }
            let refusal = format!(
                "service {} refers to undefined volume {name}: invalid compose project",
                go_quote(&service.name)
            );
            let candidates = candidates.get_or_insert_with(|| Candidates::new(project));
            let hint = hints.entry(name.as_str()).or_insert_with(|| candidates.hint(name));
            let (severity, message) = if facts.partial {
                (
                    Severity::Info,
                    format!(
                        "the volume `{name}` is not declared in this file{hint}: a file merged with it must declare it under the top-level `volumes:`, or docker compose refuses the project: {refusal}"
                    ),
                )
            } else if !service.enabled {
                (
                    Severity::Warning,
                    format!(
                        "the volume `{name}` is not declared under the top-level `volumes:`{hint}: with a profile of `{}` active, docker compose refuses the file: {refusal}",
                        service.name
                    ),
                )
            } else {
                (
                    Severity::Error,
                    format!(
                        "the volume `{name}` is not declared under the top-level `volumes:`{hint}: docker compose refuses the file: {refusal}"
                    ),
                )
            };
            let site = site.get_or_insert_with(|| declaration_site(document, project));
            let fix = site.as_ref().and_then(|site| declare(site, name));
            findings.push(Finding { severity, ..RULE.finding(span, message, fix) });
        }
    }
    findings
}

/// The declared volumes, to suggest one for a name that is not declared.
struct Candidates<'a> {
    declared: SimilarNames<'a>,
    /// The declared keys no service mounts.
    unused: Vec<&'a str>,
}

impl<'a> Candidates<'a> {
    fn new(project: &'a ComposeProject) -> Candidates<'a> {
        let used = project.mounted_volumes();
        let declared = SimilarNames::new(project.volumes.iter().map(|v| v.key.as_str()));
        let unused = project.volumes.iter().map(|v| v.key.as_str()).filter(|key| !used.contains(key)).collect();
        Candidates { declared, unused }
    }

    fn hint(&self, name: &str) -> String {
        match (self.declared.closest(name), self.unused.as_slice()) {
            (Some(close), _) => format!(" (did you mean `{close}`?)"),
            (None, [only]) => format!(" (`{only}` is declared and no service uses it: was it meant?)"),
            _ => String::new(),
        }
    }
}

/// Where a declaration goes: before the first declared volume, under an empty
/// block-style `volumes:` key, or in a new top-level `volumes:` at the end of the file.
struct Site {
    at: usize,
    /// What goes before the `{indent}{name}:` line.
    prefix: String,
    indent: String,
}

fn declaration_site(document: &Document, project: &ComposeProject) -> Option<Site> {
    let text = document.text.as_str();
    if text.trim_start().starts_with('{') {
        return None;
    }
    if let Some(first) = project.volumes.iter().find(|v| v.file == 0) {
        let (line_start, indent) = line_start_and_indent(text, first.key_span.start)?;
        return Some(Site { at: line_start, prefix: String::new(), indent: indent.to_string() });
    }
    let indent = project
        .services
        .first()
        .and_then(|s| line_start_and_indent(text, s.span.start))
        .map_or("  ", |(_, indent)| indent)
        .to_string();
    let indent = if indent.is_empty() { "  ".to_string() } else { indent };
    match empty_volumes_key(text) {
        Some(end) => Some(Site { at: end, prefix: String::new(), indent }),
        None if top_level_key(text, "volumes").is_some() => None,
        None => {
            let newline = if text.is_empty() || text.ends_with('\n') { "" } else { "\n" };
            Some(Site { at: text.len(), prefix: format!("{newline}volumes:\n"), indent })
        }
    }
}

/// Declares the volume at `site`, when its name can be written as a plain key.
fn declare(site: &Site, name: &str) -> Option<Fix> {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !plain {
        return None;
    }
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("declare `{name}` under the top-level `volumes:`"),
        edits: vec![Edit {
            span: Span::new(site.at, site.at),
            replacement: format!("{}{}{name}:\n", site.prefix, site.indent),
        }],
    })
}

/// The start of the line of a top-level key (`volumes:` at column 0).
fn top_level_key(text: &str, key: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let rest = line.strip_prefix(key).and_then(|r| r.strip_prefix(':'));
        if rest.is_some() {
            return Some(at);
        }
        at += line.len();
    }
    None
}

/// Where a top-level `volumes:` with nothing after it on its line ends (just after its
/// newline), so that an entry can be written on the next line.
fn empty_volumes_key(text: &str) -> Option<usize> {
    let start = top_level_key(text, "volumes")?;
    let line = text.get(start..)?.split_inclusive('\n').next()?;
    let value = line.strip_prefix("volumes:")?.trim();
    (line.ends_with('\n') && (value.is_empty() || value.starts_with('#'))).then_some(start + line.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_a_declaration_goes() {
        assert_eq!(empty_volumes_key("services: {}\nvolumes:\n"), Some(22));
        assert_eq!(empty_volumes_key("volumes: {}\n"), None);
        assert_eq!(top_level_key("x:\n  volumes:\nvolumes:\n", "volumes"), Some(14));
    }
}
