//! `--fix` never leaves a file half written: it writes a temporary file beside the original,
//! syncs it and renames it over the original. Killed at any moment, the file holds either
//! its old text or its new text. What `tests/cli_lint.rs` already covers (modes, CRLF, a
//! missing final newline, no write without a change, files with read errors, a second
//! run) is only extended here.

use super::support::{dockmount, read, temp_dir, write};
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const SELECT: &str = "--select=DM000,DM006,DM900";

/// The temporary files `--fix` leaves when it is killed before the rename.
fn temporaries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".dockmount-") && name.ends_with(".tmp"))
        .collect();
    names.sort();
    names
}

/// A deterministic stream of numbers in `0..1` (the same kill moments on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// How a killed run left the file.
#[derive(Debug, Default)]
struct Tally {
    old: usize,
    new: usize,
    /// Killed while the temporary file existed (between its creation and the rename).
    mid_write: usize,
}

#[cfg(unix)]
#[test]
fn fix_killed_at_any_moment_leaves_the_old_file_or_the_new_one() {
    let dir = temp_dir();
    let path = dir.path().join("run.sh");
    // A quarter of a megabyte, every line fixable.
    let old: String = (0..5_000).map(|i| format!("docker run --rm -v /srv/{i}:/data,ro alpine true\n")).collect();
    let new = old.replace(":/data,ro ", ":/data:ro ");
    let args = ["lint", "--isolated", SELECT, "--fix", "--format", "concise", "run.sh"];

    // One whole run: it rewrites the file, and tells how long a run takes here.
    write(&path, &old);
    let started = Instant::now();
    let whole = dockmount("--fix on 5,000 lines", dir.path(), &args);
    let duration = started.elapsed();
    assert_eq!(whole.code, Some(0), "{}", whole.stderr);
    assert!(read(&path) == new.as_bytes(), "the whole run wrote the fixed text");

    let mut tally = Tally::default();
    let mut random = Lcg(0x5eed);
    // At least 12 rounds, and more (up to 40) until two kills landed mid-write.
    let mut rounds = 0;
    while rounds < 12 || (tally.mid_write < 2 && rounds < 40) {
        let round = rounds;
        rounds += 1;
        write(&path, &old);
        let mut child = Command::new(env!("CARGO_BIN_EXE_dockmount"))
            .current_dir(dir.path())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run dockmount: {e}"));
        let spawned = Instant::now();
        let mut mid_write = false;
        if round % 2 == 0 {
            // Killed at a moment drawn from the whole run (most land before the write).
            let at = duration.mul_f64(0.2 + 1.0 * random.next());
            while spawned.elapsed() < at && child.try_wait().ok().flatten().is_none() {
                thread::sleep(Duration::from_micros(200));
            }
        } else {
            // Killed as soon as the temporary file shows, after a short random wait: in
            // the act of writing, syncing or renaming.
            let settle = Duration::from_micros((300.0 * random.next()) as u64);
            loop {
                if !temporaries(dir.path()).is_empty() {
                    thread::sleep(settle);
                    break;
                }
                if child.try_wait().ok().flatten().is_some() || spawned.elapsed() > duration * 20 {
                    break;
                }
            }
        }
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        let left = temporaries(dir.path());
        if !left.is_empty() {
            mid_write = true;
        }
        let now = read(&path);
        if now == old.as_bytes() {
            tally.old += 1;
        } else if now == new.as_bytes() {
            tally.new += 1;
        } else {
            panic!("round {round}: the file is neither the old text nor the new one ({} bytes)", now.len());
        }
        if mid_write {
            tally.mid_write += 1;
            for name in left {
                let _ = fs::remove_file(dir.path().join(name));
            }
        }
    }
    eprintln!("hostile: --fix killed {rounds} times: {tally:?}");
    // A temporary file left behind by a kill is never linted as a file of its own.
    write(&dir.path().join(".dockmount-left.tmp"), &old);
    write(&path, "docker run -v /srv:/data,ro alpine\n");
    let run = dockmount("after a kill: lint walk", dir.path(), &["lint", "--isolated", SELECT, "--format", "concise"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.starts_with("run.sh:1:20: DM006 ")
            && run.stdout.ends_with("Found 1 problem (1 fixable with --fix).\n"),
        "{}",
        run.stdout
    );
    assert!(tally.mid_write > 0, "no kill landed while the file was being written: {tally:?}");
    assert!(tally.old > 0, "{tally:?}");
}

#[cfg(unix)]
#[test]
fn fix_replaces_the_file_by_renaming_and_keeps_its_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = temp_dir();
    let path = dir.path().join("run.sh");
    write(&path, "docker run -v /srv:/data,ro alpine\n");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap_or_else(|e| panic!("{e}"));
    let inode = fs::metadata(&path).map(|m| m.ino()).unwrap_or_else(|e| panic!("{e}"));
    // A hard link keeps the old file: a rename never writes into the file others hold open.
    let held = dir.path().join("held.txt");
    fs::hard_link(&path, &held).unwrap_or_else(|e| panic!("{e}"));

    let run = dockmount("--fix: rename", dir.path(), &["lint", "--isolated", SELECT, "--fix", "run.sh"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(read(&path), b"docker run -v /srv:/data:ro alpine\n");
    let meta = fs::metadata(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(meta.ino(), inode, "a new file was renamed over the old one");
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    assert_eq!(read(&held), b"docker run -v /srv:/data,ro alpine\n", "the old file was not written into");
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn fix_keeps_crlf_and_a_missing_final_newline_in_every_kind() {
    let dir = temp_dir();
    let files: [(&str, &str, &str); 3] = [
        (
            "run.sh",
            "#!/bin/sh\r\ndocker run \\\r\n  -v /srv:/data,ro \\\r\n  alpine",
            "#!/bin/sh\r\ndocker run \\\r\n  -v /srv:/data:ro \\\r\n  alpine",
        ),
        (
            "compose.yaml",
            "services:\r\n  app:\r\n    image: alpine\r\n    volumes:\r\n      - /srv:/data,ro",
            "services:\r\n  app:\r\n    image: alpine\r\n    volumes:\r\n      - /srv:/data:ro",
        ),
        (
            "README.md",
            "# Run\r\n\r\n```sh\r\ndocker run -v /srv:/data,ro alpine\r\n```",
            "# Run\r\n\r\n```sh\r\ndocker run -v /srv:/data:ro alpine\r\n```",
        ),
    ];
    for (name, before, _) in &files {
        write(&dir.path().join(name), before);
    }
    let run = dockmount("--fix: CRLF", dir.path(), &["lint", "--isolated", SELECT, "--fix"]);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, "Found 3 problems (3 fixed, 0 remaining).\n");
    for (name, _, after) in &files {
        assert_eq!(String::from_utf8_lossy(&read(&dir.path().join(name))), *after, "{name}");
    }
    // A second run changes nothing and writes nothing.
    let before: Vec<_> = files.iter().map(|(name, _, _)| modified(&dir.path().join(name))).collect();
    let run = dockmount("--fix: second run", dir.path(), &["lint", "--isolated", SELECT, "--fix"]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "No problems found.\n"));
    let after: Vec<_> = files.iter().map(|(name, _, _)| modified(&dir.path().join(name))).collect();
    assert_eq!(before, after);
    assert!(temporaries(dir.path()).is_empty());
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[test]
fn fix_never_touches_a_file_that_does_not_parse() {
    let dir = temp_dir();
    // A compose file compose refuses (a duplicate key) and a script with an unclosed
    // quote: each also has a fixable problem.
    let files = [
        (
            "compose.yaml",
            "services:\n  app:\n    image: alpine\n    volumes:\n      - /srv:/data,ro\n  app:\n    image: x\n",
        ),
        ("run.sh", "docker run -v /srv:/data,ro alpine\ndocker run -v \"/x img\n"),
    ];
    for (name, text) in &files {
        write(&dir.path().join(name), text);
    }
    let stamps: Vec<_> = files.iter().map(|(name, _)| modified(&dir.path().join(name))).collect();
    let run = dockmount("--fix: unreadable", dir.path(), &["lint", "--isolated", "--fix", "--format", "concise"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stdout.contains("DM000"), "{}", run.stdout);
    for ((name, text), stamp) in files.iter().zip(stamps) {
        assert_eq!(String::from_utf8_lossy(&read(&dir.path().join(name))), *text, "{name}");
        assert_eq!(modified(&dir.path().join(name)), stamp, "{name} was not written");
    }
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn fix_on_a_huge_file_finishes() {
    // 20,000 fixable flags on one line: one round of fixes, one write.
    let dir = temp_dir();
    let mut line = String::from("docker run");
    for i in 0..20_000 {
        line.push_str(&format!(" -v /h{i}:/c{i},ro"));
    }
    line.push_str(" alpine\n");
    write(&dir.path().join("run.sh"), &line);
    let run =
        dockmount("--fix: 20,000 fixes on a line", dir.path(), &["lint", "--isolated", SELECT, "--fix", "run.sh"]);
    run.assert_within("--fix: 20,000 fixes on a line", 60.0, 400.0);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "Found 20000 problems (20000 fixed, 0 remaining).\n");
    let fixed = String::from_utf8_lossy(&read(&dir.path().join("run.sh"))).into_owned();
    assert_eq!(fixed, line.replace(",ro", ":ro"));
}
