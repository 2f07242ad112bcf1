//! rustc-style source snippets: the line, a caret under the span, and notes.

use crate::lint::lines::LineIndex;
use crate::span::Span;
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::{self, termcolor::Buffer, Config};

/// How serious a snippet is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
}

/// One message about a place in a text.
#[derive(Clone, Debug)]
pub struct Snippet<'a> {
    pub level: Level,
    pub code: Option<String>,
    pub message: String,
    pub file_name: &'a str,
    pub text: &'a str,
    pub span: Span,
    pub label: String,
    pub notes: Vec<String>,
}

/// Renders a snippet; with `color`, ANSI colours are used.
pub fn render(snippet: &Snippet<'_>, color: bool) -> String {
    render_at(snippet, color, &LineIndex::new(snippet.text))
}

/// Renders a snippet of a text whose lines are already indexed: for many snippets of one
/// text (a file's findings), indexing the whole text once instead of once per snippet
/// (60,000 findings in a 3 MB file took minutes).
pub fn render_at(snippet: &Snippet<'_>, color: bool, lines: &LineIndex<'_>) -> String {
    let severity = match snippet.level {
        Level::Error => Severity::Error,
        Level::Warning => Severity::Warning,
        Level::Note => Severity::Note,
    };
    let span = clamp(snippet.span, snippet.text);
    let file = Window::around(snippet, span, lines);
    let local = span.start - file.offset..span.end - file.offset;
    let mut diagnostic = Diagnostic::new(severity)
        .with_message(&snippet.message)
        .with_labels(vec![Label::primary((), local).with_message(&snippet.label)])
        .with_notes(snippet.notes.clone());
    if let Some(code) = &snippet.code {
        diagnostic = diagnostic.with_code(code);
    }
    let config = Config::default();
    let mut buffer = if color { Buffer::ansi() } else { Buffer::no_color() };
    if term::emit_to_write_style(&mut buffer, &config, &file, &diagnostic).is_err() {
        return format!("{}: {}\n", level_name(snippet.level), snippet.message);
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

/// The lines around a span, shown to the renderer as the whole file but numbered as
/// they are in the text.
struct Window<'a> {
    name: &'a str,
    source: &'a str,
    /// Where the window starts in the text.
    offset: usize,
    /// The 0-based number of the window's first line in the text.
    first_line: usize,
    /// Where each line of the window starts, in the window.
    starts: Vec<usize>,
}

impl<'a> Window<'a> {
    /// The span's lines, and a few around them for context.
    fn around(snippet: &Snippet<'a>, span: Span, lines: &LineIndex<'_>) -> Window<'a> {
        let first = lines.line_of(span.start).saturating_sub(4);
        let last = lines.line_of(span.end) + 2;
        let start = lines.line_span_with_ending(first).0.min(snippet.text.len());
        let end = lines.line_span_with_ending(last).1.clamp(start, snippet.text.len());
        let source = snippet.text.get(start..end).unwrap_or("");
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(at, _)| at + 1));
        Window { name: snippet.file_name, source, offset: start, first_line: first, starts }
    }
}

impl<'a> Files<'a> for Window<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(self.source)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, files::Error> {
        Ok(self.first_line + self.starts.partition_point(|&start| start <= byte_index).saturating_sub(1))
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<std::ops::Range<usize>, files::Error> {
        let max = self.first_line + self.starts.len();
        let too_large = files::Error::LineTooLarge { given: line_index, max };
        let local = line_index.checked_sub(self.first_line).ok_or(files::Error::LineTooLarge { given: 0, max: 0 })?;
        let start = *self.starts.get(local).ok_or(too_large)?;
        let end = self.starts.get(local + 1).copied().unwrap_or(self.source.len());
        Ok(start..end)
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
    }
}

/// Keeps a span inside the text and on character boundaries, so rendering never fails.
fn clamp(span: Span, text: &str) -> Span {
    let mut start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    Span::new(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_caret_under_the_span() {
        let text = "-v :::";
        let out = render(
            &Snippet {
                level: Level::Error,
                code: None,
                message: "invalid spec".into(),
                file_name: "<args>",
                text,
                span: Span::new(3, 6),
                label: "here".into(),
                notes: vec!["hint: x".into()],
            },
            false,
        );
        assert!(out.contains("^^^ here"), "{out}");
        assert!(out.contains("= hint: x"), "{out}");
    }

    #[test]
    fn spans_out_of_range_or_inside_a_character_do_not_fail() {
        let text = "é:/x";
        for span in [Span::new(1, 2), Span::new(10, 20), Span::new(3, 1)] {
            let out = render(
                &Snippet {
                    level: Level::Warning,
                    code: Some("DM1".into()),
                    message: "m".into(),
                    file_name: "f",
                    text,
                    span,
                    label: String::new(),
                    notes: vec![],
                },
                false,
            );
            assert!(out.starts_with("warning[DM1]: m"), "{out}");
        }
    }
}
