//! Bounds on hostile files: each case finishes quickly, in bounded memory, with a clear
//! message where the file is refused.
//!
//! The CPU bounds are for the debug build on a loaded machine (the release build is about
//! four times faster). The memory bound is 100 MiB for every case: a `docker run` line of
//! 100,000 flags, compose services of 20,000 entries and Dockerfiles of 100,000 image
//! volumes included (measured, debug build: about 85 MiB to lint the line, 82 to explain
//! it; 63 to 96 for the compose files; 58 to 91 for the Dockerfiles). The debug build
//! itself takes about 8 MiB more than the release build (15.4 against 7.2 MiB for a file
//! of two lines), so 100 MiB here is about 92 MiB (96 MB) for the command users run.

use super::support::{dockmount, temp_dir, write};
use std::fs;

/// Findings as one concise line each, and only the rules these tests look at.
const CONCISE: [&str; 4] = ["lint", "--isolated", "--format", "concise"];

fn lint<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args: Vec<&'a str> = CONCISE.to_vec();
    args.extend_from_slice(extra);
    args
}

// --- YAML -------------------------------------------------------------------------------

/// Nine levels of nine aliases: a billion `lol`s once expanded.
fn billion_laughs() -> String {
    let mut text = String::from("services:\n  app:\n    image: alpine\nx-bomb:\n");
    text.push_str("  a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for level in 1..10 {
        let aliases = vec![format!("*a{}", level - 1); 9].join(",");
        text.push_str(&format!("  a{level}: &a{level} [{aliases}]\n"));
    }
    text
}

#[test]
fn a_yaml_alias_bomb_is_refused_in_bounded_memory() {
    let dir = temp_dir();
    write(&dir.path().join("compose.yaml"), billion_laughs());
    let run = dockmount("alias bomb: lint", dir.path(), &lint(&["compose.yaml"]));
    run.assert_within("alias bomb: lint", 10.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "compose.yaml:5:36: DM000 failed to parse compose.yaml: yaml: document contains excessive aliasing\n"
        ),
        "{}",
        run.stdout
    );

    let run = dockmount("alias bomb: explain", dir.path(), &["explain", "compose.yaml"]);
    run.assert_within("alias bomb: explain", 10.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.contains("yaml: document contains excessive aliasing"), "{}", run.stdout);
}

#[test]
fn deep_yaml_nesting_is_refused() {
    let dir = temp_dir();
    // 10,000 flow brackets, and 1,000 nested block mappings.
    let flow = format!("services: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    write(&dir.path().join("compose.yaml"), flow);
    let mut block = String::from("services:\n  app:\n    image: alpine\nx-deep:\n");
    for depth in 1..=1_000 {
        block.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth)));
    }
    write(&dir.path().join("docker-compose.yml"), block);

    let run = dockmount("deep nesting: lint", dir.path(), &lint(&["compose.yaml", "docker-compose.yml"]));
    run.assert_within("deep nesting: lint", 10.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("compose.yaml:1:139: DM000 failed to parse compose.yaml: yaml: line 1: recursion limit exceeded"),
        "{}",
        run.stdout
    );
    assert!(
        lines.iter().any(|l| l.starts_with("docker-compose.yml:132:257: DM000 ")
            && l.ends_with("yaml: line 132: recursion limit exceeded")),
        "{}",
        run.stdout
    );
}

// --- size, text, links ----------------------------------------------------------------

#[test]
fn files_over_the_size_limit_are_skipped_without_being_read() {
    let dir = temp_dir();
    write(&dir.path().join("run.sh"), "docker run -v /srv:/data,ro alpine\n");
    // A sparse 1 GiB file: reading it would show in the memory at once.
    let big = fs::File::create(dir.path().join("big.sh")).unwrap_or_else(|e| panic!("{e}"));
    big.set_len(1 << 30).unwrap_or_else(|e| panic!("{e}"));

    let run = dockmount("1 GiB file: lint walk", dir.path(), &lint(&[]));
    run.assert_within("1 GiB file: lint walk", 10.0, 100.0);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "warning: big.sh: skipped: 1073741824 bytes is over the size limit of 10485760 bytes (max-file-size)\n"
    );
    assert!(run.stdout.starts_with("run.sh:1:20: DM006 "), "{}", run.stdout);

    // Named, it is skipped all the same; the limit is configurable.
    let run = dockmount("1 GiB file: lint named", dir.path(), &lint(&["--max-file-size", "10", "big.sh", "run.sh"]));
    run.assert_within("1 GiB file: lint named", 10.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(
        run.stderr,
        "warning: big.sh: skipped: 1073741824 bytes is over the size limit of 10 bytes (max-file-size)\n\
         warning: run.sh: skipped: 35 bytes is over the size limit of 10 bytes (max-file-size)\n"
    );
}

#[test]
fn a_ten_megabyte_line_is_read_in_bounded_memory() {
    let dir = temp_dir();
    let long = "x".repeat(10_000_000 - 40);
    // One `docker run` whose image is the 10 MB word, and one line without any command.
    write(&dir.path().join("run.sh"), format!("docker run -v /srv:/data,ro {long}\n"));
    write(&dir.path().join("blob.sh"), format!("echo {long}\n"));

    let run = dockmount("10 MB line: lint", dir.path(), &lint(&["run.sh", "blob.sh"]));
    run.assert_within("10 MB line: lint", 10.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.starts_with("run.sh:1:20: DM006 "), "{}", run.stdout);
    assert!(run.stdout.ends_with("Found 1 problem (1 fixable with --fix).\n"), "{}", run.stdout);

    let run = dockmount("10 MB line: explain", dir.path(), &["explain", "run.sh"]);
    run.assert_within("10 MB line: explain", 10.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("bind   /srv -> /data,ro  rw"), "{}", &run.stdout[..run.stdout.len().min(2000)]);
}

#[test]
fn binary_and_non_utf8_files_are_skipped_in_a_walk_and_errors_when_named() {
    let dir = temp_dir();
    write(&dir.path().join("ok.sh"), "docker run -v /srv:/data:ro alpine\n");
    // Latin-1 text (no NUL byte, not UTF-8), a binary with NULs, and a Dockerfile of noise.
    write(&dir.path().join("latin1.sh"), b"# caf\xe9\ndocker run -v /srv:/data,ro alpine\n");
    write(&dir.path().join("blob.sh"), b"\x7fELF\x02\x01\x01\0\0\0\0\0docker run \xff\xfe");
    let noise: Vec<u8> = (0..1_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    write(&dir.path().join("Dockerfile"), &noise);

    let run = dockmount("binary files: lint walk", dir.path(), &lint(&[]));
    run.assert_within("binary files: lint walk", 10.0, 100.0);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (Some(0), "No problems found.\n", ""));

    for name in ["latin1.sh", "blob.sh", "Dockerfile"] {
        let run = dockmount("binary files: lint named", dir.path(), &lint(&[name]));
        assert_eq!(run.code, Some(2));
        assert_eq!(run.stderr, format!("error: {name}: not a text file (binary or not UTF-8); nothing linted\n"));
        let run = dockmount("binary files: explain", dir.path(), &["explain", name]);
        assert_eq!(run.code, Some(2));
        assert_eq!(run.stderr, format!("error: {name}: not UTF-8 text\n"));
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_trap_a_walk() {
    use std::os::unix::fs::symlink;
    let dir = temp_dir();
    let root = dir.path();
    write(&root.join("a/run.sh"), "docker run -v /srv:/data,ro alpine\n");
    let link = |target: &str, at: &str| symlink(target, root.join(at)).unwrap_or_else(|e| panic!("{at}: {e}"));
    link("..", "a/up"); // a directory cycle
    link("../a", "a/again"); // another
    link("self.sh", "self.sh"); // a link to itself
    link("pong.sh", "ping.sh"); // two links to each other
    link("ping.sh", "pong.sh");

    let run = dockmount("symlink loops: lint walk", root, &lint(&[]));
    run.assert_within("symlink loops: lint walk", 10.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "a/run.sh:1:20: DM006 [*] `/data,ro` is one container path: the mount is read-write at `/data,ro`, \
         not read-only at `/data`\nFound 1 problem (1 fixable with --fix).\n"
    );
    assert_eq!(run.stderr, "");

    // Named, a looping link is an error that names the problem.
    let run = dockmount("symlink loops: lint named", root, &lint(&["self.sh"]));
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stderr, "error: self.sh: Too many levels of symbolic links (os error 40)\n");
}

// --- command lines ---------------------------------------------------------------------

fn hundred_thousand_flags() -> String {
    let mut line = String::from("docker run");
    for i in 0..100_000 {
        line.push_str(&format!(" -v /h{i}:/c{i}"));
    }
    line.push_str(" -v /srv:/data,ro alpine\n");
    line
}

#[test]
fn a_docker_run_line_with_100000_flags() {
    let dir = temp_dir();
    let text = hundred_thousand_flags();
    write(&dir.path().join("run.sh"), &text);
    let column = text.find("/data,ro").map_or(0, |at| at + 1);

    // 100,001 mounts, each kept with its verdict: about 1 KB apiece.
    let run = dockmount("100,000 flags: lint", dir.path(), &lint(&["run.sh"]));
    run.assert_within("100,000 flags: lint", 30.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.starts_with(&format!("run.sh:1:{column}: DM006 [*] `/data,ro`")), "{}", run.stdout);
    assert!(run.stdout.ends_with("Found 1 problem (1 fixable with --fix).\n"), "{}", run.stdout);

    // `explain` also writes a paragraph for each.
    let run = dockmount("100,000 flags: explain", dir.path(), &["explain", "run.sh"]);
    run.assert_within("100,000 flags: explain", 30.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("  bind   /h99999 -> /c99999  rw  propagation rprivate\n"), "end of the verdict");
}

#[test]
fn a_long_line_of_findings_is_shown_cut_around_each() {
    // 20,000 values made of shell variables, each refused as written: every finding's
    // snippet used to print the whole 300 KB line (20 GB of output in all).
    let dir = temp_dir();
    let line: String = (0..20_000).map(|i| format!(" -v $D{i}:/c{i}")).collect();
    write(&dir.path().join("vars.sh"), format!("docker run{line} alpine\n"));
    let run = dockmount("20,000 variables: explain", dir.path(), &["explain", "vars.sh"]);
    run.assert_within("20,000 variables: explain", 30.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.len() < 40_000_000, "{} bytes of output", run.stdout.len());
    assert!(run.stdout.contains(
        "1 │ …95 -v $D9996:/c9996 -v $D9997:/c9997 -v $D9998:/c9998 -v $D9999:/c9999 -v $D10000:/c10000 -v …\n"
    ));
    let run = dockmount("20,000 variables: lint", dir.path(), &["lint", "--isolated", "vars.sh"]);
    run.assert_within("20,000 variables: lint", 30.0, 100.0);
}

#[test]
fn many_commands_in_one_script_share_one_copy_of_the_text() {
    // Each command found used to hold a copy of the whole script: 20,000 commands of a
    // 600 KB script took gigabytes.
    let dir = temp_dir();
    let script: String = (0..20_000).map(|i| format!("docker run -v /srv/{i}:/data,ro img\n")).collect();
    write(&dir.path().join("run.sh"), &script);
    let run = dockmount("20,000 commands: lint", dir.path(), &lint(&["run.sh"]));
    run.assert_within("20,000 commands: lint", 30.0, 100.0);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.ends_with("Found 20000 problems (20000 fixable with --fix).\n"),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(200)..]
    );
    let run = dockmount("20,000 commands: explain", dir.path(), &["explain", "run.sh"]);
    run.assert_within("20,000 commands: explain", 30.0, 100.0);
    assert_eq!(run.code, Some(0));
}

#[test]
fn deeply_nested_command_substitutions() {
    let dir = temp_dir();
    let deep = 100_000;
    // `$(` 100,000 deep inside a flag value, and `docker run $(docker run $(...))`.
    let value = format!("docker run -v {}{}:/x alpine\n", "$(".repeat(deep), ")".repeat(deep));
    write(&dir.path().join("values.sh"), value);
    let nested =
        format!("{}docker run -v /srv:/data,ro alpine{}\n", "docker run $(".repeat(10_000), ")".repeat(10_000));
    write(&dir.path().join("nested.sh"), nested);
    let unclosed = format!("docker run -v /a:/b {}\n", "$(".repeat(deep));
    write(&dir.path().join("unclosed.sh"), unclosed);

    let run = dockmount("nested $(...): lint", dir.path(), &lint(&["values.sh", "nested.sh", "unclosed.sh"]));
    run.assert_within("nested $(...): lint", 10.0, 100.0);
    assert!(run.code == Some(0) || run.code == Some(1), "{:?} {}", run.code, run.stderr);
    assert!(run.stdout.contains("unclosed.sh:1:"), "an unclosed substitution is reported: {}", run.stdout);

    let run = dockmount("nested $(...): explain", dir.path(), &["explain", "values.sh"]);
    run.assert_within("nested $(...): explain", 10.0, 100.0);
}

// --- Dockerfiles ----------------------------------------------------------------------

#[test]
fn a_dockerfile_with_100000_continuation_lines() {
    let dir = temp_dir();
    let mut run_lines = String::from("FROM alpine\nRUN echo start \\\n");
    for i in 0..100_000 {
        run_lines.push_str(&format!("  && echo line{i} \\\n"));
    }
    run_lines.push_str("  && echo end\nVOLUME /data\n");
    write(&dir.path().join("Dockerfile"), &run_lines);
    let run = dockmount("100,000 continuation lines: lint", dir.path(), &lint(&["Dockerfile"]));
    run.assert_within("100,000 continuation lines: lint", 20.0, 100.0);
    // The only finding is the image volume, on the line after the 100,002 of the `RUN`.
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.starts_with("Dockerfile:100004:8: DM001 "), "{}", run.stdout);
    assert!(run.stdout.ends_with("\nFound 1 problem.\n"), "{}", run.stdout);
    let run = dockmount("100,000 continuation lines: explain", dir.path(), &["explain", "Dockerfile"]);
    run.assert_within("100,000 continuation lines: explain", 20.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.ends_with(
            "The image declares the volumes /data (plus any its base image declares, which is not known here).\n"
        ),
        "{}",
        run.stdout
    );

    // One `VOLUME` continued over 100,000 lines: 100,000 image volumes (linear memory, as
    // for 100,000 flags). It used to take minutes: each path was looked up among all.
    let mut volumes = String::from("FROM alpine\nVOLUME \\\n");
    for i in 0..100_000 {
        volumes.push_str(&format!("  /v{i} \\\n"));
    }
    volumes.push_str("  /end\n");
    write(&dir.path().join("Dockerfile"), &volumes);
    let run = dockmount("100,000 VOLUME paths: lint", dir.path(), &lint(&["Dockerfile"]));
    run.assert_within("100,000 VOLUME paths: lint", 30.0, 100.0);
    // Each path is an image volume, reported once (information).
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout.ends_with("\nFound 100001 problems.\n"),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(200)..]
    );
    let run = dockmount("100,000 VOLUME paths: explain", dir.path(), &["explain", "Dockerfile"]);
    run.assert_within("100,000 VOLUME paths: explain", 30.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);

    // 100,000 `VOLUME` instructions: each used to be looked up among all the others.
    let many: String =
        std::iter::once("FROM alpine\n".to_string()).chain((0..100_000).map(|i| format!("VOLUME /v{i}\n"))).collect();
    write(&dir.path().join("Dockerfile"), &many);
    let run = dockmount("100,000 VOLUME instructions: lint", dir.path(), &lint(&["Dockerfile"]));
    run.assert_within("100,000 VOLUME instructions: lint", 30.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout.ends_with("\nFound 100000 problems.\n"),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(200)..]
    );
    let run = dockmount("100,000 VOLUME instructions: explain", dir.path(), &["explain", "Dockerfile"]);
    run.assert_within("100,000 VOLUME instructions: explain", 30.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("Dockerfile:100001: /v99999\n"), "the last instruction is explained");
}

#[test]
fn explain_refuses_files_over_the_size_limit() {
    let dir = temp_dir();
    let big = fs::File::create(dir.path().join("big.sh")).unwrap_or_else(|e| panic!("{e}"));
    big.set_len(1 << 30).unwrap_or_else(|e| panic!("{e}"));
    let run = dockmount("1 GiB file: explain", dir.path(), &["explain", "big.sh"]);
    run.assert_within("1 GiB file: explain", 10.0, 100.0);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.stderr,
        "error: big.sh: 1073741824 bytes is over the size limit of 10485760 bytes; nothing explained\n"
    );
}

// --- compose files ----------------------------------------------------------------------

/// A compose file with one service `app` whose keys are `service` (indented under it),
/// then `rest` at the top level. Each used to take seconds in the release build: entries
/// and declarations were each looked up among all the others.
fn compose(service: &str, rest: &str) -> String {
    format!("services:\n  app:\n    image: alpine\n{service}{rest}")
}

fn lines(count: usize, line: impl Fn(usize) -> String) -> String {
    (0..count).map(line).collect()
}

#[test]
fn a_compose_service_with_20000_named_volumes() {
    let dir = temp_dir();
    let volumes = lines(20_000, |i| format!("      - v{i}:/v{i}\n"));
    let declared = lines(20_000, |i| format!("  v{i}:\n"));
    write(
        &dir.path().join("compose.yaml"),
        compose(&format!("    volumes:\n{volumes}"), &format!("volumes:\n{declared}")),
    );

    // 20,000 mounts kept with their verdicts (about 4 KB apiece with the YAML), and the file's nodes.
    let run = dockmount("20,000 named volumes: lint", dir.path(), &lint(&["compose.yaml"]));
    run.assert_within("20,000 named volumes: lint", 10.0, 100.0);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "No problems found.\n"), "{}", run.stderr);

    let run = dockmount("20,000 named volumes: explain", dir.path(), &["explain", "compose.yaml"]);
    run.assert_within("20,000 named volumes: explain", 10.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("  - v19999:/v19999\n    Named volume `"), "the last mount is explained");
}

#[test]
fn a_compose_service_with_20000_long_syntax_binds() {
    let dir = temp_dir();
    let volumes = lines(20_000, |i| format!("      - type: bind\n        source: /h{i}\n        target: /v{i}\n"));
    write(&dir.path().join("compose.yaml"), compose(&format!("    volumes:\n{volumes}"), ""));

    let run = dockmount("20,000 long-syntax binds: lint", dir.path(), &lint(&["compose.yaml"]));
    run.assert_within("20,000 long-syntax binds: lint", 10.0, 100.0);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "No problems found.\n"), "{}", run.stderr);

    let run = dockmount("20,000 long-syntax binds: explain", dir.path(), &["explain", "compose.yaml"]);
    run.assert_within("20,000 long-syntax binds: explain", 10.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("the host path `/h19999` appears at `/v19999`"), "the last mount is explained");
}

#[test]
fn a_compose_service_with_20000_tmpfs_entries() {
    let dir = temp_dir();
    let tmpfs = lines(20_000, |i| format!("      - /t{i}:size=1m\n"));
    write(&dir.path().join("compose.yaml"), compose(&format!("    tmpfs:\n{tmpfs}"), ""));

    let run = dockmount("20,000 tmpfs entries: lint", dir.path(), &lint(&["compose.yaml"]));
    run.assert_within("20,000 tmpfs entries: lint", 5.0, 100.0);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "No problems found.\n"), "{}", run.stderr);

    let run = dockmount("20,000 tmpfs entries: explain", dir.path(), &["explain", "compose.yaml"]);
    run.assert_within("20,000 tmpfs entries: explain", 5.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("  - /t19999:size=1m\n    tmpfs at `/t19999`"), "the last mount is explained");
}

#[test]
fn a_compose_file_with_20000_unused_volumes() {
    let dir = temp_dir();
    let declared = lines(20_000, |i| format!("  v{i}:\n"));
    write(
        &dir.path().join("compose.yaml"),
        compose("    volumes:\n      - data:/data\n", &format!("volumes:\n  data:\n{declared}")),
    );

    let run = dockmount("20,000 unused volumes: lint", dir.path(), &lint(&["compose.yaml"]));
    run.assert_within("20,000 unused volumes: lint", 5.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout.starts_with("compose.yaml:8:3: DM020 the volume `v0` is declared but no service mounts it"),
        "{}",
        &run.stdout[..run.stdout.len().min(500)]
    );
    assert!(
        run.stdout.ends_with("\nFound 20000 problems.\n"),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(300)..]
    );

    let run = dockmount("20,000 unused volumes: explain", dir.path(), &["explain", "compose.yaml"]);
    run.assert_within("20,000 unused volumes: explain", 5.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn a_compose_file_with_20000_misspelt_volumes() {
    // 20,000 volumes that are not declared, among 20,000 declared names one edit away:
    // each finding suggests the nearest declared name.
    let dir = temp_dir();
    let volumes = lines(20_000, |i| format!("      - u{i}:/v{i}\n"));
    let declared = lines(20_000, |i| format!("  d{i}:\n"));
    write(
        &dir.path().join("compose.yaml"),
        compose(&format!("    volumes:\n{volumes}"), &format!("volumes:\n{declared}")),
    );

    let run = dockmount("20,000 misspelt volumes: lint", dir.path(), &lint(&["compose.yaml"]));
    run.assert_within("20,000 misspelt volumes: lint", 15.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout.starts_with(
            "compose.yaml:5:9: DM019 the volume `u0` is not declared under the top-level `volumes:` (did you mean `d0`?)"
        ),
        "{}",
        &run.stdout[..run.stdout.len().min(500)]
    );
    assert!(run.stdout.contains("`u19999` is not declared under the top-level `volumes:` (did you mean `d19999`?)"));
    // Each misspelt volume, and each declared one (none is used).
    assert!(
        run.stdout.ends_with("\nFound 40000 problems (20000 more with --fix --unsafe-fixes).\n"),
        "{}",
        &run.stdout[run.stdout.len().saturating_sub(300)..]
    );

    let run = dockmount("20,000 misspelt volumes: explain", dir.path(), &["explain", "compose.yaml"]);
    run.assert_within("20,000 misspelt volumes: explain", 15.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.starts_with("error: service \"app\" refers to undefined volume u0: invalid compose project\n"));
}

#[test]
fn a_compose_service_with_20000_volumes_from_and_depends_on() {
    let dir = temp_dir();
    // 5,000 services the app depends on, and 20,000 containers it takes volumes from: the
    // last one repeats the first, which the compose schema refuses (`uniqueItems`).
    let services = lines(5_000, |i| format!("  s{i}:\n    image: alpine\n"));
    let depends = lines(5_000, |i| format!("      - s{i}\n"));
    let from = lines(20_000, |i| format!("      - container:c{i}\n"));
    let app = format!("    depends_on:\n{depends}    volumes_from:\n{from}");
    write(&dir.path().join("compose.yaml"), compose(&app, &services));
    write(&dir.path().join("docker-compose.yml"), compose(&format!("{app}      - container:c0\n"), &services));

    let run = dockmount("20,000 volumes_from: lint", dir.path(), &lint(&["compose.yaml", "docker-compose.yml"]));
    run.assert_within("20,000 volumes_from: lint", 5.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "docker-compose.yml:5006:7: DM000 validating docker-compose.yml: services.app.volumes_from items at 0 and 20000 are equal\n\
         Found 1 problem.\n"
    );

    let run = dockmount("20,000 volumes_from: explain", dir.path(), &["explain", "compose.yaml"]);
    run.assert_within("20,000 volumes_from: explain", 5.0, 100.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let run = dockmount("20,000 volumes_from: explain refused", dir.path(), &["explain", "docker-compose.yml"]);
    run.assert_within("20,000 volumes_from: explain refused", 5.0, 100.0);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.starts_with(
        "error: validating docker-compose.yml: services.app.volumes_from items at 0 and 20000 are equal\n"
    ));
}
