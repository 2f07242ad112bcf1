//! ## What it does
//! Flags a suppression comment (`# dockmount: ignore[...]`) that suppresses nothing: no
//! finding of the rules it names is on its line or the line after it, or it names a rule
//! that does not exist.
//!
//! ## Why is this bad?
//! A suppression outlives the problem it was written for. Once the spec is fixed, a
//! leftover `# dockmount: ignore` silently hides the next real problem written on that
//! line. A misspelt rule name suppresses nothing at all.
//!
//! ## Example
//! ```sh
//! # dockmount: ignore[comma-in-target]
//! docker run -v /srv:/data:ro alpine
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v /srv:/data:ro alpine
//! ```
//!
//! ## Fix safety
//! Safe: the fix deletes the comment (the whole line when the comment stands alone), or
//! only the unused names when others in the same comment are used. Rules not selected for
//! the run are never judged unused.

use crate::rules::{Document, Finding, Rule, Severity};

/// Found while suppressions are applied, after every rule has run.
pub static RULE: Rule = Rule {
    code: "DM900",
    name: "unused-suppression",
    severity: Severity::Warning,
    source: include_str!("unused_suppression.rs"),
    check: no_check,
    covers: None,
};

fn no_check(_: &Document) -> Vec<Finding> {
    Vec::new()
}
