//! What the benchmarks read: the bundled fixtures (always there) and the shared corpus
//! of real files by others (`../shared/corpus`, beside the project), when it is present.
//! Each input is kept as (name, text) so a benchmark can report bytes per second.
#![allow(dead_code)]

use dockmount::syntax::run_line::{find_commands, parse_command, RunLine};
use std::path::{Path, PathBuf};

/// A set of texts of one kind, benchmarked as one batch.
pub struct Batch {
    /// `fixtures` or `corpus`.
    pub source: &'static str,
    pub texts: Vec<String>,
}

impl Batch {
    /// Total size, for criterion's throughput.
    pub fn bytes(&self) -> u64 {
        self.texts.iter().map(|t| t.len() as u64).sum()
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The shared corpus, or `None` with a printed note when it is absent.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = root().join("../shared/corpus");
    if dir.join("dockerfiles").is_dir() && dir.join("compose").is_dir() {
        Some(dir)
    } else {
        eprintln!("note: ../shared/corpus is absent: the corpus benchmarks are skipped (fixtures only)");
        None
    }
}

/// Every file of a corpus folder, sorted by name (the order is part of the input).
fn corpus_files(folder: &str) -> Vec<String> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir.join(folder))
        .unwrap_or_else(|e| panic!("{folder}: {e}"))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    // A file that is not UTF-8 text is left out: the benchmarks measure the readers.
    paths.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect()
}

/// The `cmd` of every record of the corpus's `run/commands.jsonl`.
fn corpus_commands() -> Vec<String> {
    let Some(dir) = corpus_dir() else {
        return Vec::new();
    };
    read(&dir.join("run/commands.jsonl"))
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|record| record.get("cmd").and_then(|c| c.as_str()).map(str::to_string))
        .collect()
}

fn batches(fixtures: Vec<String>, corpus: Vec<String>) -> Vec<Batch> {
    let mut all = vec![Batch { source: "fixtures", texts: fixtures }];
    if !corpus.is_empty() {
        all.push(Batch { source: "corpus", texts: corpus });
    }
    all
}

/// Dockerfiles.
pub fn dockerfiles() -> Vec<Batch> {
    batches(vec![read(&root().join("fixtures/explain/Dockerfile"))], corpus_files("dockerfiles"))
}

/// Compose files.
pub fn compose_files() -> Vec<Batch> {
    batches(vec![read(&root().join("fixtures/explain/compose.yaml"))], corpus_files("compose"))
}

/// Shell scripts: the fixture script, and the corpus's command lines as one script
/// (one command a line).
pub fn shell_scripts() -> Vec<Batch> {
    let commands = corpus_commands();
    let corpus = if commands.is_empty() { Vec::new() } else { vec![commands.join("\n") + "\n"] };
    batches(vec![read(&root().join("fixtures/explain/deploy.sh"))], corpus)
}

/// `docker run` command lines, one a text.
pub fn command_lines() -> Vec<Batch> {
    let fixtures: Vec<String> = read(&root().join("fixtures/explain/run-lines.txt"))
        .lines()
        .filter(|l| l.starts_with("docker "))
        .map(str::to_string)
        .collect();
    batches(fixtures, corpus_commands())
}

/// The values of one storage flag (`volume`, `mount`, `tmpfs`) in the command lines.
pub fn flag_values(name: &str) -> Vec<Batch> {
    let values = |lines: Vec<RunLine>| -> Vec<String> {
        lines.iter().flat_map(|line| line.flags_named(name).filter_map(|f| f.value_str().map(str::to_string))).collect()
    };
    let mut fixture_lines: Vec<RunLine> = command_lines()
        .into_iter()
        .filter(|b| b.source == "fixtures")
        .flat_map(|b| b.texts)
        .filter_map(|t| parse_command(&t).ok())
        .collect();
    let script = read(&root().join("fixtures/explain/deploy.sh"));
    fixture_lines.extend(find_commands(&script).into_iter().filter_map(Result::ok));
    let corpus_lines: Vec<RunLine> = corpus_commands().iter().filter_map(|t| parse_command(t).ok()).collect();
    batches(values(fixture_lines), values(corpus_lines))
}
