//! ## What it does
//! Flags a Dockerfile `VOLUME` written as a JSON array that is not valid JSON:
//! `VOLUME ['/data']` (single quotes), `VOLUME ["/a" "/b"]` (no comma),
//! `VOLUME ["/a",]` (trailing comma), `VOLUME [/data]` (no quotes), a missing `]`.
//!
//! ## Why is this bad?
//! The builder tries the JSON form first and, when the text does not decode, silently
//! falls back to the plain form: the text split at blanks, each word a path. The image
//! gets volumes nobody meant, `[/data]` for `['/data']`, `[/a` and `/b]` for
//! `["/a" "/b"]`, which the Engine mounts at `/[/data]` and the like; the path that was
//! meant is no volume at all, so what the container writes there stays in its writable
//! layer and is gone with the container. The build prints nothing about it (observed
//! with both builders of Engine 20.10; the current frontend reads JSON the same way, and
//! also falls back when text follows the `]`).
//!
//! ## Example
//! ```dockerfile
//! VOLUME ['/var/lib/app', '/var/log/app']
//! ```
//!
//! Use instead:
//! ```dockerfile
//! VOLUME ["/var/lib/app", "/var/log/app"]
//! ```
//!
//! ## Fix safety
//! Safe: the fix writes the JSON array that was meant (double quotes, commas, brackets),
//! and a path such as `[/data]` is never what anyone wants. A trailing `# comment` moves
//! to its own line above, since text after the `]` would make the array unreadable
//! again. No fix when the elements cannot be told apart (an unclosed quote, text after
//! the `]`) or the instruction continues over several lines.

use super::volume_words::{intended_array, json_array, line_start_and_indent, readings, Reading};
use super::{Applicability, Document, Edit, Finding, Fix, Rule, Severity};
use crate::model::verdict::DockerError;
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM015",
    name: "volume-json-malformed",
    severity: Severity::Error,
    source: include_str!("volume_json_malformed.rs"),
    check,
    covers: Some(covers),
};

/// The builder cannot expand a word of the broken array (`['/a b']` leaves a quote open).
fn covers(error: &DockerError) -> bool {
    error.message.starts_with("failed to process \"[")
        || (error.message.starts_with("failed to process \"") && error.message.contains("matching"))
}

fn check(document: &Document) -> Vec<Finding> {
    let mut findings = Vec::new();
    for reading in readings(document) {
        if !reading.malformed_json {
            continue;
        }
        let words = reading.before_comment();
        let (Some(first), Some(last)) = (words.first(), words.last()) else {
            continue;
        };
        let span = Span::new(first.span.start, last.span.end);
        let written = document.slice(span);
        let made: Vec<String> = (0..words.len())
            .map(|i| reading.path(i).unwrap_or_else(|| words.get(i).map(|w| w.text.clone()).unwrap_or_default()))
            .map(|p| format!("`{p}`"))
            .collect();
        let volumes = if made.len() == 1 { "the volume" } else { "the volumes" };
        let intended = intended_array(written);
        let meant = match &intended {
            Some(elements) => format!(" instead of {}", json_array(elements)),
            None => String::new(),
        };
        let why = if !reading.comment().is_empty() && serde_json::from_str::<Vec<String>>(written).is_ok() {
            "the comment after the `]` is part of the text, and a JSON array must be all of it"
        } else {
            reason(written)
        };
        let outcome = match &reading.volume.error {
            Some(error) => format!(", and stops: {}", error.display),
            None => format!(": the image gets {volumes} {}{meant}", made.join(", ")),
        };
        let message = format!(
            "`{written}` is not a JSON array the builder can read ({why}), so it reads the words as paths{outcome}"
        );
        let fix = intended.and_then(|elements| fix(document, &reading, span, &elements));
        findings.push(RULE.finding(span, message, fix));
    }
    findings
}

/// Why the text is not read as JSON, in words.
fn reason(written: &str) -> &'static str {
    let inner = written.trim();
    let compact: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    if inner.contains('\'') {
        "JSON strings take double quotes"
    } else if !inner.ends_with(']') && !inner.contains(']') {
        "the closing `]` is missing"
    } else if !inner.ends_with(']') {
        "text follows the closing `]`"
    } else if compact.contains(",]") || compact.starts_with("[,") || compact.contains(",,") {
        "JSON allows no empty element or comma before `]`"
    } else if compact.contains("\"\"") && !compact.contains("\"\",") {
        "the elements need commas between them"
    } else if !inner.trim_start_matches('[').trim_start().starts_with('"') {
        "each path must be a string in double quotes"
    } else {
        "it is not valid JSON"
    }
}

/// The array that was meant, with a trailing comment moved to its own line above.
fn fix(document: &Document, reading: &Reading, span: Span, elements: &[String]) -> Option<Fix> {
    let comment = reading.comment();
    let end = comment.last().map_or(span.end, |w| w.span.end);
    let replaced = Span::new(span.start, end);
    if document.slice(replaced).contains('\n') {
        return None;
    }
    let mut edits = Vec::new();
    let mut message = "write the JSON array that was meant".to_string();
    if let Some(first) = comment.first() {
        let text = document.slice(Span::new(first.span.start, end));
        let (line_start, indent) = line_start_and_indent(&document.text, reading.volume.span.start)?;
        edits.push(Edit { span: Span::new(line_start, line_start), replacement: format!("{indent}{text}\n") });
        message.push_str(", and move the comment to its own line above");
    }
    edits.push(Edit { span: replaced, replacement: json_array(elements) });
    Some(Fix { applicability: Applicability::Safe, message, edits })
}
