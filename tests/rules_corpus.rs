//! Every lint rule over the shared corpus of files by others: the `docker run`/`create`
//! lines of `corpus/run/commands.jsonl` (each linted as a one-line shell file), the
//! Dockerfiles of `corpus/dockerfiles` and the compose files of `corpus/compose` (each
//! linted as its kind, under its own file name, so that override files are known as
//! such). Prints, per rule, how many inputs it fires on and how many findings it gives
//! (read errors as DM000), with a few examples, for the false-positive review in
//! `docs/rules-corpus.md`. It fails only when linting panics: the counts are for people
//! to read.
//!
//! `DOCKMOUNT_RULES_CORPUS_ALL=1` prints every finding instead of a sample.

mod common;

use dockmount::explain::explain_run;
use dockmount::lint::document::build;
use dockmount::lint::files::FileKind;
use dockmount::lint::lint_text;
use dockmount::model::context::HostFs;
use dockmount::model::version::DockerVersions;
use dockmount::model::Context;
use dockmount::rules::{Severity, RULES};
use dockmount::syntax::run_line::parse_command;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
struct Tally {
    files: BTreeSet<usize>,
    findings: usize,
    by_severity: BTreeMap<String, usize>,
    fixes: usize,
    examples: Vec<String>,
}

/// One text to lint: a run line or a corpus file.
struct Input {
    /// How it is cited: `line 12` or the corpus file name.
    name: String,
    /// The path it is linted as (its name gives compose override files away).
    path: String,
    text: String,
    kind: FileKind,
}

/// The line (1-based) of a byte offset.
fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).unwrap_or(text).matches('\n').count() + 1
}

/// Lints every input with one context; prints the table (with the read errors as DM000)
/// and returns the number of inputs with findings.
fn run(inputs: &[Input], ctx: &Context, title: &str, all: bool) -> usize {
    let mut tallies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut with_findings = BTreeSet::new();
    for (index, input) in inputs.iter().enumerate() {
        let report = lint_text(&input.path, &input.text, input.kind, ctx);
        let read_errors = report.errors.iter().map(|e| ("DM000", Severity::Error, e.span, e.message.clone(), false));
        let findings =
            report.findings.iter().map(|f| (f.code, f.severity, f.span, f.message.to_string(), f.fix.is_some()));
        for (code, severity, span, message, fix) in read_errors.chain(findings) {
            with_findings.insert(index);
            let tally = tallies.entry(code).or_default();
            tally.files.insert(index);
            tally.findings += 1;
            *tally.by_severity.entry(format!("{severity:?}").to_lowercase()).or_default() += 1;
            tally.fixes += usize::from(fix);
            if all || tally.examples.len() < 6 {
                let written: String = input.text.get(span.start..span.end).unwrap_or("").chars().take(80).collect();
                let example = if input.kind == FileKind::Shell {
                    format!("{}: `{written}`: {message}\n            {}", input.name, input.text)
                } else {
                    format!("{}:{}: `{written}`: {message}", input.name, line_of(&input.text, span.start))
                };
                tally.examples.push(example);
            }
        }
    }
    println!("\n{title}: {} inputs, {} with at least one finding\n", inputs.len(), with_findings.len());
    println!("| code | rule | fired on | findings | by severity | with a fix |");
    println!("|---|---|---:|---:|---|---:|");
    let rules = std::iter::once(("DM000", "read-error")).chain(RULES.iter().map(|r| (r.code, r.name)));
    for (code, name) in rules {
        let tally = tallies.remove(code).unwrap_or_default();
        let severities: Vec<String> = [Severity::Error, Severity::Warning, Severity::Info]
            .iter()
            .filter_map(|s| {
                let name = format!("{s:?}").to_lowercase();
                tally.by_severity.get(&name).map(|n| format!("{n} {name}"))
            })
            .collect();
        println!(
            "| {code} | {name} | {} | {} | {} | {} |",
            tally.files.len(),
            tally.findings,
            severities.join(", "),
            tally.fixes
        );
        for example in &tally.examples {
            eprintln!("  {code} {example}");
        }
    }
    with_findings.len()
}

/// The corpus's run lines, each a one-line shell file.
fn run_lines(records: &[serde_json::Value]) -> Vec<Input> {
    records
        .iter()
        .enumerate()
        .map(|(index, record)| Input {
            name: format!("line {}", index + 1),
            path: format!("corpus-run-{}.sh", index + 1),
            text: record["cmd"].as_str().unwrap_or("").to_string(),
            kind: FileKind::Shell,
        })
        .collect()
}

/// The files of one corpus folder, sorted, linted as `kind`.
fn corpus_files(dir: &std::path::Path, kind: FileKind) -> Vec<Input> {
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy().to_string();
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // The corpus name keeps the file's own name last (`owner__repo__dir__compose.override.yml`).
            let own = name.rsplit("__").next().unwrap_or(&name).to_string();
            Input { name, path: own, text: String::from_utf8_lossy(&bytes).into_owned(), kind }
        })
        .collect()
}

#[test]
fn rules_over_the_run_line_corpus() {
    let Some(shared) = common::shared_dir("the run-line corpus") else {
        return;
    };
    let records = common::read_jsonl(&shared.join("corpus/run/commands.jsonl"));
    let inputs = run_lines(&records);
    let all = std::env::var_os("DOCKMOUNT_RULES_CORPUS_ALL").is_some();
    let newest = Context { host: HostFs::AllExist, cwd: "/home/user/project".into(), ..Context::default() };
    run(&inputs, &newest, "Run lines, CLI and Engine 29.7.2", all);
    let conformance = Context { versions: DockerVersions::CONFORMANCE, ..newest.clone() };
    run(&inputs, &conformance, "Run lines, CLI 28.2.2 with Engine 20.10.24", all);
    refusals(&records, &newest, all);
}

#[test]
fn rules_over_the_dockerfile_corpus() {
    let Some(shared) = common::shared_dir("the Dockerfile corpus") else {
        return;
    };
    let inputs = corpus_files(&shared.join("corpus/dockerfiles"), FileKind::Dockerfile);
    let all = std::env::var_os("DOCKMOUNT_RULES_CORPUS_ALL").is_some();
    let newest = Context { host: HostFs::AllExist, cwd: "/home/user/project".into(), ..Context::default() };
    run(&inputs, &newest, "Dockerfiles, CLI and Engine 29.7.2", all);
    let conformance = Context { versions: DockerVersions::CONFORMANCE, ..newest.clone() };
    run(&inputs, &conformance, "Dockerfiles, CLI 28.2.2 with Engine 20.10.24", all);
}

#[test]
fn rules_over_the_compose_corpus() {
    let Some(shared) = common::shared_dir("the compose corpus") else {
        return;
    };
    let inputs = corpus_files(&shared.join("corpus/compose"), FileKind::Compose);
    let all = std::env::var_os("DOCKMOUNT_RULES_CORPUS_ALL").is_some();
    let newest = Context { host: HostFs::AllExist, cwd: "/home/user/project".into(), ..Context::default() };
    run(&inputs, &newest, "Compose files, CLI and Engine 29.7.2", all);
}

/// How the lines Docker refuses as written are told apart: written for Windows, decided by
/// shell expansions or placeholders, or refused whatever the shell does.
fn refusals(records: &[serde_json::Value], ctx: &Context, all: bool) {
    let (mut literal, mut windows, mut expansions, mut certain) = (0, 0, 0, 0);
    for record in records {
        let command = record["cmd"].as_str().unwrap_or("");
        let Ok(line) = parse_command(command) else {
            continue;
        };
        if explain_run(&line, ctx).engine.error.is_none() {
            continue;
        }
        literal += 1;
        let (document, _) = build(command, FileKind::Shell, ctx);
        let group = document.groups.first();
        let item_certain = document.items.iter().any(|i| i.known_error().is_some());
        let kind = if group.is_some_and(|g| g.for_windows) {
            windows += 1;
            "windows"
        } else if item_certain || group.is_some_and(|g| g.known_error().is_some()) {
            certain += 1;
            "refused"
        } else {
            expansions += 1;
            "expansions"
        };
        if all {
            eprintln!("  refusal {kind}: {command}");
        }
    }
    println!(
        "\nLines `docker create` refuses when their text is read literally: {literal}; written for Windows: {windows}; refused only as written (shell expansions or placeholders decide): {expansions}; refused whatever the shell makes of them: {certain}"
    );
}
