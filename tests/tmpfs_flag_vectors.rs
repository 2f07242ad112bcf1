//! Runs every `--tmpfs` vector of the specification (`vectors/tmpfs-flag.jsonl`) through
//! the model: the CLI split, the Engine's create-time check of the path and the
//! start-time option merge, for the current versions and for every `legacy` entry.
//!
//! Vectors with `extra_args` describe a whole `docker create` (duplicates with `-v`,
//! stacked tmpfs...): they belong to the engine-level tests and are listed as skipped.

use dockmount::model::context::{Context, Platform};
use dockmount::model::mount::MountKind;
use dockmount::model::tmpfs_flag::{client, daemon_validate, start_options, to_model};
use dockmount::model::version::{DockerVersions, Version};
use serde_json::Value;
use std::path::Path;

const VECTORS: &str = "../shared/spec/vectors/tmpfs-flag.jsonl";

/// The vectors, or `None` (with a message) when the shared folder is absent; in CI an
/// absent folder is a failure.
fn load() -> Option<Vec<Value>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(VECTORS);
    let Ok(text) = std::fs::read_to_string(&path) else {
        if std::env::var_os("CI").is_some() {
            panic!("{VECTORS} is missing (required when CI is set)");
        }
        eprintln!("skipping: {VECTORS} not found");
        return None;
    };
    Some(
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).expect("a vector is one JSON object"))
            .collect(),
    )
}

fn text<'a>(vector: &'a Value, key: &str) -> Option<&'a str> {
    vector.get(key).and_then(Value::as_str)
}

/// Whether `version` is in a range such as `<29.6.0` or `>=23.0,<29.6.0`.
fn in_range(version: Version, range: &str) -> bool {
    range.split(',').all(|bound| {
        let bound = bound.trim();
        let (op, rest) = ["<=", ">=", "<", ">", "="]
            .iter()
            .find_map(|op| bound.strip_prefix(op).map(|rest| (*op, rest)))
            .unwrap_or(("=", bound));
        let other: Version = rest.parse().expect("a version in applies_to");
        match op {
            "<=" => version <= other,
            ">=" => version >= other,
            "<" => version < other,
            ">" => version > other,
            _ => version == other,
        }
    })
}

/// Engines to try a `legacy` entry with: those of a few known releases that fall in its range.
fn legacy_engines(applies_to: &Value) -> Vec<Version> {
    let Some(range) = applies_to.get("engine").and_then(Value::as_str) else {
        panic!("unexpected applies_to {applies_to}");
    };
    let candidates = [DockerVersions::CONFORMANCE.engine, Version::new(23, 0, 0), Version::new(29, 5, 0)];
    let engines: Vec<Version> = candidates.into_iter().filter(|v| in_range(*v, range)).collect();
    assert!(!engines.is_empty(), "no engine to try for {range}");
    engines
}

/// What the model predicts for one value: the create-time error, else the start-time
/// error or the option list.
#[derive(Debug, PartialEq)]
enum Outcome {
    CreateError(String),
    StartError(String),
    Started(Vec<String>),
}

fn predict(input: &str, ctx: &Context) -> Outcome {
    let (path, options) = client(input);
    if let Err(message) = daemon_validate(&path, ctx) {
        return Outcome::CreateError(message);
    }
    match start_options(&options, ctx) {
        Ok(list) => Outcome::Started(list),
        Err(message) => Outcome::StartError(message),
    }
}

/// Checks one expectation (top level or legacy) against a prediction.
fn check(vector: &Value, expect: &Value, outcome: &Outcome, label: &str) -> Result<(), String> {
    let ok = expect.get("ok").and_then(Value::as_bool).expect("ok");
    let stage = text(expect, "stage");
    let when = text(expect, "when").unwrap_or("create");
    let error = text(expect, "error");
    let fail = |why: String| Err(format!("{label}: {why}; predicted {outcome:?}"));
    match (ok, stage, when) {
        (true, _, _) | (false, Some("runtime"), _) => {
            // A runtime failure comes from the kernel after Docker's merge succeeded.
            let Outcome::Started(list) = outcome else {
                return fail("expected the options to merge".into());
            };
            if let Some(want) = vector.get("oci_options").filter(|_| expect == vector) {
                let want: Vec<String> = serde_json::from_value(want.clone()).expect("oci_options");
                if *list != want {
                    return fail(format!("oci_options {want:?}"));
                }
            }
        }
        (false, Some("daemon"), "start") => {
            if *outcome != Outcome::StartError(error.expect("error").to_string()) {
                return fail(format!("start error {error:?}"));
            }
        }
        (false, Some("daemon"), _) => {
            if *outcome != Outcome::CreateError(error.expect("error").to_string()) {
                return fail(format!("create error {error:?}"));
            }
        }
        other => return fail(format!("unexpected expectation {other:?}")),
    }
    Ok(())
}

#[test]
fn every_tmpfs_vector() {
    let Some(vectors) = load() else { return };
    let mut passed = 0;
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    for (index, vector) in vectors.iter().enumerate() {
        let input = text(vector, "input").expect("input");
        let line = index + 1;
        if let Some(extra) = vector.get("extra_args") {
            skipped.push(format!("line {line}: --tmpfs {input:?} with {extra} (needs the whole engine)"));
            continue;
        }
        let platform = match text(vector, "platform") {
            Some("windows") => Platform::Windows,
            _ => Platform::Linux,
        };
        let ctx = Context { platform, ..Context::default() };
        let mut problems = Vec::new();

        // The CLI's HostConfig.Tmpfs entry.
        if let Some(want) = vector.get("tmpfs").and_then(Value::as_object) {
            let (path, options) = client(input);
            let got = serde_json::json!({ path: options });
            if got.as_object() != Some(want) {
                problems.push(format!("tmpfs: want {want:?}, got {got}"));
            }
        }
        // The model always reads the value, whatever Docker says of it.
        match to_model(input, &ctx) {
            Some(mount) if mount.kind == MountKind::Tmpfs && mount.target == client(input).0 => {}
            other => problems.push(format!("model: {other:?}")),
        }
        if let Err(why) = check(vector, vector, &predict(input, &ctx), "current") {
            problems.push(why);
        }
        for legacy in vector.get("legacy").and_then(Value::as_array).into_iter().flatten() {
            let applies_to = legacy.get("applies_to").expect("applies_to");
            for engine in legacy_engines(applies_to) {
                let versions = DockerVersions { cli: DockerVersions::NEWEST.cli, engine };
                let ctx = Context { versions, platform, ..Context::default() };
                if let Err(why) = check(vector, legacy, &predict(input, &ctx), &format!("engine {engine}")) {
                    problems.push(why);
                }
            }
        }
        if problems.is_empty() {
            passed += 1;
        } else {
            failures.push(format!("line {line} {input:?}:\n  {}", problems.join("\n  ")));
        }
    }
    println!(
        "tmpfs vectors: {passed} passed, {} failed, {} skipped of {}",
        failures.len(),
        skipped.len(),
        vectors.len()
    );
    for skip in &skipped {
        println!("  skipped {skip}");
    }
    assert!(failures.is_empty(), "failing vectors:\n{}", failures.join("\n"));
    assert_eq!(passed + skipped.len(), vectors.len());
}
