//! The compose vectors of the specification (`compose-short.jsonl`, `compose-long.jsonl`):
//! every vector is loaded as Compose would load it and compared field by field with the
//! loaded record, the error (exact text and stage), the warnings and the Engine request.
//!
//! `engine_error` (what the Engine answers) is the Engine model's business and is not
//! checked here.

use dockmount::model::compose::engine::{route, EngineRoute};
use dockmount::model::compose::volume::parse_short;
use dockmount::model::compose::{load, ComposeProject, ComposeStage, LoadOptions, VolumesFromTarget};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn vectors(name: &str) -> Option<Vec<Value>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/vectors").join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            Some(text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect())
        }
        Err(_) => {
            assert!(std::env::var_os("CI").is_none(), "{} is missing", path.display());
            println!("skipped: {} is absent", path.display());
            None
        }
    }
}

fn stage_of(name: &str) -> ComposeStage {
    match name {
        "yaml" => ComposeStage::Yaml,
        "interpolate" => ComposeStage::Interpolate,
        "parse" | "unicity" => ComposeStage::Unicity,
        "schema" => ComposeStage::Schema,
        "transform" => ComposeStage::Transform,
        "validate" => ComposeStage::Validate,
        "resolve" => ComposeStage::Resolve,
        "consistency" => ComposeStage::Consistency,
        other => panic!("unknown stage {other}"),
    }
}

fn env_of(vector: &Value) -> Option<BTreeMap<String, String>> {
    vector
        .get("env")
        .and_then(Value::as_object)
        .map(|env| env.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
}

fn options(env: Option<BTreeMap<String, String>>) -> LoadOptions {
    LoadOptions {
        project_dir: Some("/proj".into()),
        home: Some("/home/user".into()),
        interpolate: env.is_some(),
        env: env.unwrap_or_default(),
        ..Default::default()
    }
}

/// Every key of `expected` equal in `actual`; keys only in `actual` must be null.
fn same_record(actual: &Value, expected: &Value) -> Result<(), String> {
    let (Some(a), Some(e)) = (actual.as_object(), expected.as_object()) else {
        return if actual == expected { Ok(()) } else { Err(format!("{actual} != {expected}")) };
    };
    for (key, value) in e {
        let got = a.get(key).cloned().unwrap_or(Value::Null);
        if &got != value {
            return Err(format!("{key}: got {got}, want {value}"));
        }
    }
    for (key, value) in a {
        if !e.contains_key(key) && !value.is_null() {
            return Err(format!("{key}: got {value}, want nothing"));
        }
    }
    Ok(())
}

fn check_error(project: &ComposeProject, vector: &Value) -> Result<(), String> {
    let Some(error) = project.error() else { return Err("loaded without error".into()) };
    let stage = stage_of(vector["stage"].as_str().unwrap_or_default());
    if error.stage != stage {
        return Err(format!("stage {:?}, want {stage:?} ({})", error.stage, error.message));
    }
    if let Some(want) = vector.get("error").and_then(Value::as_str) {
        if error.message != want {
            return Err(format!("error {:?}, want {want:?}", error.message));
        }
    }
    if let Some(want) = vector.get("error_contains").and_then(Value::as_str) {
        if !error.message.contains(want) {
            return Err(format!("error {:?} lacks {want:?}", error.message));
        }
    }
    Ok(())
}

fn engine_of(project: &ComposeProject) -> Value {
    let service = &project.services[0];
    json!({"binds": service.request.binds, "mounts": serde_json::to_value(&service.request.mounts).unwrap()})
}

fn first_record(project: &ComposeProject) -> Value {
    project
        .services
        .first()
        .and_then(|s| s.mounts.iter().find_map(|m| m.record.as_ref()))
        .map(|r| serde_json::to_value(r).unwrap())
        .unwrap_or(Value::Null)
}

/// A one-service file around a short-syntax string, declaring the named volume it uses.
fn short_file(vector: &Value) -> String {
    let input = vector["input"].as_str().unwrap();
    let fed = vector.get("interpolated").and_then(Value::as_str).unwrap_or(input);
    let notes = vector.get("notes").and_then(Value::as_str).unwrap_or("");
    let mut text = format!(
        "name: proj\nservices:\n  web:\n    image: alpine\n    volumes:\n      - {}\n",
        serde_json::to_string(input).unwrap()
    );
    if let Ok(record) = parse_short(fed) {
        let declarable = !record.source.is_empty()
            && record.source.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if record.kind == "volume" && declarable && !notes.contains("no top-level volumes") {
            let body = if notes.contains("name: my_volume") { "{name: my_volume}" } else { "{}" };
            text.push_str(&format!("volumes:\n  {}: {body}\n", serde_json::to_string(&record.source).unwrap()));
        }
    }
    text
}

fn run_short(vector: &Value) -> Result<(), String> {
    let input = vector["input"].as_str().unwrap();
    let fed = vector.get("interpolated").and_then(Value::as_str).unwrap_or(input);
    if let Some(result) = vector.get("result") {
        let record = match parse_short(fed) {
            Ok(record) => record,
            Err(error) => error.record,
        };
        same_record(&serde_json::to_value(&record).unwrap(), result).map_err(|e| format!("result: {e}"))?;
    }
    if vector.get("stage").and_then(Value::as_str) == Some("parse") {
        let error = parse_short(fed).err().ok_or("parsed without error")?;
        if Some(error.message.as_str()) != vector["error"].as_str() {
            return Err(format!("parse error {:?}", error.message));
        }
    }
    if vector.get("loaded").is_none() && vector.get("error").is_none() {
        return Ok(()); // a raw parser result only
    }
    let file = short_file(vector);
    let project = load(&[("<file>", file.as_str())], &options(env_of(vector)));
    // Exception (grammar/compose.md): a named source that no top-level key can declare
    // (`a界`) is assumed declared by the vector; a real load refuses it, so its Engine
    // request is checked on the conversion alone.
    let undeclarable = undeclarable_source(fed);
    if vector["ok"].as_bool() == Some(false) {
        check_error(&project, vector)?;
    } else if let Some(error) = project.error() {
        let expected = undeclarable.as_ref().is_some_and(|source| {
            error.message == format!("service \"web\" refers to undefined volume {source}: invalid compose project")
        });
        if !expected {
            return Err(format!("unexpected error {:?}", error.message));
        }
    }
    if let Some(loaded) = vector.get("loaded") {
        same_record(&first_record(&project), loaded).map_err(|e| format!("loaded: {e}"))?;
    }
    if let Some(engine) = vector.get("engine") {
        let got = match (&undeclarable, vector["ok"].as_bool()) {
            (Some(source), Some(true)) => {
                let record = project.services[0].mounts[0].record.clone().ok_or("no record")?;
                let name = format!("proj_{source}");
                match route(&record, Some(&name), "/proj") {
                    EngineRoute::Bind(bind) => json!({"binds": [bind], "mounts": []}),
                    EngineRoute::Mount(mount) => json!({"binds": [], "mounts": [mount]}),
                }
            }
            _ => engine_of(&project),
        };
        if &got != engine {
            return Err(format!("engine {got}, want {engine}"));
        }
    }
    Ok(())
}

/// The named-volume source of a short string when no top-level key can declare it.
fn undeclarable_source(spec: &str) -> Option<String> {
    let record = parse_short(spec).ok()?;
    let declarable = record.source.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    (record.kind == "volume" && !record.source.is_empty() && !declarable).then_some(record.source)
}

fn run_long(vector: &Value) -> Result<(), String> {
    let input = vector["input"].as_str().unwrap();
    let project = load(&[("<file>", input)], &options(Some(env_of(vector).unwrap_or_default())));
    if vector["ok"].as_bool() == Some(false) {
        check_error(&project, vector)?;
    } else if let Some(error) = project.error() {
        return Err(format!("unexpected error {:?}", error.message));
    }
    if let Some(warning) = vector.get("warning").and_then(Value::as_str) {
        let all: Vec<&str> = project
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .chain(
                project
                    .services
                    .iter()
                    .flat_map(|s| s.mounts.iter().flat_map(|m| m.warnings.iter().map(String::as_str))),
            )
            .collect();
        if !all.contains(&warning) {
            return Err(format!("warning {warning:?} not in {all:?}"));
        }
    }
    let result = vector.get("result");
    match vector["kind"].as_str().unwrap() {
        "service_volume" => {
            if let Some(result) = result {
                same_record(&first_record(&project), result).map_err(|e| format!("result: {e}"))?;
            }
            if let Some(engine) = vector.get("engine") {
                let got = engine_of(&project);
                if &got != engine {
                    return Err(format!("engine {got}, want {engine}"));
                }
            }
        }
        "service_volumes_list" => {
            let records: Vec<Value> = project.services[0]
                .mounts
                .iter()
                .filter_map(|m| m.record.as_ref())
                .map(|r| serde_json::to_value(r).unwrap())
                .collect();
            let want = result.and_then(Value::as_array).ok_or("no result list")?;
            if records.len() != want.len() {
                return Err(format!("{} records, want {}", records.len(), want.len()));
            }
            for (got, want) in records.iter().zip(want) {
                same_record(got, want)?;
            }
        }
        "toplevel_volume" => {
            if let Some(result) = result {
                let volume = project.volumes.first().ok_or("no top-level volume")?;
                let mut got = Map::new();
                got.insert("name".into(), json!(volume.name));
                if let Some(driver) = &volume.driver {
                    got.insert("driver".into(), json!(driver));
                }
                if !volume.driver_opts.is_empty() {
                    got.insert("driver_opts".into(), json!(volume.driver_opts));
                }
                if volume.external {
                    got.insert("external".into(), json!(true));
                }
                if !volume.labels.is_empty() {
                    got.insert("labels".into(), json!(volume.labels));
                }
                if &Value::Object(got.clone()) != result {
                    return Err(format!("volume {}, want {result}", Value::Object(got)));
                }
            }
        }
        "tmpfs" => {
            let mut items = Map::new();
            let mut engine = Map::new();
            for service in &project.services {
                let texts: Vec<String> = service
                    .mounts
                    .iter()
                    .filter(|m| m.record.is_none())
                    .map(|m| match &m.mount.rare.tmpfs {
                        Some(t) if !t.options.is_empty() => format!("{}:{}", m.mount.target, t.options.join(",")),
                        _ => m.mount.target.clone(),
                    })
                    .collect();
                items.insert(service.name.clone(), json!(texts));
                engine.insert(service.name.clone(), json!({"Tmpfs": service.request.tmpfs}));
            }
            if result != Some(&Value::Object(items.clone())) {
                return Err(format!("tmpfs {}, want {result:?}", Value::Object(items)));
            }
            if vector.get("engine") != Some(&Value::Object(engine.clone())) {
                return Err(format!("engine {}", Value::Object(engine)));
            }
        }
        "volumes_from" => {
            let service = &project.services[0];
            if let Some(result) = result {
                let mut got = Map::new();
                got.insert(
                    "volumes_from".into(),
                    json!(service.volumes_from.iter().map(|v| v.text.clone()).collect::<Vec<_>>()),
                );
                if !service.depends_on.is_empty() {
                    let deps: Map<String, Value> =
                        service.depends_on.iter().map(|(n, d)| (n.clone(), serde_json::to_value(d).unwrap())).collect();
                    got.insert("depends_on".into(), Value::Object(deps));
                }
                if &Value::Object(got.clone()) != result {
                    return Err(format!("volumes_from {}, want {result}", Value::Object(got)));
                }
            }
            if let Some(engine) = vector.get("engine") {
                let rendered: Vec<String> = service
                    .request
                    .volumes_from
                    .iter()
                    .map(|t| match t {
                        VolumesFromTarget::FirstContainerOf(s) => format!("<id of {s}'s first container>"),
                        VolumesFromTarget::Container(c) => c.clone(),
                    })
                    .collect();
                if engine != &json!({"VolumesFrom": rendered}) {
                    return Err(format!("VolumesFrom {rendered:?}, want {engine}"));
                }
            }
        }
        other => return Err(format!("unknown kind {other}")),
    }
    Ok(())
}

fn run(name: &str, runner: fn(&Value) -> Result<(), String>) {
    let Some(vectors) = vectors(name) else { return };
    let mut failures = Vec::new();
    for (line, vector) in vectors.iter().enumerate() {
        if let Err(reason) = runner(vector) {
            failures.push(format!("{name}:{}: {:?}: {reason}", line + 1, vector["input"].as_str().unwrap_or("")));
        }
    }
    println!("{name}: {} passed, {} failed", vectors.len() - failures.len(), failures.len());
    for failure in &failures {
        println!("  {failure}");
    }
    assert!(failures.is_empty(), "{} of {} vectors failed", failures.len(), vectors.len());
}

#[test]
fn short_syntax_vectors() {
    run("compose-short.jsonl", run_short);
}

#[test]
fn long_syntax_vectors() {
    run("compose-long.jsonl", run_long);
}
