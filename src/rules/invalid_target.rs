//! ## What it does
//! Flags a container path that is not an absolute path (`-v /srv:app`, `--tmpfs run`,
//! `-v data`), that is the container's root `/`, or that is missing
//! (`--mount type=volume,src=data`).
//!
//! ## Why is this bad?
//! Docker mounts at absolute paths only. A relative target is refused
//! (`invalid mount path: 'app' mount path must be absolute`), except in the one case where
//! it is not an error at all: `-v data` (no colon) is an anonymous volume at the relative
//! path `data`, accepted without a word, where a named volume was almost certainly meant.
//! `/` is refused as a bind or `--mount` target (`destination can't be '/'`); an anonymous
//! volume there (`-v /`) is accepted by `docker create` and hides the image's whole file
//! system, so the container cannot start. `-v /data:ro` has no container path at all: the
//! `ro` is read as the target and Docker refuses the value.
//!
//! A Dockerfile `VOLUME /` is reported here; other `VOLUME` paths that are not absolute
//! are `relative-volume-path`'s (and the words of a malformed JSON array or of a trailing
//! comment are `volume-json-malformed`'s and `comment-in-volume`'s).
//!
//! ## Example
//! ```sh
//! docker run -v data alpine
//! docker run -v /srv/www:www nginx
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v data:/data alpine
//! docker run -v /srv/www:/usr/share/nginx/html nginx
//! ```
//!
//! ## Fix safety
//! No fix: the container path the author meant cannot be guessed.

use super::drive_letter_volume_name::drive_split;
use super::volume_words::NonPathWords;
use super::{Document, Finding, Item, Rule, Severity};
use crate::model::context::Platform;
use crate::model::mount::{Field, MountKind, SyntaxKind};
use crate::model::paths::clean;
use crate::model::verdict::{DockerError, Stage};
use crate::model::volume_flag::linux_valid_mode;

pub const RULE: Rule = Rule {
    code: "DM008",
    name: "invalid-target",
    severity: Severity::Error,
    source: include_str!("invalid_target.rs"),
    check,
    covers: Some(covers),
};

fn covers(error: &DockerError) -> bool {
    let message = error.message.as_str();
    message.contains("mount path must be absolute")
        || message.contains("destination can't be '/'")
        || message.contains("field Target must not be empty")
        || message == "target is required"
        || (message.starts_with("invalid volume specification: '") && message.ends_with('\''))
        || (error.stage == Stage::Runtime && !message.contains("tmpfs"))
}

fn check(document: &Document) -> Vec<Finding> {
    // A Windows daemon's container paths are drive paths (`c:\data`): another grammar.
    if document.context.platform != Platform::Linux {
        return Vec::new();
    }
    let mut findings = Vec::new();
    let non_path_words = NonPathWords::of(document);
    for item in &document.items {
        let mount = &item.mount;
        if mount.syntax == SyntaxKind::BuildMount || document.for_windows(item) || drive_split(item).is_some() {
            continue;
        }
        if !item.is_literal(Field::Target) {
            continue;
        }
        // A relative `VOLUME` path is `relative-volume-path`'s (or, for the pieces of a
        // broken JSON array and the words of a trailing comment, `volume-json-malformed`'s
        // and `comment-in-volume`'s); only a volume over the root is judged here.
        if mount.syntax == SyntaxKind::DockerfileVolume
            && (clean(&mount.target) != "/" || non_path_words.contains(item.span))
        {
            continue;
        }
        // The CLI stops before the target when the value itself is malformed.
        if item.known_error().is_some_and(|e| !covers(e) && e.stage == Stage::Client) {
            continue;
        }
        if let Some(message) = problem(item) {
            findings.push(RULE.finding(mount.span_of(Field::Target), message, None));
        }
    }
    findings
}

fn refused(item: &Item) -> String {
    match item.known_error() {
        Some(error) if covers(error) => format!(": Docker refuses it: {}", error.message),
        _ => String::new(),
    }
}

/// What is wrong with the item's target, if anything.
fn problem(item: &Item) -> Option<String> {
    let mount = &item.mount;
    let target = mount.target.as_str();
    if target.is_empty() {
        return Some(format!("the mount has no container path (`target=`/`dst=`){}", refused(item)));
    }
    let slashed = target.replace('\\', "/");
    let anonymous_flag = mount.syntax == SyntaxKind::VolumeFlag && mount.source.is_none();
    if slashed.starts_with('/') {
        if clean(&slashed) != "/" {
            return None;
        }
        if anonymous_flag || mount.syntax == SyntaxKind::DockerfileVolume {
            return Some(format!(
                "a volume at `{target}` hides the image's whole file system: `docker create` accepts it, but the container cannot start"
            ));
        }
        return Some(format!("`{target}` is the container's root, which cannot be a mount point{}", refused(item)));
    }
    if mount.syntax == SyntaxKind::VolumeFlag
        && mount.source.is_some()
        && mount.mode.is_none()
        && linux_valid_mode(target)
    {
        let source = item.written_source().or(mount.source.as_deref()).unwrap_or("");
        return Some(format!(
            "`{target}` is read as the container path, not as options: `{}` gives `{source}` but no container path{}",
            item.text,
            refused(item)
        ));
    }
    if anonymous_flag {
        let named = if crate::model::volumes::is_valid_local_name(target) {
            format!(" (a named volume needs a container path: `{target}:/path`)")
        } else {
            String::new()
        };
        return Some(format!(
            "`{target}` is not an absolute container path: with no `:`, `-v {target}` makes an anonymous volume at the relative path `{target}`, which Docker accepts without a word{named}"
        ));
    }
    let what = if mount.kind == MountKind::Tmpfs { "tmpfs" } else { "mount" };
    Some(format!("the {what}'s container path `{target}` is not absolute{}", refused(item)))
}
