//! ## What it does
//! Flags two mounts at one container path within one command line (or service):
//! `-v a:/data -v b:/data`, `-v /srv:/data -v /data`, `--mount ...,dst=/data/` after
//! `-v x:/data`, `--tmpfs /run --mount type=tmpfs,dst=/run`, two entries of a compose
//! service's `volumes:` and `tmpfs:` at one path. Paths are compared cleaned, so `/data`
//! and `/data/` are one path.
//!
//! ## Why is this bad?
//! Only one mount can be seen at a path, and what Docker does about the second depends on
//! how both were written: two different `-v` values, or anything with a `--mount`, make
//! `docker run` fail with `Duplicate mount point: /data`; an anonymous volume at a path
//! that something else takes is silently never created; a `--tmpfs` and a `--mount` at
//! one path are both mounted, the later hiding the earlier; the same `-v` value twice is
//! kept once. Compose refuses the file (`services.web.volumes[1]: target /data already
//! mounted as services.web.volumes[0]`). In every case one of the two lines does not do
//! what it says.
//!
//! ## Example
//! ```sh
//! docker run -v appdata:/data -v /srv/data:/data app
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v appdata:/data -v /srv/data:/data/import app
//! ```
//!
//! ## Fix safety
//! No fix: which of the two mounts should stay, or where the other should go, is the
//! author's call.

use super::{Document, Finding, Item, Rule, Severity};
use crate::model::mount::{Field, SyntaxKind};
use crate::model::paths::{clean, cleaned};
use crate::model::verdict::DockerError;
use crate::span::Span;
use std::borrow::Cow;

pub const RULE: Rule = Rule {
    code: "DM009",
    name: "duplicate-target",
    severity: Severity::Error,
    source: include_str!("duplicate_target.rs"),
    check,
    covers: Some(covers),
};

fn covers(error: &DockerError) -> bool {
    error.message.starts_with("Duplicate mount point: ") || error.message.contains(" already mounted as ")
}

/// The path two targets are compared by: cleaned when the target is literal, the text as
/// written when an expansion decides it.
fn key(item: &Item) -> Option<Cow<'_, str>> {
    let target = item.mount.target.as_str();
    if target.is_empty() {
        return None;
    }
    Some(if item.is_literal(Field::Target) { cleaned(target) } else { Cow::Borrowed(target) })
}

fn check(document: &Document) -> Vec<Finding> {
    let mut findings = Vec::new();
    // The items sorted by group, path and place: each run of one group and path starts
    // with its first item, and every other item of the run repeats it. A sort, not a scan
    // of all the earlier items (a line of 100,000 flags), nor a map holding a copy of
    // every path; a word per mount.
    let items = document.items.as_slice();
    let sort_key = |&i: &usize| items.get(i).and_then(|item| Some((item.group, key(item)?, i)));
    let mut order: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].mount.syntax != SyntaxKind::BuildMount && key(&items[i]).is_some())
        .collect();
    order.sort_unstable_by(|a, b| sort_key(a).cmp(&sort_key(b)));
    let mut first: Option<(usize, Cow<'_, str>, &Item)> = None;
    for &index in &order {
        let (Some(item), Some(path)) = (items.get(index), items.get(index).and_then(key)) else {
            continue;
        };
        let earlier = match &first {
            Some((group, first_path, earlier)) if *group == item.group && *first_path == path => *earlier,
            _ => {
                first = Some((item.group, path, item));
                continue;
            }
        };
        if document.for_windows(item) {
            continue;
        }
        let (severity, message, at) = verdict(document, earlier, item, &path);
        let span = at.unwrap_or_else(|| item.mount.span_of(Field::Target));
        findings.push(Finding { severity, ..RULE.finding(span, message, None) });
    }
    findings
}

/// What Docker does with the pair (spec run-flags §4.7), in words, and how serious it is.
/// Compose pairs are reported where compose says the conflict is (the third value).
fn verdict(document: &Document, earlier: &Item, item: &Item, path: &str) -> (Severity, String, Option<Span>) {
    let syntax = |i: &Item| i.mount.syntax;
    let both = |kind: SyntaxKind| syntax(earlier) == kind && syntax(item) == kind;
    // Compose refuses two mounts at one target of a service before the Engine sees them.
    let compose =
        |i: &Item| matches!(syntax(i), SyntaxKind::ComposeShort | SyntaxKind::ComposeLong | SyntaxKind::ComposeTmpfs);
    if compose(earlier) && compose(item) {
        // Compose checks `tmpfs:` before `volumes:` and names the one it meets second.
        let refusal = |i: &Item| {
            document.file_errors.iter().find(|e| {
                e.message.contains(" already mounted as ") && e.span.start < i.span.end && i.span.start < e.span.end
            })
        };
        let (named, other, error) = match (refusal(item), refusal(earlier)) {
            (None, Some(error)) => (earlier, item, Some(error)),
            (error, _) => (item, earlier, error),
        };
        let refusal = error.map_or_else(String::new, |e| format!(": {}", e.message));
        return (
            Severity::Error,
            format!(
                "`{}` is also mounted at `{path}` by `{}`: docker compose refuses the file{refusal}",
                named.text, other.text
            ),
            Some(named.mount.span_of(Field::Target)),
        );
    }
    if both(SyntaxKind::VolumeFlag) && earlier.text == item.text {
        return (Severity::Info, format!("`{}` is given twice: Docker keeps one", item.text), None);
    }
    // Anonymous `-v` volumes are registered last and skipped where anything is mounted.
    let anonymous = |i: &Item| i.mount.is_anonymous_volume() && syntax(i) == SyntaxKind::VolumeFlag;
    if anonymous(item) || anonymous(earlier) {
        let (dropped, kept) = if anonymous(item) { (item, earlier) } else { (earlier, item) };
        return (
            Severity::Warning,
            format!(
                "the anonymous volume of `{}` is never created: `{}` is mounted at `{path}` and Docker silently skips the volume",
                dropped.text, kept.text
            ),
            None,
        );
    }
    let tmpfs_flag = |i: &Item| syntax(i) == SyntaxKind::TmpfsFlag;
    let stacked = (
        Severity::Warning,
        format!(
            "`{}` and `{}` are both mounted at `{path}`: the later hides the earlier, whose files the container never sees",
            earlier.text, item.text
        ),
        None,
    );
    if both(SyntaxKind::TmpfsFlag) {
        if item.mount.target == earlier.mount.target {
            return (
                Severity::Warning,
                format!(
                    "`--tmpfs {}` replaces `--tmpfs {}`: Docker keeps the last options given for a path",
                    item.text, earlier.text
                ),
                None,
            );
        }
        return stacked;
    }
    let refused_as = if tmpfs_flag(item) || tmpfs_flag(earlier) {
        // A `--tmpfs` is only checked against `-v` binds and named volumes, by its path as
        // written against their cleaned destination.
        let (tmpfs, other) = if tmpfs_flag(item) { (item, earlier) } else { (earlier, item) };
        (syntax(other) == SyntaxKind::VolumeFlag && tmpfs.mount.target == path).then(|| path.to_string())
    } else if both(SyntaxKind::VolumeFlag) {
        Some(path.to_string())
    } else if syntax(item) == SyntaxKind::MountFlag {
        Some(item.mount.target.clone())
    } else if syntax(earlier) == SyntaxKind::MountFlag {
        Some(earlier.mount.target.clone())
    } else {
        None
    };
    let Some(named) = refused_as else {
        return stacked;
    };
    let error = document
        .group_of(item)
        .and_then(|g| g.known_error())
        .filter(|e| covers(e) && e.message.strip_prefix("Duplicate mount point: ").is_some_and(|p| clean(p) == path))
        .map_or_else(|| format!("Duplicate mount point: {named}"), |e| e.message.clone());
    (
        Severity::Error,
        format!("`{}` is also mounted at `{path}` by `{}`: Docker refuses it: {error}", item.text, earlier.text),
        None,
    )
}
