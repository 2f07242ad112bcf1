//! Small text edits that several rules' fixes share: rewriting the mode of a `-v` value
//! (or a compose short entry) and dropping a field of a `--mount` value. Every helper
//! checks that the document's text is exactly what the model says before it edits, and
//! gives up (no fix) otherwise: quotes or expansions inside the text make a blind edit
//! unsafe.

use super::{Document, Edit, Item};
use crate::model::mount::{Field, SyntaxKind};
use crate::span::Span;

/// An edit that replaces the mode of a `-v` / compose short value by `tokens` (joined with
/// `,`); with no tokens the mode and its `:` go.
pub fn replace_mode(document: &Document, item: &Item, tokens: &[&str]) -> Option<Edit> {
    if !matches!(item.mount.syntax, SyntaxKind::VolumeFlag | SyntaxKind::ComposeShort) {
        return None;
    }
    let mode = item.mount.mode.as_deref()?;
    let span = *item.mount.provenance.get(&Field::Mode)?;
    if document.slice(span) != mode {
        return None;
    }
    if tokens.is_empty() {
        let colon = span.start.checked_sub(1)?;
        if document.slice(Span::new(colon, span.start)) != ":" {
            return None;
        }
        return Some(Edit { span: Span::new(colon, span.end), replacement: String::new() });
    }
    Some(Edit { span, replacement: tokens.join(",") })
}

/// The mode's tokens as written (`ro,Z` → `["ro", "Z"]`).
pub fn mode_tokens(item: &Item) -> Vec<&str> {
    match item.mount.mode.as_deref() {
        Some(mode) if !mode.is_empty() => mode.split(',').collect(),
        _ => Vec::new(),
    }
}

/// An edit that removes one `key=value` field of a `--mount` value with its comma.
pub fn remove_mount_field(document: &Document, item: &Item, field: Field) -> Option<Edit> {
    if item.mount.syntax != SyntaxKind::MountFlag {
        return None;
    }
    let span = *item.mount.provenance.get(&field)?;
    let after = document.slice(Span::new(span.end, span.end + 1));
    let before = span.start.checked_sub(1).map(|at| document.slice(Span::new(at, span.start))).unwrap_or("");
    if after == "," {
        Some(Edit { span: Span::new(span.start, span.end + 1), replacement: String::new() })
    } else if before == "," {
        Some(Edit { span: Span::new(span.start - 1, span.end), replacement: String::new() })
    } else {
        None
    }
}

/// The span of one `,`-separated token of the text at `span` (the `n`-th, from 0), when
/// the document's text there is exactly `written`.
pub fn token_span(document: &Document, span: Span, written: &str, n: usize) -> Option<Span> {
    if document.slice(span) != written {
        return None;
    }
    let mut start = span.start;
    for (i, token) in written.split(',').enumerate() {
        if i == n {
            return Some(Span::new(start, start + token.len()));
        }
        start += token.len() + 1;
    }
    None
}
