//! `lint`: finds the storage items of a file, runs the rules on them, and collects the
//! findings. Which files are looked at and how each kind is read lives here; what counts
//! as a problem lives in `rules/`, and how findings are shown in `report/`.
//!
//! One file goes through [`check_text`]: read into a [`Document`](crate::rules::Document)
//! (what cannot be read becomes a `read-error` diagnostic), every rule runs, the
//! selection of the run (`--select`, `--ignore`, the config file) keeps what was asked
//! for, inline suppressions remove what was waived (and unused ones are reported), and
//! last the minimum severity applies. Every file kind goes through the same steps.

pub mod config;
pub mod document;
pub mod files;
pub mod fix;
pub mod lines;
pub mod read_error;
pub mod suppress;
pub mod unused_suppression;
pub mod walk;

use crate::model::Context;
use crate::rules::{self, Document, Finding, Fix, Rule, Severity, RULES};
use crate::span::Span;
use config::Selection;
use files::FileKind;
use serde::Serialize;
use std::borrow::Cow;

/// A file that could not be read as its kind (it is reported, and never rewritten).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadError {
    pub message: String,
    pub span: Span,
    pub hint: Option<String>,
}

/// The lint result of one file: every rule's findings, before any selection.
#[derive(Clone, Debug)]
pub struct FileReport {
    pub path: String,
    pub text: String,
    pub kind: FileKind,
    pub findings: Vec<Finding>,
    pub errors: Vec<ReadError>,
}

/// The directory of a file that exists: relative host paths in it are looked up there.
fn base_dir(path: &str) -> Option<std::path::PathBuf> {
    let path = std::path::Path::new(path);
    if !path.is_file() {
        return None;
    }
    match path.parent() {
        Some(dir) if dir.as_os_str().is_empty() => Some(std::path::PathBuf::from(".")),
        dir => dir.map(std::path::Path::to_path_buf),
    }
}

/// Lints one file's text as the given kind, with every rule.
pub fn lint_text(path: &str, text: &str, kind: FileKind, ctx: &Context) -> FileReport {
    let (_, findings, errors) = read_and_check(path, text, kind, ctx);
    FileReport { path: path.to_string(), text: text.to_string(), kind, findings, errors }
}

fn read_and_check(path: &str, text: &str, kind: FileKind, ctx: &Context) -> (Document, Vec<Finding>, Vec<ReadError>) {
    let (mut document, errors) = document::build_file(path, text, kind, ctx);
    document.base_dir = base_dir(path);
    // An override file is merged over another: what it leaves out is set elsewhere.
    if let Some(compose) = document.compose.as_mut().filter(|_| files::is_compose_override(path)) {
        compose.partial = true;
        compose.override_file = true;
    }
    let findings = rules::check(&document);
    (document, findings, errors)
}

/// One problem to report: a rule's finding, a read error or an unused suppression.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: Cow<'static, str>,
    /// Byte span in the file's text.
    pub span: Span,
    pub fix: Option<Box<Fix>>,
    /// More on how to read or mend it (read errors carry the reader's hint).
    pub hint: Option<String>,
}

impl From<Finding> for Diagnostic {
    fn from(finding: Finding) -> Diagnostic {
        Diagnostic {
            code: finding.code,
            name: finding.name,
            severity: finding.severity,
            message: finding.message,
            span: finding.span,
            fix: finding.fix,
            hint: None,
        }
    }
}

impl Diagnostic {
    fn read_error(error: ReadError) -> Diagnostic {
        Diagnostic {
            code: read_error::RULE.code,
            name: read_error::RULE.name,
            severity: read_error::RULE.severity,
            message: error.message.into(),
            span: error.span,
            fix: None,
            hint: error.hint,
        }
    }
}

/// What a run reports for one file.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The file as it is shown (`-` or the `--stdin-filename` for standard input).
    pub path: String,
    pub text: String,
    pub kind: FileKind,
    /// In text order.
    pub diagnostics: Vec<Diagnostic>,
    /// Some of the file could not be read (even if those diagnostics were not selected):
    /// such a file is never rewritten.
    pub has_read_errors: bool,
}

/// Lints one file's text for a run: the rules, then the selection, the inline
/// suppressions and the minimum severity.
pub fn check_text(path: &str, text: &str, kind: FileKind, ctx: &Context, selection: &Selection) -> Checked {
    let (document, findings, errors) = read_and_check(path, text, kind, ctx);
    // A suppression just before a command line (or service, or code block) covers all of it.
    let mut regions: Vec<suppress::Region> =
        document.groups.iter().map(|g| suppress::Region { anchor: g.span.start, span: g.span }).collect();
    // The document is not needed past this point: it goes before the findings are turned
    // into diagnostics (a Dockerfile of 100,000 volumes holds both at once otherwise).
    drop(document);
    let has_read_errors = !errors.is_empty();
    let mut diagnostics: Vec<Diagnostic> = errors.into_iter().map(Diagnostic::read_error).collect();
    diagnostics.extend(findings.into_iter().map(Diagnostic::from));
    diagnostics.retain(|d| selection.is_enabled(d.code));

    if kind == FileKind::Markdown {
        regions.extend(document::code_blocks(text).into_iter().map(|block| suppress::Region::code_block(text, block)));
    }
    let mut diagnostics = suppress::apply(text, &regions, diagnostics, selection);

    diagnostics.retain(|d| d.severity >= selection.min_severity);
    diagnostics.sort_by(|a, b| (a.span.start, a.span.end, a.code).cmp(&(b.span.start, b.span.end, b.code)));
    Checked { path: path.to_string(), text: text.to_string(), kind, diagnostics, has_read_errors }
}

/// Every rule a run can report: the rules of `rules/` and lint's own (`read-error`,
/// `unused-suppression`), in code order.
pub fn all_rules() -> Vec<&'static Rule> {
    let mut all: Vec<&'static Rule> = RULES.iter().collect();
    all.push(&read_error::RULE);
    all.push(&unused_suppression::RULE);
    all.sort_by_key(|r| r.code);
    all
}

/// Looks a rule up by code (`DM006`, any case) or name (`comma-in-target`).
pub fn find_rule(key: &str) -> Option<&'static Rule> {
    all_rules().into_iter().find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lint_codes_and_names_do_not_clash_with_the_rules() {
        let all = all_rules();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
        assert_eq!(find_rule("dm000").map(|r| r.name), Some("read-error"));
        assert_eq!(find_rule("unused-suppression").map(|r| r.code), Some("DM900"));
    }

    #[test]
    fn a_finding_is_kept_by_selection_and_dropped_by_suppression() {
        let ctx = Context::default();
        let all = Selection::all();
        let text = "docker run -v /srv:/data,ro alpine\n";
        let checked = check_text("run.sh", text, FileKind::Shell, &ctx, &all);
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["DM006"]);

        let suppressed = "docker run -v /srv:/data,ro alpine  # dockmount: ignore[DM006]\n";
        let checked = check_text("run.sh", suppressed, FileKind::Shell, &ctx, &all);
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
    }

    #[test]
    fn read_errors_are_diagnostics_and_mark_the_file() {
        let checked = check_text(
            "run.sh",
            "docker run -v \"/a:/b img\n",
            FileKind::Shell,
            &Context::default(),
            &Selection::all(),
        );
        assert!(checked.has_read_errors);
        assert_eq!(checked.diagnostics.first().map(|d| d.code), Some("DM000"));
    }
}
