//! `dockmount translate`.
//!
//! Input: one or more SPECs (a storage flag with its value, read as a shell reads it:
//! `"-v a:/b:ro"`, `"--mount 'type=bind,src=/a b,dst=/x'"`), one whole command line in
//! quotes (`"docker run ... IMAGE"`), the words that follow `docker run` after `--`, or with
//! `--to run` a compose file. Output: the translation on stdout, notes on stderr.

use super::{DockerOptions, Format};
use crate::model::compose::{self as compose_model, LoadOptions};
use crate::model::Context;
use crate::report::snippet::{render, Level, Snippet};
use crate::span::Span;
use crate::syntax::run_line::{self, RunLine};
use crate::translate::{self, Note, Refusal, Severity, Shape, Target, Translation};
use clap::ValueEnum;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::IsTerminal;

#[derive(Debug, clap::Args)]
pub struct TranslateArgs {
    /// The syntax to write: `-v`/`--tmpfs` go to `--mount` and `--mount` to the shortest
    /// exact flag by default; `run` reads a compose file and writes `docker run` flags.
    #[arg(long, value_enum, value_name = "SYNTAX")]
    to: Option<ToArg>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 1 unless the translation does exactly what the input does.
    #[arg(long)]
    strict: bool,
    /// With `--to run`: the service to translate (needed when the file has several).
    #[arg(long, value_name = "NAME")]
    service: Option<String>,
    #[command(flatten)]
    docker: DockerOptions,
    /// A storage flag with its value (`"-v a:/b:ro"`), several, or a whole `docker run`
    /// line in quotes; with `--to run`, the compose file.
    #[arg(allow_hyphen_values = true, value_name = "SPEC")]
    specs: Vec<String>,
    /// After `--`: the words that follow `docker run`, as a shell gives them.
    #[arg(last = true, value_name = "ARGS")]
    args: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ToArg {
    Mount,
    Volume,
    Tmpfs,
    Compose,
    ComposeLong,
    Run,
}

/// The text errors point into.
struct Source {
    name: String,
    text: String,
}

pub fn run(args: &TranslateArgs) -> i32 {
    let ctx = match args.docker.context() {
        Ok(ctx) => ctx,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let result = if args.to == Some(ToArg::Run) { from_compose(args, &ctx) } else { from_run(args, &ctx) };
    match result {
        Ok((translation, _)) => report(&translation, args),
        Err((refusal, source)) => report_refusal(&refusal, &source, args.format),
    }
}

fn target_of(to: Option<ToArg>) -> Target {
    match to {
        None | Some(ToArg::Run) => Target::Auto,
        Some(ToArg::Mount) => Target::Mount,
        Some(ToArg::Volume) => Target::Volume,
        Some(ToArg::Tmpfs) => Target::Tmpfs,
        Some(ToArg::Compose) => Target::Compose,
        Some(ToArg::ComposeLong) => Target::ComposeLong,
    }
}

type Outcome = Result<(Translation, Source), (Refusal, Source)>;

fn usage(message: impl Into<String>, source: Source) -> Outcome {
    Err((Refusal { unreadable: true, notes: vec![Note::error(message, None)] }, source))
}

/// `docker [container] run|create` in front of the words, dropped.
fn strip_docker(words: &[String]) -> &[String] {
    let mut rest = words;
    if rest.first().map(String::as_str) == Some("docker") {
        rest = &rest[1..];
        if rest.first().map(String::as_str) == Some("container") {
            rest = &rest[1..];
        }
        if matches!(rest.first().map(String::as_str), Some("run" | "create")) {
            rest = &rest[1..];
        }
    }
    rest
}

fn looks_like_command(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with("docker ") || trimmed.starts_with("sudo ") || trimmed.contains("docker run")
}

fn from_run(args: &TranslateArgs, ctx: &Context) -> Outcome {
    let target = target_of(args.to);
    let empty = Source { name: "<arguments>".into(), text: String::new() };
    if !args.args.is_empty() && !args.specs.is_empty() {
        return usage("give SPECs or `-- ARGS`, not both", empty);
    }
    if args.specs.is_empty() && args.args.is_empty() {
        return usage(
            "nothing to translate: give a flag with its value (`\"-v a:/b:ro\"`), a `docker run` line, or `-- ARGS`",
            empty,
        );
    }
    // dockmount's own options after the SPECs would be read as SPECs.
    const OWN: [&str; 7] = ["--to", "--format", "--strict", "--service", "--docker-version", "--cwd", "--data-root"];
    let misplaced = args.specs.iter().find(|s| OWN.iter().any(|o| s.as_str() == *o || s.starts_with(&format!("{o}="))));
    if let Some(option) = misplaced {
        return usage(format!("put dockmount's options before the SPECs: `{option}` is read as a SPEC here"), empty);
    }
    // Words as a shell gave them: `-- ARGS`, or an unquoted `docker run ...`.
    let words: Option<&[String]> = if !args.args.is_empty() {
        Some(strip_docker(&args.args))
    } else if args.specs.first().map(String::as_str) == Some("docker") {
        Some(strip_docker(&args.specs))
    } else {
        None
    };
    if let Some(words) = words {
        let line = run_line::parse_args(words);
        let source = Source { name: "<arguments>".into(), text: line.text.to_string() };
        let shape = if line.image.is_some() { Shape::CommandWords(words) } else { Shape::Flags };
        return finish(translate::translate(&line, shape, target, ctx), source, 0);
    }
    // One whole command line in quotes.
    if let [single] = args.specs.as_slice() {
        if looks_like_command(single) {
            let source = Source { name: "<command line>".into(), text: single.clone() };
            let line = match run_line::parse_command(single) {
                Ok(line) => line,
                Err(error) => {
                    let message = match &error.hint {
                        Some(hint) => format!("{} ({hint})", error.message),
                        None => error.message.clone(),
                    };
                    return Err((
                        Refusal { unreadable: true, notes: vec![Note::error(message, Some(error.span))] },
                        source,
                    ));
                }
            };
            if let Some(rest) = unread(&line, single, 0) {
                return Err((rest, source));
            }
            return finish(translate::translate(&line, Shape::CommandText, target, ctx), source, 0);
        }
    }
    // SPECs: shell text, joined.
    let text = args.specs.join(" ");
    let prefix = "docker run ";
    let full = format!("{prefix}{text}");
    let source = Source { name: "<arguments>".into(), text: text.clone() };
    let line = match run_line::parse_command(&full) {
        Ok(line) => line,
        Err(error) => {
            let note = Note::error(error.message.clone(), Some(error.span));
            return Err((Refusal { unreadable: true, notes: vec![note] }, source));
        }
    };
    if let Some(rest) = unread(&line, &full, prefix.len()) {
        return Err((rest, source));
    }
    let shape = if line.image.is_some() { Shape::CommandText } else { Shape::Flags };
    let mut result = translate::translate(&line, shape, target, ctx);
    if let Ok(translation) = &mut result {
        if shape == Shape::CommandText && !target_is_compose(target) {
            for line in &mut translation.output {
                if let Some(rest) = line.strip_prefix(prefix) {
                    *line = rest.to_string();
                }
            }
        }
    }
    finish(result, source, prefix.len())
}

fn target_is_compose(target: Target) -> bool {
    matches!(target, Target::Compose | Target::ComposeLong)
}

/// Text after the command that the shell reader stopped at (`;`, `|`, `&&`): not
/// translated, so refused.
fn unread(line: &RunLine, text: &str, shift: usize) -> Option<Refusal> {
    let mut end = line.command_span.end;
    for flag in &line.flags {
        end = end.max(flag.span.end);
        if let Some(value) = &flag.value {
            end = end.max(value.span.end);
        }
    }
    for word in line.image.iter().chain(&line.args).chain(&line.unknown_flags).chain(&line.opaque) {
        end = end.max(word.span.end);
    }
    let rest = text.get(end..)?;
    let trimmed = rest.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let start = end + (rest.len() - trimmed.len());
    let span = Span::new(start.saturating_sub(shift), text.trim_end().len().saturating_sub(shift));
    Some(Refusal {
        unreadable: true,
        notes: vec![Note::error(
            "the text goes on after the docker command (a `;`, `|`, `&&` or `)`): give one command",
            Some(span),
        )],
    })
}

fn shift_notes(notes: &mut [Note], shift: usize) {
    for note in notes {
        if let Some(span) = &mut note.span {
            *span = Span::new(span.start.saturating_sub(shift), span.end.saturating_sub(shift));
        }
    }
}

fn finish(result: Result<Translation, Refusal>, source: Source, shift: usize) -> Outcome {
    match result {
        Ok(mut translation) => {
            shift_notes(&mut translation.notes, shift);
            Ok((translation, source))
        }
        Err(mut refusal) => {
            shift_notes(&mut refusal.notes, shift);
            Err((refusal, source))
        }
    }
}

fn from_compose(args: &TranslateArgs, ctx: &Context) -> Outcome {
    let empty = Source { name: "<arguments>".into(), text: String::new() };
    let [path] = args.specs.as_slice() else {
        return usage("`--to run` reads one compose file: `dockmount translate --to run compose.yaml`", empty);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => return usage(format!("cannot read {path}: {error}"), empty),
    };
    let absolute = crate::model::paths::absolute(&ctx.cwd, path);
    let project_dir = absolute.rsplit_once('/').map(|(dir, _)| if dir.is_empty() { "/" } else { dir }).unwrap_or("/");
    let env: BTreeMap<String, String> = std::env::vars().collect();
    let env_path = format!("{project_dir}/.env");
    let env_file = std::fs::read_to_string(&env_path).ok().map(|text| (env_path.clone(), text));
    let options =
        LoadOptions { home: env.get("HOME").cloned(), env, env_file, cwd: ctx.cwd.clone(), ..LoadOptions::default() };
    let project = compose_model::load(&[(absolute.as_str(), text.as_str())], &options);
    let source = Source { name: path.clone(), text };
    match translate::to_run::translate(&project, args.service.as_deref(), Target::Shortest, ctx) {
        Ok(translation) => Ok((translation, source)),
        Err(refusal) => Err((refusal, source)),
    }
}

fn color_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn notes_json(notes: &[Note]) -> serde_json::Value {
    json!(notes)
}

fn report(translation: &Translation, args: &TranslateArgs) -> i32 {
    match args.format {
        Format::Json => {
            let value = json!({
                "output": translation.output,
                "notes": notes_json(&translation.notes),
                "exact": translation.exact,
            });
            super::say(&format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()));
        }
        Format::Text => {
            for line in &translation.output {
                super::say(&format!("{line}\n"));
            }
            for note in &translation.notes {
                let level = match note.severity {
                    Severity::Note => "note",
                    Severity::Warning => "warning",
                    Severity::Error => "error",
                };
                eprintln!("{level}: {}", note.message);
            }
        }
    }
    if args.strict && !translation.exact {
        1
    } else {
        0
    }
}

fn report_refusal(refusal: &Refusal, source: &Source, format: Format) -> i32 {
    match format {
        Format::Json => {
            let value = json!({"output": [], "notes": notes_json(&refusal.notes), "exact": false});
            super::say(&format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()));
        }
        Format::Text => {
            for note in &refusal.notes {
                match note.span {
                    Some(span) if !source.text.is_empty() => {
                        let label = if refusal.unreadable { "cannot read this" } else { "Docker refuses this" };
                        eprint!(
                            "{}",
                            render(
                                &Snippet {
                                    level: if note.severity == Severity::Error { Level::Error } else { Level::Note },
                                    code: None,
                                    message: note.message.clone(),
                                    file_name: &source.name,
                                    text: &source.text,
                                    span,
                                    label: label.to_string(),
                                    notes: Vec::new(),
                                },
                                color_stderr(),
                            )
                        );
                    }
                    _ => eprintln!("error: {}", note.message),
                }
            }
        }
    }
    if refusal.unreadable {
        2
    } else {
        1
    }
}
