//! ## What it does
//! Flags a Dockerfile `VOLUME` path that is not absolute: `VOLUME data`,
//! `VOLUME ./cache`, `VOLUME ["logs"]`.
//!
//! ## Why is this bad?
//! The image builds, and its config keeps the path exactly as written (`data`). Each
//! container then gets an anonymous volume whose destination is that relative path, and
//! the OCI runtime mounts it under the container's root, `/data`, whatever the
//! `WORKDIR` says: a `VOLUME data` after `WORKDIR /app` is not at `/app/data`, where the
//! application writes, so that data is not in the volume. `docker inspect` shows the
//! destination `data`, and `docker run -v name:/data` does not replace the image's
//! volume: the Engine compares destinations as written (`data` is not `/data`), so the
//! container gets both, a new anonymous volume under the named one, left behind with
//! every container. runc warns that non-absolute mount destinations are deprecated and
//! will be refused in a future release.
//!
//! ## Docker versions
//! Verified: Engine 20.10.24 (runc 1.1.5) accepts such an image with both builders,
//! `docker inspect` shows `Destination: data`, a container built with `WORKDIR /app`
//! and `VOLUME data` has the volume mounted at `/data` and no `/app/data`, and
//! `-v name:/data` gives two mounts at `/data`, the named one on top. Read in the
//! sources, not run: no Engine release up to 29.7.2 checks that an image volume path is
//! absolute (`docker create` makes a volume for every cleaned key of the image config),
//! and runc up to its current main only warns. It has been said that Engine 29.5 and
//! later refuse to create containers from such images; no release we could read does,
//! so the finding says what 20.10 does and what the newer sources say, and claims no
//! refusal.
//!
//! ## Example
//! ```dockerfile
//! WORKDIR /app
//! VOLUME data
//! ```
//!
//! Use instead:
//! ```dockerfile
//! WORKDIR /app
//! VOLUME /app/data
//! ```
//!
//! ## Fix safety
//! Unsafe: the fix writes the path the Engine uses today, under `/` (`VOLUME /data`),
//! which keeps the image's behaviour but may not be what was meant when a `WORKDIR` is
//! set (`/app/data`); the finding names both. A path with variables gets a `/` in front.
//! Dockerfiles for Windows (drive paths such as `C:\data`) are not judged.

use super::volume_words::{json_string, readings, Reading, Role};
use super::{Applicability, Document, Edit, Finding, Fix, Rule, Severity};
use crate::model::context::Platform;
use crate::model::paths::clean;
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM017",
    name: "relative-volume-path",
    severity: Severity::Warning,
    source: include_str!("relative_volume_path.rs"),
    check,
    covers: None,
};

fn check(document: &Document) -> Vec<Finding> {
    let windows = document.context.platform != Platform::Linux || document.groups.iter().any(|g| g.for_windows);
    if windows {
        return Vec::new();
    }
    let mut findings = Vec::new();
    let workdirs = Workdirs::of(document);
    for reading in readings(document) {
        for (index, word) in reading.volume.words.iter().enumerate() {
            if reading.role(index) != Role::Path {
                continue;
            }
            let Some(path) = reading.path(index) else {
                continue;
            };
            if path.is_empty() || path.starts_with('/') || is_drive_path(&path) {
                continue;
            }
            let mounted = clean(&format!("/{path}"));
            let workdir = workdirs.at(reading.volume.instruction);
            let under = clean(&format!("{workdir}/{path}"));
            let meant = if under == mounted {
                String::new()
            } else {
                format!(", not at `{under}` under the `WORKDIR` `{workdir}`")
            };
            let message = format!(
                "`{path}` is not an absolute path: the image keeps it as written, and every container gets an anonymous volume mounted at `{mounted}`{meant} (`docker inspect` shows the destination `{path}`)"
            );
            let fix = fix(document, &reading, index, word.span, &mounted);
            findings.push(RULE.finding(word.span, message, fix));
        }
    }
    findings
}

/// `C:\data`, `c:/data`, `C:`: a Windows path.
fn is_drive_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// The absolute path the Engine uses, written in place of the word.
fn fix(document: &Document, reading: &Reading, index: usize, span: Span, mounted: &str) -> Option<Fix> {
    let word = reading.volume.words.get(index)?;
    let written = document.slice(span);
    let replacement = if reading.volume.json_form {
        // The element as written, quotes included.
        if !(written.starts_with('"') && written.ends_with('"') && written.len() >= 2) {
            return None;
        }
        if word.text.contains('$') {
            json_string(&format!("/{}", word.text))
        } else {
            json_string(mounted)
        }
    } else if written.contains('$') && !written.starts_with(['"', '\'']) {
        format!("/{written}")
    } else if written == word.text && !written.contains(['\\', '\'', '"']) {
        mounted.to_string()
    } else {
        return None;
    };
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("write the absolute path the Engine mounts, `{mounted}`"),
        edits: vec![Edit { span, replacement }],
    })
}

/// The `WORKDIR` in effect at each instruction, as written (variables unexpanded), from
/// a stage's own `WORKDIR`s and those of the stages it is built `FROM`. Worked out once
/// per file: a `VOLUME` may list 100,000 relative paths.
struct Workdirs<'a> {
    stages: Vec<StageWorkdirs<'a>>,
}

/// One stage's `WORKDIR`s.
struct StageWorkdirs<'a> {
    /// The stage's instructions, sorted.
    instructions: &'a [usize],
    /// The `WORKDIR` the stage starts with (its base stage's last, or `/`).
    start: String,
    /// The `WORKDIR` in effect after each of the stage's own, as (instruction, workdir).
    after: Vec<(usize, String)>,
}

impl Workdirs<'_> {
    fn of(document: &Document) -> Workdirs<'_> {
        let Some(analysis) = document.dockerfile.as_deref() else {
            return Workdirs { stages: Vec::new() };
        };
        let mut stages: Vec<StageWorkdirs<'_>> = Vec::new();
        for stage in &analysis.stages {
            // A base stage is an earlier one: its last `WORKDIR` is known by now.
            let start = stage
                .base_stage
                .and_then(|base| stages.get(base))
                .map_or("/".to_string(), |base| base.after.last().map_or(&base.start, |(_, w)| w).clone());
            let mut current = start.clone();
            let mut after = Vec::new();
            for (index, value) in &analysis.workdirs {
                if stage.instructions.binary_search(index).is_err() {
                    continue;
                }
                let value = value.trim();
                current = if value.starts_with('/') { clean(value) } else { clean(&format!("{current}/{value}")) };
                after.push((*index, current.clone()));
            }
            stages.push(StageWorkdirs { instructions: &stage.instructions, start, after });
        }
        Workdirs { stages }
    }

    /// The `WORKDIR` in effect at an instruction.
    fn at(&self, instruction: usize) -> &str {
        let Some(stage) = self.stages.iter().find(|s| s.instructions.binary_search(&instruction).is_ok()) else {
            return "/";
        };
        let before = stage.after.partition_point(|(index, _)| *index < instruction);
        match before.checked_sub(1).and_then(|last| stage.after.get(last)) {
            Some((_, workdir)) => workdir,
            None => &stage.start,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::document::build;
    use crate::lint::files::FileKind;
    use crate::model::Context;

    /// The `WORKDIR` named is the one in effect at the `VOLUME`: the stage's own, after
    /// those of the stage it is built from, and not one that comes later.
    #[test]
    fn the_workdir_named_is_the_one_in_effect() {
        let text = "FROM alpine AS base\nWORKDIR /app\nFROM base\nVOLUME logs\nWORKDIR sub\nVOLUME data\nWORKDIR /x\nFROM alpine\nVOLUME more\n";
        let (document, _) = build(text, FileKind::Dockerfile, &Context::default());
        let messages: Vec<String> = super::check(&document).iter().map(|f| f.message.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("not at `/app/logs` under the `WORKDIR` `/app`"), "{}", messages[0]);
        assert!(messages[1].contains("not at `/app/sub/data` under the `WORKDIR` `/app/sub`"), "{}", messages[1]);
        assert!(messages[2].contains("mounted at `/more` (`docker inspect`"), "{}", messages[2]);
    }
}
