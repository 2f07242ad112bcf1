//! ## What it does
//! Flags a container path that ends in `,ro`, `,rw`, `,z`, `,Z`, `,readonly` or `,nocopy`
//! (for example `-v /srv:/data,ro`).
//!
//! ## Why is this bad?
//! Docker separates a `-v` value at colons only. Everything after the first colon is the
//! container path, so `,ro` becomes part of the path: the mount is read-write at the path
//! `/data,ro`, the application's `/data` gets nothing, and nothing warns. The read-only
//! intent is silently lost in every Docker version.
//!
//! ## Example
//! ```sh
//! docker run -v /srv:/data,ro alpine
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v /srv:/data:ro alpine
//! ```
//!
//! ## Fix safety
//! Safe: the fix turns the comma into the colon that was meant; a path ending in `,ro` is
//! never wanted.

use super::{Applicability, Document, Edit, Finding, Fix, Rule, Severity};
use crate::model::mount::{Field, SyntaxKind};
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM006",
    name: "comma-in-target",
    severity: Severity::Error,
    source: include_str!("comma_in_target.rs"),
    check,
    covers: None,
};

const OPTIONS: [&str; 6] = ["ro", "rw", "z", "Z", "readonly", "nocopy"];

fn check(document: &Document) -> Vec<Finding> {
    let mut findings = Vec::new();
    for item in &document.items {
        let mount = &item.mount;
        let Some((path, option)) = mount.target.rsplit_once(',') else {
            continue;
        };
        if !OPTIONS.contains(&option) || path.is_empty() {
            continue;
        }
        let span = mount.span_of(Field::Target);
        let read_only_lost = matches!(option, "ro" | "readonly");
        let message = if read_only_lost {
            format!(
                "`{}` is one container path: the mount is read-write at `{}`, not read-only at `{path}`",
                mount.target, mount.target
            )
        } else {
            format!("`{}` is one container path: `,{option}` is not read as an option", mount.target)
        };
        let fix = comma_fix(document, span, mount.syntax, path, option);
        findings.push(RULE.finding(span, message, fix));
    }
    findings
}

/// For `-v` and compose short syntax, where `:` starts the options, turn the comma into a
/// colon — only when the target's text in the document is exactly what we think it is.
fn comma_fix(document: &Document, span: Span, syntax: SyntaxKind, path: &str, option: &str) -> Option<Fix> {
    if !matches!(syntax, SyntaxKind::VolumeFlag | SyntaxKind::ComposeShort) {
        return None;
    }
    let written = document.text.get(span.start..span.end)?;
    if written != format!("{path},{option}") {
        return None;
    }
    let option = if option == "readonly" { "ro" } else { option };
    Some(Fix {
        applicability: Applicability::Safe,
        message: format!("use `{path}:{option}`"),
        edits: vec![Edit { span, replacement: format!("{path}:{option}") }],
    })
}
