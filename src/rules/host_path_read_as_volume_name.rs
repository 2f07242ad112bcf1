//! ## What it does
//! Flags a source that Docker takes for a volume name where a host directory was meant:
//! a `-v` source with a `/` that does not start with `/` or `.` (`data/db:/x`), a bare
//! name that is a directory beside the linted file (`src:/app` next to `./src`), a
//! `.`-relative source that this CLI version does not make absolute, and a `--mount`
//! without `type=` whose source is a path (`--mount src=/srv,dst=/srv`).
//!
//! ## Why is this bad?
//! `-v` treats a source as a host path only when it starts with `/` (and, since CLI 23.0,
//! `.`); anything else names a volume. The local volume driver refuses names with `/`,
//! so `data/db:/x` fails; a plain `src:/app` is worse: Docker quietly creates an empty
//! volume called `src` and the application sees none of the files in `./src`. `--mount`
//! defaults to `type=volume`, so an absolute path given as its source is also read as a
//! volume name and refused.
//!
//! A source that starts with `~` is left to `tilde-not-expanded`, a one-letter source to
//! `drive-letter-volume-name`; a source that a shell expansion decides (`$DATA/db`) is not
//! judged.
//!
//! ## Example
//! ```sh
//! docker run -v data/db:/var/lib/mysql mysql
//! docker run --mount src=/srv/www,dst=/usr/share/nginx/html nginx
//! ```
//!
//! Use instead:
//! ```sh
//! docker run -v ./data/db:/var/lib/mysql mysql
//! docker run --mount type=bind,src=/srv/www,dst=/usr/share/nginx/html nginx
//! ```
//!
//! ## Fix safety
//! Writing `./data/db` is unsafe: it turns a volume into a bind of a directory relative
//! to wherever the command runs, and `-v` creates that directory when it is missing.
//! Adding `type=bind` to a `--mount` whose absolute source Docker refuses as a volume name
//! is safe: the command cannot have worked, and a bind is the only reading of a path.
//!
//! ## Docker versions
//! CLIs before 23.0 never made a relative `-v` source absolute (`./data` was a volume
//! name); CLIs 23.0–28.1 did so only for `.` and `./…`, and since 28.2.0 for every source
//! starting with `.` (`../x`, `.hidden`).

use super::{Applicability, Document, Edit, Finding, Fix, Item, Rule, Severity};
use crate::model::mount::{Field, MountKind, SyntaxKind};
use crate::model::verdict::DockerError;
use crate::model::volumes::is_valid_local_name;
use crate::span::Span;

pub const RULE: Rule = Rule {
    code: "DM002",
    name: "host-path-read-as-volume-name",
    severity: Severity::Error,
    source: include_str!("host_path_read_as_volume_name.rs"),
    check,
    covers: Some(covers),
};

/// The local driver's refusal of a name (`create data/db: "data/db" includes invalid
/// characters...`).
fn covers(error: &DockerError) -> bool {
    error.message.starts_with("create ") && error.message.contains("includes invalid characters")
}

fn check(document: &Document) -> Vec<Finding> {
    let mut findings = Vec::new();
    for item in &document.items {
        if document.for_windows(item) || item.kind() != Some(MountKind::Volume) || item.mount.rare.driver.is_some() {
            continue;
        }
        let Some(source) = item.written_source() else {
            continue;
        };
        let finding = match item.mount.syntax {
            SyntaxKind::VolumeFlag | SyntaxKind::ComposeShort => short_syntax(document, item, source),
            SyntaxKind::MountFlag => mount_flag(document, item, source),
            _ => None,
        };
        findings.extend(finding);
    }
    findings
}

/// `-v` and compose short syntax.
fn short_syntax(document: &Document, item: &Item, source: &str) -> Option<Finding> {
    if source.starts_with('~') || source.chars().count() < 2 || !item.is_literal(Field::Source) {
        return None;
    }
    let span = item.mount.span_of(Field::Source);
    let compose = item.mount.syntax == SyntaxKind::ComposeShort;
    let refused = || match item.known_error() {
        Some(error) => format!(": Docker refuses it: {}", error.message),
        None => String::new(),
    };
    if source.starts_with('.') {
        // Only a CLI too old to make it absolute sends a `.` source as a volume name.
        let message = format!(
            "this docker CLI ({}) sends `{source}` as a volume name: only CLI 23.0 and later make `.`-relative sources absolute (`..` and `.hidden` since 28.2.0){}",
            document.context.versions.cli,
            refused()
        );
        return Some(RULE.finding(span, message, pwd_fix(document, item, span, source)));
    }
    if source.contains('/') {
        if !compose && item.known_error().is_none() {
            // A volume plugin that accepts the name: not a mistake we can see.
            return None;
        }
        let message = format!(
            "`{source}` is read as a volume name, not a host path: a source is a host directory only when it starts with `/` or `.`{}",
            refused()
        );
        return Some(RULE.finding(span, message, dot_fix(document, span, source)));
    }
    let directory = document.base_dir.as_ref()?.join(source);
    if !is_valid_local_name(source) || !directory.is_dir() {
        return None;
    }
    let message = format!(
        "`{source}` names a volume, not the directory `./{source}` beside this file: Docker creates (or reuses) an empty volume called `{source}` and none of the directory's files appear at `{}`",
        item.mount.target
    );
    let finding = RULE.finding(span, message, dot_fix(document, span, source));
    Some(Finding { severity: Severity::Warning, ..finding })
}

/// `--mount` without `type=bind` whose source is a path.
fn mount_flag(document: &Document, item: &Item, source: &str) -> Option<Finding> {
    if !(source.starts_with('/') || source.starts_with('.')) || !item.is_literal(Field::Source) {
        return None;
    }
    let typed = item.mount.provenance.contains_key(&Field::Kind);
    let error = item.known_error()?;
    let span = item.mount.span_of(Field::Source);
    let message = if typed {
        format!(
            "`type=volume` reads the source `{source}` as a volume name, not a host path: Docker refuses it: {}",
            error.message
        )
    } else {
        format!(
            "`--mount` without `type=` makes a volume, so the source `{source}` is read as a volume name, not a host path: Docker refuses it: {}",
            error.message
        )
    };
    let volume_options = [Field::NoCopy, Field::Label, Field::Driver, Field::DriverOpt, Field::Subpath];
    let fix = (!typed && !volume_options.iter().any(|f| item.mount.provenance.contains_key(f))).then(|| Fix {
        applicability: Applicability::Safe,
        message: "add `type=bind`".to_string(),
        edits: vec![Edit { span: Span::new(item.span.start, item.span.start), replacement: "type=bind,".to_string() }],
    });
    // The edit goes at the start of the value: only where the value is not quoted.
    let fix = fix.filter(|_| document.slice(item.span).starts_with(item.text.get(..1).unwrap_or("")));
    Some(RULE.finding(span, message, fix))
}

/// `data/db` → `./data/db`.
fn dot_fix(document: &Document, span: Span, source: &str) -> Option<Fix> {
    (document.slice(span) == source).then(|| Fix {
        applicability: Applicability::Unsafe,
        message: format!("mount the directory `./{source}`"),
        edits: vec![Edit { span: Span::new(span.start, span.start), replacement: "./".to_string() }],
    })
}

/// `./data` → `"$PWD"/data` for CLIs that send relative sources as they are.
fn pwd_fix(document: &Document, item: &Item, span: Span, source: &str) -> Option<Fix> {
    if document.slice(span) != source || item.mount.syntax != SyntaxKind::VolumeFlag {
        return None;
    }
    let pwd = match document.slice(item.word_span).chars().next() {
        Some('\'') => return None,
        Some('"') => "$PWD",
        _ => "\"$PWD\"",
    };
    let replacement = match source.strip_prefix('.') {
        Some("") => pwd.to_string(),
        Some(rest) if rest.starts_with('/') => format!("{pwd}{rest}"),
        _ => format!("{pwd}/{source}"),
    };
    Some(Fix {
        applicability: Applicability::Unsafe,
        message: format!("use an absolute path: `{replacement}`"),
        edits: vec![Edit { span, replacement }],
    })
}

#[cfg(test)]
mod tests {
    use crate::lint::document::build;
    use crate::lint::files::FileKind;
    use crate::model::Context;

    /// A bare name is reported only when that directory exists beside the linted file.
    #[test]
    fn bare_names_are_looked_up_in_the_base_directory() {
        let dir = std::env::temp_dir().join(format!("dockmount-dm002-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("static")).expect("a temporary directory");
        let text = "docker run -v static:/srv -v media:/media img\n";
        let (mut document, _) = build(text, FileKind::Shell, &Context::default());
        assert!(super::check(&document).is_empty(), "no base directory, no lookup");
        document.base_dir = Some(dir.clone());
        let findings = super::check(&document);
        std::fs::remove_dir_all(&dir).ok();
        assert_eq!(findings.len(), 1);
        assert_eq!(&text[findings[0].span.start..findings[0].span.end], "static");
        assert_eq!(findings[0].severity, super::Severity::Warning);
        let fix = findings[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.applicability, super::Applicability::Unsafe);
        assert_eq!(fix.edits[0].replacement, "./");
    }
}
