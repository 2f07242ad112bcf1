//! The report layer: formatting only. Nothing here decides anything; it shows what the
//! layers above found, as text (rustc-style snippets with a caret under the span), JSON,
//! SARIF, GitHub workflow commands, JUnit XML or GitLab code quality JSON.
//!
//! Every format counts lines and columns the same way: 1-based, columns in characters,
//! end positions just past the last character of the span.

pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod rule_docs;
pub mod sarif;
pub mod snippet;
pub mod text;

use crate::lint::lines::{LineIndex, Position};
use crate::lint::{fix, Checked, Diagnostic};
use crate::span::Span;

/// Where a span starts and ends in a text.
pub(crate) fn range(index: &LineIndex<'_>, span: Span) -> (Position, Position) {
    (index.position(span.start), index.position(span.end.max(span.start)))
}

/// Whether `--fix` (with `--unsafe-fixes` when asked) would fix a diagnostic.
pub(crate) fn fixable(file: &Checked, diagnostic: &Diagnostic, unsafe_fixes: bool) -> bool {
    !file.has_read_errors && diagnostic.fix.as_ref().is_some_and(|f| fix::applies(f, unsafe_fixes))
}

/// "1 problem", "2 problems".
pub(crate) fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("{count} {word}")
    } else {
        format!("{count} {word}s")
    }
}
