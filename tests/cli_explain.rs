//! `dockmount explain`, run as a user runs it: the built binary.

use serde_json::Value;
use std::process::{Command, Output};

fn dockmount(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockmount"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the dockmount binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["explain", "--format", "json", "--assume-host-paths-exist", "--cwd", "/home/u/p"];
    all.extend_from_slice(args);
    let output = dockmount(&all);
    let text = stdout(&output);
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (value, output.status.code().unwrap_or(-1))
}

#[test]
fn comma_ro_in_the_target_is_explained_as_a_read_write_bind_at_that_path() {
    let output = dockmount(&["explain", "--", "-v", "/tmp:/data,ro"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("Bind mount: the host path `/tmp` appears at `/data,ro` in the container, read-write."),
        "{text}"
    );
    assert!(text.contains("the mount is read-write, not read-only"), "{text}");

    let (value, code) = json(&["--", "-v", "/tmp:/data,ro"]);
    assert_eq!(code, 0);
    let item = &value["items"][0];
    assert_eq!(item["syntax"], "volume-flag");
    assert_eq!(item["text"], "/tmp:/data,ro");
    assert_eq!(item["span"]["start"], 3);
    assert_eq!(item["span"]["end"], 16);
    assert_eq!(item["mount"]["kind"], "bind");
    assert_eq!(item["mount"]["target"], "/data,ro");
    assert_eq!(item["mount"]["read_only"], false);
    let mount = &value["engine"]["Mounts"][0];
    assert_eq!(mount["Type"], "bind");
    assert_eq!(mount["Source"], "/tmp");
    assert_eq!(mount["Destination"], "/data,ro");
    assert_eq!(mount["RW"], true);
    assert_eq!(mount["Propagation"], "rprivate");
    assert_eq!(value["engine"]["error"], Value::Null);
}

#[test]
fn drive_letter_source_is_an_anonymous_volume_at_the_whole_path() {
    let (value, code) = json(&["--", "-v", "a:/data", "img"]);
    assert_eq!(code, 0);
    let mount = &value["engine"]["Mounts"][0];
    assert_eq!(mount["Type"], "volume");
    assert_eq!(mount["Name"], "");
    assert_eq!(mount["Destination"], "a:/data");
}

#[test]
fn a_whole_command_line_is_read_with_spans_into_it() {
    let line = "docker run --rm -e A=1 -v data:/var/lib/x:ro img -v ignored";
    let (value, code) = json(&[line]);
    assert_eq!(code, 0, "{value}");
    let items = value["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "the -v after the image belongs to the container's command");
    let start = items[0]["span"]["start"].as_u64().unwrap() as usize;
    let end = items[0]["span"]["end"].as_u64().unwrap() as usize;
    assert_eq!(&line[start..end], "data:/var/lib/x:ro");
    let mount = &value["engine"]["Mounts"][0];
    assert_eq!(mount["Name"], "data");
    assert_eq!(mount["Mode"], "ro");
    assert_eq!(mount["RW"], false);
}

#[test]
fn docker_errors_carry_stage_message_and_exit_code_1() {
    let (value, code) = json(&["--", "-v", ":::"]);
    assert_eq!(code, 1);
    assert_eq!(value["engine"]["error"]["stage"], "client");
    assert_eq!(value["engine"]["error"]["message"], "invalid spec: :::: empty section between colons");

    let (value, code) = json(&["--", "--mount", ""]);
    assert_eq!(code, 1);
    assert_eq!(value["engine"]["error"]["stage"], "client");
    assert_eq!(value["engine"]["error"]["message"], "invalid argument \"\" for \"--mount\" flag: value is empty");

    let (value, code) = json(&["--", "-v", "/a:/b:RO"]);
    assert_eq!(code, 1);
    assert_eq!(value["engine"]["error"]["stage"], "daemon");
    assert_eq!(value["engine"]["error"]["message"], "invalid mode: RO");
}

#[test]
fn text_errors_point_at_the_value_with_a_caret() {
    let output = dockmount(&["explain", "--", "-v", ":::"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(text.contains("invalid spec: :::: empty section between colons"), "{text}");
    assert!(text.contains("^^^"), "{text}");
}

#[test]
fn odd_bytes_never_crash() {
    for value in ["\u{1}\u{7f}:/x", "é:/ü:ro", "\"\"\"", "type=bind,src=\"", ",,,", "=", "::::::::"] {
        for flag in ["-v", "--mount", "--tmpfs"] {
            let output = dockmount(&["explain", "--format", "json", "--", flag, value]);
            let code = output.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "{flag} {value:?}: {code:?} {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let parsed: Result<Value, _> = serde_json::from_slice(&output.stdout);
            assert!(parsed.is_ok(), "{flag} {value:?}: output is not JSON");
        }
    }
}

#[test]
fn an_unclosed_quote_in_a_command_line_is_a_usage_error_with_position() {
    let output = dockmount(&["explain", "docker run -v '/a:/b img"]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("^"), "{err}");
}

#[test]
fn version_pairs_change_the_answer() {
    // Engines before 29.2.0 refuse read-only anonymous volumes.
    let (old, code) = json(&["--docker-version", "28.2/20.10", "--", "--mount", "type=volume,dst=/d,ro"]);
    assert_eq!(code, 1);
    assert_eq!(
        old["engine"]["error"]["message"],
        "invalid mount config for type \"volume\": must not set ReadOnly mode when using anonymous volumes"
    );
    let (new, code) = json(&["--", "--mount", "type=volume,dst=/d,ro"]);
    assert_eq!(code, 0, "{new}");
    let bad = dockmount(&["explain", "--docker-version", "nonsense", "--", "-v", "/a:/b"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--docker-version"));
}

#[test]
fn a_shell_script_is_explained_command_by_command() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let dir = scratch.path();
    let script = dir.join("deploy.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nset -e\ndocker run -v /tmp:/data,ro img\nID=$(docker create \\\n  -v :/x img)\n",
    )
    .unwrap();
    let output = dockmount(&["explain", "--format", "json", script.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "the second command is refused by Docker");
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let commands = value["commands"].as_array().expect("commands");
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[0]["line"], 3);
    assert_eq!(commands[0]["engine"]["Mounts"][0]["Destination"], "/data,ro");
    assert_eq!(commands[1]["line"], 4);
    assert_eq!(commands[1]["engine"]["error"]["message"], "invalid spec: :/x: empty section between colons");
    let text = stdout(&dockmount(&["explain", script.to_str().unwrap()]));
    assert!(text.contains("deploy.sh:3: docker run -v /tmp:/data,ro img"), "{text}");
}

#[test]
fn a_command_a_script_cannot_be_read_in_is_listed_in_json_too() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let dir = scratch.path();
    let script = dir.join("bad.sh");
    std::fs::write(&script, "docker run -v /a:/b img\ndocker run -v \"/c:/d img\n").unwrap();
    let output = dockmount(&["explain", "--format", "json", script.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "a command that cannot be read");
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(value["commands"].as_array().map(Vec::len), Some(1));
    assert_eq!(value["errors"][0]["line"], 2);
    assert_eq!(value["errors"][0]["message"], "unclosed double quote");
    assert_eq!(value["errors"][0]["span"], serde_json::json!({"start": 38, "end": 49}));
    let text = stdout(&dockmount(&["explain", script.to_str().unwrap()]));
    assert!(text.contains("unclosed double quote") && text.contains("2 │   docker run -v \"/c:/d img"), "{text}");
}

#[test]
fn a_compose_file_is_explained_service_by_service() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/explain/compose.yaml");
    let output = dockmount(&["explain", "--format", "json", fixture]);
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let db = &value["services"][0];
    assert_eq!(db["name"], "db");
    assert_eq!(db["request"]["Binds"][0], "explain_db-data:/var/lib/postgresql/data:rw");
    assert_eq!(db["request"]["Tmpfs"]["/run"], "size=64m");
    assert_eq!(db["items"][1]["text"], "./initdb:/docker-entrypoint-initdb.d:RO");
    assert!(db["items"][1]["explanation"].as_str().unwrap().contains("compose silently ignores `RO`"));
    let web = &value["services"][1];
    assert_eq!(web["request"]["Mounts"][0]["Type"], "bind");
    assert_eq!(web["request"]["Mounts"][0]["ReadOnly"], true);
    let text = stdout(&dockmount(&["explain", fixture]));
    assert!(text.contains("service web:"), "{text}");
}

#[test]
fn a_dockerfile_is_explained_volume_by_volume() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let dir = scratch.path();
    let file = dir.join("Dockerfile");
    std::fs::write(&file, "FROM alpine AS base\nARG DATA=/data\nVOLUME $DATA\nRUN --mount=type=cache,target=/root/.cache true\nFROM base\nVOLUME [\"/logs\"]\nVOLUME ['/e']\n").unwrap();
    let output = dockmount(&["explain", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(value["engine"]["Volumes"], serde_json::json!(["/data", "/logs", "[/e]"]));
    assert_eq!(value["engine"]["error"], Value::Null);
    let items = value["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert_eq!(items[0]["syntax"], "dockerfile-volume");
    assert_eq!(items[1]["syntax"], "build-mount");
    // Each image volume is shown at the word that declared it, in the order of the file.
    let texts: Vec<&str> = items.iter().map(|i| i["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["$DATA", "type=cache,target=/root/.cache", "\"/logs\"", "['/e']"]);
    assert_eq!(items[0]["span"], serde_json::json!({"start": 42, "end": 47}));
    assert!(items[0]["explanation"].as_str().unwrap().contains("new anonymous volume"));
    std::fs::write(&file, "FROM alpine\nVOLUME\n").unwrap();
    let output = dockmount(&["explain", "--format", "json", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(value["engine"]["error"]["message"].as_str().unwrap().contains("VOLUME requires at least one argument"));
}

#[test]
fn compose_files_merge_in_order_with_env_overrides() {
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let dir = scratch.path();
    let base = dir.join("compose.yaml");
    let over = dir.join("compose.override.yaml");
    std::fs::write(&base, "services:\n  app:\n    image: x\n    volumes:\n      - data:/data\nvolumes:\n  data: {}\n")
        .unwrap();
    std::fs::write(&over, "services:\n  app:\n    volumes:\n      - ${LOGS:?set LOGS}:/logs:ro\n").unwrap();
    let output =
        dockmount(&["explain", "--format", "json", "-f", base.to_str().unwrap(), "-f", over.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "LOGS is required");
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(value["errors"][0]["message"].as_str().unwrap().contains("set LOGS"), "{value}");
    let output = dockmount(&[
        "explain",
        "--format",
        "json",
        "--env",
        "LOGS=/var/log/app",
        "-f",
        base.to_str().unwrap(),
        "-f",
        over.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let value: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let binds = &value["services"][0]["request"]["Binds"];
    assert!(binds.as_array().unwrap().iter().any(|b| b == "/var/log/app:/logs:ro"), "{binds}");
    let items = value["services"][0]["items"].as_array().unwrap();
    let logs = items.iter().find(|i| i["file"] == 1).expect("an item from the second file");
    assert_eq!(logs["text"], "${LOGS:?set LOGS}:/logs:ro");
}

#[test]
fn a_closed_pipe_ends_the_output_without_a_panic() {
    use std::io::Read;
    use std::process::Stdio;
    // Enough output to fill the pipe, read by something that stops early (`| head -c 16`).
    let flags: Vec<String> = (0..3_000).map(|i| format!("-v=/h{i}:/c{i}")).collect();
    for command in [vec!["explain", "--"], vec!["translate", "--to", "mount", "--"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dockmount"))
            .args(&command)
            .args(&flags)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the dockmount binary runs");
        let mut first = [0u8; 16];
        child.stdout.take().expect("stdout").read_exact(&mut first).expect("some output");
        let output = child.wait_with_output().expect("it ends");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{command:?}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{command:?}: {stderr}");
    }
}

#[test]
fn a_long_syntax_compose_entry_is_shown_lined_up_under_its_dash() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let file = dir.path().join("compose.yaml");
    let text = "services:\n  web:\n    image: nginx\n    volumes:\n      - type: bind\n        source: ./site\n        target: /srv\n        bind:\n          propagation: rshared\n";
    std::fs::write(&file, text).expect("written");
    let output = dockmount(&["explain", file.to_str().expect("a UTF-8 path")]);
    let text = stdout(&output);
    assert!(
        text.contains(
            "  - type: bind\n    source: ./site\n    target: /srv\n    bind:\n      propagation: rshared\n    Bind mount:"
        ),
        "{text}"
    );
}
