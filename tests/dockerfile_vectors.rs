//! The specification's Dockerfile `VOLUME` vectors (`shared/spec/vectors/dockerfile-volume.jsonl`),
//! run through the model: every vector must give the paths, the JSON/plain form and the
//! error text of the current builder, and the old wording where the vector records it.

use dockmount::model::context::Context;
use dockmount::model::dockerfile::{analyse_with, BaseImage, BuildOptions, Builder, ErrorStage};
use dockmount::model::version::DockerVersions;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn vectors() -> Option<Vec<Value>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/vectors/dockerfile-volume.jsonl");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| serde_json::from_str(l).expect("vector is JSON"))
                .collect(),
        ),
        Err(_) => {
            assert!(std::env::var_os("CI").is_none(), "{} is missing (CI is set)", path.display());
            println!("skipped: {} is absent", path.display());
            None
        }
    }
}

/// The base image the `input` vectors run on: it carries the vector's `env`.
fn options(vector: &Value, builder: Builder) -> BuildOptions {
    let mut images = BTreeMap::new();
    let env: Vec<String> = vector
        .get("env")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect())
        .unwrap_or_default();
    images.insert("vector-base".to_string(), BaseImage { env, ..BaseImage::default() });
    images.insert("busybox".to_string(), BaseImage::default());
    BuildOptions { builder: Some(builder), images, ..BuildOptions::default() }
}

fn dockerfile_text(vector: &Value) -> String {
    if let Some(text) = vector.get("dockerfile").and_then(Value::as_str) {
        return text.to_string();
    }
    let input = vector["input"].as_str().expect("input");
    let escape = vector.get("escape").and_then(Value::as_str).unwrap_or("\\");
    let directive = if escape == "`" { "# escape=`\n" } else { "" };
    format!("{directive}FROM vector-base\n{input}\n")
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()).unwrap_or_default()
}

/// Check one vector; returns a description of the mismatch, if any.
fn check(vector: &Value) -> Result<(), String> {
    let text = dockerfile_text(vector);
    let ctx = Context { versions: DockerVersions::NEWEST, ..Context::default() };
    let a = analyse_with(text.as_bytes(), &ctx, &options(vector, Builder::Buildkit));
    let whole_file = vector.get("dockerfile").is_some();
    let ok = vector["ok"].as_bool().unwrap_or(false);
    if ok {
        if let Some(err) = &a.error {
            return Err(format!("unexpected error {:?}", err.display));
        }
        let want = strings(&vector["result"]);
        if whole_file {
            if a.image_volumes != want {
                return Err(format!("image volumes {:?}, want {want:?}", a.image_volumes));
            }
        } else {
            let v = a.volumes.first().ok_or("no VOLUME instruction read")?;
            let got: Vec<String> = v.paths.to_vec();
            if got != want {
                return Err(format!("paths {got:?}, want {want:?}"));
            }
            if let Some(json) = vector.get("json_form").and_then(Value::as_bool) {
                if v.json_form != json {
                    return Err(format!("json_form {}, want {json}", v.json_form));
                }
            }
            let image = vector.get("image_volumes").map(strings).unwrap_or_else(|| {
                let mut sorted = want.clone();
                sorted.sort();
                sorted.dedup();
                sorted
            });
            if a.image_volumes != image {
                return Err(format!("image volumes {:?}, want {image:?}", a.image_volumes));
            }
        }
    } else {
        let want = vector["error"].as_str().unwrap_or_default();
        let err = a.error.as_ref().ok_or_else(|| format!("no error, want {want:?}"))?;
        if err.message != want {
            return Err(format!("error {:?}, want {want:?}", err.message));
        }
        let stage = vector.get("stage").and_then(Value::as_str).unwrap_or("");
        let stage_ok = match stage {
            "parse" => matches!(err.stage, ErrorStage::Parse | ErrorStage::Instruction),
            "expand" => err.stage == ErrorStage::Expand,
            "dispatch" => err.stage == ErrorStage::Dispatch,
            _ => true,
        };
        if !stage_ok {
            return Err(format!("stage {:?}, want {stage}", err.stage));
        }
    }
    // The old wording: the classic builder of Engine 20.10.
    if let Some(legacy) = vector.get("legacy_error").and_then(Value::as_str) {
        let ctx = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
        let old = analyse_with(text.as_bytes(), &ctx, &options(vector, Builder::Classic));
        let err = old.error.ok_or_else(|| format!("legacy: no error, want {legacy:?}"))?;
        if err.message != legacy && err.display != legacy {
            return Err(format!("legacy error {:?} / {:?}, want {legacy:?}", err.message, err.display));
        }
    }
    Ok(())
}

#[test]
fn every_dockerfile_vector_passes() {
    let Some(vectors) = vectors() else { return };
    let mut failures = Vec::new();
    for (i, vector) in vectors.iter().enumerate() {
        if let Err(why) = check(vector) {
            failures.push(format!(
                "vector {} {}: {why}",
                i + 1,
                vector.get("input").or(vector.get("dockerfile")).unwrap_or(&Value::Null)
            ));
        }
    }
    println!("{} passed, {} failed", vectors.len() - failures.len(), failures.len());
    assert!(failures.is_empty(), "{} of {} vectors fail:\n{}", failures.len(), vectors.len(), failures.join("\n"));
}

/// Old-frontend readings the vectors note in prose (`notes`), checked on their own.
#[test]
fn legacy_readings_noted_in_the_vectors() {
    let ctx = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
    let mut images = BTreeMap::new();
    images.insert("busybox".to_string(), BaseImage::default());
    let classic = BuildOptions { builder: Some(Builder::Classic), images: images.clone(), ..BuildOptions::default() };
    // Trailing text after a JSON array was ignored before frontend 1.9.0.
    let a = analyse_with(b"FROM busybox\nVOLUME [\"/a\"] extra\n", &ctx, &classic);
    assert_eq!(a.image_volumes, ["/a"]);
    assert!(a.volumes[0].json_form);
    // The classic builder does not carry ARG values into a child stage.
    let text = b"FROM busybox AS base\nARG D=/fromparent\nENV E=/fromenv\nFROM base\nVOLUME /v$D /w$E\n";
    let a = analyse_with(text, &ctx, &classic);
    assert_eq!(a.image_volumes, ["/v", "/w/fromenv"]);
    let buildkit = BuildOptions { builder: Some(Builder::Buildkit), images, ..BuildOptions::default() };
    let a = analyse_with(text, &ctx, &buildkit);
    assert_eq!(a.image_volumes, ["/v/fromparent", "/w/fromenv"]);
}
