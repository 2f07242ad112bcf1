//! Conformance of dockmount's `docker create` predictions with what a real Docker answered.
//!
//! `tests/conformance/run-flags/recorded.jsonl` holds the answers of a real Docker CLI and Engine
//! (the pair of [`DockerVersions::CONFORMANCE`]) to every case of `cases.jsonl`: the container's
//! `.Mounts` and `.HostConfig.Tmpfs`, or the error `docker create` printed, and for some cases the
//! error `docker start` printed. `tests/conformance/record-run-flags.sh` re-records it.
//!
//! For every recorded case this test asks [`predict_args`] and compares the same normalised
//! fields. Any disagreement fails the test unless the case is listed, with a reason, in
//! `tests/conformance/run-flags/known-differences.jsonl`.
//!
//! Live mode: with `DOCKMOUNT_CONFORMANCE_RUN_FLAGS=FILE` (a fresh recording, e.g. made in CI just
//! before), the predictions are compared with that file instead, and every case where the fresh
//! recording differs from the committed one is reported as well.
//!
//! What is compared, and how both sides are normalised:
//! - `Mounts`: each reduced to Type, Name, Source, Destination, Driver, Mode, RW, Propagation
//!   (a missing field counts as `""`); anonymous volumes (a 64-hex name) have Name and Source
//!   `""`; sorted by Destination.
//! - `Tmpfs`: the `.HostConfig.Tmpfs` map.
//! - `error`: stage and message; random 64-hex names in a message read `<generated-name>`. When
//!   Docker's choice among several bad values follows Go map order, the recording keeps every
//!   message seen (`error_alternatives`) and the prediction must name the same set.
//! - `start_error` (cases recorded with `"start": true` only): stage and message; an OCI runtime
//!   message depends on the machine, so a predicted `runtime` message need only be part of it.
//!
//! The host file system of the prediction: the recorder empties the sandbox
//! `/tmp/dockmount-conformance` before each case and creates only the case's setup dirs and files
//! there; everything outside the sandbox that a case names exists, except the paths a case lists
//! in `setup.missing`. So the context is `HostFs::AllExceptMissing` with every sandbox path the
//! case's arguments can name that the setup did not create (see [`missing_paths`]).

use dockmount::model::engine::predict_args;
use dockmount::model::paths::{absolute, clean};
use dockmount::model::{Context, DockerVersions, HostFs, Platform};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the recorder puts the host paths of the cases.
const SANDBOX: &str = "/tmp/dockmount-conformance";
/// The data root of the recording engine (binds near it default to `rslave`).
const DAEMON_ROOT: &str = "/var/lib/docker";
/// The recording must keep at least this many cases.
const MIN_CASES: usize = 450;
const LIVE_ENV: &str = "DOCKMOUNT_CONFORMANCE_RUN_FLAGS";

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
struct Setup {
    #[serde(default)]
    dirs: Vec<String>,
    #[serde(default)]
    files: Vec<String>,
    /// Paths outside the sandbox the case relies on not existing.
    #[serde(default)]
    missing: Vec<String>,
}

/// One line of `cases.jsonl`.
#[derive(Debug, Deserialize)]
struct Case {
    id: String,
    args: Vec<String>,
    image: String,
    cwd: Option<String>,
    #[serde(default)]
    setup: Setup,
    #[serde(default)]
    start: bool,
    /// How many different messages Docker may print (Go map order), when more than one.
    #[serde(default)]
    alternatives: usize,
}

/// One case line of a recording.
#[derive(Clone, Debug, Deserialize)]
struct Recorded {
    id: String,
    args: Vec<String>,
    image: String,
    cwd: String,
    #[serde(default)]
    setup: Setup,
    #[serde(rename = "Mounts")]
    mounts: Vec<Value>,
    #[serde(rename = "Tmpfs")]
    tmpfs: BTreeMap<String, String>,
    error: Option<Value>,
    #[serde(default)]
    error_alternatives: Vec<String>,
    #[serde(default)]
    start: bool,
    #[serde(default)]
    start_error: Option<Value>,
}

/// The header line of a recording.
#[derive(Debug, Deserialize)]
struct Meta {
    client: String,
    server: String,
    #[serde(default)]
    daemon_root: String,
    #[serde(default)]
    sandbox: String,
}

struct Recording {
    meta: Meta,
    cases: Vec<Recorded>,
}

/// One entry of `known-differences.jsonl`.
#[derive(Debug, Deserialize)]
struct KnownDifference {
    id: String,
    reason: String,
}

/// An error as compared: who raised it and every message Docker may print for it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Failure {
    stage: String,
    messages: BTreeSet<String>,
}

/// Docker's (or dockmount's) answer to a case, in the compared form.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Answer {
    mounts: Vec<Value>,
    tmpfs: BTreeMap<String, String>,
    error: Option<Failure>,
    start_error: Option<Failure>,
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data_dir() -> PathBuf {
    crate_dir().join("tests/conformance/run-flags")
}

fn read_lines(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| {
        panic!(
            "cannot read {}: {err} (it is part of the repository; re-record it with \
             tests/conformance/record-run-flags.sh)",
            path.display()
        )
    });
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| (index + 1, line.to_string()))
        .collect()
}

fn parse_line<T: for<'de> Deserialize<'de>>(path: &Path, number: usize, line: &str) -> T {
    serde_json::from_str(line).unwrap_or_else(|err| panic!("{}:{number}: not a valid line: {err}", path.display()))
}

fn load_cases() -> Vec<Case> {
    let path = data_dir().join("cases.jsonl");
    read_lines(&path).iter().map(|(number, line)| parse_line(&path, *number, line)).collect()
}

fn load_recording(path: &Path) -> Recording {
    let lines = read_lines(path);
    let Some(((number, first), rest)) = lines.split_first() else {
        panic!("{} is empty", path.display());
    };
    let header: Value = parse_line(path, *number, first);
    let meta: Meta = match header.get("meta") {
        Some(meta) => serde_json::from_value(meta.clone())
            .unwrap_or_else(|err| panic!("{}:{number}: bad meta line: {err}", path.display())),
        None => panic!("{}:{number}: the first line must be the {{\"meta\": …}} header", path.display()),
    };
    let cases = rest.iter().map(|(number, line)| parse_line(path, *number, line)).collect();
    Recording { meta, cases }
}

fn load_known_differences() -> BTreeMap<String, String> {
    let path = data_dir().join("known-differences.jsonl");
    let mut known = BTreeMap::new();
    for (number, line) in read_lines(&path) {
        let entry: KnownDifference = parse_line(&path, number, &line);
        assert!(!entry.reason.trim().is_empty(), "{}:{number}: a known difference needs a reason", path.display());
        assert!(
            known.insert(entry.id.clone(), entry.reason).is_none(),
            "{}:{number}: {} is listed twice",
            path.display(),
            entry.id
        );
    }
    known
}

fn is_hex64(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Replaces every run of exactly 64 lowercase hex digits (a random volume or layer name).
fn normalise_message(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() == 64 {
            out.push_str("<generated-name>");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for ch in message.chars() {
        if ch.is_ascii_digit() || ('a'..='f').contains(&ch) {
            run.push(ch);
        } else {
            flush(&mut run, &mut out);
            out.push(ch);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn text_field(object: &Map<String, Value>, key: &str) -> String {
    match object.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn normalise_mount(mount: &Value) -> Value {
    let empty = Map::new();
    let object = mount.as_object().unwrap_or(&empty);
    let kind = text_field(object, "Type");
    let mut name = text_field(object, "Name");
    let mut source = text_field(object, "Source");
    if kind == "volume" && is_hex64(&name) {
        name.clear();
        source.clear();
    }
    json!({
        "Type": kind,
        "Name": name,
        "Source": source,
        "Destination": text_field(object, "Destination"),
        "Driver": text_field(object, "Driver"),
        "Mode": text_field(object, "Mode"),
        "RW": object.get("RW").and_then(Value::as_bool).unwrap_or(false),
        "Propagation": text_field(object, "Propagation"),
    })
}

fn normalise_mounts(mounts: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = mounts.iter().map(normalise_mount).collect();
    let key = |m: &Value| {
        let field = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        (field("Destination"), field("Type"), field("Source"))
    };
    out.sort_by_key(key);
    out
}

fn failure(error: Option<&Value>, alternatives: &[String]) -> Option<Failure> {
    let error = error.filter(|e| !e.is_null())?;
    let stage = error.get("stage").and_then(Value::as_str).unwrap_or_default().to_string();
    let message = error.get("message").and_then(Value::as_str).unwrap_or_default();
    let mut messages: BTreeSet<String> = alternatives.iter().map(|m| normalise_message(m)).collect();
    messages.insert(normalise_message(message));
    Some(Failure { stage, messages })
}

fn recorded_answer(case: &Recorded) -> Answer {
    Answer {
        mounts: normalise_mounts(&case.mounts),
        tmpfs: case.tmpfs.clone(),
        error: failure(case.error.as_ref(), &case.error_alternatives),
        start_error: failure(case.start_error.as_ref(), &[]),
    }
}

/// The prediction, read through its JSON form (the same names `docker inspect` uses).
fn predicted_answer(verdict: &Value) -> Answer {
    let mounts = verdict.get("Mounts").and_then(Value::as_array).cloned().unwrap_or_default();
    let tmpfs = verdict
        .get("Tmpfs")
        .and_then(Value::as_object)
        .map(|map| map.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    let alternatives: Vec<String> = verdict
        .get("error_alternatives")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    Answer {
        mounts: normalise_mounts(&mounts),
        tmpfs,
        error: failure(verdict.get("error"), &alternatives),
        start_error: failure(verdict.get("start_error"), &[]),
    }
}

/// Every absolute path the arguments can name, found generously: each argument, its
/// comma-separated fields, the values after each `=`, and every run of its `:`-separated
/// pieces; quotes around fields are dropped; `.`-prefixed relative paths are made absolute
/// against `cwd`. Naming too many paths is harmless: the caller keeps only sandbox paths.
fn candidate_paths(args: &[String], cwd: &str) -> BTreeSet<String> {
    let mut texts: Vec<String> = Vec::new();
    for arg in args {
        texts.push(arg.clone());
        for field in arg.split([',', '\n', '\r']) {
            let field = field.trim_matches('"');
            texts.push(field.to_string());
            for (index, ch) in field.char_indices() {
                if ch == '=' {
                    texts.push(field[index + 1..].trim_matches('"').to_string());
                }
            }
        }
    }
    let mut paths = BTreeSet::new();
    for text in texts {
        let pieces: Vec<&str> = text.split(':').collect();
        for start in 0..pieces.len() {
            for end in start + 1..=pieces.len() {
                let joined = pieces[start..end].join(":");
                if joined.starts_with('/') {
                    paths.insert(joined);
                } else if joined.starts_with('.') {
                    paths.insert(absolute(cwd, &joined));
                }
            }
        }
    }
    paths
}

fn in_sandbox(path: &str) -> bool {
    path == SANDBOX || path.strip_prefix(SANDBOX).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether the kernel would find `path` (absolute) in the sandbox as the case prepared it:
/// every directory walked through must exist too (`/sandbox/nodir/../src` does not).
fn sandbox_path_exists(path: &str, existing: &BTreeSet<String>) -> bool {
    let mut current = String::new();
    for part in path.split('/') {
        match part {
            "" | "." => continue,
            ".." => {
                if let Some(index) = current.rfind('/') {
                    current.truncate(index);
                }
                continue;
            }
            _ => {
                current.push('/');
                current.push_str(part);
            }
        }
        if in_sandbox(&current) && !existing.contains(&current) {
            return false;
        }
    }
    true
}

/// The paths of the case that do not exist: the sandbox paths its arguments name that the
/// setup did not create (as typed and cleaned), plus its `setup.missing`.
fn missing_paths(args: &[String], cwd: &str, setup: &Setup) -> BTreeSet<String> {
    let mut existing: BTreeSet<String> = BTreeSet::new();
    for path in setup.dirs.iter().chain(&setup.files) {
        let mut current = clean(path);
        while in_sandbox(&current) {
            existing.insert(current.clone());
            match current.rfind('/') {
                Some(index) if index > 0 => current.truncate(index),
                _ => break,
            }
        }
    }
    existing.insert(SANDBOX.to_string());
    let mut missing: BTreeSet<String> = setup.missing.iter().cloned().collect();
    for path in candidate_paths(args, cwd) {
        if in_sandbox(&clean(&path)) && !sandbox_path_exists(&path, &existing) {
            let cleaned = clean(&path);
            if !existing.contains(&cleaned) {
                missing.insert(cleaned);
            }
            missing.insert(path);
        }
    }
    missing
}

/// The Docker versions of a recording (`28.2.2`, `20.10.24+dfsg1`), or the conformance pair.
fn versions_of(meta: &Meta) -> DockerVersions {
    let release = |text: &str| -> String { text.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect() };
    format!("{}/{}", release(&meta.client), release(&meta.server)).parse().unwrap_or(DockerVersions::CONFORMANCE)
}

fn context_for(case: &Recorded, versions: DockerVersions) -> Context {
    Context {
        versions,
        platform: Platform::Linux,
        cwd: case.cwd.clone(),
        daemon_root: DAEMON_ROOT.to_string(),
        host: HostFs::AllExceptMissingWithFiles {
            missing: missing_paths(&case.args, &case.cwd, &case.setup),
            files: case.setup.files.iter().map(|f| clean(f)).collect(),
        },
        // No volume plugin is installed on the conformance engine.
        volume_plugins: Some(Default::default()),
        // `dockmount-probe:volume` declares `VOLUME /data`.
        image_volumes: if case.image.ends_with(":volume") { vec!["/data".to_string()] } else { Vec::new() },
    }
}

/// Two ways of comparing: a prediction with a recording, or two recordings with each other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Compare {
    Prediction,
    Recordings,
}

/// The fields where two answers differ, as (field, expected, predicted).
fn differences(
    expected: &Answer,
    predicted: &Answer,
    start_recorded: bool,
    all_messages: bool,
    compare: Compare,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    if expected.mounts != predicted.mounts {
        out.push(("Mounts".to_string(), compact(&json!(expected.mounts)), compact(&json!(predicted.mounts))));
    }
    if expected.tmpfs != predicted.tmpfs {
        out.push(("Tmpfs".to_string(), compact(&json!(expected.tmpfs)), compact(&json!(predicted.tmpfs))));
    }
    if !errors_agree(expected.error.as_ref(), predicted.error.as_ref(), all_messages, None) {
        out.push(("error".to_string(), show_failure(expected.error.as_ref()), show_failure(predicted.error.as_ref())));
    }
    if start_recorded
        && !errors_agree(expected.start_error.as_ref(), predicted.start_error.as_ref(), false, Some(compare))
    {
        out.push((
            "start_error".to_string(),
            show_failure(expected.start_error.as_ref()),
            show_failure(predicted.start_error.as_ref()),
        ));
    }
    out
}

/// Docker printed one message per run: a prediction agrees when it names that message (among
/// its alternatives, if it has any); when the recording kept every message Docker may print (Go map order), the sets must be equal.
/// `at_start` is set for start errors: an OCI runtime message carries machine details (file
/// descriptors, and which /proc file runc tried first), so a predicted one need only be part of
/// the recorded one, and two recordings need only agree on the stage.
fn errors_agree(
    expected: Option<&Failure>,
    predicted: Option<&Failure>,
    all_messages: bool,
    at_start: Option<Compare>,
) -> bool {
    match (expected, predicted) {
        (None, None) => true,
        (Some(expected), Some(predicted)) => {
            if expected.stage != predicted.stage {
                return false;
            }
            if expected.stage == "runtime" {
                match at_start {
                    Some(Compare::Recordings) => return true,
                    Some(Compare::Prediction) => {
                        return predicted
                            .messages
                            .iter()
                            .all(|p| !p.is_empty() && expected.messages.iter().any(|e| e.contains(p.as_str())));
                    }
                    None => {}
                }
            }
            if all_messages {
                expected.messages == predicted.messages
            } else {
                expected.messages.iter().all(|e| predicted.messages.contains(e))
            }
        }
        _ => false,
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn show_failure(failure: Option<&Failure>) -> String {
    match failure {
        None => "none".to_string(),
        Some(f) => {
            let messages: Vec<&String> = f.messages.iter().collect();
            if messages.len() == 1 {
                format!("{}: {}", f.stage, compact(&json!(messages[0])))
            } else {
                format!("{}: one of {}", f.stage, compact(&json!(messages)))
            }
        }
    }
}

/// An argument as a reader would type it in a POSIX shell.
fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "_./:=,@%+-".contains(c));
    if plain {
        arg.to_string()
    } else if arg.chars().all(|c| !c.is_control()) && !arg.contains('\'') {
        format!("'{arg}'")
    } else {
        format!("{arg:?}")
    }
}

fn command_line(case: &Recorded) -> String {
    let mut words: Vec<String> = case.args.iter().map(|a| shell_word(a)).collect();
    words.push(case.image.clone());
    let mut line = format!("docker create {}", words.join(" "));
    if case.cwd != SANDBOX {
        let _ = write!(line, "   (in {})", case.cwd);
    }
    line
}

fn area_of(id: &str) -> &str {
    id.rsplit_once('-').map_or(id, |(area, _)| area)
}

fn recording_path() -> (PathBuf, bool) {
    match std::env::var_os(LIVE_ENV) {
        Some(path) if !path.is_empty() => (PathBuf::from(path), true),
        _ => (data_dir().join("recorded.jsonl"), false),
    }
}

#[test]
fn recording_matches_the_cases() {
    let cases = load_cases();
    let recording = load_recording(&data_dir().join("recorded.jsonl"));
    assert!(cases.len() >= MIN_CASES, "only {} cases; the suite keeps at least {MIN_CASES}", cases.len());
    assert_eq!(recording.meta.daemon_root, DAEMON_ROOT, "the recording engine's data root");
    assert_eq!(recording.meta.sandbox, SANDBOX, "the recording's sandbox");
    assert_eq!(
        versions_of(&recording.meta),
        DockerVersions::CONFORMANCE,
        "the committed recording must come from the conformance pair (CLI {} / Engine {})",
        recording.meta.client,
        recording.meta.server
    );

    let mut ids = BTreeSet::new();
    for case in &cases {
        assert!(ids.insert(case.id.as_str()), "case id {} is used twice", case.id);
        assert!(
            case.image == "dockmount-probe:latest" || case.image == "dockmount-probe:volume",
            "{}: unknown image {}",
            case.id,
            case.image
        );
        for path in case.setup.dirs.iter().chain(&case.setup.files) {
            assert!(in_sandbox(path), "{}: setup path {path} is outside {SANDBOX}", case.id);
        }
    }
    assert_eq!(
        recording.cases.len(),
        cases.len(),
        "recorded.jsonl has {} cases, cases.jsonl {}: re-record with tests/conformance/record-run-flags.sh",
        recording.cases.len(),
        cases.len()
    );
    for (case, recorded) in cases.iter().zip(&recording.cases) {
        let context = format!("{} (re-record with tests/conformance/record-run-flags.sh)", case.id);
        assert_eq!(recorded.id, case.id, "{context}: recorded out of order");
        assert_eq!(recorded.args, case.args, "{context}: args changed since the recording");
        assert_eq!(recorded.image, case.image, "{context}: image changed since the recording");
        assert_eq!(recorded.cwd, case.cwd.clone().unwrap_or_else(|| SANDBOX.to_string()), "{context}: cwd");
        assert_eq!(recorded.setup.dirs, case.setup.dirs, "{context}: setup dirs");
        assert_eq!(recorded.setup.files, case.setup.files, "{context}: setup files");
        assert_eq!(recorded.setup.missing, case.setup.missing, "{context}: setup missing");
        assert_eq!(recorded.start, case.start, "{context}: start");
        if !case.start {
            assert!(recorded.start_error.is_none(), "{context}: a start error without start");
        }
        if case.alternatives > 0 {
            assert_eq!(recorded.error_alternatives.len() + 1, case.alternatives, "{context}: messages seen");
        } else {
            assert!(recorded.error_alternatives.is_empty(), "{context}: alternatives not asked for");
        }
        match &recorded.error {
            Some(error) => {
                let stage = error.get("stage").and_then(Value::as_str).unwrap_or_default();
                assert!(stage == "client" || stage == "daemon", "{context}: stage {stage}");
                assert!(recorded.mounts.is_empty() && recorded.tmpfs.is_empty(), "{context}: mounts with an error");
            }
            None => assert!(recorded.error_alternatives.is_empty(), "{context}: alternatives without an error"),
        }
    }

    for id in load_known_differences().keys() {
        assert!(ids.contains(id.as_str()), "known-differences.jsonl lists {id}, which is not a case");
    }
}

#[test]
fn missing_paths_follow_the_sandbox_setup() {
    let setup = Setup { dirs: vec![format!("{SANDBOX}/src")], files: vec![], missing: vec![] };
    let args: Vec<String> = ["--mount", "type=bind,src=/tmp/dockmount-conformance/nodir/../src,dst=/d", "-v", "./x:/y"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let missing = missing_paths(&args, &format!("{SANDBOX}/src"), &setup);
    assert!(missing.contains("/tmp/dockmount-conformance/nodir/../src"));
    assert!(missing.contains("/tmp/dockmount-conformance/src/x"));
    assert!(!missing.contains("/tmp/dockmount-conformance/src"));
    assert!(!missing.contains("/tmp"));
    assert!(!missing.iter().any(|p| p == "/d" || p == "/y"));
    assert_eq!(normalise_message(&format!("create {}: x", "a".repeat(64))), "create <generated-name>: x");
    assert_eq!(normalise_message(&"a".repeat(65)), "a".repeat(65));
}

#[test]
fn predictions_match_docker() {
    let (path, live) = recording_path();
    let recording = load_recording(&path);
    let known = load_known_differences();
    let versions = versions_of(&recording.meta);
    let mut report = String::new();
    let _ = writeln!(
        report,
        "conformance: {} cases from {} (Docker CLI {} / Engine {})",
        recording.cases.len(),
        path.display(),
        recording.meta.client,
        recording.meta.server
    );
    if versions != DockerVersions::CONFORMANCE {
        let _ = writeln!(report, "note: predicting for {versions}, not the conformance pair");
    }

    if live {
        report_recording_drift(&recording, &mut report);
    }

    let mut agree = 0usize;
    let mut unexpected = Vec::new();
    let mut tolerated = Vec::new();
    let mut stale = Vec::new();
    let mut per_area: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut table = String::new();
    for case in &recording.cases {
        let mut args = case.args.clone();
        args.push(case.image.clone());
        let verdict = predict_args(&args, &context_for(case, versions));
        let predicted = predicted_answer(&serde_json::to_value(&verdict).unwrap_or(Value::Null));
        let expected = recorded_answer(case);
        let diffs =
            differences(&expected, &predicted, case.start, !case.error_alternatives.is_empty(), Compare::Prediction);
        let area = per_area.entry(area_of(&case.id).to_string()).or_default();
        area.1 += 1;
        if diffs.is_empty() {
            agree += 1;
            area.0 += 1;
            if known.contains_key(&case.id) {
                stale.push(case.id.clone());
            }
            continue;
        }
        let marker = match known.get(&case.id) {
            Some(reason) => {
                tolerated.push(case.id.clone());
                format!("known difference: {reason}")
            }
            None => {
                unexpected.push(case.id.clone());
                "MISMATCH".to_string()
            }
        };
        let _ = writeln!(table, "{}  {}  [{marker}]", case.id, command_line(case));
        for (field, expected, predicted) in diffs {
            let _ = writeln!(table, "    {field:<11} docker    {expected}");
            let _ = writeln!(table, "    {:<11} dockmount {predicted}", "");
        }
    }

    if !table.is_empty() {
        let _ = writeln!(report, "\ndisagreements (docker = recorded answer, dockmount = prediction):\n{table}");
    }
    let total = recording.cases.len();
    let percent = if total == 0 { 100.0 } else { agree as f64 * 100.0 / total as f64 };
    let _ = writeln!(report, "agreement by area:");
    for (area, (ok, all)) in &per_area {
        let _ = writeln!(report, "    {area:<10} {ok:>4}/{all:<4}");
    }
    let _ = writeln!(
        report,
        "agreement: {agree}/{total} ({percent:.1}%); known differences: {}; unexpected: {}",
        tolerated.len(),
        unexpected.len()
    );
    if !stale.is_empty() {
        let _ = writeln!(report, "known-differences.jsonl entries that now agree (remove them): {}", stale.join(", "));
    }
    println!("{report}");
    assert!(
        unexpected.is_empty(),
        "dockmount disagrees with Docker on {} case(s) not in known-differences.jsonl: {}",
        unexpected.len(),
        unexpected.join(", ")
    );
}

/// Live mode: where a fresh recording differs from the committed one (reported, not failed:
/// the predictions are the gate).
fn report_recording_drift(fresh: &Recording, report: &mut String) {
    let committed = load_recording(&data_dir().join("recorded.jsonl"));
    let committed: BTreeMap<&str, &Recorded> = committed.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut lines = String::new();
    let mut count = 0;
    for case in &fresh.cases {
        let Some(old) = committed.get(case.id.as_str()) else {
            let _ = writeln!(lines, "{}  not in the committed recording", case.id);
            count += 1;
            continue;
        };
        if old.args != case.args || old.image != case.image {
            let _ = writeln!(lines, "{}  recorded with other arguments", case.id);
            count += 1;
            continue;
        }
        let diffs = differences(
            &recorded_answer(old),
            &recorded_answer(case),
            case.start,
            !old.error_alternatives.is_empty(),
            Compare::Recordings,
        );
        if !diffs.is_empty() {
            count += 1;
            let _ = writeln!(lines, "{}  {}", case.id, command_line(case));
            for (field, before, now) in diffs {
                let _ = writeln!(lines, "    {field:<11} committed {before}");
                let _ = writeln!(lines, "    {:<11} fresh     {now}", "");
            }
        }
    }
    if count == 0 {
        let _ = writeln!(report, "the fresh recording agrees with the committed one");
    } else {
        let _ = writeln!(report, "\nthe fresh recording differs from the committed one in {count} case(s):\n{lines}");
    }
}
