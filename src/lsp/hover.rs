//! Hover on a storage item: what `dockmount explain` says about it, and Docker's verdict.
//!
//! Each kind of file is explained by the same functions `explain` uses (`explain_run` for
//! each `docker run`/`create` line of a script, CI file or Markdown code block,
//! `explain_compose` for a compose file, `explain_dockerfile` for a Dockerfile), so the
//! words are exactly those of `dockmount explain FILE`. The verdict is the item's own
//! when Docker refuses it, else the verdict on the whole command, service or image.

use crate::explain::{explain_compose, explain_dockerfile, explain_run, Item};
use crate::lint::document::{code_blocks, load_compose, ComposeInputs};
use crate::lint::files::FileKind;
use crate::model::mount::SyntaxKind;
use crate::model::verdict::{DockerError, Stage, Verdict};
use crate::model::Context;
use crate::span::Span;
use crate::syntax::run_line::find_commands;

/// One storage item with what hovering it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explained {
    /// The item in the text.
    pub span: Span,
    /// Markdown.
    pub contents: String,
}

/// Who raised an error, in words.
fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Client => "the docker CLI",
        Stage::Daemon => "the Docker Engine",
        Stage::Runtime => "the container runtime",
    }
}

/// A fenced block of plain text (Docker's messages may hold anything Markdown would read).
fn text_block<S: AsRef<str>>(lines: &[S]) -> String {
    let longest_fence = lines.iter().map(|l| l.as_ref().matches('`').count()).max().unwrap_or(0);
    let fence = "`".repeat(3.max(longest_fence + 1));
    let body: Vec<&str> = lines.iter().map(AsRef::as_ref).collect();
    format!("{fence}text\n{}\n{fence}", body.join("\n"))
}

fn inline_code(text: &str) -> String {
    let ticks = "`".repeat(if text.contains('`') { 2 } else { 1 });
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// How an item is introduced: the flag and its value, or the entry as written.
fn heading(item: &Item) -> String {
    let written = item.text.trim();
    let shown = match item.syntax {
        SyntaxKind::VolumeFlag => format!("-v {written}"),
        SyntaxKind::MountFlag => format!("--mount {written}"),
        SyntaxKind::TmpfsFlag => format!("--tmpfs {written}"),
        SyntaxKind::DockerfileVolume => format!("VOLUME {written}"),
        SyntaxKind::BuildMount => format!("RUN --mount={written}"),
        SyntaxKind::ComposeShort | SyntaxKind::ComposeLong | SyntaxKind::ComposeTmpfs => {
            // A long-syntax entry spans lines: show its first one.
            let first = written.lines().next().unwrap_or(written);
            if written.contains('\n') {
                format!("{first} …")
            } else {
                first.to_string()
            }
        }
    };
    inline_code(&shown)
}

/// The lines `docker inspect` would show for the item's mount.
fn inspect_lines(verdict: &Verdict, item: &Item) -> Vec<String> {
    let Some(mount) = &item.mount else {
        return Vec::new();
    };
    let mut lines: Vec<String> = verdict
        .mounts
        .iter()
        .filter(|m| m.destination == mount.target)
        .map(|m| {
            let what = if !m.name.is_empty() {
                m.name.clone()
            } else if m.source.is_empty() && m.kind == "volume" {
                "(anonymous)".to_string()
            } else {
                m.source.clone()
            };
            let mut line = format!("{} {what} -> {} {}", m.kind, m.destination, if m.rw { "rw" } else { "ro" });
            if !m.mode.is_empty() {
                line.push_str(&format!(" mode {}", m.mode));
            }
            if !m.propagation.is_empty() {
                line.push_str(&format!(" propagation {}", m.propagation));
            }
            line
        })
        .collect();
    if let Some(options) = verdict.tmpfs.get(&mount.target) {
        let options = if options.is_empty() { "(no options)" } else { options };
        lines.push(format!("tmpfs {} {options}", mount.target));
    }
    lines
}

/// Docker's verdict for an item, in Markdown: its own error, else its group's.
fn verdict_text(item: &Item, group: &Verdict, whole: &str, ctx: &Context) -> String {
    let head = format!("**Docker's verdict** ({}):", ctx.versions);
    let refused = |error: &DockerError, what: &str| {
        let mut lines = vec![error.message.clone()];
        lines.extend(group.error_alternatives.iter().filter(|_| what != "item").map(|o| format!("(or: {o})")));
        format!("{head} {what}; {} says:\n{}", stage_name(error.stage), text_block(&lines))
    };
    if let Some(error) = &item.error {
        return refused(error, "Docker refuses it");
    }
    if let Some(error) = &group.error {
        return refused(error, &format!("accepted on its own, but {whole} fails"));
    }
    let mut out = format!("{head} accepted.");
    let inspect = inspect_lines(group, item);
    if !inspect.is_empty() {
        out.push_str(&format!("\n{}", text_block(&inspect)));
    }
    if let Some(error) = &group.start_error {
        out.push_str(&format!(
            "\n\nBut the container fails to start; {} says:\n{}",
            stage_name(error.stage),
            text_block(&[error.message.as_str()])
        ));
    }
    out
}

fn contents(item: &Item, verdict: String) -> String {
    let mut out = format!("{}\n\n{}", heading(item), item.explanation);
    if !item.expansions.is_empty() {
        let list: Vec<String> = item.expansions.iter().map(|e| inline_code(e)).collect();
        out.push_str(&format!(
            "\n\nNote: {} is expanded by the shell before Docker sees it; the verdict reads it literally.",
            list.join(", ")
        ));
    }
    out.push_str("\n\n");
    out.push_str(&verdict);
    out
}

/// The lines of the command an offset is on: its line, with the lines before it that
/// continue onto it (a trailing `\`) and the lines it continues onto.
pub fn command_lines(text: &str, offset: usize) -> Span {
    let offset = offset.min(text.len());
    let line_start = |at: usize| text.get(..at).and_then(|b| b.rfind('\n')).map_or(0, |i| i + 1);
    let line_end = |at: usize| text.get(at..).and_then(|a| a.find('\n')).map_or(text.len(), |i| at + i);
    let continues = |start: usize, end: usize| text.get(start..end).is_some_and(|l| l.trim_end().ends_with('\\'));
    let mut start = line_start(offset);
    while start > 0 {
        let previous = line_start(start - 1);
        if !continues(previous, start - 1) {
            break;
        }
        start = previous;
    }
    let mut end = line_end(offset);
    while end < text.len() && continues(line_start(end), end) {
        end = line_end(end + 1);
    }
    Span::new(start, end)
}

/// The storage item under a byte offset, explained; the end of an item still counts as
/// on it, as a cursor just after a word is on the word. Only the command line under the
/// offset is explained in a script, so that hovering stays quick in a long file.
pub fn explain_at(text: &str, kind: FileKind, ctx: &Context, offset: usize) -> Option<Explained> {
    let on = |span: Span| span.start <= offset && offset <= span.end;
    let mut out = Vec::new();
    match kind {
        FileKind::Shell | FileKind::CiYaml | FileKind::Markdown => {
            let blocks = (kind == FileKind::Markdown).then(|| code_blocks(text));
            let inside = |at: usize| blocks.as_ref().is_none_or(|b| b.iter().any(|s| s.start <= at && at < s.end));
            // Only the lines of the command under the offset are read.
            let window = command_lines(text, offset);
            let part = text.get(window.start..window.end).unwrap_or("");
            let local = offset - window.start;
            let on_local = |span: Span| span.start <= local && local <= span.end;
            let lines = find_commands(part).into_iter().flatten().filter(|line| {
                inside(window.start + line.command_span.start)
                    && line.storage_flags().any(|flag| flag.value.as_ref().is_some_and(|value| on_local(value.span)))
            });
            for line in lines {
                let explanation = explain_run(&line, ctx);
                for item in explanation.items.iter().filter(|item| on_local(item.span)) {
                    let verdict = verdict_text(item, &explanation.engine, "`docker run`", ctx);
                    let span = Span::new(item.span.start + window.start, item.span.end + window.start);
                    out.push(Explained { span, contents: contents(item, verdict) });
                }
            }
        }
        FileKind::Compose => {
            let inputs = ComposeInputs { project_dir: ctx.cwd.clone(), ..ComposeInputs::default() };
            let project = load_compose(&[("compose.yaml".to_string(), text.to_string())], &inputs);
            let explanation = explain_compose(&project, &[text], ctx);
            let refused = explanation.errors.first();
            for service in &explanation.services {
                for item in service.items.iter().filter(|item| on(item.span)) {
                    let verdict = match refused {
                        Some(error) => format!(
                            "**Docker's verdict** ({}): `docker compose` refuses the file:\n{}",
                            ctx.versions,
                            text_block(&[error.message.as_str()])
                        ),
                        None => verdict_text(item, &service.engine, &format!("service `{}`", service.name), ctx),
                    };
                    out.push(Explained { span: item.span, contents: contents(item, verdict) });
                }
            }
        }
        FileKind::Dockerfile => {
            let explanation = explain_dockerfile(text, ctx);
            let image = &explanation.engine;
            for item in explanation.items.iter().filter(|item| on(item.span)) {
                let head = format!("**Docker's verdict** ({}):", ctx.versions);
                let verdict = if let Some(error) = &item.error {
                    format!("{head} the builder refuses it:\n{}", text_block(&[error.message.as_str()]))
                } else if let Some(error) = &image.error {
                    format!("{head} `docker build` fails:\n{}", text_block(&[error.message.as_str()]))
                } else if item.syntax == SyntaxKind::DockerfileVolume {
                    let list: Vec<String> = image.volumes.iter().map(|v| inline_code(v)).collect();
                    let mut volumes = if list.is_empty() {
                        format!("{head} the image declares no volume")
                    } else {
                        format!("{head} the image declares the volumes {}", list.join(", "))
                    };
                    if image.base_volumes_unknown {
                        volumes.push_str(" (plus any its base image declares, which is not known here)");
                    }
                    volumes.push('.');
                    volumes
                } else {
                    format!("{head} accepted.")
                };
                out.push(Explained { span: item.span, contents: contents(item, verdict) });
            }
        }
    }
    // The innermost, when items nest.
    out.into_iter().min_by_key(|item| item.span.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context { cwd: "/project".into(), host: crate::model::context::HostFs::AllExist, ..Context::default() }
    }

    #[test]
    fn a_run_flag_shows_explain_text_and_the_verdict() {
        let text = "docker run -v /srv:/data,ro alpine\n";
        let item = explain_at(text, FileKind::Shell, &ctx(), text.find("/data").unwrap_or(0))
            .unwrap_or_else(|| panic!("no item"));
        assert_eq!(&text[item.span.start..item.span.end], "/srv:/data,ro");
        assert!(
            item.contents.starts_with("`-v /srv:/data,ro`\n\nBind mount: the host path `/srv` appears at `/data,ro`"),
            "{}",
            item.contents
        );
        assert!(item.contents.contains("**Docker's verdict** (CLI 29.7.2 / Engine 29.7.2): accepted.\n```text\nbind /srv -> /data,ro rw propagation rprivate\n```"), "{}", item.contents);
        assert!(explain_at(text, FileKind::Shell, &ctx(), 2).is_none());
        // A command continued over lines, hovered on its last line.
        let text = "echo x\ndocker run \\\n  -v /a:/b \\\n  -v /srv:/c img\necho y\n";
        let at = text.find("/srv").unwrap_or(0);
        assert_eq!(command_lines(text, at), Span::new(7, text.len() - 8));
        let item = explain_at(text, FileKind::Shell, &ctx(), at).unwrap_or_else(|| panic!("no item"));
        assert_eq!(&text[item.span.start..item.span.end], "/srv:/c");
        // The end of the item is still on it.
        assert!(explain_at(text, FileKind::Shell, &ctx(), item.span.end).is_some());
    }

    #[test]
    fn a_refused_item_shows_dockers_message() {
        let text = "docker run --mount type=bind,dst=/x alpine\n";
        let items: Vec<Explained> = explain_at(text, FileKind::Shell, &ctx(), 20).into_iter().collect();
        assert_eq!(items.len(), 1);
        assert!(
            items[0].contents.ends_with(
                "Docker refuses it; the Docker Engine says:\n```text\ninvalid mount config for type \"bind\": field Source must not be empty\n```"
            ),
            "{}",
            items[0].contents
        );
    }

    #[test]
    fn compose_and_dockerfile_items() {
        let compose =
            "services:\n  app:\n    image: alpine\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n";
        let items: Vec<Explained> =
            explain_at(compose, FileKind::Compose, &ctx(), compose.find("/var").unwrap_or(0)).into_iter().collect();
        assert_eq!(items.len(), 1);
        assert!(
            items[0].contents.starts_with("`/var/run/docker.sock:/var/run/docker.sock`\n\nBind mount"),
            "{}",
            items[0].contents
        );
        let dockerfile = "FROM alpine\nVOLUME /data\n";
        let items: Vec<Explained> = explain_at(dockerfile, FileKind::Dockerfile, &ctx(), 20).into_iter().collect();
        assert_eq!(items.len(), 1);
        assert!(
            items[0].contents.contains("the image declares the volumes `/data` (plus any"),
            "{}",
            items[0].contents
        );
    }
}
