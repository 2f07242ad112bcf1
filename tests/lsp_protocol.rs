//! `dockmount lsp` driven over stdio as an editor would drive it: the built binary, real
//! framing, and the exact messages it answers with.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any single answer may take before the test fails (generous: debug builds on a
/// busy machine).
const PATIENCE: Duration = Duration::from_secs(30);

/// A language client talking to `dockmount lsp`.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Messages read while waiting for something else.
    stash: VecDeque<Value>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    next_id: i64,
}

/// Reads one framed message.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dockmount"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dockmount lsp");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut child_stderr = child.stderr.take().expect("stderr");
        let stderr_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = child_stderr.read_to_string(&mut text);
            sink.lock().expect("stderr lock").push_str(&text);
        });
        let stdin = child.stdin.take();
        Client {
            child,
            stdin,
            messages,
            stash: VecDeque::new(),
            stderr,
            stderr_reader: Some(stderr_reader),
            next_id: 0,
        }
    }

    /// Starts a server and initializes it with these capabilities and options.
    fn initialized(capabilities: Value, options: Value) -> Client {
        let mut client = Client::start();
        let result = client.request(
            "initialize",
            json!({"processId": null, "capabilities": capabilities, "initializationOptions": options}),
        );
        assert!(result.get("result").is_some(), "{result}");
        client.notify("initialized", json!({}));
        client
    }

    fn write_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to the server");
        stdin.flush().expect("flush");
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.write_raw(frame.as_bytes());
    }

    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Sends a request and returns the whole response.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response(&json!(id))
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(left) {
            Ok(message) => message,
            Err(_) => panic!("no message from the server in time; stderr:\n{}", self.stderr()),
        }
    }

    /// Waits for the response with this id (other messages are kept for later).
    fn response(&mut self, id: &Value) -> Value {
        if let Some(at) = self.stash.iter().position(|m| m.get("id") == Some(id) && m.get("method").is_none()) {
            return self.stash.remove(at).expect("stashed");
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let message = self.next(deadline);
            if message.get("id") == Some(id) && message.get("method").is_none() {
                return message;
            }
            self.stash.push_back(message);
        }
    }

    /// Waits for the next notification of this method and returns its params.
    fn notification(&mut self, method: &str) -> Value {
        if let Some(at) = self.stash.iter().position(|m| m["method"] == method) {
            return self.stash.remove(at).expect("stashed")["params"].take();
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut message = self.next(deadline);
            if message["method"] == method {
                return message["params"].take();
            }
            self.stash.push_back(message);
        }
    }

    /// The diagnostics published for a version of a document (earlier ones are skipped).
    fn diagnostics(&mut self, uri: &str, version: i64) -> Value {
        loop {
            let params = self.notification("textDocument/publishDiagnostics");
            if params["uri"] == uri && params["version"] == version {
                return params["diagnostics"].clone();
            }
            assert!(
                params["uri"] != uri || params["version"].as_i64().is_some_and(|v| v < version),
                "diagnostics of a newer version than {version} came first: {params}"
            );
        }
    }

    /// Whatever the server sends within `wait`.
    fn quiet_for(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        let mut got: Vec<Value> = self.stash.drain(..).collect();
        while let Ok(message) = self.messages.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            got.push(message);
        }
        got
    }

    fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Closes the server's input and waits for it to end; its exit code.
    fn wait(&mut self) -> i32 {
        self.stdin.take();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                if let Some(reader) = self.stderr_reader.take() {
                    let _ = reader.join();
                }
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn open(&mut self, uri: &str, language: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": version, "text": text}}),
        );
    }

    fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    /// Shuts the server down as the protocol says; what it wrote to standard error.
    fn shutdown_and_exit(mut self) -> String {
        let response = self.request("shutdown", Value::Null);
        assert_eq!(response, json!({"jsonrpc": "2.0", "id": self.next_id, "result": null}));
        self.notify("exit", Value::Null);
        assert_eq!(self.wait(), 0, "stderr:\n{}", self.stderr());
        self.stderr()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn range(l1: u64, c1: u64, l2: u64, c2: u64) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

/// A file URI in a fresh directory (no config file above it but the ones a test writes).
fn workspace() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn file_uri(dir: &Path, name: &str) -> String {
    format!("file://{}/{name}", dir.display())
}

const COMMA_MESSAGE: &str =
    "`/data,ro` is one container path: the mount is read-write at `/data,ro`, not read-only at `/data`";

fn comma_diagnostic(line: u64, start: u64) -> Value {
    json!({
        "range": range(line, start, line, start + 8),
        "severity": 1,
        "code": "DM006",
        "source": "dockmount",
        "message": COMMA_MESSAGE,
        "data": {"name": "comma-in-target"},
    })
}

#[test]
fn initialize_then_shutdown_and_exit_ends_with_0() {
    let mut client = Client::start();
    let response = client.request("initialize", json!({"processId": null, "rootUri": null, "capabilities": {}}));
    assert_eq!(
        response,
        json!({"jsonrpc": "2.0", "id": 1, "result": {
            "capabilities": {
                "positionEncoding": "utf-16",
                "textDocumentSync": {"openClose": true, "change": 2, "save": {"includeText": false}},
                "hoverProvider": true,
                "codeActionProvider": {
                    "codeActionKinds": ["quickfix", "refactor.rewrite", "source.fixAll.dockmount"],
                    "resolveProvider": true,
                },
            },
            "serverInfo": {"name": "dockmount", "version": env!("CARGO_PKG_VERSION")},
        }})
    );
    client.notify("initialized", json!({}));
    // A second initialize is refused.
    let again = client.request("initialize", json!({"capabilities": {}}));
    assert_eq!(again["error"]["code"], -32600);
    assert_eq!(client.request("shutdown", Value::Null), json!({"jsonrpc": "2.0", "id": 3, "result": null}));
    // After shutdown, requests are invalid.
    let late = client.request("textDocument/hover", json!({}));
    assert_eq!(
        late,
        json!({"jsonrpc": "2.0", "id": 4, "error": {"code": -32600, "message": "the server is shutting down"}})
    );
    client.notify("exit", Value::Null);
    assert_eq!(client.wait(), 0);
}

#[test]
fn exit_without_shutdown_ends_with_1() {
    let mut client = Client::initialized(json!({}), Value::Null);
    client.notify("exit", Value::Null);
    assert_eq!(client.wait(), 1);
    // The client going away without a word is the same.
    let mut client = Client::initialized(json!({}), Value::Null);
    assert_eq!(client.wait(), 1);
}

#[test]
fn requests_before_initialize_are_refused() {
    let mut client = Client::start();
    let early = client.request("textDocument/hover", json!({}));
    assert_eq!(
        early,
        json!({"jsonrpc": "2.0", "id": 1, "error": {"code": -32002, "message": "the server is not initialized yet"}})
    );
    // Notifications are dropped; initialize still works.
    client.notify("textDocument/didOpen", json!({}));
    let response = client.request("initialize", json!({"capabilities": {}}));
    assert!(response.get("result").is_some(), "{response}");
    client.shutdown_and_exit();
}

/// The findings of `dockmount lint --format json` for a text.
fn lint_json(name: &str, text: &str) -> Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockmount"))
        .args(["lint", "--isolated", "--format", "json", "--stdin-filename", name, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start dockmount lint");
    child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write");
    let output = child.wait_with_output().expect("lint output");
    serde_json::from_slice(&output.stdout).expect("lint JSON")
}

/// A 1-based line and character column (lint's) as a protocol position (UTF-16).
fn lsp_position(text: &str, line: u64, column: u64) -> Value {
    let content = text.lines().nth(line as usize - 1).unwrap_or("");
    let units: usize = content.chars().take(column as usize - 1).map(char::len_utf16).sum();
    json!({"line": line - 1, "character": units})
}

#[test]
fn diagnostics_are_lints_in_utf16_positions_on_open_and_change() {
    let dir = workspace();
    let uri = file_uri(dir.path(), "run.sh");
    let text = "#!/bin/sh\n# café 😀\necho \"é😀\"; docker run -v /srv:/data,ro alpine\n";
    let mut client = Client::initialized(json!({}), Value::Null);
    client.open(&uri, "shellscript", 1, text);
    let published = client.diagnostics(&uri, 1);
    // `echo "é😀"; docker run -v /srv:` is 31 UTF-16 units: é is one, the emoji two.
    assert_eq!(published, json!([comma_diagnostic(2, 31)]));

    // The same codes, messages and places as `dockmount lint`.
    let lint = lint_json("run.sh", text);
    let findings = lint.as_array().expect("findings");
    assert_eq!(findings.len(), 1);
    let finding = &findings[0];
    assert_eq!(published[0]["code"], finding["code"]);
    assert_eq!(published[0]["message"], finding["message"]);
    let start = lsp_position(
        text,
        finding["start"]["line"].as_u64().unwrap_or(0),
        finding["start"]["column"].as_u64().unwrap_or(0),
    );
    let end = lsp_position(
        text,
        finding["end"]["line"].as_u64().unwrap_or(0),
        finding["end"]["column"].as_u64().unwrap_or(0),
    );
    assert_eq!(published[0]["range"], json!({"start": start, "end": end}));

    // Incremental: three more units before the span move it right.
    client.change(&uri, 2, json!([{"range": range(2, 0, 2, 0), "text": "é😀 "}]));
    assert_eq!(client.diagnostics(&uri, 2), json!([comma_diagnostic(2, 35)]));
    // Incremental, two changes in one notification, applied in order: the fix by hand.
    client.change(
        &uri,
        3,
        json!([
            {"range": range(2, 40, 2, 41), "text": ":"},
            {"range": range(0, 0, 1, 0), "text": ""},
        ]),
    );
    assert_eq!(client.diagnostics(&uri, 3), json!([]));
    // Full sync.
    client.change(&uri, 4, json!([{"text": "docker run \\\n  -v /srv:/data,ro alpine\n"}]));
    assert_eq!(client.diagnostics(&uri, 4), json!([comma_diagnostic(1, 10)]));
    // Closing clears them.
    client.notify("textDocument/didClose", json!({"textDocument": {"uri": uri}}));
    let cleared = client.notification("textDocument/publishDiagnostics");
    assert_eq!(cleared, json!({"uri": uri, "diagnostics": []}));
    client.shutdown_and_exit();
}

#[test]
fn hover_shows_explain_and_dockers_verdict() {
    let dir = workspace();
    let uri = file_uri(dir.path(), "run.sh");
    let text = "echo é😀; docker run -v /srv:/data,ro --mount type=bind,dst=/x alpine\n";
    let mut client = Client::initialized(
        json!({"textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}}}),
        Value::Null,
    );
    client.open(&uri, "shellscript", 1, text);
    let hover = client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 30}}));
    assert_eq!(
        hover["result"],
        json!({
            "contents": {"kind": "markdown", "value": "`-v /srv:/data,ro`\n\n\
                Bind mount: the host path `/srv` appears at `/data,ro` in the container, read-write. \
                The files live on the host: changes on either side show on the other, and they outlive the container \
                (`--rm` and `docker rm -v` never delete them). If `/srv` does not exist, Docker creates it as an empty \
                directory owned by root when the container starts. Note: the container path is `/data,ro`, comma and all: \
                Docker does not read `,ro` as an option, so the mount is read-write, not read-only.\n\n\
                **Docker's verdict** (CLI 29.7.2 / Engine 29.7.2): accepted on its own, but `docker run` fails; \
                the Docker Engine says:\n```text\ninvalid mount config for type \"bind\": field Source must not be empty\n```"},
            "range": range(0, 24, 0, 37),
        })
    );
    // The refused item itself.
    let refused = client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 50}}));
    let value = refused["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(value.starts_with("`--mount type=bind,dst=/x`\n\nDocker refuses this"), "{value}");
    assert!(
        value.ends_with("Docker refuses it; the Docker Engine says:\n```text\ninvalid mount config for type \"bind\": field Source must not be empty\n```"),
        "{value}"
    );
    // Not on an item: nothing.
    let nothing = client
        .request("textDocument/hover", json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}}));
    assert_eq!(nothing["result"], Value::Null);
    client.shutdown_and_exit();
}

#[test]
fn hover_in_compose_and_dockerfile_with_the_configured_docker_version() {
    let dir = workspace();
    let compose = file_uri(dir.path(), "compose.yaml");
    let text =
        "services:\n  app:\n    image: alpine\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n";
    // No Markdown in the client's hover: plain text.
    let mut client = Client::initialized(json!({}), json!({"docker-version": "28.2/20.10"}));
    client.open(&compose, "yaml", 1, text);
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": compose}, "position": {"line": 4, "character": 12}}),
    );
    let result = &hover["result"];
    assert_eq!(result["contents"]["kind"], "plaintext");
    assert_eq!(result["range"], range(4, 8, 4, 52));
    let value = result["contents"]["value"].as_str().unwrap_or("");
    assert!(
        value.starts_with(
            "`/var/run/docker.sock:/var/run/docker.sock:ro`\n\nBind mount: the host path `/var/run/docker.sock`"
        ),
        "{value}"
    );
    assert!(value.ends_with("**Docker's verdict** (CLI 28.2.0 / Engine 20.10.0): accepted.\n```text\nbind /var/run/docker.sock -> /var/run/docker.sock ro mode ro propagation rprivate\n```"), "{value}");

    let dockerfile = file_uri(dir.path(), "Dockerfile");
    client.open(&dockerfile, "dockerfile", 1, "FROM alpine\nVOLUME /data\n");
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": dockerfile}, "position": {"line": 1, "character": 9}}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(value.starts_with("`VOLUME /data`\n\nThe image declares `/data` a volume"), "{value}");
    assert!(
        value.ends_with(
            "**Docker's verdict** (CLI 28.2.0 / Engine 20.10.0): the image declares the volumes `/data` \
             (plus any its base image declares, which is not known here)."
        ),
        "{value}"
    );
    client.shutdown_and_exit();
}

/// Applies a workspace edit's text edits (of one document) to a text, as an editor does.
fn apply(text: &str, edits: &Value) -> String {
    let mut edits: Vec<&Value> = edits.as_array().expect("edits").iter().collect();
    // Last first, so that earlier positions stay valid.
    edits.sort_by_key(|e| {
        std::cmp::Reverse((e["range"]["start"]["line"].as_u64(), e["range"]["start"]["character"].as_u64()))
    });
    let mut out = text.to_string();
    for edit in edits {
        let offset = |p: &Value| {
            let line = p["line"].as_u64().unwrap_or(0) as usize;
            let character = p["character"].as_u64().unwrap_or(0) as usize;
            let start: usize = out.split_inclusive('\n').take(line).map(str::len).sum();
            let mut units = 0;
            let mut at = start;
            for c in out[start..].chars() {
                if units >= character || c == '\n' {
                    break;
                }
                units += c.len_utf16();
                at += c.len_utf8();
            }
            at
        };
        let (start, end) = (offset(&edit["range"]["start"]), offset(&edit["range"]["end"]));
        out.replace_range(start..end, edit["newText"].as_str().unwrap_or(""));
    }
    out
}

#[test]
fn code_actions_fix_ignore_and_fix_all() {
    let dir = workspace();
    let uri = file_uri(dir.path(), "run.sh");
    let text = "echo é😀; docker run -v /srv:/data,ro alpine\ndocker run -v /a:/data,ro b\n";
    let mut client = Client::initialized(json!({}), Value::Null);
    client.open(&uri, "shellscript", 1, text);
    client.diagnostics(&uri, 1);
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range(0, 31, 0, 31), "context": {"diagnostics": []}}),
    );
    let diagnostic = comma_diagnostic(0, 29);
    assert_eq!(
        response["result"],
        json!([
            {
                "title": "use `/data:ro`",
                "kind": "quickfix",
                "diagnostics": [diagnostic],
                "edit": {"changes": {uri.clone(): [{"range": range(0, 29, 0, 37), "newText": "/data:ro"}]}},
                "isPreferred": true,
            },
            {
                "title": "Ignore DM006 (comma-in-target) here",
                "kind": "quickfix",
                "diagnostics": [diagnostic],
                "edit": {"changes": {uri.clone(): [{"range": range(0, 44, 0, 44), "newText": "  # dockmount: ignore[comma-in-target]"}]}},
                "isPreferred": false,
            },
            {
                "title": "Convert to `--mount`",
                "kind": "refactor.rewrite",
                "edit": {"changes": {uri.clone(): [{
                    "range": range(0, 21, 0, 37),
                    "newText": "--mount 'type=bind,source=/srv,\"target=/data,ro\",bind-create-src'",
                }]}},
            },
            {
                "title": "Fix all safe dockmount problems",
                "kind": "source.fixAll.dockmount",
                "edit": {"changes": {uri.clone(): [{"range": range(0, 0, 2, 0), "newText": "echo é😀; docker run -v /srv:/data:ro alpine\ndocker run -v /a:/data:ro b\n"}]}},
                "data": {"uri": uri, "version": 1},
            },
        ])
    );
    // The quick fix, applied as an editor would, leaves the other problem only.
    let actions = &response["result"];
    let fixed = apply(text, &actions[0]["edit"]["changes"][&uri]);
    client.change(&uri, 2, json!([{"text": fixed}]));
    assert_eq!(client.diagnostics(&uri, 2), json!([comma_diagnostic(1, 17)]));
    // The suppression silences it for lint too.
    let ignored = apply(text, &actions[1]["edit"]["changes"][&uri]);
    assert_eq!(lint_json("run.sh", &ignored).as_array().map(Vec::len), Some(1));
    // The conversion does the same as before, comma and all: lint still finds both.
    let converted = apply(text, &actions[2]["edit"]["changes"][&uri]);
    assert!(converted.starts_with(
        "echo é😀; docker run --mount 'type=bind,source=/srv,\"target=/data,ro\",bind-create-src' alpine\n"
    ));
    assert_eq!(lint_json("run.sh", &converted).as_array().map(Vec::len), Some(2));
    // Fix all leaves nothing.
    let all = apply(text, &actions[3]["edit"]["changes"][&uri]);
    client.change(&uri, 3, json!([{"text": all}]));
    assert_eq!(client.diagnostics(&uri, 3), json!([]));
    // Only what was asked for.
    client.change(&uri, 4, json!([{"text": text}]));
    client.diagnostics(&uri, 4);
    let only = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range(0, 0, 0, 0), "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    let titles: Vec<&str> =
        only["result"].as_array().expect("actions").iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(titles, ["Fix all safe dockmount problems"]);
    client.shutdown_and_exit();
}

/// What compose makes of each mount of a compose file: the fields that say what is
/// mounted, the Engine request and the warnings (not where or how it is written).
fn compose_mounts(text: &str) -> Vec<Value> {
    use dockmount::model::compose::{load, LoadOptions};
    let options = LoadOptions { project_dir: Some("/p".into()), ..LoadOptions::default() };
    let project = load(&[("compose.yaml", text)], &options);
    assert_eq!(project.errors, [], "{text}");
    project.services[0]
        .mounts
        .iter()
        .map(|m| {
            let mount = &m.mount;
            json!({
                "kind": format!("{:?}", mount.kind), "source": mount.source, "target": mount.target,
                "read_only": mount.read_only, "propagation": mount.propagation, "selinux": mount.selinux,
                "nocopy": mount.nocopy, "create_host_path": mount.create_host_path, "driver": mount.rare.driver,
                "route": serde_json::to_value(&m.route).expect("route"), "warnings": m.warnings,
            })
        })
        .collect()
}

#[test]
fn compose_short_entries_convert_to_long_syntax() {
    let dir = workspace();
    let uri = file_uri(dir.path(), "compose.yaml");
    let text = "services:\n  app:\n    image: alpine\n    volumes:\n      - ./data:/data:ro\n      - cache:/var/cache\n      - './html:/usr/share/nginx/html:z'  # site\nvolumes:\n  cache:\n";
    let mut client = Client::initialized(json!({}), Value::Null);
    client.open(&uri, "yaml", 1, text);
    client.diagnostics(&uri, 1);
    let refactor = |client: &mut Client, line: u64, character: u64| {
        let response = client.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range(line, character, line, character),
                "context": {"diagnostics": [], "only": ["refactor"]}}),
        );
        response["result"].clone()
    };
    let expected = |line: u64, start: u64, end: u64, new_text: &str| {
        json!([{"title": "Convert to long syntax", "kind": "refactor.rewrite",
            "edit": {"changes": {uri.clone(): [{"range": range(line, start, line, end), "newText": new_text}]}}}])
    };
    let bind = refactor(&mut client, 4, 12);
    assert_eq!(
        bind,
        expected(
            4,
            8,
            23,
            "type: bind\n        source: ./data\n        target: /data\n        read_only: true\n        bind:\n          create_host_path: true"
        )
    );
    let named = refactor(&mut client, 5, 8);
    assert_eq!(named, expected(5, 8, 24, "type: volume\n        source: cache\n        target: /var/cache"));
    // Quoted, with SELinux relabelling and a comment after it.
    let relabelled = refactor(&mut client, 6, 40);
    assert_eq!(
        relabelled,
        expected(
            6,
            8,
            40,
            "type: bind\n        source: ./html\n        target: /usr/share/nginx/html\n        bind:\n          selinux: z\n          create_host_path: true"
        )
    );
    // Off the entries: nothing to convert.
    assert_eq!(refactor(&mut client, 2, 10), json!([]));

    // Each rewrite, and all three, read as the same mounts.
    let original = compose_mounts(text);
    assert_eq!(original.len(), 3);
    let mut all = text.to_string();
    for action in [&relabelled, &named, &bind] {
        let edits = &action[0]["edit"]["changes"][&uri];
        assert_eq!(compose_mounts(&apply(text, edits)), original);
        all = apply(&all, edits);
    }
    assert_eq!(
        all,
        "services:\n  app:\n    image: alpine\n    volumes:\n      - type: bind\n        source: ./data\n        target: /data\n        read_only: true\n        bind:\n          create_host_path: true\n      - type: volume\n        source: cache\n        target: /var/cache\n      - type: bind\n        source: ./html\n        target: /usr/share/nginx/html\n        bind:\n          selinux: z\n          create_host_path: true  # site\nvolumes:\n  cache:\n"
    );
    assert_eq!(compose_mounts(&all), original);
    assert_eq!(lint_json("compose.yaml", &all), json!([]));

    // A CRLF file gets CRLF lines.
    let crlf = text.replace('\n', "\r\n");
    client.change(&uri, 2, json!([{"text": crlf}]));
    client.diagnostics(&uri, 2);
    let converted = refactor(&mut client, 4, 12);
    let edits = &converted[0]["edit"]["changes"][&uri];
    assert_eq!(
        edits[0]["newText"],
        "type: bind\r\n        source: ./data\r\n        target: /data\r\n        read_only: true\r\n        bind:\r\n          create_host_path: true"
    );
    let after = apply(&crlf, edits);
    assert!(!after.replace("\r\n", "").contains('\n'), "{after:?}");
    assert_eq!(compose_mounts(&after), original);
    client.shutdown_and_exit();
}

#[test]
fn versioned_edits_and_fix_all_resolved_on_demand() {
    let dir = workspace();
    let uri = file_uri(dir.path(), "compose.yaml");
    let text = "services:\r\n  app:\r\n    image: alpine\r\n    volumes:\r\n      - /srv:/data,ro\r\n";
    let capabilities = json!({
        "workspace": {"workspaceEdit": {"documentChanges": true}},
        "textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}},
    });
    let mut client = Client::initialized(capabilities, Value::Null);
    client.open(&uri, "yaml", 7, text);
    assert_eq!(client.diagnostics(&uri, 7), json!([comma_diagnostic(4, 13)]));
    let response = client.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range(4, 15, 4, 15), "context": {"diagnostics": []}}),
    );
    let actions = response["result"].as_array().expect("actions");
    assert_eq!(
        actions[1]["edit"],
        json!({"documentChanges": [{"textDocument": {"uri": uri, "version": 7},
            "edits": [{"range": range(4, 21, 4, 21), "newText": "  # dockmount: ignore[comma-in-target]"}]}]})
    );
    // The entry in long syntax, in the file's line endings.
    assert_eq!(
        actions[2],
        json!({"title": "Convert to long syntax", "kind": "refactor.rewrite",
            "edit": {"documentChanges": [{"textDocument": {"uri": uri, "version": 7},
                "edits": [{"range": range(4, 8, 4, 21), "newText": "type: bind\r\n        source: /srv\r\n        target: /data,ro\r\n        bind:\r\n          create_host_path: true"}]}]}})
    );
    let fix_all = actions[3].clone();
    assert_eq!(fix_all.get("edit"), None, "{fix_all}");
    let resolved = client.request("codeAction/resolve", fix_all);
    assert_eq!(
        resolved["result"]["edit"],
        json!({"documentChanges": [{"textDocument": {"uri": uri, "version": 7},
            "edits": [{"range": range(4, 0, 5, 0), "newText": "      - /srv:/data:ro\r\n"}]}]})
    );
    client.shutdown_and_exit();
}

#[test]
fn malformed_messages_and_unknown_methods_do_not_stop_the_server() {
    let dir = workspace();
    let uri = file_uri(dir.path(), "run.sh");
    let mut client = Client::initialized(json!({}), Value::Null);
    // Not JSON.
    client.write_raw(b"Content-Length: 9\r\n\r\n{not json");
    let reply = client.next(Instant::now() + PATIENCE);
    assert_eq!(reply["id"], Value::Null);
    assert_eq!(reply["error"]["code"], -32700);
    // JSON, but not a message.
    client.write_raw(b"Content-Length: 6\r\n\r\n[1, 2]");
    assert_eq!(
        client.next(Instant::now() + PATIENCE),
        json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600, "message": "Invalid request: a message must be a JSON object"}})
    );
    client.send(&json!({"jsonrpc": "2.0", "id": 77, "method": 3}));
    let reply = client.next(Instant::now() + PATIENCE);
    assert_eq!((reply["id"].clone(), reply["error"]["code"].clone()), (json!(77), json!(-32600)));
    // Broken headers.
    client.write_raw(b"Content-Length: many\r\n\r\n");
    assert_eq!(client.next(Instant::now() + PATIENCE)["error"]["code"], -32700);
    // Not UTF-8.
    client.write_raw(b"Content-Length: 4\r\n\r\n\"\xff\xfe\"");
    assert_eq!(client.next(Instant::now() + PATIENCE)["error"]["code"], -32700);
    // Unknown methods; parameters that cannot be read.
    let unknown = client.request("textDocument/definition", json!({}));
    assert_eq!(unknown["error"], json!({"code": -32601, "message": "unknown method textDocument/definition"}));
    let bad = client.request("textDocument/hover", json!("nonsense"));
    assert_eq!(bad["error"]["code"], -32602);
    let closed = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere/x.sh"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(closed["error"], json!({"code": -32602, "message": "the document is not open: file:///nowhere/x.sh"}));
    // Unknown and broken notifications are ignored.
    client.notify("$/unknown", json!({}));
    client.notify("textDocument/didChange", json!({"textDocument": 5}));
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nowhere/x.sh", "version": 2}, "contentChanges": []}),
    );
    assert_eq!(client.quiet_for(Duration::from_millis(200)), Vec::<Value>::new());

    // Still serving.
    client.open(&uri, "shellscript", 1, "docker run -v /srv:/data,ro alpine\n");
    assert_eq!(client.diagnostics(&uri, 1), json!([comma_diagnostic(0, 19)]));
    let stderr = client.shutdown_and_exit();
    // Each bad message was logged, and nothing panicked.
    assert!(stderr.contains("dockmount lsp: Parse error: the message is not JSON"), "{stderr}");
    assert!(stderr.contains("dockmount lsp: textDocument/didChange: invalid params"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn documents_that_cannot_be_read_are_diagnostics() {
    let dir = workspace();
    let mut client = Client::initialized(json!({}), Value::Null);
    let compose = file_uri(dir.path(), "compose.yaml");
    client.open(&compose, "yaml", 1, "services:\n  app: [\n    volumes: {\n");
    let diagnostics = client.diagnostics(&compose, 1);
    assert_eq!(diagnostics[0]["code"], "DM000", "{diagnostics}");
    let script = file_uri(dir.path(), "run.sh");
    client.open(&script, "shellscript", 1, "docker run -v \"/a:/b img\n\u{0}\u{1b}[31m");
    let diagnostics = client.diagnostics(&script, 1);
    assert_eq!(diagnostics[0]["code"], "DM000", "{diagnostics}");
    // Positions past the end, in the middle of a surrogate pair, on missing lines.
    client.change(&script, 2, json!([{"range": range(0, 1000, 99, 5), "text": "x"}, {"range": range(0, 1, 0, 1), "text": "😀"}, {"range": range(0, 2, 0, 2), "text": "z"}]));
    client.diagnostics(&script, 2);
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": script}, "position": {"line": 4_000_000_000u64, "character": 4_000_000_000u64}}),
    );
    assert_eq!(hover["result"], Value::Null);
    // A document that is not a kind lint reads gets no diagnostics at all.
    let notes = file_uri(dir.path(), "notes.txt");
    client.open(&notes, "plaintext", 1, "docker run -v /srv:/data,ro alpine\n");
    assert_eq!(client.diagnostics(&notes, 1), json!([]));
    client.shutdown_and_exit();
}

#[test]
fn settings_from_the_config_file_and_the_editor() {
    let dir = workspace();
    let sub = dir.path().join("deploy");
    std::fs::create_dir_all(&sub).expect("mkdir");
    std::fs::write(dir.path().join("dockmount.toml"), "ignore = [\"comma-in-target\"]\n").expect("config");
    let uri = file_uri(&sub, "run.sh");
    let text = "docker run -v /srv:/data,ro alpine\n";

    // The config file above the document applies.
    let mut client = Client::initialized(json!({}), Value::Null);
    client.open(&uri, "shellscript", 1, text);
    assert_eq!(client.diagnostics(&uri, 1), json!([]));
    // The editor's settings are on top of it, and can change.
    client.notify("workspace/didChangeConfiguration", json!({"settings": {"dockmount": {"select": ["ALL"]}}}));
    assert_eq!(client.diagnostics(&uri, 1), json!([comma_diagnostic(0, 19)]));
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"dockmount": {"severity": "error", "ignore": "DM0"}}}),
    );
    assert_eq!(client.diagnostics(&uri, 1), json!([]));
    client.shutdown_and_exit();

    // initializationOptions, with a problem reported and the rest applied.
    let mut client = Client::initialized(json!({}), json!({"select": ["DM006"], "severity": "fatal"}));
    let message = client.notification("window/showMessage");
    assert_eq!(
        message,
        json!({"type": 2, "message": "dockmount settings: `severity`: unknown severity `fatal` (info, warning or error)"})
    );
    client.open(&uri, "shellscript", 1, text);
    assert_eq!(client.diagnostics(&uri, 1), json!([comma_diagnostic(0, 19)]));
    // A config file that cannot be read is said once, and the document is still linted.
    std::fs::write(dir.path().join("dockmount.toml"), "select = 3\n").expect("config");
    client.notify("textDocument/didSave", json!({"textDocument": {"uri": file_uri(dir.path(), "dockmount.toml")}}));
    let message = client.notification("window/showMessage");
    assert_eq!(message["type"], 1);
    assert!(message["message"].as_str().is_some_and(|m| m.contains("dockmount.toml")), "{message}");
    assert_eq!(client.diagnostics(&uri, 1), json!([comma_diagnostic(0, 19)]));
    client.shutdown_and_exit();
}

#[test]
fn a_5000_line_document_stays_responsive() {
    let dir = workspace();
    let uri = file_uri(dir.path(), "big.sh");
    let mut text = String::new();
    for i in 0..5000 {
        if i % 5 == 0 {
            text.push_str(&format!("docker run -v /srv{i}:/data,ro -v vol{i}:/v alpine  # é😀\n"));
        } else {
            text.push_str(&format!("echo \"line {i} é😀\"\n"));
        }
    }
    let mut client = Client::initialized(json!({}), Value::Null);
    let opened = Instant::now();
    client.open(&uri, "shellscript", 1, &text);
    let diagnostics = client.diagnostics(&uri, 1);
    let first = opened.elapsed();
    assert_eq!(diagnostics.as_array().map(Vec::len), Some(1000));
    assert_eq!(diagnostics[999]["range"], range(4995, 23, 4995, 31));

    // A burst of typing: every change is taken at once, lint runs once for the last.
    let typing = Instant::now();
    for version in 2..=21 {
        client.change(&uri, version, json!([{"range": range(1, 0, 1, 0), "text": "x"}]));
    }
    // Hovering while lint runs is answered straight away.
    let asked = Instant::now();
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 4995, "character": 25}}),
    );
    let hovered = asked.elapsed();
    assert!(
        hover["result"]["contents"]["value"].as_str().is_some_and(|v| v.starts_with("`-v /srv4995:/data,ro`")),
        "{hover}"
    );
    let last = client.diagnostics(&uri, 21);
    let after_typing = typing.elapsed();
    assert_eq!(last.as_array().map(Vec::len), Some(1000));
    // No older version was published after the burst started.
    let late: Vec<Value> = client
        .quiet_for(Duration::from_millis(300))
        .into_iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .collect();
    assert_eq!(late, Vec::<Value>::new());
    println!(
        "5,000 lines, 1,000 findings: diagnostics {:?} after opening, {:?} after a burst of 20 changes; hover answered in {:?} meanwhile",
        first, after_typing, hovered
    );
    assert!(hovered < Duration::from_secs(5), "hover took {hovered:?}");
    client.shutdown_and_exit();
}
