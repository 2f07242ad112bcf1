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

impl<'a> Snippet<'a> {
    /// An error at `span` of `text`, without a code, a label or notes.
    pub fn error(message: impl Into<String>, file_name: &'a str, text: &'a str, span: Span) -> Snippet<'a> {
        Snippet {
            level: Level::Error,
            code: None,
            message: message.into(),
            file_name,
            text,
            span,
            label: String::new(),
            notes: Vec::new(),
        }
    }

    /// The same snippet with a label under the caret.
    pub fn labelled(self, label: impl Into<String>) -> Snippet<'a> {
        Snippet { label: label.into(), ..self }
    }

    /// The same snippet with a `hint: …` note, when there is a hint.
    pub fn hinted(mut self, hint: Option<&str>) -> Snippet<'a> {
        self.notes.extend(hint.map(|h| format!("hint: {h}")));
        self
    }
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
    let mut diagnostic = Diagnostic::new(severity)
        .with_message(&snippet.message)
        .with_labels(vec![Label::primary((), file.label.clone()).with_message(&snippet.label)])
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

/// Past this many bytes a line is shown cut around the span, with `…` where text is left
/// out: a line of 20,000 flags would otherwise be printed whole for each of its findings.
const MAX_SHOWN: usize = 120;
/// How much of a cut line is kept before the span, and after it.
const CONTEXT: usize = 40;

/// The lines around a span, shown to the renderer as the whole file but numbered as
/// they are in the text, long lines cut down to the part that matters.
struct Window<'a> {
    name: &'a str,
    source: String,
    /// Where each line of the window starts, in the window.
    starts: Vec<usize>,
    /// For each line of the window: where its kept part starts in the text, where that
    /// part starts in `source`, and the byte where the whole line starts in the text.
    kept: Vec<(usize, usize, usize)>,
    /// The 0-based number of the window's first line in the text.
    first_line: usize,
    /// The span, in `source`.
    label: std::ops::Range<usize>,
    text: &'a str,
}

impl<'a> Window<'a> {
    /// The span's lines, and a few around them for context.
    fn around(snippet: &Snippet<'a>, span: Span, lines: &LineIndex<'_>) -> Window<'a> {
        let text = snippet.text;
        let first = lines.line_of(span.start).saturating_sub(4);
        let last = (lines.line_of(span.end) + 2).min(lines.line_count().saturating_sub(1));
        let mut window = Window {
            name: snippet.file_name,
            source: String::new(),
            starts: Vec::new(),
            kept: Vec::new(),
            first_line: first,
            label: 0..0,
            text,
        };
        let (start_line, end_line) = (lines.line_of(span.start), lines.line_of(span.end));
        let (mut label_start, mut label_end) = (0, 0);
        for line in first..=last {
            let (line_start, content_end) = lines.line_span(line);
            let line_end = lines.line_span_with_ending(line).1.min(text.len());
            let (line_start, content_end) = (line_start.min(text.len()), content_end.min(text.len()));
            let start_here = (line == start_line).then_some(span.start);
            let end_here = (line == end_line).then_some(span.end);
            let (from, to) = shown_part(text, line_start, content_end, start_here, end_here);
            window.starts.push(window.source.len());
            if from > line_start {
                window.source.push('…');
            }
            let shown_from = window.source.len();
            window.kept.push((from, shown_from, line_start));
            window.source.push_str(text.get(from..to).unwrap_or(""));
            let cut_after = to < content_end;
            if cut_after {
                window.source.push('…');
            }
            let ending_from = window.source.len();
            window.source.push_str(text.get(content_end..line_end).unwrap_or(""));
            // Where an offset of this line is in the window: text left out maps to the
            // `…` that stands for it.
            let place = |offset: usize| match offset {
                _ if offset < from => shown_from,
                _ if offset <= to || !cut_after => shown_from + offset - from,
                _ if offset < content_end => shown_from + to - from,
                _ => ending_from + offset - content_end,
            };
            if let Some(offset) = start_here {
                label_start = place(offset);
            }
            if let Some(offset) = end_here {
                label_end = place(offset);
            }
        }
        window.label = label_start..label_end.max(label_start);
        window
    }
}

/// The part of a line `[start, end)` shown: all of it when it is short; else a cut around
/// the span's ends that fall on it, or its beginning. Ends are on character boundaries.
fn shown_part(
    text: &str,
    start: usize,
    end: usize,
    span_start: Option<usize>,
    span_end: Option<usize>,
) -> (usize, usize) {
    if end - start <= MAX_SHOWN {
        return (start, end);
    }
    let from = span_start.map_or(start, |at| at.min(end).saturating_sub(CONTEXT).max(start));
    // A span longer than a line's worth is shown by its beginning.
    let to = match span_end {
        Some(at) if at >= from => (at + CONTEXT).min(from + MAX_SHOWN + 2 * CONTEXT),
        _ => from + MAX_SHOWN,
    };
    (floor_boundary(text, from), floor_boundary(text, to.min(end)))
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl<'a> Files<'a> for Window<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(&self.source)
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

    /// The column in the text, not in the cut line shown.
    fn column_number(&'a self, (): (), line_index: usize, byte_index: usize) -> Result<usize, files::Error> {
        let local = line_index.checked_sub(self.first_line).ok_or(files::Error::LineTooLarge { given: 0, max: 0 })?;
        let &(from, shown_from, line_start) =
            self.kept.get(local).ok_or(files::Error::LineTooLarge { given: line_index, max: self.kept.len() })?;
        let offset = floor_boundary(self.text, (from + byte_index.saturating_sub(shown_from)).min(self.text.len()));
        let before = self.text.get(line_start.min(offset)..offset).unwrap_or("");
        Ok(before.chars().count() + 1)
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

    fn snippet_of(text: &str, span: Span) -> String {
        let snippet = Snippet {
            level: Level::Error,
            code: None,
            message: "m".into(),
            file_name: "f",
            text,
            span,
            label: "here".into(),
            notes: vec![],
        };
        render(&snippet, false)
    }

    /// The text above the carets of a rendered snippet.
    fn underlined(out: &str) -> String {
        let lines: Vec<&str> = out.lines().collect();
        let caret = lines.iter().position(|l| l.contains('^')).expect("a caret line");
        let (source, carets) = (lines[caret - 1], lines[caret]);
        let carets: Vec<char> = carets.chars().collect();
        let from = carets.iter().position(|&c| c == '^').unwrap();
        let to = carets.iter().rposition(|&c| c == '^').unwrap() + 1;
        // The gutters (`1 │ ` and `  │ `) have the same width in characters.
        source.chars().skip(from).take(to - from).collect()
    }

    #[test]
    fn a_long_line_is_cut_around_the_span_with_the_real_column() {
        let line: String = (0..300).map(|i| format!(" -v /é{i}:/c{i}")).collect();
        let text = format!("docker run{line} alpine\nnext line\n");
        let at = text.find("/é150:").unwrap();
        let span = Span::new(at, at + "/é150:/c150".len());
        let out = snippet_of(&text, span);
        assert_eq!(underlined(&out), "/é150:/c150", "{out}");
        let column = text[..at].chars().count() + 1;
        assert!(out.contains(&format!("f:1:{column}")), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 200), "{out}");
        assert!(out.contains("1 │ …") && out.contains("…\n"), "{out}");

        // At the start of the line nothing is left out before the span.
        let out = snippet_of(&text, Span::new(0, 6));
        assert_eq!(underlined(&out), "docker", "{out}");
        assert!(out.contains("1 │ docker run -v"), "{out}");

        // A span longer than a line's worth is shown by its beginning; one over two long
        // lines, or at the very end, renders too.
        for span in [Span::new(11, text.len() - 12), Span::new(at, text.len()), Span::new(text.len(), text.len())] {
            let out = snippet_of(&text, span);
            assert!(out.starts_with("error: m"), "{out}");
            assert!(out.lines().all(|l| l.chars().count() < 300), "{out}");
        }
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
