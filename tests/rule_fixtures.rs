//! Every rule against its fixtures, `fixtures/rules/<rule-name>/fire*` and `pass*`.
//!
//! A fixture is any file whose name starts with `fire` or `pass`, linted as the kind its
//! name gives (`fire.sh` a shell script, `fire.Dockerfile` a Dockerfile,
//! `fire.compose.yaml` and `pass.docker-compose.override.yml` compose files).
//!
//! Expectations are comments. `# expect: <rule-name>[, <rule-name>...]` at the end of a
//! line expects those rules on that line (shell and YAML comments). A line of its own
//! `# expect-next-line: <rule-name>[, ...]` expects them on the next line: Dockerfiles
//! must use this form, since a `#` after an instruction is not a comment there (after
//! `VOLUME` its words become volumes). In each file, for the directory's rule and for
//! every rule named in an expectation, the lines where the rule fires must be exactly the
//! annotated ones: no more, no less. `fire*` files must expect their rule somewhere,
//! `pass*` files are near misses. A line `# versions: cli=X.Y.Z engine=X.Y.Z` sets the
//! Docker versions for its file.
//!
//! A second test applies every fix found in the fixtures, one at a time, and checks that
//! the rule no longer fires on that line.

use dockmount::lint::files::{kind_of, FileKind};
use dockmount::lint::lint_text;
use dockmount::model::version::DockerVersions;
use dockmount::model::Context;
use dockmount::rules::{Finding, RULES};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("rules")
}

/// Every fixture file: (rule name, path, text).
fn fixture_files() -> Vec<(String, PathBuf, String)> {
    let mut files = Vec::new();
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(fixtures_dir()).expect("fixtures/rules").filter_map(|e| Some(e.ok()?.path())).collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let rule = dir.file_name().unwrap_or_default().to_string_lossy().to_string();
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("a fixture directory")
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| p.is_file() && is_fixture(p))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).expect("a fixture file");
            files.push((rule.clone(), path, text));
        }
    }
    files
}

/// A file whose name starts with `fire` or `pass`.
fn is_fixture(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy().to_string();
    name.starts_with("fire") || name.starts_with("pass")
}

/// The kind a fixture is linted as, from its name.
fn kind_of_fixture(path: &Path, text: &str) -> FileKind {
    kind_of(path, text.lines().next()).unwrap_or_else(|| panic!("{}: no file kind for this name", path.display()))
}

fn context_of(text: &str) -> Context {
    // Compose names the project after the directory.
    let mut ctx = Context { cwd: "/home/user/project".into(), ..Context::default() };
    for line in text.lines() {
        let Some(settings) = line.strip_prefix("# versions:") else {
            continue;
        };
        let mut versions = DockerVersions::NEWEST;
        for setting in settings.split_whitespace() {
            match setting.split_once('=') {
                Some(("cli", v)) => versions.cli = v.parse().expect("a CLI version"),
                Some(("engine", v)) => versions.engine = v.parse().expect("an Engine version"),
                _ => panic!("unknown setting `{setting}`"),
            }
        }
        ctx.versions = versions;
    }
    ctx
}

/// The rules each line expects: line number (1-based) → rule names.
fn expectations(text: &str, kind: FileKind) -> BTreeMap<usize, BTreeSet<String>> {
    let mut expected: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let split = |names: &str| -> BTreeSet<String> {
        names.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect()
    };
    for (index, line) in text.lines().enumerate() {
        if let Some(names) = line.trim_start().strip_prefix("# expect-next-line:") {
            expected.entry(index + 2).or_default().extend(split(names));
        } else if let Some((_, names)) = line.split_once("# expect:") {
            assert!(
                kind != FileKind::Dockerfile,
                "line {}: a Dockerfile has no end-of-line comments: use `# expect-next-line:` on the line before",
                index + 1
            );
            expected.entry(index + 1).or_default().extend(split(names));
        }
    }
    expected
}

fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).unwrap_or(text).matches('\n').count() + 1
}

fn lint(path: &Path, text: &str) -> Vec<Finding> {
    lint_text(&path.to_string_lossy(), text, kind_of_fixture(path, text), &context_of(text)).findings
}

#[test]
fn every_rule_has_fixtures() {
    let files = fixture_files();
    for rule in RULES {
        let fire = files.iter().any(|(name, path, _)| {
            name == rule.name && path.file_name().is_some_and(|f| f.to_string_lossy().starts_with("fire"))
        });
        let pass = files.iter().any(|(name, path, _)| {
            name == rule.name && path.file_name().is_some_and(|f| f.to_string_lossy().starts_with("pass"))
        });
        assert!(fire && pass, "{} needs fixtures/rules/{}/fire* and pass* files", rule.code, rule.name);
    }
}

#[test]
fn rules_fire_exactly_on_the_expected_lines() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (rule, path, text) in fixture_files() {
        assert!(RULES.iter().any(|r| r.name == rule), "fixtures for an unknown rule: {rule}");
        let expected = expectations(&text, kind_of_fixture(&path, &text));
        let file_name = path.file_name().unwrap_or_default().to_string_lossy().to_string();
        if file_name.starts_with("fire") {
            assert!(expected.values().any(|names| names.contains(&rule)), "{file_name} of {rule} expects nothing");
        }
        let findings = lint(&path, &text);
        let mut names: BTreeSet<String> = expected.values().flatten().cloned().collect();
        names.insert(rule.clone());
        for name in &names {
            assert!(RULES.iter().any(|r| r.name == name), "{}: unknown rule `{name}`", path.display());
            let want: BTreeSet<usize> =
                expected.iter().filter(|(_, names)| names.contains(name)).map(|(line, _)| *line).collect();
            let got: BTreeSet<usize> =
                findings.iter().filter(|f| f.name == name).map(|f| line_of(&text, f.span.start)).collect();
            checked += want.len();
            for line in want.difference(&got) {
                failures.push(format!("{}:{line}: `{name}` should fire", path.display()));
            }
            for line in got.difference(&want) {
                let messages: Vec<&str> = findings
                    .iter()
                    .filter(|f| f.name == name && line_of(&text, f.span.start) == *line)
                    .map(|f| f.message.as_ref())
                    .collect();
                failures.push(format!("{}:{line}: `{name}` fires but is not expected: {messages:?}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{} expectation(s) failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 0);
}

/// Applies one fix to a text (its edits do not overlap).
fn apply(text: &str, finding: &Finding) -> String {
    let mut edits = finding.fix.as_ref().map(|f| f.edits.clone()).unwrap_or_default();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut out = text.to_string();
    for edit in edits {
        out.replace_range(edit.span.start..edit.span.end, &edit.replacement);
    }
    out
}

#[test]
fn fixes_remove_their_finding() {
    let mut fixed = 0;
    for (_, path, text) in fixture_files() {
        for finding in lint(&path, &text).iter().filter(|f| f.fix.is_some()) {
            let line = line_of(&text, finding.span.start);
            let after = apply(&text, finding);
            let again = lint(&path, &after);
            let still = again.iter().any(|f| {
                f.code == finding.code && line_of(&after, f.span.start) == line && f.severity >= finding.severity
            });
            let new_line = after.lines().nth(line - 1).unwrap_or("");
            assert!(!still, "{}:{line}: the fix of {} does not remove it: {new_line}", path.display(), finding.code);
            fixed += 1;
        }
    }
    assert!(fixed > 0);
}

/// The fixes the documentation promises, exactly.
#[test]
fn fixes_write_the_expected_text() {
    let cases = [
        ("docker run -v /srv/conf:/etc/app:readonly app", "DM005", "docker run -v /srv/conf:/etc/app:ro app"),
        ("docker run -v /srv/conf:/etc/app:RO,z app", "DM005", "docker run -v /srv/conf:/etc/app:ro,z app"),
        ("docker run -v data/db:/var/lib/mysql mysql", "DM002", "docker run -v ./data/db:/var/lib/mysql mysql"),
        ("docker run --mount src=/srv,dst=/srv app", "DM002", "docker run --mount type=bind,src=/srv,dst=/srv app"),
        ("docker run -v \"~/x:/y\" app", "DM003", "docker run -v \"$HOME/x:/y\" app"),
        ("docker run --volume=~/x:/y app", "DM003", "docker run --volume=\"$HOME\"/x:/y app"),
        ("docker run -v /srv:/app:ro,nocopy app", "DM007", "docker run -v /srv:/app:ro app"),
        ("docker run -v /srv:/app:nocopy app", "DM007", "docker run -v /srv:/app app"),
        ("docker run -v /etc:/host/etc app", "DM011", "docker run -v /etc:/host/etc:ro app"),
        ("docker run --mount type=bind,src=/etc,dst=/e app", "DM011", "docker run --mount type=bind,src=/etc,dst=/e,readonly app"),
        ("docker run -v /tmp:/tmp:ro,Z app", "DM012", "docker run -v /tmp:/tmp:ro app"),
        (
            "docker run -v /mnt:/m:ro app",
            "DM013",
            "docker run --mount type=bind,src=/mnt,dst=/m,readonly,bind-recursive=readonly,bind-propagation=rprivate app",
        ),
        ("docker run --tmpfs /run:rw,size=64MB app", "DM021", "docker run --tmpfs /run:rw,size=64m app"),
        ("docker run -v /srv:/srv:cached app", "DM022", "docker run -v /srv:/srv app"),
        ("docker run -v data:/data:cached app", "DM022", "docker run -v data:/data:rw app"),
        ("docker run -v /srv:/srv:ro,delegated app", "DM022", "docker run -v /srv:/srv:ro app"),
        (
            "docker run --mount type=bind,src=/srv,dst=/srv,consistency=cached app",
            "DM022",
            "docker run --mount type=bind,src=/srv,dst=/srv app",
        ),
    ];
    for (input, code, output) in cases {
        let findings = lint_text("inline.sh", input, FileKind::Shell, &Context::default()).findings;
        let finding = findings.iter().find(|f| f.code == code && f.fix.is_some());
        let finding = finding.unwrap_or_else(|| panic!("{code} with a fix on `{input}`: {findings:#?}"));
        assert_eq!(apply(input, finding), output, "{code}");
    }
}

/// The fixes of the Dockerfile and compose rules, exactly.
#[test]
fn file_fixes_write_the_expected_text() {
    let from = "FROM alpine\n";
    let cases = [
        ("Dockerfile", "VOLUME ['/a', '/b']\n", "DM015", "VOLUME [\"/a\", \"/b\"]\n"),
        ("Dockerfile", "VOLUME [\"/a\" \"/b\"]\n", "DM015", "VOLUME [\"/a\", \"/b\"]\n"),
        ("Dockerfile", "VOLUME [\"/a\",]\n", "DM015", "VOLUME [\"/a\"]\n"),
        ("Dockerfile", "VOLUME [/a, /b]\n", "DM015", "VOLUME [\"/a\", \"/b\"]\n"),
        ("Dockerfile", "VOLUME ['/my data']\n", "DM015", "VOLUME [\"/my data\"]\n"),
        ("Dockerfile", "  VOLUME [\"/a\"] # keep\n", "DM015", "  # keep\n  VOLUME [\"/a\"]\n"),
        ("Dockerfile", "VOLUME /a /b # the data\n", "DM016", "# the data\nVOLUME /a /b\n"),
        ("Dockerfile", "ONBUILD VOLUME /a # x\n", "DM016", "# x\nONBUILD VOLUME /a\n"),
        ("Dockerfile", "VOLUME data\n", "DM017", "VOLUME /data\n"),
        ("Dockerfile", "VOLUME ./cache ../x\n", "DM017", "VOLUME /cache ../x\n"),
        ("Dockerfile", "VOLUME [\"logs\"]\n", "DM017", "VOLUME [\"/logs\"]\n"),
        ("Dockerfile", "ARG D=data\nVOLUME $D\n", "DM017", "ARG D=data\nVOLUME /$D\n"),
    ];
    for (name, input, code, output) in cases {
        let text = format!("{from}{input}");
        let findings = lint_text(name, &text, FileKind::Dockerfile, &Context::default()).findings;
        let finding = findings.iter().find(|f| f.code == code && f.fix.is_some());
        let finding = finding.unwrap_or_else(|| panic!("{code} with a fix on `{input}`: {findings:#?}"));
        assert_eq!(apply(&text, finding), format!("{from}{output}"), "{code} on {input}");
    }
    let ctx = Context { cwd: "/home/user/project".into(), ..Context::default() };
    let service = "services:\n  db:\n    image: postgres\n    volumes:\n      - pgdata:/var/lib/postgresql/data\n";
    let compose = [
        (service.to_string(), format!("{service}volumes:\n  pgdata:\n")),
        (format!("{service}volumes:\n  logs:\n"), format!("{service}volumes:\n  pgdata:\n  logs:\n")),
        (format!("{service}volumes:\n"), format!("{service}volumes:\n  pgdata:\n")),
        (service.trim_end().to_string(), format!("{service}volumes:\n  pgdata:\n")),
    ];
    for (input, output) in compose {
        let findings = lint_text("compose.yaml", &input, FileKind::Compose, &ctx).findings;
        let finding = findings.iter().find(|f| f.code == "DM019" && f.fix.is_some());
        let finding = finding.unwrap_or_else(|| panic!("DM019 with a fix on `{input}`: {findings:#?}"));
        assert_eq!(apply(&input, finding), output);
    }
}
