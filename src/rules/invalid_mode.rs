//! ## What it does
//! Flags the options of a `-v` value (or a compose short entry) that are not a valid
//! mode: an unknown word (`RO`, `readonly`, `bogus`), an empty one (`ro,`), or two words
//! of one kind (`ro,rw`, `z,Z`, `shared,slave`, `cached,delegated`).
//!
//! ## Why is this bad?
//! The Linux Engine knows exactly these case-sensitive words, at most one of each kind:
//! `ro`/`rw`, `z`/`Z`, one propagation (`shared`, `rshared`, `slave`, `rslave`, `private`,
//! `rprivate`), `nocopy`, and one of `consistent`, `cached`, `delegated`. Anything else
//! makes `docker run` fail with `invalid mode: <mode>`. Compose's short syntax is worse:
//! it silently drops the words it does not know and lets the last of two win, so
//! `./conf:/etc/app:RO` is mounted **read-write** with no warning.
//!
//! Options that are valid words but wrong for the kind of mount (`nocopy` on a bind, a
//! propagation on a named volume) are `option-wrong-mount-type`'s.
//!
//! ## Example
//! ```sh
//! docker run -v /srv/conf:/etc/app:readonly app
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v /srv/conf:/etc/app:ro app
//! ```
//!
//! ## Fix safety
//! Safe when the fix only spells a word the way Docker knows it (`RO`→`ro`,
//! `readonly`→`ro`, `RW`→`rw`) or drops an empty or repeated word, and the result is a
//! valid mode: that is the evident intent. Two different words of one kind (`ro,rw`) get
//! no fix: only the author knows which one was meant.

use super::edits::{replace_mode, token_span};
use super::{Applicability, Document, Finding, Fix, Item, Rule, Severity};
use crate::model::context::Platform;
use crate::model::mount::{Field, SyntaxKind};
use crate::model::verdict::DockerError;
use crate::model::volume_flag::linux_valid_mode;

pub const RULE: Rule = Rule {
    code: "DM005",
    name: "invalid-mode",
    severity: Severity::Error,
    source: include_str!("invalid_mode.rs"),
    check,
    covers: Some(covers),
};

fn covers(error: &DockerError) -> bool {
    error.message.starts_with("invalid mode: ")
}

const PROPAGATIONS: [&str; 6] = ["shared", "rshared", "slave", "rslave", "private", "rprivate"];
const CONSISTENCIES: [&str; 3] = ["consistent", "cached", "delegated"];

/// The kind of a mode word, as the Engine counts them; `None` for a word it does not know.
fn category(token: &str) -> Option<&'static str> {
    Some(match token {
        "ro" | "rw" => "access (`ro`/`rw`)",
        "z" | "Z" => "SELinux label (`z`/`Z`)",
        t if PROPAGATIONS.contains(&t) => "propagation",
        "nocopy" => "`nocopy`",
        t if CONSISTENCIES.contains(&t) => "consistency",
        _ => return None,
    })
}

/// What a word most likely meant, when it is a known word in another spelling.
fn respelled(token: &str) -> Option<&'static str> {
    let lower = token.to_ascii_lowercase();
    let known = match lower.as_str() {
        "readonly" | "read-only" | "read_only" => "ro",
        "readwrite" | "read-write" | "read_write" => "rw",
        // `z` and `Z` are two different words: their case is not a typo.
        "z" => return None,
        other => {
            return ["ro", "rw", "nocopy"]
                .iter()
                .chain(&PROPAGATIONS)
                .chain(&CONSISTENCIES)
                .find(|k| **k == other)
                .copied()
        }
    };
    Some(known)
}

/// One problem of a mode: the word (by index) and what is wrong with it.
struct Problem {
    index: usize,
    text: String,
}

fn problems(tokens: &[&str], compose: bool) -> Vec<Problem> {
    let mut found = Vec::new();
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        if token.is_empty() {
            found.push(Problem { index, text: "an empty option".to_string() });
            continue;
        }
        let Some(kind) = category(token) else {
            let hint = respelled(token).map(|k| format!(" (`{k}` was meant)")).unwrap_or_default();
            found.push(Problem { index, text: format!("`{token}` is not an option{hint}") });
            continue;
        };
        // Compose's short syntax does not read consistency words at all (ignored, not
        // wrong): `consistency-no-effect` tells.
        if compose && kind == "consistency" {
            continue;
        }
        if let Some((first, _)) = seen.iter().find(|(_, k)| *k == kind) {
            found.push(Problem { index, text: format!("`{first}` and `{token}` are two {kind} options") });
        } else {
            seen.push((token, kind));
        }
    }
    found
}

fn check(document: &Document) -> Vec<Finding> {
    // A Windows daemon has its own modes (`ro`/`rw` only), no SELinux and no propagation.
    if document.context.platform != Platform::Linux {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for item in &document.items {
        let mount = &item.mount;
        let compose = mount.syntax == SyntaxKind::ComposeShort;
        if !(compose || mount.syntax == SyntaxKind::VolumeFlag) || document.for_windows(item) {
            continue;
        }
        let Some(mode) = mount.mode.as_deref() else {
            continue;
        };
        if !item.is_literal(Field::Mode) || linux_valid_mode(mode) {
            continue;
        }
        // When the CLI stops at another error first (`too many colons`), the mode is
        // never read.
        if item.known_error().is_some_and(|e| !covers(e)) {
            continue;
        }
        let tokens: Vec<&str> = mode.split(',').collect();
        let found = problems(&tokens, compose);
        let Some(first) = found.first() else {
            continue;
        };
        let mode_span = mount.span_of(Field::Mode);
        let span = token_span(document, mode_span, mode, first.index).unwrap_or(mode_span);
        let list: Vec<&str> = found.iter().map(|p| p.text.as_str()).collect();
        let message = if compose {
            let access = if mount.read_only { "read-only" } else { "read-write" };
            format!(
                "{}: compose ignores what it does not know and lets the last of two win, so the mount is {access}",
                list.join("; ")
            )
        } else {
            let refusal = match item.known_error() {
                Some(error) => error.message.clone(),
                None => format!("invalid mode: {mode}"),
            };
            format!("{}: Docker refuses the mode: {refusal}", list.join("; "))
        };
        findings.push(RULE.finding(span, message, fix(document, item, &tokens)));
    }
    findings
}

/// Respell known words and drop empty or repeated ones, when that gives a valid mode.
fn fix(document: &Document, item: &Item, tokens: &[&str]) -> Option<Fix> {
    let mut fixed: Vec<&str> = Vec::new();
    for token in tokens {
        let word = if token.is_empty() {
            continue;
        } else if category(token).is_some() {
            *token
        } else {
            respelled(token)?
        };
        if !fixed.contains(&word) {
            fixed.push(word);
        }
    }
    if fixed.is_empty() || !linux_valid_mode(&fixed.join(",")) {
        return None;
    }
    let edit = replace_mode(document, item, &fixed)?;
    Some(Fix { applicability: Applicability::Safe, message: format!("use `{}`", fixed.join(",")), edits: vec![edit] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_respelled_only_when_evident() {
        assert_eq!(respelled("RO"), Some("ro"));
        assert_eq!(respelled("readonly"), Some("ro"));
        assert_eq!(respelled("Read-Only"), Some("ro"));
        assert_eq!(respelled("RSHARED"), Some("rshared"));
        assert_eq!(respelled("Z"), None);
        assert_eq!(respelled("bogus"), None);
    }

    #[test]
    fn two_words_of_one_kind() {
        let found = problems(&["ro", "rw"], false);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "`ro` and `rw` are two access (`ro`/`rw`) options");
        assert!(problems(&["ro", "cached"], true).is_empty());
        assert_eq!(problems(&["cached", "delegated"], false).len(), 1);
        assert!(problems(&["cached", "delegated"], true).is_empty());
    }
}
