//! ## What it does
//! Flags a read-only bind of a host tree that usually holds other mounts (submounts):
//! `/`, `/mnt`, `/media`, `/run/media`, `/run`, `/var/run`, `/var`, `/var/lib`,
//! `/var/lib/docker`, `/var/lib/kubelet`, `/home`, `/proc`, `/sys`,
//! `/sys/fs/cgroup`, `/dev`.
//!
//! ## Why is this bad?
//! Docker binds recursively: the mounts below the source (another disk under `/mnt`, a
//! USB stick under `/media`, cgroup controllers under `/sys/fs/cgroup`, `/home` on its own
//! partition under `/`) come along. Older setups make only the top mount read-only: with
//! an Engine before 25.0, a client on API before 1.44, or a kernel before 5.12, everything
//! below a submount stays **writable** in the container although the mount says `ro`.
//! Newer Engines make `ro` recursive when the kernel and runtime can, and otherwise fall
//! back to the old behaviour without a word. `--mount ...,readonly,bind-recursive=readonly`
//! makes the guarantee explicit: the container fails to start rather than run with
//! writable submounts.
//!
//! Scope: only the trees above, where submounts are the rule, so that the finding is not
//! raised on every `:ro` bind. The severity is a warning when the configured versions are
//! known not to make read-only recursive, information otherwise.
//!
//! ## Example
//! ```sh
//! docker run -v /mnt:/backup-source:ro backup
//! ```
//!
//! Use instead:
//! ```sh
//! docker run --mount type=bind,src=/mnt,dst=/backup-source,readonly,bind-recursive=readonly,bind-propagation=rprivate backup
//! ```
//!
//! ## Fix safety
//! Unsafe: `bind-recursive=readonly` needs CLI and Engine 25.0 or later (API 1.44),
//! Linux 5.12 or later and a runtime that supports it, and `bind-propagation=rprivate`; on
//! older setups the command is refused or the container does not start
//! (`rro is not supported`). A `-v` is rewritten as `--mount`, which no longer creates a
//! missing host directory. Sources near Docker's data root (`/`, `/var`, `/var/lib`)
//! must use `rslave` propagation, which excludes recursive read-only: they get no fix.
//!
//! ## Docker versions
//! Recursive read-only binds: Engine 25.0 (API 1.44) with Linux 5.12; the `bind-recursive`
//! key: CLI 25.0.

use super::{Applicability, Document, Edit, Finding, Fix, Item, Rule, Severity};
use crate::model::context::Platform;
use crate::model::mount::{Field, MountKind, SyntaxKind};
use crate::model::volumes::daemon_root_propagation;
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM013",
    name: "readonly-not-recursive",
    severity: Severity::Warning,
    source: include_str!("readonly_not_recursive.rs"),
    check,
    covers: None,
};

/// Host trees that usually hold submounts.
const TREES: [&str; 15] = [
    "/",
    "/mnt",
    "/media",
    "/run/media",
    "/run",
    "/var/run",
    "/var",
    "/var/lib",
    "/var/lib/docker",
    "/var/lib/kubelet",
    "/home",
    "/proc",
    "/sys",
    "/sys/fs/cgroup",
    "/dev",
];

fn check(document: &Document) -> Vec<Finding> {
    // Linux only: a Windows daemon has no recursive read-only binds.
    if document.context.platform != Platform::Linux {
        return Vec::new();
    }
    let versions = document.context.versions;
    let recursive_possible = versions.engine_at_least(25, 0, 0) && versions.api_at_least(1, 44);
    let mut findings = Vec::new();
    for item in &document.items {
        let mount = &item.mount;
        if !mount.read_only || item.kind() != Some(MountKind::Bind) || document.for_windows(item) {
            continue;
        }
        // `readonly` asks for it explicitly; `writable` and `disabled` are choices.
        if mount.rare.bind_recursive.as_deref().is_some_and(|r| r != "enabled") {
            continue;
        }
        let Some(path) = item.host_path() else {
            continue;
        };
        if !TREES.contains(&path.as_str()) {
            continue;
        }
        let (severity, situation) = if recursive_possible {
            (
                Severity::Info,
                format!(
                    "Engine {} makes it recursive only when the kernel (5.12+) and runtime can, and otherwise silently leaves the submounts writable",
                    versions.engine
                ),
            )
        } else {
            (
                Severity::Warning,
                format!(
                    "with Engine {} and API {} only the top mount is read-only: the submounts stay writable (recursive read-only needs Engine 25.0 and API 1.44)",
                    versions.engine,
                    versions.api()
                ),
            )
        };
        let message = format!(
            "`{path}` usually holds other mounts, and this read-only bind is not recursive for sure: {situation}"
        );
        let fix = fix(document, item, &path);
        findings.push(Finding { severity, ..RULE.finding(mount.span_of(Field::ReadOnly), message, fix) });
    }
    findings
}

const FIX_NOTE: &str =
    "needs CLI and Engine 25.0+ (API 1.44) and Linux 5.12+; fails instead of leaving submounts writable";

fn fix(document: &Document, item: &Item, path: &str) -> Option<Fix> {
    let mount = &item.mount;
    if mount.propagation.as_deref().is_some_and(|p| p != "rprivate") {
        return None;
    }
    // Binds near the data root must propagate `rslave`, which excludes recursive read-only.
    daemon_root_propagation(path, "rprivate", &document.context).ok()?;
    let edit = match mount.syntax {
        SyntaxKind::MountFlag => {
            let last = item.text.chars().last()?;
            if !document.slice(item.span).ends_with(last) {
                return None;
            }
            let propagation = if mount.propagation.is_some() { "" } else { ",bind-propagation=rprivate" };
            Edit {
                span: Span::new(item.span.end, item.span.end),
                replacement: format!(",bind-recursive=readonly{propagation}"),
            }
        }
        SyntaxKind::VolumeFlag => {
            let flag = item.flag_span?;
            if !matches!(document.slice(flag), "-v" | "--volume") || mount.selinux.is_some() || mount.nocopy {
                return None;
            }
            let source = item.written_source()?;
            let target = mount.target.as_str();
            let plain = |s: &str| !s.is_empty() && !s.contains([',', '"', '\'', '$', '`', ' ', '\\']);
            if !source.starts_with('/') || !plain(source) || !plain(target) || document.slice(item.span) != item.text {
                return None;
            }
            let consistency =
                mount.rare.consistency.as_deref().map(|c| format!(",consistency={c}")).unwrap_or_default();
            Edit {
                span: Span::new(flag.start, item.span.end),
                replacement: format!(
                    "--mount type=bind,src={source},dst={target},readonly,bind-recursive=readonly,bind-propagation=rprivate{consistency}"
                ),
            }
        }
        _ => return None,
    };
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("force recursive read-only with `bind-recursive=readonly` ({FIX_NOTE})"),
        edits: vec![edit],
    })
}
