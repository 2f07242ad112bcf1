//! ## What it does
//! Flags a `--tmpfs` option that Docker or the kernel refuses when the container starts:
//! an unknown word (`--tmpfs /run:bogus`, Podman's `tmpcopyup`, `huge=always`) or a value
//! the kernel cannot read (`size=64MB`, `size=abc`, `mode=0o777`).
//!
//! ## Why is this bad?
//! `docker create` (and the create half of `docker run`) accepts any `--tmpfs` options
//! without looking at them. Only when the container starts does the Engine merge them
//! with its defaults, refusing words it does not know (`invalid tmpfs option "bogus"`),
//! and then the kernel mounts the tmpfs and refuses values it cannot parse
//! (`... data: size=64MB: invalid argument`). The error surfaces late, often in a
//! deployment rather than where the line was written.
//!
//! ## Example
//! ```sh
//! docker run --tmpfs /run:rw,size=64MB,noexec app
//! ```
//!
//! Use instead:
//! ```sh
//! docker run --tmpfs /run:rw,size=64m,noexec app
//! ```
//!
//! ## Fix safety
//! A size written with a two-letter unit (`64MB`, `1GiB`) is rewritten with the kernel's
//! one-letter unit (`64m`, `1g`); that is safe, both mean powers of 1024 (as
//! `--mount tmpfs-size` reads them). Unknown words get no fix.

use super::edits::token_span;
use super::{Applicability, Document, Edit, Finding, Fix, Rule, Severity};
use crate::model::context::Platform;
use crate::model::mount::{Field, SyntaxKind};
use crate::model::tmpfs_flag::{kernel_check, start_options};
use crate::model::verdict::{DockerError, Stage};
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM021",
    name: "invalid-tmpfs-option",
    severity: Severity::Error,
    source: include_str!("invalid_tmpfs_option.rs"),
    check,
    covers: Some(covers),
};

fn covers(error: &DockerError) -> bool {
    error.message.contains("invalid tmpfs option")
        || (error.stage == Stage::Runtime && error.message.contains("error mounting \"tmpfs\""))
}

fn check(document: &Document) -> Vec<Finding> {
    let ctx = &document.context;
    if ctx.platform != Platform::Linux {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for item in &document.items {
        let mount = &item.mount;
        if mount.syntax != SyntaxKind::TmpfsFlag || !item.is_literal(Field::TmpfsOptions) {
            continue;
        }
        let Some(settings) = &mount.rare.tmpfs else {
            continue;
        };
        let options = settings.options.join(",");
        let options_span = mount.span_of(Field::TmpfsOptions);
        // The kernel's message lists every data option of the merged list: take it from
        // the whole value when the Engine lets it through.
        let kernel_error =
            start_options(&options, ctx).ok().and_then(|merged| kernel_check(&mount.target, &merged).err());
        for (index, word) in settings.options.iter().enumerate() {
            let span = token_span(document, options_span, &options, index).unwrap_or(options_span);
            let problem = match start_options(word, ctx) {
                // Docker names one refused word: the one it meets first walking from the
                // end; alone, each word gives its own message.
                Err(error) => Some((format!("`{word}` is not a tmpfs option Docker knows"), error, None)),
                Ok(merged) => kernel_check(&mount.target, &merged).err().map(|alone| {
                    let fix = unit_fix(word).map(|fixed| Fix {
                        applicability: Applicability::Safe,
                        message: format!("write `{fixed}`"),
                        edits: vec![Edit { span, replacement: fixed }],
                    });
                    (format!("`{word}` is not a value the kernel accepts"), kernel_error.clone().unwrap_or(alone), fix)
                }),
            };
            let Some((what, error, fix)) = problem else {
                continue;
            };
            let fix = fix.filter(|_| span != options_span || settings.options.len() == 1);
            let message = format!("{what}: `docker create` accepts it, but the container fails to start: {error}");
            findings.push(RULE.finding(span_or(span, options_span), message, fix));
        }
    }
    findings
}

fn span_or(span: Span, fallback: Span) -> Span {
    if span.is_empty() {
        fallback
    } else {
        span
    }
}

/// `size=64MB` → `size=64m`: a size with a two-letter binary unit in the kernel's spelling.
fn unit_fix(word: &str) -> Option<String> {
    let (key, value) = word.split_once('=')?;
    if !matches!(key, "size" | "nr_blocks" | "nr_inodes") {
        return None;
    }
    let digits_end = value.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = value.split_at(digits_end);
    let unit = unit.to_ascii_lowercase();
    let letter = match unit.as_str() {
        "kb" | "kib" => 'k',
        "mb" | "mib" => 'm',
        "gb" | "gib" => 'g',
        "tb" | "tib" => 't',
        _ => return None,
    };
    (!number.is_empty()).then(|| format!("{key}={number}{letter}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_in_the_kernel_spelling() {
        assert_eq!(unit_fix("size=64MB").as_deref(), Some("size=64m"));
        assert_eq!(unit_fix("size=1GiB").as_deref(), Some("size=1g"));
        assert_eq!(unit_fix("size=64m"), None);
        assert_eq!(unit_fix("size=abc"), None);
        assert_eq!(unit_fix("mode=1777"), None);
    }
}
