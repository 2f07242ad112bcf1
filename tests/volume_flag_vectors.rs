//! Runs the `-v` vectors of the specification (`shared/spec/vectors/volume-flag.jsonl`)
//! through the CLI stage and the Engine's parsers, plus the Engine rules that follow them
//! (daemon-root propagation, local volume names, the implicit `z` mode), and compares
//! Docker's message or the resulting mount field by field.
//!
//! Vectors with `extra_args` involve other flags of the same command (duplicates, tmpfs,
//! `--mount`): they belong to the whole-command engine and are listed as skipped here.

use dockmount::model::context::{Context, HostFs, Platform};
use dockmount::model::mountpoint::MountOrigin;
use dockmount::model::version::{DockerVersions, Version};
use dockmount::model::volume_flag::{bind_spec_source, client, daemon_anonymous, daemon_bind, to_model, ClientRoute};
use dockmount::model::volumes::{check_volume_name, daemon_root_propagation};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::PathBuf;

const VECTORS: &str = "../shared/spec/vectors/volume-flag.jsonl";

/// Releases used to stand for "older than X" in `legacy` entries.
const RELEASES: [Version; 10] = [
    Version::new(20, 10, 24),
    Version::new(23, 0, 6),
    Version::new(24, 0, 4),
    Version::new(24, 0, 9),
    Version::new(25, 0, 5),
    Version::new(26, 1, 4),
    Version::new(27, 5, 1),
    Version::new(28, 1, 1),
    Version::new(28, 5, 2),
    Version::new(29, 7, 2),
];

/// What Docker does with one `-v` value, in the vectors' terms.
#[derive(Debug)]
enum Outcome {
    Error { stage: &'static str, message: String },
    Created { cli: Value, result: Value, model_problems: Vec<String> },
}

fn daemon_error(message: String) -> Outcome {
    Outcome::Error { stage: "daemon", message }
}

fn predict(input: &str, volume_driver: &str, ctx: &Context) -> Outcome {
    let route = match client(input, ctx) {
        Ok(route) => route,
        Err(message) => return Outcome::Error { stage: "client", message },
    };
    let (field, sent, parsed) = match route {
        ClientRoute::Anonymous { target } => {
            let parsed = daemon_anonymous(&target, volume_driver, ctx);
            ("Volumes", target, parsed)
        }
        ClientRoute::Bind { raw } => {
            let parsed = daemon_bind(&raw, volume_driver, ctx);
            ("Binds", raw, parsed)
        }
    };
    let mp = match parsed {
        Ok(mp) => mp,
        Err(message) => return daemon_error(message),
    };

    // What the Engine does next with the mount point (registerMountPoints).
    let mut propagation = mp.propagation.clone();
    let mut mode = mp.mode.clone();
    let local = mp.driver.is_empty() || mp.driver == "local";
    if ctx.platform == Platform::Linux {
        if mp.kind == "bind" {
            // The rule looks at the source as the daemon split it, before cleaning.
            match daemon_root_propagation(bind_spec_source(&sent), &mp.propagation, ctx) {
                Ok(effective) => propagation = effective,
                Err(message) => return daemon_error(message),
            }
        }
        if mp.kind == "volume" && mp.origin == MountOrigin::Bind {
            if let Err(message) = check_volume_name(&mp.name, &mp.driver) {
                return daemon_error(message);
            }
            if local && mode.is_empty() {
                mode = "z".to_string();
            }
        }
    }

    let Some(model) = to_model(input, ctx) else {
        return daemon_error(format!("no model for {input:?}"));
    };
    let is_volume = mp.kind == "volume";
    let mut model_problems = Vec::new();
    if model.kind.as_str() != mp.kind {
        model_problems.push(format!("model kind {} but the Engine made a {}", model.kind.as_str(), mp.kind));
    }
    if model.read_only == mp.rw {
        model_problems.push(format!("model read_only {} but the Engine's RW is {}", model.read_only, mp.rw));
    }
    let result = json!({
        "type": mp.kind,
        "source": if is_volume { &mp.name } else { &mp.source },
        "target": model.target,
        "destination": mp.destination,
        "read_only": !mp.rw,
        "mode": mode,
        "propagation": propagation,
        "selinux": model.selinux,
        "nocopy": model.nocopy,
        "copy_up": if is_volume { json!(mp.copy_data) } else { Value::Null },
        "consistency": model.rare.consistency,
        "driver": if is_volume { json!(if local && mp.driver.is_empty() { "local" } else { mp.driver.as_str() }) } else { Value::Null },
    });
    Outcome::Created { cli: json!({ "field": field, "value": sent }), result, model_problems }
}

fn context_of(vector: &Value, versions: DockerVersions) -> Result<Context, String> {
    let mut ctx = Context { versions, ..Context::default() };
    match vector["platform"].as_str() {
        Some("linux") => {}
        Some("windows") => ctx.platform = Platform::Windows,
        other => return Err(format!("unknown platform {other:?}")),
    }
    if let Some(cwd) = vector["cwd"].as_str() {
        ctx.cwd = cwd.to_string();
    }
    if let Some(root) = vector["daemon_root"].as_str() {
        ctx.daemon_root = root.to_string();
    }
    if let Some(fs) = vector.get("fs") {
        let set = |key: &str| -> BTreeSet<String> {
            fs[key].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string).collect()
        };
        ctx.host = if fs.get("missing").is_some() {
            HostFs::AllExceptMissing(set("missing"))
        } else {
            HostFs::Only { dirs: set("dirs"), files: set("files") }
        };
    }
    Ok(ctx)
}

/// Compares an outcome with the expected `ok` / `stage` / `error` (and, for the current
/// behaviour, `cli` / `result`).
fn compare(outcome: &Outcome, expected: &Value, full: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let want_ok = expected["ok"].as_bool().unwrap_or(false);
    match outcome {
        Outcome::Error { stage, message } => {
            if want_ok {
                problems.push(format!("expected success, got {stage} error: {message}"));
            } else {
                if expected["stage"].as_str() != Some(stage) {
                    problems.push(format!("stage {stage}, expected {}", expected["stage"]));
                }
                if expected["error"].as_str() != Some(message.as_str()) {
                    problems.push(format!("error\n      got:      {message}\n      expected: {}", expected["error"]));
                }
            }
        }
        Outcome::Created { cli, result, model_problems } => {
            if !want_ok {
                problems
                    .push(format!("expected {} error {}, got success {result}", expected["stage"], expected["error"]));
                return problems;
            }
            if !full {
                return problems;
            }
            if let Some(want_cli) = expected.get("cli") {
                if want_cli != cli {
                    problems.push(format!("cli {cli}, expected {want_cli}"));
                }
            }
            if let Some(want) = expected.get("result") {
                for (key, want_value) in want.as_object().into_iter().flatten() {
                    if result.get(key) != Some(want_value) {
                        problems.push(format!("result.{key} = {}, expected {want_value}", result[key]));
                    }
                }
            }
            problems.extend(model_problems.iter().cloned());
        }
    }
    problems
}

/// The releases a `legacy` entry's `applies_to` stands for, or why it cannot be mapped.
fn legacy_versions(applies_to: &Value) -> Result<DockerVersions, String> {
    let mut versions = DockerVersions::NEWEST;
    for (key, range) in applies_to.as_object().into_iter().flatten() {
        let range = range.as_str().unwrap_or_default();
        let version = if let Some(bound) = range.strip_prefix('<') {
            let bound: Version = bound.parse()?;
            RELEASES
                .iter()
                .rev()
                .copied()
                .find(|release| *release < bound)
                .ok_or(format!("no release below {bound}"))?
        } else if let Some(bound) = range.strip_prefix(">=") {
            bound.parse()?
        } else {
            return Err(format!("range {range:?} not understood"));
        };
        match key.as_str() {
            "cli" => versions.cli = version,
            "engine" => versions.engine = version,
            other => return Err(format!("applies_to key {other:?} not mapped to a release pair")),
        }
    }
    Ok(versions)
}

#[test]
fn volume_flag_vectors() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(VECTORS);
    let Ok(text) = std::fs::read_to_string(&path) else {
        if std::env::var_os("CI").is_some() {
            panic!("{VECTORS} is missing");
        }
        println!("skipped: {VECTORS} not found");
        return;
    };

    let mut checked = 0;
    let mut legacy_checked = 0;
    let mut daemon_checked = 0;
    let mut observed_checked = 0;
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for (number, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let line_no = number + 1;
        let vector: Value = match serde_json::from_str(line) {
            Ok(value) => value,
            Err(error) => {
                failures.push(format!("line {line_no}: not JSON: {error}"));
                continue;
            }
        };
        let input = vector["input"].as_str().unwrap_or_default();
        let label = format!("line {line_no} {:?} ({})", input, vector["platform"].as_str().unwrap_or("?"));
        if let Some(extra) = vector.get("extra_args") {
            skipped.push(format!("{label}: needs the other flags {extra} (whole-command engine)"));
            continue;
        }
        let driver = vector["volume_driver"].as_str().unwrap_or_default();

        let ctx = match context_of(&vector, DockerVersions::NEWEST) {
            Ok(ctx) => ctx,
            Err(reason) => {
                failures.push(format!("{label}: {reason}"));
                continue;
            }
        };
        checked += 1;
        let problems = compare(&predict(input, driver, &ctx), &vector, true);
        if !problems.is_empty() {
            failures.push(format!("{label}:\n    {}", problems.join("\n    ")));
        }

        // Values observed on the conformance pair (CLI 28.2.2, Engine 20.10.24) must come
        // out the same for that pair.
        if vector["source"].as_str().is_some_and(|source| source.contains("observed: docker CLI 28.2.2")) {
            if let Ok(conformance) = context_of(&vector, DockerVersions::CONFORMANCE) {
                observed_checked += 1;
                let problems = compare(&predict(input, driver, &conformance), &vector, true);
                if !problems.is_empty() {
                    failures.push(format!(
                        "{label} with {}:\n    {}",
                        DockerVersions::CONFORMANCE,
                        problems.join("\n    ")
                    ));
                }
            }
        }

        // What the Engine answers when the same string reaches `Binds` through the API.
        if let Some(expected) = vector.get("daemon_error") {
            daemon_checked += 1;
            let got = daemon_bind(input, driver, &ctx).err();
            if got.as_deref() != expected.as_str() {
                failures.push(format!("{label}: daemon_error {got:?}, expected {expected}"));
            }
        }

        for entry in vector["legacy"].as_array().into_iter().flatten() {
            let versions = match legacy_versions(&entry["applies_to"]) {
                Ok(versions) => versions,
                Err(reason) => {
                    skipped.push(format!("{label}: legacy {}: {reason}", entry["applies_to"]));
                    continue;
                }
            };
            let Ok(old) = context_of(&vector, versions) else { continue };
            legacy_checked += 1;
            let problems = compare(&predict(input, driver, &old), entry, false);
            if !problems.is_empty() {
                failures.push(format!("{label} with {versions}:\n    {}", problems.join("\n    ")));
            }
        }
    }

    println!(
        "volume-flag vectors: {checked} checked, {observed_checked} also on the conformance pair, {legacy_checked} legacy entries, {daemon_checked} daemon_error entries, {} skipped, {} failing",
        skipped.len(),
        failures.len()
    );
    for skip in &skipped {
        println!("  skipped {skip}");
    }
    for failure in &failures {
        println!("  FAILED {failure}");
    }
    assert!(checked > 0, "no vector was checked");
    assert!(failures.is_empty(), "{} vector checks failed (see the output above)", failures.len());
}
