//! From a file's text to the [`Document`] the rules look at: every storage item of the
//! file in the one mount model, with spans into the file, and Docker's verdicts.

use super::files::FileKind;
use super::ReadError;
use crate::explain::{model_of, place};
use crate::model::context::Platform;
use crate::model::engine::{self, FlagKind, RunInput, StorageFlag};
use crate::model::mount::{Field, Mount, MountKind, SyntaxKind};
use crate::model::verdict::DockerError;
use crate::model::{mount_flag, tmpfs_flag, volume_flag, Context};
use crate::rules::{ComposeFacts, Document, Expansion, ExpansionKind, FileError, Group, Item, Refuser, TextRange};
use crate::span::Span;
use crate::syntax::run_line::{find_commands, FlagUse, RunLine, Word};
use crate::syntax::shell::ExpansionKind as ShellExpansion;
use std::collections::{HashMap, HashSet};

/// Reads a text of the given kind that has no file name (a compose text is named
/// `compose.yaml` in compose's messages); what cannot be read is returned as errors.
pub fn build(text: &str, kind: FileKind, ctx: &Context) -> (Document, Vec<ReadError>) {
    build_file("compose.yaml", text, kind, ctx)
}

/// Reads a file of the given kind, named as compose's messages name it; what cannot be
/// read is returned as errors.
pub fn build_file(name: &str, text: &str, kind: FileKind, ctx: &Context) -> (Document, Vec<ReadError>) {
    let mut document = Document { text: text.to_string(), context: ctx.clone(), ..Document::default() };
    let mut errors = Vec::new();
    match kind {
        FileKind::Shell | FileKind::CiYaml => add_run_lines(&mut document, &mut errors, text, ctx, |_| true),
        FileKind::Markdown => {
            let blocks = code_blocks(text);
            add_run_lines(&mut document, &mut errors, text, ctx, |at| {
                blocks.iter().any(|b| b.start <= at && at < b.end)
            })
        }
        FileKind::Compose => add_compose(&mut document, &mut errors, name, text, ctx),
        FileKind::Dockerfile => add_dockerfile(&mut document, &mut errors, text, ctx),
    }
    (document, errors)
}

/// Adds the `docker run`/`create` lines of a text whose start `keep` accepts.
fn add_run_lines(
    document: &mut Document,
    errors: &mut Vec<ReadError>,
    text: &str,
    ctx: &Context,
    keep: impl Fn(usize) -> bool,
) {
    for found in find_commands(text) {
        match found {
            Ok(line) if keep(line.command_span.start) => add_run_line(document, &line, ctx),
            Ok(_) => {}
            Err(error) if keep(error.span.start) => {
                errors.push(ReadError { message: error.message, span: error.span, hint: error.hint })
            }
            Err(_) => {}
        }
    }
}

/// The values tried for one flag value's expansions.
struct Filled {
    /// The most plausible reading (see [`fillings`]).
    first: String,
    /// A reading Docker accepts, when the value alone is refused as first read.
    accepted: Option<String>,
}

/// One command line: a group of items.
pub fn add_run_line(document: &mut Document, line: &RunLine, ctx: &Context) {
    // The whole command's verdict first: its working memory (and its copy of the values)
    // is freed before the items are built.
    let (plain_verdict, volume_driver) = {
        let input = RunInput::from_line(line);
        (engine::predict_errors(&input, ctx), input.volume_driver)
    };
    let group = document.groups.len();
    let first_item = document.items.len();
    let text = document.text.as_str();
    let flags: Vec<(&FlagUse, &Word, FlagKind)> =
        line.flags.iter().filter_map(|f| Some((f, f.value.as_ref()?, FlagKind::of_flag(f.name)?))).collect();
    // Pushed straight into the document, with room for all: a line of 100,000 flags
    // makes 100,000 items, and a second copy of them would double the peak memory.
    document.items.reserve(flags.len());
    // The values tried for each flag value's expansions, by the value's span.
    let mut filled: HashMap<Span, Filled> = HashMap::new();
    for &(flag, word, kind) in &flags {
        let alone_error = |value: &str| {
            let alone = RunInput {
                flags: vec![StorageFlag { kind, value: value.to_string(), span: word.span }],
                volume_driver: volume_driver.clone(),
                ..RunInput::default()
            };
            engine::predict(&alone, ctx).error
        };
        let Some(mut mount) = model_of(kind, &word.value, ctx).map(|m| place(m, word)) else {
            continue;
        };
        let attached =
            text.get(flag.span.end..word.span.start).is_some_and(|between| !between.contains(char::is_whitespace));
        let word_span = if attached { Span::new(word_start(text, flag.span.start), word.span.end) } else { word.span };
        let expansions = expansions_of(text, word, !attached);
        let fillings = if expansions.is_empty() { Vec::new() } else { fillings(&word.value, &expansions) };
        // An expansion whose text holds the value's separator (`${SOCK:-/run/docker.sock}`
        // in a `-v` value) makes the literal reading split the value in the wrong places:
        // read it again with the expansion masked, and take Docker's verdict on the
        // expansions filled in. A placeholder with a separator (`[,src=<name>]`) is
        // documentation syntax: how it splits is unknown.
        let separators: &[char] = if kind == FlagKind::Mount { &[',', '"'] } else { &[':'] };
        let splits = |e: &Expansion| {
            word.value.get(e.value_span.start..e.value_span.end).is_some_and(|t| t.contains(separators))
        };
        let mut layout_known = !expansions.iter().any(|e| e.kind == ExpansionKind::Placeholder && splits(e));
        // Docker sees the shell's values, not `$PWD`: its verdict is the one on the most
        // plausible reading, in words that show the expansions as written.
        let docker_error = match fillings.first() {
            Some(first) => alone_error(first).map(|e| unmarked(e, &word.value, &expansions, false)),
            None => alone_error(&word.value),
        };
        if layout_known && expansions.iter().any(splits) {
            let masked = mask(&word.value, &expansions, |e| splits(e));
            match remodel(kind, &masked, word, ctx) {
                Some(again) => {
                    mount = again;
                }
                None => layout_known = false,
            }
        }
        // The container-wide `--volume-driver` drives every `-v` volume (not `--mount` ones).
        if mount.syntax == SyntaxKind::VolumeFlag && mount.kind == MountKind::Volume && !volume_driver.is_empty() {
            mount.rare.driver = Some(volume_driver.clone());
        }
        let source_in_text = mount
            .provenance
            .get(&Field::Source)
            .and_then(|span| source_in_value(word, *span, &mount))
            .and_then(TextRange::of);
        // Docker's error as written may be the shell's business: try values for the
        // expansions, and keep one that Docker accepts.
        let accepted =
            if docker_error.is_some() { fillings.iter().find(|value| alone_error(value).is_none()) } else { None };
        // With fields an expansion may split differently, no error as written is certain.
        let error_depends_on_expansions = accepted.is_some() || (docker_error.is_some() && !layout_known);
        if let Some(first) = fillings.first() {
            filled.insert(word.span, Filled { first: first.clone(), accepted: accepted.cloned() });
        }
        document.items.push(Item {
            mount,
            text: word.value.clone(),
            span: word.span,
            flag_span: Some(flag.span),
            word_span,
            source_in_text,
            expansions,
            layout_known,
            docker_error: docker_error.map(Box::new),
            error_depends_on_expansions,
            group,
        });
    }
    let items = &document.items[first_item..];
    // With expansions, Docker's verdict on the whole command is the one on the most
    // plausible reading; it depends on them when the values that make each item
    // acceptable make the command acceptable too.
    let filled_with = |pick: &dyn Fn(&Filled) -> String| {
        let mut input = RunInput::from_line(line);
        for flag in &mut input.flags {
            if let Some(filled) = filled.get(&flag.span) {
                flag.value = pick(filled);
            }
        }
        engine::predict_errors(&input, ctx)
    };
    let (verdict, error_depends_on_expansions) = if filled.is_empty() {
        (plain_verdict, false)
    } else {
        let mut first = filled_with(&|f| f.first.clone());
        let best = filled_with(&|f| f.accepted.clone().unwrap_or_else(|| f.first.clone()));
        // A value whose fields an expansion may split otherwise leaves the verdict open.
        let unknown_layout = items.iter().any(|i| !i.layout_known);
        let depends = unknown_layout
            || (first.error.is_some() && best.error.is_none())
            || (first.start_error.is_some() && best.error.is_none() && best.start_error.is_none());
        let all: Vec<Expansion> = items.iter().flat_map(|i| i.expansions.iter().cloned()).collect();
        let unmark = |e: DockerError| unmarked(e, text, &all, true);
        first.error = first.error.map(unmark);
        first.start_error = first.start_error.map(unmark);
        (first, depends)
    };
    let use_api_socket = line
        .flags_named("use-api-socket")
        .last()
        .filter(|flag| flag.bool_value() == Some(true))
        .map(|flag| flag.value.as_ref().map_or(flag.span, |v| Span::new(flag.span.start, v.span.end)));
    let for_windows = ctx.platform == Platform::Linux && written_for_windows(text, line, items);
    let end = items.iter().map(|i| i.span.end).max().unwrap_or(line.command_span.end);
    document.groups.push(Group {
        span: Span::new(line.command_span.start, end.max(line.command_span.end)),
        verdict,
        error_depends_on_expansions,
        auto_remove: line.is_set("rm"),
        use_api_socket,
        for_windows,
    });
}

/// The value with the chosen expansions replaced by filler of the same length (`/xxx…`
/// for a path, `xxx…` otherwise), so that the model's spans stay right.
fn mask(value: &str, expansions: &[Expansion], chosen: impl Fn(&Expansion) -> bool) -> String {
    let mut out = value.to_string();
    for expansion in expansions.iter().filter(|e| chosen(e)) {
        let span = expansion.value_span;
        if out.get(span.start..span.end).is_none() || span.is_empty() {
            continue;
        }
        let path = expansion.is_absolute_path() || expansion.kind == ExpansionKind::Tilde;
        let filler: String = (0..span.len()).map(|i| if i == 0 && path { '/' } else { 'x' }).collect();
        out.replace_range(span.start..span.end, &filler);
    }
    out
}

/// The model of a masked value, with its texts (source, target, mode) taken back from the
/// value as written and its spans placed in the document.
fn remodel(kind: FlagKind, masked: &str, word: &Word, ctx: &Context) -> Option<Mount> {
    let mut mount = match kind {
        FlagKind::Volume => volume_flag::to_model(masked, ctx),
        FlagKind::Mount => mount_flag::to_model(masked, ctx),
        FlagKind::Tmpfs => tmpfs_flag::to_model(masked, ctx),
    }?;
    let written = |field: Field| -> Option<String> {
        let span = mount.provenance.get(&field)?;
        let text = word.value.get(span.start..span.end)?;
        let text = if kind == FlagKind::Mount { text.split_once('=')?.1 } else { text };
        Some(text.to_string())
    };
    if let Some(target) = written(Field::Target) {
        mount.target = target;
    }
    if let Some(source) = written(Field::Source).filter(|_| mount.source.is_some()) {
        // A `.` source made absolute keeps the CLI's reading.
        if !source.starts_with('.') {
            mount.source = Some(source);
        }
    }
    if let Some(mode) = written(Field::Mode).filter(|_| mount.mode.is_some()) {
        mount.mode = Some(mode);
    }
    mount.span = word.span;
    for span in mount.provenance.values_mut() {
        *span = word.source_span(*span);
    }
    Some(mount)
}

/// Where the shell word holding byte `at` starts (a flag glued to its value).
fn word_start(text: &str, at: usize) -> usize {
    let before = text.get(..at).unwrap_or("");
    before.rfind(char::is_whitespace).map_or(0, |i| i + 1)
}

/// The range of a word's value that a span of the document covers.
fn value_range(word: &Word, span: Span) -> Option<Span> {
    // Source offsets grow with the value's bytes: search the two edges.
    let offset = |i: usize| word.offsets.get(i).unwrap_or(usize::MAX);
    let bytes = word.value.len();
    let first_at_or_after = |limit: usize| {
        let (mut low, mut high) = (0, bytes);
        while low < high {
            let mid = low + (high - low) / 2;
            if offset(mid) < limit {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    };
    let start = first_at_or_after(span.start);
    let end = first_at_or_after(span.end);
    (start < end).then_some(Span::new(start, end))
}

/// The source exactly as written, as a range of the value: for `-v` the source field; for
/// `--mount` the value of the `src=` field (a CSV-quoted field is unquoted first).
fn source_in_value(word: &Word, span: Span, mount: &crate::model::mount::Mount) -> Option<Span> {
    let range = value_range(word, span)?;
    if mount.syntax != SyntaxKind::MountFlag {
        return Some(range);
    }
    let field = word.value.get(range.start..range.end)?;
    let (quoted, inner, offset) = match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => (true, inner, range.start + 1),
        None => (false, field, range.start),
    };
    if quoted && inner.contains('"') {
        return None;
    }
    let equals = inner.find('=')?;
    Some(Span::new(offset + equals + 1, offset + inner.len()))
}

/// How many expansions of one value are tried with every candidate (the others get a
/// guess from their position).
const TRIED: usize = 3;

/// What an unknown expansion is tried as: a path, a name part, a mode.
const CANDIDATES: [&str; 3] = ["/x", "xx", "rw"];

/// The stand-in for the expansion at byte `at` of the document in the first filling:
/// recognisable in Docker's messages, so that they can show the expansion as written.
fn marker(at: usize, path: bool) -> String {
    if path {
        format!("/dockmount{at}x")
    } else {
        format!("dockmount{at}x")
    }
}

/// Values for a flag value's expansions, to see whether Docker's error depends on them.
/// The first is the most plausible reading: each default, or a [`marker`] that is a path
/// where a path is expected (`~`, `$HOME`, `$PWD`, `$(pwd)`, the start of a field) and a
/// name part elsewhere. Then every mix of [`CANDIDATES`] for the first [`TRIED`]
/// expansions, with home and working directories always absolute paths.
fn fillings(value: &str, expansions: &[Expansion]) -> Vec<String> {
    let guess = |_: usize, expansion: &Expansion| {
        let at = expansion.value_span.start;
        let starts_field = at == 0 || matches!(value.as_bytes().get(at - 1), Some(b':' | b'=' | b','));
        let path = starts_field || expansion.kind == ExpansionKind::Tilde || expansion.is_absolute_path();
        expansion.default.clone().unwrap_or_else(|| marker(expansion.span.start, path))
    };
    let mut out = vec![substitute(value, expansions, guess)];
    let tried = expansions.len().min(TRIED);
    for mut combination in 0..CANDIDATES.len().pow(tried as u32) {
        let mut choice = [0usize; TRIED];
        for slot in choice.iter_mut().take(tried) {
            *slot = combination % CANDIDATES.len();
            combination /= CANDIDATES.len();
        }
        out.push(substitute(value, expansions, |i, e| {
            if e.kind == ExpansionKind::Tilde || e.is_absolute_path() {
                return "/home/user/project".to_string();
            }
            match choice.get(i).filter(|_| i < tried) {
                Some(&c) => CANDIDATES.get(c).copied().unwrap_or("xx").to_string(),
                None => guess(i, e),
            }
        }));
    }
    out
}

/// Docker's message about the first filling, with each marker shown as the expansion was
/// written (`create $PWD/x: ...`), taken from the value (or, `in_document`, from the
/// document's text).
fn unmarked(mut error: DockerError, text: &str, expansions: &[Expansion], in_document: bool) -> DockerError {
    for expansion in expansions {
        let span = if in_document { expansion.span } else { expansion.value_span };
        let written = text.get(span.start..span.end).unwrap_or("");
        let at = expansion.span.start;
        error.message = error.message.replace(&marker(at, true), written).replace(&marker(at, false), written);
    }
    error
}

/// The value with each expansion replaced by `choose(index, expansion)`.
fn substitute(value: &str, expansions: &[Expansion], choose: impl Fn(usize, &Expansion) -> String) -> String {
    let mut out = String::with_capacity(value.len());
    let mut at = 0;
    for (index, expansion) in expansions.iter().enumerate() {
        let span = expansion.value_span;
        if span.start < at {
            continue;
        }
        out.push_str(value.get(at..span.start).unwrap_or(""));
        out.push_str(&choose(index, expansion));
        at = span.end;
    }
    out.push_str(value.get(at..).unwrap_or(""));
    out
}

/// The shell expansions and documentation placeholders of a flag value.
/// `own_word`: the value is a shell word of its own (not glued to its flag), so a leading
/// `~` is the start of a word.
fn expansions_of(text: &str, word: &Word, own_word: bool) -> Vec<Expansion> {
    let mut found = Vec::new();
    for variable in &word.variables {
        let Some(value_span) = value_range(word, variable.span) else {
            continue;
        };
        let written = text.get(variable.span.start..variable.span.end).unwrap_or("");
        let kind = match variable.kind {
            ShellExpansion::Parameter => ExpansionKind::Parameter,
            _ => ExpansionKind::Command,
        };
        let default = if kind == ExpansionKind::Parameter { parameter_default(written) } else { None };
        found.push(Expansion {
            kind,
            name: variable.name.clone(),
            default,
            bash_only: false,
            span: variable.span,
            value_span,
        });
    }
    if let Some(tilde) = tilde_of(word, own_word) {
        found.push(tilde);
    }
    for (start, end) in placeholders(&word.value) {
        if found.iter().any(|e| e.value_span.start < end && start < e.value_span.end) {
            continue;
        }
        let span = word.source_span(Span::new(start, end));
        let name = word.value.get(start..end).unwrap_or("").to_string();
        found.push(Expansion {
            kind: ExpansionKind::Placeholder,
            name,
            default: None,
            bash_only: false,
            span,
            value_span: Span::new(start, end),
        });
    }
    found.sort_by_key(|e| e.value_span.start);
    found
}

/// `${NAME:-default}` (also `-`, `:=`, `=`): the default as written.
fn parameter_default(written: &str) -> Option<String> {
    let inner = written.strip_prefix("${")?.strip_suffix('}')?;
    let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
    let rest = inner.get(name_end..)?;
    ["-", "=", ":-", ":="].iter().rev().find_map(|op| rest.strip_prefix(op)).map(str::to_string)
}

/// A `~` the shell replaces: at the start of a word, unquoted; or (bash only) right after
/// the first `=` of a word that looks like an assignment (`src=~/x,dst=/y`). The
/// `~prefix` ends at the first `/` or `:` and must be empty or a user name.
fn tilde_of(word: &Word, own_word: bool) -> Option<Expansion> {
    if !own_word {
        return None;
    }
    let value = word.value.as_str();
    let unquoted_up_to = |end: usize| (0..=end).all(|i| word.offsets.get(i) == Some(word.span.start + i));
    let (at, bash_only) = if value.starts_with('~') {
        (0, false)
    } else {
        let equals = value.find('=')?;
        let name = &value[..equals];
        let is_name = name.chars().next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
            && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
        if !is_name || value.as_bytes().get(equals + 1) != Some(&b'~') {
            return None;
        }
        (equals + 1, true)
    };
    if !unquoted_up_to(at) {
        return None;
    }
    let rest = &value[at + 1..];
    let user_end = rest.find(['/', ':']).unwrap_or(rest.len());
    let user = &rest[..user_end];
    if !user.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        return None;
    }
    let value_span = Span::new(at, at + 1 + user_end);
    Some(Expansion {
        kind: ExpansionKind::Tilde,
        name: user.to_string(),
        default: None,
        bash_only,
        span: word.source_span(value_span),
        value_span,
    })
}

/// Documentation placeholders in a value: `<path to data>`, `%%IMAGE%%`, `%VAR%` (cmd.exe),
/// `[PATH]`, `{{ .Dir }}`, `...`, and a `$(VAR)` or `${VAR}` the shell leaves alone (a Makefile's).
/// Byte ranges of the value.
fn placeholders(value: &str) -> Vec<(usize, usize)> {
    let bytes = value.as_bytes();
    let mut found = Vec::new();
    // One finder per kind of pair, so that `$($($(…)))` 100,000 deep stays linear.
    let mut dollar_paren = PairFinder::new("$(", ")");
    let mut dollar_brace = PairFinder::new("${", "}");
    let mut angle = PairFinder::new("<", ">");
    let mut bracket = PairFinder::new("[", "]");
    let mut braces = PairFinder::new("{{", "}}");
    let mut percents = PairFinder::new("%%", "%%");
    let mut percent = PairFinder::new("%", "%");
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            // `$(VAR)` and `${VAR}` the shell does not expand (inside single quotes): a
            // Makefile or CI template replaces them before any shell runs.
            b'$' if value[i..].starts_with("$(") => dollar_paren.close(value, i),
            b'$' if value[i..].starts_with("${") => dollar_brace.close(value, i),
            b'<' => angle.close(value, i),
            // A documentation ellipsis: `-v ...`, `/data...`.
            b'.' if value[i..].starts_with("...") => Some(i + value[i..].find(|c| c != '.').unwrap_or(value.len() - i)),
            b'[' => bracket.close(value, i),
            b'{' if value[i..].starts_with("{{") => braces.close(value, i),
            b'%' if value[i..].starts_with("%%") => percents.close(value, i),
            b'%' => percent.close(value, i).filter(|&end| {
                let name = &value[i + 1..end - 1];
                name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
            }),
            _ => None,
        };
        match end {
            Some(end) => {
                found.push((i, end));
                i = end;
            }
            None => i += 1,
        }
    }
    found
}

/// Finds, for an opening delimiter at some byte, the end of the innermost pair it starts:
/// the first closing delimiter after it, with no opening one between. Positions only move
/// forward, so the last closing delimiter found (and the last opening one before it) is
/// remembered and a whole scan costs time linear in the value.
struct PairFinder {
    open: &'static str,
    close: &'static str,
    /// Where the last search started, and what it found.
    cached: Option<(usize, Option<Closing>)>,
}

/// A closing delimiter found, and the start of the last opening delimiter that ends before it.
type Closing = (usize, Option<usize>);

impl PairFinder {
    fn new(open: &'static str, close: &'static str) -> Self {
        PairFinder { open, close, cached: None }
    }

    /// The end (exclusive) of the pair opened at `at`, if it closes with something between.
    fn close(&mut self, value: &str, at: usize) -> Option<usize> {
        let inner_start = at + self.open.len();
        let found = match self.cached {
            // Nothing closes after an earlier start, or the same closing delimiter is the
            // first after this one too.
            Some((searched_from, None)) if searched_from <= inner_start => None,
            Some((searched_from, Some(found))) if searched_from <= inner_start && inner_start <= found.0 => Some(found),
            _ => {
                let found = value.get(inner_start..).and_then(|rest| rest.find(self.close)).map(|offset| {
                    let close_at = inner_start + offset;
                    (close_at, value[..close_at].rfind(self.open))
                });
                self.cached = Some((inner_start, found));
                found
            }
        };
        let (close_at, last_open) = found?;
        let nested = last_open.is_some_and(|open_at| open_at >= inner_start);
        (close_at > inner_start && !nested).then_some(close_at + self.close.len())
    }
}

/// Whether a command line is written for Windows (cmd.exe, PowerShell, a Windows daemon):
/// a backslash path, a drive-letter path followed by another field, `%VAR%`, or a Windows
/// base image.
fn written_for_windows(text: &str, line: &RunLine, items: &[Item]) -> bool {
    let image = line.image.as_ref().map(|w| w.value.to_ascii_lowercase()).unwrap_or_default();
    if ["windows", "nanoserver", "servercore"].iter().any(|w| image.contains(w)) {
        return true;
    }
    items.iter().any(|item| {
        let raw = text.get(item.word_span.start..item.word_span.end).unwrap_or("");
        let backslash_path = raw
            .as_bytes()
            .windows(2)
            .any(|w| w[0] == b'\\' && (w[1].is_ascii_alphanumeric() || matches!(w[1], b'.' | b'\\')));
        let cmd_variable = item
            .expansions
            .iter()
            .any(|e| e.kind == ExpansionKind::Placeholder && e.name.starts_with('%') && !e.name.starts_with("%%"));
        backslash_path || cmd_variable || has_drive_field(&item.text)
    })
}

/// A field that starts with a drive letter (`C:/x`, `c:\x`, `C:$(pwd)`) followed by another
/// field, or a later field that does (`data:C:/data`).
fn has_drive_field(value: &str) -> bool {
    let drive_at = |at: usize| {
        let bytes = value.as_bytes();
        bytes.get(at).is_some_and(u8::is_ascii_alphabetic)
            && bytes.get(at + 1) == Some(&b':')
            && matches!(bytes.get(at + 2), Some(b'/' | b'\\' | b'$') | None)
    };
    if drive_at(0) && value.get(3..).is_some_and(|rest| rest.contains(':')) {
        return true;
    }
    value.match_indices(':').any(|(at, _)| at > 0 && drive_at(at + 1))
}

/// How to load compose files, besides their text.
#[derive(Clone, Debug, Default)]
pub struct ComposeInputs {
    /// `--project-directory`: where relative paths and `.env` are taken from.
    pub project_dir: String,
    /// Use this process's environment, as `docker compose` does; lint leaves it out so that
    /// its answer does not depend on who runs it.
    pub process_env: bool,
    /// `--env-file` (default: `.env` in the project directory, when it exists).
    pub env_file: Option<String>,
    /// Variables set explicitly (`--env KEY=VALUE`), over everything else.
    pub overrides: std::collections::BTreeMap<String, String>,
}

/// Loads compose files (merged in order, as `-f a.yaml -f b.yaml`) the way `docker compose`
/// would; `files` are (name, text) pairs.
pub fn load_compose(files: &[(String, String)], inputs: &ComposeInputs) -> crate::model::compose::ComposeProject {
    use crate::model::compose::{load, LoadOptions};
    let env_path =
        inputs.env_file.clone().unwrap_or_else(|| format!("{}/.env", inputs.project_dir.trim_end_matches('/')));
    let env_file = std::fs::read_to_string(&env_path).ok().map(|text| (env_path, text));
    let env = if inputs.process_env { std::env::vars().collect() } else { Default::default() };
    let options = LoadOptions {
        project_dir: Some(inputs.project_dir.clone()),
        env,
        env_file,
        overrides: inputs.overrides.clone(),
        cwd: inputs.project_dir.clone(),
        ..LoadOptions::default()
    };
    load(files, &options)
}

/// A compose file: one group per service.
///
/// Compose refuses a file on its first error, and which errors are read errors here
/// follows what stops the reading: a file whose YAML, interpolation, merge, list
/// entries, schema or canonical form fail gives no trustworthy model, so those errors
/// are read errors. Validation, path resolution, decoding and consistency errors come
/// after the model is built: they are the file's refusals ([`FileError`]), which the rules
/// explain (`undefined-volume`, `duplicate-target`...) or `docker-rejects` reports with
/// compose's text.
fn add_compose(document: &mut Document, errors: &mut Vec<ReadError>, name: &str, text: &str, ctx: &Context) {
    use crate::model::compose::ComposeStage;
    let inputs = ComposeInputs { project_dir: ctx.cwd.clone(), ..ComposeInputs::default() };
    let project = load_compose(&[(name.to_string(), text.to_string())], &inputs);
    let unset_variables = unset_variables(&project);
    for error in &project.errors {
        let span = error.span.unwrap_or_default();
        // A value that uses a variable the file expects from its environment (`.env`)
        // is judged on an empty string: compose's verdict is not the file's.
        if crate::rules::uses_variable(text.get(span.start..span.end).unwrap_or(""), &unset_variables)
            || unset_variables.iter().any(|name| error.message.contains(&format!("required variable {name} ")))
        {
            continue;
        }
        let stops_reading = matches!(
            error.stage,
            ComposeStage::Yaml
                | ComposeStage::Interpolate
                | ComposeStage::Merge
                | ComposeStage::Unicity
                | ComposeStage::Schema
                | ComposeStage::Transform
                | ComposeStage::Project
        );
        if stops_reading {
            errors.push(ReadError { message: error.message.clone(), span, hint: None });
        } else {
            document.file_errors.push(FileError { refuser: Refuser::Compose, message: error.message.clone(), span });
        }
    }
    let explanation = crate::explain::explain_compose(&project, &[text], ctx);
    for (service, explained) in project.services.iter().zip(explanation.services) {
        let group = document.groups.len();
        let mut whole = Group::plain(service.span, explained.engine);
        whole.for_windows = ctx.platform == Platform::Linux && service_for_windows(service, &explained.items);
        document.groups.push(whole);
        document.items.reserve(explained.items.len());
        for item in explained.items {
            let Some(mount) = item.mount else {
                continue;
            };
            let mut written = Item::written(mount, item.text, item.span, None, group);
            // Read with an empty string for a variable the file expects from its
            // environment: no field of it is what compose would get.
            if crate::rules::uses_variable(&written.text, &unset_variables) {
                written.layout_known = false;
                written.error_depends_on_expansions = true;
                if let Some(group) = document.groups.last_mut() {
                    group.error_depends_on_expansions = true;
                }
            }
            document.items.push(written);
        }
    }
    // `extends:` and `include:` are not followed: what they bring is missing here.
    let extends = project.warnings.iter().any(|w| w.message.starts_with("extends:"));
    let include = project.warnings.iter().any(|w| w.message.starts_with("include:"));
    // A service without `image`, or references to networks or services the file does
    // not declare: the file is a piece of a project made of several files.
    let refers_elsewhere = project.errors.iter().any(|e| {
        ["has neither an image nor a build context", " refers to undefined network ", " depends on undefined service "]
            .iter()
            .any(|m| e.message.contains(m))
    });
    let partial = extends || include || refers_elsewhere || platform_template(text);
    document.compose = Some(Box::new(ComposeFacts { project, partial, override_file: extends, unset_variables }));
}

/// The variables compose found unset (read as empty strings) or missing (`${X:?}`).
fn unset_variables(project: &crate::model::compose::ComposeProject) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for warning in &project.warnings {
        if let Some(rest) = warning.message.strip_prefix("The \"") {
            if let Some((name, _)) = rest.split_once("\" variable is not set") {
                names.insert(name.to_string());
            }
        }
    }
    for error in &project.errors {
        if let Some((_, rest)) = error.message.split_once("required variable ") {
            if let Some((name, _)) = rest.split_once(" is missing a value") {
                names.insert(name.to_string());
            }
        }
    }
    names
}

/// A template of a deployment platform rather than a compose file for `docker compose`:
/// Coolify's templates (its `SERVICE_URL_*`, `SERVICE_FQDN_*`, `SERVICE_PASSWORD_*` magic
/// variables) leave the volume declarations to Coolify.
fn platform_template(text: &str) -> bool {
    ["SERVICE_URL_", "SERVICE_FQDN_", "SERVICE_PASSWORD_", "SERVICE_USER_"].iter().any(|magic| text.contains(magic))
}

/// A compose service written for Windows containers: a named pipe mount, a drive-letter
/// path, a backslash path.
fn service_for_windows(service: &crate::model::compose::Service, items: &[crate::explain::Item]) -> bool {
    let npipe = service.mounts.iter().any(|m| m.mount.kind == MountKind::Other("npipe".into()));
    npipe || items.iter().any(|item| has_drive_field(&item.text) || item.text.contains('\\'))
}

/// A Dockerfile: its image volumes and build mounts, one group for the file.
///
/// The builder's errors are sorted the same way as compose's: an error about a `VOLUME`
/// instruction (no argument, an empty path, a JSON array of non-strings, a word that
/// does not expand) is a refusal of that storage item ([`FileError`], reported by the rule
/// that explains it or by `docker-rejects` with the builder's text), and so is a bad
/// `RUN --mount` value (its item carries it). Any other builder error (an unknown
/// instruction, a bad `FROM`...) stops the build before storage matters, and is a read
/// error: the file is not a Dockerfile this builder reads.
fn add_dockerfile(document: &mut Document, errors: &mut Vec<ReadError>, text: &str, ctx: &Context) {
    use crate::model::dockerfile::{analyse_one, default_builder, BuildOptions};
    // The default builder's reading, as `analyse` gives it, without the other builder's:
    // lint reports neither what the other builder would do nor where the two differ.
    let mut analysis = analyse_one(text.as_bytes(), ctx, &BuildOptions::default(), default_builder(ctx));
    // Which errors are a build mount's own, and where the `VOLUME` instructions are: looked
    // up once per error, not by a scan of every instruction (100,000 of them).
    let mut build_mount_error_spans: Vec<Span> = Vec::new();
    let mut build_mount_errors: HashSet<&str> = HashSet::new();
    for build in &analysis.build_mounts {
        if let Some(error) = &build.error {
            build_mount_error_spans.push(build.span);
            build_mount_errors.insert(&error.display);
        }
    }
    build_mount_error_spans.sort_unstable();
    let mut volume_spans: Vec<Span> = analysis.volumes.iter().map(|v| v.span).collect();
    volume_spans.sort_unstable();
    for error in &analysis.errors {
        let of_build_mount = build_mount_errors.contains(error.display.as_str())
            && analysis.build_mounts.iter().any(|b| b.error.as_ref() == Some(error))
            || within_one_of(&build_mount_error_spans, error.span);
        if of_build_mount {
            continue;
        }
        if within_one_of(&volume_spans, error.span) || starts_volume(text, error.span) {
            document.file_errors.push(FileError {
                refuser: Refuser::Builder,
                message: error.display.clone(),
                span: error.span,
            });
        } else {
            errors.push(ReadError { message: error.display.clone(), span: error.span, hint: None });
        }
    }
    let group = document.groups.len();
    let mut whole = Group::plain(Span::new(0, text.len()), crate::model::verdict::Verdict::default());
    whole.for_windows = ctx.platform == Platform::Linux && dockerfile_for_windows(&analysis);
    document.groups.push(whole);
    // The image's volumes become items one mount at a time, and the build mounts move into
    // theirs: a `VOLUME` of 100,000 paths is not held as mounts and as items at once.
    let build_mounts = std::mem::take(&mut analysis.build_mounts);
    let volume_mounts = analysis.volume_mounts();
    document.items.reserve(volume_mounts.len() + build_mounts.len());
    for mount in volume_mounts {
        let written = text.get(mount.span.start..mount.span.end).unwrap_or(&mount.target).to_string();
        let span = mount.span;
        document.items.push(Item::written(mount, written, span, None, group));
    }
    for build in build_mounts {
        let error = build.error.as_ref().map(|e| crate::model::verdict::DockerError::client(e.display.clone()));
        document.items.push(Item::written(build.mount, build.value, build.span, error, group));
    }
    // The rules read the image's volumes as items, not as the image's list.
    analysis.image_volumes = Vec::new();
    document.dockerfile = Some(Box::new(analysis));
}

/// Whether `inner` lies inside one of the sorted, non-overlapping `spans`.
fn within_one_of(spans: &[Span], inner: Span) -> bool {
    let candidates = spans.partition_point(|s| s.start <= inner.start);
    candidates > 0 && inner.end <= spans[candidates - 1].end
}

/// The text at `span` is a `VOLUME` (or `ONBUILD VOLUME`) instruction: a line the parser
/// refused (a JSON array of non-strings) has no instruction to look at.
fn starts_volume(text: &str, span: Span) -> bool {
    let line = text.get(span.start..span.end).unwrap_or("").trim_start().to_ascii_lowercase();
    let line = match line.strip_prefix("onbuild") {
        Some(rest) if rest.starts_with(char::is_whitespace) => rest.trim_start().to_string(),
        _ => line,
    };
    line.strip_prefix("volume").is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
}

/// A Dockerfile for Windows containers: a Windows base image, or the `` ` `` escape
/// character that Windows Dockerfiles use so that `\` can separate paths.
fn dockerfile_for_windows(analysis: &crate::model::dockerfile::DockerfileAnalysis) -> bool {
    let windows_base = analysis.stages.iter().any(|stage| {
        let base = stage.base.to_ascii_lowercase();
        ["windows", "nanoserver", "servercore"].iter().any(|w| base.contains(w))
    });
    windows_base || analysis.escape == '`'
}

/// The byte ranges of fenced code blocks (``` or ~~~) of a Markdown text.
pub fn code_blocks(text: &str) -> Vec<Span> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, &str)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let fence = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f));
        match (open, fence) {
            (None, Some(fence)) => open = Some((offset + line.len(), fence)),
            (Some((start, opened)), Some(fence)) if fence == opened && trimmed.trim_end() == fence => {
                blocks.push(Span::new(start, offset));
                open = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((start, _)) = open {
        blocks.push(Span::new(start, text.len()));
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_lines_count_only_inside_code_blocks() {
        let text = "Run `docker run -v /a:/b img` like this:\n\n```sh\n$ docker run -v /c:/d img\n```\n";
        let (document, errors) = build(text, FileKind::Markdown, &Context::default());
        assert!(errors.is_empty());
        let texts: Vec<&str> = document.items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, ["/c:/d"]);
        let span = document.items[0].span;
        assert_eq!(&text[span.start..span.end], "/c:/d");
    }

    /// The one item of a one-line shell text.
    fn item(text: &str) -> Item {
        let (document, _) = build(text, FileKind::Shell, &Context::default());
        document.items.into_iter().next().expect("one storage item")
    }

    #[test]
    fn a_tilde_is_an_expansion_only_where_a_shell_expands_it() {
        let tilde =
            |text: &str| item(text).expansions.iter().find(|e| e.kind == ExpansionKind::Tilde).map(|e| e.bash_only);
        assert_eq!(tilde("docker run -v ~/x:/y img"), Some(false));
        assert_eq!(tilde("docker run -v ~alice/x:/y img"), Some(false));
        assert_eq!(tilde("docker run -v \"~/x:/y\" img"), None);
        assert_eq!(tilde("docker run --volume=~/x:/y img"), None);
        assert_eq!(tilde("docker run -v~/x:/y img"), None);
        assert_eq!(tilde("docker run --mount src=~/x,dst=/y img"), Some(true));
        assert_eq!(tilde("docker run --mount type=bind,src=~/x,dst=/y img"), None);
    }

    #[test]
    fn expansions_and_placeholders() {
        let found = item("docker run -v ${DATA:-/srv/data}:/data img");
        assert_eq!(found.expansions.len(), 1);
        assert_eq!(found.expansions[0].default.as_deref(), Some("/srv/data"));
        // The default's `:` does not split the value: it is read with the expansion masked.
        assert!(found.layout_known);
        assert_eq!(found.mount.target, "/data");
        assert_eq!(found.written_source(), Some("${DATA:-/srv/data}"));
        assert_eq!(found.host_path().as_deref(), Some("/srv/data"));
        let names = |text: &str| -> Vec<String> { item(text).expansions.iter().map(|e| e.name.clone()).collect() };
        assert_eq!(names("docker run -v <path to data>:/config img"), ["<path to data>"]);
        assert_eq!(names("docker run -v %%REPO%%-data:/x img"), ["%%REPO%%"]);
        assert_eq!(names("docker run -v %cd%:/app img"), ["%cd%"]);
        assert_eq!(names("docker run --mount 'type=bind,src=$(SOCK),dst=/s' img"), ["$(SOCK)"]);
        assert_eq!(names("docker run -v ... img"), ["..."]);
        assert!(!item("docker run --mount type=volume[,src=<name>],dst=/d img").layout_known);
    }

    #[test]
    fn errors_that_the_shell_decides_are_not_certain() {
        let pwd = item("docker run -v $PWD:/app img");
        assert!(pwd.known_error().is_none());
        let volume = item("docker run -v ${NAME}_data:/data img");
        assert!(volume.known_error().is_none());
        // Refused whatever `$PWD` is, and said with `$PWD` as written.
        let nocopy = item("docker run -v \"$PWD\":/app:nocopy img");
        assert_eq!(
            nocopy.known_error().map(|e| e.message.as_str()),
            Some("invalid volume specification: '$PWD:/app:nocopy': invalid mount config for type \"bind\": field VolumeOptions must not be specified")
        );
        assert_eq!(nocopy.kind(), Some(crate::model::mount::MountKind::Bind));
    }

    #[test]
    fn lines_written_for_windows() {
        let windows = |text: &str| build(text, FileKind::Shell, &Context::default()).0.groups[0].for_windows;
        assert!(windows("docker run -v c:\\data:c:\\data img"));
        assert!(windows("docker run -v C:/Users/me/app:/app img"));
        assert!(windows("docker run -v data:/data mcr.microsoft.com/windows/servercore"));
        assert!(windows("docker run --mount \"type=bind,src=%cd%,target=/src\" img"));
        assert!(!windows("docker run -v a:/data img"));
        assert!(!windows("docker run -v /my\\ dir:/data img"));
    }

    #[test]
    fn the_api_socket_flag_and_the_volume_driver() {
        let (document, _) = build(
            "docker run --use-api-socket --volume-driver nfs -v x/y:/d img",
            FileKind::Shell,
            &Context::default(),
        );
        assert!(document.groups[0].use_api_socket.is_some());
        assert_eq!(document.items[0].mount.rare.driver.as_deref(), Some("nfs"));
        let (document, _) = build("docker run --use-api-socket=false img", FileKind::Shell, &Context::default());
        assert!(document.groups[0].use_api_socket.is_none());
    }

    #[test]
    fn ci_yaml_run_steps_are_read() {
        let text = "jobs:\n  t:\n    steps:\n      - run: docker run --rm -v ${{ github.workspace }}:/src img make\n";
        let (document, _) = build(text, FileKind::CiYaml, &Context::default());
        assert_eq!(document.items.len(), 1);
        assert_eq!(document.groups.len(), 1);
        assert!(document.groups[0].auto_remove);
    }
}
