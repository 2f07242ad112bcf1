//! ## What it does
//! Flags a bind of a host path that gives the container the host itself: `/`, a system
//! tree (`/etc`, `/root`, `/boot`, `/usr`, `/var`, `/home`, `/proc`, `/sys`, `/dev`...),
//! Docker's or Kubernetes' own data (`/var/lib/docker`, `/var/lib/kubelet`), a whole home
//! directory (`~`, `/home/alice`), or a place that holds secrets (`~/.ssh`, `~/.aws`,
//! `~/.kube`, `~/.docker`, `/etc/shadow`, `/etc/ssh`...). Bind sources written as `~`,
//! `$HOME` or `${VAR:-/default}` are resolved; relative ones are not judged.
//!
//! ## Why is this bad?
//! A container is isolated from the host by what it cannot see. Writable, any of these
//! paths is root on the host: the container can add a user to `/etc/passwd`, a key to
//! `/root/.ssh/authorized_keys`, a cron job, a kernel module, or rewrite other
//! containers' data under `/var/lib/docker`. Read-only, they still leak what the host
//! keeps secret: password hashes, SSH and cloud keys, registry credentials, other
//! processes' environment under `/proc`. The finding is an error for a writable tree that
//! is the host, and a warning for a read-only one and for secrets (which tools such as
//! deployment containers often need, deliberately).
//!
//! Single, harmless files under these trees (`/etc/localtime`, `/etc/timezone`,
//! `/etc/hosts`) and device or kernel sub-paths that tools mount on purpose (`/dev/shm`,
//! `/dev/snd`, `/sys/fs/cgroup`, `/lib/modules`) are not reported.
//!
//! ## Example
//! ```sh
//! docker run -v /:/host -v ~/.ssh:/root/.ssh alpine
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v /srv/app/data:/data -v ./deploy_key:/run/secrets/deploy_key:ro alpine
//! ```
//!
//! ## Fix safety
//! For a writable mount of a host tree the fix makes it read-only (`:ro`, `,readonly`).
//! That is unsafe: the container may need to write there, and a read-only mount of these
//! paths still leaks secrets. Secrets get no fix: read-only, they are still read. The real
//! fix is to mount only what the container needs.

use super::edits::{mode_tokens, replace_mode};
use super::{Applicability, Document, Edit, Finding, Fix, Item, Rule, Severity};
use crate::model::mount::{Field, SyntaxKind};
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM011",
    name: "sensitive-host-path",
    severity: Severity::Error,
    source: include_str!("sensitive_host_path.rs"),
    check,
    covers: None,
};

/// Whole trees that are the host: (path, what it holds).
const TREES: &[(&str, &str)] = &[
    ("/", "the host's whole file system"),
    ("/etc", "the host's configuration: users, password hashes, sudoers, services, cron"),
    ("/root", "root's home: its SSH keys, shell start-up files and credentials"),
    ("/boot", "the host's kernels and boot loader"),
    ("/usr", "the host's programs and libraries"),
    ("/bin", "the host's programs"),
    ("/sbin", "the host's system programs"),
    ("/lib", "the host's libraries"),
    ("/lib64", "the host's libraries"),
    ("/var", "the host's variable data: logs, spools, databases, Docker's data"),
    ("/var/lib", "the host's service data, Docker's included"),
    ("/home", "every user's home directory, with their SSH keys and credentials"),
    ("/proc", "the host's processes (their command lines, environment and memory maps)"),
    ("/sys", "the host kernel's settings and devices"),
    ("/dev", "every host device, disks included"),
    ("/var/lib/docker", "Docker's data: every container's files and every volume"),
    ("/var/lib/containerd", "containerd's data: every container's files"),
    ("/var/lib/kubelet", "the kubelet's data: pod volumes and secrets"),
    ("/etc/kubernetes", "the cluster's credentials and manifests"),
    ("~", "your whole home directory, with your SSH keys and credentials"),
];

/// Places that hold secrets, reported with everything below them: (path, what it holds).
/// `~` stands for any home directory (`~`, `$HOME`, `/root`, `/home/<user>`).
const SECRETS: &[(&str, &str)] = &[
    ("/etc/shadow", "the host's password hashes"),
    ("/etc/gshadow", "the host's group password hashes"),
    ("/etc/sudoers", "who may become root on the host"),
    ("/etc/sudoers.d", "who may become root on the host"),
    ("/etc/ssh", "the host's SSH keys and server configuration"),
    ("/etc/ssl/private", "the host's TLS private keys"),
    ("~/.ssh", "SSH keys"),
    ("~/.gnupg", "GPG keys"),
    ("~/.aws", "AWS credentials"),
    ("~/.azure", "Azure credentials"),
    ("~/.config/gcloud", "Google Cloud credentials"),
    ("~/.kube", "Kubernetes credentials"),
    ("~/.docker", "Docker registry credentials"),
    ("~/.netrc", "login credentials"),
    ("~/.git-credentials", "git credentials"),
];

/// `/root/x` and `/home/<user>/x` read as `~/x`; `/home/<user>` as `~`.
fn home_relative(path: &str) -> Option<String> {
    if let Some(rest) = path.strip_prefix("/root") {
        if rest.is_empty() || rest.starts_with('/') {
            return Some(format!("~{rest}"));
        }
    }
    let rest = path.strip_prefix("/home/")?;
    let (user, rest) = rest.split_once('/').map_or((rest, ""), |(user, rest)| (user, rest));
    if user.is_empty() {
        return None;
    }
    Some(if rest.is_empty() { "~".to_string() } else { format!("~/{rest}") })
}

/// Why a host path is sensitive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sensitivity {
    /// A tree that is the host: writable, it is root on the host.
    Host(&'static str),
    /// A place with secrets: the container can read (and, writable, replace) them.
    Secrets(&'static str),
}

/// What a host path holds, when it is sensitive.
fn sensitivity(path: &str) -> Option<Sensitivity> {
    let under = |base: &str, path: &str| path == base || path.starts_with(&format!("{base}/"));
    let home = home_relative(path);
    if let Some((_, what)) = TREES.iter().find(|(tree, _)| *tree == path) {
        return Some(Sensitivity::Host(what));
    }
    if under("/var/lib/docker", path) {
        return Some(Sensitivity::Host("Docker's data: every container's files and every volume"));
    }
    // A whole home directory (`/home/alice`); `/root` is a tree above.
    if path.starts_with("/home/") && home.as_deref() == Some("~") {
        return Some(Sensitivity::Host("a whole home directory, with its SSH keys and credentials"));
    }
    for candidate in std::iter::once(path).chain(home.as_deref()) {
        if let Some((_, what)) = SECRETS.iter().find(|(base, _)| under(base, candidate)) {
            return Some(Sensitivity::Secrets(what));
        }
    }
    None
}

fn check(document: &Document) -> Vec<Finding> {
    let mut findings = Vec::new();
    for item in &document.items {
        if document.for_windows(item) {
            continue;
        }
        let Some(path) = item.host_path() else {
            continue;
        };
        let Some(what) = sensitivity(&path) else {
            continue;
        };
        let (severity, held, consequence) = match (what, item.mount.read_only) {
            (Sensitivity::Host(what), false) => {
                (Severity::Error, what, "is mounted writable: the container can take over the host (root on the host)")
            }
            (Sensitivity::Host(what), true) => (
                Severity::Warning,
                what,
                "is mounted read-only, which still shows the container what the host keeps secret",
            ),
            (Sensitivity::Secrets(what), false) => {
                (Severity::Warning, what, "is mounted writable: the container can read them and replace them")
            }
            (Sensitivity::Secrets(what), true) => (Severity::Warning, what, "is mounted: the container can read them"),
        };
        let message = format!("`{path}` ({held}) {consequence}");
        // Read-only still shows secrets: only a writable host tree gains from the fix.
        let fix = match what {
            Sensitivity::Host(_) if !item.mount.read_only => read_only_fix(document, item),
            _ => None,
        };
        findings.push(Finding { severity, ..RULE.finding(item.mount.span_of(Field::Source), message, fix) });
    }
    findings
}

/// Make the mount read-only: `:ro` for `-v`, `,readonly` for `--mount`.
fn read_only_fix(document: &Document, item: &Item) -> Option<Fix> {
    let edit = match item.mount.syntax {
        SyntaxKind::VolumeFlag | SyntaxKind::ComposeShort => {
            if item.mount.mode.is_some() {
                let mut tokens: Vec<&str> = mode_tokens(item).into_iter().filter(|t| *t != "rw").collect();
                tokens.insert(0, "ro");
                replace_mode(document, item, &tokens)?
            } else {
                let target = item.mount.span_of(Field::Target);
                if document.slice(target) != item.mount.target {
                    return None;
                }
                Edit { span: Span::new(target.end, target.end), replacement: ":ro".to_string() }
            }
        }
        SyntaxKind::MountFlag => {
            let last = item.text.chars().last()?;
            if !document.slice(item.span).ends_with(last) {
                return None;
            }
            Edit { span: Span::new(item.span.end, item.span.end), replacement: ",readonly".to_string() }
        }
        _ => return None,
    };
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: "make the mount read-only".to_string(),
        edits: vec![edit],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_sensitive() {
        assert!(sensitivity("/").is_some());
        assert!(sensitivity("/etc").is_some());
        assert!(sensitivity("/etc/shadow").is_some());
        assert!(sensitivity("/etc/ssh/sshd_config").is_some());
        assert!(sensitivity("~/.ssh").is_some());
        assert!(sensitivity("/home/alice/.ssh/id_rsa").is_some());
        assert!(sensitivity("/root/.docker/config.json").is_some());
        assert!(sensitivity("/home/alice").is_some());
        assert!(sensitivity("~").is_some());
        assert!(sensitivity("/var/lib/docker/volumes").is_some());
        assert!(sensitivity("/etc/localtime").is_none());
        assert!(sensitivity("/etc/nginx").is_none());
        assert!(sensitivity("/home/alice/project").is_none());
        assert!(sensitivity("/dev/shm").is_none());
        assert!(sensitivity("/sys/fs/cgroup").is_none());
        assert!(sensitivity("/var/lib/mysql").is_none());
        assert!(sensitivity("/srv").is_none());
    }
}
