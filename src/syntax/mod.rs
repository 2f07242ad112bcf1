//! The syntax layer: text to ASTs with byte spans, and no judgement.
//!
//! Each file reads one syntax exactly as Docker splits it. Whether Docker *accepts* what
//! was read is the model layer's business; here we only say where each piece is.

pub mod compose;
pub mod dockerfile;
pub mod mount_flag;
pub mod run_flags_table;
pub mod run_line;
pub mod shell;
pub mod tmpfs_flag;
pub mod volume_flag;

use crate::span::Span;
use serde::Serialize;

/// Text that cannot be read at all (an unclosed quote, a flag without its value...), with
/// the place and a hint for the fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
    pub hint: Option<String>,
}

impl SyntaxError {
    pub fn new(message: impl Into<String>, span: Span) -> SyntaxError {
        SyntaxError { message: message.into(), span, hint: None }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> SyntaxError {
        self.hint = Some(hint.into());
        self
    }
}
