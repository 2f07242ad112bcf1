//! `dockmount explain`.

use super::{color_stdout, DockerOptions, Format, Output};
use crate::explain::{explain_each, explain_run, RunExplanation};
use crate::lint::{
    config::DEFAULT_MAX_FILE_SIZE,
    document,
    files::{self, FileKind},
    lines::LineIndex,
};
use crate::model::verdict::Stage;
use crate::model::Context;
use crate::report::snippet::{render, render_at, Snippet};
use crate::syntax::run_line::{self, RunLine};
use crate::syntax::SyntaxError;
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    docker: DockerOptions,
    /// Compose files to merge in order, as `docker compose -f a.yaml -f b.yaml`.
    #[arg(short = 'f', long = "file", value_name = "COMPOSE_FILE")]
    files: Vec<std::path::PathBuf>,
    /// For compose files: set a variable for interpolation, over `.env` and the environment.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
    /// For compose files: the env file (default: `.env` in the project directory).
    #[arg(long, value_name = "PATH")]
    env_file: Option<String>,
    /// What follows `docker run`, one whole `docker run ...` line in quotes, or a file
    /// (Dockerfile, compose file, shell script, Markdown).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required_unless_present = "files", value_name = "ARGS")]
    args: Vec<String>,
}

pub fn run(args: &ExplainArgs) -> i32 {
    let ctx = match args.docker.context() {
        Ok(ctx) => ctx,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let mut overrides = std::collections::BTreeMap::new();
    for pair in &args.env {
        match pair.split_once('=') {
            Some((key, value)) if !key.is_empty() => {
                overrides.insert(key.to_string(), value.to_string());
            }
            _ => {
                eprintln!("error: --env takes KEY=VALUE, not `{pair}`");
                return 2;
            }
        }
    }
    let compose = ComposeOptions { env_file: args.env_file.clone(), overrides };
    if !args.files.is_empty() {
        if !args.args.is_empty() {
            eprintln!("error: give compose files with -f, or other input, not both");
            return 2;
        }
        return explain_compose_files(&args.files, args.format, &ctx, &compose);
    }
    if let [single] = args.args.as_slice() {
        let path = std::path::Path::new(single);
        if path.is_file() {
            return explain_file(path, args.format, &ctx, &compose);
        }
    }
    let (line, from_args) = match read_input(&args.args) {
        Ok(read) => read,
        Err(message) => {
            eprint!("{message}");
            return 2;
        }
    };
    let mut problems = line.problems.clone();
    if from_args {
        // `explain -- -v a:/b` asks about the flags: a missing image is not a problem here.
        problems.retain(|p| !p.message.contains("requires at least 1 argument"));
    }
    let refused = match args.format {
        Format::Json => {
            let explanation = RunExplanation { problems: problems.clone(), ..explain_run(&line, &ctx) };
            super::say(&format!("{}\n", to_json(&explanation, &ctx)));
            explanation.engine.error.is_some()
        }
        Format::Text => {
            let lines = LineIndex::new(&line.text);
            let text = TextOf { line: &line, problems: &problems, file_name: "<command line>", lines: &lines };
            to_text(&mut Output::new(), &text, &ctx, color_stdout())
        }
    };
    if !problems.is_empty() {
        2
    } else if refused {
        1
    } else {
        0
    }
}

/// One quoted `docker run ...` line, or the arguments that follow `docker run`.
fn read_input(args: &[String]) -> Result<(RunLine, bool), String> {
    if let [single] = args {
        if looks_like_command(single) {
            return run_line::parse_command(single).map(|line| (line, false)).map_err(|error| {
                let mut out = render(
                    &Snippet::error(error.message.clone(), "<command line>", single, error.span)
                        .hinted(error.hint.as_deref()),
                    false,
                );
                out.push('\n');
                out
            });
        }
    }
    // `dockmount explain docker run -v ...` typed without quotes.
    let mut rest = args;
    if rest.first().map(String::as_str) == Some("docker") {
        rest = &rest[1..];
        if rest.first().map(String::as_str) == Some("container") {
            rest = &rest[1..];
        }
        if matches!(rest.first().map(String::as_str), Some("run" | "create")) {
            rest = &rest[1..];
        }
    }
    Ok((run_line::parse_args(rest), true))
}

fn looks_like_command(text: &str) -> bool {
    let trimmed = text.trim_start();
    trimmed.starts_with("docker ")
        || trimmed.starts_with("sudo ")
        || trimmed.contains("docker run")
        || trimmed.contains("docker create")
}

fn to_json(explanation: &RunExplanation, ctx: &Context) -> String {
    let value = json!({
        "items": explanation.items,
        "engine": explanation.engine,
        "problems": explanation.problems,
        "depends_on_expansions": explanation.depends_on_expansions(),
        "docker_version": {"cli": ctx.versions.cli.to_string(), "engine": ctx.versions.engine.to_string()},
    });
    serde_json::to_string_pretty(&value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Client => "the docker CLI",
        Stage::Daemon => "the Docker Engine",
        Stage::Runtime => "the container runtime",
    }
}

/// A command to write out as text: `lines` indexes `line.text` (built once for all the
/// commands of a file).
struct TextOf<'a> {
    line: &'a RunLine,
    problems: &'a [SyntaxError],
    file_name: &'a str,
    lines: &'a LineIndex<'a>,
}

/// Writes a command's explanation, item by item as each is made; returns whether Docker
/// refuses the command.
fn to_text(out: &mut Output, of: &TextOf<'_>, ctx: &Context, color: bool) -> bool {
    let TextOf { line, problems, file_name, lines } = *of;
    for problem in problems {
        out.push_str(&render_at(
            &Snippet::error(problem.message.clone(), file_name, &line.text, problem.span)
                .hinted(problem.hint.as_deref()),
            color,
            lines,
        ));
    }
    if line.storage_flags().next().is_none() {
        out.push_str("No storage flags (-v/--volume, --mount, --tmpfs) in this command.\n");
    }
    let mut expansions = Vec::new();
    let engine = explain_each(line, ctx, |item| {
        let flag = match item.syntax {
            crate::model::SyntaxKind::MountFlag => "--mount",
            crate::model::SyntaxKind::TmpfsFlag => "--tmpfs",
            _ => "-v",
        };
        out.push_str(&format!("{flag} {}\n", item.text));
        for line in wrap(&item.explanation, 88) {
            out.push_str(&format!("  {line}\n"));
        }
        match &item.error {
            None => out.push_str("  Docker accepts it.\n"),
            Some(error) => {
                out.push_str(&render_at(
                    &Snippet::error(error.message.clone(), file_name, &line.text, item.span)
                        .labelled(format!("rejected by {}", stage_name(error.stage))),
                    color,
                    lines,
                ));
            }
        }
        out.push('\n');
        expansions.extend(item.expansions);
    });
    if !expansions.is_empty() {
        out.push_str(&format!(
            "Note: {} is expanded by the shell before Docker sees it; the verdict below reads it literally.\n",
            expansions.join(", ")
        ));
    }
    out.push_str(&format!("Docker's verdict ({}): ", ctx.versions));
    match &engine.error {
        Some(error) => {
            out.push_str(&format!("`docker run` fails; {} says:\n  {}\n", stage_name(error.stage), error.message));
            for other in &engine.error_alternatives {
                out.push_str(&format!("  (or, depending on Go's map order: {other})\n"));
            }
        }
        None => {
            out.push_str("accepted.\n");
            for mount in &engine.mounts {
                let what = if mount.name.is_empty() { mount.source.clone() } else { mount.name.clone() };
                let what = if what.is_empty() && mount.kind == "volume" { "(anonymous)".to_string() } else { what };
                out.push_str(&format!(
                    "  {:<6} {} -> {}  {}{}{}\n",
                    mount.kind,
                    what,
                    mount.destination,
                    if mount.rw { "rw" } else { "ro" },
                    if mount.mode.is_empty() { String::new() } else { format!("  mode {}", mount.mode) },
                    if mount.propagation.is_empty() {
                        String::new()
                    } else {
                        format!("  propagation {}", mount.propagation)
                    },
                ));
            }
            for (path, options) in &engine.tmpfs {
                let options = if options.is_empty() { "(no options)" } else { options };
                out.push_str(&format!("  tmpfs  {path}  {options}\n"));
            }
            if let Some(error) = &engine.start_error {
                out.push_str(&format!("  but the container fails to start: {}\n", error.message));
            }
        }
    }
    for warning in &engine.warnings {
        out.push_str(&format!("  {warning}\n"));
    }
    engine.error.is_some()
}

/// Greedy word wrap for terminal output.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Reads a file to explain: UTF-8 text no larger than lint's default size limit (a file
/// nobody vetted must not take the memory of the machine).
fn read_text(path: &std::path::Path) -> Result<String, String> {
    let shown = path.display();
    let size = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?.len();
    if size > DEFAULT_MAX_FILE_SIZE {
        return Err(format!(
            "{shown}: {size} bytes is over the size limit of {DEFAULT_MAX_FILE_SIZE} bytes; nothing explained"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{shown}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{shown}: not UTF-8 text"))
}

/// Explains every storage spec of a file: each `docker run`/`create` line of a shell
/// script, Makefile, CI file or Markdown code block.
fn explain_file(path: &std::path::Path, format: Format, ctx: &Context, compose: &ComposeOptions) -> i32 {
    let shown = path.display().to_string();
    let text = match read_text(path) {
        Ok(text) => text,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let first_line = text.lines().next();
    let kind = files::kind_of(path, first_line).unwrap_or_else(|| files::guess_from_text(&text));
    let blocks = if kind == FileKind::Markdown { Some(document::code_blocks(&text)) } else { None };
    match kind {
        FileKind::Compose => return explain_compose_files(&[path.to_path_buf()], format, ctx, compose),
        FileKind::Dockerfile => return explain_dockerfile_file(path, &text, format, ctx),
        FileKind::Shell | FileKind::CiYaml | FileKind::Markdown => {}
    }
    let inside = |at: usize| blocks.as_ref().is_none_or(|b| b.iter().any(|s| s.start <= at && at < s.end));
    let mut status = 0;
    let mut commands = Vec::new();
    let mut errors = Vec::new();
    let mut out = Output::new();
    // Line numbers by binary search: counting newlines from the top for each command is
    // quadratic on a file of many commands.
    let lines = LineIndex::new(&text);
    for found in run_line::find_commands(&text) {
        match found {
            Ok(line) if inside(line.command_span.start) => {
                let line_number = lines.line_of(line.command_span.start) + 1;
                let refused = match format {
                    Format::Json => {
                        let explanation = explain_run(&line, ctx);
                        let mut value = serde_json::to_value(&explanation).unwrap_or_default();
                        if let Some(object) = value.as_object_mut() {
                            object.insert("line".into(), line_number.into());
                            object.insert("span".into(), json!(line.command_span));
                        }
                        commands.push(value);
                        explanation.engine.error.is_some()
                    }
                    Format::Text => {
                        let first = text[line.command_span.start..].lines().next().unwrap_or("");
                        out.push_str(&format!("{shown}:{line_number}: {first}\n"));
                        let of = TextOf { line: &line, problems: &line.problems, file_name: &shown, lines: &lines };
                        let refused = to_text(&mut out, &of, ctx, color_stdout());
                        out.push('\n');
                        refused
                    }
                };
                if refused && status == 0 {
                    status = 1;
                }
            }
            Ok(_) => {}
            Err(error) if inside(error.span.start) && format == Format::Json => {
                status = 2;
                errors.push(json!({
                    "line": lines.line_of(error.span.start) + 1,
                    "span": error.span,
                    "message": error.message,
                    "hint": error.hint,
                }));
            }
            Err(error) if inside(error.span.start) => {
                status = 2;
                out.push_str(&render_at(
                    &Snippet::error(error.message.clone(), &shown, &text, error.span).hinted(error.hint.as_deref()),
                    color_stdout(),
                    &lines,
                ));
            }
            Err(_) => {}
        }
    }
    match format {
        Format::Json => super::say(&format!(
            "{}\n",
            serde_json::to_string_pretty(&json!({"file": shown, "kind": kind, "commands": commands, "errors": errors}))
                .unwrap_or_default()
        )),
        Format::Text => {
            if out.is_empty() {
                out.push_str(&format!("{shown}: no `docker run` or `docker create` command found\n"));
            }
            out.flush();
        }
    }
    status
}

/// Compose-only options of `explain`.
struct ComposeOptions {
    env_file: Option<String>,
    overrides: std::collections::BTreeMap<String, String>,
}

/// Explains compose files (merged in order): each service's mounts, and the Engine's
/// verdict on what compose asks for.
fn explain_compose_files(paths: &[std::path::PathBuf], format: Format, ctx: &Context, compose: &ComposeOptions) -> i32 {
    let mut files = Vec::new();
    for path in paths {
        match read_text(path) {
            Ok(text) => files.push((path.display().to_string(), text)),
            Err(message) => {
                eprintln!("error: {message}");
                return 2;
            }
        }
    }
    let path = &paths[0];
    let shown = files.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(" + ");
    let text = files[0].1.as_str();
    let project_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .and_then(|p| std::fs::canonicalize(p).ok())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| ctx.cwd.clone());
    let inputs = document::ComposeInputs {
        project_dir,
        process_env: true,
        env_file: compose.env_file.clone(),
        overrides: compose.overrides.clone(),
    };
    let project = document::load_compose(&files, &inputs);
    let texts: Vec<&str> = files.iter().map(|(_, text)| text.as_str()).collect();
    let explanation = crate::explain::explain_compose(&project, &texts, ctx);
    let refused = !explanation.errors.is_empty() || explanation.services.iter().any(|s| s.engine.error.is_some());
    match format {
        Format::Json => {
            let value = json!({"file": shown, "kind": FileKind::Compose, "services": explanation.services,
                "errors": explanation.errors, "warnings": explanation.warnings});
            super::say(&format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()));
        }
        Format::Text => {
            let color = color_stdout();
            let mut out = Output::new();
            for error in &explanation.errors {
                out.push_str(&render(
                    &Snippet::error(error.message.clone(), &shown, text, error.span.unwrap_or_default())
                        .labelled("docker compose refuses the file"),
                    color,
                ));
            }
            for service in &explanation.services {
                out.push_str(&format!("service {}:\n", service.name));
                if service.items.is_empty() {
                    out.push_str("  no volumes, bind mounts or tmpfs\n");
                }
                for item in &service.items {
                    out.push_str(&format!("  - {}\n", list_entry(&item.text)));
                    for line in wrap(&item.explanation, 86) {
                        out.push_str(&format!("    {line}\n"));
                    }
                }
                match &service.engine.error {
                    Some(error) => out.push_str(&format!(
                        "  Docker's verdict ({}): the container is not created; {} says:\n    {}\n",
                        ctx.versions,
                        stage_name(error.stage),
                        error.message
                    )),
                    None if !service.items.is_empty() => {
                        out.push_str(&format!("  Docker's verdict ({}): accepted.\n", ctx.versions))
                    }
                    None => {}
                }
                out.push('\n');
            }
            for warning in &explanation.warnings {
                out.push_str(&format!("warning: {}\n", warning.message));
            }
            out.flush();
        }
    }
    i32::from(refused)
}

/// Explains a Dockerfile: the image's volumes and the build mounts.
fn explain_dockerfile_file(path: &std::path::Path, text: &str, format: Format, ctx: &Context) -> i32 {
    let shown = path.display().to_string();
    let engine = match format {
        Format::Json => {
            let explanation = crate::explain::explain_dockerfile(text, ctx);
            let value = json!({"file": shown, "kind": FileKind::Dockerfile, "items": explanation.items, "engine": explanation.engine});
            super::say(&format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()));
            explanation.engine
        }
        Format::Text => {
            let color = color_stdout();
            let lines = LineIndex::new(text);
            let mut out = Output::new();
            // Written as each item is explained, after the builder's error.
            let read = crate::explain::read_dockerfile(text, ctx);
            if let Some(error) = &read.verdict.error {
                out.push_str(&render(
                    &Snippet::error(error.message.clone(), &shown, text, error.span)
                        .labelled("docker build stops here"),
                    color,
                ));
            }
            let mut any = false;
            let engine = read.for_each(|item| {
                any = true;
                let line = lines.line_of(item.span.start) + 1;
                out.push_str(&format!("{shown}:{line}: {}\n", item.text));
                for wrapped in wrap(&item.explanation, 88) {
                    out.push_str(&format!("  {wrapped}\n"));
                }
                out.push('\n');
            });
            if !any {
                out.push_str(&format!("{shown}: no VOLUME and no RUN --mount\n"));
            }
            if engine.error.is_none() {
                let volumes = &engine.volumes;
                if volumes.is_empty() {
                    out.push_str("The image declares no volume");
                } else {
                    out.push_str(&format!("The image declares the volumes {}", volumes.join(", ")));
                }
                if engine.base_volumes_unknown {
                    out.push_str(" (plus any its base image declares, which is not known here)");
                }
                out.push_str(".\n");
            }
            out.flush();
            engine
        }
    };
    i32::from(engine.error.is_some())
}

/// A compose list entry as written, its continuation lines (a long-syntax mapping) lined
/// up under its first line after `  - `.
fn list_entry(text: &str) -> String {
    let text = text.trim();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").to_string();
    let rest: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let indent = rest.iter().map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    rest.iter().fold(first, |entry, line| format!("{entry}\n    {}", line.get(indent..).unwrap_or(line.trim_start())))
}
