//! The `--mount` value as the Docker CLI reads it: one record of Go's `encoding/csv`.
//!
//! The CLI hands the flag value to a default `csv.Reader` and keeps the first record.
//! Each field of it is a `key=value` pair (or a bare key). Here we only say where each
//! field, key and value is; what Docker makes of them is `model::mount_flag`'s business.
//!
//! The reader is written by hand rather than with nom: exactness with Go's reader demands
//! its line handling (blank lines skipped, `\r\n` read as `\n`, a `\r` at the very end
//! dropped) and its error columns (1-based byte columns on the line where the error is).

use super::SyntaxError;
use crate::span::Span;
use std::fmt;

/// A `--mount` value read into its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountValue {
    /// The fields of the record, in order.
    pub fields: Vec<CsvField>,
    /// Text after the record (after a newline outside quotes), which Docker ignores.
    pub ignored: Option<Span>,
}

/// One field of the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvField {
    /// The field in the source text, quotes included.
    pub span: Span,
    /// Whether the field was written in double quotes.
    pub quoted: bool,
    /// The field as Docker sees it (quotes removed, `""` read as `"`, `\r\n` as `\n`).
    pub text: String,
    /// The text before the first `=` (the whole field when there is none).
    pub key: Part,
    /// The text after the first `=`; `None` when the field has no `=`.
    pub value: Option<Part>,
    /// For each byte of `text`, where it starts in the source; one more entry for the end.
    offsets: Vec<usize>,
}

/// A piece of a field: its text (unquoted) and where it is in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    pub span: Span,
}

impl CsvField {
    /// Maps a byte range of `text` to the source text.
    pub fn source_span(&self, start: usize, end: usize) -> Span {
        let at = |i: usize| self.offsets.get(i).copied().unwrap_or(self.span.end);
        Span::new(at(start), at(end.max(start)))
    }

    fn shift(&mut self, by: usize) {
        self.span = self.span.shift(by);
        self.key.span = self.key.span.shift(by);
        if let Some(value) = &mut self.value {
            value.span = value.span.shift(by);
        }
        for offset in &mut self.offsets {
            *offset += by;
        }
    }
}

impl MountValue {
    /// The same value with every span moved `by` bytes to the right (for a value read
    /// from a trimmed or embedded piece of a larger text).
    pub fn shift(mut self, by: usize) -> MountValue {
        for field in &mut self.fields {
            field.shift(by);
        }
        self.ignored = self.ignored.map(|span| span.shift(by));
        self
    }
}

/// Why the value could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvErrorKind {
    /// Nothing but blank lines: Go's reader returns `io.EOF`.
    NoRecord,
    /// A `"` inside a field that does not start with one.
    BareQuote,
    /// A quoted field whose closing quote is not followed by `,` or the end, or never closed.
    Quote,
}

/// A value Go's CSV reader rejects, with the position Go reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    pub kind: CsvErrorKind,
    /// The line the record started on (1-based).
    pub start_line: usize,
    /// The line of the error (1-based).
    pub line: usize,
    /// The 1-based byte column Go reports.
    pub column: usize,
    /// Where the problem is in the source text.
    pub span: Span,
    /// The line Go 1.10–1.16 reported (the last line it read, counting one past the end
    /// when the input ended inside quotes).
    pub legacy_line: usize,
    /// The 0-based rune column Go 1.10–1.16 reported.
    pub legacy_column: usize,
}

impl CsvError {
    /// The message exactly as Docker prints it (Go's `csv.ParseError`, or `EOF`), for a
    /// CLI built with Go 1.17 or later (CLI 20.10.15 and later).
    pub fn message(&self) -> String {
        self.format(self.line, self.column)
    }

    /// The message of a CLI built with Go 1.10–1.16 (CLI 18.06 to 20.10.14).
    pub fn legacy_message(&self) -> String {
        self.format(self.legacy_line, self.legacy_column)
    }

    fn format(&self, line: usize, column: usize) -> String {
        let reason = match self.kind {
            CsvErrorKind::NoRecord => return "EOF".to_string(),
            CsvErrorKind::BareQuote => "bare \" in non-quoted-field",
            CsvErrorKind::Quote => "extraneous or missing \" in quoted-field",
        };
        if self.start_line != line {
            format!("record on line {}; parse error on line {line}, column {column}: {reason}", self.start_line)
        } else {
            format!("parse error on line {line}, column {column}: {reason}")
        }
    }

    /// The error as a syntax error, with a hint for the fix.
    pub fn to_syntax_error(&self) -> SyntaxError {
        let hint = match self.kind {
            CsvErrorKind::NoRecord => "give at least one field, e.g. type=volume,dst=/data",
            CsvErrorKind::BareQuote => "quote the whole field instead: \"src=/a,b\" (a quote inside is written \"\")",
            CsvErrorKind::Quote => {
                "close the quoted field right before a comma or the end; write a quote inside it as \"\""
            }
        };
        SyntaxError::new(self.message(), self.span).with_hint(hint)
    }

    fn shift(mut self, by: usize) -> CsvError {
        self.span = self.span.shift(by);
        self
    }
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// One line as Go's reader returns it: bytes with their source offsets, `\r\n` turned
/// into `\n` and a `\r` at the very end of the input dropped.
struct Line {
    bytes: Vec<(u8, usize)>,
    /// Source offset just past the line (past its newline).
    end: usize,
}

impl Line {
    fn empty(at: usize) -> Line {
        Line { bytes: Vec::new(), end: at }
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.bytes.get(i).map(|&(b, _)| b)
    }

    /// The source offset of byte `i` (the end of the line past the last byte).
    fn offset(&self, i: usize) -> usize {
        self.bytes.get(i).map(|&(_, o)| o).unwrap_or(self.end)
    }

    /// How many characters the first `n` bytes hold (Go's `utf8.RuneCount`).
    fn runes_before(&self, n: usize) -> usize {
        self.bytes.iter().take(n).filter(|&&(b, _)| b & 0xC0 != 0x80).count()
    }

    /// 1 when the line ends with a newline (Go's `lengthNL`).
    fn newline_len(&self) -> usize {
        usize::from(self.bytes.last().is_some_and(|&(b, _)| b == b'\n'))
    }
}

struct LineReader<'a> {
    text: &'a [u8],
    next: usize,
    /// How many lines were read (Go's `numLine`).
    num_line: usize,
}

impl LineReader<'_> {
    /// The next line, or `None` at the end of the input (Go's `readLine` with `io.EOF`).
    fn read_line(&mut self) -> Option<Line> {
        self.num_line += 1;
        let start = self.next;
        if start >= self.text.len() {
            return None;
        }
        let rest = self.text.get(start..).unwrap_or_default();
        let (raw_len, has_newline) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (rest.len(), false),
        };
        self.next = start + raw_len;
        let mut bytes: Vec<(u8, usize)> = rest.iter().take(raw_len).enumerate().map(|(i, &b)| (b, start + i)).collect();
        if has_newline {
            // `\r\n` is read as `\n` (kept at the `\r`'s place, so a span still covers both).
            let n = bytes.len();
            if n >= 2 && bytes[n - 2].0 == b'\r' {
                bytes.pop();
                bytes[n - 2].0 = b'\n';
            }
        } else if bytes.last().is_some_and(|&(b, _)| b == b'\r') {
            // A `\r` right before the end of the input is dropped.
            bytes.pop();
        }
        Some(Line { bytes, end: self.next })
    }
}

/// Builds a field from its unquoted bytes.
fn make_field(span: Span, quoted: bool, bytes: Vec<u8>, offsets: Vec<usize>) -> CsvField {
    // The input is UTF-8 and only ASCII bytes are added or removed, so this never loses
    // anything; the lossy conversion only guards against a mistake here.
    let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let at = |i: usize| offsets.get(i).copied().unwrap_or(span.end);
    let (key, value) = match text.find('=') {
        Some(eq) => (
            Part { text: text[..eq].to_string(), span: Span::new(at(0), at(eq)) },
            Some(Part { text: text[eq + 1..].to_string(), span: Span::new(at(eq + 1), at(text.len())) }),
        ),
        None => (Part { text: text.clone(), span: Span::new(at(0), at(text.len())) }, None),
    };
    CsvField { span, quoted, text, key, value, offsets }
}

/// Reads `text` as one CSV record the way the Docker CLI does. Spans are byte offsets
/// into `text`.
pub fn parse(text: &str) -> Result<MountValue, CsvError> {
    let mut reader = LineReader { text: text.as_bytes(), next: 0, num_line: 0 };

    // Blank lines before the record are skipped.
    let mut line = loop {
        match reader.read_line() {
            None => {
                return Err(CsvError {
                    kind: CsvErrorKind::NoRecord,
                    start_line: reader.num_line,
                    line: reader.num_line,
                    column: 0,
                    span: Span::new(0, text.len()),
                    legacy_line: reader.num_line,
                    legacy_column: 0,
                })
            }
            Some(line) if line.len() == line.newline_len() => continue,
            Some(line) => break line,
        }
    };
    let record_line = reader.num_line;
    let mut pos_line = reader.num_line;
    let mut pos_col = 1usize;
    let mut cur = 0usize;
    let mut fields = Vec::new();
    let ignored_from;

    'fields: loop {
        if line.byte(cur) != Some(b'"') {
            // Unquoted field: up to the next comma, or the end of the line.
            let comma = (cur..line.len()).find(|&i| line.byte(i) == Some(b','));
            let field_end = comma.unwrap_or((line.len() - line.newline_len()).max(cur));
            if let Some(j) = (cur..field_end).find(|&i| line.byte(i) == Some(b'"')) {
                let at = line.offset(j);
                return Err(CsvError {
                    kind: CsvErrorKind::BareQuote,
                    start_line: record_line,
                    line: reader.num_line,
                    column: pos_col + (j - cur),
                    span: Span::new(at, at + 1),
                    legacy_line: reader.num_line,
                    legacy_column: line.runes_before(j),
                });
            }
            let bytes: Vec<u8> = (cur..field_end).filter_map(|i| line.byte(i)).collect();
            let mut offsets: Vec<usize> = (cur..field_end).map(|i| line.offset(i)).collect();
            offsets.push(line.offset(field_end));
            let span = Span::new(line.offset(cur), line.offset(field_end));
            fields.push(make_field(span, false, bytes, offsets));
            match comma {
                Some(i) => {
                    pos_col += i + 1 - cur;
                    cur = i + 1;
                    continue 'fields;
                }
                None => {
                    ignored_from = line.end;
                    break 'fields;
                }
            }
        }

        // Quoted field: up to a quote that is not doubled.
        let open = line.offset(cur);
        let mut bytes = Vec::new();
        let mut offsets = Vec::new();
        cur += 1;
        pos_col += 1;
        loop {
            let quote = (cur..line.len()).find(|&i| line.byte(i) == Some(b'"'));
            if let Some(i) = quote {
                for k in cur..i {
                    if let Some(b) = line.byte(k) {
                        bytes.push(b);
                        offsets.push(line.offset(k));
                    }
                }
                pos_col += i + 1 - cur;
                cur = i + 1;
                let close = line.offset(i);
                match line.byte(cur) {
                    Some(b'"') => {
                        // `""` stands for one quote.
                        bytes.push(b'"');
                        offsets.push(close);
                        cur += 1;
                        pos_col += 1;
                    }
                    Some(b',') => {
                        offsets.push(close);
                        fields.push(make_field(Span::new(open, close + 1), true, bytes, offsets));
                        cur += 1;
                        pos_col += 1;
                        continue 'fields;
                    }
                    // The closing quote ends the line (a `\n` is only ever a line's last byte).
                    None | Some(b'\n') => {
                        offsets.push(close);
                        fields.push(make_field(Span::new(open, close + 1), true, bytes, offsets));
                        ignored_from = line.end;
                        break 'fields;
                    }
                    _ => {
                        return Err(CsvError {
                            kind: CsvErrorKind::Quote,
                            start_line: record_line,
                            line: reader.num_line,
                            column: pos_col - 1,
                            span: Span::new(close, close + 1),
                            legacy_line: reader.num_line,
                            legacy_column: line.runes_before(i),
                        });
                    }
                }
            } else if cur < line.len() {
                // The field goes on over the newline.
                for k in cur..line.len() {
                    if let Some(b) = line.byte(k) {
                        bytes.push(b);
                        offsets.push(line.offset(k));
                    }
                }
                pos_col += line.len() - cur;
                let end = line.end;
                line = reader.read_line().unwrap_or_else(|| Line::empty(end));
                if line.len() > 0 {
                    pos_line += 1;
                    pos_col = 1;
                }
                cur = 0;
            } else {
                // The input ended inside the quotes.
                return Err(CsvError {
                    kind: CsvErrorKind::Quote,
                    start_line: record_line,
                    line: pos_line,
                    column: pos_col,
                    span: Span::new(open, text.len()),
                    legacy_line: reader.num_line,
                    legacy_column: line.runes_before(line.len()),
                });
            }
        }
    }

    let ignored = (ignored_from < text.len()).then(|| Span::new(ignored_from, text.len()));
    Ok(MountValue { fields, ignored })
}

/// Reads `text[start..]`, with spans into the whole `text` (for a value whose leading
/// white space was trimmed).
pub fn parse_from(text: &str, start: usize, end: usize) -> Result<MountValue, CsvError> {
    let piece = text.get(start..end).unwrap_or_default();
    parse(piece).map(|value| value.shift(start)).map_err(|e| e.shift(start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(value: &MountValue) -> Vec<&str> {
        value.fields.iter().map(|f| f.text.as_str()).collect()
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().message()
    }

    #[test]
    fn splits_fields_with_spans() {
        let text = "type=bind,src=/a,ro";
        let value = parse(text).unwrap();
        assert_eq!(texts(&value), ["type=bind", "src=/a", "ro"]);
        let src = &value.fields[1];
        assert_eq!(src.span, Span::new(10, 16));
        assert_eq!(src.key.text, "src");
        assert_eq!(&text[src.key.span.start..src.key.span.end], "src");
        let v = src.value.as_ref().unwrap();
        assert_eq!(v.text, "/a");
        assert_eq!(&text[v.span.start..v.span.end], "/a");
        assert!(value.fields[2].value.is_none());
        assert_eq!(value.ignored, None);
    }

    #[test]
    fn quoted_fields_map_back_to_the_source() {
        let text = r#"type=bind,"dst=/a""b,c",ro"#;
        let value = parse(text).unwrap();
        assert_eq!(texts(&value), ["type=bind", "dst=/a\"b,c", "ro"]);
        let dst = &value.fields[1];
        assert!(dst.quoted);
        assert_eq!(&text[dst.span.start..dst.span.end], r#""dst=/a""b,c""#);
        assert_eq!(&text[dst.key.span.start..dst.key.span.end], "dst");
        let v = dst.value.as_ref().unwrap();
        assert_eq!(&text[v.span.start..v.span.end], r#"/a""b,c"#);
        // The unquoted `"` maps to both quotes of `""`.
        assert_eq!(dst.source_span(6, 7), Span::new(17, 19));
    }

    #[test]
    fn odd_but_valid_inputs() {
        assert_eq!(texts(&parse("\"\"").unwrap()), [""]);
        assert_eq!(texts(&parse(",,").unwrap()), ["", "", ""]);
        assert_eq!(texts(&parse("a,").unwrap()), ["a", ""]);
        assert_eq!(texts(&parse("   ").unwrap()), ["   "]);
        assert_eq!(texts(&parse("é=ü,x").unwrap()), ["é=ü", "x"]);
        assert_eq!(texts(&parse("a\u{1}b,\tc").unwrap()), ["a\u{1}b", "\tc"]);
        // A newline outside quotes ends the record; the rest is ignored.
        let value = parse("a,b\nc\"").unwrap();
        assert_eq!(texts(&value), ["a", "b"]);
        assert_eq!(value.ignored, Some(Span::new(4, 6)));
        // `\r\n` ends it too, and a `\r` at the very end is dropped.
        assert_eq!(texts(&parse("x\r\n\"").unwrap()), ["x"]);
        assert_eq!(texts(&parse("dst=/d\r").unwrap()), ["dst=/d"]);
        assert_eq!(texts(&parse("a\rb").unwrap()), ["a\rb"]);
        // A newline inside quotes is part of the field (`\r\n` read as `\n`).
        assert_eq!(texts(&parse("\"a\r\nb\",c").unwrap()), ["a\nb", "c"]);
        // Blank lines before the record are skipped.
        let value = parse("\n\r\nsrc=x").unwrap();
        assert_eq!(texts(&value), ["src=x"]);
        assert_eq!(value.fields[0].span, Span::new(3, 8));
    }

    #[test]
    fn errors_match_go() {
        assert_eq!(err(""), "EOF");
        assert_eq!(err("\n"), "EOF");
        assert_eq!(err("\r"), "EOF");
        assert_eq!(
            err("type=bind,src=\"/srv/app\",dst=/data"),
            "parse error on line 1, column 15: bare \" in non-quoted-field"
        );
        assert_eq!(
            err("\"type=bind\"x,src=/tmp,dst=/d"),
            "parse error on line 1, column 11: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            err("\"type=bind,src=/tmp,dst=/d"),
            "parse error on line 1, column 27: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            err("type=bind,\"src=/tmp,dst=/d"),
            "parse error on line 1, column 27: extraneous or missing \" in quoted-field"
        );
        // Observed with the Docker CLI 28.2.2 (Go 1.24).
        assert_eq!(
            err("\"a\nb"),
            "record on line 1; parse error on line 2, column 2: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            err("\"a\nb\",c\"d"),
            "record on line 1; parse error on line 2, column 5: bare \" in non-quoted-field"
        );
        assert_eq!(err("\ntype=volume,dst=/x\""), "parse error on line 2, column 19: bare \" in non-quoted-field");
        assert_eq!(err("\"a\r"), "parse error on line 1, column 3: extraneous or missing \" in quoted-field");
        assert_eq!(err("a\""), "parse error on line 1, column 2: bare \" in non-quoted-field");
        assert_eq!(err("é,\"b"), "parse error on line 1, column 6: extraneous or missing \" in quoted-field");
        assert_eq!(
            err("\"a\r\nb\r\n\"c"),
            "record on line 1; parse error on line 3, column 1: extraneous or missing \" in quoted-field"
        );
    }

    #[test]
    fn errors_of_go_1_16() {
        let legacy = |text: &str| parse(text).unwrap_err().legacy_message();
        assert_eq!(
            legacy("type=bind,src=\"/srv/app\",dst=/data"),
            "parse error on line 1, column 14: bare \" in non-quoted-field"
        );
        assert_eq!(
            legacy("\"type=bind\"x,src=/tmp"),
            "parse error on line 1, column 10: extraneous or missing \" in quoted-field"
        );
        assert_eq!(
            legacy("é,\"b"),
            "record on line 1; parse error on line 2, column 0: extraneous or missing \" in quoted-field"
        );
        assert_eq!(legacy("a,\""), "parse error on line 1, column 3: extraneous or missing \" in quoted-field");
        assert_eq!(
            legacy("\"a\nb\",c\"d"),
            "record on line 1; parse error on line 2, column 4: bare \" in non-quoted-field"
        );
        assert_eq!(legacy("é\""), "parse error on line 1, column 1: bare \" in non-quoted-field");
    }

    #[test]
    fn error_spans_point_at_the_quote() {
        let e = parse("type=bind,src=\"/x\"").unwrap_err();
        assert_eq!(e.span, Span::new(14, 15));
        let e = parse("\"ab\"c").unwrap_err();
        assert_eq!(e.span, Span::new(3, 4));
        let e = parse("x,\"open").unwrap_err();
        assert_eq!(e.span, Span::new(2, 7));
        assert!(e.to_syntax_error().hint.is_some());
    }

    #[test]
    fn parse_from_shifts_spans() {
        let text = "  src=/a ";
        let value = parse_from(text, 2, 8).unwrap();
        assert_eq!(value.fields[0].span, Span::new(2, 8));
        assert_eq!(value.fields[0].value.as_ref().unwrap().span, Span::new(6, 8));
        let e = parse_from("  a\"", 2, 4).unwrap_err();
        assert_eq!(e.span, Span::new(3, 4));
        assert_eq!(e.column, 2);
    }

    proptest! {
        #[test]
        fn never_panics_and_spans_stay_inside(text in "\\PC*|[\",=\\r\\n a\u{e9}]{0,12}") {
            match parse(&text) {
                Ok(value) => {
                    for field in &value.fields {
                        prop_assert!(field.span.start <= field.span.end && field.span.end <= text.len());
                        prop_assert!(field.key.span.end <= text.len());
                        if let Some(v) = &field.value {
                            prop_assert!(v.span.start <= v.span.end && v.span.end <= text.len());
                        }
                    }
                }
                Err(e) => {
                    prop_assert!(e.span.start <= e.span.end && e.span.end <= text.len());
                    let _ = e.message();
                }
            }
        }
    }
}
