//! Which files a run looks at. A directory is walked on every core with the `ignore`
//! crate, honouring `.gitignore` (inside a git repository or not), `.ignore` and the
//! global git excludes, and keeping only files whose name (or, for a script without an
//! extension, `#!` line) [`kind_of`] recognises. Hidden files are walked (`.github/`,
//! `.gitlab-ci.yml`), `.git/` is not. A file named on the command line is always taken,
//! whatever its name. The result is sorted by path, so output never depends on the order
//! the threads finished in.
//!
//! This only lists files: reading them (size limit, text or binary) is the caller's job.

use super::config::absolute;
use super::files::{kind_of, FileKind};
use ignore::{WalkBuilder, WalkState};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A file to lint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line (linted whatever its name, config excludes aside).
    pub explicit: bool,
    /// The kind its name says, when it says one.
    pub kind: Option<FileKind>,
}

/// The files found, and what could not be looked at.
#[derive(Debug, Default)]
pub struct Walked {
    pub files: Vec<Candidate>,
    pub errors: Vec<String>,
}

/// Lists the files of the given paths (files as they are, directories walked).
pub fn collect(paths: &[PathBuf]) -> Walked {
    let mut walked = Walked::default();
    for path in paths {
        match std::fs::metadata(path) {
            Err(error) => walked.errors.push(format!("{}: {error}", path.display())),
            Ok(meta) if meta.is_dir() => walk_dir(path, &mut walked),
            Ok(_) => walked.files.push(Candidate { path: path.clone(), explicit: true, kind: kind_by_name(path) }),
        }
    }
    // Sorted by path, one entry per file (a file named and also found in a walk is named).
    // Only several paths can give a file twice: one walk lists each file once.
    walked.files.sort_by(|a, b| a.path.cmp(&b.path).then(b.explicit.cmp(&a.explicit)));
    if paths.len() > 1 {
        let mut seen = HashSet::new();
        walked.files.retain(|c| seen.insert(absolute(&c.path)));
    }
    walked.errors.sort();
    walked
}

fn walk_dir(root: &Path, walked: &mut Walked) {
    let files = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .threads(threads)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build_parallel()
        .run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                        if let Some(kind) = kind_by_name(entry.path()) {
                            let candidate = Candidate { path: entry.into_path(), explicit: false, kind: Some(kind) };
                            files.lock().unwrap_or_else(|e| e.into_inner()).push(candidate);
                        }
                    }
                    Ok(_) => {}
                    Err(error) => errors.lock().unwrap_or_else(|e| e.into_inner()).push(error.to_string()),
                }
                WalkState::Continue
            })
        });
    walked.files.extend(files.into_inner().unwrap_or_else(|e| e.into_inner()));
    walked.errors.extend(errors.into_inner().unwrap_or_else(|e| e.into_inner()));
}

/// The kind a file's name says; for a name without an extension, its `#!` line decides.
pub fn kind_by_name(path: &Path) -> Option<FileKind> {
    if let Some(kind) = kind_of(path, None) {
        return Some(kind);
    }
    let name = path.file_name()?.to_string_lossy();
    if name.contains('.') {
        return None;
    }
    kind_of(path, first_line(path).as_deref())
}

/// The first line of a file (read from its first 512 bytes at most).
fn first_line(path: &Path) -> Option<String> {
    let mut head = Vec::new();
    std::fs::File::open(path).ok()?.take(512).read_to_end(&mut head).ok()?;
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    Some(String::from_utf8_lossy(line).into_owned())
}

/// How a path is shown: as given, without a leading `./`.
pub fn display(path: &Path) -> String {
    let shown = path.to_string_lossy();
    let mut rest: &str = &shown;
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped.trim_start_matches('/');
    }
    if rest.is_empty() {
        shown.into_owned()
    } else {
        rest.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_without_a_leading_dot_slash() {
        assert_eq!(display(Path::new("./a/run.sh")), "a/run.sh");
        assert_eq!(display(Path::new("a/./run.sh")), "a/./run.sh");
        assert_eq!(display(Path::new("/abs/run.sh")), "/abs/run.sh");
        assert_eq!(display(Path::new(".")), ".");
    }
}
