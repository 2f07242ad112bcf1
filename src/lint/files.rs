//! Which files hold storage specs, and what kind each is.

use std::path::Path;

/// How a file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Dockerfile,
    Compose,
    /// Shell scripts, Makefiles and anything else where `docker run` lines are commands.
    Shell,
    /// Markdown: `docker run` lines inside fenced code blocks.
    Markdown,
    /// CI YAML (GitHub Actions, GitLab CI...): `docker run` lines inside `run:`/`script:` blocks.
    CiYaml,
}

/// The kind of a file from its name (and, for extension-less scripts, its first line);
/// `None` for files lint does not look at.
pub fn kind_of(path: &Path, first_line: Option<&str>) -> Option<FileKind> {
    let name = path.file_name()?.to_string_lossy().to_string();
    let lower = name.to_lowercase();
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with("dockerfile")
        || lower.ends_with("containerfile")
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
    {
        return Some(FileKind::Dockerfile);
    }
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    // `compose.yaml`, `docker-compose.prod.yml`, `app.docker-compose.yml`...
    if yaml && (lower.starts_with("compose") || lower.contains("docker-compose") || lower.contains(".compose.")) {
        return Some(FileKind::Compose);
    }
    if yaml {
        let in_workflows = path.components().any(|c| c.as_os_str() == "workflows" || c.as_os_str() == ".github");
        if in_workflows || lower == ".gitlab-ci.yml" || lower.contains("pipeline") || lower.contains("ci") {
            return Some(FileKind::CiYaml);
        }
        return None;
    }
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        return Some(FileKind::Markdown);
    }
    if lower.ends_with(".sh")
        || lower.ends_with(".bash")
        || lower.ends_with(".zsh")
        || lower == "makefile"
        || lower == "gnumakefile"
        || lower.ends_with(".mk")
        || lower == "justfile"
    {
        return Some(FileKind::Shell);
    }
    if !name.contains('.') {
        if let Some(line) = first_line {
            if line.starts_with("#!") && (line.contains("sh") || line.contains("bash")) {
                return Some(FileKind::Shell);
            }
        }
    }
    None
}

/// A compose file named as an override, merged over the main file
/// (`compose.override.yaml`, `docker-compose.override.yml`, `docker-compose.dev.override.yml`).
pub fn is_compose_override(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path).to_lowercase();
    name.contains(".override.") || name.contains("-override.") || name.contains("_override.")
}

/// The kind to read a file as when its name says nothing (`--stdin-filename` absent).
pub fn guess_from_text(text: &str) -> FileKind {
    let has_instruction = text.lines().any(|l| {
        let l = l.trim_start().to_ascii_uppercase();
        l.starts_with("FROM ") || l.starts_with("VOLUME ")
    });
    if has_instruction {
        FileKind::Dockerfile
    } else if text.lines().any(|l| l.trim_end() == "services:") {
        FileKind::Compose
    } else {
        FileKind::Shell
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        let kind = |p: &str| kind_of(Path::new(p), None);
        assert_eq!(kind("Dockerfile"), Some(FileKind::Dockerfile));
        assert_eq!(kind("api.Dockerfile"), Some(FileKind::Dockerfile));
        assert_eq!(kind("Dockerfile.dev"), Some(FileKind::Dockerfile));
        assert_eq!(kind("Containerfile"), Some(FileKind::Dockerfile));
        assert_eq!(kind("compose.yaml"), Some(FileKind::Compose));
        assert_eq!(kind("docker-compose.prod.yml"), Some(FileKind::Compose));
        assert_eq!(kind(".github/workflows/ci.yml"), Some(FileKind::CiYaml));
        assert_eq!(kind("README.md"), Some(FileKind::Markdown));
        assert_eq!(kind("run.sh"), Some(FileKind::Shell));
        assert_eq!(kind("Makefile"), Some(FileKind::Shell));
        assert_eq!(kind("values.yaml"), None);
        assert_eq!(kind("main.rs"), None);
        assert_eq!(kind_of(Path::new("bin/deploy"), Some("#!/usr/bin/env bash")), Some(FileKind::Shell));
    }

    #[test]
    fn override_files() {
        assert!(is_compose_override("docker-compose.override.yml"));
        assert!(is_compose_override("app/compose.override.yaml"));
        assert!(is_compose_override("docker-compose.dev.override.yml"));
        assert!(!is_compose_override("docker-compose.yml"));
        assert!(!is_compose_override("overrides/docker-compose.yml"));
    }
}
