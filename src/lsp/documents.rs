//! The open documents: their text kept in step with the editor (full and incremental
//! sync), what kind of file each is, and the conversion between byte offsets (what every
//! span in the crate holds) and the protocol's positions.
//!
//! A protocol position is a 0-based line and a 0-based character offset counted in UTF-16
//! code units (the protocol's default, and the only encoding this server offers). Lines
//! end at `\n`, `\r\n` or a lone `\r`, as the protocol says. Positions past the end of a
//! line or of the text, or inside a character (half of a surrogate pair), are clamped to
//! the nearest place before them, so that no position a client sends can fail.

use crate::lint::files::{guess_from_text, kind_of, FileKind};
use crate::span::Span;
use ls_types::{Position, Range, TextDocumentContentChangeEvent, Uri};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where each line of a text starts, for converting offsets and positions.
#[derive(Clone, Debug)]
pub struct Lines {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            match bytes[at] {
                b'\n' => starts.push(at + 1),
                b'\r' if bytes.get(at + 1) == Some(&b'\n') => {
                    starts.push(at + 2);
                    at += 1;
                }
                b'\r' => starts.push(at + 1),
                _ => {}
            }
            at += 1;
        }
        Lines { starts }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of a line without its line ending.
    pub fn line_span(&self, text: &str, line: usize) -> Span {
        let start = self.starts.get(line).copied().unwrap_or(text.len());
        let mut end = self.starts.get(line + 1).copied().unwrap_or(text.len()).max(start);
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\n') {
            end -= 1;
        }
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Span::new(start, end)
    }

    /// The 0-based line an offset is on.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// The protocol position of a byte offset (clamped to the text and to a character
    /// boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let span = self.line_span(text, line);
        // An offset inside a `\r\n` ending counts as the end of the line.
        let end = offset.min(span.end);
        let units: usize = text.get(span.start..end).unwrap_or("").chars().map(char::len_utf16).sum();
        Position { line: to_u32(line), character: to_u32(units) }
    }

    /// The byte offset of a protocol position (clamped as the protocol says).
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let span = self.line_span(text, line);
        let content = text.get(span.start..span.end).unwrap_or("");
        let wanted = position.character as usize;
        let mut units = 0;
        for (at, c) in content.char_indices() {
            let next = units + c.len_utf16();
            if next > wanted {
                return span.start + at;
            }
            units = next;
        }
        span.end
    }

    pub fn range(&self, text: &str, span: Span) -> Range {
        Range { start: self.position(text, span.start), end: self.position(text, span.end.max(span.start)) }
    }

    /// The byte span of a protocol range (start and end put in order).
    pub fn span(&self, text: &str, range: Range) -> Span {
        let start = self.offset(text, range.start);
        let end = self.offset(text, range.end);
        Span::new(start.min(end), start.max(end))
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// One open document.
#[derive(Clone, Debug)]
pub struct Document {
    pub uri: Uri,
    /// The file on disk, for `file:` URIs.
    pub path: Option<PathBuf>,
    pub language_id: String,
    pub version: i32,
    pub text: Arc<str>,
    pub lines: Arc<Lines>,
}

impl Document {
    pub fn new(uri: Uri, language_id: String, version: i32, text: String) -> Document {
        let path = file_path(&uri);
        let lines = Arc::new(Lines::new(&text));
        Document { uri, path, language_id, version, text: text.into(), lines }
    }

    /// Applies the changes of one `didChange`, in order: a change with a range replaces
    /// that range, one without replaces the whole text.
    pub fn apply_changes(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        let mut text = self.text.to_string();
        let mut lines = (*self.lines).clone();
        for change in changes {
            match change.range {
                None => text = change.text,
                Some(range) => {
                    let span = lines.span(&text, range);
                    text.replace_range(span.start..span.end, &change.text);
                }
            }
            lines = Lines::new(&text);
        }
        self.version = version;
        self.text = text.into();
        self.lines = Arc::new(lines);
    }

    /// The name the file's kind is judged by: its path's name, or the last part of the URI
    /// (`untitled:compose.yaml`).
    pub fn name(&self) -> String {
        if let Some(path) = &self.path {
            return path.to_string_lossy().into_owned();
        }
        let path = self.uri.path().decode().to_string_lossy().into_owned();
        path.rsplit('/').next().unwrap_or("").to_string()
    }

    /// What kind of file this is for lint: by its name first (as `dockmount lint` does),
    /// then by the editor's language id; `None` for documents that hold no storage specs.
    pub fn kind(&self) -> Option<FileKind> {
        let name = self.name();
        let first_line = self.text.lines().next();
        if let Some(kind) = kind_of(Path::new(&name), first_line) {
            return Some(kind);
        }
        match self.language_id.as_str() {
            "dockerfile" | "containerfile" => Some(FileKind::Dockerfile),
            "dockercompose" | "docker-compose" | "compose" => Some(FileKind::Compose),
            "shellscript" | "sh" | "bash" | "zsh" | "makefile" | "make" | "just" => Some(FileKind::Shell),
            "markdown" => Some(FileKind::Markdown),
            "yaml" | "github-actions-workflow" => match guess_from_text(&self.text) {
                FileKind::Compose => Some(FileKind::Compose),
                _ => Some(FileKind::CiYaml),
            },
            _ => None,
        }
    }
}

/// The file path of a `file:` URI.
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let scheme = uri.scheme().as_str();
    if !scheme.eq_ignore_ascii_case("file") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned()).filter(|p| p.is_absolute())
}

/// Every open document, by URI.
#[derive(Debug, Default)]
pub struct Documents {
    open: HashMap<Uri, Document>,
}

impl Documents {
    pub fn open(&mut self, document: Document) {
        self.open.insert(document.uri.clone(), document);
    }

    pub fn close(&mut self, uri: &Uri) -> Option<Document> {
        self.open.remove(uri)
    }

    pub fn get(&self, uri: &Uri) -> Option<&Document> {
        self.open.get(uri)
    }

    pub fn get_mut(&mut self, uri: &Uri) -> Option<&mut Document> {
        self.open.get_mut(uri)
    }

    pub fn all(&self) -> impl Iterator<Item = &Document> {
        self.open.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn utf16_positions_count_surrogate_pairs_as_two() {
        let text = "é😀x\nab";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap_or(0);
        assert_eq!(lines.position(text, x), pos(0, 3));
        assert_eq!(lines.offset(text, pos(0, 3)), x);
        // Half of the emoji is its start; past the line end is the line end.
        assert_eq!(lines.offset(text, pos(0, 2)), "é".len());
        assert_eq!(lines.offset(text, pos(0, 99)), x + 1);
        assert_eq!(lines.offset(text, pos(9, 0)), text.len());
        assert_eq!(lines.position(text, text.len()), pos(1, 2));
        // An offset inside a character moves back to its start.
        assert_eq!(lines.position(text, 1), pos(0, 0));
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let text = "a\r\nb\rc\n";
        let lines = Lines::new(text);
        assert_eq!(lines.line_count(), 4);
        assert_eq!(lines.position(text, text.find('c').unwrap_or(0)), pos(2, 0));
        assert_eq!(lines.position(text, 1), pos(0, 1));
        assert_eq!(lines.position(text, 2), pos(0, 1));
        assert_eq!(lines.offset(text, pos(0, 5)), 1);
        assert_eq!(lines.line_span(text, 1), Span::new(3, 4));
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let uri: Uri = "file:///tmp/run.sh".parse().unwrap_or_else(|e| panic!("{e}"));
        let mut doc = Document::new(uri, "shellscript".into(), 1, "é😀 -v a:/b\n".into());
        let change = |range: Option<Range>, text: &str| TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: text.into(),
        };
        doc.apply_changes(
            2,
            vec![
                change(Some(Range { start: pos(0, 3), end: pos(0, 3) }), " docker run"),
                change(Some(Range { start: pos(0, 20), end: pos(0, 22) }), "/data,ro"),
                change(Some(Range { start: pos(1, 0), end: pos(1, 0) }), "# end\n"),
            ],
        );
        assert_eq!(&*doc.text, "é😀 docker run -v a:/data,ro\n# end\n");
        assert_eq!(doc.version, 2);
        doc.apply_changes(3, vec![change(None, "new")]);
        assert_eq!(&*doc.text, "new");
        assert_eq!(doc.kind(), Some(FileKind::Shell));
    }

    #[test]
    fn kinds_by_name_then_language() {
        let kind = |uri: &str, language: &str, text: &str| {
            let uri: Uri = uri.parse().unwrap_or_else(|e| panic!("{e}"));
            Document::new(uri, language.into(), 1, text.into()).kind()
        };
        assert_eq!(kind("file:///p/compose.yaml", "yaml", ""), Some(FileKind::Compose));
        assert_eq!(kind("file:///p/Dockerfile", "plaintext", ""), Some(FileKind::Dockerfile));
        assert_eq!(kind("untitled:Untitled-1", "dockerfile", ""), Some(FileKind::Dockerfile));
        assert_eq!(kind("untitled:Untitled-2", "dockercompose", ""), Some(FileKind::Compose));
        assert_eq!(kind("file:///p/stack.yaml", "yaml", "services:\n  a: {}\n"), Some(FileKind::Compose));
        assert_eq!(kind("file:///p/deploy.yaml", "yaml", "steps: []\n"), Some(FileKind::CiYaml));
        assert_eq!(kind("file:///p/build", "makefile", ""), Some(FileKind::Shell));
        assert_eq!(kind("file:///p/notes.txt", "plaintext", ""), None);
        assert_eq!(kind("file:///p/a%20b/run.sh", "", ""), Some(FileKind::Shell));
    }
}
