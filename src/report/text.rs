//! The default output: a rustc-style snippet per finding (the source line, a caret under
//! the span labelled with the rule's name, the message, the fix as a `help:` note), and a
//! closing summary line. The `concise` format is one line per finding.

use super::snippet::{render_at, Level, Snippet};
use super::{fixable, plural, range};
use crate::lint::lines::LineIndex;
use crate::lint::Checked;
use crate::rules::{Applicability, Severity};

/// How the text output is shaped.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// ANSI colours.
    pub color: bool,
    /// `--unsafe-fixes` was given: unsafe fixes count as fixable.
    pub unsafe_fixes: bool,
    /// `--fix` ran and applied this many fixes.
    pub fixed: usize,
}

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Note,
    }
}

/// Every finding as a snippet, then the summary line.
pub fn render_full(files: &[Checked], options: TextOptions) -> String {
    let mut out = String::new();
    for file in files {
        let lines = LineIndex::new(&file.text);
        for diagnostic in &file.diagnostics {
            let mut notes = Vec::new();
            if let Some(hint) = &diagnostic.hint {
                notes.push(format!("hint: {hint}"));
            }
            if let Some(fix) = &diagnostic.fix {
                let how = match fix.applicability {
                    Applicability::Safe => "",
                    Applicability::Unsafe => " (unsafe fix: applied with --fix --unsafe-fixes)",
                };
                notes.push(format!("help: {}{how}", fix.message));
            }
            out.push_str(&render_at(
                &Snippet {
                    level: level(diagnostic.severity),
                    code: Some(diagnostic.code.to_string()),
                    message: diagnostic.message.to_string(),
                    file_name: &file.path,
                    text: &file.text,
                    span: diagnostic.span,
                    label: diagnostic.name.to_string(),
                    notes,
                },
                options.color,
                &lines,
            ));
        }
    }
    out.push_str(&summary(files, options));
    out.push('\n');
    out
}

/// One line per finding: `path:line:column: CODE [*] message` (`[*]`: `--fix` fixes it).
pub fn render_concise(files: &[Checked], options: TextOptions) -> String {
    let mut out = String::new();
    for file in files {
        let index = LineIndex::new(&file.text);
        for diagnostic in &file.diagnostics {
            let (start, _) = range(&index, diagnostic.span);
            let mark = if fixable(file, diagnostic, options.unsafe_fixes) { " [*]" } else { "" };
            out.push_str(&format!(
                "{}:{}:{}: {}{mark} {}\n",
                file.path, start.line, start.column, diagnostic.code, diagnostic.message
            ));
        }
    }
    out.push_str(&summary(files, options));
    out.push('\n');
    out
}

/// `Found 3 problems (2 fixable with --fix).`, or what `--fix` did, or that all is well.
pub fn summary(files: &[Checked], options: TextOptions) -> String {
    let remaining: usize = files.iter().map(|f| f.diagnostics.len()).sum();
    if options.fixed > 0 {
        return format!(
            "Found {} ({} fixed, {} remaining).",
            plural(remaining + options.fixed, "problem"),
            options.fixed,
            remaining
        );
    }
    if remaining == 0 {
        return "No problems found.".to_string();
    }
    let count = |unsafe_fixes: bool| -> usize {
        files.iter().map(|f| f.diagnostics.iter().filter(|d| fixable(f, d, unsafe_fixes)).count()).sum()
    };
    let fixable_now = count(options.unsafe_fixes);
    let with_unsafe = count(true) - fixable_now;
    let mut parts = Vec::new();
    if fixable_now > 0 {
        parts.push(format!("{fixable_now} fixable with --fix"));
    }
    if with_unsafe > 0 {
        parts.push(format!("{with_unsafe} more with --fix --unsafe-fixes"));
    }
    if parts.is_empty() {
        format!("Found {}.", plural(remaining, "problem"))
    } else {
        format!("Found {} ({}).", plural(remaining, "problem"), parts.join(", "))
    }
}
