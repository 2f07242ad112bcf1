//! ## What it does
//! Flags a volume declared under the top-level `volumes:` of a compose file that no
//! service mounts.
//!
//! ## Why is this bad?
//! It does nothing: before it creates anything, `docker compose` drops the volumes no
//! service of the project uses (unless `--all-resources` is given), so the volume is
//! never created, and an `external: true` one is never even looked up, so a missing
//! external volume goes unnoticed until a service uses it. Usually it is left over from
//! a service that was removed or renamed, or a service mounts a host directory or a
//! differently spelt name where this volume was meant. External volumes are reported
//! too: the declaration is just as dead, and often the sign of the same slip.
//!
//! A volume used only by services whose profiles are not active counts as used. In a
//! file meant to be merged with others (an override file, a file with `include:` or
//! `extends:`, a fragment whose services have no `image` or that refers to networks or
//! services it does not declare), a declaration may serve the services of another file
//! (an override often re-declares a volume as external): no finding there.
//!
//! ## Example
//! ```yaml
//! services:
//!   db:
//!     image: postgres
//!     volumes:
//!       - ./pgdata:/var/lib/postgresql/data
//! volumes:
//!   pgdata:
//! ```
//!
//! Use instead:
//! ```yaml
//! services:
//!   db:
//!     image: postgres
//!     volumes:
//!       - pgdata:/var/lib/postgresql/data
//! volumes:
//!   pgdata:
//! ```
//!
//! ## Fix safety
//! No fix: whether the declaration or a service is wrong is the author's call.

use super::{Document, Finding, Rule, Severity};

pub const RULE: Rule = Rule {
    code: "DM020",
    name: "unused-volume",
    severity: Severity::Info,
    source: include_str!("unused_volume.rs"),
    check,
    covers: None,
};

fn check(document: &Document) -> Vec<Finding> {
    let Some(facts) = document.compose.as_deref() else {
        return Vec::new();
    };
    if facts.partial {
        return Vec::new();
    }
    let project = &facts.project;
    let used = project.mounted_volumes();
    let mut findings = Vec::new();
    for volume in project.volumes.iter().filter(|v| v.file == 0) {
        if used.contains(volume.key.as_str()) {
            continue;
        }
        let key = &volume.key;
        let message = if volume.external {
            format!(
                "the external volume `{key}` is declared but no service mounts it: docker compose leaves it out of the project and never checks that it exists"
            )
        } else {
            format!(
                "the volume `{key}` is declared but no service mounts it: docker compose leaves it out of the project and never creates it"
            )
        };
        findings.push(RULE.finding(volume.key_span, message, None));
    }
    findings
}
