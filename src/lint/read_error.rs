//! ## What it does
//! Reports a storage spec that dockmount cannot read: a `docker run` line the shell would
//! not parse as written, a compose file whose YAML, interpolation, merge or schema compose
//! refuses, a Dockerfile the builder stops on before storage matters (an unknown
//! instruction, a flag its frontend does not know), and the like. What compose or the
//! builder refuses in a file that was read (an undeclared volume, `VOLUME []`) is not a
//! read error: the rule that explains it reports it, or `docker-rejects`.
//!
//! ## Why is this bad?
//! When the text cannot be read, nothing else in it can be checked, and in most cases
//! Docker or compose cannot read it either: the command or the file fails before any
//! container starts. A file with a read error is never rewritten by `--fix`, so that a fix
//! never builds on a misreading.
//!
//! ## Example
//! ```sh
//! docker run -v "/srv:/data alpine
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v "/srv:/data" alpine
//! ```
//!
//! ## Fix safety
//! There is no fix: what was meant cannot be known.

use crate::rules::{Document, Finding, Rule, Severity};

/// Read errors come from reading the file, not from a check over its items.
pub static RULE: Rule = Rule {
    code: "DM000",
    name: "read-error",
    severity: Severity::Error,
    source: include_str!("read_error.rs"),
    check: no_check,
    covers: None,
};

fn no_check(_: &Document) -> Vec<Finding> {
    Vec::new()
}
