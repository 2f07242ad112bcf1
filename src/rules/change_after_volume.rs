//! ## What it does
//! Flags a Dockerfile `RUN` that names a path under a volume declared by an earlier
//! `VOLUME` of the same stage (or of a stage it is built `FROM`):
//! `VOLUME /var/lib/app` then `RUN chown -R app /var/lib/app`.
//!
//! ## Why is this bad?
//! The classic builder runs each `RUN` in a container, and a declared volume is a fresh
//! anonymous volume in that container: whatever the command writes under it is thrown
//! away with the container, so the image keeps the files as they were before the
//! `VOLUME` (Docker's Dockerfile reference documents this for the legacy builder).
//! BuildKit keeps the changes. So the image depends on the builder:
//! the same Dockerfile gives different images with `DOCKER_BUILDKIT=0`, on Windows
//! daemons, and with BuildKit (observed with Engine 20.10: a file written by a `RUN`
//! after the `VOLUME` is missing from the classic image and present in the BuildKit one).
//! `COPY` and `ADD` into a volume are kept by both builders and are not reported.
//!
//! The rule only sees that the command names the path, not that it writes there, so it
//! says "may". It is a warning when the builder the versions select is the classic one
//! (the change is lost now), and information with BuildKit (the change is kept, but the
//! file depends on it).
//!
//! ## Example
//! ```dockerfile
//! VOLUME /var/lib/app
//! RUN chown -R app:app /var/lib/app
//! ```
//!
//! Use instead:
//! ```dockerfile
//! RUN chown -R app:app /var/lib/app
//! VOLUME /var/lib/app
//! ```
//!
//! ## Fix safety
//! No fix: moving instructions is the author's call (a later `RUN` may depend on the
//! order).

use super::{Document, Finding, Rule, Severity};
use crate::model::dockerfile::{Builder, ChangeFate};
use crate::span::Span;
use std::collections::BTreeMap;

pub const RULE: Rule = Rule {
    code: "DM018",
    name: "change-after-volume",
    severity: Severity::Warning,
    source: include_str!("change_after_volume.rs"),
    check,
    covers: None,
};

fn check(document: &Document) -> Vec<Finding> {
    let Some(analysis) = document.dockerfile.as_deref() else {
        return Vec::new();
    };
    // One finding per instruction and volume, with every path it names there.
    let mut grouped: BTreeMap<(usize, String), Vec<&crate::model::dockerfile::ChangeAfterVolume>> = BTreeMap::new();
    for change in &analysis.changes_after_volume {
        if change.classic == change.buildkit {
            continue;
        }
        grouped.entry((change.instruction, change.volume.clone())).or_default().push(change);
    }
    let mut findings = Vec::new();
    for ((_, volume), changes) in grouped {
        let Some(first) = changes.first() else {
            continue;
        };
        let fate = match analysis.builder {
            Builder::Classic => first.classic,
            Builder::Buildkit => first.buildkit,
        };
        let severity = if fate == ChangeFate::Discarded { Severity::Warning } else { Severity::Info };
        let declared = first
            .volume_instruction
            .and_then(|i| analysis.volumes.binary_search_by_key(&i, |v| v.instruction).ok())
            .and_then(|slot| analysis.volumes.get(slot))
            .map_or_else(|| "by the base image".to_string(), |volume| format!("on line {}", volume.line));
        let paths: Vec<String> = changes.iter().map(|c| format!("`{}`", c.path)).collect();
        let may = if first.certain { "" } else { "if it writes there, " };
        let now = match (analysis.builder, fate) {
            (Builder::Classic, ChangeFate::Discarded) => "the classic builder, which these Docker versions build with, throws the change away (each `RUN` gets a fresh volume there); BuildKit would keep it",
            (Builder::Buildkit, ChangeFate::Kept) => "BuildKit keeps the change, but the classic builder (`DOCKER_BUILDKIT=0`, Windows daemons) throws it away: the image depends on the builder",
            _ => "the builders disagree on whether the change is kept",
        };
        let message = format!(
            "`{}` names {} under the volume `{volume}` declared {declared}: {may}{now}",
            first.keyword,
            paths.join(", ")
        );
        let span = path_span(document, first.span, &first.path);
        findings.push(Finding { severity, ..RULE.finding(span, message, None) });
    }
    findings
}

/// The first place the path is written inside the instruction's text, or all of it.
fn path_span(document: &Document, span: Span, path: &str) -> Span {
    let text = document.slice(span);
    match text.find(path) {
        Some(at) if !path.is_empty() => Span::new(span.start + at, span.start + at + path.len()),
        _ => span,
    }
}
