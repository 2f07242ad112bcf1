//! `dockmount lint` and `dockmount rule`, run as the built binary on files made in
//! temporary directories: walking, standard input, every output format, exit codes,
//! selection and config files, inline suppressions, `--fix` and `--diff`.
//!
//! Most runs select the rules the test is about (`DM000`, `DM006`, `DM900`), so that rules
//! added later do not change the expected output.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The rules these tests look at.
const RULES: &str = "--select=DM000,DM006,DM900";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn dockmount_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dockmount"));
    command.current_dir(dir).args(args).env_remove("NO_COLOR").env_remove("CI");
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot run dockmount: {e}"));
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).unwrap_or_else(|e| panic!("stdin: {e}"));
    }
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("dockmount: {e}"));
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A temporary directory with the given files (paths with `/` make directories).
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    for (path, text) in files {
        write(&dir.path().join(path), text);
    }
    dir
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `path:line:column` of each finding of a concise report.
fn places(concise: &str) -> Vec<&str> {
    concise.lines().filter(|l| l.contains(": DM")).filter_map(|l| l.split(": ").next()).collect()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

const BAD: &str = "docker run -v /srv:/data,ro alpine\n";
const GOOD: &str = "docker run -v /srv:/data:ro alpine\n";
const BAD_MESSAGE: &str =
    "`/data,ro` is one container path: the mount is read-write at `/data,ro`, not read-only at `/data`";

// --- walking -------------------------------------------------------------------------

#[test]
fn a_walk_honours_gitignore_reads_hidden_ci_files_and_sorts_by_path() {
    let dir = tree(&[
        (".gitignore", "ignored/\n*.gen.sh\n"),
        ("b/run.sh", BAD),
        ("a/run.sh", BAD),
        ("ignored/run.sh", BAD),
        ("x.gen.sh", BAD),
        ("notes.txt", BAD),
        ("values.yaml", "run: docker run -v /srv:/data,ro alpine\n"),
        (".github/workflows/ci.yml", "jobs:\n  t:\n    steps:\n      - run: docker run -v /srv:/data,ro alpine\n"),
        ("bin/deploy", &format!("#!/bin/sh\n{BAD}")),
        ("docs/guide.md", &format!("Run it:\n\n```sh\n{BAD}```\n\nNot this: {BAD}")),
        (".git/hooks/pre-commit.sh", BAD),
    ]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "concise"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        places(&run.stdout),
        [".github/workflows/ci.yml:4:33", "a/run.sh:1:20", "b/run.sh:1:20", "bin/deploy:2:20", "docs/guide.md:4:20"]
    );
    assert!(run.stdout.ends_with("Found 5 problems (5 fixable with --fix).\n"), "{}", run.stdout);

    // The same from a path given on the command line, shown as given.
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "concise", "./a", "b/"], None);
    assert_eq!(places(&run.stdout), ["a/run.sh:1:20", "b/run.sh:1:20"]);
}

#[test]
fn a_named_file_is_linted_whatever_its_name_and_ignores() {
    let dir = tree(&[(".gitignore", "ignored/\n"), ("ignored/run.sh", BAD), ("notes.txt", BAD)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "concise", "notes.txt", "ignored/run.sh"], None);
    assert_eq!(run.code, 1);
    assert_eq!(places(&run.stdout), ["ignored/run.sh:1:20", "notes.txt:1:20"]);
}

#[test]
fn binary_files_are_skipped_in_a_walk_and_an_error_when_named() {
    let dir = tree(&[("ok.sh", GOOD)]);
    fs::write(dir.path().join("blob.sh"), b"docker run \0\xff\xfe").unwrap_or_else(|e| panic!("{e}"));
    let run = dockmount_in(dir.path(), &["lint", RULES], None);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "No problems found.\n", ""));
    let run = dockmount_in(dir.path(), &["lint", RULES, "blob.sh"], None);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "error: blob.sh: not a text file (binary or not UTF-8); nothing linted\n");
}

#[test]
fn files_over_the_size_limit_are_reported_and_skipped() {
    let dir = tree(&[("run.sh", BAD)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--max-file-size", "10"], None);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, "No problems found.\n");
    assert_eq!(run.stderr, "warning: run.sh: skipped: 35 bytes is over the size limit of 10 bytes (max-file-size)\n");
    write(&dir.path().join("dockmount.toml"), "max-file-size = \"1K\"\n");
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "concise"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn missing_paths_are_errors() {
    let dir = tree(&[("run.sh", BAD)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "concise", "nothere.sh", "run.sh"], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.starts_with("error: nothere.sh: No such file or directory"), "{}", run.stderr);
    // The files that could be read are still reported.
    assert!(run.stdout.starts_with("run.sh:1:20: DM006"), "{}", run.stdout);
}

// --- standard input --------------------------------------------------------------------

#[test]
fn standard_input_takes_its_kind_from_the_stdin_filename() {
    let dir = tree(&[]);
    let markdown = format!("{BAD}\n```sh\n{BAD}```\n");
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "concise", "-"], Some(&markdown));
    // Without a name the text is read as a shell script: both lines count.
    assert_eq!(places(&run.stdout), ["-:1:20", "-:4:20"]);
    let run = dockmount_in(
        dir.path(),
        &["lint", RULES, "--format", "concise", "--stdin-filename", "docs/README.md"],
        Some(&markdown),
    );
    assert_eq!(places(&run.stdout), ["docs/README.md:4:20"]);
    assert_eq!(run.code, 1);
}

// --- formats ---------------------------------------------------------------------------

#[test]
fn text_format_shows_a_snippet_a_help_note_and_a_summary() {
    let dir = tree(&[("run.sh", BAD)]);
    let run = dockmount_in(dir.path(), &["lint", RULES], None);
    assert_eq!(run.code, 1);
    let expected = format!(
        "error[DM006]: {BAD_MESSAGE}
  ┌─ run.sh:1:20
  │
1 │ docker run -v /srv:/data,ro alpine
  │                    ^^^^^^^^ comma-in-target
  │
  = help: use `/data:ro`

Found 1 problem (1 fixable with --fix).
"
    );
    assert_eq!(run.stdout, expected);
    // Not a terminal: no colour.
    assert!(!run.stdout.contains('\u{1b}'));
}

#[test]
fn json_format_is_the_documented_contract_with_character_columns() {
    // Three two-byte and one three-byte characters before the span on the same line.
    let text = "# été\ndocker run -v /srv/日é:/data,ro alpine\n";
    let dir = tree(&[("run.sh", text)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "json"], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let expected = serde_json::json!([{
        "code": "DM006",
        "name": "comma-in-target",
        "severity": "error",
        "message": BAD_MESSAGE,
        "hint": null,
        "file": "run.sh",
        "start": {"line": 2, "column": 23},
        "end": {"line": 2, "column": 31},
        "fix": {
            "applicability": "safe",
            "message": "use `/data:ro`",
            "edits": [{"start": {"line": 2, "column": 23}, "end": {"line": 2, "column": 31}, "content": "/data:ro"}],
        },
    }]);
    assert_eq!(json(&run.stdout), expected);
    let line = text.lines().nth(1).unwrap_or_default();
    let column = line.chars().take_while(|c| *c != ':').count() + 2;
    assert_eq!(column, 23, "the character column of `/data,ro`");

    let clean = tree(&[("run.sh", GOOD)]);
    let run = dockmount_in(clean.path(), &["lint", RULES, "--format", "json"], None);
    assert_eq!((run.code, run.stdout.as_str()), (0, "[]\n"));
}

#[test]
fn json_reports_read_errors_with_their_hint_and_no_fix() {
    let dir = tree(&[("run.sh", "docker run -v \"/x img\n")]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "json"], None);
    assert_eq!(run.code, 1);
    let found = json(&run.stdout);
    assert_eq!(found[0]["code"], "DM000");
    assert_eq!(found[0]["name"], "read-error");
    assert_eq!(found[0]["message"], "unclosed double quote");
    assert_eq!(found[0]["start"], serde_json::json!({"line": 1, "column": 15}));
    assert!(found[0]["hint"].as_str().is_some_and(|h| h.starts_with("close it with \"")));
    assert_eq!(found[0]["fix"], serde_json::Value::Null);
}

#[test]
fn github_format_writes_workflow_commands() {
    let dir = tree(&[("dir,x/run.sh", BAD)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "github"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        format!(
            "::error file=dir%2Cx/run.sh,line=1,col=20,endLine=1,endColumn=28,title=DM006 comma-in-target::{BAD_MESSAGE}%0Ahelp: use `/data:ro`\n"
        )
    );
}

#[test]
fn junit_and_gitlab_formats() {
    let dir = tree(&[("a.sh", BAD), ("b.sh", GOOD)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "junit"], None);
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"dockmount\" tests=\"2\" failures=\"1\">\n"
    ));
    assert!(run.stdout.contains("<testcase name=\"DM006 comma-in-target at 1:20\" classname=\"a.sh\">"));
    assert!(run.stdout.contains("<testcase name=\"no problems\" classname=\"b.sh\"/>"));

    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "gitlab"], None);
    let issues = json(&run.stdout);
    assert_eq!(issues.as_array().map(Vec::len), Some(1));
    assert_eq!(issues[0]["check_name"], "DM006");
    assert_eq!(issues[0]["severity"], "major");
    assert_eq!(issues[0]["location"]["path"], "a.sh");
    assert_eq!(issues[0]["location"]["positions"]["begin"], serde_json::json!({"line": 1, "column": 20}));
    assert_eq!(issues[0]["fingerprint"].as_str().map(str::len), Some(16));
}

#[test]
fn the_report_can_go_to_a_file() {
    let dir = tree(&[("run.sh", BAD)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "sarif", "-o", "out.sarif"], None);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    let log = json(&read(&dir.path().join("out.sarif")));
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "DM006");
}

// --- exit codes, selection, config -------------------------------------------------------

#[test]
fn exit_codes() {
    let dir = tree(&[("good.sh", GOOD), ("bad.sh", BAD)]);
    assert_eq!(dockmount_in(dir.path(), &["lint", RULES, "good.sh"], None).code, 0);
    assert_eq!(dockmount_in(dir.path(), &["lint", RULES, "bad.sh"], None).code, 1);
    assert_eq!(dockmount_in(dir.path(), &["lint", RULES, "--exit-zero", "bad.sh"], None).code, 0);
    let run = dockmount_in(dir.path(), &["lint", "--select", "DM7"], None);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "error: --select: unknown rule or code prefix `DM7` (see `dockmount rule --all`)\n");
    assert_eq!(dockmount_in(dir.path(), &["lint", "--format", "xml"], None).code, 2);
    assert_eq!(dockmount_in(dir.path(), &["lint", "--cwd", "relative"], None).code, 2);
    assert_eq!(dockmount_in(dir.path(), &["lint", "--docker-version", "banana"], None).code, 2);
}

#[test]
fn select_ignore_and_severity() {
    let text = format!("{BAD}# dockmount: ignore[DM006]\n");
    let dir = tree(&[("run.sh", &text)]);
    let codes = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["lint", "--format", "json"];
        all.extend_from_slice(args);
        let run = dockmount_in(dir.path(), &all, None);
        json(&run.stdout)
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| f["code"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(codes(&[RULES]), ["DM006", "DM900"]);
    // A suppression of a rule the run does not report is not judged unused.
    assert!(codes(&[RULES, "--ignore", "comma-in-target"]).is_empty());
    assert_eq!(codes(&["--select", "DM006"]), ["DM006"]);
    assert_eq!(codes(&["--select", "DM006", "--ignore", "DM0"]), ["DM006"]);
    // A name or a whole code is more specific than a prefix, whichever list it is in.
    assert_eq!(codes(&["--select", "DM006,unused-suppression", "--ignore", "DM9"]), ["DM006", "DM900"]);
    assert_eq!(codes(&["--select", "DM006,DM9", "--ignore", "unused-suppression"]), ["DM006"]);
    assert_eq!(codes(&[RULES, "--severity", "error"]), ["DM006"]);
    assert_eq!(codes(&[RULES, "--severity", "warning"]), ["DM006", "DM900"]);
    assert!(codes(&["--ignore", "ALL"]).is_empty());
}

#[test]
fn the_nearest_config_file_applies_and_flags_override_it() {
    let dir = tree(&[
        ("dockmount.toml", "select = [\"DM000\", \"DM006\", \"DM900\"]\nignore = [\"DM006\"]\n"),
        ("top.sh", BAD),
        ("sub/.dockmount.toml", "select = [\"comma-in-target\"]\n"),
        ("sub/run.sh", BAD),
    ]);
    let found = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["lint", "--format", "concise"];
        all.extend_from_slice(args);
        let run = dockmount_in(dir.path(), &all, None);
        assert_ne!(run.code, 2, "{}", run.stderr);
        run.stdout
            .lines()
            .filter(|l| l.contains(": DM"))
            .map(|l| l.split(": ").next().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(found(&[]), ["sub/run.sh:1:20"]);
    // --select replaces the config's selection; --ignore adds to its ignore list.
    assert_eq!(found(&["--select", "DM006"]), ["sub/run.sh:1:20", "top.sh:1:20"]);
    assert!(found(&["--ignore", "DM006"]).is_empty());
    // --config applies one file everywhere; --isolated none.
    assert!(found(&["--config", "dockmount.toml"]).is_empty());
    assert_eq!(found(&["--isolated", RULES]), ["sub/run.sh:1:20", "top.sh:1:20"]);
    // Standard input finds the config from its name.
    let run = dockmount_in(dir.path(), &["lint", "--format", "concise", "--stdin-filename", "top.sh"], Some(BAD));
    assert_eq!((run.code, run.stdout.as_str()), (0, "No problems found.\n"));
}

#[test]
fn config_per_file_ignores_and_exclude() {
    let dir = tree(&[
        (
            "dockmount.toml",
            "select = [\"DM000\", \"DM006\", \"DM900\"]\nexclude = [\"vendor\", \"gen/*.sh\"]\n\n[per-file-ignores]\n\"docs/**\" = [\"comma-in-target\"]\n",
        ),
        ("vendor/lib/run.sh", BAD),
        ("gen/run.sh", BAD),
        ("docs/a/run.sh", BAD),
        ("run.sh", BAD),
    ]);
    let run = dockmount_in(dir.path(), &["lint", "--format", "concise"], None);
    assert_eq!(places(&run.stdout), ["run.sh:1:20"]);
    // Excluded files named on the command line are linted all the same.
    let run = dockmount_in(dir.path(), &["lint", "--format", "concise", "gen/run.sh"], None);
    assert_eq!(run.code, 1);
}

#[test]
fn config_errors_are_usage_errors() {
    for (config, message) in [
        ("selectt = [\"DM006\"]\n", "unknown field `selectt`"),
        ("select = [\"nope\"]\n", "`select`: unknown rule or code prefix `nope`"),
        ("severity = \"loud\"\n", "`severity`: unknown severity `loud`"),
        ("docker-version = \"x\"\n", "`docker-version`"),
        ("max-file-size = \"big\"\n", "`max-file-size`: invalid size `big`"),
    ] {
        let dir = tree(&[("dockmount.toml", config), ("run.sh", BAD)]);
        let run = dockmount_in(dir.path(), &["lint"], None);
        assert_eq!(run.code, 2, "{config}");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        assert!(run.stderr.contains("dockmount.toml"), "{}", run.stderr);
        assert!(run.stderr.contains(message), "{config}: {}", run.stderr);
    }
}

// --- suppressions ----------------------------------------------------------------------

#[test]
fn suppressions_on_the_line_the_line_before_and_before_a_continued_command() {
    let text = "\
docker run -v /srv:/a,ro alpine  # dockmount: ignore[DM006]
# dockmount: ignore[comma-in-target]
docker run -v /srv:/b,ro alpine
# dockmount: ignore
docker run \\
  -v /srv:/c,ro \\
  alpine
# dockmount: ignore[DM006]

docker run -v /srv:/d,ro alpine
docker run -v /srv:/e,ro alpine # dockmount: ignore[nonsense, DM006]
";
    let dir = tree(&[("run.sh", text)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "concise"], None);
    assert_eq!(
        run.stdout,
        "run.sh:8:1: DM900 [*] unused suppression: no `comma-in-target` (DM006) finding here to suppress
run.sh:10:20: DM006 [*] `/d,ro` is one container path: the mount is read-write at `/d,ro`, not read-only at `/d`
run.sh:11:33: DM900 [*] unused suppression: `nonsense` is not a dockmount rule
Found 3 problems (3 fixable with --fix).
"
    );
}

#[test]
fn markdown_suppressions_in_html_comments_cover_the_next_code_block() {
    let text = "<!-- dockmount: ignore[DM006] -->\n```sh\ndocker run \\\n  -v /srv:/a,ro alpine\n```\n\n```sh\ndocker run -v /srv:/b,ro alpine  # dockmount: ignore\n```\n<!-- dockmount: ignore -->\n";
    let dir = tree(&[("README.md", text)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--format", "concise"], None);
    assert_eq!(
        run.stdout,
        "README.md:10:1: DM900 [*] unused suppression: there is nothing to suppress here\nFound 1 problem (1 fixable with --fix).\n"
    );
}

#[test]
fn unused_suppressions_are_fixed_away() {
    let text = "# dockmount: ignore[DM006]\necho hi  # dockmount: ignore\ndocker run -v /srv:/b,ro alpine  # dockmount: ignore[DM006, bogus]\n";
    let dir = tree(&[("run.sh", text)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--fix"], None);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "Found 3 problems (3 fixed, 0 remaining).\n");
    assert_eq!(
        read(&dir.path().join("run.sh")),
        "echo hi\ndocker run -v /srv:/b,ro alpine  # dockmount: ignore[DM006]\n"
    );
}

// --- fixes -----------------------------------------------------------------------------

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn fix_rewrites_keeping_line_endings_mode_and_a_missing_final_newline() {
    let crlf = "#!/bin/sh\r\ndocker run -v /srv:/data,ro -v /a:/b,rw alpine\r\necho done\r\n";
    let bare = "docker run -v /srv:/data,readonly alpine";
    let dir = tree(&[("crlf.sh", crlf), ("bare.sh", bare), ("good.sh", GOOD)]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.path().join("crlf.sh");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o751)).unwrap_or_else(|e| panic!("{e}"));
    }
    let good_before = fs::metadata(dir.path().join("good.sh")).and_then(|m| m.modified()).ok();

    let run = dockmount_in(dir.path(), &["lint", RULES, "--fix"], None);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "Found 3 problems (3 fixed, 0 remaining).\n");
    assert_eq!(
        read(&dir.path().join("crlf.sh")),
        "#!/bin/sh\r\ndocker run -v /srv:/data:ro -v /a:/b:rw alpine\r\necho done\r\n"
    );
    assert_eq!(read(&dir.path().join("bare.sh")), "docker run -v /srv:/data:ro alpine");
    #[cfg(unix)]
    assert_eq!(mode(&dir.path().join("crlf.sh")), 0o751);
    // Files without changes are not written, and no temporary file is left behind.
    assert_eq!(fs::metadata(dir.path().join("good.sh")).and_then(|m| m.modified()).ok(), good_before);
    assert_eq!(names(dir.path()), ["bare.sh", "crlf.sh", "good.sh"]);

    // A second run has nothing left to do.
    let before = read(&dir.path().join("crlf.sh"));
    let run = dockmount_in(dir.path(), &["lint", RULES, "--fix"], None);
    assert_eq!((run.code, run.stdout.as_str()), (0, "No problems found.\n"));
    assert_eq!(read(&dir.path().join("crlf.sh")), before);
}

#[test]
fn files_with_read_errors_are_never_fixed() {
    let text = "docker run -v /srv:/data,ro alpine\ndocker run -v \"/x img\n";
    let dir = tree(&[("run.sh", text)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--fix", "--format", "concise"], None);
    assert_eq!(run.code, 1);
    // DM006 is shown without the fixable mark: the file is left alone.
    assert!(run.stdout.starts_with("run.sh:1:20: DM006 `/data,ro`"), "{}", run.stdout);
    assert!(run.stdout.contains("run.sh:2:15: DM000 unclosed double quote"), "{}", run.stdout);
    assert!(run.stdout.ends_with("Found 2 problems.\n"), "{}", run.stdout);
    assert_eq!(read(&dir.path().join("run.sh")), text);
    // Even when the read error is not selected.
    let run = dockmount_in(dir.path(), &["lint", "--select", "DM006", "--fix"], None);
    assert_eq!(run.code, 1);
    assert_eq!(read(&dir.path().join("run.sh")), text);
}

#[test]
fn diff_prints_what_fix_would_do_and_writes_nothing() {
    let dir = tree(&[("run.sh", &format!("echo 1\n{BAD}")), ("good.sh", GOOD)]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--diff"], None);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "--- run.sh\n+++ run.sh\n@@ -1,2 +1,2 @@\n echo 1\n-docker run -v /srv:/data,ro alpine\n+docker run -v /srv:/data:ro alpine\n"
    );
    assert_eq!(run.stderr, "Would fix 1 problem.\n");
    assert_eq!(read(&dir.path().join("run.sh")), format!("echo 1\n{BAD}"));
    let run = dockmount_in(dir.path(), &["lint", RULES, "--diff", "good.sh"], None);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
}

#[test]
fn fix_on_standard_input_prints_the_fixed_text() {
    let dir = tree(&[]);
    let run = dockmount_in(dir.path(), &["lint", RULES, "--fix", "-"], Some(BAD));
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, GOOD);
    assert_eq!(run.stderr, "Found 1 problem (1 fixed, 0 remaining).\n");
    let run = dockmount_in(dir.path(), &["lint", RULES, "--diff", "--stdin-filename", "x.sh"], Some(BAD));
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("--- x.sh\n+++ x.sh\n"), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn fix_follows_a_symlink_and_keeps_it() {
    let dir = tree(&[("real/run.sh", BAD)]);
    let link: PathBuf = dir.path().join("link.sh");
    std::os::unix::fs::symlink(dir.path().join("real/run.sh"), &link).unwrap_or_else(|e| panic!("{e}"));
    let run = dockmount_in(dir.path(), &["lint", RULES, "--fix", "link.sh"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(fs::symlink_metadata(&link).map(|m| m.file_type().is_symlink()).unwrap_or(false));
    assert_eq!(read(&dir.path().join("real/run.sh")), GOOD);
}

// --- rule ------------------------------------------------------------------------------

#[test]
fn rule_prints_documentation_and_lists_rules() {
    let dir = tree(&[]);
    let run = dockmount_in(dir.path(), &["rule", "DM006"], None);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("# comma-in-target (DM006)\n\nSeverity: error\n\n## What it does\n"),
        "{}",
        run.stdout
    );
    assert_eq!(dockmount_in(dir.path(), &["rule", "comma-in-target"], None).stdout, run.stdout);

    let run = dockmount_in(dir.path(), &["rule", "--all", "--format", "json"], None);
    let rules = json(&run.stdout);
    let codes: Vec<&str> = rules.as_array().into_iter().flatten().filter_map(|r| r["code"].as_str()).collect();
    assert!(codes.contains(&"DM000") && codes.contains(&"DM006") && codes.contains(&"DM900"), "{codes:?}");
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);

    let run = dockmount_in(dir.path(), &["rule", "--all"], None);
    assert!(run.stdout.lines().any(|l| l.starts_with("DM006  comma-in-target ")), "{}", run.stdout);

    let run = dockmount_in(dir.path(), &["rule", "nope"], None);
    assert_eq!((run.code, run.stderr.as_str()), (2, "error: unknown rule `nope` (see `dockmount rule --all`)\n"));
}

#[test]
fn compose_errors_name_the_file_that_was_read() {
    let dir = tree(&[("deploy/docker-compose.prod.yml", "services:\n  web:\n    image: x\n    volumes: 3\n")]);
    let run = dockmount_in(dir.path(), &["lint", "--isolated", "--format", "concise", "."], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "deploy/docker-compose.prod.yml:4:14: DM000 validating deploy/docker-compose.prod.yml: services.web.volumes must be a array\n"
        ),
        "{}",
        run.stdout
    );
}
