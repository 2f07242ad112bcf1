//! Inline suppressions: `# dockmount: ignore[comma-in-target, DM012]` (rule names or
//! codes) or `# dockmount: ignore` (every rule), and `<!-- dockmount: ignore[...] -->` in
//! Markdown or anywhere an HTML comment fits.
//!
//! A suppression covers the findings that start on its own line. A comment alone on its
//! line also covers the next line, and when a command line, compose service or fenced code
//! block starts on that next line, all of it (a comment inside a command continued with
//! `\` would end the command). Every kind of file is read the same way: a `#` starts a
//! suppression at the start of a line or after white space, so `a#b` is no comment.
//!
//! A suppression that covers nothing is itself reported (`unused-suppression`, DM900),
//! with a fix that deletes it or the names in it that are unused. Names of rules the run
//! did not select are not judged: they may be used by another run.

use super::config::Selection;
use super::lines::LineIndex;
use super::{find_rule, unused_suppression, Diagnostic};
use crate::rules::{Applicability, Edit, Fix};
use crate::span::Span;
use std::collections::HashMap;

/// One name in `ignore[...]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub text: String,
    pub span: Span,
}

/// One suppression comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The comment, from `#` (or `<!--`) to its end.
    pub span: Span,
    /// What deleting it deletes: the whole line when the comment stands alone, else the
    /// comment and the white space before it.
    pub removal: Span,
    /// The 0-based line it is on.
    pub line: usize,
    /// Alone on its line: it then covers the next line too.
    pub own_line: bool,
    /// `None` for a bare `dockmount: ignore` (every rule).
    pub entries: Option<Vec<Entry>>,
    /// Between `[` and `]`.
    pub list_span: Option<Span>,
    /// `[` without `]`: it suppresses nothing and is reported.
    pub malformed: bool,
}

/// Something a suppression on the line before its anchor covers as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// An offset on the region's first line.
    pub anchor: usize,
    pub span: Span,
}

impl Region {
    /// A Markdown code block: its first line is the opening fence, the line before the
    /// block's content.
    pub fn code_block(text: &str, block: Span) -> Region {
        let before = text.get(..block.start).unwrap_or("");
        let before = before.strip_suffix('\n').unwrap_or(before);
        let anchor = before.rfind('\n').map_or(0, |at| at + 1);
        Region { anchor, span: block }
    }
}

/// Every suppression comment of a text (at most one per line: the first).
pub fn parse(text: &str) -> Vec<Suppression> {
    // Most files have no suppression at all: one search of the whole text settles that.
    if !text.contains("dockmount") {
        return Vec::new();
    }
    let index = LineIndex::new(text);
    let mut found = Vec::new();
    for line in 0..index.line_count() {
        let (start, end) = index.line_span(line);
        let Some(content) = text.get(start..end) else {
            continue;
        };
        if !content.contains("dockmount") {
            continue;
        }
        if let Some(mut suppression) = parse_line(content, start) {
            suppression.line = line;
            suppression.removal = if suppression.own_line {
                let (from, to) = index.line_span_with_ending(line);
                Span::new(from, to)
            } else {
                let before = content.get(..suppression.span.start - start).unwrap_or("");
                Span::new(start + before.trim_end().len(), suppression.span.end)
            };
            found.push(suppression);
        }
    }
    found
}

/// The first suppression of one line whose text starts at `offset`.
fn parse_line(line: &str, offset: usize) -> Option<Suppression> {
    for (at, _) in line.char_indices() {
        let rest = line.get(at..)?;
        let after_space = at == 0 || line.get(..at).is_some_and(|b| b.ends_with(char::is_whitespace));
        let (body, html) = if let Some(body) = rest.strip_prefix('#').filter(|_| after_space) {
            (body, false)
        } else if let Some(body) = rest.strip_prefix("<!--") {
            (body, true)
        } else {
            continue;
        };
        let body_start = at + (rest.len() - body.len());
        let Some((entries, list_span, malformed, used)) = parse_directive(body, offset + body_start) else {
            continue;
        };
        // A `#` comment runs to the end of the line; an HTML comment to its `-->`.
        let end = if html {
            let tail = body.get(used..).unwrap_or("");
            tail.find("-->").map_or(line.len(), |close| body_start + used + close + 3)
        } else {
            line.len()
        };
        let own_line = line.get(..at).is_some_and(|b| b.trim().is_empty());
        return Some(Suppression {
            span: Span::new(offset + at, offset + end),
            removal: Span::default(),
            line: 0,
            own_line,
            entries,
            list_span,
            malformed,
        });
    }
    None
}

type Directive = (Option<Vec<Entry>>, Option<Span>, bool, usize);

/// Reads ` dockmount: ignore[a, b]` at the start of `body` (which starts at `offset`):
/// the entries, the list's span, whether it is malformed, and the bytes read.
fn parse_directive(body: &str, offset: usize) -> Option<Directive> {
    let trimmed = body.trim_start();
    let rest = trimmed.strip_prefix("dockmount:")?;
    let rest = rest.trim_start().strip_prefix("ignore")?;
    let read = body.len() - rest.len();
    match rest.chars().next() {
        None => Some((None, None, false, read)),
        Some(c) if c.is_whitespace() || c == '-' && rest.starts_with("-->") => Some((None, None, false, read)),
        Some('[') => {
            let list_start = read + 1;
            let Some(close) = rest.find(']') else {
                return Some((Some(Vec::new()), None, true, body.len()));
            };
            let list = rest.get(1..close).unwrap_or("");
            let mut entries = Vec::new();
            let mut at = list_start;
            for part in list.split(',') {
                let lead = part.len() - part.trim_start().len();
                let name = part.trim();
                if !name.is_empty() {
                    let start = offset + at + lead;
                    entries.push(Entry { text: name.to_string(), span: Span::new(start, start + name.len()) });
                }
                at += part.len() + 1;
            }
            let list_span = Span::new(offset + list_start, offset + list_start + list.len());
            Some((Some(entries), Some(list_span), false, read + close + 1))
        }
        // `ignored`, `ignore-file`...: not a suppression.
        Some(_) => None,
    }
}

/// Removes the diagnostics that suppressions cover and adds `unused-suppression` ones.
pub fn apply(text: &str, regions: &[Region], diagnostics: Vec<Diagnostic>, selection: &Selection) -> Vec<Diagnostic> {
    let suppressions = parse(text);
    if suppressions.is_empty() {
        return diagnostics;
    }
    let index = LineIndex::new(text);
    let by_line: HashMap<usize, usize> = suppressions.iter().enumerate().map(|(i, s)| (s.line, i)).collect();
    // For each suppression: whether the bare form was used, and each entry's use.
    let mut used_bare = vec![false; suppressions.len()];
    let mut used_entries: Vec<Vec<bool>> =
        suppressions.iter().map(|s| vec![false; s.entries.as_ref().map_or(0, Vec::len)]).collect();

    let mut kept = Vec::new();
    for diagnostic in diagnostics {
        let line = index.line_of(diagnostic.span.start);
        let mut candidates: Vec<usize> = Vec::new();
        candidates.extend(by_line.get(&line));
        if let Some(before) = line.checked_sub(1).and_then(|l| by_line.get(&l)) {
            candidates.extend(Some(*before).filter(|i| suppressions[*i].own_line));
        }
        for region in regions {
            if region.span.start <= diagnostic.span.start
                && diagnostic.span.start < region.span.end.max(region.span.start + 1)
            {
                let anchor_line = index.line_of(region.anchor);
                if let Some(i) = anchor_line.checked_sub(1).and_then(|l| by_line.get(&l)) {
                    candidates.extend(Some(*i).filter(|i| suppressions[*i].own_line));
                }
            }
        }
        let mut suppressed = false;
        for i in candidates {
            let suppression = &suppressions[i];
            if suppression.malformed {
                continue;
            }
            match &suppression.entries {
                None => {
                    used_bare[i] = true;
                    suppressed = true;
                }
                Some(entries) => {
                    for (j, entry) in entries.iter().enumerate() {
                        if entry.text.eq_ignore_ascii_case(diagnostic.code) || entry.text == diagnostic.name {
                            used_entries[i][j] = true;
                            suppressed = true;
                        }
                    }
                }
            }
        }
        if !suppressed {
            kept.push(diagnostic);
        }
    }

    if selection.is_enabled(unused_suppression::RULE.code) {
        for (i, suppression) in suppressions.iter().enumerate() {
            kept.extend(unused(suppression, used_bare[i], &used_entries[i], selection));
        }
    }
    kept
}

/// The `unused-suppression` diagnostic of one suppression, if it has unused parts.
fn unused(suppression: &Suppression, used_bare: bool, used: &[bool], selection: &Selection) -> Option<Diagnostic> {
    let rule = &unused_suppression::RULE;
    let diagnostic = |message: String, fix: Option<Fix>| Diagnostic {
        code: rule.code,
        name: rule.name,
        severity: rule.severity,
        message: message.into(),
        span: suppression.span,
        fix: fix.map(Box::new),
        hint: None,
    };
    let remove = |message: &str| Fix {
        applicability: Applicability::Safe,
        message: message.to_string(),
        edits: vec![Edit { span: suppression.removal, replacement: String::new() }],
    };
    if suppression.malformed {
        return Some(diagnostic("malformed suppression: `[` without `]`; it suppresses nothing".into(), None));
    }
    let Some(entries) = &suppression.entries else {
        return (!used_bare).then(|| {
            diagnostic(
                "unused suppression: there is nothing to suppress here".into(),
                Some(remove("remove the suppression")),
            )
        });
    };
    if entries.is_empty() {
        return Some(diagnostic("unused suppression: it names no rule".into(), Some(remove("remove the suppression"))));
    }
    let mut reasons = Vec::new();
    let mut keep = Vec::new();
    for (entry, used) in entries.iter().zip(used) {
        match find_rule(&entry.text) {
            None => reasons.push(format!("`{}` is not a dockmount rule", entry.text)),
            Some(rule) if !used && selection.is_enabled(rule.code) => {
                reasons.push(format!("no `{}` ({}) finding here to suppress", rule.name, rule.code))
            }
            Some(_) => keep.push(entry.text.as_str()),
        }
    }
    if reasons.is_empty() {
        return None;
    }
    let message = format!("unused suppression: {}", reasons.join("; "));
    let fix = if keep.is_empty() {
        remove("remove the suppression")
    } else {
        let list = suppression.list_span?;
        let kept = keep.join(", ");
        Fix {
            applicability: Applicability::Safe,
            message: format!("keep only `{kept}`"),
            edits: vec![Edit { span: list, replacement: kept }],
        }
    };
    Some(diagnostic(message, Some(fix)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Severity;

    fn finding(text: &str, needle: &str, code: &'static str, name: &'static str) -> Diagnostic {
        let start = text.find(needle).unwrap_or(0);
        Diagnostic {
            code,
            name,
            severity: Severity::Error,
            message: "m".into(),
            span: Span::new(start, start + needle.len()),
            fix: None,
            hint: None,
        }
    }

    fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn comments_are_read_with_their_entries() {
        let text = "a  # dockmount: ignore[DM006, comma-in-target] why\n# dockmount:ignore\nx#dockmount: ignore\n";
        let found = parse(text);
        assert_eq!(found.len(), 2);
        let first = &found[0];
        assert!(!first.own_line);
        let names: Vec<&str> = first.entries.iter().flatten().map(|e| e.text.as_str()).collect();
        assert_eq!(names, ["DM006", "comma-in-target"]);
        let entry = &first.entries.as_ref().map(|e| e[1].span).unwrap_or_default();
        assert_eq!(&text[entry.start..entry.end], "comma-in-target");
        assert_eq!(&text[first.span.start..first.span.end], "# dockmount: ignore[DM006, comma-in-target] why");
        assert_eq!(&text[first.removal.start..first.removal.end], "  # dockmount: ignore[DM006, comma-in-target] why");
        assert!(found[1].own_line && found[1].entries.is_none());
        assert_eq!(&text[found[1].removal.start..found[1].removal.end], "# dockmount:ignore\n");
        assert!(parse("# dockmount: ignored\n# dockmount: ignore-file\n").is_empty());
    }

    #[test]
    fn html_comments_and_crlf() {
        let text = "<!-- dockmount: ignore[DM006] -->\r\n```sh\r\n";
        let found = parse(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].span.start..found[0].span.end], "<!-- dockmount: ignore[DM006] -->");
        assert_eq!(&text[found[0].removal.start..found[0].removal.end], "<!-- dockmount: ignore[DM006] -->\r\n");
        let bare = parse("<!-- dockmount: ignore -->");
        assert_eq!(bare.len(), 1);
        assert!(bare[0].entries.is_none());
    }

    #[test]
    fn same_line_and_line_before_are_covered_not_two_lines_before() {
        let text = "# dockmount: ignore[DM006]\nrun -v a:/b,ro\n\n# dockmount: ignore\n\nrun -v c:/d,ro\n";
        let one = finding(text, "/b,ro", "DM006", "comma-in-target");
        let two = finding(text, "/d,ro", "DM006", "comma-in-target");
        let out = apply(text, &[], vec![one, two], &Selection::all());
        // The second finding stays, and the second comment (followed by a blank line) is unused.
        assert_eq!(codes(&out), ["DM006", "DM900"]);
        assert_eq!(out[0].span.start, text.find("/d,ro").unwrap_or(0));
    }

    #[test]
    fn a_comment_before_a_region_covers_all_of_it() {
        let text = "# dockmount: ignore[comma-in-target]\ndocker run \\\n  -v a:/b,ro \\\n  img\n";
        let region = Region { anchor: text.find("docker").unwrap_or(0), span: Span::new(37, text.len()) };
        let out = apply(text, &[region], vec![finding(text, "/b,ro", "DM006", "comma-in-target")], &Selection::all());
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn unused_entries_are_reported_and_fixed_to_the_used_ones() {
        let text = "run -v a:/b,ro  # dockmount: ignore[DM006, nonsense, DM000]\n";
        let out = apply(text, &[], vec![finding(text, "/b,ro", "DM006", "comma-in-target")], &Selection::all());
        assert_eq!(codes(&out), ["DM900"]);
        assert_eq!(
            out[0].message,
            "unused suppression: `nonsense` is not a dockmount rule; no `read-error` (DM000) finding here to suppress"
        );
        let fix = out[0].fix.as_ref().map(|f| f.edits[0].clone());
        assert_eq!(fix.map(|e| e.replacement), Some("DM006".to_string()));
    }

    #[test]
    fn rules_not_selected_are_not_judged() {
        let text = "run  # dockmount: ignore[DM006]\n";
        let selection = Selection::resolve(
            &[super::super::config::Layer { select: None, ignore: vec![super::super::config::Selector::All] }],
            Severity::Info,
        );
        assert!(apply(text, &[], vec![], &selection).is_empty());
        let only_dm900 = Selection::resolve(
            &[super::super::config::Layer {
                select: Some(vec![super::super::config::Selector::Name("unused-suppression")]),
                ignore: vec![],
            }],
            Severity::Info,
        );
        assert!(apply(text, &[], vec![], &only_dm900).is_empty());
    }

    #[test]
    fn malformed_suppressions_are_reported_without_a_fix() {
        let text = "run -v a:/b,ro  # dockmount: ignore[DM006\n";
        let out = apply(text, &[], vec![finding(text, "/b,ro", "DM006", "comma-in-target")], &Selection::all());
        assert_eq!(codes(&out), ["DM006", "DM900"]);
        assert!(out[1].fix.is_none());
    }
}
