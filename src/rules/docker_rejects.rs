//! ## What it does
//! Flags any storage item that Docker refuses, with Docker's exact message and who
//! refuses it: the docker CLI before sending anything, the Engine when it creates the
//! container, or the container's start.
//!
//! ## Why is this bad?
//! The command does not run: `docker run` stops with an error (or, for start-time
//! errors, `docker create` succeeds and the container never starts). The message is the
//! one Docker prints for the configured versions, so the finding can be checked against
//! a real run.
//!
//! The more specific rules explain most refusals better (`invalid-mode`,
//! `invalid-target`, `duplicate-target`...). Each rule declares the Docker messages it
//! explains; when one of them reports the item that causes the message, this rule stays
//! silent about it, so an error is never reported twice. A message that depends on the
//! value of a shell expansion (`$PWD`, `${DATA}`) is not reported: the shell may well make
//! it valid. Lines written for Windows are not judged against a Linux daemon, and a
//! conflict that does not concern storage (`--rm` with `--restart`) is left to Docker.
//!
//! Dockerfiles and compose files: the builder's error for a `VOLUME` instruction (no
//! argument, `VOLUME []`, an empty path, a JSON array of non-strings) and compose's
//! validation and consistency errors about storage (`volumes.data: conflicting parameters
//! "external" and "driver" specified`, an undefined secret or config, a bind without a
//! source) are reported here with their exact text, unless a rule explains them. The
//! builder's other errors (an unknown instruction...) and compose's YAML, interpolation
//! and schema errors are `read-error`s: the file cannot be read as its kind. Compose's
//! errors about networks, `depends_on`, `network_mode` and services without `image` or
//! `build` are left to compose: they do not concern storage, and in a project made of
//! several files (an override file, a fragment that an app store or an `include:` merges)
//! another file usually provides what is missing. In such a file (a service without
//! `image`, a reference to an undeclared network or service, an override file name,
//! `include:`/`extends:`), an undeclared secret or config is information only. An error
//! about a value that uses a variable the file expects from its environment (`.env`,
//! not present when linting) is not reported: compose would judge an empty string.
//!
//! ## Example
//! ```sh
//! docker run --mount type=bind,src=/srv/www,dst=/usr/share/nginx/html,bind-nonrecursive nginx
//! ```
//!
//! Use instead:
//! ```sh
//! docker run --mount type=bind,src=/srv/www,dst=/usr/share/nginx/html,bind-recursive=disabled nginx
//! ```
//!
//! ## Fix safety
//! No fix: the message says what Docker wants; the more specific rules carry the fixes.

use super::{Document, FileError, Finding, Item, Refuser, Rule, Severity, RULES};
use crate::model::verdict::{DockerError, Stage};
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM023",
    name: "docker-rejects",
    severity: Severity::Error,
    source: include_str!("docker_rejects.rs"),
    check,
    covers: None,
};

/// Errors that are not about storage.
fn is_storage_error(error: &DockerError) -> bool {
    !error.message.starts_with("conflicting options: cannot specify both --restart and --rm")
}

/// Spans of findings, to ask quickly whether any overlaps a span (an empty span counts as
/// its first byte): a line of 20,000 flags has 20,000 findings and 20,000 mounts.
struct SpanIndex {
    /// `(start, end)` sorted by start, with `end` at least `start + 1`.
    spans: Vec<(usize, usize)>,
    /// The largest end among the first `i + 1` spans.
    max_end: Vec<usize>,
}

impl SpanIndex {
    fn new(spans: impl Iterator<Item = Span>) -> Self {
        let mut spans: Vec<(usize, usize)> = spans.map(|s| (s.start, s.end.max(s.start + 1))).collect();
        spans.sort_unstable();
        let max_end = spans
            .iter()
            .scan(0, |max, &(_, end)| {
                *max = end.max(*max);
                Some(*max)
            })
            .collect();
        SpanIndex { spans, max_end }
    }

    fn overlaps(&self, span: Span) -> bool {
        let end = span.end.max(span.start + 1);
        // The spans that start before `span` ends; one of them must end after it starts.
        let starting_before = self.spans.partition_point(|&(start, _)| start < end);
        starting_before > 0 && self.max_end[starting_before - 1] > span.start
    }
}

fn who(error: &DockerError, at_start: bool) -> &'static str {
    match (error.stage, at_start) {
        (Stage::Runtime, _) | (_, true) => "`docker create` accepts it, but the container fails to start",
        (Stage::Client, _) => "the docker CLI refuses it",
        (Stage::Daemon, _) => "the Docker Engine refuses it",
    }
}

/// A rule's declaration of the Docker messages it explains.
type Covers = fn(&DockerError) -> bool;

fn check(document: &Document) -> Vec<Finding> {
    let others: Vec<(Covers, SpanIndex)> = RULES
        .iter()
        .filter(|rule| rule.code != RULE.code)
        .filter_map(|rule| Some((rule.covers?, SpanIndex::new((rule.check)(document).iter().map(|f| f.span)))))
        .collect();
    let covered = |error: &DockerError, span: Span| {
        others.iter().any(|(covers, findings)| covers(error) && findings.overlaps(span))
    };
    let mut items_of_group: Vec<Vec<&Item>> = vec![Vec::new(); document.groups.len()];
    for item in &document.items {
        if let Some(items) = items_of_group.get_mut(item.group) {
            items.push(item);
        }
    }
    let mut findings = Vec::new();
    for error in &document.file_errors {
        if covered(&DockerError::client(error.message.clone()), error.span) {
            continue;
        }
        if let Some(finding) = file_error(document, error) {
            findings.push(finding);
        }
    }
    for item in &document.items {
        if document.for_windows(item) {
            continue;
        }
        let Some(error) = item.known_error() else {
            continue;
        };
        if !is_storage_error(error) || covered(error, item.span) {
            continue;
        }
        let message = format!("{}: {}", who(error, false), error.message);
        findings.push(RULE.finding(item.span, message, None));
    }
    for (index, group) in document.groups.iter().enumerate() {
        if group.for_windows {
            continue;
        }
        let items = &items_of_group[index];
        let errors =
            group.known_error().map(|e| (e, false)).into_iter().chain(group.known_start_error().map(|e| (e, true)));
        for (error, at_start) in errors {
            // Already said (or deliberately not said) for the item that causes it.
            if !is_storage_error(error) || items.iter().any(|i| i.docker_error.as_deref() == Some(error)) {
                continue;
            }
            if items.iter().any(|i| covered(error, i.span)) || covered(error, group.span) {
                continue;
            }
            let span = items
                .iter()
                .find(|i| !i.text.is_empty() && error.message.contains(&i.text))
                .map_or(group.span, |i| i.span);
            let message = format!("{}: {}", who(error, at_start), error.message);
            findings.push(RULE.finding(span, message, None));
        }
    }
    findings
}

/// A refusal of a Dockerfile or compose file, with how serious it is in a file meant to be
/// merged with others; `None` for compose's errors that do not concern storage.
fn file_error(document: &Document, error: &FileError) -> Option<Finding> {
    let message = &error.message;
    let finding = |severity: Severity, text: String| Finding { severity, ..RULE.finding(error.span, text, None) };
    if error.refuser == Refuser::Builder {
        return Some(finding(Severity::Error, format!("the builder refuses it: {message}")));
    }
    const NOT_STORAGE: [&str; 4] = [
        "has neither an image nor a build context",
        " refers to undefined network ",
        " declares mutually exclusive `network_mode` and `networks`",
        " depends on undefined service ",
    ];
    if NOT_STORAGE.iter().any(|m| message.contains(m)) {
        return None;
    }
    let partial = document.compose.as_deref().is_some_and(|c| c.partial);
    if partial && message.contains(" refers to undefined ") {
        return Some(finding(
            Severity::Info,
            format!("docker compose refuses this file on its own, unless a file merged with it declares what is missing: {message}"),
        ));
    }
    Some(finding(Severity::Error, format!("docker compose refuses the file: {message}")))
}
