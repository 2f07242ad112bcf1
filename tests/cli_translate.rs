//! `dockmount translate`, run as a user runs it: the built binary.

use serde_json::Value;
use std::process::{Command, Output};

fn dockmount(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockmount")).args(args).env("NO_COLOR", "1").output().expect("dockmount runs")
}

/// stdout, stderr and the exit code of `dockmount translate --cwd /home/u/p ARGS`.
fn translate(args: &[&str]) -> (String, String, i32) {
    let mut all = vec!["translate", "--cwd", "/home/u/p"];
    all.extend_from_slice(args);
    let output = dockmount(&all);
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

fn json(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (out, _, code) = translate(&all);
    (serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}")), code)
}

#[test]
fn v_goes_to_mount_with_the_missing_path_kept_by_bind_create_src() {
    let (out, err, code) = translate(&["-v /srv/data:/data:ro"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "--mount type=bind,source=/srv/data,target=/data,readonly,bind-create-src\n");
    assert_eq!(err, "note: `bind-create-src` keeps what `-v` does: a missing `/srv/data` is created as a directory\n");
}

#[test]
fn an_older_cli_has_no_bind_create_src_and_says_so() {
    let (out, err, code) = translate(&["--docker-version", "28.2/20.10", "-v /srv/data:/data"]);
    assert_eq!(code, 0);
    assert_eq!(out, "--mount type=bind,source=/srv/data,target=/data\n");
    assert!(err.starts_with("warning: `-v` creates `/srv/data` as an empty root-owned directory when it is missing; `--mount` refuses to create the container instead"), "{err}");
    assert!(err.contains("CLI 29.3 adds `bind-create-src` for this; you target CLI 28.2.0"), "{err}");
    let (_, _, strict) = translate(&["--strict", "--docker-version", "28.2/20.10", "-v /srv/data:/data"]);
    assert_eq!(strict, 1, "--strict fails when the translation is not exact");
    let (_, _, strict) = translate(&["--strict", "-v /srv/data:/data"]);
    assert_eq!(strict, 0);
}

#[test]
fn several_specs_and_the_words_after_double_dash() {
    let (out, _, code) = translate(&["-v data:/data", "--tmpfs /run:size=64m,mode=1777", "-v", "/cache"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "--mount type=volume,source=data,target=/data\n--mount type=tmpfs,target=/run,tmpfs-size=64m,tmpfs-mode=1777\n--mount type=volume,target=/cache\n"
    );
    let (words, _, _) = translate(&["--", "-v", "data:/data", "--tmpfs", "/run:size=64m,mode=1777", "-v", "/cache"]);
    assert_eq!(words, out);
}

#[test]
fn mount_goes_to_the_shortest_exact_flag() {
    let (out, _, _) = translate(&["--mount type=volume,source=data,target=/d"]);
    assert_eq!(out, "-v data:/d\n");
    // Read-only: `-v data:/d:ro` would not relabel the volume, `--mount` does.
    let (out, err, _) = translate(&["--mount type=volume,source=data,target=/d,readonly"]);
    assert_eq!(out, "-v data:/d:ro,z\n");
    assert!(err.contains("note: `z` is written out"), "{err}");
    let (out, _, _) = translate(&["--mount type=tmpfs,target=/t,tmpfs-size=64m,tmpfs-mode=700,readonly"]);
    assert_eq!(out, "--tmpfs /t:ro,mode=700,size=64m\n");
    // A bind that must exist stays a `--mount`: `-v` would create it.
    let (out, err, _) = translate(&["--mount type=bind,source=/a,target=/b"]);
    assert_eq!(out, "--mount type=bind,source=/a,target=/b\n");
    assert!(err.starts_with("note: stays `--mount`: `-v` creates `/a`"), "{err}");
    let (out, _, _) = translate(&["--mount type=bind,source=/a,target=/b,bind-create-src"]);
    assert_eq!(out, "-v /a:/b\n");
    // Options only `--mount` has.
    let (out, err, _) = translate(&[
        "--mount type=volume,src=data,dst=/d,volume-opt=type=nfs,volume-opt=device=:/x,volume-opt=o=addr=1",
    ]);
    assert_eq!(
        out,
        "--mount type=volume,source=data,target=/d,volume-opt=device=:/x,volume-opt=o=addr=1,volume-opt=type=nfs\n"
    );
    assert!(err.contains("`volume-opt` has no `-v` form"), "{err}");
}

#[test]
fn asked_for_v_what_only_mount_can_say_is_kept_with_a_warning() {
    let (out, err, code) = translate(&["--to", "volume", "--mount type=volume,src=data,dst=/d,volume-subpath=sub"]);
    assert_eq!(code, 0);
    assert_eq!(out, "--mount type=volume,source=data,target=/d,volume-subpath=sub\n");
    assert!(err.contains("warning: `volume-subpath` has no `-v` form"), "{err}");
    assert!(err.contains("warning: kept as written"), "{err}");
    let (out, err, _) = translate(&["--to", "volume", "--mount type=bind,source=/a:b,target=/c"]);
    assert_eq!(out, "--mount type=bind,source=/a:b,target=/c\n");
    assert!(err.contains("the host path `/a:b` holds a `:`, which `-v` cannot escape"), "{err}");
    let (_, err, _) = translate(&["--to", "volume", "--mount type=volume,source=xy,target=/d,volume-driver=other"]);
    assert!(err.contains("the volume driver `other` of this mount"), "{err}");
    let (out, err, _) = translate(&["--to", "volume", "--mount type=volume,target=/d,readonly"]);
    assert_eq!(out, "--mount type=volume,target=/d,readonly\n");
    assert!(err.contains("a read-only anonymous volume has no `-v` form"), "{err}");
}

#[test]
fn selinux_and_behaviour_changes_are_warnings() {
    let (out, err, _) = translate(&["-v /a:/b:z"]);
    assert_eq!(out, "--mount type=bind,source=/a,target=/b,bind-create-src\n");
    assert!(err.contains("warning: `z` (SELinux relabel) has no `--mount` key"), "{err}");
    let (_, err, _) = translate(&["-v data:/d:ro"]);
    assert!(err.contains("warning: `-v` with a mode (`ro`) does not relabel the volume for SELinux"), "{err}");
    let (out, err, _) = translate(&["-v data:/d:Z"]);
    assert_eq!(out, "--mount type=volume,source=data,target=/d\n");
    assert!(err.contains("warning: `Z` (private SELinux label) has no `--mount` key"), "{err}");
    let (out, err, _) = translate(&["--tmpfs /t:exec,size=10%"]);
    assert_eq!(out, "--tmpfs /t:exec,size=10%\n");
    assert!(err.contains("`exec` has no `--mount` key"), "{err}");
    assert!(err.contains("`size=10%`"), "{err}");
}

#[test]
fn odd_v_values_say_what_they_are() {
    // A one-letter name is a drive for the CLI: an anonymous volume at `x:/d`.
    let (out, err, _) = translate(&["-v x:/d"]);
    assert_eq!(out, "-v x:/d\n");
    assert!(err.contains("anonymous volume at the relative path `x:/d`"), "{err}");
    let (out, err, _) = translate(&["-v /a:/b:ro", "-v /a:/b:ro"]);
    assert_eq!(out, "--mount type=bind,source=/a,target=/b,readonly,bind-create-src\n");
    assert!(err.contains("is given twice"), "{err}");
    let (out, err, _) = translate(&["-v /d", "-v data:/d"]);
    assert_eq!(out, "--mount type=volume,source=data,target=/d\n");
    assert!(err.contains("the anonymous volume `-v /d` is dropped by Docker"), "{err}");
    // Relative sources stay relative: the CLI resolves both against its directory.
    let (out, _, _) = translate(&["-v ./src:/app"]);
    assert_eq!(out, "--mount type=bind,source=./src,target=/app,bind-create-src\n");
}

#[test]
fn quoting_only_where_a_shell_or_csv_needs_it() {
    let (out, _, _) = translate(&["--", "-v", "/a b:/c,d"]);
    assert_eq!(out, "--mount 'type=bind,source=/a b,\"target=/c,d\",bind-create-src'\n");
    let (back, _, _) = translate(&["--to", "volume", out.trim_end()]);
    assert_eq!(back, "-v '/a b:/c,d'\n");
    let (out, _, _) = translate(&["--", "--mount", "type=volume,src=v1,\"dst=/q\"\"x\""]);
    assert_eq!(out, "-v 'v1:/q\"x'\n");
}

#[test]
fn shell_expansions_are_kept_live() {
    let (out, err, code) = translate(&["docker run -v \"$PWD\"/data:/data -v ${CACHE_DIR}:/cache alpine"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "docker run --mount \"type=bind,source=$PWD/data,target=/data,bind-create-src\" --mount \"type=bind,source=${CACHE_DIR},target=/cache,bind-create-src\" alpine\n"
    );
    assert!(err.contains("note: `$PWD` is expanded by the shell before Docker sees it"), "{err}");
}

#[test]
fn a_whole_command_keeps_everything_else() {
    let (out, _, code) = translate(&["docker run -d --name web -itv /a:/b -p 80:80 nginx:1.25 nginx -g 'daemon off;'"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "docker run -d --name web -it --mount type=bind,source=/a,target=/b,bind-create-src -p 80:80 nginx:1.25 nginx -g 'daemon off;'\n"
    );
    let (out, _, _) = translate(&["--", "--rm", "-v", "/a:/b", "img", "sh", "-c", "echo hi"]);
    assert_eq!(out, "--rm --mount type=bind,source=/a,target=/b,bind-create-src img sh -c 'echo hi'\n");
}

#[test]
fn docker_errors_get_a_caret_and_exit_1() {
    let (out, err, code) = translate(&["-v :::"]);
    assert_eq!((out.as_str(), code), ("", 1));
    assert!(err.starts_with("error: invalid spec: :::: empty section between colons"), "{err}");
    assert!(err.contains("-v :::\n  │    ^^^ Docker refuses this"), "{err}");
    let (_, err, code) = translate(&["-v /a:/d", "-v /b:/d/"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: Duplicate mount point: /d"), "{err}");
    let (_, err, code) = translate(&["--mount type=bind,src=/a"]);
    assert_eq!(code, 1);
    assert!(err.contains("field Target must not be empty"), "{err}");
    let (_, err, code) = translate(&["--foo /x"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("error: unknown flag: --foo"), "{err}");
}

#[test]
fn unreadable_input_exits_2() {
    let (_, err, code) = translate(&["-v"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: flag needs an argument: --volume") || err.contains("flag needs an argument"),
        "{err}"
    );
    let (_, err, code) = translate(&["-d"]);
    assert_eq!(code, 2);
    assert!(err.contains("no storage flag to translate"), "{err}");
    let (_, err, code) = translate(&["-v /a:/b", "--to", "mount"]);
    assert_eq!(code, 2);
    assert!(err.contains("put dockmount's options before the SPECs"), "{err}");
    let (_, err, code) = translate(&["docker run -v /a:/b img; rm -rf /"]);
    assert_eq!(code, 2);
    assert!(err.contains("the text goes on after the docker command"), "{err}");
    let (_, _, code) = translate(&["--docker-version", "x.y", "-v /a:/b"]);
    assert_eq!(code, 2);
}

#[test]
fn json_output() {
    let (value, code) = json(&["-v data:/d:ro"]);
    assert_eq!(code, 0);
    assert_eq!(value["output"], serde_json::json!(["--mount type=volume,source=data,target=/d,readonly"]));
    assert_eq!(value["exact"], false);
    let note = &value["notes"][0];
    assert_eq!(note["severity"], "warning");
    assert_eq!(note["span"]["start"], 11);
    assert_eq!(note["span"]["end"], 13);
    let (value, code) = json(&["-v :::"]);
    assert_eq!(code, 1);
    assert_eq!(value["output"], serde_json::json!([]));
    assert_eq!(value["notes"][0]["severity"], "error");
    assert_eq!(value["notes"][0]["span"]["start"], 3);
}

// ---------------------------------------------------------------------------------------
// Compose. Each test below is a mistake existing converters make.

fn compose(args: &[&str]) -> (String, String) {
    let mut all = vec!["--to", "compose"];
    all.extend_from_slice(args);
    let (out, err, code) = translate(&all);
    assert_eq!(code, 0, "{err}");
    (out, err)
}

#[test]
fn compose_service_from_a_whole_command() {
    let (out, err) = compose(&[
        "docker run -d --name web -p 8080:80 -e A=b --restart unless-stopped --read-only --cap-drop ALL \
         -l team=x -u 1000 -w /srv --network backend -v data:/data -v ./src:/app:ro nginx:1.25 nginx -g 'daemon off;'",
    ]);
    assert_eq!(
        out,
        "services:
  web:
    image: nginx:1.25
    container_name: web
    command:
      - nginx
      - '-g'
      - 'daemon off;'
    user: '1000'
    working_dir: /srv
    environment:
      - A=b
    ports:
      - '8080:80'
    networks:
      - backend
    restart: unless-stopped
    read_only: true
    cap_drop:
      - ALL
    labels:
      - team=x
    volumes:
      - data:/data:z
      - ./src:/app:ro
volumes:
  data:
    name: data
networks:
  backend:
    name: backend
    external: true
"
    );
    assert!(err.contains("note: `-d` is not a service key"), "{err}");
    assert!(err.contains("compose reads `./src` from the project directory"), "{err}");
}

#[test]
fn readonly_is_not_dropped() {
    let (out, _) = compose(&["--mount type=bind,src=/a,dst=/b,readonly,bind-create-src"]);
    assert!(out.contains("      - /a:/b:ro\n"), "{out}");
    let (out, _, _) = translate(&["--to", "compose-long", "--mount type=bind,src=/a,dst=/b,readonly"]);
    assert!(out.contains("        read_only: true\n"), "{out}");
}

#[test]
fn a_bind_that_must_exist_is_not_created_by_compose() {
    let (out, _) = compose(&["--mount type=bind,src=/a,dst=/b"]);
    assert_eq!(
        out,
        "services:
  app:
    volumes:
      - type: bind
        source: /a
        target: /b
        bind:
          create_host_path: false
"
    );
}

#[test]
fn only_keys_compose_has() {
    // Loaded back with compose's own schema: no invented keys.
    let (out, _) =
        compose(&["docker run -v data:/d:nocopy --mount type=volume,src=v2,dst=/e,volume-subpath=s,volume-label=a=1 \
         --mount type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777 -v /x:/y:rslave --tmpfs /run:exec img"]);
    let dir = std::env::temp_dir().join(format!("dockmount-cli-translate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("compose.yaml");
    std::fs::write(&file, &out).unwrap();
    let (flags, err, code) = translate(&["--to", "run", file.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(out.contains("    tmpfs:\n      - /t:mode=1777,size=1m\n      - /run:exec\n"), "{out}");
    assert_eq!(
        flags,
        "-v data:/d:z,nocopy
--mount type=volume,source=v2,target=/e,volume-label=a=1,volume-subpath=s
-v /x:/y:rslave
--tmpfs /t:mode=1777,size=1m
--tmpfs /run:exec
"
    );
    let (long, _, _) = translate(&["--to", "compose-long", "--mount type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777"]);
    assert!(long.contains("        tmpfs:\n          size: 1048576\n          mode: 0o1777\n"), "{long}");
}

#[test]
fn dot_and_drive_letters_stay_binds() {
    let (out, _) = compose(&["-v .:/app"]);
    assert!(out.contains("      - .:/app\n"), "{out}");
    assert!(!out.contains("\nvolumes:"), "no volume named `.`: {out}");
    let (out, err, code) = translate(&["--platform", "windows", "--to", "compose", "--", "-v", "C:\\data:C:\\app"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("      - 'c:\\data:c:\\app'\n") || out.contains("source: 'c:\\data'"), "{out}");
    assert!(!out.contains("\nvolumes:"), "no volume named `C`: {out}");
}

#[test]
fn repeated_tmpfs_flags_are_not_glued() {
    let (out, _) = compose(&["--tmpfs /a", "--tmpfs /b:size=1m,mode=700"]);
    assert!(out.ends_with("    tmpfs:\n      - /a\n      - /b:size=1m,mode=700\n"), "{out}");
}

#[test]
fn named_volumes_keep_their_name() {
    let (out, _) = compose(&["-v db-data:/var/lib/db"]);
    assert!(out.ends_with("volumes:\n  db-data:\n    name: db-data\n"), "{out}");
    assert!(!out.contains("external"), "{out}");
    // A name compose keys cannot take, and a one-letter name of a plugin.
    let (out, _) = compose(&["--mount type=volume,src=x,dst=/d,volume-driver=nfs"]);
    assert!(out.contains("      - volume_x:/d\n"), "{out}");
    assert!(out.ends_with("volumes:\n  volume_x:\n    name: x\n    driver: nfs\n"), "{out}");
}

#[test]
fn compose_warns_where_it_behaves_differently() {
    let (_, err) = compose(&["--docker-version", "28.2/20.10", "-v /x:/y:rslave"]);
    assert!(err.contains("compose sends this bind through the Engine's Mount API"), "{err}");
    let (_, err) = compose(&["-v /x:/y:z,rshared"]);
    assert!(err.contains("the SELinux relabel changes from `z` to `none`"), "{err}");
    let (_, err) = compose(&["docker run --rm --volume-driver nfs -v /d img"]);
    assert!(err.contains("warning: `--rm` has no service key"), "{err}");
    assert!(err.contains("compose cannot give an anonymous volume a driver"), "{err}");
    let (out, err) = compose(&["docker run -v \"$(pwd)\":/app -v $(date):/x img"]);
    assert!(out.contains("      - '${PWD}:/app'\n"), "{out}");
    assert!(err.contains("left out: `$(date)` is expanded by the shell, and compose cannot write it"), "{err}");
    let (out, _) = compose(&["--", "-v", "/a$b:/c"]);
    assert!(out.contains("/a$$b:/c"), "a literal `$` is doubled: {out}");
}
