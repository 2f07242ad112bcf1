//! ## What it does
//! Flags a consistency setting: `:cached`, `:delegated` or `:consistent` on a `-v` value,
//! `consistency=` on a `--mount`.
//!
//! ## Why is this bad?
//! Consistency was a hint for Docker Desktop for Mac's old `osxfs` file sharing. Linux
//! engines accept it and ignore it, and current Docker Desktop file sharing ignores it
//! too, so it promises a speed-up that never happens. `--mount` takes any value at all
//! (`consistency=fast` is accepted), and compose's short syntax drops the word. The line
//! reads as if it tuned something; it tunes nothing.
//!
//! ## Example
//! ```sh
//! docker run -v "$PWD":/app:cached node
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v "$PWD":/app node
//! ```
//!
//! ## Fix safety
//! Safe: the setting has no effect, so removing it changes nothing. When it is the only
//! option of a named volume, the fix writes `rw` instead of removing the mode: a `-v`
//! volume without any mode gets an implicit SELinux relabel (`z`) that the mode turned
//! off, and `rw` keeps that exactly as it was.

use super::edits::{mode_tokens, remove_mount_field, replace_mode, token_span};
use super::{Applicability, Document, Finding, Fix, Rule, Severity};
use crate::model::mount::{Field, MountKind, SyntaxKind};
use crate::model::volume_flag::linux_valid_mode;

pub const RULE: Rule = Rule {
    code: "DM022",
    name: "consistency-no-effect",
    severity: Severity::Info,
    source: include_str!("consistency_no_effect.rs"),
    check,
    covers: None,
};

const CONSISTENCIES: [&str; 3] = ["consistent", "cached", "delegated"];

fn check(document: &Document) -> Vec<Finding> {
    let mut findings = Vec::new();
    for item in &document.items {
        let mount = &item.mount;
        match mount.syntax {
            SyntaxKind::VolumeFlag | SyntaxKind::ComposeShort => {
                let mode = mount.mode.as_deref().unwrap_or("");
                let tokens = mode_tokens(item);
                let Some(index) = tokens.iter().position(|t| CONSISTENCIES.contains(t)) else {
                    continue;
                };
                // An invalid mode is refused as a whole: `invalid-mode` says so.
                if mount.syntax == SyntaxKind::VolumeFlag && !linux_valid_mode(mode) {
                    continue;
                }
                let word = tokens[index];
                let mode_span = mount.span_of(Field::Mode);
                let span = token_span(document, mode_span, mode, index).unwrap_or(mode_span);
                let kept: Vec<&str> = tokens.iter().copied().filter(|t| !CONSISTENCIES.contains(t)).collect();
                let kept = if kept.is_empty() && item.kind() != Some(MountKind::Bind) { vec!["rw"] } else { kept };
                let fix = replace_mode(document, item, &kept).map(|edit| Fix {
                    applicability: Applicability::Safe,
                    message: format!("drop `{word}`"),
                    edits: vec![edit],
                });
                let message = format!(
                    "`{word}` has no effect: Linux engines ignore consistency (it was a hint for Docker Desktop for Mac's old file sharing){}",
                    if mount.syntax == SyntaxKind::ComposeShort { ", and compose's short syntax drops it" } else { "" }
                );
                findings.push(RULE.finding(span, message, fix));
            }
            SyntaxKind::MountFlag | SyntaxKind::ComposeLong => {
                let Some(value) = mount.rare.consistency.as_deref() else {
                    continue;
                };
                let known = if CONSISTENCIES.contains(&value) || value == "default" {
                    String::new()
                } else {
                    " (and is not even one of `consistent`, `cached`, `delegated`: Docker never checks it)".to_string()
                };
                let message = format!(
                    "`consistency={value}` has no effect: Linux engines ignore consistency (it was a hint for Docker Desktop for Mac's old file sharing){known}"
                );
                let fix = remove_mount_field(document, item, Field::Consistency).map(|edit| Fix {
                    applicability: Applicability::Safe,
                    message: "drop `consistency`".to_string(),
                    edits: vec![edit],
                });
                findings.push(RULE.finding(mount.span_of(Field::Consistency), message, fix));
            }
            _ => {}
        }
    }
    findings
}
