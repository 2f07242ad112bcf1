//! Every `-v`, `--mount` and `--tmpfs` vector of the specification, run through the whole
//! `docker create` model (with the vector's other flags), compared with Docker's answer.
//! The per-flag tests check the pieces; this one checks that they compose in Docker's order.

mod common;

use dockmount::model::context::{HostFs, Platform};
use dockmount::model::engine::predict_args;
use dockmount::model::verdict::{Stage, Verdict};
use dockmount::model::{Context, DockerVersions};
use serde_json::Value;
use std::collections::BTreeSet;

fn context_of(vector: &Value) -> Context {
    let strings = |v: &Value| -> BTreeSet<String> {
        v.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(String::from)).collect()
    };
    let host = match vector.get("fs") {
        Some(fs) if fs.get("missing").is_some() => HostFs::AllExceptMissing(strings(&fs["missing"])),
        Some(fs) => HostFs::Only { dirs: strings(&fs["dirs"]), files: strings(&fs["files"]) },
        None => HostFs::AllExist,
    };
    Context {
        versions: DockerVersions::NEWEST,
        platform: if vector["platform"] == "windows" { Platform::Windows } else { Platform::Linux },
        cwd: vector["cwd"].as_str().unwrap_or("/").to_string(),
        daemon_root: vector["daemon_root"].as_str().unwrap_or("/var/lib/docker").to_string(),
        host,
        volume_plugins: None,
        image_volumes: Vec::new(),
    }
}

/// The vector's other flags come first, then the flag under test (so that "the last
/// options win" reads as the vectors mean it), then the image.
fn args_of(flag: &str, vector: &Value) -> Vec<String> {
    let mut args: Vec<String> =
        vector["extra_args"].as_array().into_iter().flatten().map(|a| a.as_str().unwrap_or("").to_string()).collect();
    if let Some(driver) = vector["volume_driver"].as_str() {
        args.push("--volume-driver".into());
        args.push(driver.into());
    }
    args.push(flag.to_string());
    args.push(vector["input"].as_str().unwrap_or("").to_string());
    args.push("dockmount-probe".into());
    args
}

/// Compares a verdict with a vector; returns what differs.
fn compare(flag: &str, vector: &Value, verdict: &Verdict) -> Option<String> {
    let ok = vector["ok"].as_bool().unwrap_or(false);
    let when_start = vector["when"] == "start";
    let error = if when_start { &verdict.start_error } else { &verdict.error };
    if !ok {
        let Some(error) = error else {
            return Some(format!("accepted, but Docker says: {}", vector["error"]));
        };
        let want = vector["error"].as_str().unwrap_or("");
        // The vectors record the `--mount` flag's own error, without the CLI's wrapper
        // `invalid argument "VALUE" for "--mount" flag: ` that the verdict keeps.
        let mut error = error.clone();
        if let Some((_, inner)) = error.message.split_once("\" for \"--mount\" flag: ") {
            error.message = inner.to_string();
        }
        let matched = match vector["error_match"].as_str() {
            Some("contains") => error.message.contains(want),
            Some("template") => {
                let (head, tail) = want.split_once("<generated-name>").unwrap_or((want, ""));
                let fits = |m: &str| m.starts_with(head) && m.ends_with(tail);
                // Several answers are possible when Docker walks a Go map.
                fits(&error.message) || verdict.error_alternatives.iter().any(|m| fits(m))
            }
            _ => {
                error.message == want
                    || verdict.error_alternatives.iter().any(|m| m == want)
                    || vector["error_alternatives"]
                        .as_array()
                        .is_some_and(|alts| alts.iter().any(|a| a.as_str() == Some(error.message.as_str())))
            }
        };
        if !matched {
            return Some(format!("error {:?}, Docker says {want:?}", error.message));
        }
        let stage = match error.stage {
            Stage::Client => "client",
            Stage::Daemon => "daemon",
            Stage::Runtime => "runtime",
        };
        if vector["stage"].as_str().is_some_and(|want| want != stage) {
            return Some(format!("stage {stage}, Docker says {}", vector["stage"]));
        }
        return None;
    }
    if let Some(error) = &verdict.error {
        return Some(format!("rejected with {:?}, Docker accepts it", error.message));
    }
    if let Some(tmpfs) = vector.get("tmpfs").and_then(Value::as_object) {
        for (path, options) in tmpfs {
            if verdict.tmpfs.get(path).map(String::as_str) != options.as_str() {
                return Some(format!("Tmpfs {:?}, Docker has {path}: {options}", verdict.tmpfs));
            }
        }
    }
    let result = vector.get("result").filter(|r| r.is_object())?;
    if flag == "--tmpfs" {
        return None;
    }
    let destination = result["destination"].as_str().unwrap_or("");
    let Some(mount) = verdict.mounts.iter().find(|m| m.destination.eq_ignore_ascii_case(destination)) else {
        return Some(format!("no mount at {destination}: {:?}", verdict.mounts));
    };
    let mut differences = Vec::new();
    let mut check = |name: &str, got: String, want: &Value| {
        if let Some(want) = want.as_str() {
            if got != want {
                differences.push(format!("{name} {got:?} ≠ {want:?}"));
            }
        }
    };
    check("type", mount.kind.clone(), &result["type"]);
    check("mode", mount.mode.clone(), &result["mode"]);
    check("propagation", mount.propagation.clone(), &result["propagation"]);
    check("driver", mount.driver.clone(), &result["driver"]);
    let source = if mount.kind == "volume" { mount.name.clone() } else { mount.source.clone() };
    check("source", source, &result["source"]);
    if let Some(read_only) = result["read_only"].as_bool() {
        if mount.rw == read_only {
            differences.push(format!("read_only {} ≠ {read_only}", !mount.rw));
        }
    }
    (!differences.is_empty()).then(|| differences.join(", "))
}

fn run(file: &str, flag: &str) {
    let Some(shared) = common::shared_dir("the run-flag vectors") else {
        return;
    };
    let vectors = common::read_jsonl(&shared.join("spec/vectors").join(file));
    let mut failures = Vec::new();
    for vector in &vectors {
        let verdict = predict_args(&args_of(flag, vector), &context_of(vector));
        if let Some(difference) = compare(flag, vector, &verdict) {
            failures.push(format!("{flag} {} {}: {difference}", vector["input"], vector["extra_args"]));
        }
    }
    println!("{file}: {} of {} vectors agree with Docker", vectors.len() - failures.len(), vectors.len());
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn volume_flag_vectors_through_the_whole_engine() {
    run("volume-flag.jsonl", "-v");
}

#[test]
fn mount_flag_vectors_through_the_whole_engine() {
    run("mount-flag.jsonl", "--mount");
}

#[test]
fn tmpfs_flag_vectors_through_the_whole_engine() {
    run("tmpfs-flag.jsonl", "--tmpfs");
}
