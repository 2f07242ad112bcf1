//! ## What it does
//! Flags a `#` comment at the end of a Dockerfile `VOLUME` line:
//! `VOLUME /var/lib/app # keeps the data`.
//!
//! ## Why is this bad?
//! In a Dockerfile a `#` starts a comment only at the beginning of a line. After an
//! instruction it is ordinary text, and `VOLUME` in its plain form makes every word a
//! path: `VOLUME /var/lib/app # keeps the data` declares the volumes `/var/lib/app`,
//! `#`, `keeps`, `the` and `data` (observed with both builders of Engine 20.10). Every
//! container of the image then gets an anonymous volume for each word, at `/#`, `/keeps`
//! and so on (relative paths are mounted under the root), and a word that happens to be
//! a path (`# see /usr/share/doc`) hides the image's files there. On the current frontend
//! a comment after a JSON array makes it invalid JSON too, so the array itself is read
//! as words (`volume-json-malformed` reports that part).
//!
//! ## Example
//! ```dockerfile
//! VOLUME /var/lib/app # keeps the data
//! ```
//!
//! Use instead:
//! ```dockerfile
//! # keeps the data
//! VOLUME /var/lib/app
//! ```
//!
//! ## Fix safety
//! Safe: the fix moves the comment to its own line above the instruction, which drops
//! only the volumes its words made, and nobody meant those. No fix when the comment is
//! all the instruction has (removing it would leave `VOLUME` without a path) or it spans
//! several lines.

use super::volume_words::{line_start_and_indent, readings, Reading};
use super::{Applicability, Document, Edit, Finding, Fix, Rule, Severity};
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM016",
    name: "comment-in-volume",
    severity: Severity::Warning,
    source: include_str!("comment_in_volume.rs"),
    check,
    covers: None,
};

fn check(document: &Document) -> Vec<Finding> {
    let mut findings = Vec::new();
    for reading in readings(document) {
        let comment = reading.comment();
        let (Some(first), Some(last), Some(from)) = (comment.first(), comment.last(), reading.comment_from) else {
            continue;
        };
        let span = Span::new(first.span.start, last.span.end);
        let written = document.slice(span);
        let made: Vec<String> = (from..reading.volume.words.len())
            .filter_map(|i| reading.path(i).or_else(|| reading.volume.words.get(i).map(|w| w.text.clone())))
            .map(|p| format!("`{p}`"))
            .collect();
        let message = format!(
            "`{written}` is not a comment: a `#` starts one only at the beginning of a line, so the image also gets the volume{} {}",
            if made.len() == 1 { "" } else { "s" },
            made.join(", ")
        );
        findings.push(RULE.finding(span, message, fix(document, &reading, span)));
    }
    findings
}

/// Moves the comment to its own line above the instruction.
fn fix(document: &Document, reading: &Reading, comment: Span) -> Option<Fix> {
    // The comment must leave a path behind, on the same line.
    let kept = reading.before_comment().last()?;
    let removed = Span::new(kept.span.end, comment.end);
    if document.slice(removed).contains('\n') {
        return None;
    }
    let (line_start, indent) = line_start_and_indent(&document.text, reading.volume.span.start)?;
    let text = document.slice(comment);
    Some(Fix {
        applicability: Applicability::Safe,
        message: "move the comment to its own line above".to_string(),
        edits: vec![
            Edit { span: Span::new(line_start, line_start), replacement: format!("{indent}{text}\n") },
            Edit { span: removed, replacement: String::new() },
        ],
    })
}
