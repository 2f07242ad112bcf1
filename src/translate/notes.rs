//! What a translation says besides its output: `note`s (the translation is exact, here is
//! a detail worth knowing), `warning`s (the translation behaves differently, and how), and
//! `error`s (nothing could be translated: Docker refuses the input, or it cannot be read).

use super::meaning::{differences, Meaning};
use crate::span::Span;
use serde::Serialize;

/// How much a note matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The translation is exact; this is a detail of it.
    Note,
    /// The translation does not do exactly what the input does.
    Warning,
    /// Nothing was translated.
    Error,
}

/// One message, with the part of the input it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub severity: Severity,
    pub message: String,
    /// Where in the input (byte span), when the message is about one place.
    pub span: Option<Span>,
}

impl Note {
    pub fn info(message: impl Into<String>, span: Option<Span>) -> Note {
        Note { severity: Severity::Note, message: message.into(), span }
    }

    pub fn warning(message: impl Into<String>, span: Option<Span>) -> Note {
        Note { severity: Severity::Warning, message: message.into(), span }
    }

    pub fn error(message: impl Into<String>, span: Option<Span>) -> Note {
        Note { severity: Severity::Error, message: message.into(), span }
    }

    pub fn is_warning(&self) -> bool {
        self.severity >= Severity::Warning
    }

    /// The same note with its span moved by `map` (from a value into the whole input).
    pub fn mapped(mut self, map: impl Fn(Span) -> Span) -> Note {
        self.span = self.span.map(map);
        self
    }
}

/// Warnings for differences between what the input does and what its translation does
/// that no emitter explained: the safety net of the verification.
pub fn unexplained(original: &Meaning, translated: &Meaning, flag: &str, span: Option<Span>) -> Vec<Note> {
    differences(original, translated)
        .into_iter()
        .map(|(what, before, after)| {
            Note::warning(format!("the {flag} translation differs in its {what}: `{before}` becomes `{after}`"), span)
        })
        .collect()
}
