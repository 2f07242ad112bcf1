//! ## What it does
//! Flags a `-v` or `--mount` source starting with `~` that no shell expands: inside
//! quotes (`-v "~/data:/data"`), glued to the flag (`--volume=~/data:/data`), or in the
//! middle of a `--mount` value (`--mount type=bind,src=~/data,dst=/data`).
//!
//! ## Why is this bad?
//! Docker itself never expands `~`: only the shell does, and only for an unquoted `~` at
//! the start of a word (bash also after the first `=` of a word that looks like a variable
//! assignment, such as `src=~/data,dst=/data`; `sh`, `dash` and `zsh` do not). When the
//! shell leaves it, Docker receives the literal `~/data`: with `-v` that is a volume name,
//! which the local driver refuses (`create ~/data: "~/data" includes invalid characters
//! for a local volume name ...`); with `--mount type=bind` it is a relative path,
//! refused as `invalid mount path: '~/data' mount path must be absolute`.
//!
//! Compose expands a leading `~` in volume sources itself, so compose files are not
//! concerned.
//!
//! ## Example
//! ```sh
//! docker run -v "~/projects/site:/usr/share/nginx/html" nginx
//! docker run --mount type=bind,src=~/site,dst=/srv nginx
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v "$HOME/projects/site:/usr/share/nginx/html" nginx
//! docker run --mount type=bind,src="$HOME"/site,dst=/srv nginx
//! ```
//!
//! ## Fix safety
//! The fix writes `$HOME` for the `~` (not inside single quotes, where nothing expands).
//! It is safe when Docker refuses the value as written, and where only bash expands the
//! `~` (bash then gives the same path). It is unsafe when a volume plugin accepts the
//! literal name: the fix turns that volume into a bind. A `~user` prefix gets no fix.

use super::{Applicability, Document, Edit, ExpansionKind, Finding, Fix, Rule, Severity};
use crate::model::mount::{Field, SyntaxKind};
use crate::model::verdict::DockerError;
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM003",
    name: "tilde-not-expanded",
    severity: Severity::Error,
    source: include_str!("tilde_not_expanded.rs"),
    check,
    covers: Some(covers),
};

/// Docker's refusals of a literal `~` source.
fn covers(error: &DockerError) -> bool {
    let message = error.message.as_str();
    (message.starts_with("create ~") && message.contains("includes invalid characters"))
        || message.contains("invalid mount path: '~")
}

/// The shell's quoting at a point of a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

fn check(document: &Document) -> Vec<Finding> {
    let mut findings = Vec::new();
    for item in &document.items {
        if !matches!(item.mount.syntax, SyntaxKind::VolumeFlag | SyntaxKind::MountFlag) {
            continue;
        }
        let Some(source) = item.written_source() else {
            continue;
        };
        if !source.starts_with('~') {
            continue;
        }
        let expansion = item.leading_source_expansion().filter(|e| e.kind == ExpansionKind::Tilde);
        let bash_only = match expansion {
            Some(e) if !e.bash_only => continue,
            Some(_) => true,
            None => false,
        };
        let field = item.mount.span_of(Field::Source);
        let Some(tilde) = document.slice(field).find('~').map(|at| field.start + at) else {
            continue;
        };
        let quote = quote_at(document, item.word_span.start, tilde);
        // Where only bash expands it, the literal reading is what `sh` gives Docker.
        let error = if bash_only { item.docker_error.as_deref() } else { item.known_error() };
        let refused = match error {
            Some(error) => format!(": Docker refuses it: {}", error.message),
            None if item.mount.syntax == SyntaxKind::VolumeFlag => {
                format!(": Docker reads `{source}` as a volume name, not your home directory")
            }
            None => format!(": Docker reads `{source}` literally"),
        };
        let message = if bash_only {
            format!(
                "only bash expands this `~` (after `=` in a word that looks like an assignment); sh, dash and zsh pass `{source}` as it is, and Docker never expands `~`{refused}"
            )
        } else {
            let reason = match quote {
                Quote::Single | Quote::Double => "the shell does not expand `~` inside quotes",
                Quote::None if tilde > item.word_span.start => "the shell expands `~` only at the start of a word",
                Quote::None => "the shell does not expand this `~`",
            };
            format!("`{source}` is not expanded: {reason}, and Docker never expands `~`{refused}")
        };
        let safe = bash_only || error.is_some();
        let fix = home_fix(document, tilde, quote, safe);
        let severity = if bash_only { Severity::Warning } else { Severity::Error };
        findings.push(Finding { severity, ..RULE.finding(field, message, fix) });
    }
    findings
}

/// The quoting in force at byte `at` of the document, reading the word from `from`.
fn quote_at(document: &Document, from: usize, at: usize) -> Quote {
    let mut quote = Quote::None;
    let mut escaped = false;
    for ch in document.slice(Span::new(from, at)).chars() {
        if escaped {
            escaped = false;
            continue;
        }
        quote = match (quote, ch) {
            (Quote::None, '\\') | (Quote::Double, '\\') => {
                escaped = true;
                quote
            }
            (Quote::None, '\'') => Quote::Single,
            (Quote::Single, '\'') => Quote::None,
            (Quote::None, '"') => Quote::Double,
            (Quote::Double, '"') => Quote::None,
            (quote, _) => quote,
        };
    }
    quote
}

/// `~` → `$HOME` (quoted when the word is not).
fn home_fix(document: &Document, tilde: usize, quote: Quote, safe: bool) -> Option<Fix> {
    let after = document.slice(Span::new(tilde + 1, tilde + 2));
    if !(after.is_empty() || after == "/" || after == ":" || after == ",") || quote == Quote::Single {
        return None;
    }
    let replacement = if quote == Quote::Double { "$HOME" } else { "\"$HOME\"" };
    Some(Fix {
        applicability: if safe { Applicability::Safe } else { Applicability::Unsafe },
        message: format!("write `{replacement}` for `~`"),
        edits: vec![Edit { span: Span::new(tilde, tilde + 1), replacement: replacement.to_string() }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_at_a_point() {
        let document = Document { text: r#"-v "~/x" '~' \"~ a"b'~'"#.to_string(), ..Document::default() };
        let at = |n: usize| document.text.match_indices('~').nth(n).map_or(0, |(i, _)| i);
        assert_eq!(quote_at(&document, 0, at(0)), Quote::Double);
        assert_eq!(quote_at(&document, 0, at(1)), Quote::Single);
        assert_eq!(quote_at(&document, 0, at(2)), Quote::None);
        assert_eq!(quote_at(&document, 0, at(3)), Quote::Double);
    }
}
