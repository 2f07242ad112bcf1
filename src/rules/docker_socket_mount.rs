//! ## What it does
//! Flags a container that gets the Docker API: a bind of the Docker socket
//! (`/var/run/docker.sock`, `/run/docker.sock`, rootless `$XDG_RUNTIME_DIR/docker.sock`
//! or `/run/user/<uid>/docker.sock`, `${DOCKER_SOCK:-/var/run/docker.sock}`, Docker
//! Desktop's `docker.sock.raw`), of the directory holding it (`/var/run`, `/run`,
//! `/run/user/<uid>`), of Podman's or containerd's socket, of the Windows pipe
//! `\\.\pipe\docker_engine`, at any container path, read-only or not; and
//! `docker run --use-api-socket`.
//!
//! ## Why is this bad?
//! The Docker API can start a privileged container that mounts the host's `/`: whoever
//! controls a process in this container is root on the host. `:ro` does not help: it makes
//! the socket file read-only, not the requests sent through it. `--use-api-socket` (CLI
//! 28.1 and later) mounts the same socket, and copies your registry credentials in too.
//!
//! Some tools need the API (CI runners, reverse proxies that watch containers, updaters);
//! the finding is a warning, for a decision to take knowingly: prefer a socket proxy that
//! allows only the calls the tool needs, or rootless Docker.
//!
//! ## Example
//! ```sh
//! docker run -d -v /var/run/docker.sock:/var/run/docker.sock:ro traefik
//! ```
//!
//! Use instead:
//! ```sh
//! # a proxy that exposes only the read-only endpoints the tool uses
//! docker run -d -e DOCKER_HOST=tcp://socket-proxy:2375 traefik
//! ```
//!
//! ## Fix safety
//! No fix: taking the API away breaks the tool; the safer setup is a design change.
//!
//! ## References
//! - Docker documentation, "Protect the Docker daemon socket" and "Docker Engine
//!   security: Docker daemon attack surface".

use super::{Document, Finding, Item, Rule, Severity};
use crate::model::mount::{Field, MountKind};

pub const RULE: Rule = Rule {
    code: "DM010",
    name: "docker-socket-mount",
    severity: Severity::Warning,
    source: include_str!("docker_socket_mount.rs"),
    check,
    covers: None,
};

/// Which API a host path gives access to, if any.
fn api_of(path: &str) -> Option<&'static str> {
    let file = path.rsplit('/').next().unwrap_or(path);
    match file {
        "docker.sock" | "docker.sock.raw" => return Some("the Docker API socket"),
        "podman.sock" => return Some("Podman's API socket"),
        "containerd.sock" => return Some("containerd's API socket"),
        _ => {}
    }
    let user_runtime_dir = path
        .strip_prefix("/run/user/")
        .is_some_and(|uid| uid == "$UID" || (!uid.is_empty() && uid.chars().all(|c| c.is_ascii_digit())));
    if matches!(path, "/var/run" | "/run" | "~/.docker/run") || user_runtime_dir {
        return Some("the directory of the Docker API socket (`docker.sock`)");
    }
    if matches!(path, "/run/podman" | "/var/run/podman") {
        return Some("the directory of Podman's API socket");
    }
    if matches!(path, "/run/containerd" | "/var/run/containerd") {
        return Some("the directory of containerd's API socket");
    }
    None
}

fn check(document: &Document) -> Vec<Finding> {
    let mut findings = Vec::new();
    for item in &document.items {
        let Some((path, api)) = socket_of(document, item) else {
            continue;
        };
        let read_only = if item.mount.read_only {
            " Read-only does not help: it protects the socket file, not the API behind it."
        } else {
            ""
        };
        let message = format!(
            "`{path}` is {api}: whoever controls this container controls the daemon, and through it the host (a privileged container with the host's file system mounted is one API call away).{read_only}"
        );
        findings.push(RULE.finding(item.mount.span_of(Field::Source), message, None));
    }
    for group in &document.groups {
        if let Some(span) = group.use_api_socket {
            let message = "`--use-api-socket` mounts the Docker API socket (and copies your registry credentials) into the container: whoever controls it controls the daemon, and through it the host".to_string();
            findings.push(RULE.finding(span, message, None));
        }
    }
    findings
}

/// The host path an item mounts and the API it gives, when it is one.
fn socket_of(document: &Document, item: &Item) -> Option<(String, &'static str)> {
    // The Windows pipe is read from the text as written: a POSIX shell would eat its
    // backslashes.
    let raw = document.slice(item.word_span).to_ascii_lowercase().replace('/', "\\");
    if raw.contains("pipe\\docker_engine") && item.mount.kind != MountKind::Tmpfs {
        return Some((r"\\.\pipe\docker_engine".to_string(), "the Docker API's named pipe"));
    }
    if let Some(path) = item.host_path() {
        return api_of(&path).map(|api| (path, api));
    }
    // A socket file whose directory an expansion decides (`$SOCK_DIR/docker.sock`).
    if matches!(item.kind(), Some(MountKind::Bind) | None) && item.mount.kind != MountKind::Tmpfs {
        let written = item.written_source()?;
        let file = written.rsplit('/').next()?;
        if matches!(file, "docker.sock" | "podman.sock" | "containerd.sock" | "docker.sock.raw")
            && written.contains('/')
        {
            return api_of(file).map(|api| (written.to_string(), api));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_and_their_directories() {
        assert!(api_of("/var/run/docker.sock").is_some());
        assert!(api_of("/run/user/1000/docker.sock").is_some());
        assert!(api_of("/run/user/1000").is_some());
        assert!(api_of("~/.docker/run").is_some());
        assert!(api_of("/run/containerd/containerd.sock").is_some());
        assert!(api_of("/var/run/app").is_none());
        assert!(api_of("/run/user/1000/app").is_none());
        assert!(api_of("/var").is_none());
    }
}
