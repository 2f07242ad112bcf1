//! Lines and columns of a text: byte offsets (what spans hold) turned into the 1-based
//! line and character column people and CI tools read, and back.

use serde::Serialize;

/// A place in a text as people count it: 1-based line, 1-based column in characters
/// (Unicode scalar values), so `é` counts one column whatever its UTF-8 length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Where each line of a text starts.
#[derive(Clone, Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { text, starts }
    }

    /// The 0-based line an offset is on (offsets past the end are on the last line).
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }

    /// The byte range of a 0-based line, without its line ending (`\n` or `\r\n`).
    pub fn line_span(&self, line: usize) -> (usize, usize) {
        let start = self.starts.get(line).copied().unwrap_or(self.text.len());
        let end = self.starts.get(line + 1).map_or(self.text.len(), |next| next - 1);
        let end = end.max(start);
        let content = self.text.get(start..end).unwrap_or("");
        let end = if content.ends_with('\r') { end - 1 } else { end };
        (start, end)
    }

    /// The byte range of a 0-based line with its line ending.
    pub fn line_span_with_ending(&self, line: usize) -> (usize, usize) {
        let start = self.starts.get(line).copied().unwrap_or(self.text.len());
        let end = self.starts.get(line + 1).copied().unwrap_or(self.text.len());
        (start, end.max(start))
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The position of a byte offset; offsets inside a character or past the end are
    /// moved back to the nearest character boundary, so this never fails.
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.starts.get(line).copied().unwrap_or(0).min(offset);
        let column = self.text.get(start..offset).map_or(0, |before| before.chars().count());
        Position { line: line + 1, column: column + 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "é:/x\nab\r\nçé-v";
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), Position { line: 1, column: 1 });
        assert_eq!(index.position(2), Position { line: 1, column: 2 });
        // Inside `é`: moved back to its start.
        assert_eq!(index.position(1), Position { line: 1, column: 1 });
        let third = text.find("çé").unwrap_or(0);
        assert_eq!(index.position(third + 4), Position { line: 3, column: 3 });
        assert_eq!(index.position(999), Position { line: 3, column: 5 });
        assert_eq!(index.line_span(1), (6, 8));
        assert_eq!(index.line_span_with_ending(1), (6, 10));
    }

    #[test]
    fn a_text_without_lines_is_one_line() {
        let index = LineIndex::new("");
        assert_eq!(index.position(0), Position { line: 1, column: 1 });
        assert_eq!(index.line_count(), 1);
        assert_eq!(index.line_span(0), (0, 0));
    }
}
