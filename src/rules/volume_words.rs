//! How the words of a Dockerfile `VOLUME` instruction were meant.
//!
//! The builder reads a `VOLUME` that is not a valid JSON array as a whitespace list and
//! makes every word a path: the brackets, quotes and commas of a malformed array
//! (`['/a']` gives the volume `[/a]`) and every word of a trailing `# comment` (a `#`
//! starts a comment only at the beginning of a line). Several rules judge those words;
//! this module says which word is what, so that each problem is reported once, by the
//! rule that explains it: `volume-json-malformed` for the array, `comment-in-volume` for
//! the comment, and the path rules only for words meant as paths.

use super::Document;
use crate::model::dockerfile::VolumeInstruction;
use crate::span::Span;
use crate::syntax::dockerfile::Word;

/// What a word of a `VOLUME` instruction was meant to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A path (the JSON form's elements, the plain form's words).
    Path,
    /// A piece of a JSON array the builder could not read.
    MalformedJson,
    /// A word of a trailing `# comment`.
    Comment,
}

/// One `VOLUME` instruction, its words sorted by role.
#[derive(Clone, Copy, Debug)]
pub struct Reading<'a> {
    pub volume: &'a VolumeInstruction,
    /// The first word of a trailing comment (plain form only).
    pub comment_from: Option<usize>,
    /// The words before the comment try to be a JSON array (`['/a']`, `["/a" "/b"]`,
    /// `[/a]`) that the builder read as a whitespace list.
    pub malformed_json: bool,
}

impl<'a> Reading<'a> {
    pub fn of(volume: &'a VolumeInstruction) -> Reading<'a> {
        if volume.json_form {
            return Reading { volume, comment_from: None, malformed_json: false };
        }
        let comment_from = volume.words.iter().position(|w| w.text.starts_with('#'));
        let malformed_json = volume.words.first().is_some_and(|w| w.text.starts_with('[')) && comment_from != Some(0);
        Reading { volume, comment_from, malformed_json }
    }

    pub fn role(&self, index: usize) -> Role {
        if self.comment_from.is_some_and(|from| index >= from) {
            Role::Comment
        } else if self.malformed_json {
            Role::MalformedJson
        } else {
            Role::Path
        }
    }

    /// The words before the comment.
    pub fn before_comment(&self) -> &'a [Word] {
        let end = self.comment_from.unwrap_or(self.volume.words.len());
        self.volume.words.get(..end).unwrap_or(&[])
    }

    /// The words of the comment.
    pub fn comment(&self) -> &'a [Word] {
        match self.comment_from {
            Some(from) => self.volume.words.get(from..).unwrap_or(&[]),
            None => &[],
        }
    }

    /// The path each word gives, when it is known: the builder's expansion when the
    /// instruction was dispatched, else the word itself when it holds nothing to expand.
    pub fn path(&self, index: usize) -> Option<String> {
        let volume = self.volume;
        if volume.paths.len() == volume.words.len() {
            return volume.paths.get(index).cloned();
        }
        let word = volume.words.get(index)?;
        let plain = !word.text.contains(['$', '\\', '\'', '"']);
        (plain || volume.json_form && !word.text.contains('$')).then(|| word.text.trim().to_string())
    }
}

/// Every `VOLUME` instruction of the document (also `ONBUILD VOLUME` triggers).
pub fn readings(document: &Document) -> Vec<Reading<'_>> {
    document.dockerfile.as_ref().map_or_else(Vec::new, |a| a.volumes.iter().map(Reading::of).collect())
}

/// The spans of the `VOLUME` words not meant as paths (pieces of a malformed JSON array,
/// words of a trailing comment), to tell at an image volume's item span whether the path
/// rules should judge it. Built once per rule, so that a `VOLUME` of 100,000 words is not
/// searched for each; only these few words are kept, sorted.
pub struct NonPathWords(Vec<Span>);

impl NonPathWords {
    pub fn of(document: &Document) -> NonPathWords {
        // Each word of the file is a word of one instruction: its span is its own.
        let mut spans = Vec::new();
        for reading in readings(document) {
            for (index, word) in reading.volume.words.iter().enumerate() {
                if reading.role(index) != Role::Path {
                    spans.push(word.span);
                }
            }
        }
        spans.sort_unstable();
        NonPathWords(spans)
    }

    /// Whether the word at `span` is a `VOLUME` word not meant as a path.
    pub fn contains(&self, span: Span) -> bool {
        self.0.binary_search(&span).is_ok()
    }
}

/// The JSON array a malformed one meant: its elements, when they can be told. `text` is
/// the instruction's arguments as written, up to a trailing comment. Quoted elements (in
/// `"` or `'`) may hold blanks and commas; bare ones end at a blank, a comma or `]`.
/// `None` when the text does not start with `[`, an element's quote is not closed, text
/// follows the closing `]`, or no element is left.
pub fn intended_array(text: &str) -> Option<Vec<String>> {
    let mut rest = text.trim_start().strip_prefix('[')?.chars().peekable();
    let mut elements = Vec::new();
    loop {
        while rest.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            rest.next();
        }
        match rest.next() {
            // A missing `]` at the end is forgiven: the meaning is clear.
            None => break,
            Some(']') => {
                if rest.any(|c| !c.is_whitespace()) {
                    return None;
                }
                break;
            }
            Some(quote @ ('"' | '\'')) => {
                let mut element = String::new();
                let mut closed = false;
                while let Some(c) = rest.next() {
                    if c == quote {
                        closed = true;
                        break;
                    }
                    // In a double-quoted (JSON) string a backslash escapes the next char.
                    if c == '\\' && quote == '"' {
                        let escaped = rest.next()?;
                        element.push_str(&json_unescape(escaped)?);
                        continue;
                    }
                    element.push(c);
                }
                if !closed {
                    return None;
                }
                elements.push(element);
            }
            Some(first) => {
                let mut element = String::from(first);
                while let Some(&c) = rest.peek() {
                    if c.is_whitespace() || c == ',' || c == ']' {
                        break;
                    }
                    element.push(c);
                    rest.next();
                }
                elements.push(element);
            }
        }
    }
    let elements: Vec<String> = elements.into_iter().filter(|e| !e.trim().is_empty()).collect();
    (!elements.is_empty()).then_some(elements)
}

/// The character a JSON escape `\c` stands for (`\u` escapes are left to the author).
fn json_unescape(c: char) -> Option<String> {
    let out = match c {
        '"' => "\"",
        '\\' => "\\",
        '/' => "/",
        'n' => "\n",
        't' => "\t",
        _ => return None,
    };
    Some(out.to_string())
}

/// A JSON array of strings, as a `VOLUME` writes it: `["/a", "/b"]`.
pub fn json_array(elements: &[String]) -> String {
    let quoted: Vec<String> = elements.iter().map(|e| json_string(e)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A JSON string literal.
pub fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| format!("\"{text}\""))
}

/// Where the line holding byte `at` starts, and the blanks it starts with before `at`
/// (`None` when something else comes first on the line).
pub fn line_start_and_indent(text: &str, at: usize) -> Option<(usize, &str)> {
    let before = text.get(..at)?;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let indent = text.get(start..at)?;
    indent.chars().all(|c| c == ' ' || c == '\t').then_some((start, indent))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(text: &str) -> Option<Vec<String>> {
        intended_array(text)
    }

    #[test]
    fn the_array_that_was_meant() {
        let v = |items: &[&str]| Some(items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(array("['/a']"), v(&["/a"]));
        assert_eq!(array("['/a', '/b']"), v(&["/a", "/b"]));
        assert_eq!(array("[\"/f\" \"/g\"]"), v(&["/f", "/g"]));
        assert_eq!(array("[\"/t\",]"), v(&["/t"]));
        assert_eq!(array("[/u]"), v(&["/u"]));
        assert_eq!(array("[/u, /v]"), v(&["/u", "/v"]));
        assert_eq!(array("['/my data']"), v(&["/my data"]));
        assert_eq!(array("[\"/a\", \"/b\""), v(&["/a", "/b"]));
        assert_eq!(array("['C:\\data']"), v(&["C:\\data"]));
        assert_eq!(array("[\"a\\\"b\"]"), v(&["a\"b"]));
        assert_eq!(array("[\"/a\"] extra"), None);
        assert_eq!(array("['/a"), None);
        assert_eq!(array("[]"), None);
        assert_eq!(array("/a"), None);
        assert_eq!(json_array(&["/a".into(), "C:\\x".into()]), "[\"/a\", \"C:\\\\x\"]");
    }

    #[test]
    fn line_starts() {
        assert_eq!(line_start_and_indent("FROM a\n  VOLUME /x", 9), Some((7, "  ")));
        assert_eq!(line_start_and_indent("VOLUME /x", 0), Some((0, "")));
        assert_eq!(line_start_and_indent("FROM a\nx VOLUME", 9), None);
    }
}
