//! Code actions: each diagnostic's fix as a quick fix (unsafe ones marked in the title
//! and never preferred), "ignore this rule here" as an inline suppression comment, "fix
//! all" (`source.fixAll.dockmount`: every safe fix, round after round, as
//! `dockmount lint --fix` does), and refactors of the storage flag under the cursor into
//! another syntax (`-v`/`--tmpfs` to `--mount`, `--mount` to `-v` or `--tmpfs`; a compose
//! short-syntax `volumes:` entry to the long syntax), each one call to `translate`, marked
//! when the result does not do exactly the same.
//!
//! The suppression goes where `lint` reads it (see `lint/suppress.rs`): at the end of the
//! diagnostic's line, or into a suppression already there; on its own line before the
//! command when the line continues onto the next one (a comment after a trailing `\` would
//! end the command); and always on its own line in a Dockerfile, where `#` starts a
//! comment only at the start of a line.

use super::diagnostics::{to_lsp, Linted};
use super::documents::Lines;
use super::hover::command_lines;
use crate::lint::files::FileKind;
use crate::lint::fix::{apply_fixes, fix_until_stable};
use crate::lint::lines::LineIndex;
use crate::lint::{check_text, suppress, unused_suppression, Diagnostic as LintDiagnostic};
use crate::rules::{Applicability, Edit, Fix};
use crate::span::Span;
use crate::syntax::compose::yaml::{self, Limits, Node, NodeValue, Style};
use crate::syntax::run_line::find_commands;
use crate::translate::{compose_entry, translate, Shape, Target};
use ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, DocumentChanges, OneOf, OptionalVersionedTextDocumentIdentifier,
    TextDocumentEdit, TextEdit, Uri, WorkspaceEdit,
};
use serde_json::json;
use std::collections::HashMap;

/// The kind of the "fix all" action.
pub const FIX_ALL: &str = "source.fixAll.dockmount";

/// What a code action request asks about.
pub struct Request<'a> {
    pub uri: &'a Uri,
    pub version: i32,
    /// The byte range the editor asks about (the cursor, or a selection).
    pub range: Span,
    /// Only actions of these kinds (or kinds below them) are wanted.
    pub only: Option<&'a [CodeActionKind]>,
    /// The editor takes versioned document edits.
    pub document_changes: bool,
    /// The editor can ask for an action's edit later (`codeAction/resolve`): "fix all",
    /// which lints the document again and again, is then only computed when chosen.
    pub resolve_edits: bool,
}

impl Request<'_> {
    fn wants(&self, kind: &CodeActionKind) -> bool {
        let Some(only) = self.only else {
            return true;
        };
        only.iter().any(|wanted| {
            let wanted = wanted.as_str();
            let kind = kind.as_str();
            kind == wanted || kind.strip_prefix(wanted).is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// A workspace edit of this document.
    fn edit(&self, edits: Vec<TextEdit>) -> WorkspaceEdit {
        if self.document_changes {
            WorkspaceEdit {
                document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier {
                        uri: self.uri.clone(),
                        version: Some(self.version),
                    },
                    edits: edits.into_iter().map(OneOf::Left).collect(),
                }])),
                ..WorkspaceEdit::default()
            }
        } else {
            WorkspaceEdit { changes: Some(HashMap::from([(self.uri.clone(), edits)])), ..WorkspaceEdit::default() }
        }
    }
}

/// The protocol's edits of a fix; new lines follow the document's line endings, as
/// `--fix` does.
fn text_edits(edits: &[Edit], text: &str, lines: &Lines) -> Vec<TextEdit> {
    let crlf = text.contains("\r\n");
    edits
        .iter()
        .map(|edit| TextEdit {
            range: lines.range(text, edit.span),
            new_text: if crlf {
                edit.replacement.replace("\r\n", "\n").replace('\n', "\r\n")
            } else {
                edit.replacement.clone()
            },
        })
        .collect()
}

fn touches(a: Span, b: Span) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// Every code action for a request, from the document's lint result.
pub fn code_actions(request: &Request, linted: &Linted) -> Vec<CodeActionOrCommand> {
    let Some(checked) = &linted.checked else {
        return Vec::new();
    };
    let snapshot = &linted.snapshot;
    let (text, lines) = (&*snapshot.text, &*snapshot.lines);
    let mut actions = Vec::new();
    let quickfix = CodeActionKind::QUICKFIX;
    if request.wants(&quickfix) {
        let here = checked.diagnostics.iter().filter(|d| touches(d.span, request.range));
        let mut ignores = Vec::new();
        for diagnostic in here {
            let lsp = to_lsp(diagnostic, request.uri, text, lines);
            if let Some(fix) = &diagnostic.fix {
                let safe = fix.applicability == Applicability::Safe;
                let title = if safe { fix.message.clone() } else { format!("{} (unsafe fix)", fix.message) };
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title,
                    kind: Some(quickfix.clone()),
                    diagnostics: Some(vec![lsp.clone()]),
                    edit: Some(request.edit(text_edits(&fix.edits, text, lines))),
                    is_preferred: Some(safe),
                    ..CodeAction::default()
                }));
            }
            if diagnostic.code == unused_suppression::RULE.code {
                continue;
            }
            if let Some(edit) = suppression_edit(text, checked.kind, diagnostic, linted) {
                ignores.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("Ignore {} ({}) here", diagnostic.code, diagnostic.name),
                    kind: Some(quickfix.clone()),
                    diagnostics: Some(vec![lsp]),
                    edit: Some(request.edit(text_edits(&[edit], text, lines))),
                    is_preferred: Some(false),
                    ..CodeAction::default()
                }));
            }
        }
        // Fixes first, then the suppressions.
        actions.extend(ignores);
    }
    let rewrite = CodeActionKind::REFACTOR_REWRITE;
    if request.wants(&rewrite) {
        let offset = request.range.start;
        for conversion in conversions(linted, offset).into_iter().chain(compose_conversions(linted, offset)) {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: conversion.title,
                kind: Some(rewrite.clone()),
                edit: Some(request.edit(text_edits(&[conversion.edit], text, lines))),
                ..CodeAction::default()
            }));
        }
    }
    let fix_all = CodeActionKind::from(FIX_ALL);
    if request.wants(&fix_all) && has_safe_fixes(linted) {
        let mut action = CodeAction {
            title: FIX_ALL_TITLE.to_string(),
            kind: Some(fix_all),
            data: Some(json!({"uri": request.uri.as_str(), "version": request.version})),
            ..CodeAction::default()
        };
        if request.resolve_edits {
            actions.push(CodeActionOrCommand::CodeAction(action));
        } else if let Some(edit) = fix_all_edit(request, linted) {
            action.edit = Some(edit);
            actions.push(CodeActionOrCommand::CodeAction(action));
        }
    }
    actions
}

/// A storage flag written in another syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversion {
    pub title: String,
    pub edit: Edit,
    /// The result does exactly what the original does.
    pub exact: bool,
}

/// The syntaxes a flag can be rewritten in, and how each is named.
fn conversion_targets(flag: &str) -> &'static [(Target, &'static str)] {
    match flag {
        "volume" | "tmpfs" => &[(Target::Mount, "--mount")],
        "mount" => &[(Target::Volume, "-v"), (Target::Tmpfs, "--tmpfs")],
        _ => &[],
    }
}

/// The conversions of the storage flag of a `docker run` line under a byte offset (in a
/// script, CI file or Markdown code block). Each is one call to `translate` on the line
/// with that flag alone among its storage flags, so that the others stay as written.
pub fn conversions(linted: &Linted, offset: usize) -> Vec<Conversion> {
    let Some(kind) = linted.snapshot.kind else {
        return Vec::new();
    };
    if !matches!(kind, FileKind::Shell | FileKind::CiYaml | FileKind::Markdown) {
        return Vec::new();
    }
    let text = &*linted.snapshot.text;
    let window = command_lines(text, offset);
    let Some(part) = text.get(window.start..window.end) else {
        return Vec::new();
    };
    let local = offset - window.start;
    let on = |span: Span| span.start <= local && local <= span.end;
    let ctx = &linted.resolved.ctx;
    let mut out = Vec::new();
    for line in find_commands(part).into_iter().flatten() {
        let chosen = line
            .flags
            .iter()
            .find(|flag| flag.is_storage() && flag.value.as_ref().is_some_and(|value| on(value.span) || on(flag.span)));
        let Some(chosen) = chosen.cloned() else {
            continue;
        };
        // `-itv /a:/b`: the flag is a letter in a group; rewriting it would split the group.
        if part.get(chosen.span.start..).is_some_and(|rest| !rest.starts_with('-')) {
            continue;
        }
        let mut alone = line.clone();
        alone.flags.retain(|flag| !flag.is_storage() || flag.span == chosen.span);
        for (target, name) in conversion_targets(chosen.name) {
            let Ok(translation) = translate(&alone, Shape::CommandText, *target, ctx) else {
                continue;
            };
            let kept = translation.notes.iter().any(|n| n.message.starts_with("kept as written"));
            let Some(new_text) = translation.output.first().filter(|t| !kept && t.as_str() != &*line.text) else {
                continue;
            };
            // The whole flag and value are replaced, so that the edit reads as a rewrite.
            let value_end = chosen.value.as_ref().map_or(chosen.span.end, |v| v.span.end);
            let whole = Span::new(chosen.span.start, chosen.span.end.max(value_end));
            let edit = changed_part(&line.text, new_text, whole, window.start);
            let title = if translation.exact {
                format!("Convert to `{name}`")
            } else {
                let why = translation.notes.iter().find(|n| n.is_warning()).map(|n| n.message.as_str());
                match why {
                    Some(why) => format!("Convert to `{name}` (not exact: {why})"),
                    None => format!("Convert to `{name}` (not exact)"),
                }
            };
            out.push(Conversion { title, edit, exact: translation.exact });
        }
    }
    out
}

/// The rewrite of the compose short-syntax entry of a service's `volumes:` under a byte
/// offset into the long syntax, in place: in a block sequence the mapping's keys line up
/// where the string started (the item's `- ` stays), in a flow sequence it is a flow
/// mapping. Only plain or quoted strings on one line are rewritten, with nothing but a
/// comment after them, and no anchor, tag or alias (the edit would change what they
/// mean); and only strings without `$` (see `translate::compose_entry`).
pub fn compose_conversions(linted: &Linted, offset: usize) -> Vec<Conversion> {
    if linted.snapshot.kind != Some(FileKind::Compose) {
        return Vec::new();
    }
    let text = &*linted.snapshot.text;
    let Ok(documents) = yaml::parse(text, &Limits::default()) else {
        return Vec::new();
    };
    let entry = documents.iter().find_map(|document| {
        let services = map_value(document, "services")?;
        let NodeValue::Map(services) = &services.value else { return None };
        services.iter().find_map(|service| {
            let volumes = map_value(&service.value, "volumes")?;
            let NodeValue::Seq(items) = &volumes.value else { return None };
            let item = items.iter().find(|item| item.span.start <= offset && offset <= item.span.end)?;
            let flow = text.get(volumes.span.start..).is_some_and(|rest| rest.starts_with('['));
            Some((item, flow))
        })
    });
    let Some((item, flow)) = entry else {
        return Vec::new();
    };
    let Some(scalar) = item.scalar() else {
        return Vec::new();
    };
    let one_line = text.get(item.span.start..item.span.end).is_some_and(|written| !written.contains(['\n', '\r']));
    let quoted_or_plain = matches!(scalar.style, Style::Plain | Style::SingleQuoted | Style::DoubleQuoted);
    if !one_line || !quoted_or_plain || item.tag.is_some() || item.alias.is_some() {
        return Vec::new();
    }
    let line_start = text[..item.span.start].rfind('\n').map_or(0, |at| at + 1);
    let before = &text[line_start..item.span.start];
    if flow {
        // Right after the `[` or `,` (no anchor or tag before it).
        if !before.trim_end().ends_with(['[', ',']) {
            return Vec::new();
        }
    } else {
        // Only spaces and `- ` indicators before it, so that its column is where the
        // mapping's keys go, and only a comment after it.
        let line_end = text[item.span.end..].find(['\r', '\n']).map_or(text.len(), |at| item.span.end + at);
        let after = text[item.span.end..line_end].trim_start();
        let indicators_only = before.split(' ').all(|part| part.is_empty() || part == "-");
        if !indicators_only || before.is_empty() || !(after.is_empty() || after.starts_with('#')) {
            return Vec::new();
        }
    }
    let Ok(long) = compose_entry::short_to_long(&scalar.text, before.len(), &linted.resolved.ctx) else {
        return Vec::new();
    };
    let replacement = if flow { long.flow.clone() } else { long.lines.join("\n") };
    let title = if long.exact {
        "Convert to long syntax".to_string()
    } else {
        match long.notes.iter().find(|n| n.is_warning()) {
            Some(why) => format!("Convert to long syntax (not exact: {})", why.message),
            None => "Convert to long syntax (not exact)".to_string(),
        }
    };
    vec![Conversion { title, edit: Edit { span: item.span, replacement }, exact: long.exact }]
}

/// The value of a key of a YAML mapping.
fn map_value<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    match &node.value {
        NodeValue::Map(entries) => {
            entries.iter().find(|e| e.key.scalar().is_some_and(|k| k.text == key)).map(|e| &e.value)
        }
        _ => None,
    }
}

/// The one edit that turns `old` into `new`: everything between their common start and
/// end, and at least `keep` (a span of `old`), with spans moved by `offset`.
fn changed_part(old: &str, new: &str, keep: Span, offset: usize) -> Edit {
    let common_start = old.bytes().zip(new.bytes()).take_while(|(a, b)| a == b).count();
    let room = old.len().min(new.len()) - common_start;
    let common_end = old.bytes().rev().zip(new.bytes().rev()).take(room).take_while(|(a, b)| a == b).count();
    let mut start = common_start.min(keep.start);
    let mut end = (old.len() - common_end).max(keep.end.min(old.len()));
    while !(old.is_char_boundary(start) && new.is_char_boundary(start)) {
        start -= 1;
    }
    // What follows the edit is the same text in both.
    let mut tail = old.len() - end;
    while !(old.is_char_boundary(old.len() - tail) && new.is_char_boundary(new.len() - tail)) {
        tail -= 1;
    }
    end = old.len() - tail;
    Edit {
        span: Span::new(offset + start, offset + end),
        replacement: new.get(start..new.len() - tail).unwrap_or("").to_string(),
    }
}

/// The title of "fix all".
pub const FIX_ALL_TITLE: &str = "Fix all safe dockmount problems";

fn has_safe_fixes(linted: &Linted) -> bool {
    linted.checked.as_ref().is_some_and(|checked| {
        !checked.has_read_errors
            && checked
                .diagnostics
                .iter()
                .any(|d| d.fix.as_ref().is_some_and(|f| f.applicability == Applicability::Safe))
    })
}

/// The edit of "fix all": only the lines that change, so that the editor keeps the cursor
/// and folds elsewhere.
pub fn fix_all_edit(request: &Request, linted: &Linted) -> Option<WorkspaceEdit> {
    let fixed = fix_all_text(linted)?;
    let text = &*linted.snapshot.text;
    let lines = &linted.snapshot.lines;
    // The fixed text already has the document's line endings.
    let edits = line_changes(text, &fixed)
        .into_iter()
        .map(|edit| TextEdit { range: lines.range(text, edit.span), new_text: edit.replacement })
        .collect();
    Some(request.edit(edits))
}

/// The changed lines between two texts, as edits of the first.
fn line_changes(old: &str, new: &str) -> Vec<Edit> {
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    let mut old_starts = Vec::with_capacity(old_lines.len() + 1);
    let mut at = 0;
    for line in &old_lines {
        old_starts.push(at);
        at += line.len();
    }
    old_starts.push(at);
    similar::capture_diff_slices(similar::Algorithm::Myers, &old_lines, &new_lines)
        .into_iter()
        .filter(|op| op.tag() != similar::DiffTag::Equal)
        .map(|op| {
            let (old_range, new_range) = (op.old_range(), op.new_range());
            let start = old_starts.get(old_range.start).copied().unwrap_or(old.len());
            let end = old_starts.get(old_range.end).copied().unwrap_or(old.len());
            let replacement: String = new_lines.get(new_range).unwrap_or_default().concat();
            Edit { span: Span::new(start, end), replacement }
        })
        .collect()
}

/// The document with every safe fix applied (as `lint --fix`), when that changes it.
fn fix_all_text(linted: &Linted) -> Option<String> {
    if !has_safe_fixes(linted) {
        return None;
    }
    let checked = linted.checked.clone()?;
    let resolved = &linted.resolved;
    let kind = checked.kind;
    let path = checked.path.clone();
    let outcome = fix_until_stable(checked, false, |text| {
        check_text(&path, text, kind, &resolved.ctx, &resolved.settings.selection)
    });
    (outcome.checked.text != *linted.snapshot.text).then_some(outcome.checked.text)
}

/// The suppression comment that silences one diagnostic, as an edit; `None` when there is
/// no place for one that `lint` would read.
pub fn suppression_edit(text: &str, kind: FileKind, diagnostic: &LintDiagnostic, linted: &Linted) -> Option<Edit> {
    let edit = place_suppression(text, kind, diagnostic)?;
    // Check the comment does silence it: lint the text with it, as lint would.
    let applied = apply_fixes(
        text,
        &[&Fix { applicability: Applicability::Safe, message: String::new(), edits: vec![edit.clone()] }],
    );
    let resolved = &linted.resolved;
    let after = check_text("", &applied.text, kind, &resolved.ctx, &resolved.settings.selection);
    let moved = |at: usize| if at >= edit.span.end { at + edit.replacement.len() - edit.span.len() } else { at };
    let still = after.diagnostics.iter().any(|d| {
        d.code == diagnostic.code && d.span.start == moved(diagnostic.span.start) && d.message == diagnostic.message
    });
    let broken = after.has_read_errors && !linted.checked.as_ref().is_some_and(|c| c.has_read_errors);
    (!still && !broken).then_some(edit)
}

/// Where the suppression goes (see the module's documentation).
fn place_suppression(text: &str, kind: FileKind, diagnostic: &LintDiagnostic) -> Option<Edit> {
    let index = LineIndex::new(text);
    let name = diagnostic.name;
    let line = index.line_of(diagnostic.span.start);
    let existing = suppress::parse(text);
    let on_line = |l: usize| existing.iter().find(|s| s.line == l);
    // Into a suppression already on the line.
    if let Some(found) = on_line(line) {
        return extend(found, name);
    }
    let content = |l: usize| {
        let (start, end) = index.line_span(l);
        text.get(start..end).unwrap_or("")
    };
    let own_line_before = |target: usize| -> Option<Edit> {
        if let Some(found) = target.checked_sub(1).and_then(on_line).filter(|s| s.own_line) {
            return extend(found, name);
        }
        let (start, _) = index.line_span(target);
        let this = content(target);
        let indent = &this[..this.len() - this.trim_start().len()];
        let (_, with_ending) = index.line_span_with_ending(target);
        let ending = if text.get(start..with_ending).is_some_and(|l| l.ends_with("\r\n")) { "\r\n" } else { "\n" };
        Some(Edit {
            span: Span::new(start, start),
            replacement: format!("{indent}# dockmount: ignore[{name}]{ending}"),
        })
    };
    if kind == FileKind::Dockerfile {
        return own_line_before(line);
    }
    let continues = |l: usize| content(l).trim_end().ends_with('\\');
    let mut first = line;
    while first > 0 && continues(first - 1) {
        first -= 1;
    }
    if first != line || continues(line) {
        return own_line_before(first);
    }
    let (_, end) = index.line_span(line);
    Some(Edit { span: Span::new(end, end), replacement: format!("  # dockmount: ignore[{name}]") })
}

/// Adds a rule to a suppression's list (a bare `ignore` already covers everything).
fn extend(found: &suppress::Suppression, name: &str) -> Option<Edit> {
    if found.malformed {
        return None;
    }
    let list = found.list_span?;
    let entries = found.entries.as_ref()?;
    let replacement = if entries.is_empty() { name.to_string() } else { format!(", {name}") };
    Some(Edit { span: Span::new(list.end, list.end), replacement })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::config::Selection;
    use crate::lsp::diagnostics::{lint, Snapshot};
    use crate::lsp::documents::Document;
    use crate::lsp::settings::EditorSettings;

    fn linted(name: &str, language: &str, text: &str) -> Linted {
        let uri: Uri = format!("file:///nowhere/{name}").parse().unwrap_or_else(|e| panic!("{e}"));
        let document = Document::new(uri, language.into(), 1, text.into());
        lint(Snapshot::of(&document), None, &EditorSettings::default())
    }

    /// The text after the "ignore" action of the first diagnostic, and whether lint then
    /// finds nothing.
    fn ignored(name: &str, language: &str, text: &str) -> (String, bool) {
        let linted = linted(name, language, text);
        let checked = linted.checked.clone().unwrap_or_else(|| panic!("not linted"));
        let diagnostic = checked.diagnostics.first().unwrap_or_else(|| panic!("no diagnostic in {text}"));
        let edit = suppression_edit(text, checked.kind, diagnostic, &linted).unwrap_or_else(|| panic!("no edit"));
        let fix = Fix { applicability: Applicability::Safe, message: String::new(), edits: vec![edit] };
        let after = apply_fixes(text, &[&fix]).text;
        let clean =
            check_text("", &after, checked.kind, &linted.resolved.ctx, &Selection::all()).diagnostics.is_empty();
        (after, clean)
    }

    #[test]
    fn ignore_at_the_end_of_the_line() {
        let (after, clean) = ignored("run.sh", "shellscript", "docker run -v /srv:/data,ro alpine\r\n");
        assert_eq!(after, "docker run -v /srv:/data,ro alpine  # dockmount: ignore[comma-in-target]\r\n");
        assert!(clean);
    }

    #[test]
    fn ignore_before_a_continued_command() {
        let text = "set -e\n  docker run \\\n    -v /srv:/data,ro \\\n    alpine\n";
        let (after, clean) = ignored("run.sh", "shellscript", text);
        assert_eq!(
            after,
            "set -e\n  # dockmount: ignore[comma-in-target]\n  docker run \\\n    -v /srv:/data,ro \\\n    alpine\n"
        );
        assert!(clean);
    }

    #[test]
    fn ignore_joins_an_existing_suppression() {
        let text = "docker run -v /srv:/data,ro alpine  # dockmount: ignore[read-error]\n";
        let (after, _) = ignored("run.sh", "shellscript", text);
        assert_eq!(after, "docker run -v /srv:/data,ro alpine  # dockmount: ignore[read-error, comma-in-target]\n");
    }

    #[test]
    fn ignore_in_compose_and_markdown() {
        let compose = "services:\n  app:\n    image: alpine\n    volumes:\n      - /srv:/data,ro\n";
        let (after, clean) = ignored("compose.yaml", "yaml", compose);
        assert!(after.ends_with("      - /srv:/data,ro  # dockmount: ignore[comma-in-target]\n"), "{after}");
        assert!(clean);
        let markdown = "# Run\n\n```sh\n$ docker run -v /srv:/data,ro alpine\n```\n";
        let (after, clean) = ignored("README.md", "markdown", markdown);
        assert!(
            after.contains("$ docker run -v /srv:/data,ro alpine  # dockmount: ignore[comma-in-target]\n"),
            "{after}"
        );
        assert!(clean);
    }

    #[test]
    fn conversions_rewrite_the_flag_under_the_cursor_only() {
        let text = "echo é; docker run --rm -v /srv:/data:ro --tmpfs /run:size=64m \\\n  --mount type=bind,src=/a,dst=/b img\n";
        let linted = linted("run.sh", "shellscript", text);
        let apply = |c: &Conversion| {
            let fix = Fix { applicability: Applicability::Safe, message: String::new(), edits: vec![c.edit.clone()] };
            apply_fixes(text, &[&fix]).text
        };
        let at = |needle: &str| text.find(needle).unwrap_or(0) + 2;
        let volume = conversions(&linted, at("/srv"));
        assert_eq!(volume.len(), 1);
        assert_eq!(volume[0].title, "Convert to `--mount`");
        assert_eq!(
            apply(&volume[0]),
            "echo é; docker run --rm --mount type=bind,source=/srv,target=/data,readonly,bind-create-src --tmpfs /run:size=64m \\\n  --mount type=bind,src=/a,dst=/b img\n"
        );
        let tmpfs = conversions(&linted, at("/run"));
        assert_eq!(tmpfs.len(), 1);
        assert!(
            apply(&tmpfs[0]).contains("--mount type=tmpfs,target=/run,tmpfs-size=64m \\\n"),
            "{}",
            apply(&tmpfs[0])
        );
        // On the flag's second line; `-v` is not exact (a missing host path is created),
        // and `--tmpfs` cannot say a bind.
        let mount = conversions(&linted, at("type=bind"));
        assert_eq!(mount.len(), 1, "{mount:?}");
        assert!(mount[0].title.starts_with("Convert to `-v` (not exact: `-v` creates `/a`"), "{}", mount[0].title);
        assert!(!mount[0].exact);
        assert!(apply(&mount[0]).ends_with("\\\n  -v /a:/b img\n"), "{}", apply(&mount[0]));
        assert_eq!(&text[mount[0].edit.span.start..mount[0].edit.span.end], "--mount type=bind,src=/a,dst=/b");
        // Nothing to convert off a flag, or in a compose file.
        assert!(conversions(&linted, 2).is_empty());
        let compose = linted_compose();
        assert!(conversions(&compose, 60).is_empty());
    }

    #[test]
    fn compose_entries_convert_to_long_syntax_in_place() {
        let convert = |text: &str, needle: &str| -> Option<(String, String)> {
            let linted = linted("compose.yaml", "yaml", text);
            let at = text.find(needle).unwrap_or_else(|| panic!("{needle}")) + 1;
            let found = compose_conversions(&linted, at);
            let conversion = found.first()?;
            let fix = Fix {
                applicability: Applicability::Safe,
                message: String::new(),
                edits: vec![conversion.edit.clone()],
            };
            Some((conversion.title.clone(), apply_fixes(text, &[&fix]).text))
        };
        let head = "services:\n  app:\n    image: alpine\n";
        let text = format!("{head}    volumes:\n      - \"./data:/data:ro\"  # config\n      - cache:/cache\n");
        let (title, after) = convert(&text, "./data").unwrap_or_else(|| panic!("no conversion"));
        assert_eq!(title, "Convert to long syntax");
        assert_eq!(
            after,
            format!(
                "{head}    volumes:\n      - type: bind\n        source: ./data\n        target: /data\n        read_only: true\n        bind:\n          create_host_path: true  # config\n      - cache:/cache\n"
            )
        );
        // A flow sequence gets a flow mapping.
        let text = format!("{head}    volumes: [/a:/b, 'cache:/d']\n");
        let (_, after) = convert(&text, "cache:/d").unwrap_or_else(|| panic!("no conversion"));
        assert_eq!(after, format!("{head}    volumes: [/a:/b, {{type: volume, source: cache, target: /d}}]\n"));
        // Not rewritten: an entry over two lines, an anchor, a tag, an alias, a block
        // scalar, a variable, a long-syntax entry, a tmpfs item.
        for (text, needle) in [
            (format!("{head}    volumes: [/a:/b, &v /c:/d]\nx: *v\n"), "/c:/d"),
            (format!("{head}    volumes:\n      - /a:/b\n        /c\n"), "/a:/b"),
            (format!("{head}    volumes:\n      - &v /a:/b\n"), "/a:/b"),
            (format!("{head}    volumes:\n      - !!str /a:/b\n"), "/a:/b"),
            (format!("x-v: &v /a:/b\n{head}    volumes:\n      - *v\n"), "*v"),
            (format!("{head}    volumes:\n      - >-\n        /a:/b\n"), "/a:/b"),
            (format!("{head}    volumes:\n      - ${{DATA}}:/b\n"), "DATA"),
            (format!("{head}    volumes:\n      - type: bind\n        source: /a\n        target: /b\n"), "/a"),
            (format!("{head}    tmpfs:\n      - /run\n"), "/run"),
        ] {
            assert_eq!(convert(&text, needle), None, "{text}");
        }
    }

    fn linted_compose() -> Linted {
        linted("compose.yaml", "yaml", "services:\n  app:\n    image: alpine\n    volumes:\n      - /srv:/data:ro\n")
    }

    #[test]
    fn quick_fixes_and_fix_all() {
        let text = "docker run -v /a:/b,ro x\ndocker run -v /c:/d,ro y\n";
        let linted = linted("run.sh", "shellscript", text);
        let uri: Uri = "file:///nowhere/run.sh".parse().unwrap_or_else(|e| panic!("{e}"));
        let request = Request {
            uri: &uri,
            version: 1,
            range: Span::new(0, 0),
            only: None,
            document_changes: false,
            resolve_edits: false,
        };
        let actions = code_actions(&request, &linted);
        let titles: Vec<String> = actions
            .iter()
            .filter_map(|a| match a {
                CodeActionOrCommand::CodeAction(a) => Some(a.title.clone()),
                CodeActionOrCommand::Command(_) => None,
            })
            .collect();
        // The cursor is at the start of the first line: no diagnostic there.
        assert_eq!(titles, ["Fix all safe dockmount problems"]);
        assert_eq!(fix_all_text(&linted).as_deref(), Some("docker run -v /a:/b:ro x\ndocker run -v /c:/d:ro y\n"));
        let edits = line_changes("a\nb,ro\nc\nd,ro", "a\nb:ro\nc\nd:ro");
        let edits: Vec<(usize, usize, &str)> =
            edits.iter().map(|e| (e.span.start, e.span.end, e.replacement.as_str())).collect();
        assert_eq!(edits, [(2, 7, "b:ro\n"), (9, 13, "d:ro")]);
        let only = [CodeActionKind::QUICKFIX];
        let request = Request { range: Span::new(18, 18), only: Some(&only), ..request };
        let titles: Vec<String> = code_actions(&request, &linted)
            .iter()
            .filter_map(|a| match a {
                CodeActionOrCommand::CodeAction(a) => Some(a.title.clone()),
                CodeActionOrCommand::Command(_) => None,
            })
            .collect();
        assert_eq!(titles, ["use `/b:ro`", "Ignore DM006 (comma-in-target) here"]);
    }
}
