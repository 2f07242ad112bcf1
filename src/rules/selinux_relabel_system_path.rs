//! ## What it does
//! Flags an SELinux relabel (`:z` or `:Z`) of a system directory: `/`, `/bin`, `/boot`,
//! `/dev`, `/etc`, `/etc/passwd`, `/etc/pki`, `/etc/shadow`, `/home`, `/lib`, `/lib64`,
//! `/media`, `/opt`, `/proc`, `/root`, `/run`, `/sbin`, `/srv`, `/sys`, `/tmp`, `/usr`,
//! `/var`, `/var/lib`, `/var/log`, and a home directory given as `~` or `$HOME`.
//!
//! ## Why is this bad?
//! `z` and `Z` ask Docker to relabel every file of the host directory so that the
//! container may use it. Relabelling a system directory would lock the host's own
//! services out of it, so the Engine refuses these paths (and the daemon's `$HOME` and the
//! home of the user running `sudo`): on a host with SELinux enabled the container fails to
//! start with `error setting label on mount source '/etc': SELinux relabeling of /etc is
//! not allowed`. On hosts without SELinux the option does nothing, so the line works on
//! one machine and breaks on the next.
//!
//! ## Example
//! ```sh
//! docker run -v /etc:/host/etc:ro,z monitor
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v /etc:/host/etc:ro --security-opt label=disable monitor
//! ```
//!
//! ## Fix safety
//! The fix drops the `z`/`Z`. It is unsafe: on an SELinux host the container then starts
//! but may be denied access to the files; `--security-opt label=disable` (or a proper
//! policy) is the author's decision.
//!
//! ## References
//! - run-flags specification §1.10 (SELinux relabelling at start), after go-selinux's
//!   list of paths it refuses to relabel.

use super::edits::{mode_tokens, replace_mode};
use super::{Applicability, Document, Finding, Fix, Rule, Severity};
use crate::model::context::Platform;
use crate::model::mount::{Field, MountKind, SyntaxKind};
use crate::model::verdict::DockerError;

pub const RULE: Rule = Rule {
    code: "DM012",
    name: "selinux-relabel-system-path",
    severity: Severity::Error,
    source: include_str!("selinux_relabel_system_path.rs"),
    check,
    covers: Some(covers),
};

fn covers(error: &DockerError) -> bool {
    error.message.contains("SELinux relabeling of")
}

/// The paths the Engine's SELinux library refuses to relabel.
const REFUSED: [&str; 24] = [
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/etc/passwd",
    "/etc/pki",
    "/etc/shadow",
    "/home",
    "/lib",
    "/lib64",
    "/media",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/var",
    "/var/lib",
    "/var/log",
];

fn check(document: &Document) -> Vec<Finding> {
    // A Windows daemon has its own modes (`ro`/`rw` only), no SELinux and no propagation.
    if document.context.platform != Platform::Linux {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for item in &document.items {
        let mount = &item.mount;
        if !matches!(mount.syntax, SyntaxKind::VolumeFlag | SyntaxKind::ComposeShort) || document.for_windows(item) {
            continue;
        }
        let Some(label) = mount.selinux.as_deref() else {
            continue;
        };
        if item.kind() != Some(MountKind::Bind) {
            continue;
        }
        let Some(path) = item.host_path() else {
            continue;
        };
        let message = if REFUSED.contains(&path.as_str()) {
            format!(
                "`:{label}` asks Docker to relabel `{path}`, which SELinux hosts refuse: the container fails to start with `error setting label on mount source '{path}': SELinux relabeling of {path} is not allowed`"
            )
        } else if path == "~" {
            format!(
                "`:{label}` asks Docker to relabel a whole home directory: when it is the daemon's `$HOME` or the home of the user running `sudo docker`, SELinux hosts refuse it and the container fails to start (`SELinux relabeling of <home> is not allowed`); otherwise every file in it gets the container's label"
            )
        } else {
            continue;
        };
        let kept: Vec<&str> = mode_tokens(item).into_iter().filter(|t| *t != label).collect();
        let fix = replace_mode(document, item, &kept).map(|edit| Fix {
            applicability: Applicability::Unsafe,
            message: format!("drop `{label}`"),
            edits: vec![edit],
        });
        findings.push(RULE.finding(mount.span_of(Field::Selinux), message, fix));
    }
    findings
}
