//! Shell expansions in flag values (`$PWD/data:/data`, `"${HOME}/.cfg":/cfg`, `$(pwd):/app`):
//! kept exactly as written in the output, never guessed.
//!
//! Docker sees what the shell made of them, which we cannot know. To translate the rest,
//! each expansion is stood in for by a placeholder of the shape its place suggests: an
//! absolute path where a host or container path starts and the expansion looks like a
//! directory (`$PWD`, `${HOME}`, `$(pwd)`, `$DATA_DIR`, or anything directly followed by
//! `/`), a plain name elsewhere. The placeholders go through the model and the emitters like
//! any text and are put back in the output; a note says how each expansion was read.

use crate::syntax::shell::{ExpansionKind, Word};
use std::ops::Range;

/// One expansion of a value and its stand-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    /// The expansion as written (`$PWD`, `${HOME:-/root}`, `$(pwd)`).
    pub text: String,
    pub kind: ExpansionKind,
    /// The variable's name (or the command, for a substitution).
    pub name: String,
    /// The stand-in used while translating.
    pub placeholder: String,
    /// Read as an absolute path (else as part of a name or path).
    pub absolute: bool,
}

/// Name parts that say "a directory".
const DIRECTORY_WORDS: [&str; 8] = ["PWD", "HOME", "DIR", "PATH", "ROOT", "FOLDER", "CWD", "WORKSPACE"];

/// A value with its expansions replaced by placeholders.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoodIn {
    /// The value to translate.
    pub value: String,
    pub expansions: Vec<Expansion>,
    /// For each byte of `value` (and one past the end), the byte of the original value it
    /// stands for (a placeholder's bytes all stand for its expansion's first byte, its end
    /// for the expansion's end).
    pub to_original: Vec<usize>,
}

impl StoodIn {
    /// A byte span of `value` as a span of the original value.
    pub fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        let at = |i: usize| {
            self.to_original.get(i).copied().unwrap_or_else(|| self.to_original.last().copied().unwrap_or(0))
        };
        (at(start), at(end.max(start)))
    }
}

/// Replaces each expansion of the word's value by a placeholder; `next` numbers the
/// placeholders, so that they stay unique across the words of a line.
pub fn stand_in(word: &Word, next: &mut usize) -> StoodIn {
    let mut found: Vec<(Range<usize>, Expansion)> = Vec::new();
    for var in &word.variables {
        // The value keeps the expansion verbatim: its bytes are those whose source lies in
        // the reference's span.
        let positions: Vec<usize> = (0..word.value.len())
            .filter(|&i| word.offsets.get(i).is_some_and(|at| at >= var.span.start && at < var.span.end))
            .collect();
        let (Some(&first), Some(&last)) = (positions.first(), positions.last()) else { continue };
        let range = first..last + 1;
        let Some(written) = word.value.get(range.clone()) else { continue };
        if found.iter().any(|(r, _)| r.start < range.end && range.start < r.end) {
            continue;
        }
        let before = word.value.get(..first).and_then(|s| s.chars().next_back());
        let after = word.value.get(last + 1..).and_then(|s| s.chars().next());
        let path_start = matches!(before, None | Some('=' | ':' | ','));
        let upper = var.name.to_ascii_uppercase();
        let directory_name = DIRECTORY_WORDS.iter().any(|w| upper.contains(w)) || var.name.trim() == "pwd";
        let absolute = path_start && (after == Some('/') || directory_name);
        let index = *next;
        *next += 1;
        let placeholder = if absolute { format!("/dockmountvar{index}q") } else { format!("dockmountvar{index}q") };
        found.push((
            range,
            Expansion { text: written.to_string(), kind: var.kind, name: var.name.clone(), placeholder, absolute },
        ));
    }
    found.sort_by_key(|(range, _)| range.start);
    let original = word.value.as_str();
    let mut out = StoodIn::default();
    let mut at = 0;
    for (range, expansion) in &found {
        let Some(plain) = original.get(at..range.start) else { continue };
        out.value.push_str(plain);
        out.to_original.extend(at..range.start);
        out.value.push_str(&expansion.placeholder);
        out.to_original.extend(std::iter::repeat_n(range.start, expansion.placeholder.len()));
        at = range.end;
    }
    out.value.push_str(original.get(at..).unwrap_or(""));
    out.to_original.extend(at..=original.len());
    out.expansions = found.into_iter().map(|(_, e)| e).collect();
    out
}

/// Puts the expansions back in an output text; returns it and the byte ranges of the
/// expansions in it (for quoting that keeps them live).
pub fn restore(output: &str, expansions: &[Expansion]) -> (String, Vec<Range<usize>>) {
    restore_with(output, expansions, |e| Some(e.text.clone())).unwrap_or_else(|| (output.to_string(), Vec::new()))
}

/// Like [`restore`], with each expansion written as `write` says (compose has its own
/// syntax); `None` when one of them cannot be written.
pub fn restore_with(
    output: &str,
    expansions: &[Expansion],
    write: impl Fn(&Expansion) -> Option<String>,
) -> Option<(String, Vec<Range<usize>>)> {
    let mut out = String::with_capacity(output.len());
    let mut ranges = Vec::new();
    let mut rest = output;
    'scan: while !rest.is_empty() {
        for expansion in expansions {
            if let Some(after) = rest.strip_prefix(expansion.placeholder.as_str()) {
                let text = write(expansion)?;
                ranges.push(out.len()..out.len() + text.len());
                out.push_str(&text);
                rest = after;
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(ch) = chars.next() {
            out.push(ch);
        }
        rest = chars.as_str();
    }
    Some((out, ranges))
}

/// An expansion as compose writes it: compose interpolates `$VAR`, `${VAR}` and
/// `${VAR:-default}` itself (from the environment and `.env`), and `$(pwd)` is the `PWD`
/// of the shell compose runs in; it runs no other command. `None` when compose cannot say it.
pub fn compose_form(expansion: &Expansion) -> Option<String> {
    match expansion.kind {
        ExpansionKind::Parameter => {
            let name = expansion.name.as_str();
            let mut chars = name.chars();
            let valid = chars.next().is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                && chars.all(|c| c == '_' || c.is_ascii_alphanumeric());
            valid.then(|| expansion.text.clone())
        }
        ExpansionKind::Command | ExpansionKind::Backticks if expansion.name.trim() == "pwd" => {
            Some("${PWD}".to_string())
        }
        _ => None,
    }
}

/// How an expansion was read, for a note.
pub fn describe(expansion: &Expansion) -> String {
    let reading = if expansion.absolute { "an absolute path" } else { "part of a name or path" };
    format!(
        "`{}` is expanded by the shell before Docker sees it: kept as written, and read as {reading} to translate the rest",
        expansion.text
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::run_line::parse_command;

    fn value_of(command: &str) -> (String, Vec<Expansion>) {
        let line = parse_command(command).unwrap();
        let word = line.flags[0].value.clone().unwrap();
        let stood = stand_in(&word, &mut 0);
        assert_eq!(stood.to_original.len(), stood.value.len() + 1);
        (stood.value, stood.expansions)
    }

    #[test]
    fn paths_and_names() {
        let (value, found) = value_of("docker run -v \"$PWD\"/data:/data img");
        assert_eq!(value, "/dockmountvar0q/data:/data");
        assert_eq!(found[0].text, "$PWD");
        let (value, _) = value_of("docker run -v $VOL:/data img");
        assert_eq!(value, "dockmountvar0q:/data");
        let (value, found) = value_of("docker run -v $(pwd):/app -v x img");
        assert_eq!(value, "/dockmountvar0q:/app");
        let (back, ranges) = restore("type=bind,source=/dockmountvar0q,target=/app", &found);
        assert_eq!(back, "type=bind,source=$(pwd),target=/app");
        assert_eq!(ranges.len(), 1);
        assert_eq!((ranges[0].start, ranges[0].end), (17, 23));
        let (value, _) = value_of("docker run --mount type=bind,src=${HOME}/x,dst=/data/$NAME img");
        assert_eq!(value, "type=bind,src=/dockmountvar0q/x,dst=/data/dockmountvar1q");
    }
}
