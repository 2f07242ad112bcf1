//! Translations on the real Engine: `docker create` with the original flags and with each
//! translation must give the same mounts, except where the translation said (with a
//! warning) that it differs.
//!
//! `tests/conformance/translate/recorded.jsonl` holds, for every case, Docker's normalised
//! answer to the original flags and to each translation (`auto`, `--to mount`, `--to volume`,
//! and a compose file read back as `docker run` flags, short and long syntax), with what
//! `dockmount translate` said (exact or not, its warnings). `tests/conformance/
//! record-translate.sh` re-records it; see its header for the cases and the normalisation.
//!
//! Checked here:
//! - every translation marked exact gives Docker's answer to the original: any other
//!   difference fails the test (an *unexplained* difference);
//! - dockmount translates every case Docker accepts (refusing one is a disagreement with
//!   Docker, allowed only with a reason in `known-differences.jsonl`);
//! - the recording is current: the run-flags cases are translated again here and must give
//!   the recorded output (else re-record). Corpus cases are recorded as digests only (the
//!   corpus is not copied into the project), so only their comparison is checked.
//!
//! Live mode: `DOCKMOUNT_CONFORMANCE_TRANSLATE=FILE` checks a fresh recording instead.

mod common;

use dockmount::model::compose::{self as compose_model, LoadOptions};
use dockmount::model::{Context, DockerVersions, HostFs, Platform};
use dockmount::syntax::run_line::parse_args;
use dockmount::translate::{self, Shape, Target};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const LIVE_ENV: &str = "DOCKMOUNT_CONFORMANCE_TRANSLATE";
const IMAGE: &str = "dockmount-probe:latest";
const COMPOSE_FILE: &str = ".dockmount-translate.compose.yaml";
const SIDES: [&str; 5] = ["auto", "mount", "volume", "compose", "compose-long"];
/// The committed recording keeps at least this many cases Docker accepts.
const MIN_ACCEPTED: usize = 400;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/translate")
}

fn recording_path() -> (PathBuf, bool) {
    match std::env::var_os(LIVE_ENV) {
        Some(path) if !path.is_empty() => (PathBuf::from(path), true),
        _ => (data_dir().join("recorded.jsonl"), false),
    }
}

fn load(path: &Path) -> (Value, Vec<Value>) {
    let lines = common::read_jsonl(path);
    let Some((meta, cases)) = lines.split_first() else { panic!("{} is empty", path.display()) };
    (meta["meta"].clone(), cases.to_vec())
}

fn known_differences() -> BTreeMap<String, String> {
    let path = data_dir().join("known-differences.jsonl");
    if !path.exists() {
        return BTreeMap::new();
    }
    common::read_jsonl(&path)
        .into_iter()
        .map(|v| {
            (v["id"].as_str().unwrap_or_default().to_string(), v["reason"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

fn versions_of(meta: &Value) -> DockerVersions {
    let release = |v: &Value| -> String {
        v.as_str().unwrap_or_default().chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect()
    };
    format!("{}/{}", release(&meta["client"]), release(&meta["server"])).parse().unwrap_or(DockerVersions::CONFORMANCE)
}

fn context(versions: DockerVersions, cwd: &str) -> Context {
    Context {
        versions,
        platform: Platform::Linux,
        cwd: cwd.to_string(),
        daemon_root: "/var/lib/docker".to_string(),
        host: HostFs::AllExist,
        volume_plugins: None,
        image_volumes: Vec::new(),
    }
}

/// What `dockmount translate` gives for a side, in-process: the output lines, or `None`
/// when it refuses.
fn translate_side(args: &[String], side: &str, ctx: &Context) -> Option<Vec<String>> {
    let target = match side {
        "auto" => Target::Auto,
        "mount" => Target::Mount,
        "volume" => Target::Volume,
        "compose" => Target::Compose,
        _ => Target::ComposeLong,
    };
    if matches!(target, Target::Compose | Target::ComposeLong) {
        let mut words = args.to_vec();
        words.push(IMAGE.to_string());
        let line = parse_args(&words);
        let compose = translate::translate(&line, Shape::CommandWords(&words), target, ctx).ok()?;
        let text = compose.output.join("\n") + "\n";
        let file = format!("{}/{COMPOSE_FILE}", ctx.cwd);
        let options = LoadOptions { cwd: ctx.cwd.clone(), ..LoadOptions::default() };
        let project = compose_model::load(&[(file.as_str(), text.as_str())], &options);
        let back = translate::to_run::translate(&project, None, Target::Shortest, ctx).ok()?;
        let mut out = compose.output;
        out.push("---".to_string());
        out.extend(back.output);
        return Some(out);
    }
    let line = parse_args(args);
    translate::translate(&line, Shape::Flags, target, ctx).ok().map(|t| t.output)
}

fn recorded_lines(side: &Value) -> Vec<String> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect()).unwrap_or_default()
    };
    let mut out = Vec::new();
    if side.get("compose").is_some() {
        out = strings(&side["compose"]);
        out.push("---".to_string());
    }
    out.extend(strings(&side["output"]));
    out
}

#[derive(Default)]
struct Tally {
    translated: usize,
    same: usize,
    explained: usize,
    warned_same: usize,
    unexplained: usize,
}

#[test]
fn translations_do_on_the_engine_what_they_say() {
    let (path, live) = recording_path();
    if !path.exists() {
        if std::env::var_os("CI").is_some() {
            panic!("{} is missing", path.display());
        }
        eprintln!("skipped: {} is missing", path.display());
        return;
    }
    let (meta, cases) = load(&path);
    let versions = versions_of(&meta);
    let known = known_differences();
    let mut report = String::new();
    let _ = writeln!(
        report,
        "translate conformance: {} cases from {} (Docker CLI {} / Engine {})",
        cases.len(),
        path.display(),
        meta["client"].as_str().unwrap_or("?"),
        meta["server"].as_str().unwrap_or("?")
    );
    let mut tallies: BTreeMap<&str, Tally> = SIDES.iter().map(|s| (*s, Tally::default())).collect();
    let mut failures = Vec::new();
    let mut stale = Vec::new();
    let (mut accepted, mut refused_by_docker, mut refused_by_us) = (0usize, 0usize, 0usize);
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("?").to_string();
        let digest_only = case.get("ref").is_some();
        let docker_refused = if digest_only {
            case["refused_by_docker"].as_bool().unwrap_or(false)
        } else {
            !case["original"]["error"].is_null() || !case["original"]["start_error"].is_null()
        };
        if docker_refused {
            refused_by_docker += 1;
            continue;
        }
        accepted += 1;
        let cwd = case["cwd"].as_str().unwrap_or("/");
        let ctx = context(versions, cwd);
        let args: Vec<String> = case["args"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        let sides = case["sides"].as_object().cloned().unwrap_or_default();
        if sides.values().all(|s| s["refused"].as_bool().unwrap_or(false)) {
            refused_by_us += 1;
            if !known.contains_key(&id) {
                failures.push(format!("{id}: Docker accepts it, dockmount refuses to translate it"));
            }
            continue;
        }
        for side_name in SIDES {
            let Some(side) = sides.get(side_name) else { continue };
            let warned_count =
                side["warnings"].as_u64().unwrap_or(0) as usize + side["warnings"].as_array().map_or(0, Vec::len);
            if side["refused"].as_bool().unwrap_or(false) {
                // The compose file was written, with warnings, and compose refuses it.
                let tally = tallies.entry(side_name).or_default();
                tally.translated += 1;
                if warned_count > 0 {
                    tally.explained += 1;
                } else {
                    tally.unexplained += 1;
                    failures.push(format!("{id} {side_name}: dockmount refused this side only, without a warning"));
                }
                continue;
            }
            if !digest_only && !live {
                let now = translate_side(&args, side_name, &ctx);
                if now.as_ref() != Some(&recorded_lines(side)) {
                    stale.push(format!("{id} {side_name}: now {:?}, recorded {:?}", now, recorded_lines(side)));
                }
            }
            // Whole answers (`"same"` when equal), or their digests for corpus cases.
            let same = side["answer"] == "same" || case["original"] == side["answer"];
            let exact = side["exact"].as_bool().unwrap_or(false);
            let warned = warned_count > 0;
            let tally = tallies.entry(side_name).or_default();
            tally.translated += 1;
            match (same, exact, warned) {
                (true, true, _) => tally.same += 1,
                (true, false, _) => tally.warned_same += 1,
                (false, false, true) => tally.explained += 1,
                (false, _, _) => {
                    tally.unexplained += 1;
                    if !known.contains_key(&id) {
                        let detail = if digest_only {
                            String::new()
                        } else {
                            format!(
                                "\n    args      {:?}\n    output    {:?}\n    original  {}\n    translated {}",
                                args, side["output"], case["original"], side["answer"]
                            )
                        };
                        failures.push(format!("{id} {side_name}: differs on the engine without a warning{detail}"));
                    }
                }
            }
        }
    }
    let _ = writeln!(
        report,
        "cases Docker accepts: {accepted} (translated and compared); Docker refuses: {refused_by_docker} (not translated); dockmount refuses: {refused_by_us}"
    );
    let _ = writeln!(report, "side          translated  same(exact)  differ+warned  warned,same  UNEXPLAINED");
    for (side, t) in &tallies {
        let _ = writeln!(
            report,
            "{side:<13} {:>10}  {:>11}  {:>13}  {:>11}  {:>11}",
            t.translated, t.same, t.explained, t.warned_same, t.unexplained
        );
    }
    println!("{report}");
    for failure in &failures {
        println!("FAIL {failure}");
    }
    for line in stale.iter().take(20) {
        println!("STALE {line}");
    }
    if !live {
        assert!(
            accepted >= MIN_ACCEPTED,
            "only {accepted} accepted cases recorded; the suite keeps at least {MIN_ACCEPTED}"
        );
    }
    assert!(
        stale.is_empty(),
        "{} translations changed since the recording: re-record with tests/conformance/record-translate.sh",
        stale.len()
    );
    assert!(failures.is_empty(), "{} unexplained difference(s) or refusals", failures.len());
}
