//! A POSIX-shell word reader with byte spans, for `docker run` lines found in scripts,
//! READMEs, Makefiles and CI files.
//!
//! It does what the shell does to a command line *before* the program sees it, and no
//! more: quote removal (`'…'`, `"…"`, backslashes), line continuations, comments, and
//! the end of a command at an unquoted `;`, `&&`, `||`, `|`, `&`, newline or `)`.
//! Redirections (`> out`, `2>&1`, `< in`) are dropped from the words, as the shell does.
//! Expansions are never performed: `$VAR`, `${VAR:-x}`, `$(…)`, `` `…` `` and GitHub
//! Actions' `${{ … }}` stay in the word exactly as written and are reported as
//! [`VariableRef`]s, so a rule can say "this path depends on `$PWD`".
//!
//! Two leniencies for documentation snippets, which a real shell would reject or read
//! differently: a placeholder such as `<my SSL folder>` or `<PATH>` is word text (not a
//! redirection), and Makefile's `$$(…)` / `$${…}` are read as the `$(…)` / `${…}` that
//! make hands to the shell.
//!
//! bash's `$'…'` quoting is read with its backslash escapes (it is how `translate` writes a
//! value holding control characters); an escape of a single byte past ASCII (`\xff`) is
//! kept as written, since a word is UTF-8 text.
//!
//! Not read: bash's `$"…"` quoting (taken as a `$` and a quoted string), here-document bodies, and the quoting rules of `cmd.exe` and PowerShell (a Windows
//! line such as `-v c:\data:c:\app` loses its backslashes, exactly as in a POSIX shell).
//!
//! Every value byte keeps the offset of the source byte it came from ([`Word::offsets`]),
//! so a span found inside a flag value can be shown in the original text.
//!
//! The scanning is hand-written over bytes (ASCII decides every boundary) and copies
//! whole UTF-8 characters, so slices always fall on character boundaries.

use super::SyntaxError;
use crate::span::Span;

/// What kind of expansion a [`VariableRef`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpansionKind {
    /// `$VAR`, `${VAR}`, `${VAR:-default}`, `$1`, `$@`...
    Parameter,
    /// `$(command)` (also Makefile's `$(VAR)`, which has the same shape).
    Command,
    /// `` `command` ``
    Backticks,
    /// `$((1 + 2))`
    Arithmetic,
    /// GitHub Actions `${{ expression }}`, replaced before the shell runs.
    Expression,
}

/// A `$VAR` or `${VAR...}` reference found in a word: kept as written, never expanded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariableRef {
    /// The variable's name (`HOME` for `${HOME:-/x}`); for a command substitution,
    /// arithmetic or an Actions expression, the text inside, trimmed.
    pub name: String,
    /// The whole reference (`${HOME:-/x}`) in the source text.
    pub span: Span,
    pub kind: ExpansionKind,
}

/// One shell word after quote removal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The word as the program receives it (quotes removed, variables kept as written).
    pub value: String,
    /// The word in the source text, quotes included.
    pub span: Span,
    /// For each byte of `value` (and one past the end), its offset in the source text.
    pub offsets: Offsets,
    pub variables: Vec<VariableRef>,
}

/// For each byte of a word's value (and one past the end), its offset in the source
/// text, kept as runs of consecutive offsets: a 10 MB word written without quotes or
/// escapes is one run, where a plain list would take 80 MB.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offsets {
    /// `(index, offset)`: from value byte `index` on, offsets count up from `offset`
    /// until the next run. Indexes increase; a run never continues the one before it.
    runs: Vec<(usize, usize)>,
    len: usize,
}

impl Offsets {
    /// The offsets `start`, `start + 1`, ... for `len` bytes.
    fn consecutive(start: usize, len: usize) -> Offsets {
        let mut offsets = Offsets::default();
        offsets.extend(start, len);
        offsets
    }

    /// Appends `count` offsets counting up from `from`.
    fn extend(&mut self, from: usize, count: usize) {
        if count == 0 {
            return;
        }
        let continues = self.runs.last().is_some_and(|&(index, offset)| offset + (self.len - index) == from);
        if !continues {
            self.runs.push((self.len, from));
        }
        self.len += count;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The source offset of value byte `index`.
    pub fn get(&self, index: usize) -> Option<usize> {
        if index >= self.len {
            return None;
        }
        let run = self.runs.partition_point(|&(start, _)| start <= index).checked_sub(1)?;
        self.runs.get(run).map(|&(start, offset)| offset + (index - start))
    }

    pub fn first(&self) -> Option<usize> {
        self.get(0)
    }

    pub fn last(&self) -> Option<usize> {
        self.len.checked_sub(1).and_then(|last| self.get(last))
    }

    /// Every offset, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.runs.iter().enumerate().flat_map(move |(i, &(start, offset))| {
            let end = self.runs.get(i + 1).map_or(self.len, |&(next, _)| next);
            (0..end - start).map(move |k| offset + k)
        })
    }

    /// The offsets from value byte `from` on, re-indexed from 0.
    fn tail(&self, from: usize) -> Offsets {
        let mut tail = Offsets::default();
        let first = self.runs.partition_point(|&(start, _)| start <= from).saturating_sub(1);
        for (i, &(start, offset)) in self.runs.iter().enumerate().skip(first) {
            let end = self.runs.get(i + 1).map_or(self.len, |&(next, _)| next);
            let begin = start.max(from);
            if begin < end {
                tail.extend(offset + (begin - start), end - begin);
            }
        }
        tail
    }
}

impl<const N: usize> PartialEq<[usize; N]> for Offsets {
    fn eq(&self, other: &[usize; N]) -> bool {
        self.len == N && self.iter().eq(other.iter().copied())
    }
}

impl Word {
    /// A word that is its own source text (an argv string at `start`): no quotes, no
    /// variables, offsets one to one.
    pub fn plain(value: &str, start: usize) -> Word {
        Word {
            value: value.to_string(),
            span: Span::new(start, start + value.len()),
            offsets: Offsets::consecutive(start, value.len() + 1),
            variables: Vec::new(),
        }
    }

    /// Maps a span inside `value` to the source text.
    pub fn source_span(&self, within_value: Span) -> Span {
        let at = |i: usize| self.offsets.get(i).unwrap_or(self.span.end);
        if within_value.is_empty() {
            let start = at(within_value.start);
            return Span::new(start, start);
        }
        Span::new(at(within_value.start), at(within_value.end - 1) + 1)
    }

    /// The part of the word from value byte `from` on (the value of `--name=value` or of
    /// `-v/x:/y`), with its span starting right after the source of the byte before it,
    /// so that an opening quote (`--name="x y"`) belongs to the part.
    pub fn tail(&self, from: usize) -> Word {
        let from = from.min(self.value.len());
        let value = self.value.get(from..).unwrap_or("").to_string();
        let start = match from.checked_sub(1) {
            None => self.span.start,
            Some(before) => self.offsets.get(before).map_or(self.span.end, |at| at + 1),
        };
        let start = start.min(self.span.end);
        let mut offsets = self.offsets.tail(from);
        if offsets.is_empty() {
            offsets.extend(self.span.end, 1);
        }
        let variables = self.variables.iter().filter(|v| v.span.start >= start).cloned().collect();
        Word { value, span: Span::new(start, self.span.end), offsets, variables }
    }

    /// True when the whole word is one expansion (`$OPTS`, `"$@"`, `` `#x` ``,
    /// `$(FLAGS)`): its text after expansion cannot be known, not even how many words
    /// it becomes.
    pub fn is_single_expansion(&self) -> bool {
        match self.variables.as_slice() {
            [only] => self.offsets.first() == Some(only.span.start) && self.value.len() == only.span.len(),
            _ => false,
        }
    }
}

/// What ended a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminator {
    /// The end of the text.
    End,
    Newline,
    /// `;`
    Semicolon,
    /// `&&`
    And,
    /// `||`
    Or,
    /// `|`
    Pipe,
    /// `&`
    Background,
    /// `)` (the end of a subshell or of a `$(…)` being read)
    CloseParen,
}

/// One simple command: its words, where it is, and what ended it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellCommand {
    pub words: Vec<Word>,
    /// From the first to the last word (empty at `start` when there is no word).
    pub span: Span,
    pub terminator: Terminator,
    /// Where the next command starts (after the terminator).
    pub next: usize,
}

/// Reads the simple command that starts at byte `start` of `text`.
pub fn read_command(text: &str, start: usize) -> Result<ShellCommand, SyntaxError> {
    Lexer { text, bytes: text.as_bytes(), pos: start.min(text.len()) }.command()
}

/// Reads every command of `text`, in order.
pub fn read_commands(text: &str) -> Result<Vec<ShellCommand>, SyntaxError> {
    let mut commands = Vec::new();
    let mut pos = 0;
    loop {
        let command = read_command(text, pos)?;
        let done = command.terminator == Terminator::End || command.next <= pos;
        pos = command.next;
        commands.push(command);
        if done {
            return Ok(commands);
        }
    }
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

/// A word being built: the value and, for each value byte, its source offset.
struct Builder {
    value: String,
    offsets: Offsets,
    variables: Vec<VariableRef>,
}

impl Builder {
    fn new() -> Builder {
        Builder { value: String::new(), offsets: Offsets::default(), variables: Vec::new() }
    }

    fn push(&mut self, ch: char, at: usize) {
        self.offsets.extend(at, ch.len_utf8());
        self.value.push(ch);
    }

    fn push_verbatim(&mut self, text: &str, at: usize) {
        self.offsets.extend(at, text.len());
        self.value.push_str(text);
    }

    fn finish(mut self, span: Span) -> Word {
        let end = self.offsets.last().map_or(span.end, |last| last + 1);
        self.offsets.extend(end, 1);
        Word { value: self.value, span, offsets: self.offsets, variables: self.variables }
    }
}

/// A redirection operator at the current position: its length, fd digits included.
struct Redirect {
    len: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn starts_with(&self, at: usize, pattern: &str) -> bool {
        self.bytes.get(at..).is_some_and(|rest| rest.starts_with(pattern.as_bytes()))
    }

    /// The character at `at` (a whole UTF-8 character).
    fn char_at(&self, at: usize) -> Option<char> {
        self.text.get(at..).and_then(|rest| rest.chars().next())
    }

    /// Skips blanks and backslash-newline continuations between words.
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.pos += 1,
                Some(b'\r') if self.peek_at(self.pos + 1) != Some(b'\n') => self.pos += 1,
                Some(b'\\') => match self.continuation_len(self.pos) {
                    Some(len) => self.pos += len,
                    None => return,
                },
                _ => return,
            }
        }
    }

    /// The length of a backslash-newline (LF or CRLF) at `at`, if there is one.
    fn continuation_len(&self, at: usize) -> Option<usize> {
        if self.peek_at(at) != Some(b'\\') {
            return None;
        }
        match self.peek_at(at + 1) {
            Some(b'\n') => Some(2),
            Some(b'\r') if self.peek_at(at + 2) == Some(b'\n') => Some(3),
            _ => None,
        }
    }

    fn command(mut self) -> Result<ShellCommand, SyntaxError> {
        let mut words: Vec<Word> = Vec::new();
        let start = self.pos;
        loop {
            self.skip_blanks();
            let before = self.pos;
            let Some(byte) = self.peek() else {
                return Ok(self.done(words, start, Terminator::End, 0));
            };
            let terminator = match byte {
                b'\n' => Some((Terminator::Newline, 1)),
                b'\r' => Some((Terminator::Newline, 2)),
                b';' => Some((Terminator::Semicolon, 1)),
                b'&' if self.peek_at(self.pos + 1) == Some(b'&') => Some((Terminator::And, 2)),
                b'&' if self.peek_at(self.pos + 1) == Some(b'>') => None,
                b'&' => Some((Terminator::Background, 1)),
                b'|' if self.peek_at(self.pos + 1) == Some(b'|') => Some((Terminator::Or, 2)),
                b'|' => Some((Terminator::Pipe, 1)),
                b')' => Some((Terminator::CloseParen, 1)),
                _ => None,
            };
            if let Some((terminator, len)) = terminator {
                return Ok(self.done(words, start, terminator, len));
            }
            match byte {
                b'#' => {
                    // A comment runs to the end of the line; the newline still ends the command.
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                b'(' if words.is_empty() => self.pos += 1, // a subshell: read what is inside
                _ => {
                    if let Some(redirect) = self.redirect_at(self.pos) {
                        self.skip_redirect(redirect)?;
                    } else {
                        words.push(self.word()?);
                    }
                }
            }
            if self.pos == before {
                // Never expected; a guard so that no input can make the reader loop.
                self.pos += self.char_at(self.pos).map_or(1, char::len_utf8);
            }
        }
    }

    fn done(&mut self, words: Vec<Word>, start: usize, terminator: Terminator, len: usize) -> ShellCommand {
        let span = match (words.first(), words.last()) {
            (Some(first), Some(last)) => Span::new(first.span.start, last.span.end),
            _ => Span::new(start, start),
        };
        ShellCommand { words, span, terminator, next: (self.pos + len).min(self.text.len()) }
    }

    /// A redirection operator at `at`: optional fd digits, then `<`, `>` (with their
    /// `>>`, `>&`, `>|`, `<<`, `<<-`, `<<<`, `<&`, `<>` forms), or bash's `&>`, `&>>`.
    fn redirect_at(&self, at: usize) -> Option<Redirect> {
        let mut end = at;
        while self.peek_at(end).is_some_and(|b| b.is_ascii_digit()) {
            end += 1;
        }
        match self.peek_at(end) {
            Some(b'&') if end == at && self.peek_at(end + 1) == Some(b'>') => {
                end += 2;
                if self.peek_at(end) == Some(b'>') {
                    end += 1;
                }
            }
            Some(b'>') => {
                end += 1;
                if matches!(self.peek_at(end), Some(b'>' | b'&' | b'|')) {
                    end += 1;
                }
            }
            Some(b'<') => {
                if end == at && self.placeholder_end(at).is_some() {
                    return None;
                }
                end += 1;
                match self.peek_at(end) {
                    Some(b'<') => {
                        end += 1;
                        if matches!(self.peek_at(end), Some(b'<' | b'-')) {
                            end += 1;
                        }
                    }
                    Some(b'&' | b'>') => end += 1,
                    _ => {}
                }
            }
            _ => return None,
        }
        Some(Redirect { len: end - at })
    }

    /// Skips a redirection and its target word.
    fn skip_redirect(&mut self, redirect: Redirect) -> Result<(), SyntaxError> {
        let dup = self.peek_at(self.pos + redirect.len - 1) == Some(b'&');
        self.pos += redirect.len;
        if dup {
            // `>&2`, `<&-`: the target is written right after the operator.
            while self.peek().is_some_and(|b| b.is_ascii_digit() || b == b'-') {
                self.pos += 1;
            }
            if !self.peek().is_some_and(is_word_byte) {
                return Ok(());
            }
        }
        self.skip_blanks();
        match self.peek() {
            Some(b) if is_word_byte(b) && self.redirect_at(self.pos).is_none() => {
                self.word()?;
            }
            _ => {}
        }
        Ok(())
    }

    /// `<…>` at `at` read as a documentation placeholder (`<PATH>`, `<my SSL folder>`):
    /// the end of the placeholder. It must close on the same line, not start or end
    /// with a blank, and hold no shell punctuation.
    fn placeholder_end(&self, at: usize) -> Option<usize> {
        if self.peek_at(at) != Some(b'<') {
            return None;
        }
        let mut end = at + 1;
        let first = self.peek_at(end)?;
        if first.is_ascii_whitespace() || first == b'>' {
            return None;
        }
        loop {
            match self.peek_at(end)? {
                b'>' => break,
                b'\n' | b'\r' | b'<' | b'|' | b';' | b'&' | b'(' | b')' | b'\'' | b'"' | b'`' | b'$' | b'\\' => {
                    return None
                }
                _ => end += 1,
            }
        }
        if self.peek_at(end - 1).is_some_and(|b| b.is_ascii_whitespace()) {
            return None;
        }
        Some(end + 1)
    }

    /// Reads one word starting at the current position.
    fn word(&mut self) -> Result<Word, SyntaxError> {
        let start = self.pos;
        let mut word = Builder::new();
        while let Some(byte) = self.peek() {
            match byte {
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b')' => break,
                b'\r' => break,
                b'>' => break,
                b'<' => match self.placeholder_end(self.pos) {
                    Some(end) => {
                        word.push_verbatim(&self.text[self.pos..end], self.pos);
                        self.pos = end;
                    }
                    None => break,
                },
                b'\'' => self.single_quoted(&mut word)?,
                b'"' => self.double_quoted(&mut word)?,
                b'\\' => {
                    if let Some(len) = self.continuation_len(self.pos) {
                        self.pos += len;
                    } else if let Some(ch) = self.char_at(self.pos + 1) {
                        word.push(ch, self.pos + 1);
                        self.pos += 1 + ch.len_utf8();
                    } else {
                        // A backslash at the very end stays itself.
                        word.push('\\', self.pos);
                        self.pos += 1;
                    }
                }
                b'$' if self.peek_at(self.pos + 1) == Some(b'\'') => self.ansi_c_quoted(&mut word)?,
                b'$' | b'`' => self.expansion_or_dollar(&mut word)?,
                _ => {
                    let Some(ch) = self.char_at(self.pos) else {
                        break;
                    };
                    word.push(ch, self.pos);
                    self.pos += ch.len_utf8();
                }
            }
        }
        Ok(word.finish(Span::new(start, self.pos)))
    }

    fn single_quoted(&mut self, word: &mut Builder) -> Result<(), SyntaxError> {
        let open = self.pos;
        let Some(close) = self.text.get(open + 1..).and_then(|rest| rest.find('\'')) else {
            return Err(unclosed(open, self.text.len(), "single quote", "'"));
        };
        let inner_start = open + 1;
        let inner_end = inner_start + close;
        word.push_verbatim(&self.text[inner_start..inner_end], inner_start);
        self.pos = inner_end + 1;
        Ok(())
    }

    /// bash's `$'…'` at the current `$`: the text with its backslash escapes decoded.
    fn ansi_c_quoted(&mut self, word: &mut Builder) -> Result<(), SyntaxError> {
        let open = self.pos;
        let Some(close) = ansi_c_end(self.bytes, open + 1) else {
            return Err(unclosed(open, self.text.len(), "`$'` quote", "'"));
        };
        let mut at = open + 2;
        while at < close {
            if self.bytes[at] != b'\\' {
                let Some(ch) = self.char_at(at) else { break };
                word.push(ch, at);
                at += ch.len_utf8();
                continue;
            }
            let (decoded, len) = ansi_c_escape(&self.text[at..close]);
            match decoded {
                // bash ends the string at a NUL: the rest of it is dropped.
                Some('\0') => break,
                Some(ch) => word.push(ch, at),
                None => word.push_verbatim(&self.text[at..at + len], at),
            }
            at += len;
        }
        self.pos = close + 1;
        Ok(())
    }

    fn double_quoted(&mut self, word: &mut Builder) -> Result<(), SyntaxError> {
        let open = self.pos;
        self.pos += 1;
        loop {
            let Some(byte) = self.peek() else {
                return Err(unclosed(open, self.text.len(), "double quote", "\""));
            };
            match byte {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => {
                    if let Some(len) = self.continuation_len(self.pos) {
                        self.pos += len;
                    } else if let Some(next @ (b'$' | b'`' | b'"' | b'\\')) = self.peek_at(self.pos + 1) {
                        word.push(next as char, self.pos + 1);
                        self.pos += 2;
                    } else {
                        // Inside double quotes other backslashes are kept.
                        word.push('\\', self.pos);
                        self.pos += 1;
                    }
                }
                b'$' | b'`' => self.expansion_or_dollar(word)?,
                _ => {
                    let Some(ch) = self.char_at(self.pos) else {
                        return Err(unclosed(open, self.text.len(), "double quote", "\""));
                    };
                    word.push(ch, self.pos);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    /// At a `$` or a backquote: an expansion kept as written, or a plain `$`.
    fn expansion_or_dollar(&mut self, word: &mut Builder) -> Result<(), SyntaxError> {
        let start = self.pos;
        match self.expansion(start)? {
            Some((end, name, kind)) => {
                word.push_verbatim(&self.text[start..end], start);
                word.variables.push(VariableRef { name, span: Span::new(start, end), kind });
                self.pos = end;
            }
            None => {
                word.push('$', start);
                self.pos += 1;
            }
        }
        Ok(())
    }

    /// The expansion at `at`: its end, name and kind; `None` when the `$` is literal.
    fn expansion(&self, at: usize) -> Result<Option<(usize, String, ExpansionKind)>, SyntaxError> {
        if self.peek_at(at) == Some(b'`') {
            let end = self.backticks_end(at).ok_or_else(|| unclosed(at, self.text.len(), "backquote", "`"))?;
            let inner = self.text[at + 1..end - 1].trim().to_string();
            return Ok(Some((end, inner, ExpansionKind::Backticks)));
        }
        // Makefile's `$$(…)` and `$${…}` are what make turns into `$(…)` and `${…}`.
        let dollar_end = if self.starts_with(at, "$$(") || self.starts_with(at, "$${") { at + 2 } else { at + 1 };
        match self.peek_at(dollar_end) {
            Some(b'{') if self.peek_at(dollar_end + 1) == Some(b'{') => {
                let inner_start = dollar_end + 2;
                let Some(close) = self.text.get(inner_start..).and_then(|rest| rest.find("}}")) else {
                    return Err(unclosed(at, self.text.len(), "`${{` expression", "}}"));
                };
                let inner = self.text[inner_start..inner_start + close].trim().to_string();
                Ok(Some((inner_start + close + 2, inner, ExpansionKind::Expression)))
            }
            Some(b'{') => {
                let end = self
                    .balanced_end(dollar_end, b'{', b'}')
                    .ok_or_else(|| unclosed(at, self.text.len(), "`${`", "}"))?;
                let inner = &self.text[dollar_end + 1..end - 1];
                Ok(Some((end, parameter_name(inner.trim_start_matches(['#', '!'])), ExpansionKind::Parameter)))
            }
            Some(b'(') => {
                let end = self
                    .balanced_end(dollar_end, b'(', b')')
                    .ok_or_else(|| unclosed(at, self.text.len(), "`$(`", ")"))?;
                let inner = &self.text[dollar_end + 1..end - 1];
                let arithmetic = inner.starts_with('(') && inner.ends_with(')') && inner.len() >= 2;
                if arithmetic {
                    let inner = inner[1..inner.len() - 1].trim().to_string();
                    Ok(Some((end, inner, ExpansionKind::Arithmetic)))
                } else {
                    Ok(Some((end, inner.trim().to_string(), ExpansionKind::Command)))
                }
            }
            Some(b) if b == b'_' || b.is_ascii_alphabetic() => {
                let mut end = dollar_end;
                while self.peek_at(end).is_some_and(|b| b == b'_' || b.is_ascii_alphanumeric()) {
                    end += 1;
                }
                Ok(Some((end, self.text[dollar_end..end].to_string(), ExpansionKind::Parameter)))
            }
            Some(b) if b.is_ascii_digit() || b"?#@*!$-".contains(&b) => {
                Ok(Some((dollar_end + 1, (b as char).to_string(), ExpansionKind::Parameter)))
            }
            _ => Ok(None),
        }
    }

    /// The end (past the closing byte) of a bracketed expansion whose opening byte is at
    /// `open`, counting nesting and skipping quoted text and escaped bytes inside.
    fn balanced_end(&self, open: usize, open_byte: u8, close_byte: u8) -> Option<usize> {
        let mut depth = 0usize;
        let mut at = open;
        while let Some(byte) = self.peek_at(at) {
            match byte {
                b'\\' => at += 1,
                b'\'' if at > 0 && self.bytes[at - 1] == b'$' => at = ansi_c_end(self.bytes, at)?,
                b'\'' => at = open_quote_end(self.bytes, at, b'\'')?,
                b'"' => at = open_quote_end(self.bytes, at, b'"')?,
                b'`' => at = self.backticks_end(at)? - 1,
                b if b == open_byte => depth += 1,
                b if b == close_byte => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(at + 1);
                    }
                }
                _ => {}
            }
            at += 1;
        }
        None
    }

    /// The end (past the closing backquote) of backquotes opening at `open`.
    fn backticks_end(&self, open: usize) -> Option<usize> {
        let mut at = open + 1;
        while let Some(byte) = self.peek_at(at) {
            match byte {
                b'\\' => at += 2,
                b'`' => return Some(at + 1),
                _ => at += 1,
            }
        }
        None
    }
}

/// The position of the closing quote of a quoted string opening at `open` (inside an
/// expansion); double quotes honour backslashes.
fn open_quote_end(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut at = open + 1;
    while let Some(&byte) = bytes.get(at) {
        if byte == quote {
            return Some(at);
        }
        if byte == b'\\' && quote == b'"' {
            at += 1;
        }
        at += 1;
    }
    None
}

/// The position of the closing quote of a `$'…'` string whose opening quote is at `open`
/// (a backslash escapes the byte after it).
fn ansi_c_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut at = open + 1;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'\'' => return Some(at),
            b'\\' => at += 2,
            _ => at += 1,
        }
    }
    None
}

/// One escape of a `$'…'` string (`text` starts at its backslash): the character it
/// stands for (`None`: kept as written) and its length in bytes.
fn ansi_c_escape(text: &str) -> (Option<char>, usize) {
    let rest = &text[1..];
    let Some(first) = rest.chars().next() else { return (None, 1) };
    // The digits of a numeric escape: up to `max` of them, from byte `from` of `rest`.
    let digits = |from: usize, radix: u32, max: usize| -> (Option<u32>, usize) {
        let count = rest[from..].chars().take(max).take_while(|c| c.is_digit(radix)).count();
        (u32::from_str_radix(&rest[from..from + count], radix).ok(), count)
    };
    // A single byte: only ASCII is a character on its own.
    let byte = |value: Option<u32>| value.map(|v| v & 0xff).filter(|v| *v < 0x80).and_then(char::from_u32);
    match first {
        'a' => (Some('\x07'), 2),
        'b' => (Some('\x08'), 2),
        'e' | 'E' => (Some('\x1b'), 2),
        'f' => (Some('\x0c'), 2),
        'n' => (Some('\n'), 2),
        'r' => (Some('\r'), 2),
        't' => (Some('\t'), 2),
        'v' => (Some('\x0b'), 2),
        '\\' | '\'' | '"' | '?' => (Some(first), 2),
        '0'..='7' => {
            let (value, count) = digits(0, 8, 3);
            (byte(value), 1 + count)
        }
        'x' => match digits(1, 16, 2) {
            (_, 0) => (None, 2),
            (value, count) => (byte(value), 2 + count),
        },
        'u' | 'U' => match digits(1, 16, if first == 'u' { 4 } else { 8 }) {
            (_, 0) => (None, 2),
            (value, count) => (value.and_then(char::from_u32), 2 + count),
        },
        // `\cX`: the control character of X.
        'c' => match rest[1..].chars().next() {
            Some(x) if x.is_ascii() => (char::from_u32(x as u32 & 0x1f), 3),
            _ => (None, 2),
        },
        other => (None, 1 + other.len_utf8()),
    }
}

/// The name at the start of a `${…}` body: `VAR` of `VAR:-x`, or one special character.
fn parameter_name(body: &str) -> String {
    let name: String = body.chars().take_while(|c| *c == '_' || c.is_ascii_alphanumeric()).collect();
    if name.is_empty() {
        body.chars().next().map(String::from).unwrap_or_default()
    } else {
        name
    }
}

/// A byte that can start a word (anything but blanks and operators).
fn is_word_byte(byte: u8) -> bool {
    !matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b')' | b'<' | b'>')
}

fn unclosed(open: usize, end: usize, what: &str, closer: &str) -> SyntaxError {
    SyntaxError::new(format!("unclosed {what}"), Span::new(open, end))
        .with_hint(format!("close it with {closer}; a shell would keep reading the following lines as part of it"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        read_command(text, 0).unwrap().words.into_iter().map(|w| w.value).collect()
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn plain_words_and_spans() {
        let text = "  docker run  -v /a:/b img ";
        let command = read_command(text, 0).unwrap();
        let values: Vec<&str> = command.words.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(values, ["docker", "run", "-v", "/a:/b", "img"]);
        assert_eq!(at(text, command.words[3].span), "/a:/b");
        assert_eq!(command.words[3].offsets, [17, 18, 19, 20, 21, 22]);
        assert_eq!(at(text, command.span), "docker run  -v /a:/b img");
        assert_eq!(command.terminator, Terminator::End);
    }

    #[test]
    fn ansi_c_quotes_are_decoded() {
        assert_eq!(words(r"-v $'a\nb\u001d\'c'd"), ["-v", "a\nb\u{1d}'cd"]);
        assert_eq!(words(r"$'\t\x41\101\cA\e\q\xff'"), ["\tAA\u{1}\u{1b}\\q\\xff"]);
        // bash drops the rest of the string after a NUL, not the rest of the word.
        assert_eq!(words(r"$'a\0b'c"), ["ac"]);
        // Inside double quotes `$'` is a `$` and a quote.
        assert_eq!(words(r#""$'a'""#), ["$'a'"]);
        let text = r"-v $'/a\tb:/c' img";
        let word = &read_command(text, 0).unwrap().words[1];
        assert_eq!(at(text, word.span), r"$'/a\tb:/c'");
        // `:` maps to itself in the source, the tab to its escape.
        assert_eq!(word.offsets.get(4), Some(10));
        assert_eq!(word.offsets.get(2), Some(7));
        assert!(read_command("-v $'a\\'", 0).is_err());
    }

    #[test]
    fn quotes_are_removed_and_offsets_point_into_the_source() {
        let text = r#"-v "$PWD/a b":'/c d' x"y"z"#;
        let command = read_command(text, 0).unwrap();
        let word = &command.words[1];
        assert_eq!(word.value, "$PWD/a b:/c d");
        assert_eq!(at(text, word.span), r#""$PWD/a b":'/c d'"#);
        // `:` is the 9th value byte; in the source it follows the closing quote.
        assert_eq!(word.offsets.get(8), Some(13));
        assert_eq!(&text[13..14], ":");
        // The target `/c d` maps inside the single quotes.
        assert_eq!(at(text, word.source_span(Span::new(9, 13))), "/c d");
        assert_eq!(
            word.variables,
            [VariableRef { name: "PWD".into(), span: Span::new(4, 8), kind: ExpansionKind::Parameter }]
        );
        assert_eq!(command.words[2].value, "xyz");
        assert_eq!(word.offsets.last(), Some(19), "one past the last value byte");
    }

    #[test]
    fn backslashes() {
        assert_eq!(words(r"a\ b c\\d \$x"), ["a b", "c\\d", "$x"]);
        assert_eq!(words(r#""a\"b\$c\\d\e\`f""#), ["a\"b$c\\d\\e`f"]);
        assert_eq!(words("'a\\b'"), ["a\\b"]);
        assert_eq!(words("x\\"), ["x\\"]);
        // An escaped dollar is not a variable.
        assert!(read_command(r"\$HOME", 0).unwrap().words[0].variables.is_empty());
    }

    #[test]
    fn continuations_join_lines() {
        let text = "docker run \\\n  -v /a:/b \\\r\n  img\\\nx";
        let command = read_command(text, 0).unwrap();
        let values: Vec<&str> = command.words.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(values, ["docker", "run", "-v", "/a:/b", "imgx"]);
        let joined = &command.words[4];
        assert_eq!(at(text, joined.source_span(Span::new(3, 4))), "x");
        assert_eq!(words("\"a\\\nb\""), ["ab"]);
    }

    #[test]
    fn comments_and_command_ends() {
        let text = "docker run img # -v /x:/y\nnext";
        let command = read_command(text, 0).unwrap();
        assert_eq!(command.words.len(), 3);
        assert_eq!(command.terminator, Terminator::Newline);
        assert_eq!(&text[command.next..], "next");
        assert_eq!(words("a#b c"), ["a#b", "c"]);
        for (text, terminator) in [
            ("a; b", Terminator::Semicolon),
            ("a && b", Terminator::And),
            ("a || b", Terminator::Or),
            ("a | b", Terminator::Pipe),
            ("a & b", Terminator::Background),
            ("a) b", Terminator::CloseParen),
            ("a\r\nb", Terminator::Newline),
        ] {
            let command = read_command(text, 0).unwrap();
            assert_eq!(command.terminator, terminator, "{text:?}");
            assert_eq!(&text[command.next..].trim_start(), &"b");
        }
        let all = read_commands("cd x && docker run a; echo ok").unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].words[1].value, "run");
    }

    #[test]
    fn variables_are_kept_as_written() {
        let text = r#"${HOME:-/x}/a $(pwd):/b `id -u` "$((1 + 2))" $1 ${#ARR} $ x$"#;
        let command = read_command(text, 0).unwrap();
        let values: Vec<&str> = command.words.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(values, ["${HOME:-/x}/a", "$(pwd):/b", "`id -u`", "$((1 + 2))", "$1", "${#ARR}", "$", "x$"]);
        let refs: Vec<(&str, ExpansionKind, &str)> = command
            .words
            .iter()
            .flat_map(|w| &w.variables)
            .map(|v| (v.name.as_str(), v.kind, at(text, v.span)))
            .collect();
        assert_eq!(
            refs,
            [
                ("HOME", ExpansionKind::Parameter, "${HOME:-/x}"),
                ("pwd", ExpansionKind::Command, "$(pwd)"),
                ("id -u", ExpansionKind::Backticks, "`id -u`"),
                ("1 + 2", ExpansionKind::Arithmetic, "$((1 + 2))"),
                ("1", ExpansionKind::Parameter, "$1"),
                ("ARR", ExpansionKind::Parameter, "${#ARR}"),
            ]
        );
        assert!(command.words[2].is_single_expansion());
        assert!(!command.words[0].is_single_expansion());
    }

    #[test]
    fn nested_substitutions_and_quotes_inside_them() {
        let text = r#"-v "$(dirname "$(pwd)")/x:/y" $(echo ')') z"#;
        let values = words(text);
        assert_eq!(values, [r#"-v"#, r#"$(dirname "$(pwd)")/x:/y"#, "$(echo ')')", "z"]);
        // A `$)` inside a substitution is a literal dollar.
        assert_eq!(words("$(ls -qf name=^x$):/v a"), ["$(ls -qf name=^x$):/v", "a"]);
    }

    #[test]
    fn github_expressions_are_one_piece() {
        let text = "-v ${{ github.workspace }}/tests:/app ${{ env.X }}";
        let command = read_command(text, 0).unwrap();
        assert_eq!(command.words[1].value, "${{ github.workspace }}/tests:/app");
        let var = &command.words[1].variables[0];
        assert_eq!((var.name.as_str(), var.kind), ("github.workspace", ExpansionKind::Expression));
        assert_eq!(at(text, var.span), "${{ github.workspace }}");
        assert!(command.words[2].is_single_expansion());
    }

    #[test]
    fn makefile_double_dollars() {
        let text = "-u $$(id -u) -v $$(pwd):/w $(CURDIR)/x";
        let command = read_command(text, 0).unwrap();
        let values: Vec<&str> = command.words.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(values, ["-u", "$$(id -u)", "-v", "$$(pwd):/w", "$(CURDIR)/x"]);
        assert_eq!(command.words[1].variables[0].name, "id -u");
        assert_eq!(words("$$ x"), ["$$", "x"]);
    }

    #[test]
    fn redirections_are_dropped_and_placeholders_kept() {
        assert_eq!(words("img > out.txt 2>&1 < in"), ["img"]);
        assert_eq!(words("img >/dev/null 2>/dev/null &>log x"), ["img", "x"]);
        assert_eq!(words("a>b c"), ["a", "c"]);
        assert_eq!(words("cat <<EOF"), ["cat"]);
        assert_eq!(
            words("-v <my SSL folder>:/ssl -e N=<Common Name> img"),
            ["-v", "<my SSL folder>:/ssl", "-e", "N=<Common Name>", "img"]
        );
        assert_eq!(words("cmd <in >out"), ["cmd"]);
        assert_eq!(words("cmd < in"), ["cmd"]);
        assert_eq!(words("-p 8080:80 2> err"), ["-p", "8080:80"]);
    }

    #[test]
    fn unclosed_quotes_are_errors_with_a_span() {
        let error = read_command("docker run -v 'a:/b img", 0).unwrap_err();
        assert_eq!(error.message, "unclosed single quote");
        assert_eq!(error.span, Span::new(14, 23));
        assert!(error.hint.is_some());
        assert_eq!(read_command("a \"b", 0).unwrap_err().message, "unclosed double quote");
        assert_eq!(read_command("a $(b", 0).unwrap_err().message, "unclosed `$(`");
        assert_eq!(read_command("a ${b", 0).unwrap_err().message, "unclosed `${`");
        assert_eq!(read_command("a `b", 0).unwrap_err().message, "unclosed backquote");
        assert_eq!(read_command("a ${{ b }", 0).unwrap_err().message, "unclosed `${{` expression");
    }

    #[test]
    fn subshell_and_multibyte() {
        assert_eq!(words("( docker run x )"), ["docker", "run", "x"]);
        let text = "-v 'é:/ü' ñ";
        let command = read_command(text, 0).unwrap();
        assert_eq!(command.words[1].value, "é:/ü");
        assert_eq!(at(text, command.words[1].source_span(Span::new(0, 2))), "é");
        assert_eq!(command.words[2].value, "ñ");
    }

    #[test]
    fn tails_of_words() {
        let text = r#"--name="a b" -v/x:/y"#;
        let command = read_command(text, 0).unwrap();
        let tail = command.words[0].tail(7);
        assert_eq!(tail.value, "a b");
        assert_eq!(at(text, tail.span), "\"a b\"");
        assert_eq!(at(text, tail.source_span(Span::new(0, 1))), "a");
        let tail = command.words[1].tail(2);
        assert_eq!((tail.value.as_str(), at(text, tail.span)), ("/x:/y", "/x:/y"));
        let empty = command.words[1].tail(99);
        assert_eq!(empty.value, "");
        let plain = Word::plain("abc", 4);
        assert_eq!(plain.offsets, [4, 5, 6, 7]);
        assert_eq!(plain.tail(1).span, Span::new(5, 7));
    }
}
