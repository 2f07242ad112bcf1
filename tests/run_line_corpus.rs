//! Reads every `docker run`/`docker create` line of the shared corpus
//! (`corpus/run/commands.jsonl`, lines by others that use `-v`, `--mount` or `--tmpfs`)
//! and checks that none panics and that the storage flags are found: the lines were
//! chosen for using them, so a line without any is a misreading unless the line itself
//! is broken. Counts are printed for the record.

use dockmount::syntax::run_line::parse_command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const CORPUS: &str = "../shared/corpus/run/commands.jsonl";

fn load() -> Option<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    let Ok(text) = std::fs::read_to_string(&path) else {
        if std::env::var_os("CI").is_some() {
            panic!("{CORPUS} is missing (required when CI is set)");
        }
        eprintln!("skipping: {CORPUS} not found");
        return None;
    };
    let lines = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("a corpus line is one JSON object");
            record.get("cmd").and_then(Value::as_str).expect("a `cmd` field").to_string()
        })
        .collect();
    Some(lines)
}

#[test]
fn every_corpus_line_is_read() {
    let Some(lines) = load() else { return };
    let mut storage_flags = 0;
    let mut by_flag: BTreeMap<String, usize> = BTreeMap::new();
    let mut with_storage = 0;
    let mut without_storage = Vec::new();
    let mut errors = Vec::new();
    let mut problems: BTreeMap<String, usize> = BTreeMap::new();
    let mut lines_with_problems = 0;
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let mut opaque = 0;
    for cmd in &lines {
        let line = match parse_command(cmd) {
            Ok(line) => line,
            Err(error) => {
                errors.push(format!("{}: {cmd}", error.message));
                without_storage.push(format!("(error: {}) {cmd}", error.message));
                continue;
            }
        };
        let count = line.storage_flags().count();
        for flag in line.storage_flags() {
            *by_flag.entry(flag.name.to_string()).or_default() += 1;
        }
        storage_flags += count;
        if count > 0 {
            with_storage += 1;
        } else {
            without_storage.push(cmd.clone());
        }
        if !line.problems.is_empty() {
            lines_with_problems += 1;
        }
        for problem in &line.problems {
            // Group the messages by their shape, not by the flag named in them.
            let shape = problem.message.split(':').next().unwrap_or_default().to_string();
            *problems.entry(shape).or_default() += 1;
        }
        for word in &line.unknown_flags {
            *unknown.entry(word.value.clone()).or_default() += 1;
        }
        opaque += line.opaque.len();
    }
    let total = lines.len();
    println!("lines read: {total}");
    println!("storage flags found: {storage_flags} {by_flag:?}");
    println!(
        "lines with at least one storage flag: {with_storage} ({:.1}%)",
        100.0 * with_storage as f64 / total as f64
    );
    println!("lines that are not a readable docker command: {}", errors.len());
    for error in &errors {
        println!("  {error}");
    }
    println!("lines with syntax problems: {lines_with_problems} {problems:?}");
    println!("unknown flags: {unknown:?}");
    println!("opaque words skipped in flag position: {opaque}");
    println!("lines without a storage flag:");
    for cmd in &without_storage {
        println!("  {cmd}");
    }
    assert!(with_storage * 100 >= total * 95, "only {with_storage} of {total} lines yield a storage flag");
}
