//! The rules engine: small, pure checks over the semantic model.
//!
//! One file per rule, ruff-style: the file's doc comment is the rule's documentation
//! (what it does, why it is bad, an example, the fix and whether the fix is safe), and
//! `dockmount rule NAME` prints exactly that text. A rule is a function from a
//! [`Document`] (every storage item of one file, already read into [`Mount`]s with Docker's
//! verdict) to findings. Adding a rule: one new file here, its fixtures, and one line in
//! [`RULES`].

use crate::model::compose::ComposeProject;
use crate::model::dockerfile::DockerfileAnalysis;
use crate::model::mount::{Field, Mount, MountKind, SyntaxKind};
use crate::model::verdict::{DockerError, Verdict};
use crate::model::Context;
use crate::span::Span;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;

pub mod anonymous_volume;
pub mod change_after_volume;
pub mod comma_in_target;
pub mod comment_in_volume;
pub mod consistency_no_effect;
pub mod docker_rejects;
pub mod docker_socket_mount;
pub mod drive_letter_volume_name;
pub mod duplicate_target;
pub mod edits;
pub mod host_path_read_as_volume_name;
pub mod invalid_mode;
pub mod invalid_target;
pub mod invalid_tmpfs_option;
pub mod invalid_volume_name;
pub mod option_wrong_mount_type;
pub mod readonly_not_recursive;
pub mod relative_volume_path;
pub mod selinux_relabel_system_path;
pub mod sensitive_host_path;
pub mod similar_names;
pub mod tilde_not_expanded;
pub mod undefined_volume;
pub mod unused_volume;
pub mod volume_json_malformed;
pub mod volume_words;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// Whether a fix may be applied without asking (ruff's fix safety).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps the evident intent; `--fix` applies it.
    Safe,
    /// Changes behaviour someone may rely on; shown, applied only when asked.
    Unsafe,
}

/// Replace the text at `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<Edit>,
}

/// One problem found, with where it is and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// Most messages name what they are about; one said of every image volume is shared.
    pub message: Cow<'static, str>,
    /// Byte span in the document's text.
    pub span: Span,
    /// Boxed: few findings have one, and a file may have 100,000 findings.
    pub fix: Option<Box<Fix>>,
}

/// What kind of text an [`Expansion`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpansionKind {
    /// `$VAR`, `${VAR}`, `${VAR:-default}`...
    Parameter,
    /// `$(command)` or `` `command` `` (also `$((…))` and CI `${{ … }}`).
    Command,
    /// A `~` or `~user` the shell replaces by a home directory.
    Tilde,
    /// A documentation placeholder nobody types as such: `<path to data>`, `%%IMAGE%%`,
    /// `[PATH]`, a cmd.exe `%VAR%`.
    Placeholder,
}

/// A part of an item's value that is not what Docker receives: the shell (or the reader of
/// the documentation) replaces it first. The model reads it literally, so rules must not
/// judge a field by it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    pub kind: ExpansionKind,
    /// The variable's name (`HOME`), the command (`pwd`), the user of `~user` (empty for
    /// `~`), or the placeholder as written.
    pub name: String,
    /// `${NAME:-default}`, `${NAME-default}`, `${NAME:=default}`: the default as written.
    pub default: Option<String>,
    /// Only bash expands it (a `~` after `=` in a word that looks like an assignment);
    /// `sh`/`dash` and `zsh` pass it literally.
    pub bash_only: bool,
    /// Where it is in the document.
    pub span: Span,
    /// Where it is in [`Item::text`].
    pub value_span: Span,
}

impl Expansion {
    /// True when the expansion surely gives an absolute host path: `~`, `$HOME`, `$PWD`,
    /// `$(pwd)`, or a default starting with `/`.
    pub fn is_absolute_path(&self) -> bool {
        match self.kind {
            ExpansionKind::Tilde => true,
            ExpansionKind::Parameter => {
                matches!(self.name.as_str(), "HOME" | "PWD" | "XDG_RUNTIME_DIR")
                    || self.default.as_deref().is_some_and(|d| d.starts_with('/'))
            }
            ExpansionKind::Command => matches!(self.name.as_str(), "pwd" | "pwd -P" | "pwd -L"),
            ExpansionKind::Placeholder => false,
        }
    }
}

/// One storage item of a document, as the rules see it.
#[derive(Clone, Debug)]
pub struct Item {
    /// The model; its spans point into the document's text. Expansions are read
    /// literally (a `-v $PWD:/app` source is the text `$PWD`).
    pub mount: Mount,
    /// The item as written (a flag value, a compose entry, a `VOLUME` path), after quote
    /// removal.
    pub text: String,
    /// Where `text` is in the document.
    pub span: Span,
    /// The flag as written (`-v`, `--mount`), when the item is a flag's value.
    pub flag_span: Option<Span>,
    /// The whole shell word holding the value (`--volume=/a:/b` as one word), quotes
    /// included; the value's own span when it is a word of its own.
    pub word_span: Span,
    /// The source exactly as written, before the CLI makes a `.` path absolute, as a
    /// range of `text` (`None` when there is no source or it cannot be located).
    pub source_in_text: Option<TextRange>,
    /// Shell expansions and placeholders in the value, in order.
    pub expansions: Vec<Expansion>,
    /// False when an expansion's text holds the value's own separator (`${DATA:-/srv}` in
    /// a `-v` value, a `,` in a `--mount` one): how Docker splits the expanded value into
    /// fields is then unknown, and no field counts as literal.
    pub layout_known: bool,
    /// Docker's error for this item alone, if it refuses it as written (boxed: most items
    /// have none, and a file may have 100,000 items).
    pub docker_error: Option<Box<DockerError>>,
    /// The error above goes away for some value of the item's expansions: Docker may well
    /// accept what the shell makes of it, so rules must not report the error.
    pub error_depends_on_expansions: bool,
    /// Items of one command line, service or image share a group number.
    pub group: usize,
}

/// A range of an item's own text, in two 32-bit offsets rather than two words: an item's
/// text is one value or entry, and a file may have 100,000 items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRange {
    start: u32,
    end: u32,
}

impl TextRange {
    /// `None` for a range past 4 GiB.
    pub fn of(span: Span) -> Option<TextRange> {
        Some(TextRange { start: u32::try_from(span.start).ok()?, end: u32::try_from(span.end).ok()? })
    }

    pub fn span(self) -> Span {
        Span::new(self.start as usize, self.end as usize)
    }
}

impl Item {
    /// An item written in a file's own syntax (compose, Dockerfile): no flag, no shell word,
    /// no shell expansions.
    pub fn written(mount: Mount, text: String, span: Span, docker_error: Option<DockerError>, group: usize) -> Item {
        // The source as written is where the model says it came from, when that lies in
        // the item's own text.
        let source_in_text = mount
            .provenance
            .get(&Field::Source)
            .filter(|s| span.start <= s.start && s.end <= span.end && s.end - span.start <= text.len())
            .map(|s| Span::new(s.start - span.start, s.end - span.start))
            .filter(|s| text.is_char_boundary(s.start) && text.is_char_boundary(s.end))
            .and_then(TextRange::of);
        Item {
            mount,
            text,
            span,
            flag_span: None,
            word_span: span,
            source_in_text,
            expansions: Vec::new(),
            layout_known: true,
            docker_error: docker_error.map(Box::new),
            error_depends_on_expansions: false,
            group,
        }
    }

    /// Docker's error for this item alone, when it does not depend on shell expansions.
    pub fn known_error(&self) -> Option<&DockerError> {
        self.docker_error.as_deref().filter(|_| !self.error_depends_on_expansions)
    }

    /// The expansions that overlap a span of the document.
    pub fn expansions_in(&self, span: Span) -> impl Iterator<Item = &Expansion> {
        self.expansions.iter().filter(move |e| e.span.start < span.end.max(span.start + 1) && span.start < e.span.end)
    }

    /// True when a field's text holds no expansion: its value is what Docker gets.
    /// A field that was not written is literal.
    pub fn is_literal(&self, field: Field) -> bool {
        if !self.layout_known {
            return false;
        }
        match self.mount.provenance.get(&field) {
            Some(span) => self.expansions_in(*span).next().is_none(),
            None => true,
        }
    }

    /// The expansion the source starts with, if any.
    pub fn leading_source_expansion(&self) -> Option<&Expansion> {
        let at = self.source_in_text?.span().start;
        self.expansions.iter().find(|e| e.value_span.start == at)
    }

    /// The source exactly as written (`./data`, `~/x`, `$PWD/x`), before the CLI makes a
    /// relative path absolute.
    pub fn written_source(&self) -> Option<&str> {
        if !self.layout_known {
            return None;
        }
        let span = self.source_in_text?.span();
        self.text.get(span.start..span.end)
    }

    /// The kind of mount once the shell has expanded the value, `None` when an expansion
    /// decides it. With `-v` (and compose short syntax) the source's first character
    /// decides: a source starting with `~`, `$HOME`, `$PWD` or `$(pwd)` is a bind.
    pub fn kind(&self) -> Option<MountKind> {
        if !self.layout_known {
            return None;
        }
        if matches!(self.mount.syntax, SyntaxKind::VolumeFlag | SyntaxKind::ComposeShort) {
            if let Some(expansion) = self.leading_source_expansion() {
                return expansion.is_absolute_path().then_some(MountKind::Bind);
            }
            return Some(self.mount.kind.clone());
        }
        self.is_literal(Field::Kind).then(|| self.mount.kind.clone())
    }

    /// The bind's host path as far as it can be known without running anything: the
    /// cleaned absolute source, with a leading `~`, `$HOME` or `${HOME}` kept as `~`
    /// (`~/.ssh`), a `${VAR:-/default}` read as its default and `$XDG_RUNTIME_DIR` as
    /// `/run/user/$UID`. `None` for volumes, relative sources (their directory is the
    /// unknown working directory), sources that other expansions decide, and the binds
    /// of `RUN --mount`.
    pub fn host_path(&self) -> Option<String> {
        // A `RUN --mount` bind reads the build context or another stage, never the host.
        if self.kind() != Some(MountKind::Bind) || self.mount.syntax == SyntaxKind::BuildMount {
            return None;
        }
        let written = self.written_source()?;
        let start = self.source_in_text?.span().start;
        let mut resolved = String::new();
        let mut at = 0;
        for expansion in self.expansions.iter().filter(|e| e.value_span.start >= start) {
            let from = expansion.value_span.start - start;
            let to = expansion.value_span.end.saturating_sub(start).min(written.len());
            if from > written.len() {
                break;
            }
            resolved.push_str(written.get(at..from)?);
            let replacement = match (expansion.kind, expansion.name.as_str(), &expansion.default) {
                (ExpansionKind::Tilde, "", _) | (ExpansionKind::Parameter, "HOME", _) if from == 0 => "~".to_string(),
                (ExpansionKind::Parameter, "XDG_RUNTIME_DIR", _) if from == 0 => "/run/user/$UID".to_string(),
                (ExpansionKind::Parameter, _, Some(default)) => default.clone(),
                _ => return None,
            };
            resolved.push_str(&replacement);
            at = to;
        }
        resolved.push_str(written.get(at..)?);
        if let Some(home) = resolved.strip_prefix('~') {
            if home.is_empty() {
                return Some("~".to_string());
            }
            if home.starts_with('/') {
                return Some(format!("~{}", crate::model::paths::clean(home)));
            }
            return None;
        }
        resolved.starts_with('/').then(|| crate::model::paths::clean(&resolved))
    }
}

/// Items that are used together: one command line, one compose service, one image.
#[derive(Clone, Debug)]
pub struct Group {
    /// The whole command line (or service, or Dockerfile) in the document.
    pub span: Span,
    /// Docker's verdict on the group as a whole, as written (duplicates, order of errors...),
    /// without its mount points: rules judge the items ([`Verdict::without_mount_points`]).
    pub verdict: Verdict,
    /// The verdict's error (or start error) goes away for some value of the shell
    /// expansions: rules must not report it.
    pub error_depends_on_expansions: bool,
    /// Container-wide settings that matter to rules.
    pub auto_remove: bool,
    /// `--use-api-socket` (CLI ≥ 28.1) or compose `use_api_socket: true`, where it is set.
    pub use_api_socket: Option<Span>,
    /// The group is written for Windows (`C:\data`, `%cd%`, a Windows base image...) while
    /// the context is a Linux daemon: what a POSIX shell and a Linux Engine make of it is
    /// not what its author runs, so rules that judge paths leave it alone.
    pub for_windows: bool,
}

impl Group {
    /// A group with no container-wide flags (a compose service, a Dockerfile).
    pub fn plain(span: Span, verdict: Verdict) -> Group {
        Group {
            span,
            verdict: verdict.without_mount_points(),
            error_depends_on_expansions: false,
            auto_remove: false,
            use_api_socket: None,
            for_windows: false,
        }
    }

    /// The error `docker create` prints, when it does not depend on shell expansions.
    pub fn known_error(&self) -> Option<&DockerError> {
        self.verdict.error.as_ref().filter(|_| !self.error_depends_on_expansions)
    }

    /// The error the container fails to start with, when it does not depend on shell
    /// expansions.
    pub fn known_start_error(&self) -> Option<&DockerError> {
        self.verdict.start_error.as_ref().filter(|_| !self.error_depends_on_expansions)
    }
}

/// Who refuses a [`FileError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refuser {
    /// `docker build` (the builder the versions select).
    Builder,
    /// `docker compose`, while it loads the project.
    Compose,
}

/// A refusal of the file that belongs to no one storage item: the builder's error for a
/// `VOLUME` instruction, compose's validation and consistency errors. The file itself
/// was read: these are not read errors, and rules explain them (or `docker-rejects`
/// reports them with the exact text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub refuser: Refuser,
    /// Exactly as the builder or compose prints it.
    pub message: String,
    pub span: Span,
}

/// What a compose file's rules need beyond its items.
#[derive(Clone, Debug)]
pub struct ComposeFacts {
    /// The project as loaded from this one file; its spans point into the document, its
    /// services are the document's groups, in order.
    pub project: ComposeProject,
    /// The file is meant to be merged with others, so references to things it does not
    /// declare may be declared elsewhere: it is named as an override file
    /// (`compose.override.yaml`, `docker-compose.override.yml`), it uses `include:` or
    /// `extends:` (not followed), a service in it has neither `image` nor `build`, it
    /// refers to networks or services it does not declare, or it is a deployment
    /// platform's template (Coolify's `SERVICE_*` variables) whose platform adds the
    /// declarations.
    pub partial: bool,
    /// The file is named as an override file, or extends services: a service without
    /// `image` is what such a file is expected to have.
    pub override_file: bool,
    /// Variables the file uses that are not set where it was linted (no `.env`, no
    /// default): compose reads them as empty strings, so what it says about a value that
    /// uses one depends on an environment the file expects and lint does not have.
    pub unset_variables: BTreeSet<String>,
}

impl ComposeFacts {
    /// True when `text` (a value as written) uses one of the unset variables.
    pub fn uses_unset_variable(&self, text: &str) -> bool {
        uses_variable(text, &self.unset_variables)
    }
}

/// True when `text` refers to one of `names` as `$NAME` or `${NAME...}`.
pub fn uses_variable(text: &str, names: &BTreeSet<String>) -> bool {
    let name_char = |c: char| c == '_' || c.is_ascii_alphanumeric();
    text.match_indices('$').any(|(at, _)| {
        let rest = text.get(at + 1..).unwrap_or("");
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        let end = rest.find(|c: char| !name_char(c)).unwrap_or(rest.len());
        rest.get(..end).is_some_and(|name| names.contains(name))
    })
}

/// Every storage item of one file.
#[derive(Clone, Debug, Default)]
pub struct Document {
    pub text: String,
    pub items: Vec<Item>,
    /// Indexed by [`Item::group`].
    pub groups: Vec<Group>,
    /// The directory of the linted file (relative host paths are looked up there).
    pub base_dir: Option<PathBuf>,
    /// The Docker versions, platform and daemon the verdicts were made for.
    pub context: Context,
    /// Refusals of the file that belong to no one item.
    pub file_errors: Vec<FileError>,
    /// A Dockerfile's analysis: its `VOLUME` instructions as written, the changes after
    /// them, the builder's errors.
    pub dockerfile: Option<Box<DockerfileAnalysis>>,
    /// A compose file's project.
    pub compose: Option<Box<ComposeFacts>>,
}

impl Document {
    /// The group an item belongs to.
    pub fn group_of(&self, item: &Item) -> Option<&Group> {
        self.groups.get(item.group)
    }

    /// True when the item's group is written for Windows (see [`Group::for_windows`]).
    pub fn for_windows(&self, item: &Item) -> bool {
        self.group_of(item).is_some_and(|g| g.for_windows)
    }

    /// The document's text at a span (empty when the span is not in it).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
}

/// A rule: its identity, its documentation and its check.
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    /// The most serious severity the rule reports (a finding may say less).
    pub severity: Severity,
    /// The rule file's source: its `//!` comment is the documentation.
    pub source: &'static str,
    pub check: fn(&Document) -> Vec<Finding>,
    /// The Docker errors this rule explains when it reports the item that causes them:
    /// [`docker_rejects`] then stays silent about that item, so no error is reported twice.
    pub covers: Option<fn(&DockerError) -> bool>,
}

impl Rule {
    /// The rule's documentation: its file's leading `//!` comment.
    pub fn documentation(&self) -> String {
        let mut doc = String::new();
        for line in self.source.lines() {
            let Some(rest) = line.strip_prefix("//!") else {
                break;
            };
            doc.push_str(rest.strip_prefix(' ').unwrap_or(rest));
            doc.push('\n');
        }
        doc
    }

    /// The first sentence of the "What it does" section.
    pub fn summary(&self) -> String {
        let doc = self.documentation();
        let body = doc.lines().skip_while(|l| !l.starts_with("## What it does")).skip(1);
        let paragraph: Vec<&str> = body.take_while(|l| !l.trim().is_empty()).collect();
        paragraph.join(" ")
    }

    /// A finding of this rule with its default severity.
    pub fn finding(&self, span: Span, message: impl Into<Cow<'static, str>>, fix: Option<Fix>) -> Finding {
        Finding {
            code: self.code,
            name: self.name,
            severity: self.severity,
            message: message.into(),
            span,
            fix: fix.map(Box::new),
        }
    }
}

/// Every rule, in code order.
pub const RULES: &[Rule] = &[
    anonymous_volume::RULE,
    host_path_read_as_volume_name::RULE,
    tilde_not_expanded::RULE,
    drive_letter_volume_name::RULE,
    invalid_mode::RULE,
    comma_in_target::RULE,
    option_wrong_mount_type::RULE,
    invalid_target::RULE,
    duplicate_target::RULE,
    docker_socket_mount::RULE,
    sensitive_host_path::RULE,
    selinux_relabel_system_path::RULE,
    readonly_not_recursive::RULE,
    invalid_volume_name::RULE,
    volume_json_malformed::RULE,
    comment_in_volume::RULE,
    relative_volume_path::RULE,
    change_after_volume::RULE,
    undefined_volume::RULE,
    unused_volume::RULE,
    invalid_tmpfs_option::RULE,
    consistency_no_effect::RULE,
    docker_rejects::RULE,
];

/// Looks a rule up by code (`DM006`) or name (`comma-in-target`).
pub fn find(key: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
}

/// Runs every rule on a document; findings in text order.
pub fn check(document: &Document) -> Vec<Finding> {
    // The largest rule's findings are the vector the others join, with room made once: a
    // file of 100,000 image volumes makes 100,000 findings of one rule, not to be copied.
    let mut found: Vec<Vec<Finding>> = RULES.iter().map(|rule| (rule.check)(document)).collect();
    let largest = (0..found.len()).max_by_key(|&i| found[i].len()).unwrap_or(0);
    let mut findings = found.get_mut(largest).map(std::mem::take).unwrap_or_default();
    findings.reserve_exact(found.iter().map(Vec::len).sum());
    for more in found {
        findings.extend(more);
    }
    // An unstable sort on a key that tells findings apart: a stable one takes room for half
    // of 100,000 findings to sort them.
    findings.sort_unstable_by(|a, b| {
        (a.span.start, a.code, a.span.end, &a.message).cmp(&(b.span.start, b.code, b.span.end, &b.message))
    });
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_documented_in_the_house_format() {
        for rule in RULES {
            let doc = rule.documentation();
            for section in ["## What it does", "## Why is this bad?", "## Example", "## Fix safety"] {
                assert!(doc.contains(section), "{} lacks {section}", rule.name);
            }
            assert!(rule.code.starts_with("DM"), "{}", rule.code);
            assert!(!rule.summary().is_empty());
        }
    }

    #[test]
    fn codes_and_names_are_unique() {
        for (i, a) in RULES.iter().enumerate() {
            for b in &RULES[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
    }
}
