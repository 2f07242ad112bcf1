//! `dockmount lsp` in a real editor: Neovim's built-in LSP client, headless, opens a
//! compose file with a Docker socket mount (tests/lsp/compose.yaml), and the test reads
//! back what Neovim shows (`vim.diagnostic.get`), a hover, and the buffer after applying a
//! quick fix (tests/lsp/neovim.lua drives Neovim).
//!
//! Skipped with a message when `nvim` is not installed; under `CI` its absence fails.

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn nvim_version() -> Option<String> {
    let output = Command::new("nvim").arg("--version").stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    output.status.success().then(|| text.lines().next().unwrap_or("").to_string())
}

#[test]
fn neovim_shows_diagnostics_and_hover_and_applies_a_quick_fix() {
    let Some(version) = nvim_version() else {
        if std::env::var_os("CI").is_some() {
            panic!("nvim is required under CI (Debian: apt-get install -y neovim)");
        }
        println!("skipped: nvim is not installed (Debian: apt-get install -y neovim)");
        return;
    };
    println!("{version}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A directory of its own, so that no config file of the project applies.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("compose.yaml");
    std::fs::copy(root.join("tests/lsp/compose.yaml"), &file).expect("copy the fixture");
    let out = dir.path().join("out.json");
    let script = root.join("tests/lsp/neovim.lua");

    let mut child = Command::new("nvim")
        .args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("DOCKMOUNT_BIN", env!("CARGO_BIN_EXE_dockmount"))
        .env("DOCKMOUNT_FILE", &file)
        .env("DOCKMOUNT_OUT", &out)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for nvim") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nvim did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "nvim failed: {status}");
    let text = std::fs::read_to_string(&out).expect("nvim wrote its findings");
    let seen: Value = serde_json::from_str(&text).expect("JSON from nvim");
    assert_eq!(seen["errors"], json!([]), "{seen:#}");
    println!("Neovim used {}", seen["api"]);
    assert_eq!(seen["filetype"], "yaml");

    // What Neovim shows: lines 0-based, columns in bytes (Neovim turned the server's UTF-16
    // positions into byte columns: `./café😀:` is 9 UTF-16 units and 12 bytes).
    let socket = json!({
        "lnum": 4, "col": 8, "end_lnum": 4, "end_col": 28, "severity": 2, "source": "dockmount", "code": "DM010",
        "message": "`/var/run/docker.sock` is the Docker API socket: whoever controls this container controls the daemon, \
                    and through it the host (a privileged container with the host's file system mounted is one API call away).",
    });
    let comma = json!({
        "lnum": 5, "col": 20, "end_lnum": 5, "end_col": 28, "severity": 1, "source": "dockmount", "code": "DM006",
        "message": "`/data,ro` is one container path: the mount is read-write at `/data,ro`, not read-only at `/data`",
    });
    assert_eq!(seen["diagnostics"], json!([socket, comma]));

    let hover = seen["hover"].as_str().unwrap_or("");
    assert!(
        hover.starts_with(
            "`/var/run/docker.sock:/var/run/docker.sock`\n\nBind mount: the host path `/var/run/docker.sock` appears at \
             `/var/run/docker.sock` in the container, read-write."
        ),
        "{hover}"
    );
    assert!(
        hover.ends_with(
            "**Docker's verdict** (CLI 29.7.2 / Engine 29.7.2): accepted.\n```text\n\
             bind /var/run/docker.sock -> /var/run/docker.sock rw mode rw propagation rprivate\n```"
        ),
        "{hover}"
    );

    assert_eq!(
        seen["actions"],
        json!([
            "use `/data:ro`",
            "Ignore DM006 (comma-in-target) here",
            "Convert to long syntax",
            "Fix all safe dockmount problems"
        ])
    );
    assert_eq!(seen["fixed_line"], "      - ./café😀:/data:ro");
    assert_eq!(seen["after"], json!([socket]));
}
