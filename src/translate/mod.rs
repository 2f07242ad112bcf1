//! `translate`: the same storage in another syntax — `-v` ⇄ `--mount` ⇄ `--tmpfs`, a whole
//! `docker run` line to a compose service, and a compose service back to `docker run` flags —
//! with every change of behaviour said plainly.
//!
//! The pipeline, for each storage flag of the input:
//! 1. read it into the semantic [`Mount`] (the model layer) and ask what Docker does with
//!    it ([`meaning`]); a value Docker refuses is not translated (its error is reported);
//! 2. an emitter writes the mount in the wanted syntax (`to_mount`, `to_volume`,
//!    `to_tmpfs`, `to_compose`), with notes on what it could not keep;
//! 3. the output is read back by Docker's own rules and its meaning compared with the
//!    original's: equal and without warnings is *exact*. A difference no emitter explained
//!    still becomes a warning, so nothing changes silently.
//!
//! One compose short-syntax entry can also be written in the long syntax on its own
//! ([`compose_entry`]), for an editor's refactor.
//!
//! Items that cannot be written in the wanted syntax at all are kept as written (flags) or
//! left out (compose), always with a warning. Output is canonical: translating it again
//! gives the same text.

pub mod compose_entry;
pub mod expansions;
pub mod meaning;
pub mod notes;
pub mod quote;
pub mod to_compose;
pub mod to_mount;
pub mod to_run;
pub mod to_tmpfs;
pub mod to_volume;

use crate::model::context::{Context, HostFs};
use crate::model::engine::{self, FlagKind, RunInput};
use crate::model::mount::{Field, Mount, MountKind};
use crate::model::paths::clean;
use crate::model::{mount_flag, tmpfs_flag, volume_flag};
use crate::span::Span;
use crate::syntax::run_flags_table::{lookup_long, Arity};
use crate::syntax::run_line::{FlagUse, RunLine, Word};
use expansions::{Expansion, StoodIn};
use meaning::Meaning;
pub use notes::{Note, Severity};
use serde::Serialize;

/// The syntax to translate to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// `-v` and `--tmpfs` to `--mount`; `--mount` to the shortest exact flag.
    Auto,
    Mount,
    Volume,
    Tmpfs,
    /// A compose service: short syntax where it is exact, long syntax where needed.
    Compose,
    /// A compose service, long syntax only.
    ComposeLong,
    /// The shortest exact flag for everything (`-v`, `--tmpfs`, else `--mount`): what a
    /// compose service becomes.
    Shortest,
}

/// What the input is, which decides the shape of the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape<'a> {
    /// Flags without an image: one output line per flag.
    Flags,
    /// A whole command line read from text: the same line with its storage flags
    /// replaced (the rest of the text untouched).
    CommandText,
    /// The arguments of `docker run` given as words (these), with an image: the same
    /// words with the storage flags replaced, quoted for a shell. The line must have been
    /// read from them (`run_line::parse_args`).
    CommandWords(&'a [String]),
}

/// A translation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Translation {
    /// Flags (one per line), a command line, or the lines of a compose file.
    pub output: Vec<String>,
    pub notes: Vec<Note>,
    /// The output does exactly what the input does, in the wanted syntax.
    pub exact: bool,
}

/// Why nothing was translated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The input could not be read (a usage problem) rather than refused by Docker.
    pub unreadable: bool,
    /// The errors (first the one to show), then any notes.
    pub notes: Vec<Note>,
}

impl Refusal {
    fn unreadable(notes: Vec<Note>) -> Refusal {
        Refusal { unreadable: true, notes }
    }

    fn refused(notes: Vec<Note>) -> Refusal {
        Refusal { unreadable: false, notes }
    }
}

/// What an emitter returns: the value and its notes (spans relative to the input value),
/// or why this syntax cannot say it.
pub type Emitted = Result<(String, Vec<Note>), Vec<Note>>;

/// What an emitter reads: one storage item and what it does.
pub struct Item<'a> {
    /// The syntax it was written in.
    pub kind: FlagKind,
    /// The value as translated (expansions stood in for).
    pub value: &'a str,
    pub mount: &'a Mount,
    pub meaning: &'a Meaning,
    /// The container-wide `--volume-driver` (`""` when none).
    pub volume_driver: &'a str,
    pub ctx: &'a Context,
}

impl Item<'_> {
    /// Where a field was written in the value (the whole value when it was not).
    pub fn span_of(&self, field: Field) -> Span {
        self.mount.span_of(field)
    }

    /// A warning about a field.
    pub fn note_at(&self, field: Field, message: String) -> Note {
        Note::warning(message, Some(self.span_of(field)))
    }

    /// The source to write: a relative `.` path as written (the CLI and compose resolve it
    /// themselves), otherwise the source Docker uses.
    pub fn source_text(&self) -> Option<String> {
        let source = self.mount.source.clone().filter(|s| !s.is_empty())?;
        if self.mount.kind != MountKind::Bind {
            return Some(source);
        }
        let written = match self.kind {
            FlagKind::Volume => {
                let span = self.mount.span_of(Field::Source);
                self.value.get(span.start..span.end).map(str::to_string)
            }
            FlagKind::Mount => written_mount_source(self.value, self.ctx),
            FlagKind::Tmpfs => None,
        };
        match written {
            Some(text) if text.starts_with('.') => Some(text),
            _ => Some(source),
        }
    }
}

/// The `source`/`src` value of a `--mount` value as written (the last one).
fn written_mount_source(value: &str, ctx: &Context) -> Option<String> {
    let record = crate::syntax::mount_flag::parse(value.trim()).ok()?;
    let _ = ctx;
    record
        .fields
        .iter()
        .rev()
        .find(|f| matches!(f.key.text.trim().to_ascii_lowercase().as_str(), "source" | "src"))
        .and_then(|f| f.value.as_ref().map(|v| v.text.clone()))
}

/// One storage flag of the input.
#[derive(Clone, Debug)]
pub struct Input {
    pub kind: FlagKind,
    /// The flag use (name, spans).
    pub flag: FlagUse,
    /// The value word (spans into the input text).
    pub word: Word,
    /// The value with its shell expansions stood in for.
    pub stood: StoodIn,
    /// The flag and its value in the input text.
    pub span: Span,
    /// The flag letter is inside a group (`-itv /a:/b`).
    pub grouped: bool,
}

impl Input {
    pub fn value(&self) -> &str {
        &self.stood.value
    }

    /// A span of the translated value as a span of the input text.
    pub fn text_span(&self, within: Span) -> Span {
        let (start, end) = self.stood.original_span(within.start, within.end);
        self.word.source_span(Span::new(start, end))
    }

    /// The flag as the canonical name writes it.
    pub fn flag_name(&self) -> &'static str {
        flag_name(self.kind)
    }
}

/// `-v`, `--mount`, `--tmpfs`.
pub fn flag_name(kind: FlagKind) -> &'static str {
    match kind {
        FlagKind::Volume => "-v",
        FlagKind::Mount => "--mount",
        FlagKind::Tmpfs => "--tmpfs",
    }
}

/// The semantic model of a flag value.
pub fn model_of(kind: FlagKind, value: &str, ctx: &Context) -> Option<Mount> {
    match kind {
        FlagKind::Volume => volume_flag::to_model(value, ctx),
        FlagKind::Mount => mount_flag::to_model(value, ctx),
        FlagKind::Tmpfs => tmpfs_flag::to_model(value, ctx),
    }
}

/// The storage flags of a line, in order.
pub fn inputs_of(line: &RunLine) -> Vec<Input> {
    let mut inputs = Vec::new();
    let mut placeholders = 0;
    for flag in &line.flags {
        let (Some(kind), Some(word)) = (FlagKind::of_flag(flag.name), flag.value.clone()) else { continue };
        // `-itv /a:/b`: the flag is a letter inside a group.
        let grouped = line.text.get(flag.span.start..).is_some_and(|rest| !rest.starts_with('-'));
        let start = if grouped { flag.span.start } else { flag.span.start.min(word.span.start) };
        let span = Span::new(start, flag.span.end.max(word.span.end));
        let stood = expansions::stand_in(&word, &mut placeholders);
        inputs.push(Input { kind, flag: flag.clone(), word, stood, span, grouped });
    }
    inputs
}

/// One storage item, read and judged.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub input: Input,
    pub mount: Mount,
    pub meaning: Meaning,
    /// Left out of the translation (with the reason): repeated or shadowed.
    pub skip: Option<Note>,
}

/// One translated flag.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub kind: FlagKind,
    /// The value, with the expansions stood in for.
    pub value: String,
    /// `false` when kept as written (no form in the wanted syntax).
    pub translated: bool,
    pub exact: bool,
    /// Spans relative to the input value.
    pub notes: Vec<Note>,
}

/// The context every translation is judged in: host paths are taken to exist (a
/// translation is usually made away from the host it is for), the image is unknown.
fn judging_context(ctx: &Context) -> Context {
    Context { host: HostFs::AllExist, image_volumes: Vec::new(), ..ctx.clone() }
}

/// Reads the storage flags of a line and asks Docker about them: the items, or Docker's
/// error (with where it is) when it refuses them.
pub fn prepare(line: &RunLine, shape: Shape<'_>, ctx: &Context) -> Result<(Vec<Prepared>, Vec<Note>), Refusal> {
    let ctx = judging_context(ctx);
    let problems: Vec<Note> = line
        .problems
        .iter()
        .filter(|p| shape != Shape::Flags || !p.message.contains("requires at least 1 argument"))
        .map(|p| {
            let message = match &p.hint {
                Some(hint) => format!("{} ({hint})", p.message),
                None => p.message.clone(),
            };
            Note::error(message, Some(p.span))
        })
        .collect();
    if !problems.is_empty() {
        return Err(Refusal::unreadable(problems));
    }
    if let Some(unknown) = line.unknown_flags.first() {
        let word = unknown.value.as_str();
        let message = if let Some(long) = word.strip_prefix("--") {
            format!("unknown flag: --{}", long.split('=').next().unwrap_or(long))
        } else {
            let letter = word.chars().nth(1).unwrap_or('-');
            format!("unknown shorthand flag: '{letter}' in {word}")
        };
        return Err(Refusal::refused(vec![Note::error(message, Some(unknown.span))]));
    }
    let inputs = inputs_of(line);
    if inputs.is_empty() && shape == Shape::Flags {
        return Err(Refusal::unreadable(vec![Note::error(
            "no storage flag to translate: give `-v`/`--volume`, `--mount` or `--tmpfs` with its value",
            Some(Span::new(0, line.text.len())),
        )]));
    }
    let volume_driver = line.last_value("volume-driver").unwrap_or("").to_string();
    let mut notes = Vec::new();
    for word in &line.opaque {
        notes.push(Note::info(
            format!("`{}` stands for words the shell supplies: kept as written, not translated", word.value),
            Some(word.span),
        ));
    }
    let mut items = Vec::new();
    for input in inputs {
        let value = input.value().to_string();
        for expansion in &input.stood.expansions {
            notes.push(Note::info(expansions::describe(expansion), Some(input.word.span)));
        }
        let meaning = match meaning::of_flag(input.kind, &value, &volume_driver, &ctx) {
            Ok(meaning) => meaning,
            Err(error) => {
                let mut message = error.message.clone();
                if !input.stood.expansions.is_empty() {
                    message.push_str(" (with the shell's expansions read as placeholders)");
                }
                return Err(Refusal::refused(vec![Note::error(message, Some(input.word.span))]));
            }
        };
        let Some(mount) = model_of(input.kind, &value, &ctx) else {
            return Err(Refusal::refused(vec![Note::error("Docker cannot read this value", Some(input.word.span))]));
        };
        items.push(Prepared { input, mount, meaning, skip: None });
    }
    // Docker's verdict on all of them together (duplicates, `--rm` with `--restart`).
    let mut run_input = RunInput::from_line(line);
    for (flag, item) in run_input.flags.iter_mut().zip(&items) {
        flag.value = item.input.value().to_string();
    }
    let verdict = engine::predict(&run_input, &ctx);
    if let Some(error) = verdict.error.as_ref().or(verdict.start_error.as_ref()) {
        let span = culprit(&error.message, &items, line);
        return Err(Refusal::refused(vec![Note::error(error.message.clone(), Some(span))]));
    }
    mark_skipped(&mut items);
    Ok((items, notes))
}

/// Where a whole-command error comes from.
fn culprit(message: &str, items: &[Prepared], line: &RunLine) -> Span {
    if let Some(destination) = message.strip_prefix("Duplicate mount point: ") {
        let cleaned = clean(destination);
        if let Some(item) = items.iter().rev().find(|i| i.meaning.destination == cleaned) {
            return item.input.span;
        }
    }
    if message.contains("--restart") {
        if let Some(flag) = line.flags.iter().rev().find(|f| f.name == "restart") {
            return flag.span;
        }
    }
    Span::new(0, line.text.len())
}

/// What Docker itself leaves out: a `-v` value given again verbatim (sent once), an
/// earlier `--tmpfs` of the same path (the last wins), an anonymous `-v` volume where
/// something else is mounted, or where an earlier anonymous `-v` is (dropped by the Engine).
/// Written again, each would change what happens (`--mount` reports duplicates), so the
/// translation leaves them out too.
fn mark_skipped(items: &mut [Prepared]) {
    let flags: Vec<(FlagKind, String, String)> =
        items.iter().map(|i| (i.input.kind, i.input.value().to_string(), i.meaning.destination.clone())).collect();
    for (item, reason) in items.iter_mut().zip(dropped_by_docker(&flags)) {
        if let Some(reason) = reason {
            item.skip = Some(Note::info(reason, Some(item.input.span)));
        }
    }
}

/// For each flag `(kind, value, cleaned destination)`, why Docker leaves it out, if it does.
fn dropped_by_docker(flags: &[(FlagKind, String, String)]) -> Vec<Option<String>> {
    let anonymous = |kind: FlagKind, value: &str| {
        kind == FlagKind::Volume
            && matches!(meaning::client_sent(kind, value, &Context::default()), Ok(meaning::Sent::Anonymous(_)))
    };
    let tmpfs_path = |value: &str| tmpfs_flag::client(value).0;
    let mut out: Vec<Option<String>> = vec![None; flags.len()];
    for (i, (kind, value, destination)) in flags.iter().enumerate() {
        let kind = *kind;
        if kind == FlagKind::Volume && flags[..i].iter().any(|(k, v, _)| *k == kind && v == value) {
            out[i] = Some(format!("`-v {value}` is given twice: Docker uses it once, and so does the translation"));
            continue;
        }
        if kind == FlagKind::Tmpfs {
            let path = tmpfs_path(value);
            if flags[i + 1..].iter().any(|(k, v, _)| *k == kind && tmpfs_path(v) == path) {
                out[i] = Some(format!(
                    "`--tmpfs {value}` is replaced by a later `--tmpfs` of the same path, as Docker does"
                ));
            }
            continue;
        }
        if !anonymous(kind, value) {
            continue;
        }
        let shadowed = flags.iter().enumerate().any(|(j, (other_kind, other_value, other_destination))| {
            if j == i || out[j].is_some() {
                return false;
            }
            match other_kind {
                FlagKind::Tmpfs => tmpfs_path(other_value) == *destination,
                FlagKind::Volume if anonymous(*other_kind, other_value) => j < i && other_destination == destination,
                _ => other_destination == destination,
            }
        });
        if shadowed {
            out[i] = Some(format!(
                "the anonymous volume `-v {value}` is dropped by Docker because something else is mounted at `{destination}`; the translation leaves it out too"
            ));
        }
    }
    out
}

/// Translates a `docker run` line (or its storage flags) into flags of the wanted syntax,
/// or into a compose service.
pub fn translate(line: &RunLine, shape: Shape<'_>, target: Target, ctx: &Context) -> Result<Translation, Refusal> {
    let (items, mut notes) = prepare(line, shape, ctx)?;
    let judging = judging_context(ctx);
    if matches!(target, Target::Compose | Target::ComposeLong) {
        let compose = to_compose::translate(line, shape, &items, target == Target::ComposeLong, &judging);
        notes.extend(compose.notes);
        let exact = compose.exact && !notes.iter().any(Note::is_warning);
        return Ok(Translation { output: compose.output, notes, exact });
    }
    let volume_driver = line.last_value("volume-driver").unwrap_or("").to_string();
    let mut outcomes: Vec<Option<Outcome>> = Vec::new();
    let shared = shared_destinations(&items);
    for (item, shared) in items.iter().zip(shared) {
        if let Some(skip) = &item.skip {
            notes.push(skip.clone());
            outcomes.push(None);
            continue;
        }
        if shared && matches!(target, Target::Auto | Target::Shortest) {
            // Mounts at one path stack or clash by syntax (`--tmpfs` and `--mount` stack,
            // two `--mount`s clash): each keeps its own.
            let mut kept = translate_item(item, own_target(item.input.kind), &volume_driver, &judging);
            kept.notes.insert(
                0,
                Note::info(
                    format!(
                        "stays `{}`: another flag mounts at `{}` too, and how Docker stacks or refuses mounts at one path depends on their syntax",
                        item.input.flag_name(),
                        item.meaning.destination
                    ),
                    None,
                ),
            );
            outcomes.push(Some(kept));
            continue;
        }
        outcomes.push(Some(translate_item(item, target, &volume_driver, &judging)));
    }
    let explicit = !matches!(target, Target::Auto | Target::Shortest);
    let mut refused = None;
    for _ in 0..=items.len() {
        let merged = keep_distinct(&items, &mut outcomes, &volume_driver, &judging, explicit);
        let (changed, still) = keep_accepted(&items, &mut outcomes, &volume_driver, &judging, explicit);
        refused = still;
        if !merged && !changed {
            break;
        }
    }
    for (item, outcome) in items.iter().zip(&outcomes) {
        for note in outcome.iter().flat_map(|o| &o.notes) {
            notes.push(note.clone().mapped(|s| item.input.text_span(s)));
        }
    }
    if let Some(message) = refused {
        notes.push(Note::warning(format!("Docker refuses the translated flags together: {message}"), None));
    }
    if !volume_driver.is_empty() && items.iter().all(|i| i.input.kind != FlagKind::Volume || i.skip.is_some()) {
        // Nothing to add: the flag is kept where it is.
    } else if !volume_driver.is_empty()
        && outcomes.iter().flatten().all(|o| o.kind != FlagKind::Volume)
        && items.iter().any(|i| i.input.kind == FlagKind::Volume)
    {
        notes.push(Note::info(
            format!("`--volume-driver {volume_driver}` is kept: it still applies to the image's own `VOLUME`s"),
            None,
        ));
    }
    let exact = outcomes.iter().flatten().all(|o| o.exact) && !notes.iter().any(Note::is_warning);
    let output = render(line, shape, &items, &outcomes);
    Ok(Translation { output, notes, exact })
}

/// Translations that Docker would collapse where the originals were distinct (`--mount
/// type=tmpfs,dst=/t` next to `--tmpfs /t:size=1m` are two mounts; two `--tmpfs /t` are one)
/// stay in their own syntax.
fn keep_distinct(
    items: &[Prepared],
    outcomes: &mut [Option<Outcome>],
    driver: &str,
    ctx: &Context,
    explicit: bool,
) -> bool {
    let mut changed = false;
    for _ in 0..items.len() {
        let flags: Vec<(FlagKind, String, String)> = items
            .iter()
            .zip(outcomes.iter())
            .filter_map(|(item, outcome)| {
                outcome.as_ref().map(|o| (o.kind, o.value.clone(), item.meaning.destination.clone()))
            })
            .collect();
        let dropped = dropped_by_docker(&flags);
        let live: Vec<usize> = (0..items.len()).filter(|i| outcomes[*i].is_some()).collect();
        let Some(position) = dropped.iter().position(Option::is_some) else { return changed };
        let Some(&lost) = live.get(position) else { return changed };
        // Revert a translated item at that path (the lost one itself, or the one that
        // took its place).
        let destination = &items[lost].meaning.destination;
        let converted = |i: &usize| outcomes[*i].as_ref().is_some_and(|o| o.kind != items[*i].input.kind);
        let Some(index) = std::iter::once(lost)
            .chain(live.iter().copied())
            .find(|i| converted(i) && items[*i].meaning.destination == *destination)
        else {
            return changed;
        };
        let item = &items[index];
        let own = match item.input.kind {
            FlagKind::Volume => Target::Volume,
            FlagKind::Mount => Target::Mount,
            FlagKind::Tmpfs => Target::Tmpfs,
        };
        let was = outcomes[index].as_ref().map(|o| o.kind);
        let mut kept = translate_item(item, own, driver, ctx);
        let message = format!(
            "stays `{}`: as `{}` Docker would merge it with another flag ({})",
            item.input.flag_name(),
            was.map(flag_name).unwrap_or("?"),
            dropped[position].clone().unwrap_or_default()
        );
        kept.notes.insert(0, if explicit { Note::warning(message, None) } else { Note::info(message, None) });
        kept.exact &= !explicit;
        outcomes[index] = Some(kept);
        changed = true;
    }
    changed
}

/// Docker's verdict on the translated flags together: `--mount` reports repeated
/// destinations where `-v` collapsed them or `--tmpfs` stacked them. Translated items at a
/// refused destination go back to their own syntax; the message when Docker still refuses.
fn keep_accepted(
    items: &[Prepared],
    outcomes: &mut [Option<Outcome>],
    driver: &str,
    ctx: &Context,
    explicit: bool,
) -> (bool, Option<String>) {
    let mut changed = false;
    for _ in 0..=items.len() {
        let mut run_input = RunInput { volume_driver: driver.to_string(), ..RunInput::default() };
        for outcome in outcomes.iter().flatten() {
            run_input.flags.push(engine::StorageFlag {
                kind: outcome.kind,
                value: outcome.value.clone(),
                span: Span::default(),
            });
        }
        let verdict = engine::predict(&run_input, ctx);
        let Some(error) = verdict.error.as_ref().or(verdict.start_error.as_ref()) else { return (changed, None) };
        let destination = error.message.strip_prefix("Duplicate mount point: ").map(clean);
        let converted = (0..items.len()).find(|&i| {
            outcomes[i].as_ref().is_some_and(|o| o.kind != items[i].input.kind)
                && destination.as_ref().is_some_and(|d| *d == items[i].meaning.destination)
        });
        let Some(index) = converted else { return (changed, Some(error.message.clone())) };
        let item = &items[index];
        let was = outcomes[index].as_ref().map(|o| o.kind).unwrap_or(item.input.kind);
        let mut kept = translate_item(item, own_target(item.input.kind), driver, ctx);
        let message = format!(
            "stays `{}`: as `{}` Docker would refuse it next to the other mount at `{}` ({})",
            item.input.flag_name(),
            flag_name(was),
            item.meaning.destination,
            error.message
        );
        kept.notes.insert(0, if explicit { Note::warning(message, None) } else { Note::info(message, None) });
        kept.exact &= !explicit;
        outcomes[index] = Some(kept);
        changed = true;
    }
    (changed, None)
}

/// The target that keeps a flag in its own syntax (in canonical form).
fn own_target(kind: FlagKind) -> Target {
    match kind {
        FlagKind::Volume => Target::Volume,
        FlagKind::Mount => Target::Mount,
        FlagKind::Tmpfs => Target::Tmpfs,
    }
}

/// For each item, whether another item (not left out) mounts at the same path.
fn shared_destinations(items: &[Prepared]) -> Vec<bool> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.skip.is_none()
                && items.iter().enumerate().any(|(j, other)| {
                    j != i && other.skip.is_none() && other.meaning.destination == item.meaning.destination
                })
        })
        .collect()
}

/// The syntaxes to try for an item, in order of preference.
fn candidates(item: &Prepared, target: Target) -> Vec<FlagKind> {
    match target {
        Target::Mount => vec![FlagKind::Mount],
        Target::Volume => vec![FlagKind::Volume],
        Target::Tmpfs => vec![FlagKind::Tmpfs],
        Target::Shortest => match &item.mount.kind {
            MountKind::Tmpfs => vec![FlagKind::Tmpfs, FlagKind::Mount],
            MountKind::Bind | MountKind::Volume | MountKind::Npipe => vec![FlagKind::Volume, FlagKind::Mount],
            _ => vec![FlagKind::Mount],
        },
        _ => match (item.input.kind, &item.mount.kind) {
            (FlagKind::Mount, MountKind::Tmpfs) => vec![FlagKind::Tmpfs, FlagKind::Mount],
            (FlagKind::Mount, MountKind::Bind | MountKind::Volume | MountKind::Npipe) => {
                vec![FlagKind::Volume, FlagKind::Mount]
            }
            _ => vec![FlagKind::Mount],
        },
    }
}

/// Writes a mount in one syntax.
pub fn emit(kind: FlagKind, item: &Item) -> Emitted {
    match kind {
        FlagKind::Mount => to_mount::emit(item),
        FlagKind::Volume => to_volume::emit(item),
        FlagKind::Tmpfs => to_tmpfs::emit(item),
    }
}

/// Translates one item: the first candidate that is exact, else the last one that works
/// (with its warnings), else the item as written.
pub fn translate_item(item: &Prepared, target: Target, volume_driver: &str, ctx: &Context) -> Outcome {
    let view = Item {
        kind: item.input.kind,
        value: item.input.value(),
        mount: &item.mount,
        meaning: &item.meaning,
        volume_driver,
        ctx,
    };
    let candidates = candidates(item, target);
    let auto = matches!(target, Target::Auto | Target::Shortest);
    let mut reasons: Vec<Note> = Vec::new();
    for (index, kind) in candidates.iter().copied().enumerate() {
        let last = index + 1 == candidates.len();
        let (value, mut notes) = match emit(kind, &view) {
            Ok(emitted) => emitted,
            Err(problems) => {
                reasons.extend(problems);
                continue;
            }
        };
        let translated = match meaning::of_flag(kind, &value, volume_driver, ctx) {
            Ok(translated) => translated,
            Err(error) => {
                reasons.push(Note::warning(
                    format!("Docker refuses `{} {value}`: {}", flag_name(kind), error.message),
                    Some(Span::new(0, item.input.value().len())),
                ));
                continue;
            }
        };
        if translated != item.meaning && !notes.iter().any(Note::is_warning) {
            let whole = Some(Span::new(0, item.input.value().len()));
            notes.extend(notes::unexplained(&item.meaning, &translated, flag_name(kind), whole));
        }
        let exact = translated == item.meaning && !notes.iter().any(Note::is_warning);
        if auto && !exact && !last {
            reasons.extend(notes.into_iter().filter(Note::is_warning));
            continue;
        }
        if auto && index > 0 && !reasons.is_empty() {
            let why: Vec<String> = reasons.iter().map(|r| r.message.clone()).collect();
            notes.insert(
                0,
                Note::info(
                    format!("stays `{}`: {}", flag_name(kind), why.join("; ")),
                    reasons.first().and_then(|r| r.span),
                ),
            );
        }
        return Outcome { kind, value, translated: true, exact, notes };
    }
    let wanted = candidates.last().copied().unwrap_or(item.input.kind);
    let mut notes = reasons;
    // Kept in its own syntax, in that syntax's canonical form when it has an exact one.
    let own = emit(item.input.kind, &view).ok().filter(|(value, notes)| {
        !notes.iter().any(Note::is_warning)
            && meaning::of_flag(item.input.kind, value, volume_driver, ctx).as_ref() == Ok(&item.meaning)
    });
    let value = own.map(|(value, _)| value).unwrap_or_else(|| item.input.value().to_string());
    notes.push(Note::warning(
        format!(
            "kept as written: `{} {}` has no exact `{}` form",
            item.input.flag_name(),
            item.input.value(),
            flag_name(wanted)
        ),
        Some(Span::new(0, item.input.value().len())),
    ));
    Outcome { kind: item.input.kind, value, translated: false, exact: false, notes }
}

/// A flag and its value as shell words, the expansions put back and kept live.
pub fn flag_words(kind: FlagKind, value: &str, expansions: &[Expansion]) -> String {
    let (value, ranges) = expansions::restore(value, expansions);
    format!("{} {}", flag_name(kind), quote::shell_word_with_expansions(&value, &ranges))
}

/// A non-storage flag as words.
fn other_flag_words(flag: &FlagUse) -> String {
    match &flag.value {
        None => flag.written.clone(),
        Some(value) => {
            let boolean = lookup_long(flag.name).is_some_and(|spec| spec.arity == Arity::Bool);
            if boolean {
                format!("{}={}", flag.written, quote::shell_word(&value.value))
            } else {
                format!("{} {}", flag.written, quote::shell_word(&value.value))
            }
        }
    }
}

/// The output lines.
fn render(line: &RunLine, shape: Shape<'_>, items: &[Prepared], outcomes: &[Option<Outcome>]) -> Vec<String> {
    let replacement = |index: usize| -> String {
        match (items.get(index), outcomes.get(index).and_then(Option::as_ref)) {
            (Some(item), Some(outcome)) => flag_words(outcome.kind, &outcome.value, &item.input.stood.expansions),
            _ => String::new(),
        }
    };
    match shape {
        Shape::Flags => {
            let mut lines = Vec::new();
            let mut storage = 0;
            for flag in &line.flags {
                if FlagKind::of_flag(flag.name).is_some() && flag.value.is_some() {
                    let text = replacement(storage);
                    storage += 1;
                    if !text.is_empty() {
                        lines.push(text);
                    }
                } else {
                    lines.push(other_flag_words(flag));
                }
            }
            lines
        }
        Shape::CommandText => {
            let mut text = line.text.to_string();
            // From the end, so that earlier spans stay valid.
            for index in (0..items.len()).rev() {
                let item = &items[index];
                let span = item.input.span;
                let mut new = replacement(index);
                let (mut start, mut end) = (span.start, span.end);
                if new.is_empty() {
                    // Left out: take the blank before it too.
                    while start > 0
                        && text.as_bytes().get(start - 1).is_some_and(u8::is_ascii_whitespace)
                        && !item.input.grouped
                    {
                        start -= 1;
                    }
                } else if item.input.grouped {
                    new.insert(0, ' ');
                }
                end = end.min(text.len());
                if text.is_char_boundary(start) && text.is_char_boundary(end) && start <= end {
                    text.replace_range(start..end, &new);
                }
            }
            vec![text]
        }
        Shape::CommandWords(args) => {
            let mut out: Vec<String> = Vec::new();
            let mut at = 0;
            let mut next = 0;
            let mut skip_until = 0;
            for arg in args {
                let (start, end) = (at, at + arg.len());
                at = end + 1;
                if start < skip_until {
                    continue;
                }
                let starts_here = items.get(next).filter(|i| i.input.span.start >= start && i.input.span.start <= end);
                if let Some(item) = starts_here {
                    let cut = item.input.span.start - start;
                    if cut > 0 {
                        out.push(quote::shell_word(arg.get(..cut).unwrap_or(arg)));
                    }
                    let new = replacement(next);
                    if !new.is_empty() {
                        out.push(new);
                    }
                    skip_until = item.input.span.end;
                    next += 1;
                    continue;
                }
                out.push(quote::shell_word(arg));
            }
            vec![out.join(" ")]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(kind: FlagKind, value: &str, destination: &str) -> (FlagKind, String, String) {
        (kind, value.to_string(), destination.to_string())
    }

    #[test]
    fn what_docker_leaves_out() {
        let dropped = dropped_by_docker(&[
            flag(FlagKind::Volume, "/a:/b", "/b"),
            flag(FlagKind::Volume, "/a:/b", "/b"),
            flag(FlagKind::Tmpfs, "/t:size=1m", "/t"),
            flag(FlagKind::Tmpfs, "/t", "/t"),
            flag(FlagKind::Volume, "/d", "/d"),
            flag(FlagKind::Volume, "/d/", "/d"),
            flag(FlagKind::Volume, "/e", "/e"),
            flag(FlagKind::Mount, "type=volume,target=/e", "/e"),
        ]);
        let kept: Vec<bool> = dropped.iter().map(Option::is_none).collect();
        assert_eq!(kept, [true, false, false, true, true, false, false, true]);
    }

    #[test]
    fn grouped_flags_and_spans() {
        let line = crate::syntax::run_line::parse_command("docker run -itv /a:/b img").unwrap();
        let inputs = inputs_of(&line);
        assert!(inputs[0].grouped);
        assert_eq!(&line.text[inputs[0].span.start..inputs[0].span.end], "v /a:/b");
        let translation = translate(&line, Shape::CommandText, Target::Mount, &Context::default()).unwrap();
        assert_eq!(translation.output, ["docker run -it --mount type=bind,source=/a,target=/b,bind-create-src img"]);
    }
}
