//! A whole `docker run`/`create` command line, or the arguments that follow
//! `docker run`, read as the shell and the docker CLI read them.
//!
//! The shell part is [`super::shell`]; this file finds the docker command in the text
//! (after `sudo`, `FOO=1`, docker's own global flags; `docker container run` too) and
//! then reads the arguments the way the CLI's flag parser (spf13/pflag, with
//! interspersed flags turned off) does:
//!
//! * `--flag=value`, `--flag value` (a value flag always takes the next word, even one
//!   starting with `-`), `--bool`, `--bool=false`;
//! * `-v value`, `-vvalue`, `-v=value`, grouped booleans `-dit`, and a value flag last in
//!   a group taking the rest or the next word (`-itv /a:/b`);
//! * `--` ends the flags; the first word that is not a flag is the image and everything
//!   after it belongs to the container's command (`img -v x` is not a `-v` flag).
//!
//! Where pflag would stop with an error (an unknown flag, a missing value) the reader
//! records the problem and goes on, so one typo does not hide every mount.
//!
//! One leniency for snippets: a word in flag position that is a single unknowable
//! expansion (`$DOCKER_OPTS`, `$(FLAGS)`, `` `#optional` ``) or a documentation ellipsis
//! (`...`, `[...]`, `[OPTIONS]`), directly followed by a `docker run` flag, is taken for
//! words the reader cannot see and skipped (kept in [`RunLine::opaque`]) instead of
//! being read as the image.

use super::run_flags_table::{lookup_long, lookup_short, Arity, FlagSpec, STORAGE_FLAGS};
use super::shell::{read_command, ExpansionKind, ShellCommand, Terminator};
pub use super::shell::{VariableRef, Word};
use super::SyntaxError;
use crate::span::Span;
use std::sync::Arc;

/// One `docker run` flag as used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagUse {
    /// The flag's canonical long name without dashes: `volume`, `mount`, `tmpfs`, `env`...
    /// (`network` for `--net`).
    pub name: &'static str,
    /// The flag as written (`-v`, `--volume`, `-v=x`'s `-v`...).
    pub written: String,
    /// The flag itself in the source text.
    pub span: Span,
    /// Its value, when the flag takes one (`--volume=x` included), or a boolean's
    /// explicit value (`--rm=false`).
    pub value: Option<Word>,
}

impl FlagUse {
    /// The value text (`None` for a boolean written without one, or a missing value).
    pub fn value_str(&self) -> Option<&str> {
        self.value.as_ref().map(|word| word.value.as_str())
    }

    /// For a boolean flag: its value as pflag reads it (Go `strconv.ParseBool`); `None`
    /// when the written value is not a boolean (the CLI then refuses the command).
    pub fn bool_value(&self) -> Option<bool> {
        match self.value_str() {
            None => Some(true),
            Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Some(true),
            Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Some(false),
            Some(_) => None,
        }
    }

    /// `-v`, `--mount` or `--tmpfs`.
    pub fn is_storage(&self) -> bool {
        STORAGE_FLAGS.contains(&self.name)
    }
}

/// Which docker command the line runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DockerCommand {
    #[default]
    Run,
    Create,
}

impl DockerCommand {
    pub fn as_str(self) -> &'static str {
        match self {
            DockerCommand::Run => "run",
            DockerCommand::Create => "create",
        }
    }
}

/// A command line read into flags, image and command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunLine {
    /// The text the spans point into: the whole text searched (shared by every command
    /// found in it), or the arguments joined by single spaces.
    pub text: Arc<str>,
    /// `docker run` or `docker create` (`docker container run` included).
    pub command: DockerCommand,
    /// The words naming the command (`docker run`, `sudo docker container create`...);
    /// empty for [`parse_args`].
    pub command_span: Span,
    /// Every flag in command-line order.
    pub flags: Vec<FlagUse>,
    pub image: Option<Word>,
    /// The container's command and its arguments (everything after the image).
    pub args: Vec<Word>,
    /// Flags `docker run` does not know (reported, never dropped silently).
    pub unknown_flags: Vec<Word>,
    /// Words in flag position whose text cannot be known (`$DOCKER_OPTS`, `[...]`),
    /// skipped because a flag follows them.
    pub opaque: Vec<Word>,
    /// What the CLI would refuse before doing anything (a flag without its value, no
    /// image), with its place.
    pub problems: Vec<SyntaxError>,
}

impl RunLine {
    /// The `-v`, `--mount` and `--tmpfs` uses, in order.
    pub fn storage_flags(&self) -> impl Iterator<Item = &FlagUse> {
        self.flags.iter().filter(|flag| flag.is_storage())
    }

    /// Every use of the flag with this canonical name, in order.
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a FlagUse> + 'a {
        self.flags.iter().filter(move |flag| flag.name == name)
    }

    /// The value of the last use of a value flag (the CLI keeps the last for single
    /// values such as `--name` or `--volume-driver`).
    pub fn last_value(&self, name: &str) -> Option<&str> {
        self.flags.iter().rev().filter(|flag| flag.name == name).find_map(FlagUse::value_str)
    }

    /// Whether a boolean flag ends up set (`--rm`, `--read-only`...): its last use wins.
    pub fn is_set(&self, name: &str) -> bool {
        self.flags.iter().rev().find(|flag| flag.name == name).and_then(FlagUse::bool_value).unwrap_or(false)
    }

    /// The arguments as the CLI receives them (after the shell), flags and all.
    pub fn argv(&self) -> Vec<String> {
        let mut argv = Vec::new();
        for flag in &self.flags {
            argv.push(format!("--{}", flag.name));
            if let Some(value) = &flag.value {
                if let Some(last) = argv.last_mut() {
                    if lookup_long(flag.name).is_some_and(|spec| spec.arity == Arity::Bool) {
                        last.push('=');
                        last.push_str(&value.value);
                        continue;
                    }
                }
                argv.push(value.value.clone());
            }
        }
        if let Some(image) = &self.image {
            argv.push(image.value.clone());
        }
        argv.extend(self.args.iter().map(|word| word.value.clone()));
        argv
    }
}

/// Reads the arguments that follow `docker run`; spans are into the arguments joined by
/// single spaces (`RunLine::text`).
pub fn parse_args(args: &[String]) -> RunLine {
    let mut words = Vec::with_capacity(args.len());
    let mut at = 0;
    for arg in args {
        words.push(Word::plain(arg, at));
        at += arg.len() + 1;
    }
    let text: Arc<str> = Arc::from(args.join(" "));
    let end = text.len();
    read_arguments(text, &words, DockerCommand::Run, Span::new(0, 0), Span::new(end, end))
}

/// Reads a whole command line (`docker run ...`, `sudo docker container create ...`):
/// the first `docker run`/`create` command of the text. Spans are into `text`.
pub fn parse_command(text: &str) -> Result<RunLine, SyntaxError> {
    match find_in(&Arc::from(text), 0, 0)? {
        Some(line) => Ok(line),
        None => {
            let span = Span::new(0, text.len());
            let error = SyntaxError::new("no `docker run` or `docker create` command found", span);
            Err(error.with_hint(
                "write the whole command (`docker run [OPTIONS] IMAGE [COMMAND]`), or give only the \
                 arguments that follow `docker run`",
            ))
        }
    }
}

/// Every `docker run`/`create` command of a text (a shell script, a Makefile recipe, a
/// code block), in order, with spans into `text`. A command the shell cannot read (an
/// unclosed quote) is reported and skipped; reading goes on after its line.
pub fn find_commands(text: &str) -> Vec<Result<RunLine, SyntaxError>> {
    // Every command line found shares this one copy of the text (a copy each would take
    // memory quadratic in the size of a script of many commands).
    let source: Arc<str> = Arc::from(text);
    let mut found = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let Some(at) = next_docker_word(text, pos) else {
            break;
        };
        // Read from `docker` itself: what stands before it on the line (`sudo`, `FOO=1`,
        // `run:` in CI YAML, `$ ` prompts) does not change the docker command.
        match find_in(&source, at, MAX_NESTING) {
            // Only the command holding this `docker` word: a later one is found in turn.
            Ok(Some(line)) if line.command_span.start <= at && at < line.command_span.end.max(at + 1) => {
                let end = line_end(&line).max(at + 1);
                found.push(Ok(line));
                pos = end;
            }
            Ok(_) => pos = at + "docker".len(),
            Err(error) => {
                pos = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
                found.push(Err(error));
            }
        }
    }
    found
}

/// The next `docker` that starts a word, from byte `from` on.
fn next_docker_word(text: &str, from: usize) -> Option<usize> {
    let mut search = from;
    while let Some(found) = text.get(search..).and_then(|rest| rest.find("docker")) {
        let at = search + found;
        let before = text[..at].chars().next_back();
        let after = text[at + "docker".len()..].chars().next();
        let starts_word = before.is_none_or(|c| c.is_whitespace() || matches!(c, '(' | ';' | '&' | '|' | '`'));
        let ends_word = after.is_some_and(|c| c.is_whitespace());
        if starts_word && ends_word {
            return Some(at);
        }
        search = at + "docker".len();
    }
    None
}

/// Where a command line ends in its text: after its last word.
fn line_end(line: &RunLine) -> usize {
    let mut end = line.command_span.end;
    for flag in &line.flags {
        end = end.max(flag.span.end);
        if let Some(value) = &flag.value {
            end = end.max(value.span.end);
        }
    }
    for word in line.image.iter().chain(&line.args).chain(&line.unknown_flags) {
        end = end.max(word.span.end);
    }
    end
}

/// Command substitutions are searched this deep (`CID=$(docker run …)`).
const MAX_NESTING: usize = 4;

/// The first docker run/create command from byte `start` on, looking inside `$(…)` of
/// commands that are not one.
fn find_in(source: &Arc<str>, start: usize, depth: usize) -> Result<Option<RunLine>, SyntaxError> {
    let text: &str = source;
    let mut pos = start;
    let mut substitutions = Vec::new();
    loop {
        let command = read_command(text, pos)?;
        if let Some(line) = docker_run(source, &command) {
            return Ok(Some(line));
        }
        for word in &command.words {
            for var in word.variables.iter().filter(|v| v.kind == ExpansionKind::Command) {
                substitutions.push(var.span);
            }
        }
        // A `)` ends a subshell or the substitution being read.
        let stop = matches!(command.terminator, Terminator::End | Terminator::CloseParen) && depth > 0
            || command.terminator == Terminator::End
            || command.next <= pos;
        if stop {
            break;
        }
        pos = command.next;
    }
    if depth < MAX_NESTING {
        for span in substitutions {
            let inner = text.get(span.start..span.end).and_then(|s| s.find('(')).map(|at| span.start + at + 1);
            if let Some(inner) = inner {
                if let Ok(Some(line)) = find_in(source, inner, depth + 1) {
                    return Ok(Some(line));
                }
            }
        }
    }
    Ok(None)
}

/// Command words that may come before `docker` (`sudo docker`, `exec docker`...).
const PREFIX_WORDS: [&str; 10] = ["exec", "time", "nohup", "command", "then", "do", "else", "!", "{", "env"];

/// `sudo` options that take a value (`sudo -u user docker ...`).
const SUDO_VALUE_OPTIONS: [&str; 10] = ["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-T", "-U"];

/// docker's global flags that take a value (`docker -H host run ...`); the others
/// (`-D`, `--tls`, `--tlsverify`) are booleans.
const DOCKER_VALUE_FLAGS: [&str; 10] =
    ["-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey"];

/// The run line of `command`, when it is `docker run` or `docker create`.
fn docker_run(source: &Arc<str>, command: &ShellCommand) -> Option<RunLine> {
    let words = &command.words;
    let mut i = 0;
    let first = words.first()?.span.start;
    // Environment assignments, `sudo` and its options, and shell keywords.
    loop {
        let word = words.get(i)?.value.as_str();
        if is_assignment(word) || PREFIX_WORDS.contains(&word) {
            i += 1;
        } else if word == "sudo" {
            i += 1;
            while let Some(option) = words.get(i).map(|w| w.value.as_str()) {
                if option == "--" {
                    i += 1;
                    break;
                }
                if !option.starts_with('-') {
                    break;
                }
                i += if SUDO_VALUE_OPTIONS.contains(&option) { 2 } else { 1 };
            }
        } else {
            break;
        }
    }
    if !is_docker(&words.get(i)?.value) {
        return None;
    }
    i += 1;
    // docker's own flags before the subcommand.
    while let Some(word) = words.get(i).map(|w| w.value.as_str()) {
        if !word.starts_with('-') || word == "-" {
            break;
        }
        i += if DOCKER_VALUE_FLAGS.contains(&word) { 2 } else { 1 };
    }
    if words.get(i)?.value == "container" {
        i += 1;
    }
    let kind = match words.get(i)?.value.as_str() {
        "run" => DockerCommand::Run,
        "create" => DockerCommand::Create,
        _ => return None,
    };
    let command_span = Span::new(first, words.get(i)?.span.end);
    let end = Span::new(command.span.end, command.span.end);
    let rest = words.get(i + 1..).unwrap_or(&[]);
    Some(read_arguments(Arc::clone(source), rest, kind, command_span, end))
}

/// `NAME=value` (a shell variable assignment before a command).
fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            let mut chars = name.chars();
            chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

fn is_docker(word: &str) -> bool {
    let name = word.rsplit(['/', '\\']).next().unwrap_or(word);
    name == "docker" || name == "docker.exe"
}

/// The flag reader proper (pflag's rules, see the module doc). `end` is where a missing
/// image is reported.
fn read_arguments(text: Arc<str>, words: &[Word], command: DockerCommand, command_span: Span, end: Span) -> RunLine {
    let create = command == DockerCommand::Create;
    // Room for a flag per word (rarely more: `-itv`) from the start: growing by doubling
    // leaves copies behind, and a line of 100,000 flags is kept while it is modelled.
    let flags = Vec::with_capacity(words.len());
    let mut line = RunLine { text, command, command_span, flags, ..RunLine::default() };
    let mut i = 0;
    while let Some(word) = words.get(i) {
        i += 1;
        let arg = word.value.as_str();
        if arg == "--" {
            // `--` ends the flags; the next word is the image even if it starts with `-`.
            take_image(&mut line, words.get(i..).unwrap_or(&[]));
            return finish(line, end);
        }
        if !arg.starts_with('-') || arg == "-" {
            let next_is_flag = words.get(i).is_some_and(|next| is_known_flag(&next.value, create));
            if next_is_flag && is_opaque(word, &line.text) {
                line.opaque.push(word.clone());
                continue;
            }
            take_image(&mut line, words.get(i - 1..).unwrap_or(&[]));
            return finish(line, end);
        }
        if let Some(long) = arg.strip_prefix("--") {
            read_long(&mut line, word, long, words, &mut i, create);
        } else {
            read_short_group(&mut line, word, words, &mut i, create);
        }
    }
    finish(line, end)
}

fn take_image(line: &mut RunLine, rest: &[Word]) {
    if let Some((image, args)) = rest.split_first() {
        line.image = Some(image.clone());
        line.args = args.to_vec();
    }
}

fn finish(mut line: RunLine, end: Span) -> RunLine {
    // The room reserved for a flag per word is given back: most flags take two words.
    line.flags.shrink_to_fit();
    if line.image.is_none() {
        let name = line.command.as_str();
        let error = SyntaxError::new(format!("\"docker {name}\" requires at least 1 argument."), end);
        line.problems.push(error.with_hint(format!("name the image: `docker {name} [OPTIONS] IMAGE [COMMAND]`")));
    }
    line
}

/// The flag of this command with this long name.
fn known_long(name: &str, create: bool) -> Option<&'static FlagSpec> {
    lookup_long(name).filter(|spec| spec.in_command(create))
}

fn known_short(short: char, create: bool) -> Option<&'static FlagSpec> {
    lookup_short(short).filter(|spec| spec.in_command(create))
}

/// Whether `arg` would be read as a flag this command knows.
fn is_known_flag(arg: &str, create: bool) -> bool {
    if let Some(long) = arg.strip_prefix("--") {
        let name = long.split_once('=').map_or(long, |(name, _)| name);
        return known_long(name, create).is_some();
    }
    arg.strip_prefix('-').and_then(|group| group.chars().next()).is_some_and(|c| known_short(c, create).is_some())
}

/// A word standing for words we cannot see: an unquoted expansion (which the shell
/// splits into any number of words, none included), `"$@"` or `"${list[@]}"`, or a
/// documentation ellipsis. A quoted `"$IMAGE"` is always exactly one word: not opaque.
fn is_opaque(word: &Word, text: &str) -> bool {
    let value = word.value.as_str();
    if word.is_single_expansion() {
        let Some(var) = word.variables.first() else {
            return false;
        };
        let written = text.get(var.span.start..var.span.end).unwrap_or("");
        let unquoted = word.span == var.span;
        let list =
            ["$@", "$*", "${@}", "${*}"].contains(&written) || written.ends_with("[@]}") || written.ends_with("[*]}");
        return unquoted || list;
    }
    value == "..." || value == "…" || (value.len() > 2 && value.starts_with('[') && value.ends_with(']'))
}

/// `--name`, `--name=value`, `--name value`.
fn read_long(line: &mut RunLine, word: &Word, long: &str, words: &[Word], i: &mut usize, create: bool) {
    if long.is_empty() || long.starts_with('-') || long.starts_with('=') {
        // pflag: "bad flag syntax".
        line.unknown_flags.push(word.clone());
        return;
    }
    let name = long.split_once('=').map_or(long, |(name, _)| name);
    let Some(spec) = known_long(name, create) else {
        line.unknown_flags.push(word.clone());
        return;
    };
    let name_end = 2 + name.len();
    let span = word.source_span(Span::new(0, name_end));
    let value = if long.len() > name.len() {
        Some(word.tail(name_end + 1))
    } else if spec.arity == Arity::Bool {
        None
    } else if let Some(next) = words.get(*i) {
        *i += 1;
        Some(next.clone())
    } else {
        let error = SyntaxError::new(format!("flag needs an argument: --{name}"), span);
        line.problems.push(error.with_hint(format!("give --{name} its value")));
        None
    };
    line.flags.push(FlagUse { name: spec.canonical, written: format!("--{name}"), span, value });
}

/// `-v value`, `-vvalue`, `-v=value`, `-dit`, `-itv value`.
fn read_short_group(line: &mut RunLine, word: &Word, words: &[Word], i: &mut usize, create: bool) {
    let arg = word.value.as_str();
    // Byte positions in `arg`; `1` skips the dash.
    let mut at = 1;
    while let Some(short) = arg.get(at..).and_then(|rest| rest.chars().next()) {
        let remaining = &arg[at..];
        let Some(spec) = known_short(short, create) else {
            // pflag stops at an unknown letter ("unknown shorthand flag").
            line.unknown_flags.push(word.clone());
            return;
        };
        let letter_end = at + short.len_utf8();
        let flag_span = if at == 1 { Span::new(0, letter_end) } else { Span::new(at, letter_end) };
        let span = word.source_span(flag_span);
        let written = format!("-{short}");
        let after = &arg[letter_end..];
        let mut done = false;
        let value = if remaining.len() > 2 && after.starts_with('=') {
            // `-v=x` (and `-d=false`): the rest after `=` is the value.
            done = true;
            Some(word.tail(letter_end + 1))
        } else if spec.arity == Arity::Bool {
            None
        } else if !after.is_empty() {
            // `-v/x:/y`, or `-itv/x:/y`'s `v`.
            done = true;
            Some(word.tail(letter_end))
        } else if let Some(next) = words.get(*i) {
            *i += 1;
            Some(next.clone())
        } else {
            let error = SyntaxError::new(format!("flag needs an argument: '{short}' in -{remaining}"), span);
            line.problems.push(error.with_hint(format!("give -{short} (--{}) its value", spec.long)));
            None
        };
        line.flags.push(FlagUse { name: spec.canonical, written, span, value });
        if done {
            return;
        }
        at = letter_end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> RunLine {
        parse_args(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    /// `(name, value)` of every flag.
    fn flags(line: &RunLine) -> Vec<(String, Option<String>)> {
        line.flags.iter().map(|f| (f.name.to_string(), f.value_str().map(str::to_string))).collect()
    }

    fn pairs(list: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
        list.iter().map(|(n, v)| (n.to_string(), v.map(str::to_string))).collect()
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn values_booleans_and_the_image() {
        let line = args(&["-e", "FOO", "-v", "x:/y", "img"]);
        assert_eq!(flags(&line), pairs(&[("env", Some("FOO")), ("volume", Some("x:/y"))]));
        assert_eq!(line.image.as_ref().unwrap().value, "img");
        assert!(line.problems.is_empty());

        let line = args(&["--rm", "-d", "--name", "web", "--read-only", "--init", "--privileged", "-P", "img", "sh"]);
        let names: Vec<&str> = line.flags.iter().map(|f| f.name).collect();
        assert_eq!(names, ["rm", "detach", "name", "read-only", "init", "privileged", "publish-all"]);
        assert_eq!(line.args.iter().map(|w| w.value.as_str()).collect::<Vec<_>>(), ["sh"]);
        assert!(line.is_set("rm"));
        assert_eq!(line.last_value("name"), Some("web"));
    }

    #[test]
    fn everything_after_the_image_is_the_command() {
        let line = args(&["img", "-v", "x"]);
        assert!(line.flags.is_empty());
        assert_eq!(line.image.unwrap().value, "img");
        assert_eq!(line.args.len(), 2);

        let line = args(&["--rm", "--", "-img", "-v"]);
        assert_eq!(line.image.unwrap().value, "-img");
        assert_eq!(line.args[0].value, "-v");
    }

    #[test]
    fn grouped_short_flags() {
        let line = args(&["-it", "img"]);
        assert_eq!(flags(&line), pairs(&[("interactive", None), ("tty", None)]));
        let line = args(&["-dit", "img"]);
        assert_eq!(line.flags.len(), 3);
        // pflag lets a value flag end a group: it takes the next word.
        let line = args(&["-itv", "/a:/b", "img"]);
        assert_eq!(flags(&line), pairs(&[("interactive", None), ("tty", None), ("volume", Some("/a:/b"))]));
        assert_eq!(line.image.unwrap().value, "img");
        // ... or the rest of the group.
        let line = args(&["-tv/a:/b", "img"]);
        assert_eq!(flags(&line), pairs(&[("tty", None), ("volume", Some("/a:/b"))]));
        // Observed with CLI 28.2.2: `-it=false` leaves stdin open and the tty off, and
        // `-e=FOO=1` sets FOO=1.
        let line = args(&["-it=false", "-e=FOO=1", "img"]);
        assert_eq!(flags(&line), pairs(&[("interactive", None), ("tty", Some("false")), ("env", Some("FOO=1"))]));
        assert!(line.is_set("interactive") && !line.is_set("tty"));
        // A value flag first swallows the rest: `-vi` is -v with value `i`.
        let line = args(&["-vi", "img"]);
        assert_eq!(flags(&line), pairs(&[("volume", Some("i"))]));
    }

    #[test]
    fn attached_values() {
        let line =
            args(&["-v/x:/y", "-v=/a:/b", "--volume=/c:/d", "--tmpfs", "/t", "-v=", "--rm=false", "-d=false", "img"]);
        assert_eq!(
            flags(&line),
            pairs(&[
                ("volume", Some("/x:/y")),
                ("volume", Some("/a:/b")),
                ("volume", Some("/c:/d")),
                ("tmpfs", Some("/t")),
                // pflag: `-v=` is two bytes long, so the value is `=` (observed: anonymous volume `=`).
                ("volume", Some("=")),
                ("rm", Some("false")),
                ("detach", Some("false")),
            ])
        );
        assert!(!line.is_set("rm"));
        let text = &line.text;
        assert_eq!(at(text, line.flags[1].value.as_ref().unwrap().span), "/a:/b");
        assert_eq!(at(text, line.flags[2].span), "--volume");
        assert_eq!(at(text, line.flags[0].span), "-v");
        assert_eq!(line.storage_flags().count(), 5);
    }

    #[test]
    fn a_value_flag_takes_the_next_word_whatever_it_is() {
        let line = args(&["-v", "--rm", "img"]);
        assert_eq!(flags(&line), pairs(&[("volume", Some("--rm"))]));
        let line = args(&["--rm", "false"]);
        assert_eq!(line.image.unwrap().value, "false");
    }

    #[test]
    fn missing_values_and_images_are_problems() {
        let line = args(&["-v"]);
        assert_eq!(line.problems[0].message, "flag needs an argument: 'v' in -v");
        assert_eq!(line.problems[0].span, Span::new(0, 2));
        assert_eq!(line.problems[1].message, "\"docker run\" requires at least 1 argument.");
        let line = args(&["-itv"]);
        assert_eq!(line.problems[0].message, "flag needs an argument: 'v' in -v");
        assert_eq!(at(&line.text, line.problems[0].span), "v");
        let line = args(&["--rm", "--volume"]);
        assert_eq!(line.problems[0].message, "flag needs an argument: --volume");
        assert_eq!(line.flags.len(), 2);
        assert_eq!(line.flags[1].value, None);
    }

    #[test]
    fn unknown_flags_are_reported() {
        let line = args(&["--foo", "-x", "-ix", "---y", "--rm", "img"]);
        let unknown: Vec<&str> = line.unknown_flags.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(unknown, ["--foo", "-x", "-ix", "---y"]);
        assert_eq!(flags(&line), pairs(&[("interactive", None), ("rm", None)]));
        assert_eq!(line.image.unwrap().value, "img");
    }

    #[test]
    fn aliases_get_canonical_names() {
        let line = args(&["--net=host", "--net-alias", "a", "--dns-opt", "x", "img"]);
        let names: Vec<&str> = line.flags.iter().map(|f| f.name).collect();
        assert_eq!(names, ["network", "network-alias", "dns-option"]);
        assert_eq!(line.flags[0].written, "--net");
    }

    #[test]
    fn create_has_no_detach() {
        let line = parse_command("docker create -d -v /a:/b img").unwrap();
        assert_eq!(line.command, DockerCommand::Create);
        assert_eq!(line.unknown_flags[0].value, "-d");
        assert_eq!(line.storage_flags().count(), 1);
    }

    #[test]
    fn whole_command_lines() {
        let text =
            "sudo -E FOO=1 docker --context x container run --rm \\\n  -v \"$PWD/data\":/data:ro img cat /data/x > out";
        let line = parse_command(text).unwrap();
        assert_eq!(at(text, line.command_span), "sudo -E FOO=1 docker --context x container run");
        let volume = line.storage_flags().next().unwrap();
        let value = volume.value.as_ref().unwrap();
        assert_eq!(value.value, "$PWD/data:/data:ro");
        assert_eq!(at(text, value.span), "\"$PWD/data\":/data:ro");
        // The target `/data` inside the value, in the original text.
        assert_eq!(at(text, value.source_span(Span::new(10, 15))), "/data");
        assert_eq!(value.variables[0].name, "PWD");
        assert_eq!(line.args.iter().map(|w| w.value.as_str()).collect::<Vec<_>>(), ["cat", "/data/x"]);
        assert_eq!(&*line.text, text);

        let line = parse_command("cd /srv && docker run -v a:/b img; docker run -v c:/d img2").unwrap();
        assert_eq!(line.image.unwrap().value, "img");
        let line = parse_command("CID=$(docker run -d -v /x:/y img)").unwrap();
        assert_eq!(line.storage_flags().next().unwrap().value_str(), Some("/x:/y"));
        assert_eq!(line.image.unwrap().value, "img");
    }

    #[test]
    fn not_a_docker_run_line() {
        let error = parse_command("docker build -t x .").unwrap_err();
        assert_eq!(error.message, "no `docker run` or `docker create` command found");
        assert!(error.hint.is_some());
        assert!(parse_command("").is_err());
        let error = parse_command("docker run -v 'oops img").unwrap_err();
        assert_eq!(error.message, "unclosed single quote");
        assert_eq!(error.span, Span::new(14, 23));
    }

    #[test]
    fn opaque_words_in_flag_position() {
        let line = parse_command("docker run $(DOCKER_FLAGS) --rm -v /a:/b img").unwrap();
        assert_eq!(line.opaque.len(), 1);
        assert_eq!(line.image.unwrap().value, "img");
        let line = parse_command("docker run -d -e A=1 `#optional` -v /a:/b img").unwrap();
        assert_eq!(line.storage_flags().count(), 1);
        let line = parse_command("docker run [...] -v <PATH>/c.json:/c.json watchtower").unwrap();
        assert_eq!(line.storage_flags().next().unwrap().value_str(), Some("<PATH>/c.json:/c.json"));
        // An expansion followed by something that is not a run flag is the image.
        let line = parse_command("docker run -v /a:/b $IMAGE --config=/x").unwrap();
        assert_eq!(line.image.unwrap().value, "$IMAGE");
        assert!(line.opaque.is_empty());
        // A quoted expansion is one word: here the image, and `-p` the command's.
        let line = parse_command("docker run --entrypoint unzip \"${IMG}\" -p /x").unwrap();
        assert_eq!(line.image.unwrap().value, "${IMG}");
        assert_eq!(line.args[0].value, "-p");
        let line = parse_command("docker run \"$@\" -v /a:/b img").unwrap();
        assert_eq!((line.opaque.len(), line.storage_flags().count()), (1, 1));
    }

    #[test]
    fn argv_round_trip() {
        let line = parse_command("docker run -itv /a:/b --rm=false -e 'A B' img sh -c 'x'").unwrap();
        assert_eq!(
            line.argv(),
            ["--interactive", "--tty", "--volume", "/a:/b", "--rm=false", "--env", "A B", "img", "sh", "-c", "x"]
        );
    }
}

#[cfg(test)]
mod find_commands_tests {
    use super::*;

    #[test]
    fn finds_every_command_with_spans_into_the_text() {
        let text = "#!/bin/sh\nset -e\nsudo docker run -v /a:/b img\necho docker\nID=$(docker create --tmpfs /t x)\n  docker run \\\n    -v data:/d y && docker ps\n";
        let lines: Vec<RunLine> = find_commands(text).into_iter().filter_map(Result::ok).collect();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        let values: Vec<&str> = lines.iter().flat_map(|l| l.storage_flags()).filter_map(FlagUse::value_str).collect();
        assert_eq!(values, ["/a:/b", "/t", "data:/d"]);
        let span = lines[2].flags[0].value.as_ref().map(|w| w.span).unwrap_or_default();
        assert_eq!(&text[span.start..span.end], "data:/d");
        assert_eq!(lines[1].command, DockerCommand::Create);
    }

    #[test]
    fn a_broken_command_does_not_hide_the_next() {
        let text = "docker run -v '/a:/b img\ndocker run -v /c:/d img\n";
        let found = find_commands(text);
        assert!(found.iter().any(|r| r.is_err()));
        let ok: Vec<RunLine> = found.into_iter().filter_map(Result::ok).collect();
        assert!(ok.iter().flat_map(|l| l.storage_flags()).any(|f| f.value_str() == Some("/c:/d")), "{ok:#?}");
    }
}
