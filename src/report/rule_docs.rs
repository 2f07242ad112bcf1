//! The rules' documentation pages (`docs/rules/<name>.md` and the index
//! `docs/rules/README.md`), made from the same doc comments `dockmount rule` prints, so
//! that the pages are never written by hand. A test keeps the checked-in pages in step.

use crate::rules::{Rule, Severity};

/// How the pages say they are made.
const GENERATED: &str = "<!-- Generated from the rule's documentation comment: edit that, then run \
`UPDATE_RULE_DOCS=1 cargo test --test rule_docs`. -->";

pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// A rule's page: its name and code, its severity, and its documentation.
pub fn page(rule: &Rule) -> String {
    format!("{GENERATED}\n\n{}", text(rule))
}

/// The page as `dockmount rule` prints it: without the note on how it is made.
pub fn text(rule: &Rule) -> String {
    format!(
        "# {} ({})\n\nSeverity: {}\n\n{}\n",
        rule.name,
        rule.code,
        severity_name(rule.severity),
        rule.documentation().trim_end()
    )
}

/// The file name of a rule's page.
pub fn file_name(rule: &Rule) -> String {
    format!("{}.md", rule.name)
}

/// The index of every rule: a table of code, name, severity and summary.
pub fn index(rules: &[&Rule]) -> String {
    let mut out = format!("{GENERATED}\n\n# Rules\n\n");
    out.push_str("`dockmount rule NAME` prints a rule's page; `dockmount rule --all` lists them.\n\n");
    out.push_str("| Code | Name | Severity | What it does |\n| --- | --- | --- | --- |\n");
    for rule in rules {
        out.push_str(&format!(
            "| {} | [{}]({}) | {} | {} |\n",
            rule.code,
            rule.name,
            file_name(rule),
            severity_name(rule.severity),
            rule.summary().replace('|', "\\|")
        ));
    }
    out
}
