//! The Dockerfile model against what a real Engine built.
//!
//! `tests/conformance/dockerfile/cases.jsonl` holds small Dockerfiles; `recorded.jsonl` what
//! Engine 20.10.24 made of each with its classic builder and with its built-in BuildKit
//! (`record-dockerfile.sh` re-records). Every case is checked for both builders: the build
//! error text, `.Config.Volumes`, and where recorded the mounts of `docker create` and the
//! content a container sees. With `DOCKMOUNT_CONFORMANCE_DOCKERFILE=<fresh recording>` the
//! same checks run against that recording (the live mode).

use dockmount::model::context::Context;
use dockmount::model::dockerfile::{
    analyse_with, BaseImage, BuildOptions, Builder, ChangeFate, DockerfileAnalysis, RuntimeOutcome,
};
use dockmount::model::version::DockerVersions;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/dockerfile")
}

fn read_jsonl(path: &PathBuf) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn options(case: &Value, builder: Builder) -> BuildOptions {
    let mut images = BTreeMap::new();
    // The probe image: no volumes, no environment (recorded with `docker image inspect`).
    images.insert("dockmount-probe:latest".to_string(), BaseImage::default());
    let build_args = case
        .get("build_args")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    let target = case.get("target").and_then(Value::as_str).map(String::from);
    BuildOptions { builder: Some(builder), build_args, target, images }
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect()).unwrap_or_default()
}

/// Cases where the model is known to say less than the Engine showed (explained in
/// grammar/dockerfile.md, "Conformance exceptions"): (case, builder, what differs).
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    // The image content decides; the model only notes the possibility. The classic builder
    // already fails the build: it creates a container with the volumes for each step.
    ("file-at-path", "classic", "error"),
    ("file-at-path", "buildkit", "create_error"),
];

fn excepted(name: &str, builder: &str, what: &str) -> bool {
    EXCEPTIONS.iter().any(|(n, b, w)| *n == name && *b == builder && *w == what)
}

fn check_builder(case: &Value, record: &Value, builder: Builder, failures: &mut Vec<String>) {
    let name = case["name"].as_str().unwrap_or("?");
    let label = match builder {
        Builder::Classic => "classic",
        Builder::Buildkit => "buildkit",
    };
    let text = case["dockerfile"].as_str().unwrap_or_default();
    let ctx = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
    let a = analyse_with(text.as_bytes(), &ctx, &options(case, builder));
    let mut fail = |what: &str, detail: String| {
        if !excepted(name, label, what) {
            failures.push(format!("{name} [{label}] {what}: {detail}"));
        }
    };
    let ok = record["ok"].as_bool().unwrap_or(false);
    match (&a.error, ok) {
        (Some(err), true) => fail("error", format!("model fails with {:?}, Engine built it", err.display)),
        (None, false) => {
            fail("error", format!("model builds {:?}, Engine said {:?}", a.image_volumes, record["error"]))
        }
        (Some(err), false) => {
            let want = record["error"].as_str().unwrap_or_default();
            if err.display != want {
                fail("error", format!("model {:?}, Engine {want:?}", err.display));
            }
        }
        (None, true) => {
            let want = strings(&record["volumes"]);
            if a.image_volumes != want {
                fail("volumes", format!("model {:?}, Engine {want:?}", a.image_volumes));
            }
            check_create(&a, &ctx, record, &mut fail);
            check_content(name, &a, record, builder, &mut fail);
        }
    }
}

/// `docker create` of the image: one anonymous volume per cleaned path.
fn check_create(a: &DockerfileAnalysis, ctx: &Context, record: &Value, fail: &mut impl FnMut(&str, String)) {
    let runtime = a.runtime(ctx);
    if let Some(err) = record.get("create_error").and_then(Value::as_str) {
        let noted =
            runtime.iter().any(|r| r.notes.iter().any(|n| n.contains("cannot mount volume over existing file")));
        fail(
            "create_error",
            format!("Engine refused `docker create` ({err:?}); the model only notes it (noted: {noted})"),
        );
        return;
    }
    let Some(mounts) = record.get("mounts").and_then(Value::as_array) else {
        return;
    };
    let want: Vec<String> = mounts.iter().filter_map(|m| m["Destination"].as_str()).map(String::from).collect();
    let got: Vec<String> = runtime.iter().map(|r| r.destination.clone()).collect();
    if got != want {
        fail("mounts", format!("model destinations {got:?}, Engine {want:?}"));
    }
    for m in mounts {
        if m["Type"] != "volume" || m["RW"] != true || m["Anonymous"] != true {
            fail("mounts", format!("Engine mount {m} is not an anonymous read-write volume"));
        }
    }
    if runtime.iter().any(|r| !matches!(r.outcome, RuntimeOutcome::AnonymousVolume | RuntimeOutcome::StartFails { .. }))
    {
        fail("mounts", "model predicts no anonymous volume".into());
    }
}

/// What a container sees under a volume after changes made after `VOLUME`.
fn check_content(
    name: &str,
    a: &DockerfileAnalysis,
    record: &Value,
    builder: Builder,
    fail: &mut impl FnMut(&str, String),
) {
    let Some(output) = record.get("run_output").and_then(Value::as_str) else {
        return;
    };
    if name != "changes-after-volume" {
        return;
    }
    let files: Vec<&str> = output.split_whitespace().collect();
    for change in &a.changes_after_volume {
        let fate = match builder {
            Builder::Classic => change.classic,
            Builder::Buildkit => change.buildkit,
        };
        let file = change.path.rsplit('/').next().unwrap_or("");
        let present = files.contains(&file);
        if change.certain || change.keyword == "RUN" {
            let expected_present = fate == ChangeFate::Kept;
            // A RUN names paths it may read too: only the written file is checked.
            if change.keyword == "RUN" && file != "after" {
                continue;
            }
            if present != expected_present {
                fail(
                    "content",
                    format!("{} {} is {:?} in the model, Engine shows {files:?}", change.keyword, change.path, fate),
                );
            }
        }
    }
    if !a.changes_after_volume.iter().any(|c| c.keyword == "COPY") {
        fail("content", "model reports no COPY after VOLUME".into());
    }
}

fn run(recording: &PathBuf) {
    let cases = read_jsonl(&dir().join("cases.jsonl"));
    let records: BTreeMap<String, Value> =
        read_jsonl(recording).into_iter().map(|r| (r["name"].as_str().unwrap_or_default().to_string(), r)).collect();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap_or_default();
        let Some(record) = records.get(name) else {
            failures.push(format!("{name}: not in the recording"));
            continue;
        };
        for (builder, key) in [(Builder::Classic, "classic"), (Builder::Buildkit, "buildkit")] {
            if record[key].is_object() {
                checked += 1;
                check_builder(case, &record[key], builder, &mut failures);
            }
        }
    }
    println!("{} cases, {checked} builds checked, {} differences", cases.len(), failures.len());
    assert!(cases.len() >= 80, "at least 80 cases");
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn model_matches_the_recorded_engine() {
    run(&dir().join("recorded.jsonl"));
}

#[test]
fn model_matches_a_fresh_recording() {
    match std::env::var_os("DOCKMOUNT_CONFORMANCE_DOCKERFILE") {
        Some(path) => run(&PathBuf::from(path)),
        None => {
            println!("skipped: set DOCKMOUNT_CONFORMANCE_DOCKERFILE to a fresh recording (record-dockerfile.sh OUT)")
        }
    }
}
