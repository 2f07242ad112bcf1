//! ## What it does
//! Flags a volume name that Docker's `local` volume driver refuses: one character
//! (`--mount src=a,dst=/data`), a character outside `[a-zA-Z0-9_.-]` or a first character
//! outside `[a-zA-Z0-9]` (`my volume`, `_cache`, `db@1`), or more than 255 bytes.
//!
//! ## Why is this bad?
//! The local driver stores each volume in a directory named after it and accepts only
//! `[a-zA-Z0-9][a-zA-Z0-9_.-]+`: `docker run` fails with
//! `create _cache: "_cache" includes invalid characters for a local volume name, only
//! "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use
//! absolute path`, or `volume name is too short, names should be at least two
//! alphanumeric characters`. Names for other drivers (`--volume-driver`,
//! `volume-driver=`) are the plugin's business and are not judged.
//!
//! A name with `/` or starting with `.` was most likely meant as a host path:
//! `host-path-read-as-volume-name` reports it; one starting with `~`,
//! `tilde-not-expanded`.
//!
//! ## Example
//! ```sh
//! docker run -v _cache:/root/.cache builder
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v build_cache:/root/.cache builder
//! ```
//!
//! ## Fix safety
//! No fix: a new name is a new, empty volume; only the author can pick it.

use super::{Document, Finding, Rule, Severity};
use crate::model::context::Platform;
use crate::model::mount::{Field, MountKind};
use crate::model::verdict::DockerError;
use crate::model::volumes::check_volume_name;

pub const RULE: Rule = Rule {
    code: "DM014",
    name: "invalid-volume-name",
    severity: Severity::Error,
    source: include_str!("invalid_volume_name.rs"),
    check,
    covers: Some(covers),
};

fn covers(error: &DockerError) -> bool {
    let message = error.message.as_str();
    message.starts_with("create ")
        && (message.contains("volume name is too short")
            || message.contains("includes invalid characters")
            || message.contains("file name too long"))
}

fn check(document: &Document) -> Vec<Finding> {
    if document.context.platform != Platform::Linux {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for item in &document.items {
        let mount = &item.mount;
        if item.kind() != Some(MountKind::Volume) || document.for_windows(item) || !item.is_literal(Field::Source) {
            continue;
        }
        let Some(name) = mount.source.as_deref().filter(|n| !n.is_empty()) else {
            continue;
        };
        if name.starts_with(['~', '.', '/']) || name.contains('/') {
            continue;
        }
        let driver = mount.rare.driver.as_deref().unwrap_or("");
        let problem = match check_volume_name(name, driver) {
            Err(message) => message,
            Ok(()) if (driver.is_empty() || driver == "local") && name.len() > 255 => {
                format!("create {name}: the name is {} bytes long, over the 255 a directory name may have", name.len())
            }
            Ok(()) => continue,
        };
        let refusal = item.known_error().filter(|e| covers(e)).map_or(problem, |e| e.message.clone());
        let shown = if name.chars().count() > 40 {
            format!("{}…", name.chars().take(40).collect::<String>())
        } else {
            name.to_string()
        };
        let message = format!(
            "`{shown}` is not a name the local volume driver accepts (`[a-zA-Z0-9][a-zA-Z0-9_.-]`, two characters at least): Docker refuses it: {refusal}"
        );
        findings.push(RULE.finding(mount.span_of(Field::Source), message, None));
    }
    findings
}
