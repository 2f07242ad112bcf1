//! Every `--mount` vector of the specification (`vectors/mount-flag.jsonl`) through the
//! CLI, API and Engine stages: the API `Mount` the CLI sends, the error (text and stage)
//! or the mount `docker inspect` shows, for the current releases and for each `legacy`
//! entry at release pairs inside its range.
//!
//! Vectors with `extra_args` need a whole `docker create` (other flags of the command)
//! and are left to the engine's tests; they are listed as skipped.

use dockmount::model::context::{Context, HostFs, Platform};
use dockmount::model::mount_flag::{
    apply_api_gates, bind_propagation, client, client_api_check, daemon_validate, local_volume_options_errors,
    tmpfs_data, to_mount_point, TMPFS_DEFAULT_OPTIONS,
};
use dockmount::model::request::ApiMount;
use dockmount::model::version::{DockerVersions, Version};
use dockmount::model::volumes::check_volume_name;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::Path;

const VECTORS: &str = "../shared/spec/vectors/mount-flag.jsonl";

fn load_vectors() -> Option<Vec<Value>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(VECTORS);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(
            text.lines()
                .filter(|line| !line.trim().is_empty())
                .map(|line| serde_json::from_str(line).expect("a vector is one JSON object"))
                .collect(),
        ),
        Err(e) => {
            if std::env::var_os("CI").is_some() {
                panic!("{VECTORS} is required in CI: {e}");
            }
            println!("skipped: {VECTORS} not found ({e})");
            None
        }
    }
}

/// What Docker does with the value, as the vectors record it.
#[derive(Debug, Default)]
struct Outcome {
    ok: bool,
    stage: Option<&'static str>,
    error: Option<String>,
    /// Other messages Docker may print instead (Go map order).
    alternatives: Vec<String>,
    /// The API mount the CLI sent (absent when the CLI refused the value).
    mount: Option<ApiMount>,
    result: Option<Value>,
}

impl Outcome {
    fn failed(stage: &'static str, error: String, mount: Option<ApiMount>) -> Outcome {
        Outcome { stage: Some(stage), error: Some(error), mount, ..Outcome::default() }
    }
}

fn str_list(value: &Value) -> BTreeSet<String> {
    value.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn context(vector: &Value, versions: DockerVersions) -> Context {
    let mut ctx = Context { versions, ..Context::default() };
    if vector["platform"] == "windows" {
        ctx.platform = Platform::Windows;
    }
    if let Some(cwd) = vector["cwd"].as_str() {
        ctx.cwd = cwd.to_string();
    }
    if let Some(root) = vector["daemon_root"].as_str() {
        ctx.daemon_root = root.to_string();
    }
    let fs = &vector["fs"];
    if fs.get("missing").is_some() {
        ctx.host = HostFs::AllExceptMissing(str_list(&fs["missing"]));
    } else if fs.get("dirs").is_some() || fs.get("files").is_some() {
        ctx.host = HostFs::Only { dirs: str_list(&fs["dirs"]), files: str_list(&fs["files"]) };
    }
    ctx
}

/// The value through every stage, as `docker create --mount VALUE dockmount-probe` would.
fn predict(input: &str, ctx: &Context) -> Outcome {
    let sent = match client(input, ctx) {
        Ok(mount) => mount,
        Err(e) => return Outcome::failed("client", e, None),
    };
    if let Err(e) = client_api_check(&sent, ctx) {
        return Outcome::failed("client", e, None);
    }
    let mut mount = sent.clone();
    if let Err(e) = apply_api_gates(&mut mount, ctx) {
        return Outcome::failed("daemon", e, Some(sent));
    }
    if let Err(e) = daemon_validate(&mount, ctx) {
        return Outcome::failed("daemon", e, Some(sent));
    }
    let point = to_mount_point(&mount, ctx);
    let propagation = match bind_propagation(&mount, ctx) {
        Ok(p) => p,
        Err(e) => return Outcome::failed("daemon", e, Some(sent)),
    };
    let windows = ctx.platform == Platform::Windows;
    let volume = mount.r#type == "volume";
    let local = point.driver.is_empty() || point.driver == "local";
    if volume && !windows {
        // Creating the volume: the local driver's name and option rules.
        if !point.name.is_empty() {
            if let Err(e) = check_volume_name(&point.name, &point.driver) {
                return Outcome::failed("daemon", e, Some(sent));
            }
        }
        let options = mount.volume_options.as_ref().and_then(|o| o.driver_config.as_ref()).map(|d| d.options.clone());
        if local {
            let errors = local_volume_options_errors(&options.unwrap_or_default(), ctx);
            if !errors.is_empty() {
                let name = if point.name.is_empty() { "<generated-name>" } else { point.name.as_str() };
                let mut all: Vec<String> = errors.iter().map(|e| format!("create {name}: {e}")).collect();
                let first = all.remove(0);
                let mut outcome = Outcome::failed("daemon", first.clone(), Some(sent));
                outcome.alternatives = std::iter::once(first).chain(all).collect();
                return outcome;
            }
        }
    }

    let source = match mount.r#type.as_str() {
        "volume" => mount.source.clone(),
        _ => point.source.clone(),
    };
    let mut result = Map::new();
    result.insert("type".into(), json!(point.kind));
    result.insert("source".into(), json!(source));
    result.insert("destination".into(), json!(point.destination));
    result.insert("read_only".into(), json!(!point.rw));
    if volume {
        result.insert("copy_up".into(), json!(point.copy_data));
    }
    if !windows {
        result.insert("propagation".into(), json!(propagation));
        result.insert("mode".into(), json!(if volume && local { "z" } else { "" }));
        match mount.r#type.as_str() {
            "bind" => {
                let create = mount.bind_options.as_ref().is_some_and(|o| o.create_mountpoint);
                result.insert("create_source".into(), json!(create));
            }
            "volume" => {
                let driver = if point.driver.is_empty() { "local" } else { point.driver.as_str() };
                result.insert("driver".into(), json!(driver));
                if let Some(subpath) = mount.volume_options.as_ref().map(|o| &o.subpath).filter(|s| !s.is_empty()) {
                    result.insert("subpath".into(), json!(subpath));
                }
            }
            "image" => {
                if let Some(subpath) = mount.image_options.as_ref().map(|o| &o.subpath).filter(|s| !s.is_empty()) {
                    result.insert("subpath".into(), json!(subpath));
                }
            }
            "tmpfs" => {
                let data = tmpfs_data(&mount);
                // The mount's own options never repeat a default, so the merge is a join.
                let options: Vec<&str> =
                    TMPFS_DEFAULT_OPTIONS.iter().copied().chain(data.split(',').filter(|o| !o.is_empty())).collect();
                result.insert("oci_options".into(), json!(options));
            }
            _ => {}
        }
    }
    Outcome { ok: true, mount: Some(sent), result: Some(Value::Object(result)), ..Outcome::default() }
}

/// Compares a prediction with what a vector (or one of its `legacy` entries) expects.
fn check(expected: &Value, got: &Outcome) -> Result<(), String> {
    let ok = expected["ok"].as_bool().unwrap_or(false);
    if ok != got.ok {
        return Err(format!("ok: expected {ok}, got {} ({:?})", got.ok, got.error));
    }
    if !ok {
        let stage = expected["stage"].as_str();
        if stage.is_some() && stage != got.stage {
            return Err(format!("stage: expected {stage:?}, got {:?} ({:?})", got.stage, got.error));
        }
        let want = expected["error"].as_str();
        let have = got.error.as_deref();
        match expected.get("error_alternatives") {
            Some(alternatives) => {
                let want_all = str_list(alternatives);
                let have_all: BTreeSet<String> = got.alternatives.iter().cloned().collect();
                if !have.is_some_and(|e| want_all.contains(e)) || want_all != have_all {
                    return Err(format!("errors: expected one of {want_all:?}, got {have:?} among {have_all:?}"));
                }
            }
            None if want.is_some() && want != have => {
                return Err(format!("error:\n  expected {want:?}\n  got      {have:?}"));
            }
            None => {}
        }
    }
    if let Some(want) = expected.get("mount") {
        let have = got.mount.as_ref().map(|m| serde_json::to_value(m).unwrap_or(Value::Null));
        if have.as_ref() != Some(want) {
            return Err(format!("mount:\n  expected {want}\n  got      {}", have.unwrap_or(Value::Null)));
        }
    }
    if let (Some(want), true) = (expected.get("result").and_then(Value::as_object), ok) {
        let have = got.result.as_ref().and_then(Value::as_object).cloned().unwrap_or_default();
        for (key, value) in want {
            if have.get(key) != Some(value) {
                return Err(format!("result.{key}: expected {value}, got {:?}", have.get(key)));
            }
        }
    }
    Ok(())
}

/// The release just before `v` (`29.2.1` → `29.2.0`, `23.0.0` → `22.99.99`).
fn just_before(v: Version) -> Version {
    match (v.major, v.minor, v.patch) {
        (major, minor, patch) if patch > 0 => Version::new(major, minor, patch - 1),
        (major, minor, _) if minor > 0 => Version::new(major, minor - 1, 99),
        (major, _, _) => Version::new(major.saturating_sub(1), 99, 99),
    }
}

/// `<X`, `>=X <Y`: the lowest release in it (if bounded) and the highest.
fn range(text: &str) -> (Option<Version>, Option<Version>) {
    let mut low = None;
    let mut high = None;
    for part in text.split_whitespace() {
        if let Some(v) = part.strip_prefix(">=") {
            low = v.parse().ok();
        } else if let Some(v) = part.strip_prefix('<') {
            high = v.parse().ok();
        }
    }
    (low, high)
}

fn inside(v: Version, (low, high): (Option<Version>, Option<Version>)) -> bool {
    low.is_none_or(|l| v >= l) && high.is_none_or(|h| v < h)
}

/// Release pairs inside a `legacy` entry's `applies_to`. The other side stays at the
/// newest release. An API range needs a CLI that still checks the API itself
/// (28.1–28.5), talking to an Engine that speaks an API in the range.
fn pairs_for(applies_to: &Value) -> Vec<DockerVersions> {
    const FLOOR: Version = Version::new(20, 10, 24);
    let newest = DockerVersions::NEWEST;
    let points = |r: (Option<Version>, Option<Version>), extra: Version| -> Vec<Version> {
        let mut points = Vec::new();
        if let Some(high) = r.1 {
            points.push(just_before(high));
        }
        points.push(r.0.unwrap_or(FLOOR));
        points.push(extra);
        points.retain(|&v| inside(v, r));
        points.dedup();
        points
    };
    let mut pairs = Vec::new();
    if let Some(text) = applies_to["cli"].as_str() {
        for cli in points(range(text), DockerVersions::CONFORMANCE.cli) {
            pairs.push(DockerVersions { cli, engine: newest.engine });
        }
    }
    if let Some(text) = applies_to["engine"].as_str() {
        for engine in points(range(text), DockerVersions::CONFORMANCE.engine) {
            pairs.push(DockerVersions { cli: newest.cli, engine });
        }
    }
    if let Some(text) = applies_to["api"].as_str() {
        let api_range = range(text);
        for engine in ["20.10.24", "23.0.0", "24.0.9", "25.0.0", "26.0.0", "27.0.0", "28.0.0", "28.2.2"] {
            let pair = DockerVersions { cli: DockerVersions::CONFORMANCE.cli, engine: engine.parse().unwrap_or(FLOOR) };
            let api = pair.api();
            if inside(Version::new(api.0, api.1, 0), api_range) {
                pairs.push(pair);
            }
        }
    }
    pairs
}

#[test]
fn mount_flag_vectors() {
    let Some(vectors) = load_vectors() else {
        return;
    };
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let mut legacy_checked = 0;
    for (index, vector) in vectors.iter().enumerate() {
        let line = index + 1;
        let input = vector["input"].as_str().unwrap_or_default();
        if vector.get("extra_args").is_some() {
            skipped.push(format!(
                "line {line} {input:?}: needs the other flags {} (a whole docker create)",
                vector["extra_args"]
            ));
            continue;
        }
        checked += 1;
        let got = predict(input, &context(vector, DockerVersions::NEWEST));
        if let Err(e) = check(vector, &got) {
            failures.push(format!("line {line} {input:?} (newest): {e}"));
        }
        for legacy in vector["legacy"].as_array().into_iter().flatten() {
            let pairs = pairs_for(&legacy["applies_to"]);
            if pairs.is_empty() {
                failures.push(format!("line {line}: no release pair for {}", legacy["applies_to"]));
            }
            for pair in pairs {
                legacy_checked += 1;
                let got = predict(input, &context(vector, pair));
                if let Err(e) = check(legacy, &got) {
                    failures.push(format!("line {line} {input:?} ({pair}, legacy {}): {e}", legacy["applies_to"]));
                }
            }
        }
    }
    println!("mount-flag vectors: {checked} checked, {} skipped, {legacy_checked} legacy pairs checked", skipped.len());
    for s in &skipped {
        println!("  skipped {s}");
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(checked + skipped.len(), vectors.len());
}

#[test]
fn conformance_pair_matches_observed_engine_behaviour() {
    // Observed with Docker CLI 28.2.2 and Engine 20.10.24 (docker create + inspect).
    let ctx = Context { versions: DockerVersions::CONFORMANCE, ..Context::default() };
    let got = predict("type=bind,src=/tmp//./,dst=/x//y/../z", &ctx);
    let result = got.result.expect("accepted");
    assert_eq!(result["source"], "/tmp");
    assert_eq!(result["destination"], "/x/z");
    assert_eq!(result["propagation"], "rprivate");
    let got = predict("type=volume,src=mfv1,dst=/d/,volume-nocopy", &ctx);
    assert_eq!(
        serde_json::to_value(got.mount.expect("sent")).ok(),
        Some(
            json!({"Type": "volume", "Source": "mfv1", "Target": "/d/", "VolumeOptions": {"NoCopy": true, "DriverConfig": {}}})
        )
    );
    assert_eq!(got.result.expect("accepted")["destination"], "/d");
    let got = predict("type=tmpfs,dst=/t/,tmpfs-size=1m", &ctx);
    assert_eq!(got.result.expect("accepted")["destination"], "/t");

    // go-units and Go's ParseFloat as the CLI applies them (HostConfig.Mounts as sent).
    let size = |value: &str| {
        let mount = client(&format!("type=tmpfs,dst=/t,tmpfs-size={value}"), &ctx).ok()?;
        Some(mount.tmpfs_options.map(|o| o.size_bytes).unwrap_or_default())
    };
    assert_eq!(size("1e3"), Some(1000));
    assert_eq!(size("1_000"), Some(1000));
    assert_eq!(size("0x1p4"), Some(16));
    assert_eq!(size("-0"), Some(0));
    assert_eq!(size(".5m"), Some(524_288));
    assert_eq!(size("1 "), Some(1));
    assert_eq!(size("1\u{212A}"), Some(1024));
    assert_eq!(size("inf m"), Some(i64::MIN));
    assert_eq!(size("nan k"), Some(i64::MIN));
    assert_eq!(size("1.5.5"), None);
    assert_eq!(size("1kibb"), None);
    assert_eq!(size("1e400"), None);
    let mode = client("type=tmpfs,dst=/t,tmpfs-mode=37777777777", &ctx).map(|m| m.tmpfs_options.map(|o| o.mode));
    assert_eq!(mode, Ok(Some(u32::MAX)));

    // Engine 20.10 drops the fields it does not know (inspect's HostConfig.Mounts).
    let mut mount = client("type=bind,src=/tmp,dst=/d,bind-recursive=writable,ro", &ctx).expect("sent");
    apply_api_gates(&mut mount, &ctx).expect("accepted");
    assert_eq!(
        serde_json::to_value(&mount).ok(),
        Some(json!({"Type": "bind", "Source": "/tmp", "Target": "/d", "ReadOnly": true, "BindOptions": {}}))
    );
    let got = predict("type=volume,dst=/d,readonly,volume-subpath=x", &ctx);
    assert_eq!(
        got.error.as_deref(),
        Some("invalid mount config for type \"volume\": must not set ReadOnly mode when using anonymous volumes")
    );
    let got = predict("type=bind,src=/tmp,dst=/d,bind-recursive=readonly,ro,bind-propagation=rprivate", &ctx);
    assert_eq!(
        (got.stage, got.error.as_deref()),
        (Some("client"), Some("bind-recursive=readonly requires API v1.44 or later"))
    );
    let got = predict("type=image,src=dockmount-probe,dst=/i", &ctx);
    assert_eq!(got.error.as_deref(), Some("invalid mount config for type \"image\": mount type unknown"));
}
