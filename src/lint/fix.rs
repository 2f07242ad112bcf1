//! `--fix` and `--diff`: applying the fixes of a file's diagnostics to its text, again and
//! again until nothing more applies, and writing the result back safely.
//!
//! Fixes never overlap: they are taken in text order and one whose edits touch an edit
//! already taken waits for the next round, where it is re-derived from the new text. A
//! file with read errors is never fixed, and a round whose result can no longer be read
//! is thrown away. Only the edited bytes change: CRLF line endings and a missing final
//! newline stay as they were. Writing goes through a temporary file in the same
//! directory (same permissions, synced), renamed over the original.

use super::Checked;
use crate::rules::{Applicability, Fix};
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Rounds of fixing before giving up on a file whose fixes keep changing it.
pub const MAX_ROUNDS: usize = 10;

/// Whether a fix is applied: safe ones always, unsafe ones with `--unsafe-fixes`.
pub fn applies(fix: &Fix, unsafe_fixes: bool) -> bool {
    fix.applicability == Applicability::Safe || unsafe_fixes
}

/// The text after some fixes, and how many were applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    pub fixes: usize,
}

/// Applies the fixes whose edits overlap neither each other nor a fix taken before them
/// (in the order of their first edit). Edits outside the text or inside a character
/// make their fix be skipped.
pub fn apply_fixes(text: &str, fixes: &[&Fix]) -> Applied {
    let crlf = text.contains("\r\n");
    let mut ordered: Vec<&Fix> = fixes.to_vec();
    ordered.sort_by_key(|fix| fix.edits.iter().map(|e| (e.span.start, e.span.end)).min());
    let mut taken: Vec<(usize, usize, String)> = Vec::new();
    let mut count = 0;
    for fix in ordered {
        let mut edits: Vec<(usize, usize, String)> = fix
            .edits
            .iter()
            .map(|e| {
                // In a CRLF file, new lines are CRLF too.
                let replacement = if crlf {
                    e.replacement.replace("\r\n", "\n").replace('\n', "\r\n")
                } else {
                    e.replacement.clone()
                };
                (e.span.start, e.span.end, replacement)
            })
            .collect();
        edits.sort_by_key(|(start, end, _)| (*start, *end));
        let valid = !edits.is_empty()
            && edits.iter().all(|(start, end, _)| {
                start <= end && *end <= text.len() && text.is_char_boundary(*start) && text.is_char_boundary(*end)
            });
        let overlaps = |a: &(usize, usize, String), b: &(usize, usize, String)| {
            // Two insertions at one place, or ranges that share a byte, conflict.
            (a.0 < b.1 && b.0 < a.1) || (a.0 == b.0 && (a.0 == a.1 || b.0 == b.1))
        };
        let conflict = edits
            .iter()
            .enumerate()
            .any(|(i, a)| edits.iter().skip(i + 1).any(|b| overlaps(a, b)) || taken.iter().any(|b| overlaps(a, b)));
        if valid && !conflict {
            taken.append(&mut edits);
            count += 1;
        }
    }
    taken.sort_by_key(|(start, end, _)| (*start, *end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, replacement) in &taken {
        out.push_str(text.get(at..*start).unwrap_or(""));
        out.push_str(replacement);
        at = *end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    Applied { text: out, fixes: count }
}

/// A file after fixing.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The last check, of the fixed text (its diagnostics are what remains).
    pub checked: Checked,
    /// How many fixes were applied in all.
    pub fixed: usize,
    /// False when fixes still applied after [`MAX_ROUNDS`] rounds.
    pub converged: bool,
    /// A round made the text unreadable; that round was thrown away.
    pub broke: bool,
}

/// Fixes a file until no applicable fix is left (or [`MAX_ROUNDS`] rounds), checking the
/// text again after each round with `recheck`.
pub fn fix_until_stable(first: Checked, unsafe_fixes: bool, recheck: impl Fn(&str) -> Checked) -> Outcome {
    let mut current = first;
    let mut fixed = 0;
    if current.has_read_errors {
        return Outcome { checked: current, fixed, converged: true, broke: false };
    }
    for _ in 0..MAX_ROUNDS {
        let fixes: Vec<&Fix> =
            current.diagnostics.iter().filter_map(|d| d.fix.as_deref()).filter(|f| applies(f, unsafe_fixes)).collect();
        if fixes.is_empty() {
            return Outcome { checked: current, fixed, converged: true, broke: false };
        }
        let applied = apply_fixes(&current.text, &fixes);
        if applied.text == current.text {
            return Outcome { checked: current, fixed, converged: true, broke: false };
        }
        let next = recheck(&applied.text);
        if next.has_read_errors {
            return Outcome { checked: current, fixed, converged: true, broke: true };
        }
        fixed += applied.fixes;
        current = next;
    }
    Outcome { checked: current, fixed, converged: false, broke: false }
}

/// Replaces the file at `path` with `contents`, atomically: a temporary file beside it
/// with the same permissions (and owner, where allowed), synced, then renamed over it.
/// A symlink is followed, so that the file it points to is rewritten. When the file no
/// longer holds `expected` (it changed since it was read) nothing is written.
pub fn write_atomic(path: &Path, contents: &str, expected: &str) -> io::Result<()> {
    let target = fs::canonicalize(path)?;
    let dir = target.parent().ok_or_else(|| io::Error::other("the file has no directory"))?;
    let metadata = fs::metadata(&target)?;
    let mut temp = tempfile::Builder::new().prefix(".dockmount-").suffix(".tmp").tempfile_in(dir)?;
    temp.write_all(contents.as_bytes())?;
    temp.as_file().set_permissions(metadata.permissions())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only root may give a file away; elsewhere the new file keeps the writer's owner.
        let _ = std::os::unix::fs::fchown(temp.as_file(), Some(metadata.uid()), Some(metadata.gid()));
    }
    temp.as_file().sync_all()?;
    if fs::read(&target)? != expected.as_bytes() {
        return Err(io::Error::other("the file changed while it was being linted; it was not rewritten"));
    }
    temp.persist(&target).map_err(|e| e.error)?;
    // The rename is durable once the directory is synced too.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

/// A unified diff (three lines of context) from `old` to `new`, headed with the path.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new).unified_diff().context_radius(3).header(path, path).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Edit;
    use crate::span::Span;

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        Fix {
            applicability: Applicability::Safe,
            message: String::new(),
            edits: edits.iter().map(|(s, e, r)| Edit { span: Span::new(*s, *e), replacement: r.to_string() }).collect(),
        }
    }

    #[test]
    fn overlapping_fixes_wait_for_the_next_round() {
        let text = "abcdef";
        let a = fix(&[(1, 3, "X")]);
        let b = fix(&[(2, 4, "Y")]);
        let c = fix(&[(4, 5, "Z"), (0, 0, ">")]);
        let applied = apply_fixes(text, &[&b, &c, &a]);
        assert_eq!(applied, Applied { text: ">aXdZf".into(), fixes: 2 });
    }

    #[test]
    fn edits_out_of_range_or_inside_a_character_are_skipped() {
        let text = "é/x";
        let applied = apply_fixes(text, &[&fix(&[(1, 2, "e")]), &fix(&[(2, 99, "")])]);
        assert_eq!(applied, Applied { text: text.into(), fixes: 0 });
    }

    #[test]
    fn new_lines_follow_the_files_line_endings() {
        let applied = apply_fixes("a\r\nb\r\n", &[&fix(&[(1, 1, "\nc")])]);
        assert_eq!(applied.text, "a\r\nc\r\nb\r\n");
    }

    /// A check that finds one problem per `!` in the text, fixed by deleting it, with the
    /// given applicability; a `?` makes the text unreadable.
    fn bangs(text: &str, applicability: Applicability) -> Checked {
        let diagnostics = text
            .match_indices('!')
            .map(|(at, _)| super::super::Diagnostic {
                code: "DM006",
                name: "comma-in-target",
                severity: crate::rules::Severity::Error,
                message: "bang".into(),
                span: Span::new(at, at + 1),
                fix: Some(Box::new(Fix {
                    applicability,
                    message: "delete it".into(),
                    edits: vec![Edit { span: Span::new(at, at + 1), replacement: String::new() }],
                })),
                hint: None,
            })
            .collect();
        Checked {
            path: "t".into(),
            text: text.into(),
            kind: crate::lint::files::FileKind::Shell,
            diagnostics,
            has_read_errors: text.contains('?'),
        }
    }

    #[test]
    fn unsafe_fixes_apply_only_when_asked() {
        let check = |t: &str| bangs(t, Applicability::Unsafe);
        let outcome = fix_until_stable(check("a!b!"), false, check);
        assert_eq!((outcome.checked.text.as_str(), outcome.fixed), ("a!b!", 0));
        let outcome = fix_until_stable(check("a!b!"), true, check);
        assert_eq!((outcome.checked.text.as_str(), outcome.fixed, outcome.converged), ("ab", 2, true));
    }

    #[test]
    fn files_with_read_errors_and_fixes_that_break_the_file_are_left_alone() {
        let check = |t: &str| bangs(t, Applicability::Safe);
        let outcome = fix_until_stable(check("a!?"), false, check);
        assert_eq!((outcome.checked.text.as_str(), outcome.fixed), ("a!?", 0));
        // A fix whose result cannot be read is thrown away.
        let breaking = |t: &str| {
            let mut checked = check(t);
            checked.has_read_errors = !t.contains('!');
            checked
        };
        let outcome = fix_until_stable(check("a!"), false, breaking);
        assert_eq!((outcome.checked.text.as_str(), outcome.broke), ("a!", true));
    }

    #[test]
    fn fixing_stops_after_a_bounded_number_of_rounds() {
        // Each round's fix brings a new problem back: `!` and `#` turn into each other.
        let endless = |t: &str| {
            let mut checked = bangs(&t.replace('#', "!"), Applicability::Safe);
            checked.text = t.to_string();
            let next = if t == "!" { "#" } else { "!" };
            for d in &mut checked.diagnostics {
                if let Some(fix) = &mut d.fix {
                    fix.edits[0].replacement = next.into();
                }
            }
            checked
        };
        let outcome = fix_until_stable(endless("!"), false, endless);
        assert!(!outcome.converged);
        assert_eq!(outcome.fixed, MAX_ROUNDS);
    }

    #[test]
    fn a_diff_says_there_is_no_final_newline() {
        let diff = unified_diff("run.sh", "a\nb,ro", "a\nb:ro");
        assert!(diff.starts_with("--- run.sh\n+++ run.sh\n@@ -1,2 +1,2 @@\n a\n-b,ro\n"), "{diff}");
        assert!(diff.contains("No newline at end of file"), "{diff}");
    }
}
