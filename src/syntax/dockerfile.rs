//! A Dockerfile read exactly as the builder's own parser reads it, with byte spans.
//!
//! This is the lexical layer of BuildKit's Dockerfile frontend (which the classic builder
//! of the Engine vendors too): parser directives (`# escape=`, `# syntax=`, `# check=`),
//! comment lines, line continuations with the active escape token, heredoc bodies,
//! the split of each instruction into keyword, `--flags` and arguments, and each
//! instruction's own argument form (JSON array, whitespace list, `NAME=value` pairs...).
//! [`shell`] is the builder's word lexer (quotes, escapes, `$VAR` and `${VAR...}`), used
//! here to find heredocs and by the model to expand words.
//!
//! What this module deliberately does not do: decide whether an instruction is valid
//! (argument counts, unknown flags, unknown instructions — the model's business), or
//! expand variables with a stage's environment.
//!
//! The builder is written in Go and works on bytes; several of its steps are byte-exact
//! in ways a `&str` parser would get wrong (the flag scanner reads one *byte* at a time
//! and treats a lone 0x85 or 0xA0 byte as whitespace). So the reader scans bytes by
//! hand where Go does, keeps every offset as a byte offset into the original text, and
//! converts to `String` (lossily, as Go's JSON output would) only at the edges.

use crate::span::Span;
use serde::Serialize;

/// The largest physical line the builder's line scanner accepts (`bufio.MaxScanTokenSize`).
const MAX_LINE: usize = 64 * 1024;

/// Which generation of the builder's parser to imitate: the Dockerfile parser changed
/// in ways that matter here (see `grammar/dockerfile.md`, "Versions").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ParseOptions {
    /// A JSON array must be the whole rest of the line (frontend ≥ 1.9.0, BuildKit
    /// v0.15, Engine ≥ 27.1). Before, only the first JSON value was decoded and any
    /// trailing text was ignored.
    pub strict_json: bool,
    /// Heredocs (`RUN <<EOF`) are recognised (BuildKit ≥ v0.10, Engine ≥ 23.0).
    /// Before, the body lines were read as instructions of their own.
    pub heredocs: bool,
}

impl ParseOptions {
    /// The current parser.
    pub const NEWEST: ParseOptions = ParseOptions { strict_json: true, heredocs: true };
    /// The parser vendored by Engine 20.10 (BuildKit v0.8).
    pub const LEGACY: ParseOptions = ParseOptions { strict_json: false, heredocs: false };
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions::NEWEST
    }
}

/// A whole Dockerfile as the parser reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Dockerfile {
    /// The parser directives of the leading comment block, in order.
    pub directives: Vec<Directive>,
    /// The escape token in effect (`\` or `` ` ``).
    pub escape: char,
    pub instructions: Vec<Instruction>,
    /// Comment lines (also those inside a continued instruction).
    pub comments: Vec<Span>,
    /// Warnings the parser prints and goes on (empty continuation lines).
    pub warnings: Vec<ParseWarning>,
    /// A parse error that stops the build (the instructions read before it are kept).
    pub error: Option<ParseError>,
}

/// `# name=value` in the leading comment block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-cased name (`syntax`, `escape`, `check`).
    pub name: String,
    pub value: String,
    pub span: Span,
    pub value_span: Span,
    /// 1-based line.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParseWarning {
    pub message: String,
    pub span: Span,
}

/// An error of the parser itself (before any instruction is looked at).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParseError {
    /// The builder's message, without location or client prefixes.
    pub message: String,
    pub span: Span,
    /// 1-based line where the builder locates it.
    pub line: usize,
}

/// One instruction: a logical line (continuations joined), plus heredoc bodies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// The keyword as written (`volume`, `RUN`...).
    pub keyword: String,
    pub keyword_span: Span,
    /// From the keyword to the end of the last line (heredoc bodies included).
    pub span: Span,
    /// 1-based first and last line.
    pub start_line: usize,
    pub end_line: usize,
    /// `--name[=value]` words before the arguments.
    pub flags: Vec<Flag>,
    /// The arguments in the instruction's own form.
    pub args: Args,
    /// The argument text after the flags, trimmed (empty when there is none). The text
    /// itself is not kept: the arguments hold it, read in the instruction's form.
    pub args_span: Span,
    pub heredocs: Vec<Heredoc>,
    /// Line mapping: pieces of the logical line and where they sit in the file.
    #[serde(skip)]
    pub pieces: Vec<Piece>,
}

/// A contiguous run of the logical line copied from the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Offset in the logical line.
    pub at: usize,
    /// Offset in the file.
    pub src: usize,
    pub len: usize,
}

/// A `--flag` word, after the builder's quote and escape removal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The whole word as the builder keeps it, e.g. `--mount=type=cache,target=/x`.
    pub text: String,
    /// Its name without the dashes (`mount`).
    pub name: String,
    /// The value after the first `=`, if any.
    pub value: Option<String>,
    pub span: Span,
    pub name_span: Span,
    pub value_span: Option<Span>,
    /// For every char of `value`, the file offset it came from (quotes and escape
    /// tokens removed), so that parts of the value can be located.
    #[serde(skip)]
    pub value_offsets: Vec<usize>,
}

/// A word of the arguments, with the span of its text in the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Word {
    /// The word as the parser hands it on (quotes and escapes still in it for the plain
    /// forms; decoded for JSON elements).
    pub text: String,
    pub span: Span,
}

/// `NAME=value` (or the legacy `NAME value`) of `ENV` and `LABEL`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
    /// False for the legacy form `ENV NAME value`.
    pub has_equals: bool,
    pub span: Span,
}

/// The arguments of an instruction in the form its keyword asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "form", content = "value", rename_all = "kebab-case")]
pub enum Args {
    /// Nothing after the keyword (or after the flags).
    Empty,
    /// A JSON array of strings (`VOLUME ["/a"]`, `RUN ["sh", "-c", "x"]`).
    Json(Vec<Word>),
    /// Whitespace-separated words (`VOLUME /a /b`, `FROM x AS y`, `EXPOSE`, `COPY`...).
    List(Vec<Word>),
    /// Quote-aware words (`ARG`).
    Words(Vec<Word>),
    /// `ENV` / `LABEL` pairs.
    Pairs(Vec<KeyValue>),
    /// The rest of the line as one string (`RUN`/`CMD` shell form, `WORKDIR`, `USER`...).
    Text(Word),
    /// `HEALTHCHECK <type> <command>`.
    Healthcheck { kind: Word, command: Box<Args> },
    /// `ONBUILD <instruction>`.
    Onbuild(Box<Instruction>),
    /// An instruction the parser does not know: its arguments are not read.
    Ignored,
}

/// A heredoc body (`<<EOF` ... `EOF`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    pub name: String,
    pub expand: bool,
    pub chomp: bool,
    pub content: String,
    /// The body lines, without the terminator line.
    pub content_span: Span,
}

/// How an instruction's arguments are read (the parser's dispatch table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    MaybeJsonToList,
    MaybeJson,
    NameOrNameVal,
    NameVal(&'static str),
    WhitespaceList,
    String,
    Healthcheck,
    SubCommand,
    Ignore,
}

fn form_of(keyword: &str) -> Form {
    match keyword.to_ascii_lowercase().as_str() {
        "add" | "copy" | "volume" => Form::MaybeJsonToList,
        "cmd" | "entrypoint" | "run" | "shell" => Form::MaybeJson,
        "arg" => Form::NameOrNameVal,
        "env" => Form::NameVal("ENV"),
        "label" => Form::NameVal("LABEL"),
        "expose" | "from" => Form::WhitespaceList,
        "maintainer" | "stopsignal" | "user" | "workdir" => Form::String,
        "healthcheck" => Form::Healthcheck,
        "onbuild" => Form::SubCommand,
        _ => Form::Ignore,
    }
}

/// Go's `unicode.IsSpace` (Rust's `char::is_whitespace` is the same property).
fn is_space(ch: char) -> bool {
    ch.is_whitespace()
}

/// The parser's `[\t\v\f\r ]` (ASCII only).
fn is_split_space(b: u8) -> bool {
    matches!(b, b'\t' | 0x0b | 0x0c | b'\r' | b' ')
}

/// Decode one char at `pos` the way Go's `utf8.DecodeRune` does: an invalid byte is
/// U+FFFD of width 1.
#[inline]
fn decode_at(bytes: &[u8], pos: usize) -> (char, usize) {
    // Most Dockerfile text is ASCII, and this runs for every byte: answer ASCII directly.
    if let Some(&b) = bytes.get(pos) {
        if b.is_ascii() {
            return (char::from(b), 1);
        }
    }
    let end = (pos + 4).min(bytes.len());
    let chunk = &bytes[pos.min(end)..end];
    match std::str::from_utf8(chunk) {
        Ok(s) => s.chars().next().map_or(('\u{FFFD}', 1), |c| (c, c.len_utf8())),
        Err(e) if e.valid_up_to() > 0 => {
            let valid = &chunk[..e.valid_up_to()];
            // `valid` is valid UTF-8 by construction.
            std::str::from_utf8(valid)
                .ok()
                .and_then(|s| s.chars().next())
                .map_or(('\u{FFFD}', 1), |c| (c, c.len_utf8()))
        }
        Err(_) => ('\u{FFFD}', 1),
    }
}

fn lossy(bytes: &[u8]) -> String {
    // Valid UTF-8 (nearly every file) is checked by the faster `from_utf8` and copied.
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Trim leading Unicode whitespace (Go `bytes.TrimLeftFunc(b, unicode.IsSpace)`),
/// returning how many bytes were dropped.
fn leading_space_len(bytes: &[u8]) -> usize {
    let mut pos = 0;
    while pos < bytes.len() {
        let (ch, width) = decode_at(bytes, pos);
        if !is_space(ch) {
            break;
        }
        pos += width;
    }
    pos
}

/// Length of `bytes` once trailing Unicode whitespace is trimmed.
fn trailing_trimmed_len(bytes: &[u8]) -> usize {
    // Lines are long and nearly always end in ASCII: trailing ASCII bytes are read from
    // the end (an ASCII byte is one char whichever way the text is decoded). Only when
    // a non-ASCII byte is reached is the rest walked forward.
    let mut end = bytes.len();
    while let Some(&b) = end.checked_sub(1).and_then(|last| bytes.get(last)) {
        if !b.is_ascii() {
            return forward_trimmed_len(bytes.get(..end).unwrap_or_default());
        }
        if !is_space(char::from(b)) {
            return end;
        }
        end -= 1;
    }
    end
}

/// [`trailing_trimmed_len`] walking forward from the start.
fn forward_trimmed_len(bytes: &[u8]) -> usize {
    // Walk forward remembering the end of the last non-space char: decoding backwards
    // is error-prone with invalid bytes.
    let mut pos = 0;
    let mut keep = 0;
    while pos < bytes.len() {
        let (ch, width) = decode_at(bytes, pos);
        pos += width;
        if !is_space(ch) {
            keep = pos;
        }
    }
    keep
}

/// Go `strings.TrimSpace`: the (start, end) of the trimmed part.
fn trim_space_range(bytes: &[u8]) -> (usize, usize) {
    let start = leading_space_len(bytes);
    let end = start + trailing_trimmed_len(&bytes[start..]);
    (start, end)
}

/// A physical line of the file.
#[derive(Clone, Copy, Debug)]
struct PhysLine {
    start: usize,
    /// End of the content once trailing `\r` / `\n` are trimmed.
    content_end: usize,
    /// End including the newline.
    end: usize,
}

fn physical_lines(bytes: &[u8]) -> (Vec<PhysLine>, Option<usize>) {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut too_long_at = None;
    while start < bytes.len() {
        let (end, has_newline) = match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(i) => (start + i + 1, true),
            None => (bytes.len(), false),
        };
        // bufio.Scanner needs the whole line (with its newline) in a 64 KiB buffer; a
        // last line without newline must leave room to see the end of input.
        let len = end - start;
        if len > MAX_LINE || (!has_newline && len >= MAX_LINE) {
            too_long_at = Some(lines.len());
            break;
        }
        let mut content_end = end;
        while content_end > start && matches!(bytes[content_end - 1], b'\r' | b'\n') {
            content_end -= 1;
        }
        lines.push(PhysLine { start, content_end, end });
        start = end;
    }
    (lines, too_long_at)
}

/// The directive parser: active only over the leading block of `#` lines.
struct DirectiveParser {
    done: bool,
    seen: Vec<String>,
}

enum DirectiveLine {
    None,
    Found(Directive),
}

impl DirectiveParser {
    /// `line` is the trimmed line content; `at` its offset in the file.
    fn parse_line(&mut self, line: &[u8], at: usize, line_no: usize) -> Result<DirectiveLine, String> {
        if self.done {
            return Ok(DirectiveLine::None);
        }
        let Some(rest) = line.strip_prefix(b"#") else {
            self.done = true;
            return Ok(DirectiveLine::None);
        };
        let skip = leading_space_len(rest);
        let body = &rest[skip..];
        let body_at = at + 1 + skip;
        // ^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$  (Go's \s is [\t\n\f\r ])
        let re_space = |b: u8| matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ');
        let mut pos = 0;
        if !body.first().is_some_and(u8::is_ascii_alphabetic) {
            self.done = true;
            return Ok(DirectiveLine::None);
        }
        while pos < body.len() && body[pos].is_ascii_alphanumeric() {
            pos += 1;
        }
        let name_end = pos;
        while pos < body.len() && re_space(body[pos]) {
            pos += 1;
        }
        if body.get(pos) != Some(&b'=') {
            self.done = true;
            return Ok(DirectiveLine::None);
        }
        pos += 1;
        while pos < body.len() && re_space(body[pos]) {
            pos += 1;
        }
        let mut value_end = body.len();
        while value_end > pos && re_space(body[value_end - 1]) {
            value_end -= 1;
        }
        // `.` does not match a newline; the line has none left but a lone `\n` is not
        // possible here, so any non-empty value matches.
        if value_end <= pos {
            self.done = true;
            return Ok(DirectiveLine::None);
        }
        let name = lossy(&body[..name_end]).to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(DirectiveLine::None);
        }
        if self.seen.contains(&name) {
            return Err(format!("only one {name} parser directive can be used"));
        }
        self.seen.push(name.clone());
        Ok(DirectiveLine::Found(Directive {
            name,
            value: lossy(&body[pos..value_end]),
            span: Span::new(at, at + line.len()),
            value_span: Span::new(body_at + pos, body_at + value_end),
            line: line_no,
        }))
    }
}

/// Is the line (after trimming leading whitespace) a comment?
fn is_comment(line: &[u8]) -> bool {
    line.get(leading_space_len(line)) == Some(&b'#')
}

/// The continuation rule: `([^e])e[ \t]*$|^e[ \t]*$`. Returns the length to keep when
/// the line continues.
fn continuation(line: &[u8], escape: u8) -> Option<usize> {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    if end == 0 || line[end - 1] != escape {
        return None;
    }
    if end == 1 || line[end - 2] != escape {
        Some(end - 1)
    } else {
        None
    }
}

/// Read a Dockerfile with the newest parser.
pub fn parse(text: &str) -> Dockerfile {
    parse_with(text.as_bytes(), ParseOptions::NEWEST)
}

/// Read a Dockerfile (any bytes) as the given parser generation does.
pub fn parse_with(bytes: &[u8], opts: ParseOptions) -> Dockerfile {
    Reader::new(bytes, opts).run()
}

struct Reader<'a> {
    bytes: &'a [u8],
    opts: ParseOptions,
    lines: Vec<PhysLine>,
    too_long_at: Option<usize>,
    escape: u8,
    directives: DirectiveParser,
    out: Dockerfile,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8], opts: ParseOptions) -> Reader<'a> {
        let (lines, too_long_at) = physical_lines(bytes);
        Reader {
            bytes,
            opts,
            lines,
            too_long_at,
            escape: b'\\',
            directives: DirectiveParser { done: false, seen: Vec::new() },
            out: Dockerfile {
                directives: Vec::new(),
                escape: '\\',
                instructions: Vec::new(),
                comments: Vec::new(),
                warnings: Vec::new(),
                error: None,
            },
        }
    }

    fn line_span(&self, index: usize) -> Span {
        self.lines
            .get(index)
            .map_or(Span::new(self.bytes.len(), self.bytes.len()), |l| Span::new(l.start, l.content_end))
    }

    fn fail(&mut self, message: String, span: Span, line: usize) {
        if self.out.error.is_none() {
            self.out.error = Some(ParseError { message, span, line });
        }
    }

    /// `processLine`: trim the newline (and leading whitespace on a first line), look
    /// for a directive; returns the content range and whether it was a comment.
    fn process_line(&mut self, index: usize, strip_left: bool) -> Result<(usize, usize), String> {
        let line = self.lines[index];
        let mut start = line.start;
        if index == 0 && self.bytes[start..line.content_end].starts_with(&[0xEF, 0xBB, 0xBF]) {
            start += 3;
        }
        if strip_left {
            start += leading_space_len(&self.bytes[start..line.content_end]);
        }
        let content = &self.bytes[start..line.content_end];
        match self.directives.parse_line(content, start, index + 1)? {
            DirectiveLine::Found(directive) => {
                if directive.name == "escape" {
                    match directive.value.as_str() {
                        "\\" => self.escape = b'\\',
                        "`" => self.escape = b'`',
                        other => {
                            return Err(format!("invalid escape token '{other}' does not match ` or \\"));
                        }
                    }
                }
                self.out.directives.push(directive);
            }
            DirectiveLine::None => {}
        }
        if is_comment(content) {
            self.out.comments.push(Span::new(start, line.content_end));
            return Ok((start, start));
        }
        Ok((start, line.content_end))
    }

    fn run(mut self) -> Dockerfile {
        let mut index = 0;
        let total = self.lines.len();
        while index < total {
            let first = index;
            let (start, end) = match self.process_line(index, true) {
                Ok(range) => range,
                Err(message) => {
                    let span = self.line_span(index);
                    self.fail(message, span, index + 1);
                    return self.finish();
                }
            };
            index += 1;
            let content = &self.bytes[start..end];
            let (keep, mut at_end) = match continuation(content, self.escape) {
                Some(keep) => (keep, false),
                None => (content.len(), true),
            };
            if at_end && keep == 0 {
                continue;
            }
            let mut logical: Vec<u8> = content[..keep].to_vec();
            let mut pieces = vec![Piece { at: 0, src: start, len: keep }];
            let mut empty_continuation = false;
            let mut last_line = first;
            while !at_end && index < total {
                let (cstart, cend) = match self.process_line(index, false) {
                    Ok(range) => range,
                    Err(message) => {
                        let span = self.line_span(index);
                        self.fail(message, span, index + 1);
                        return self.finish();
                    }
                };
                let raw = self.lines[index];
                index += 1;
                if is_comment(&self.bytes[raw.start..raw.end]) {
                    continue;
                }
                last_line = index - 1;
                let content = &self.bytes[cstart..cend];
                if leading_space_len(content) == content.len() {
                    empty_continuation = true;
                    continue;
                }
                let keep = match continuation(content, self.escape) {
                    Some(keep) => keep,
                    None => {
                        at_end = true;
                        content.len()
                    }
                };
                pieces.push(Piece { at: logical.len(), src: cstart, len: keep });
                logical.extend_from_slice(&content[..keep]);
            }
            let end_offset = self.lines[last_line].content_end;
            if empty_continuation {
                self.out.warnings.push(ParseWarning {
                    message: format!("Empty continuation line found in: {}", lossy(&logical)),
                    span: Span::new(start, end_offset),
                });
            }
            let line_map = LineMap { pieces: &pieces, end: end_offset };
            let cfg = Cfg { escape: self.escape, strict_json: self.opts.strict_json };
            let mut node = match build_instruction(&logical, &line_map, cfg) {
                Ok(node) => node,
                Err(message) => {
                    self.fail(message, Span::new(start, end_offset), first + 1);
                    return self.finish();
                }
            };
            node.start_line = first + 1;
            node.end_line = last_line + 1;
            node.span = Span::new(start, end_offset);
            node.pieces = pieces.clone();
            if self.opts.heredocs && can_contain_heredoc(&node) && contains(&logical, b"<<") {
                match heredocs_from_line(&lossy(&logical)) {
                    Ok(found) => {
                        for (name, chomp, expand) in found {
                            let body_start = self.lines.get(index).map_or(self.bytes.len(), |l| l.start);
                            let mut content = Vec::new();
                            let mut terminated = false;
                            while index < total {
                                let line = self.lines[index];
                                index += 1;
                                let mut candidate = &self.bytes[line.start..line.content_end];
                                if chomp {
                                    while let Some(rest) = candidate.strip_prefix(b"\t") {
                                        candidate = rest;
                                    }
                                }
                                if candidate == name.as_bytes() {
                                    terminated = true;
                                    node.end_line = index;
                                    node.span.end = line.content_end;
                                    break;
                                }
                                content.extend_from_slice(&self.bytes[line.start..line.end]);
                            }
                            let body_end = body_start + content.len();
                            if !terminated {
                                let span = Span::new(start, self.bytes.len());
                                self.fail("unterminated heredoc".to_string(), span, first + 1);
                                self.out.instructions.push(node);
                                return self.finish();
                            }
                            node.heredocs.push(Heredoc {
                                name,
                                expand,
                                chomp,
                                content: lossy(&content),
                                content_span: Span::new(body_start, body_end),
                            });
                        }
                    }
                    Err(message) => {
                        self.fail(message, node.span, first + 1);
                        return self.finish();
                    }
                }
            }
            self.out.instructions.push(node);
        }
        self.finish()
    }

    fn finish(mut self) -> Dockerfile {
        self.out.escape = self.escape as char;
        self.out.instructions.shrink_to_fit();
        if self.out.error.is_none() {
            if self.out.instructions.is_empty() {
                let end = self.bytes.len();
                self.out.error = Some(ParseError {
                    message: "file with no instructions".to_string(),
                    span: Span::new(end, end),
                    line: self.lines.len(),
                });
            } else if let Some(at) = self.too_long_at {
                let start = self.lines.last().map_or(0, |l| l.end);
                self.out.error = Some(ParseError {
                    message: format!("dockerfile line greater than max allowed size of {}", MAX_LINE - 1),
                    span: Span::new(start, self.bytes.len()),
                    line: at + 1,
                });
            }
        }
        self.out
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What the line readers need to know of the file and the parser generation.
#[derive(Clone, Copy, Debug)]
struct Cfg {
    escape: u8,
    strict_json: bool,
}

/// Maps offsets of the logical line back to the file.
struct LineMap<'p> {
    pieces: &'p [Piece],
    /// File offset of the end of the instruction (for offsets at the very end).
    end: usize,
}

impl LineMap<'_> {
    fn offset(&self, at: usize) -> usize {
        // The last piece starting at or before `at` (pieces are in logical order): a binary
        // search, as an instruction may have 100,000 continuation lines.
        let index = self.pieces.partition_point(|piece| piece.at <= at);
        let Some(piece) = index.checked_sub(1).and_then(|i| self.pieces.get(i)) else {
            return self.end;
        };
        if at < piece.at + piece.len || piece.len == 0 {
            return piece.src + (at - piece.at);
        }
        if at == piece.at + piece.len {
            return piece.src + piece.len;
        }
        self.end
    }

    /// The file span of the logical range `start..end`.
    fn span(&self, start: usize, end: usize) -> Span {
        if end <= start {
            let at = self.offset(start);
            return Span::new(at, at);
        }
        let from = self.offset(start);
        let to = self.offset(end - 1) + 1;
        Span::new(from, to.max(from))
    }
}

/// `newNodeFromLine`: split the logical line into keyword, flags and arguments.
fn build_instruction(line: &[u8], map: &LineMap<'_>, cfg: Cfg) -> Result<Instruction, String> {
    let escape = cfg.escape;
    let (trim_start, trim_end) = trim_space_range(line);
    let trimmed = &line[trim_start..trim_end];
    let keyword_len = trimmed.iter().position(|&b| is_split_space(b)).unwrap_or(trimmed.len());
    let keyword = lossy(&trimmed[..keyword_len]);
    let keyword_span = map.span(trim_start, trim_start + keyword_len);
    let mut rest_start = trim_start + keyword_len;
    while rest_start < trim_end && is_split_space(line[rest_start]) {
        rest_start += 1;
    }
    let mut flags = Vec::new();
    let mut args_start = trim_end;
    if keyword_len < trimmed.len() {
        let (flag_words, remaining) = extract_builder_flags(&line[rest_start..trim_end], escape);
        for word in flag_words {
            flags.push(make_flag(word, rest_start, map));
        }
        args_start = rest_start + remaining;
    }
    let (a, b) = trim_space_range(&line[args_start..trim_end]);
    let args_range = (args_start + a, args_start + b);
    let args_bytes = &line[args_range.0..args_range.1];
    let args_span = map.span(args_range.0, args_range.1);
    let args = read_args(form_of(&keyword), args_bytes, args_range.0, map, cfg)?;
    Ok(Instruction {
        keyword,
        keyword_span,
        span: map.span(trim_start, trim_end),
        start_line: 0,
        end_line: 0,
        flags,
        args,
        args_span,
        heredocs: Vec::new(),
        pieces: Vec::new(),
    })
}

/// A flag word as `extractBuilderFlags` builds it: chars with their logical offsets.
struct RawFlag {
    chars: Vec<(char, usize)>,
    start: usize,
    end: usize,
}

/// `extractBuilderFlags`: take the leading `--words`. The builder walks *bytes* and
/// turns each byte into a rune (so non-ASCII text is re-encoded as Latin-1 and the
/// bytes 0x85 and 0xA0 count as whitespace): reproduced as is.
fn extract_builder_flags(line: &[u8], escape: u8) -> (Vec<RawFlag>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let byte_space = |b: u8| is_space(b as char);
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word: Vec<(char, usize)> = Vec::new();
    let mut word_start = 0;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = 0;
    while pos <= line.len() {
        let at_end = pos == line.len();
        let ch = if at_end { 0 } else { line[pos] };
        if phase == Phase::Spaces {
            if at_end {
                break;
            }
            if byte_space(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == line.len() || line[pos + 1] != b'-' {
                return (words, pos);
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if at_end {
            let text: String = word.iter().map(|c| c.0).collect();
            if text != "--" && (blank_ok || !word.is_empty()) {
                words.push(RawFlag { chars: std::mem::take(&mut word), start: word_start, end: pos });
            }
            break;
        }
        if phase == Phase::Word {
            if byte_space(ch) {
                let text: String = word.iter().map(|c| c.0).collect();
                phase = Phase::Spaces;
                if text == "--" {
                    return (words, pos);
                }
                if blank_ok || !word.is_empty() {
                    words.push(RawFlag { chars: std::mem::take(&mut word), start: word_start, end: pos });
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            let mut at = pos;
            let mut c = ch;
            if ch == escape {
                if pos + 1 == line.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                at = pos;
                c = line[pos];
            }
            word.push((c as char, at));
            pos += 1;
            continue;
        }
        // Quote phase.
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        let mut at = pos;
        let mut c = ch;
        if ch == escape {
            if pos + 1 == line.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            at = pos;
            c = line[pos];
        }
        word.push((c as char, at));
        pos += 1;
    }
    (words, line.len())
}

fn make_flag(raw: RawFlag, base: usize, map: &LineMap<'_>) -> Flag {
    let text: String = raw.chars.iter().map(|c| c.0).collect();
    let span = map.span(base + raw.start, base + raw.end);
    let body = text.strip_prefix("--").unwrap_or(&text);
    let (name, value) = match body.split_once('=') {
        Some((name, value)) => (name.to_string(), Some(value.to_string())),
        None => (body.to_string(), None),
    };
    // Char index of the `=`: two dashes plus the name.
    let name_chars = name.chars().count();
    let dash_chars = text.chars().count() - body.chars().count();
    let offset_of = |index: usize| raw.chars.get(index).map(|c| map.offset(base + c.1));
    let name_span = match (offset_of(dash_chars), name_chars) {
        (Some(from), n) if n > 0 => {
            let last = offset_of(dash_chars + n - 1).unwrap_or(from);
            Span::new(from, last + 1)
        }
        _ => Span::new(span.start, span.start),
    };
    let value_first = dash_chars + name_chars + 1;
    let value_offsets: Vec<usize> = raw.chars.iter().skip(value_first).map(|c| map.offset(base + c.1)).collect();
    let value_span = value.as_ref().map(|_| match (value_offsets.first(), value_offsets.last()) {
        (Some(&a), Some(&b)) => Span::new(a, b + 1),
        _ => Span::new(span.end, span.end),
    });
    Flag { text, name, value, span, name_span, value_span, value_offsets }
}

/// Read the arguments in the form of the instruction.
fn read_args(form: Form, rest: &[u8], base: usize, map: &LineMap<'_>, cfg: Cfg) -> Result<Args, String> {
    let escape = cfg.escape;
    match form {
        Form::Ignore => Ok(Args::Ignored),
        Form::MaybeJsonToList => match parse_json(rest, base, map, cfg.strict_json) {
            Json::Strings(words) => Ok(Args::Json(words)),
            Json::NotStrings => Err(NOT_STRING_ARRAY.to_string()),
            Json::No => Ok(whitespace_list(rest, base, map)),
        },
        Form::MaybeJson => {
            if rest.is_empty() {
                return Ok(Args::Empty);
            }
            match parse_json(rest, base, map, cfg.strict_json) {
                Json::Strings(words) => Ok(Args::Json(words)),
                Json::NotStrings => Err(NOT_STRING_ARRAY.to_string()),
                Json::No => Ok(Args::Text(Word { text: lossy(rest), span: map.span(base, base + rest.len()) })),
            }
        }
        Form::WhitespaceList => Ok(whitespace_list(rest, base, map)),
        Form::String => {
            if rest.is_empty() {
                Ok(Args::Empty)
            } else {
                Ok(Args::Text(Word { text: lossy(rest), span: map.span(base, base + rest.len()) }))
            }
        }
        Form::NameOrNameVal => {
            let words = parse_words(rest, base, map, escape);
            Ok(if words.is_empty() { Args::Empty } else { Args::Words(words) })
        }
        Form::NameVal(key) => parse_name_val(rest, base, map, escape, key),
        Form::Healthcheck => {
            // Bytes as runes again (`unicode.IsSpace(rune(rest[sep]))`).
            let byte_space = |b: u8| is_space(b as char);
            let sep = rest.iter().position(|&b| byte_space(b)).unwrap_or(rest.len());
            if sep == 0 {
                return Ok(Args::Empty);
            }
            let mut next = sep;
            while next < rest.len() && byte_space(rest[next]) {
                next += 1;
            }
            let kind = Word { text: lossy(&rest[..sep]), span: map.span(base, base + sep) };
            let command = read_args(Form::MaybeJson, &rest[next..], base + next, map, cfg)?;
            Ok(Args::Healthcheck { kind, command: Box::new(command) })
        }
        Form::SubCommand => {
            if rest.is_empty() {
                return Ok(Args::Empty);
            }
            // The trigger is parsed like a line of its own, offsets shifted.
            let sub_map = SubMap { map, base };
            let child = sub_map.build(rest, cfg)?;
            Ok(Args::Onbuild(Box::new(child)))
        }
    }
}

/// Offsets of a sub-line (an `ONBUILD` trigger) mapped through the parent's line map.
struct SubMap<'m, 'p> {
    map: &'m LineMap<'p>,
    base: usize,
}

impl SubMap<'_, '_> {
    fn build(&self, rest: &[u8], cfg: Cfg) -> Result<Instruction, String> {
        // Re-express the parent's pieces relative to the sub-line.
        let mut pieces = Vec::new();
        for piece in self.map.pieces {
            let piece_end = piece.at + piece.len;
            if piece_end <= self.base {
                continue;
            }
            let skip = self.base.saturating_sub(piece.at);
            pieces.push(Piece { at: piece.at + skip - self.base, src: piece.src + skip, len: piece.len - skip });
        }
        let sub = LineMap { pieces: &pieces, end: self.map.end };
        let mut child = build_instruction(rest, &sub, cfg)?;
        child.pieces = pieces;
        Ok(child)
    }
}

const NOT_STRING_ARRAY: &str = "when using JSON array syntax, arrays must be comprised of strings only";

/// `parseStringsWhitespaceDelimited`: split on runs of `[\t\v\f\r ]`.
fn whitespace_list(rest: &[u8], base: usize, map: &LineMap<'_>) -> Args {
    if rest.is_empty() {
        return Args::Empty;
    }
    let mut words = Vec::new();
    let mut pos = 0;
    loop {
        let start = pos;
        while pos < rest.len() && !is_split_space(rest[pos]) {
            pos += 1;
        }
        words.push(Word { text: lossy(&rest[start..pos]), span: map.span(base + start, base + pos) });
        if pos == rest.len() {
            break;
        }
        while pos < rest.len() && is_split_space(rest[pos]) {
            pos += 1;
        }
        if pos == rest.len() {
            // Go's regexp.Split keeps a trailing empty piece.
            words.push(Word { text: String::new(), span: map.span(base + pos, base + pos) });
            break;
        }
    }
    // A vector grown one push at a time keeps room for four: most lists are one word.
    words.shrink_to_fit();
    Args::List(words)
}

/// `parseWords`: words that keep their quotes; whitespace inside quotes does not split.
fn parse_words(rest: &[u8], base: usize, map: &LineMap<'_>, escape: u8) -> Vec<Word> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let esc = escape as char;
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word = String::new();
    let mut word_start = 0;
    let mut pos = 0;
    let mut width = 0;
    let mut ch = '\0';
    loop {
        if pos > rest.len() {
            break;
        }
        if pos != rest.len() {
            (ch, width) = decode_at(rest, pos);
        }
        if phase == Phase::Spaces {
            if pos == rest.len() {
                break;
            }
            if is_space(ch) {
                pos += width;
                continue;
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if pos == rest.len() {
            if blank_ok || !word.is_empty() {
                words.push(Word { text: std::mem::take(&mut word), span: map.span(base + word_start, base + pos) });
            }
            break;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(Word { text: std::mem::take(&mut word), span: map.span(base + word_start, base + pos) });
                }
                word.clear();
                blank_ok = false;
                pos += width;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == esc {
                if pos + width == rest.len() {
                    pos += width;
                    continue;
                }
                word.push(ch);
                pos += width;
                (ch, width) = decode_at(rest, pos);
            }
            word.push(ch);
            pos += width;
            continue;
        }
        // Quote phase.
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == esc && quote != '\'' {
            if pos + width == rest.len() {
                phase = Phase::Word;
                pos += width;
                continue;
            }
            pos += width;
            word.push(ch);
            (ch, width) = decode_at(rest, pos);
        }
        word.push(ch);
        pos += width;
    }
    words
}

/// `parseNameVal` for `ENV` and `LABEL`.
fn parse_name_val(rest: &[u8], base: usize, map: &LineMap<'_>, escape: u8, key: &str) -> Result<Args, String> {
    let words = parse_words(rest, base, map, escape);
    let Some(first) = words.first() else {
        return Ok(Args::Empty);
    };
    if !first.text.contains('=') {
        // Legacy `KEY name value`: split once on [\t\v\f\r ]+.
        let Some(sep) = rest.iter().position(|&b| is_split_space(b)) else {
            return Err(format!("{key} must have two arguments"));
        };
        let mut value_start = sep;
        while value_start < rest.len() && is_split_space(rest[value_start]) {
            value_start += 1;
        }
        return Ok(Args::Pairs(vec![KeyValue {
            key: lossy(&rest[..sep]),
            value: lossy(&rest[value_start..]),
            has_equals: false,
            span: map.span(base, base + rest.len()),
        }]));
    }
    let mut pairs = Vec::new();
    for word in words {
        let Some((k, v)) = word.text.split_once('=') else {
            return Err(format!(
                "Syntax error - can't find = in {}. Must be of the form: name=value",
                crate::model::verdict::go_quote(&word.text)
            ));
        };
        pairs.push(KeyValue { key: k.to_string(), value: v.to_string(), has_equals: true, span: word.span });
    }
    Ok(Args::Pairs(pairs))
}

/// Which instructions may carry heredocs: `RUN`, `COPY`, `ADD` (also as an `ONBUILD`
/// trigger), not in JSON form.
fn can_contain_heredoc(node: &Instruction) -> bool {
    let mut node = node;
    if node.keyword.eq_ignore_ascii_case("onbuild") {
        if let Args::Onbuild(child) = &node.args {
            node = child;
        }
    }
    let keyword = node.keyword.to_ascii_lowercase();
    if !matches!(keyword.as_str(), "run" | "copy" | "add") {
        return false;
    }
    !matches!(node.args, Args::Json(_))
}

/// `heredocsFromLine`: the heredoc words of a logical line: (name, chomp, expand).
fn heredocs_from_line(line: &str) -> Result<Vec<(String, bool, bool)>, String> {
    let lexer = shell::Lexer {
        escape: '\\',
        raw_quotes: true,
        raw_escapes: true,
        skip_unset_env: true,
        gen: shell::LexerGen::V3,
        ..shell::Lexer::default()
    };
    let words = lexer.process_words(line, &|_| None).unwrap_or_default();
    let mut docs = Vec::new();
    for word in words {
        if let Some(doc) = parse_heredoc(&word)? {
            docs.push(doc);
        }
    }
    Ok(docs)
}

/// `ParseHeredoc`: `^(\d*)<<(-?)\s*([^<]*)$` and a single-word terminator.
pub fn parse_heredoc(word: &str) -> Result<Option<(String, bool, bool)>, String> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let Some(rest) = word[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let rest = rest.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']);
    if rest.is_empty() || rest.contains('<') {
        return Ok(None);
    }
    let plain =
        shell::Lexer { escape: '\\', skip_unset_env: true, gen: shell::LexerGen::V3, ..shell::Lexer::default() };
    let words = plain.process_words(rest, &|_| None)?;
    if words.len() != 1 {
        return Ok(None);
    }
    let raw = shell::Lexer { raw_quotes: true, ..plain };
    let raw_words = raw.process_words(rest, &|_| None)?;
    if raw_words.len() != words.len() {
        return Err(format!("internal lexing of heredoc produced inconsistent results: {rest}"));
    }
    let quotes = |s: &str| s.matches(['\'', '"']).count();
    let expand = quotes(&words[0]) == quotes(&raw_words[0]);
    Ok(Some((words[0].clone(), chomp, expand)))
}

/// Outcome of the JSON attempt.
enum Json {
    /// Not a (valid) JSON array: use the plain form.
    No,
    /// Valid, but an element is not a string: a hard error.
    NotStrings,
    Strings(Vec<Word>),
}

/// `parseJSON`: Go's `encoding/json` on the rest of the line (strictly the whole rest,
/// or only its first value for the legacy parser), written out here because Go's
/// acceptance rules (control characters, lone surrogates, number range, nesting depth)
/// must be matched exactly.
fn parse_json(rest: &[u8], base: usize, map: &LineMap<'_>, strict: bool) -> Json {
    parse_json_mode(rest, base, map, strict)
}

fn parse_json_mode(rest: &[u8], base: usize, map: &LineMap<'_>, strict: bool) -> Json {
    let skip = leading_space_len(rest);
    let text = &rest[skip..];
    if text.first() != Some(&b'[') {
        return Json::No;
    }
    let mut parser = JsonScan { text, pos: 0, strings: Vec::new(), other_element: false, overflow: false };
    let json_ws = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
    if parser.array().is_err() {
        return Json::No;
    }
    if strict {
        while parser.pos < text.len() && json_ws(text[parser.pos]) {
            parser.pos += 1;
        }
        if parser.pos != text.len() {
            return Json::No;
        }
    }
    if parser.overflow {
        // `json.Unmarshal` reports a number out of float64 range as an error other
        // than "not strings": the parser falls back to the plain form.
        return Json::No;
    }
    if parser.other_element {
        return Json::NotStrings;
    }
    let offset = base + skip;
    Json::Strings(
        parser
            .strings
            .into_iter()
            .map(|(value, start, end)| Word { text: value, span: map.span(offset + start, offset + end) })
            .collect(),
    )
}

struct JsonScan<'t> {
    text: &'t [u8],
    pos: usize,
    /// Top-level string elements: value, start, end (relative to `text`).
    strings: Vec<(String, usize, usize)>,
    other_element: bool,
    overflow: bool,
}

const JSON_MAX_DEPTH: usize = 10_000;

impl JsonScan<'_> {
    fn ws(&mut self) {
        while self.pos < self.text.len() && matches!(self.text[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    /// The top-level array, scanning nested values iteratively (Go allows 10000 levels).
    fn array(&mut self) -> Result<(), ()> {
        // Stack of open containers: b'[' or b'{'.
        let mut stack: Vec<u8> = Vec::new();
        self.pos += 1; // '['
        stack.push(b'[');
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            // Expect a value (or a key then value inside an object).
            let depth = stack.len();
            if stack.last() == Some(&b'{') {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Err(());
                }
                self.string()?;
                self.ws();
                if self.peek() != Some(b':') {
                    return Err(());
                }
                self.pos += 1;
            }
            self.ws();
            let start = self.pos;
            match self.peek() {
                Some(b'"') => {
                    let value = self.string()?;
                    if depth == 1 {
                        self.strings.push((value, start, self.pos));
                    }
                }
                Some(b'[') | Some(b'{') => {
                    if depth == 1 {
                        self.other_element = true;
                    }
                    let open = self.text[self.pos];
                    self.pos += 1;
                    if stack.len() + 1 > JSON_MAX_DEPTH {
                        return Err(());
                    }
                    stack.push(open);
                    self.ws();
                    let close = if open == b'[' { b']' } else { b'}' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        stack.pop();
                    } else {
                        continue;
                    }
                }
                Some(_) => {
                    if depth == 1 {
                        self.other_element = true;
                    }
                    self.scalar()?;
                }
                None => return Err(()),
            }
            // After a value: `,` continues the container, a closer ends it (and maybe
            // its parents).
            loop {
                self.ws();
                let Some(&open) = stack.last() else {
                    return Ok(());
                };
                let close = if open == b'[' { b']' } else { b'}' };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        break;
                    }
                    Some(b) if b == close => {
                        self.pos += 1;
                        stack.pop();
                        if stack.is_empty() {
                            return Ok(());
                        }
                    }
                    _ => return Err(()),
                }
            }
        }
    }

    fn scalar(&mut self) -> Result<(), ()> {
        for literal in [&b"true"[..], b"false", b"null"] {
            if self.text[self.pos..].starts_with(literal) {
                self.pos += literal.len();
                return Ok(());
            }
        }
        self.number()
    }

    fn number(&mut self) -> Result<(), ()> {
        let start = self.pos;
        let digits = |s: &mut Self| {
            let from = s.pos;
            while s.peek().is_some_and(|b| b.is_ascii_digit()) {
                s.pos += 1;
            }
            s.pos - from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(());
            }
        }
        if matches!(self.peek(), Some(b'e') | Some(b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+') | Some(b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(());
            }
        }
        let literal = std::str::from_utf8(&self.text[start..self.pos]).map_err(|_| ())?;
        if literal.parse::<f64>().map_or(true, f64::is_infinite) {
            self.overflow = true;
        }
        Ok(())
    }

    /// A JSON string; returns its decoded value (invalid UTF-8 and lone surrogates
    /// become U+FFFD, as Go decodes them).
    fn string(&mut self) -> Result<String, ()> {
        self.pos += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return Err(());
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(lossy(&out));
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(());
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let first = self.hex4()?;
                            let ch = if (0xD800..0xDC00).contains(&first) {
                                // A high surrogate: Go pairs it with a following `\uDC00..`.
                                let save = self.pos;
                                if self.text[self.pos..].starts_with(b"\\u") {
                                    self.pos += 2;
                                    match self.hex4() {
                                        Ok(second) if (0xDC00..0xE000).contains(&second) => {
                                            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                                            char::from_u32(code).unwrap_or('\u{FFFD}')
                                        }
                                        Ok(_) => {
                                            self.pos = save;
                                            '\u{FFFD}'
                                        }
                                        Err(()) => return Err(()),
                                    }
                                } else {
                                    '\u{FFFD}'
                                }
                            } else {
                                char::from_u32(first).unwrap_or('\u{FFFD}')
                            };
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return Err(()),
                    }
                }
                0..=0x1f => return Err(()),
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, ()> {
        let digits = self.text.get(self.pos..self.pos + 4).ok_or(())?;
        let text = std::str::from_utf8(digits).map_err(|_| ())?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(());
        }
        self.pos += 4;
        u32::from_str_radix(text, 16).map_err(|_| ())
    }
}

impl Instruction {
    /// The lower-cased keyword.
    pub fn command(&self) -> String {
        self.keyword.to_ascii_lowercase()
    }

    /// The argument words as the instruction parser receives them (`nodeArgs`): the
    /// elements of any list form, `key, value, sep` triples for `ENV`/`LABEL`, the
    /// trigger keyword then its arguments for `ONBUILD`.
    pub fn arg_words(&self) -> Vec<Word> {
        args_words(&self.args)
    }

    /// [`Instruction::arg_words`], borrowed when the arguments are a list of words.
    pub fn words(&self) -> std::borrow::Cow<'_, [Word]> {
        match &self.args {
            Args::Json(words) | Args::List(words) | Args::Words(words) => words.as_slice().into(),
            other => args_words(other).into(),
        }
    }

    /// [`Instruction::arg_words`], moved out of the instruction when the arguments are a
    /// list of words (they are left empty).
    pub fn take_arg_words(&mut self) -> Vec<Word> {
        match &mut self.args {
            Args::Json(words) | Args::List(words) | Args::Words(words) => std::mem::take(words),
            other => args_words(other),
        }
    }

    /// The file offset of byte `at` of the logical line.
    pub fn file_offset(&self, at: usize) -> usize {
        LineMap { pieces: &self.pieces, end: self.span.end }.offset(at)
    }
}

fn args_words(args: &Args) -> Vec<Word> {
    match args {
        Args::Empty | Args::Ignored => Vec::new(),
        Args::Json(words) | Args::List(words) | Args::Words(words) => words.clone(),
        Args::Text(word) => vec![word.clone()],
        Args::Pairs(pairs) => pairs
            .iter()
            .flat_map(|p| {
                [
                    Word { text: p.key.clone(), span: p.span },
                    Word { text: p.value.clone(), span: p.span },
                    Word { text: if p.has_equals { "=".into() } else { String::new() }, span: p.span },
                ]
            })
            .collect(),
        Args::Healthcheck { kind, command } => {
            let mut out = vec![kind.clone()];
            out.extend(args_words(command));
            out
        }
        Args::Onbuild(child) => {
            let mut out = vec![Word { text: child.keyword.clone(), span: child.keyword_span }];
            out.extend(args_words(&child.args));
            out
        }
    }
}

pub mod shell {
    //! The builder's word lexer (`shell/lex.go`): quotes, the escape token, and `$VAR`
    //! / `${VAR...}` substitution, in its three generations.
    //!
    //! Written as a hand scanner over chars because its corner cases (an escape token at
    //! the end of a word is dropped, `$$D` is the special parameter `$` then `D`, an
    //! unfinished `${D` reports the end-of-input rune) must come out exactly as Go's.

    use std::collections::BTreeSet;

    /// Which lexer: the substitution forms grew over time.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
    pub enum LexerGen {
        /// BuildKit ≤ v0.11 (Engine 20.10–24): `${V}`, `${V?w}`, `${V:-w}`, `${V:+w}`,
        /// `${V:?w}` only; anything else is `missing ':' in substitution`.
        V1,
        /// BuildKit v0.12 (Engine 25): also `${V-w}`, `${V+w}`.
        V2,
        /// BuildKit ≥ v0.13 (Engine ≥ 26): also `#`, `##`, `%`, `%%`, `/`, `//`.
        #[default]
        V3,
    }

    /// Lexer settings (`shell.Lex`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Lexer {
        pub escape: char,
        pub raw_quotes: bool,
        pub raw_escapes: bool,
        pub skip_process_quotes: bool,
        pub skip_unset_env: bool,
        pub gen: LexerGen,
    }

    impl Default for Lexer {
        fn default() -> Self {
            Lexer {
                escape: '\\',
                raw_quotes: false,
                raw_escapes: false,
                skip_process_quotes: false,
                skip_unset_env: false,
                gen: LexerGen::V3,
            }
        }
    }

    /// The result of expanding one word.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct Expansion {
        pub value: String,
        /// Variables looked up and found.
        pub matched: BTreeSet<String>,
        /// Variables looked up and not set.
        pub unmatched: BTreeSet<String>,
    }

    type Env<'e> = &'e dyn Fn(&str) -> Option<String>;

    const EOF: Option<char> = None;

    impl Lexer {
        /// `ProcessWord`: one word in, one string out (never split). Errors read
        /// `failed to process "<word>": <reason>`.
        pub fn process_word(&self, word: &str, env: Env<'_>) -> Result<Expansion, String> {
            // Most words have nothing to expand, unquote or unescape: such a word is its
            // own value, and the char-by-char walk below is skipped.
            let plain = |c: char| !matches!(c, '$' | '<' | '\'' | '"' | '\u{FEFF}') && c != self.escape;
            if word.chars().all(plain) {
                return Ok(Expansion { value: word.to_string(), matched: BTreeSet::new(), unmatched: BTreeSet::new() });
            }
            let mut state = State::new(self, word, env);
            match state.process_stop_on(EOF, self.raw_escapes) {
                Ok((value, _)) => Ok(Expansion { value, matched: state.matched, unmatched: state.unmatched }),
                Err(reason) => Err(format!("failed to process {}: {reason}", crate::model::verdict::go_quote(word))),
            }
        }

        /// `ProcessWords`: expand, then split into words on whitespace outside quotes.
        pub fn process_words(&self, word: &str, env: Env<'_>) -> Result<Vec<String>, String> {
            let mut state = State::new(self, word, env);
            match state.process_stop_on(EOF, self.raw_escapes) {
                Ok((_, words)) => Ok(words),
                Err(reason) => Err(format!("failed to process {}: {reason}", crate::model::verdict::go_quote(word))),
            }
        }
    }

    struct State<'l, 'e> {
        lex: &'l Lexer,
        chars: Vec<char>,
        pos: usize,
        env: Env<'e>,
        raw_escapes: bool,
        matched: BTreeSet<String>,
        unmatched: BTreeSet<String>,
        /// The words buffer is shared by nested calls in Go (and reset by each).
        words_buf: String,
    }

    struct Words {
        words: Vec<String>,
        in_word: bool,
    }

    impl State<'_, '_> {
        fn new<'l, 'e>(lex: &'l Lexer, word: &str, env: Env<'e>) -> State<'l, 'e> {
            let mut chars: Vec<char> = word.chars().collect();
            // text/scanner skips a byte order mark at the very start.
            if chars.first() == Some(&'\u{FEFF}') {
                chars.remove(0);
            }
            State {
                lex,
                chars,
                pos: 0,
                env,
                raw_escapes: lex.raw_escapes,
                matched: BTreeSet::new(),
                unmatched: BTreeSet::new(),
                words_buf: String::new(),
            }
        }

        fn peek(&self) -> Option<char> {
            self.chars.get(self.pos).copied()
        }

        fn next(&mut self) -> Option<char> {
            let ch = self.peek();
            if ch.is_some() {
                self.pos += 1;
            }
            ch
        }

        fn get_env(&mut self, name: &str) -> Option<String> {
            match (self.env)(name) {
                Some(value) => {
                    self.matched.insert(name.to_string());
                    Some(value)
                }
                None => {
                    self.unmatched.insert(name.to_string());
                    None
                }
            }
        }

        fn add_char(&mut self, w: &mut Words, ch: char) {
            if ch.is_whitespace() && w.in_word {
                if !self.words_buf.is_empty() {
                    w.words.push(std::mem::take(&mut self.words_buf));
                    w.in_word = false;
                }
            } else if !ch.is_whitespace() {
                self.add_raw_char(w, ch);
            }
        }

        fn add_raw_char(&mut self, w: &mut Words, ch: char) {
            self.words_buf.push(ch);
            w.in_word = true;
        }

        fn process_stop_on(&mut self, stop: Option<char>, raw_escapes: bool) -> Result<(String, Vec<String>), String> {
            let mut result = String::new();
            self.words_buf.clear();
            let mut words = Words { words: Vec::new(), in_word: false };
            let saved = self.raw_escapes;
            self.raw_escapes = raw_escapes;
            let outcome = self.stop_on_inner(stop, &mut result, &mut words);
            // Go restores the flag to the negation of what it set, which equals the
            // saved value whenever it changed it.
            self.raw_escapes = saved;
            outcome?;
            if !self.words_buf.is_empty() {
                words.words.push(std::mem::take(&mut self.words_buf));
            }
            Ok((result, words.words))
        }
    }

    impl State<'_, '_> {
        fn stop_on_inner(&mut self, stop: Option<char>, result: &mut String, words: &mut Words) -> Result<(), String> {
            let special_quotes = !self.lex.skip_process_quotes;
            while let Some(ch) = self.peek() {
                if stop == Some(ch) {
                    self.next();
                    return Ok(());
                }
                let handled = match ch {
                    '$' => Some(self.process_dollar()?),
                    '<' if self.lex.gen >= LexerGen::V3 => Some(self.process_possible_heredoc()),
                    '\'' if special_quotes => Some(self.process_single_quote()?),
                    '"' if special_quotes => Some(self.process_double_quote()?),
                    _ => None,
                };
                if let Some(text) = handled {
                    result.push_str(&text);
                    if ch == '$' {
                        for c in text.chars() {
                            self.add_char(words, c);
                        }
                    } else {
                        self.words_buf.push_str(&text);
                        words.in_word = true;
                    }
                    continue;
                }
                let mut ch = self.next().unwrap_or('\u{FFFD}');
                if ch == self.lex.escape {
                    if self.raw_escapes {
                        self.add_raw_char(words, ch);
                        result.push(ch);
                    }
                    match self.next() {
                        None => break,
                        Some(next) => ch = next,
                    }
                    self.add_raw_char(words, ch);
                } else {
                    self.add_char(words, ch);
                }
                result.push(ch);
            }
            if let Some(stop) = stop {
                return Err(format!("unexpected end of statement while looking for matching {stop}"));
            }
            Ok(())
        }

        fn process_single_quote(&mut self) -> Result<String, String> {
            let mut result = String::new();
            let open = self.next();
            if self.lex.raw_quotes {
                result.extend(open);
            }
            loop {
                match self.next() {
                    None => return Err("unexpected end of statement while looking for matching single-quote".into()),
                    Some('\'') => {
                        if self.lex.raw_quotes {
                            result.push('\'');
                        }
                        return Ok(result);
                    }
                    Some(ch) => result.push(ch),
                }
            }
        }

        fn process_double_quote(&mut self) -> Result<String, String> {
            let mut result = String::new();
            let open = self.next();
            if self.lex.raw_quotes {
                result.extend(open);
            }
            loop {
                match self.peek() {
                    None => return Err("unexpected end of statement while looking for matching double-quote".into()),
                    Some('"') => {
                        self.next();
                        if self.lex.raw_quotes {
                            result.push('"');
                        }
                        return Ok(result);
                    }
                    Some('$') => {
                        let value = self.process_dollar()?;
                        result.push_str(&value);
                    }
                    Some(_) => {
                        let mut ch = self.next().unwrap_or('\u{FFFD}');
                        if ch == self.lex.escape {
                            if self.raw_escapes && self.lex.gen >= LexerGen::V3 {
                                result.push(ch);
                            }
                            match self.peek() {
                                None => continue,
                                Some(c) if c == '"' || c == '$' || c == self.lex.escape => {
                                    ch = self.next().unwrap_or(c);
                                }
                                Some(_) => {}
                            }
                        }
                        result.push(ch);
                    }
                }
            }
        }

        fn process_possible_heredoc(&mut self) -> String {
            self.next();
            if self.peek() != Some('<') {
                return "<".into();
            }
            self.next();
            let mut out = String::from("<<");
            while let Some(ch) = self.peek() {
                if !matches!(ch, '\t' | '\r' | ' ') {
                    break;
                }
                out.push(ch);
                self.next();
            }
            out
        }

        fn process_name(&mut self) -> String {
            let mut name = String::new();
            while let Some(ch) = self.peek() {
                if name.is_empty() && is_digit(ch) {
                    while let Some(d) = self.peek() {
                        if !is_digit(d) {
                            break;
                        }
                        name.push(d);
                        self.next();
                    }
                    return name;
                }
                if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                    self.next();
                    return ch.to_string();
                }
                if !is_letter(ch) && !is_digit(ch) && ch != '_' {
                    break;
                }
                name.push(ch);
                self.next();
            }
            name
        }

        fn process_dollar(&mut self) -> Result<String, String> {
            self.next();
            if self.peek() != Some('{') {
                let name = self.process_name();
                if name.is_empty() {
                    return Ok("$".into());
                }
                return Ok(match self.get_env(&name) {
                    Some(value) => value,
                    None if self.lex.skip_unset_env => format!("${name}"),
                    None => String::new(),
                });
            }
            self.next();
            match self.peek() {
                None => return Err("syntax error: missing '}'".into()),
                Some('{') | Some('}') | Some(':') => return Err("syntax error: bad substitution".into()),
                Some(_) => {}
            }
            let name = self.process_name();
            let ch = self.next();
            match self.lex.gen {
                LexerGen::V1 => self.dollar_v1(name, ch),
                _ => self.dollar_v2(name, ch),
            }
        }

        fn dollar_v2(&mut self, name: String, ch: Option<char>) -> Result<String, String> {
            let v3 = self.lex.gen >= LexerGen::V3;
            let rune = |c: Option<char>| c.unwrap_or('\u{FFFD}');
            let mut chs = rune(ch).to_string();
            match ch {
                Some('}') => {
                    return Ok(match self.get_env(&name) {
                        Some(value) => value,
                        None if self.lex.skip_unset_env => format!("${{{name}}}"),
                        None => String::new(),
                    });
                }
                Some('/') if v3 => return self.replace(name),
                _ => {}
            }
            let mut ch = ch;
            let mut null_is_unset = false;
            if ch == Some(':') {
                null_is_unset = true;
                ch = self.next();
                chs.push(rune(ch));
            } else {
                let modifiers: &[char] = if v3 { &['+', '-', '?', '#', '%'] } else { &['+', '-', '?'] };
                if !ch.is_some_and(|c| modifiers.contains(&c)) {
                    return Err(format!("unsupported modifier ({chs}) in substitution"));
                }
            }
            let raw = v3 && matches!(ch, Some('#') | Some('%'));
            if null_is_unset && raw {
                return Err(format!("unsupported modifier ({chs}) in substitution"));
            }
            let word = match self.process_stop_on(Some('}'), raw) {
                Ok((word, _)) => word,
                Err(err) => {
                    if self.peek().is_none() {
                        return Err("syntax error: missing '}'".into());
                    }
                    return Err(err);
                }
            };
            let value = self.get_env(&name);
            if self.lex.skip_unset_env && value.is_none() {
                return Ok(format!("${{{name}{chs}{word}}}"));
            }
            let set = value.is_some();
            let value = value.unwrap_or_default();
            match ch {
                Some('-') => Ok(if !set || (null_is_unset && value.is_empty()) { word } else { value }),
                Some('+') => Ok(if !set || (null_is_unset && value.is_empty()) { String::new() } else { word }),
                Some('?') => {
                    if !set {
                        let message = if word.is_empty() { "is not allowed to be unset".to_string() } else { word };
                        return Err(format!("{name}: {message}"));
                    }
                    if null_is_unset && value.is_empty() {
                        let message = if word.is_empty() { "is not allowed to be empty".to_string() } else { word };
                        return Err(format!("{name}: {message}"));
                    }
                    Ok(value)
                }
                Some(c @ ('%' | '#')) if v3 => {
                    let (greedy, pattern) = match word.strip_prefix(c) {
                        Some(rest) => (true, rest.to_string()),
                        None => (false, word.clone()),
                    };
                    if c == '%' {
                        super::pattern::trim_suffix(&pattern, &value, greedy)
                    } else {
                        super::pattern::trim_prefix(&pattern, &value, greedy)
                    }
                }
                _ => Err(format!("unsupported modifier ({chs}) in substitution")),
            }
        }

        fn replace(&mut self, name: String) -> Result<String, String> {
            let replace_all = self.peek() == Some('/');
            if replace_all {
                self.next();
            }
            let pattern = match self.process_stop_on(Some('/'), true) {
                Ok((p, _)) => p,
                Err(err) => {
                    if self.peek().is_none() {
                        return Err("syntax error: missing '/' in ${}".into());
                    }
                    return Err(err);
                }
            };
            let replacement = match self.process_stop_on(Some('}'), true) {
                Ok((r, _)) => r,
                Err(err) => {
                    if self.peek().is_none() {
                        return Err("syntax error: missing '}'".into());
                    }
                    return Err(err);
                }
            };
            let value = self.get_env(&name);
            if self.lex.skip_unset_env && value.is_none() {
                return Ok(format!("${{{name}/{pattern}/{replacement}}}"));
            }
            super::pattern::replace(&pattern, &value.unwrap_or_default(), &replacement, replace_all)
        }

        /// The lexer of BuildKit ≤ v0.11.
        fn dollar_v1(&mut self, name: String, ch: Option<char>) -> Result<String, String> {
            match ch {
                Some('}') => Ok(match self.get_env(&name) {
                    Some(value) => value,
                    None if self.lex.skip_unset_env => format!("${{{name}}}"),
                    None => String::new(),
                }),
                Some('?') => {
                    let word = self.stop_on_brace()?;
                    match self.get_env(&name) {
                        Some(value) => Ok(value),
                        None if self.lex.skip_unset_env => Ok(format!("${{{name}?{word}}}")),
                        None => {
                            let message = if word.is_empty() { "is not allowed to be unset".to_string() } else { word };
                            Err(format!("{name}: {message}"))
                        }
                    }
                }
                Some(':') => {
                    let modifier = self.next();
                    let word = self.stop_on_brace()?;
                    let found = self.get_env(&name);
                    let set = found.is_some();
                    let value = found.unwrap_or_default();
                    let m = modifier.unwrap_or('\u{FFFD}');
                    let skip = !set && self.lex.skip_unset_env;
                    match modifier {
                        Some('+') | Some('-') if skip => Ok(format!("${{{name}:{m}{word}}}")),
                        Some('+') => Ok(if value.is_empty() { value } else { word }),
                        Some('-') => Ok(if value.is_empty() { word } else { value }),
                        Some('?') => {
                            if !set {
                                if self.lex.skip_unset_env {
                                    return Ok(format!("${{{name}:{m}{word}}}"));
                                }
                                let message =
                                    if word.is_empty() { "is not allowed to be unset".to_string() } else { word };
                                return Err(format!("{name}: {message}"));
                            }
                            if value.is_empty() {
                                let message =
                                    if word.is_empty() { "is not allowed to be empty".to_string() } else { word };
                                return Err(format!("{name}: {message}"));
                            }
                            Ok(value)
                        }
                        _ => Err(format!("unsupported modifier ({m}) in substitution")),
                    }
                }
                _ => Err("missing ':' in substitution".into()),
            }
        }

        fn stop_on_brace(&mut self) -> Result<String, String> {
            match self.process_stop_on(Some('}'), self.raw_escapes) {
                Ok((word, _)) => Ok(word),
                Err(err) => {
                    if self.peek().is_none() {
                        return Err("syntax error: missing '}'".into());
                    }
                    Err(err)
                }
            }
        }
    }

    /// Go's `unicode.IsLetter` (categories L*). Rust's `is_alphabetic` is a superset for
    /// a few marks and letter-numbers; identical on ASCII and common scripts.
    fn is_letter(ch: char) -> bool {
        ch.is_alphabetic()
    }

    /// Go's `unicode.IsDigit` (category Nd).
    fn is_digit(ch: char) -> bool {
        if ch.is_ascii() {
            ch.is_ascii_digit()
        } else {
            // Nd; Rust has no category test, and `is_numeric` also covers No (`²`).
            ch.is_numeric() && !ch.is_alphabetic()
        }
    }
}

mod pattern {
    //! `${V#p}`, `${V%p}`, `${V/p/r}`: the lexer turns a shell pattern into a Go regular
    //! expression (`*` → `.*?` or `.*`, `?` → `.`, escapes kept) and matches it with
    //! leftmost-first (Perl-like) priority. Matched here with a small backtracking
    //! matcher over the same priorities, memoised so it stays linear per start.

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Tok {
        Lit(char),
        Any,
        Star,
    }

    /// `convertShellPatternToRegex`, as tokens.
    fn compile(pattern: &str) -> Result<Vec<Tok>, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let tok = chars[i];
            i += 1;
            match tok {
                '*' => out.push(Tok::Star),
                '?' => out.push(Tok::Any),
                '\\' => {
                    if matches!(chars.get(i), Some('}') | Some('/')) {
                        continue;
                    }
                    match chars.get(i) {
                        Some(&c @ ('*' | '?' | '\\')) => {
                            out.push(Tok::Lit(c));
                            i += 1;
                        }
                        Some(&c) => return Err(format!("invalid escape '\\{c}'")),
                        None => return Err("invalid escape '\\%!c(int32=-1)'".into()),
                    }
                }
                c => out.push(Tok::Lit(c)),
            }
        }
        Ok(out)
    }

    /// The end of the match starting at `start`, chosen with the regex's priorities.
    fn match_at(toks: &[Tok], text: &[char], start: usize, greedy: bool) -> Option<usize> {
        let width = text.len() + 1;
        let mut memo: Vec<Option<Option<usize>>> = vec![None; (toks.len() + 1) * width];
        // Iterative evaluation from the last token backwards: best[t][s].
        for t in (0..=toks.len()).rev() {
            for s in (start..=text.len()).rev() {
                let value = if t == toks.len() {
                    Some(s)
                } else {
                    match toks[t] {
                        Tok::Lit(c) => {
                            if s < text.len() && text[s] == c {
                                memo[(t + 1) * width + s + 1].flatten()
                            } else {
                                None
                            }
                        }
                        Tok::Any => {
                            if s < text.len() && text[s] != '\n' {
                                memo[(t + 1) * width + s + 1].flatten()
                            } else {
                                None
                            }
                        }
                        Tok::Star => {
                            // `.` does not match a newline: the star can run to it.
                            let mut limit = s;
                            while limit < text.len() && text[limit] != '\n' {
                                limit += 1;
                            }
                            let candidates: Box<dyn Iterator<Item = usize>> =
                                if greedy { Box::new((s..=limit).rev()) } else { Box::new(s..=limit) };
                            let mut found = None;
                            for k in candidates {
                                if let Some(end) = memo[(t + 1) * width + k].flatten() {
                                    found = Some(end);
                                    break;
                                }
                            }
                            found
                        }
                    }
                };
                memo[t * width + s] = Some(value);
            }
        }
        memo[start].flatten()
    }

    pub fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
        let toks = compile(pattern).map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
        let text: Vec<char> = value.chars().collect();
        Ok(match match_at(&toks, &text, 0, greedy) {
            Some(end) => text[end..].iter().collect(),
            None => value.to_string(),
        })
    }

    /// Reverse a pattern keeping escapes before the char they escape.
    fn reverse_pattern(pattern: &str) -> String {
        let chars: Vec<char> = pattern.chars().collect();
        let mut out = vec!['\0'; chars.len()];
        let last = chars.len().saturating_sub(1);
        let mut i = 0;
        while i < chars.len() {
            let tok = chars[i];
            let out_idx = last - i;
            if tok == '\\' && i != last {
                out[out_idx - 1] = tok;
                out[out_idx] = chars[i + 1];
                i += 2;
            } else {
                out[out_idx] = tok;
                i += 1;
            }
        }
        out.into_iter().collect()
    }

    pub fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
        let reversed_pattern = reverse_pattern(pattern);
        let reversed: String = value.chars().rev().collect();
        let trimmed = trim_prefix(&reversed_pattern, &reversed, greedy).map_err(|_| {
            // The error names the reversed pattern, as Go's does.
            format!(
                "invalid pattern ({reversed_pattern}) in substitution: {}",
                compile(&reversed_pattern).err().unwrap_or_default()
            )
        })?;
        Ok(trimmed.chars().rev().collect())
    }

    pub fn replace(pattern: &str, value: &str, replacement: &str, all: bool) -> Result<String, String> {
        let toks = compile(pattern).map_err(|e| format!("invalid pattern ({pattern}) in substitution: {e}"))?;
        let text: Vec<char> = value.chars().collect();
        if !all {
            for start in 0..=text.len() {
                if let Some(end) = match_at(&toks, &text, start, true) {
                    let mut out: String = text[..start].iter().collect();
                    out.push_str(replacement);
                    out.extend(&text[end..]);
                    return Ok(out);
                }
            }
            return Ok(value.to_string());
        }
        // ReplaceAllString: successive non-overlapping matches; an empty match right
        // after a previous match is skipped; the replacement is a template.
        let mut out = String::new();
        let mut pos = 0;
        let mut last_match_end: Option<usize> = None;
        let mut copied = 0;
        while pos <= text.len() {
            match match_at(&toks, &text, pos, true) {
                Some(end) if !(end == pos && last_match_end == Some(pos)) => {
                    out.extend(&text[copied..pos]);
                    let matched: String = text[pos..end].iter().collect();
                    out.push_str(&expand_template(replacement, &matched));
                    copied = end;
                    last_match_end = Some(end);
                    pos = if end > pos { end } else { end + 1 };
                }
                _ => pos += 1,
            }
        }
        if copied <= text.len() {
            out.extend(&text[copied..]);
        }
        Ok(out)
    }

    /// Go's `Regexp.Expand` for a pattern without groups: `$0`/`${0}` is the match,
    /// `$$` a dollar, any other reference empty.
    fn expand_template(template: &str, whole: &str) -> String {
        let chars: Vec<char> = template.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        let is_name = |c: char| c.is_alphanumeric() || c == '_';
        while i < chars.len() {
            if chars[i] != '$' {
                out.push(chars[i]);
                i += 1;
                continue;
            }
            if chars.get(i + 1) == Some(&'$') {
                out.push('$');
                i += 2;
                continue;
            }
            let (name, next) = if chars.get(i + 1) == Some(&'{') {
                let close = chars[i + 2..].iter().position(|&c| c == '}').map(|p| p + i + 2);
                match close {
                    Some(end) if end > i + 2 && chars[i + 2..end].iter().all(|&c| is_name(c)) => {
                        (chars[i + 2..end].iter().collect::<String>(), end + 1)
                    }
                    _ => (String::new(), i + 1),
                }
            } else {
                let mut end = i + 1;
                while end < chars.len() && is_name(chars[end]) {
                    end += 1;
                }
                (chars[i + 1..end].iter().collect::<String>(), end)
            };
            if name.is_empty() {
                out.push('$');
                i += 1;
                continue;
            }
            if name == "0" {
                out.push_str(whole);
            }
            i = next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text_at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn words_and_flags_carry_file_spans() {
        let text = "FROM x\nRUN --mount=type=cache,target=/c \\\n  true\nVOLUME [\"/a\", \"/b\"]\nvolume /c \\\n  /d\n";
        let file = parse(text);
        assert_eq!(file.error, None);
        let run = &file.instructions[1];
        assert_eq!(run.flags[0].name, "mount");
        assert_eq!(text_at(text, run.flags[0].span), "--mount=type=cache,target=/c");
        assert_eq!(text_at(text, run.flags[0].value_span.unwrap()), "type=cache,target=/c");
        assert_eq!(run.arg_words()[0].text, "true");
        let json = &file.instructions[2];
        let words = json.arg_words();
        assert_eq!(words.iter().map(|w| text_at(text, w.span)).collect::<Vec<_>>(), ["\"/a\"", "\"/b\""]);
        let plain = &file.instructions[3];
        assert_eq!(text_at(text, plain.keyword_span), "volume");
        let words = plain.arg_words();
        assert_eq!(
            words.iter().map(|w| (w.text.as_str(), text_at(text, w.span))).collect::<Vec<_>>(),
            [("/c", "/c"), ("/d", "/d")]
        );
        assert_eq!((plain.start_line, plain.end_line), (5, 6));
    }

    #[test]
    fn heredoc_bodies_are_skipped() {
        let text = "FROM x\nRUN <<EOF\nVOLUME /not-an-instruction\nEOF\nVOLUME /a\n";
        let file = parse(text);
        assert_eq!(file.instructions.len(), 3);
        assert_eq!(file.instructions[1].heredocs[0].content, "VOLUME /not-an-instruction\n");
        let legacy = parse_with(text.as_bytes(), ParseOptions::LEGACY);
        assert_eq!(legacy.instructions.len(), 5);
        let unterminated = parse("FROM x\nRUN <<EOF\necho\n");
        assert_eq!(unterminated.error.unwrap().message, "unterminated heredoc");
    }

    #[test]
    fn directives_and_escape() {
        let file = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM x\nVOLUME C:\\data `\n  D:\\e\n");
        assert_eq!(file.escape, '`');
        assert_eq!(file.directives.len(), 2);
        let words = file.instructions[1].arg_words();
        assert_eq!(words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["C:\\data", "D:\\e"]);
        assert_eq!(
            parse("# escape=x\nFROM x\n").error.unwrap().message,
            "invalid escape token 'x' does not match ` or \\"
        );
        assert_eq!(parse("\n\n").error.unwrap().message, "file with no instructions");
    }

    #[test]
    fn onbuild_trigger_is_read_as_an_instruction() {
        let text = "FROM x\nONBUILD VOLUME [\"/ob\"]\n";
        let file = parse(text);
        let Args::Onbuild(child) = &file.instructions[1].args else { panic!("not onbuild") };
        assert_eq!(child.command(), "volume");
        assert_eq!(text_at(text, child.arg_words()[0].span), "\"/ob\"");
    }

    #[test]
    fn lexer_generations() {
        let env = |name: &str| (name == "P").then(|| "/srv/data".to_string());
        let new = shell::Lexer::default();
        assert_eq!(new.process_word("${P%/*}", &env).unwrap().value, "/srv");
        assert_eq!(new.process_word("${P##*/}", &env).unwrap().value, "data");
        assert_eq!(new.process_word("${P//a/o}", &env).unwrap().value, "/srv/doto");
        let old = shell::Lexer { gen: shell::LexerGen::V1, ..shell::Lexer::default() };
        assert_eq!(
            old.process_word("${P#/}", &env).unwrap_err(),
            "failed to process \"${P#/}\": missing ':' in substitution"
        );
    }

    proptest! {
        #[test]
        fn trimming_from_the_end_agrees_with_the_forward_walk(
            bytes in proptest::collection::vec(prop_oneof![
                Just(b' '), Just(b'\t'), Just(b'a'), Just(0x85u8), Just(0xA0u8), Just(0xC2u8), Just(0xE3u8), Just(0x80u8)
            ], 0..12)
        ) {
            prop_assert_eq!(trailing_trimmed_len(&bytes), forward_trimmed_len(&bytes));
        }

        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let file = parse_with(&bytes, ParseOptions::NEWEST);
            for ins in &file.instructions {
                prop_assert!(ins.span.start <= ins.span.end && ins.span.end <= bytes.len());
                for w in ins.arg_words() {
                    prop_assert!(w.span.start <= w.span.end && w.span.end <= bytes.len());
                }
            }
            let _ = parse_with(&bytes, ParseOptions::LEGACY);
        }

        #[test]
        fn spans_fall_on_char_boundaries(text in "[ A-Za-z/\\\\`\"'$#{}:?%\\[\\],=<-]{0,30}(\n[ A-Za-z/\\\\`\"'$#{}:?%\\[\\],=<-]{0,30}){0,6}") {
            let file = parse(&text);
            for ins in &file.instructions {
                prop_assert!(text.get(ins.span.start..ins.span.end).is_some());
                prop_assert!(text.get(ins.keyword_span.start..ins.keyword_span.end).is_some());
                for w in ins.arg_words() {
                    prop_assert!(text.get(w.span.start..w.span.end).is_some());
                }
                for f in &ins.flags {
                    prop_assert!(text.get(f.span.start..f.span.end).is_some());
                }
            }
            if let Some(err) = &file.error {
                prop_assert!(text.get(err.span.start..err.span.end).is_some());
            }
        }
    }
}
