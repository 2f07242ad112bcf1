//! ## What it does
//! Flags a mount option that belongs to another kind of mount: `nocopy` on a bind, a
//! propagation (`rshared`...) on a named volume, `bind-*` options on a volume, `volume-*`
//! or `tmpfs-*` options on a bind, and so on.
//!
//! ## Why is this bad?
//! Each option only means something for one kind of mount (`nocopy`: do not copy the
//! image's files into a new volume; propagation: how mounts under a host directory
//! spread), and Docker refuses the mismatch: `-v /srv:/data:nocopy` fails with
//! `invalid mount config for type "bind": field VolumeOptions must not be specified`,
//! `--mount type=bind,...,volume-nocopy` with `cannot mix 'volume-*' options with mount
//! type 'bind'`. A frequent cause is a `--mount` without `type=`: it is a volume, so every
//! `bind-*` option is refused.
//!
//! ## Example
//! ```sh
//! docker run -v /srv/app:/app:nocopy app
//! docker run --mount src=/srv/app,dst=/app,bind-propagation=rslave app
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v /srv/app:/app app
//! docker run --mount type=bind,src=/srv/app,dst=/app,bind-propagation=rslave app
//! ```
//!
//! ## Fix safety
//! Dropping `nocopy` from a `-v` bind is safe: a bind never copies anything, so the
//! mount means what it meant. Dropping a propagation from a named volume is unsafe: the
//! author wanted a propagation a volume cannot have. `--mount` options get no fix: the
//! type may be what is wrong.

use super::edits::{mode_tokens, replace_mode, token_span};
use super::{Applicability, Document, Finding, Fix, Item, Rule, Severity};
use crate::model::context::Platform;
use crate::model::mount::{Field, MountKind, SyntaxKind};
use crate::model::verdict::DockerError;

pub const RULE: Rule = Rule {
    code: "DM007",
    name: "option-wrong-mount-type",
    severity: Severity::Error,
    source: include_str!("option_wrong_mount_type.rs"),
    check,
    covers: Some(covers),
};

fn covers(error: &DockerError) -> bool {
    let message = error.message.as_str();
    message.contains("field VolumeOptions must not be specified")
        || message.contains("field BindOptions must not be specified")
        || message.contains("field TmpfsOptions must not be specified")
        || message.contains("field ImageOptions must not be specified")
        || message.contains("must not be specified on mount type")
        || message.contains("cannot mix '")
}

const PROPAGATIONS: [&str; 6] = ["shared", "rshared", "slave", "rslave", "private", "rprivate"];

fn check(document: &Document) -> Vec<Finding> {
    // A Windows daemon has its own modes (`ro`/`rw` only), no SELinux and no propagation.
    if document.context.platform != Platform::Linux {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for item in &document.items {
        if document.for_windows(item) {
            continue;
        }
        match item.mount.syntax {
            SyntaxKind::VolumeFlag | SyntaxKind::ComposeShort => findings.extend(short_syntax(document, item)),
            SyntaxKind::MountFlag | SyntaxKind::ComposeLong => findings.extend(long_syntax(document, item)),
            _ => {}
        }
    }
    findings
}

fn refusal(item: &Item) -> String {
    match item.known_error().filter(|e| covers(e)) {
        Some(error) => format!(": Docker refuses it: {}", error.message),
        None => String::new(),
    }
}

/// `-v` and compose short syntax: `nocopy` on a bind, a propagation on a volume.
fn short_syntax(document: &Document, item: &Item) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(kind) = item.kind() else {
        return findings;
    };
    let tokens = mode_tokens(item);
    let mode_span = item.mount.span_of(Field::Mode);
    let mode = item.mount.mode.as_deref().unwrap_or("");
    for (index, token) in tokens.iter().enumerate() {
        let wrong = match (&kind, *token) {
            (MountKind::Bind, "nocopy") => "`nocopy` only applies to volumes (a bind never copies the image's files)",
            (MountKind::Volume, t) if PROPAGATIONS.contains(&t) => "a propagation only applies to binds",
            _ => continue,
        };
        let span = token_span(document, mode_span, mode, index).unwrap_or(mode_span);
        let what = if kind == MountKind::Bind { "a bind of a host path" } else { "a volume" };
        let message = format!("{wrong}, and this mount is {what}{}", refusal(item));
        let kept: Vec<&str> = tokens.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, t)| *t).collect();
        let fix = replace_mode(document, item, &kept).map(|edit| Fix {
            applicability: if *token == "nocopy" { Applicability::Safe } else { Applicability::Unsafe },
            message: format!("drop `{token}`"),
            edits: vec![edit],
        });
        findings.push(RULE.finding(span, message, fix));
    }
    findings
}

/// The family a `--mount` option belongs to, by its model field and the key as written.
fn family(field: Field, key: &str) -> Option<MountKind> {
    Some(match field {
        Field::Propagation | Field::BindRecursive | Field::CreateHostPath => MountKind::Bind,
        Field::NoCopy | Field::Label | Field::Driver | Field::DriverOpt => MountKind::Volume,
        Field::Subpath if key.starts_with("image") => MountKind::Image,
        Field::Subpath => MountKind::Volume,
        Field::TmpfsSize | Field::TmpfsMode => MountKind::Tmpfs,
        _ => return None,
    })
}

/// `--mount` (and compose long syntax): options of another family than the type.
fn long_syntax(document: &Document, item: &Item) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(kind) = item.kind() else {
        return findings;
    };
    for (field, span) in &item.mount.provenance {
        let written = document.slice(*span).trim_start_matches('"');
        let key = written.split('=').next().unwrap_or("").to_ascii_lowercase();
        let Some(belongs) = family(*field, &key) else {
            continue;
        };
        // `bind-recursive=enabled` is the default and sets nothing: Docker accepts it anywhere.
        if *field == Field::BindRecursive && item.mount.rare.bind_recursive.as_deref() == Some("enabled") {
            continue;
        }
        if belongs == kind {
            continue;
        }
        let key = if key.is_empty() { format!("{field:?}") } else { key };
        let defaulted = item.mount.syntax == SyntaxKind::MountFlag && !item.mount.provenance.contains_key(&Field::Kind);
        let kind_text = if defaulted {
            "a volume (`--mount` without `type=` makes a volume)".to_string()
        } else {
            format!("of type `{}`", kind.as_str())
        };
        let message = format!(
            "`{key}` is an option of {} mounts, and this mount is {kind_text}{}",
            belongs.as_str(),
            refusal(item)
        );
        findings.push(RULE.finding(*span, message, None));
    }
    findings
}
