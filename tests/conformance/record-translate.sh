#!/usr/bin/env bash
# Records what a real Docker does with storage flags and with their translations by
# `dockmount translate`, so that tests/translate_engine.rs can check that translations marked
# exact change nothing.
#
#   tests/conformance/record-translate.sh [--out FILE] [--only ID-PREFIX] [--no-corpus]
#
# Cases: every case of tests/conformance/run-flags/cases.jsonl (host paths moved into this
# script's own sandbox), and every `docker run` line of ../shared/corpus/run/commands.jsonl
# (its storage flags only, read with `dockmount explain`; host paths moved into the sandbox,
# volume names prefixed with `dmtr-`; lines whose values hold shell expansions are skipped).
# For each case the original flags are created (`docker create FLAGS dockmount-probe:latest
# cat /proc/self/mountinfo`); when Docker accepts them, so is each translation:
#   auto, mount, volume  `dockmount translate [--to X] -- FLAGS`
#   compose, compose-long `dockmount translate --to compose[-long] -- FLAGS IMAGE`, written
#                        to a file in the case's directory (cases whose directory is
#                        outside the sandbox have no compose sides) and read back with
#                        `dockmount translate --to run FILE` (compose is not installed here:
#                        this checks the compose file through dockmount's reading of what
#                        compose sends, and that request on the real Engine)
# Every translation is made for the versions of the engine it is recorded on.
#
# Each container's answer is normalised: `.Mounts` without tmpfs entries, each reduced to
# Type, Name, Source, Destination, Driver, RW, Propagation and Relabel (the SELinux label
# `docker inspect`'s Mode asks for: `z`, `Z` or `` — the rest of Mode is informational; an
# anonymous local volume with an empty Mode counts as `z`, because the Engine relabels
# `Config.Volumes` volumes when it creates them), anonymous volume names and sources
# blanked, sorted by destination; tmpfs mounts as the kernel shows them
# (/proc/self/mountinfo of the started container: mount point, mount options, super options);
# the create or start error otherwise. Answers of run-flags cases are kept whole (a side's
# answer as `"same"` when it is the original's); corpus cases keep only a reference to their
# line and FNV-1a digests of the answers (the corpus belongs to its authors and is not copied).
#
# Needs a Docker Engine (DOCKER_HOST, or ../shared/docker-engine/start.sh, started here) with
# the dockmount-probe image, python3, and cargo (the dockmount binary is built first; or set
# DOCKMOUNT_BIN). Host paths live under /tmp/dockmount-translate, emptied before every case.
# Only containers and volumes made here are removed.
set -euo pipefail

crate_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out="$crate_root/tests/conformance/translate/recorded.jsonl"
only=""
corpus=1
out_given=0

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; out_given=1; shift 2 ;;
    --out=*) out=${1#--out=}; out_given=1; shift ;;
    --only) only=$2; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    --no-corpus) corpus=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "record-translate: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if { [ -n "$only" ] || [ "$corpus" = 0 ]; } && [ "$out_given" = 0 ]; then
  echo "record-translate: --only/--no-corpus record a subset: give --out FILE too" >&2
  exit 2
fi

if [ -z "${DOCKER_HOST:-}" ]; then
  engine="$crate_root/../shared/docker-engine/start.sh"
  [ -x "$engine" ] || { echo "record-translate: DOCKER_HOST is not set and $engine is missing" >&2; exit 1; }
  eval "$("$engine")"
fi
export DOCKER_CLI=${DOCKER_CLI:-$(command -v docker)}
"$DOCKER_CLI" image inspect dockmount-probe:latest >/dev/null 2>&1 \
  || { echo "record-translate: image dockmount-probe:latest is missing (../shared/docker-engine/start.sh builds it)" >&2; exit 1; }

if [ -z "${DOCKMOUNT_BIN:-}" ]; then
  (cd "$crate_root" && cargo build --quiet --bin dockmount)
  DOCKMOUNT_BIN="${CARGO_TARGET_DIR:-$crate_root/target}/debug/dockmount"
fi
# A copy, so that a rebuild while recording does not mix two versions.
bin_dir=$(mktemp -d)
trap 'rm -rf "$bin_dir"' EXIT
cp "$DOCKMOUNT_BIN" "$bin_dir/dockmount"
export DOCKMOUNT_BIN="$bin_dir/dockmount"

corpus_file="$crate_root/../shared/corpus/run/commands.jsonl"
[ "$corpus" = 1 ] && [ -f "$corpus_file" ] || corpus_file=""

python3 - "$crate_root/tests/conformance/run-flags/cases.jsonl" "$corpus_file" "$out" "$only" <<'PY'
import csv
import io
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time

SANDBOX = "/tmp/dockmount-translate"
RUN_FLAGS_SANDBOX = "/tmp/dockmount-conformance"
IMAGE = "dockmount-probe:latest"
DOCKER = os.environ["DOCKER_CLI"]
DOCKMOUNT = os.environ["DOCKMOUNT_BIN"]
HEX64 = re.compile(r"[0-9a-f]{64}")
IGNORED_WARNINGS = ("WARNING: IPv4 forwarding is disabled. Networking will not work.",)
COMPOSE_FILE = ".dockmount-translate.compose.yaml"
SIDES = ("auto", "mount", "volume", "compose", "compose-long")

cases_path, corpus_path, out_path, only = sys.argv[1:5]


def run(command, cwd=None, timeout=60):
    env = dict(os.environ)
    if cwd is not None:
        env["PWD"] = cwd
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def docker(*args, cwd=None):
    return run([DOCKER, *args], cwd=cwd)


def fnv(text):
    """FNV-1a, 64 bits, of the UTF-8 text, as 16 hex digits."""
    h = 0xcbf29ce484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def canonical(value):
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def words(line):
    """A line of dockmount's output split as a POSIX shell does (plain, '…', "…", $'…')."""
    out, word, i, have = [], [], 0, False
    escapes = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b"}
    while i < len(line):
        c = line[i]
        if c in " \t":
            if have:
                out.append("".join(word))
            word, have = [], False
            i += 1
        elif c == "'":
            j = line.index("'", i + 1)
            word.append(line[i + 1:j])
            have, i = True, j + 1
        elif c == "$" and line[i + 1:i + 2] == "'":
            i += 2
            while line[i] != "'":
                if line[i] == "\\":
                    n = line[i + 1]
                    if n == "u":
                        word.append(chr(int(line[i + 2:i + 6], 16)))
                        i += 6
                    else:
                        word.append(escapes.get(n, n))
                        i += 2
                else:
                    word.append(line[i])
                    i += 1
            have, i = True, i + 1
        elif c == '"':
            i += 1
            while line[i] != '"':
                if line[i] == "\\" and line[i + 1] in '"\\$`':
                    word.append(line[i + 1])
                    i += 2
                else:
                    word.append(line[i])
                    i += 1
            have, i = True, i + 1
        else:
            word.append(c)
            have, i = True, i + 1
    if have:
        out.append("".join(word))
    return out


# ----------------------------------------------------------------------------------------
# Cases

def moved(text):
    return text.replace(RUN_FLAGS_SANDBOX, SANDBOX)


def run_flags_cases():
    cases = []
    with open(cases_path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            case = json.loads(line)
            if case["image"] != IMAGE:
                continue  # the image's own VOLUME is not what is translated
            setup = case.get("setup", {})
            cases.append({
                "id": "rf-" + case["id"],
                "args": [moved(a) for a in case["args"]],
                "cwd": moved(case.get("cwd", RUN_FLAGS_SANDBOX)),
                "setup": {"dirs": [moved(d) for d in setup.get("dirs", [])],
                          "files": [moved(f) for f in setup.get("files", [])]},
                "missing": setup.get("missing", []),
            })
    return cases


def csv_field(field):
    if any(c in field for c in ',"\n\r'):
        return '"' + field.replace('"', '""') + '"'
    return field


def rewrite_item(item, cwd, dirs):
    """A corpus storage value with its host path moved into the sandbox and its volume name
    prefixed; None when it cannot be done safely."""
    syntax, value, mount = item["syntax"], item["text"], item.get("mount") or {}
    kind, source = mount.get("kind"), mount.get("source")
    if syntax == "tmpfs-flag":
        return ["--tmpfs", value]
    if kind == "bind":
        absolute = posixpath.normpath(posixpath.join(cwd, source))
        if source.startswith("."):
            new = None  # stays relative, resolved inside the sandbox
            if not (absolute + "/").startswith(SANDBOX + "/"):
                return None
        else:
            new = SANDBOX + posixpath.normpath(source)
            absolute = new
        dirs.append(absolute)
    elif kind == "volume" and source:
        new = "dmtr-" + source
    elif kind == "volume":
        new = None
    else:
        return None
    if syntax == "volume-flag":
        if new is None:
            return ["-v", value]
        host, sep, rest = value.partition(":")
        if not sep:
            return None
        return ["-v", new + ":" + rest]
    fields = next(csv.reader(io.StringIO(value.strip())), None)
    if fields is None:
        return None
    if new is not None:
        replaced = False
        for i, field in enumerate(fields):
            key = field.split("=", 1)[0].strip().lower()
            if key in ("source", "src"):
                fields[i] = "source=" + new
                replaced = True
        if not replaced:
            return None
    return ["--mount", ",".join(csv_field(f) for f in fields)]


def corpus_cases(versions):
    if not corpus_path:
        return []
    cases, seen = [], set()
    cwd = SANDBOX + "/work"
    with open(corpus_path, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    for number, record in enumerate(records, 1):
        command = record.get("cmd", "")
        if "$" in command or "`" in command:
            continue
        result = run([DOCKMOUNT, "explain", "--format", "json", "--docker-version", versions,
                      "--assume-host-paths-exist", "--cwd", cwd, command])
        try:
            explained = json.loads(result.stdout)
        except ValueError:
            continue
        if explained.get("problems") or explained.get("engine", {}).get("error"):
            continue
        if any(p.get("message", "").startswith("unknown") for p in explained.get("problems", [])):
            continue
        args, dirs = [], [cwd]
        for item in explained.get("items", []):
            flag = rewrite_item(item, cwd, dirs)
            if flag is None:
                args = None
                break
            args.extend(flag)
        if not args:
            continue
        key = canonical(args)
        if key in seen:
            continue
        seen.add(key)
        cases.append({
            "id": f"corpus-{number:03d}",
            "ref": {"repo": record.get("repo"), "path": record.get("path"), "line": record.get("line")},
            "args": args,
            "cwd": cwd,
            "setup": {"dirs": sorted(set(dirs)), "files": []},
            "missing": [],
        })
    return cases


# ----------------------------------------------------------------------------------------
# Docker

def prepare_sandbox(case):
    shutil.rmtree(SANDBOX, ignore_errors=True)
    os.makedirs(SANDBOX)
    for d in case["setup"]["dirs"]:
        if d == SANDBOX or d.startswith(SANDBOX + "/"):
            os.makedirs(d, exist_ok=True)
    for f in case["setup"]["files"]:
        if f.startswith(SANDBOX + "/"):
            os.makedirs(os.path.dirname(f), exist_ok=True)
            with open(f, "w") as handle:
                handle.write("dockmount translate\n")
    os.makedirs(case["cwd"], exist_ok=True)
    for path in case["missing"]:
        if os.path.isabs(path) and os.path.lexists(path):
            sys.exit(f"record-translate: {path} must not exist for {case['id']}")


def volumes():
    return set(docker("volume", "ls", "-q").stdout.split())


def clean_message(text):
    lines = [l for l in text.splitlines() if l not in IGNORED_WARNINGS and not l.startswith("WARNING: ")]
    text = "\n".join(lines).strip("\n")
    for marker in ("\n\nUsage:", "\nUsage:", "\n\nRun 'docker", "\nRun 'docker", "\nSee 'docker"):
        index = text.find(marker)
        if index >= 0:
            text = text[:index]
    for prefix in ("docker: ", "Error response from daemon: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return HEX64.sub("<generated-name>", text.strip())


def relabel(mount):
    mode = mount.get("Mode", "")
    if "Z" in mode:
        return "Z"
    if "z" in mode:
        return "z"
    anonymous = mount.get("Type") == "volume" and HEX64.fullmatch(mount.get("Name") or "")
    if anonymous and mount.get("Driver") == "local":
        return "z"
    return ""


def reduce_mount(mount):
    name, source = mount.get("Name", ""), mount.get("Source", "")
    if mount.get("Type") == "volume" and HEX64.fullmatch(name or ""):
        name, source = "", ""
    return {
        "Type": mount.get("Type", ""), "Name": name, "Source": source,
        "Destination": mount.get("Destination", ""), "Driver": mount.get("Driver", ""),
        "RW": mount.get("RW", False), "Propagation": mount.get("Propagation", ""),
        "Relabel": relabel(mount),
    }


def tmpfs_lines(mountinfo, destinations):
    found = []
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 6 or len(tail) < 3 or tail[0] != "tmpfs":
            continue
        point = fields[4]
        if point in destinations:
            found.append({"mount_point": point, "options": ",".join(sorted(fields[5].split(","))),
                          "super": ",".join(sorted(tail[2].split(",")))})
    return sorted(found, key=lambda t: (t["mount_point"], t["options"], t["super"]))


def answer(args, cwd, case_args):
    """Docker's normalised answer to `docker create ARGS`."""
    before = volumes()
    result = docker("create", *args, IMAGE, "cat", "/proc/self/mountinfo", cwd=cwd)
    entry = {"mounts": [], "tmpfs": [], "error": None, "start_error": None}
    container = result.stdout.strip().splitlines()[-1] if result.returncode == 0 and result.stdout.strip() else ""
    if result.returncode != 0:
        entry["error"] = clean_message(result.stderr)
    else:
        inspect = json.loads(docker("inspect", container).stdout)[0]
        raw = inspect.get("Mounts") or []
        entry["mounts"] = sorted((reduce_mount(m) for m in raw if m.get("Type") != "tmpfs"),
                                 key=lambda m: (m["Destination"], m["Type"], m["Source"]))
        host = inspect.get("HostConfig", {})
        destinations = {posixpath.normpath(p) for p in (host.get("Tmpfs") or {})}
        destinations |= {m.get("Destination") for m in raw if m.get("Type") == "tmpfs"}
        if destinations:
            started = docker("start", "-a", container)
            if started.returncode != 0:
                entry["start_error"] = clean_message(started.stderr)
            else:
                entry["tmpfs"] = tmpfs_lines(started.stdout, destinations)
        docker("rm", "-f", "-v", container)
    for name in sorted(volumes() - before):
        if HEX64.fullmatch(name) or any(name in a for a in case_args + args):
            docker("volume", "rm", name)
    return entry


# ----------------------------------------------------------------------------------------
# Translations

def translate(case, side, versions):
    base = [DOCKMOUNT, "translate", "--format", "json", "--docker-version", versions, "--cwd", case["cwd"]]
    if side in ("auto", "mount", "volume"):
        to = [] if side == "auto" else ["--to", side]
        result = run(base + to + ["--", *case["args"]])
        return parse_translation(result, None)
    first = run(base + ["--to", side, "--", *case["args"], IMAGE])
    compose = parse_translation(first, None)
    if compose["refused"]:
        return compose
    path = os.path.join(case["cwd"], COMPOSE_FILE)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(compose["output"]) + "\n")
    second = parse_translation(run(base + ["--to", "run", path]), compose)
    os.remove(path)
    return second


def parse_translation(result, compose_leg):
    try:
        value = json.loads(result.stdout)
    except ValueError:
        value = {"output": [], "notes": [{"severity": "error", "message": result.stderr.strip()}], "exact": False}
    notes = value.get("notes", [])
    entry = {
        "output": value.get("output", []),
        "exact": bool(value.get("exact")),
        "warnings": [n["message"] for n in notes if n.get("severity") in ("warning", "error")],
        "refused": result.returncode != 0 and not value.get("output"),
    }
    if compose_leg is not None:
        entry["compose"] = compose_leg["output"]
        entry["exact"] = entry["exact"] and compose_leg["exact"]
        entry["warnings"] = compose_leg["warnings"] + entry["warnings"]
    return entry


def record(case, versions):
    prepare_sandbox(case)
    original = answer(case["args"], case["cwd"], case["args"])
    entry = {"id": case["id"], "cwd": case["cwd"], "original": original, "sides": {}}
    if "ref" in case:
        entry["ref"] = case["ref"]
    else:
        entry["args"] = case["args"]
    if original["error"] or original["start_error"]:
        return entry
    cache = {canonical(case["args"]): original}
    inside = case["cwd"] == SANDBOX or case["cwd"].startswith(SANDBOX + "/")
    for side in SIDES:
        if side.startswith("compose") and not inside:
            continue  # the compose file would be written outside the sandbox
        translation = translate(case, side, versions)
        side_entry = {"exact": translation["exact"], "warnings": translation["warnings"],
                      "refused": translation["refused"], "output": translation["output"]}
        if "compose" in translation:
            side_entry["compose"] = translation["compose"]
        if not translation["refused"]:
            args = [w for line in translation["output"] for w in words(line)]
            key = canonical(args)
            if key not in cache:
                prepare_sandbox(case)
                cache[key] = answer(args, case["cwd"], case["args"])
            side_entry["answer"] = cache[key]
        entry["sides"][side] = side_entry
    return entry


def compact(entry):
    """A run-flags case as kept: a side's answer is `"same"` when it is the original's."""
    for side in entry["sides"].values():
        if side.get("answer") == entry["original"]:
            side["answer"] = "same"
    return entry


def digest(entry):
    """A corpus case without the corpus's text: digests of what was compared."""
    out = {"id": entry["id"], "ref": entry["ref"], "original": fnv(canonical(entry["original"])),
           "refused_by_docker": bool(entry["original"]["error"] or entry["original"]["start_error"]), "sides": {}}
    for side, s in entry["sides"].items():
        d = {"exact": s["exact"], "warnings": len(s["warnings"]), "refused": s["refused"]}
        if "answer" in s:
            d["answer"] = fnv(canonical(s["answer"]))
            d["error"] = bool(s["answer"]["error"] or s["answer"]["start_error"])
        out["sides"][side] = d
    return out


def main():
    info = json.loads(docker("version", "--format", "{{json .}}").stdout)
    client, server = info["Client"]["Version"], info["Server"]["Version"]
    release = lambda v: re.match(r"[0-9.]+", v).group(0).rstrip(".")
    versions = f"{release(client)}/{release(server)}"
    cases = run_flags_cases() + corpus_cases(versions)
    if only:
        cases = [c for c in cases if c["id"].startswith(only)]
    meta = {"client": client, "server": server, "api": info["Server"].get("ApiVersion"),
            "sandbox": SANDBOX, "image": IMAGE, "cases": len(cases)}
    started = time.time()
    tmp = out_path + ".part"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(json.dumps({"meta": meta}, ensure_ascii=False) + "\n")
        for number, case in enumerate(cases, 1):
            entry = record(case, versions)
            entry = digest(entry) if "ref" in entry else compact(entry)
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            if number % 100 == 0:
                print(f"record-translate: {number}/{len(cases)} ({time.time() - started:.0f}s)", file=sys.stderr)
    shutil.rmtree(SANDBOX, ignore_errors=True)
    os.replace(tmp, out_path)
    print(f"record-translate: {len(cases)} cases recorded in {time.time() - started:.0f}s -> {out_path} "
          f"(client {client}, engine {server})", file=sys.stderr)


main()
PY
