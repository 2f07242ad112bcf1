//! `dockmount lint --format sarif` validates against the OASIS SARIF 2.1.0 schema (with
//! its `uri`, `uri-reference` and `date-time` formats checked) for files that exercise every
//! part of the output: findings with fixes, read errors with hints, unused suppressions,
//! non-ASCII text and paths, CRLF files, and the crate's own fixtures.
//!
//! The schema comes from the shared test environment (`../shared/schemas`); without it the
//! test is skipped with a message, except under CI, where it fails.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn schema() -> Option<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/schemas/sarif-schema-2.1.0.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("{} is missing; CI needs the shared test environment", path.display())
        }
        Err(_) => {
            eprintln!("note: ../shared/schemas/sarif-schema-2.1.0.json is missing: SARIF validation skipped");
            None
        }
    }
}

fn sarif(dir: &Path, args: &[&str]) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_dockmount"))
        .current_dir(dir)
        .arg("lint")
        .args(["--format", "sarif"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run dockmount: {e}"));
    let code = output.status.code();
    assert!(matches!(code, Some(0 | 1)), "exit {code:?}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

fn validate(schema: &Value, log: &Value) {
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("the SARIF schema does not compile: {e}"));
    // The validator itself catches what it must (a wrong version, a relative `helpUri`).
    let mut wrong = log.clone();
    wrong["version"] = "2.0.0".into();
    assert!(!validator.is_valid(&wrong));
    let mut relative = log.clone();
    relative["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "docs/rules/x.md".into();
    assert!(!validator.is_valid(&relative));
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}\n{log:#}", errors.join("\n"));
}

fn sample() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let files: [(&str, &str); 4] = [
        ("run.sh", "# dockmount: ignore[DM006]\necho hi\ndocker run -v /srv/日本:/data,ro -v /a:/b,z alpine\n"),
        ("broken.sh", "docker run -v \"/x img\n"),
        ("dir with space/é.sh", "docker run -v /srv:/data,readonly alpine\r\n"),
        ("compose.yaml", "services:\n  web:\n    image: x\n    volumes:\n      - /srv:/data,ro\n"),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

#[test]
fn sarif_of_every_kind_of_result_validates() {
    let Some(schema) = schema() else {
        return;
    };
    let dir = sample();
    let log = sarif(dir.path(), &[]);
    validate(&schema, &log);

    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["tool"]["driver"]["name"], "dockmount");
    assert_eq!(run["invocations"][0]["executionSuccessful"], true);

    // Rule metadata from the rules' documentation.
    let rules = run["tool"]["driver"]["rules"].as_array().cloned().unwrap_or_default();
    let rule = rules.iter().find(|r| r["id"] == "DM006").unwrap_or_else(|| panic!("no DM006 in {rules:?}"));
    assert_eq!(rule["name"], "comma-in-target");
    assert!(rule["shortDescription"]["text"].as_str().is_some_and(|t| t.starts_with("Flags a container path")));
    assert!(rule["fullDescription"]["text"].as_str().is_some_and(|t| t.contains("Docker separates a `-v` value")));
    assert!(rule["help"]["markdown"].as_str().is_some_and(|t| t.contains("## Fix safety")));
    assert_eq!(rule["defaultConfiguration"]["level"], "error");

    // Results point at 1-based regions counted in characters, and carry their fixes.
    let results = run["results"].as_array().cloned().unwrap_or_default();
    let in_file = |uri: &str| -> Vec<&Value> {
        results.iter().filter(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri).collect()
    };
    let run_sh = in_file("run.sh");
    let ids: Vec<&str> = run_sh.iter().filter_map(|r| r["ruleId"].as_str()).collect();
    assert_eq!(ids, ["DM900", "DM006", "DM006"]);
    let first = &run_sh[1];
    assert_eq!(
        first["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 3, "startColumn": 23, "endLine": 3, "endColumn": 31})
    );
    assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let fix = &first["fixes"][0];
    assert_eq!(fix["description"]["text"], "use `/data:ro`");
    assert_eq!(fix["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"], "/data:ro");
    assert_eq!(rules[first["ruleIndex"].as_u64().unwrap_or(999) as usize]["id"], "DM006");

    let broken = in_file("broken.sh");
    assert_eq!(broken[0]["ruleId"], "DM000");
    assert!(broken[0].get("fixes").is_none());
    assert_eq!(in_file("dir%20with%20space/%C3%A9.sh").len(), 1);
}

#[test]
fn sarif_with_no_results_and_with_unreadable_files_validates() {
    let Some(schema) = schema() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    std::fs::write(dir.path().join("ok.sh"), "docker run -v app-data:/data alpine\n").unwrap_or_else(|e| panic!("{e}"));
    let log = sarif(dir.path(), &[]);
    validate(&schema, &log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));

    let output = Command::new(env!("CARGO_BIN_EXE_dockmount"))
        .current_dir(dir.path())
        .args(["lint", "--format", "sarif", "ok.sh", "missing.sh"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    validate(&schema, &log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(invocation["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .is_some_and(|t| t.starts_with("missing.sh: ")));
}

#[test]
fn sarif_of_the_fixtures_validates() {
    let Some(schema) = schema() else {
        return;
    };
    let fixtures: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let log = sarif(&fixtures, &["--isolated", "."]);
    validate(&schema, &log);
}
