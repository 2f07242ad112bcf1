//! ## What it does
//! Flags a `-v` value (or compose short entry) that starts with one letter and a colon,
//! such as `-v a:/data`, when the daemon is a Linux one.
//!
//! ## Why is this bad?
//! The docker CLI (and compose) read a single letter followed by `:` as a Windows drive
//! (`C:`), so the colon does not separate anything: `a:/data` is one field, a container
//! path without a source. Docker creates an anonymous volume at the relative path
//! `a:/data` instead of mounting a volume `a` at `/data`, and nothing warns. A one-letter
//! volume name cannot be written with `-v` at all (the local driver would refuse it
//! anyway: names need two characters).
//!
//! Lines written for Windows (backslash paths, a Windows base image, a drive path
//! followed by a container path such as `C:/data:/data`) are left alone.
//!
//! ## Example
//! ```sh
//! docker run -v a:/data alpine
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v appdata:/data alpine
//! ```
//!
//! ## Fix safety
//! No fix: the volume needs a new, longer name that only the author can choose.
//!
//! ## References
//! - run-flags specification §1.2 (client parser) and §1.6 (one-letter volume names).

use super::{Document, Finding, Item, Rule, Severity};
use crate::model::context::Platform;
use crate::model::mount::{Field, SyntaxKind};

pub const RULE: Rule = Rule {
    code: "DM004",
    name: "drive-letter-volume-name",
    severity: Severity::Error,
    source: include_str!("drive_letter_volume_name.rs"),
    check,
    covers: None,
};

/// `a:/data` read as one anonymous-volume path: the letter and the rest, when the item is
/// that case (shared with `invalid-target`, which leaves it to this rule).
pub fn drive_split(item: &Item) -> Option<(char, &str)> {
    let mount = &item.mount;
    if !matches!(mount.syntax, SyntaxKind::VolumeFlag | SyntaxKind::ComposeShort) || mount.source.is_some() {
        return None;
    }
    let mut chars = mount.target.chars();
    let letter = chars.next().filter(|c| c.is_alphabetic())?;
    let rest = chars.as_str().strip_prefix(':')?;
    if rest.is_empty() || rest.starts_with('\\') {
        return None;
    }
    Some((letter, rest))
}

fn check(document: &Document) -> Vec<Finding> {
    if document.context.platform != Platform::Linux {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for item in &document.items {
        let Some((letter, rest)) = drive_split(item) else {
            continue;
        };
        if document.for_windows(item) || !item.is_literal(Field::Target) {
            continue;
        }
        let message = format!(
            "the CLI reads `{letter}:` as a Windows drive letter, so `{}` is one container path: Docker creates an anonymous volume at the relative path `{}` instead of mounting a volume `{letter}` at `{rest}` (and volume names need at least two characters)",
            item.mount.target, item.mount.target
        );
        findings.push(RULE.finding(item.mount.span_of(Field::Target), message, None));
    }
    findings
}
