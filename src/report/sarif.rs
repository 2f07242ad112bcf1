//! `--format sarif`: SARIF 2.1.0 (the OASIS static analysis results format read by GitHub
//! code scanning and most CI dashboards), written by hand against the schema.
//!
//! One run: the tool with every rule's metadata (id = code, name, the first paragraph of
//! its documentation as `shortDescription`, "What it does" and "Why is this bad?" as
//! `fullDescription`, the whole page as `help`), results with 1-based regions counted
//! in Unicode code points (`columnKind`), their fixes, and the files that could not be
//! read as notifications of the invocation. Relative paths are relative URIs against
//! `%SRCROOT%`, the directory the run started in.

use super::range;
use crate::lint::lines::LineIndex;
use crate::lint::{all_rules, Checked};
use crate::rules::{Rule, Severity};
use serde_json::{json, Value};

/// Where the SARIF schema is published.
const SCHEMA_URI: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The rule's documentation page, when the package says where its repository is.
fn help_uri(rule: &Rule) -> Option<String> {
    let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    (!repository.is_empty()).then(|| format!("{repository}/blob/main/docs/rules/{}.md", rule.name))
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The paragraphs of one `## ` section of a rule's documentation, joined into one line each.
pub(crate) fn section(doc: &str, heading: &str) -> String {
    let body = doc.lines().skip_while(|l| l.trim() != heading).skip(1).take_while(|l| !l.starts_with("## "));
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = Vec::new();
    for line in body {
        if line.trim().is_empty() {
            if !current.is_empty() {
                paragraphs.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line.trim());
        }
    }
    if !current.is_empty() {
        paragraphs.push(current.join(" "));
    }
    paragraphs.join("\n\n")
}

fn rule_descriptor(rule: &Rule) -> Value {
    let doc = rule.documentation();
    let full = [section(&doc, "## What it does"), section(&doc, "## Why is this bad?")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut descriptor = json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": full},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": level(rule.severity)},
    });
    if let (Some(uri), Some(object)) = (help_uri(rule), descriptor.as_object_mut()) {
        object.insert("helpUri".into(), json!(uri));
    }
    descriptor
}

/// `%`-encodes what may not stand in a URI path.
fn encode(path: &str) -> String {
    let mut out = String::new();
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b'@' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A file's artifact location: a relative URI against `%SRCROOT%`, or a `file:` URI.
fn artifact(path: &str) -> Value {
    let path = path.replace('\\', "/");
    if path.starts_with('/') {
        json!({"uri": format!("file://{}", encode(&path))})
    } else {
        // `:` is encoded, so a first segment never reads as a URI scheme.
        json!({"uri": encode(&path), "uriBaseId": "%SRCROOT%"})
    }
}

fn region(index: &LineIndex<'_>, span: crate::span::Span) -> Value {
    let (start, end) = range(index, span);
    json!({"startLine": start.line, "startColumn": start.column, "endLine": end.line, "endColumn": end.column})
}

/// The SARIF log of a run; `problems` are the files that could not be read at all.
pub fn render(files: &[Checked], problems: &[String]) -> String {
    let rules = all_rules();
    let mut results = Vec::new();
    for file in files {
        let index = LineIndex::new(&file.text);
        let location = artifact(&file.path);
        for diagnostic in &file.diagnostics {
            let mut message = diagnostic.message.to_string();
            if let Some(hint) = &diagnostic.hint {
                message.push_str(&format!(" (hint: {hint})"));
            }
            let mut result = json!({
                "ruleId": diagnostic.code,
                "level": level(diagnostic.severity),
                "message": {"text": message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": location,
                    "region": region(&index, diagnostic.span),
                }}],
            });
            let Some(object) = result.as_object_mut() else {
                continue;
            };
            if let Some(i) = rules.iter().position(|r| r.code == diagnostic.code) {
                object.insert("ruleIndex".into(), json!(i));
            }
            if let Some(fix) = &diagnostic.fix {
                let replacements: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|edit| json!({"deletedRegion": region(&index, edit.span), "insertedContent": {"text": edit.replacement}}))
                    .collect();
                object.insert(
                    "fixes".into(),
                    json!([{
                        "description": {"text": fix.message},
                        "artifactChanges": [{"artifactLocation": location, "replacements": replacements}],
                        "properties": {"applicability": fix.applicability},
                    }]),
                );
            }
            results.push(result);
        }
    }
    let notifications: Vec<Value> =
        problems.iter().map(|p| json!({"level": "error", "message": {"text": p}})).collect();
    let driver = json!({
        "name": "dockmount",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
    });
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [{
                "executionSuccessful": problems.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uris() {
        assert_eq!(artifact("a b/run.sh")["uri"], "a%20b/run.sh");
        assert_eq!(artifact("a b/run.sh")["uriBaseId"], "%SRCROOT%");
        assert_eq!(artifact("/srv/é.sh")["uri"], "file:///srv/%C3%A9.sh");
        assert_eq!(artifact("c:x/run.sh")["uri"], "c%3Ax/run.sh");
    }

    #[test]
    fn sections_are_read_from_the_documentation() {
        let doc = "## What it does\nFlags a\nthing.\n\nMore.\n\n## Why is this bad?\nBecause.\n";
        assert_eq!(section(doc, "## What it does"), "Flags a thing.\n\nMore.");
        assert_eq!(section(doc, "## Why is this bad?"), "Because.");
        assert_eq!(section(doc, "## Example"), "");
    }
}
