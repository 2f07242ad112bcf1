#!/usr/bin/env bash
# Re-records what a real Docker CLI and Engine answer to the `docker create` storage-flag cases.
#
#   tests/conformance/record-run-flags.sh [--out FILE] [--cases FILE] [--only ID-PREFIX]
#
# Reads tests/conformance/run-flags/cases.jsonl and writes tests/conformance/run-flags/recorded.jsonl
# (or FILE): a header line with the Docker versions, then one line per case with Docker's verdict:
# the container's `.Mounts` and `.HostConfig.Tmpfs` on success, the error (stage + message) on
# failure, and the start error for cases marked `"start": true`. Cases marked `"alternatives": N`
# are ones where Go map order decides which of N bad values Docker reports: they are created again
# until N different messages were seen (`error` is the first in byte order, `error_alternatives`
# the others).
#
# Needs a Docker Engine: DOCKER_HOST already set, or the private engine of
# ../shared/docker-engine/start.sh (relative to the crate root), which this script starts.
# Host paths of the cases live under the sandbox /tmp/dockmount-conformance, which is emptied and
# prepared again (setup dirs and files) before every case; paths a case lists in setup.missing must
# not exist. Every container is removed with its anonymous volumes, and every named volume a case
# created is removed again.
set -euo pipefail

crate_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cases="$crate_root/tests/conformance/run-flags/cases.jsonl"
out="$crate_root/tests/conformance/run-flags/recorded.jsonl"
only=""
out_given=0

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; out_given=1; shift 2 ;;
    --out=*) out=${1#--out=}; out_given=1; shift ;;
    --cases) cases=$2; shift 2 ;;
    --cases=*) cases=${1#--cases=}; shift ;;
    --only) only=$2; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "record-run-flags: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ -n "$only" ] && [ "$out_given" = 0 ]; then
  echo "record-run-flags: --only records a subset: give --out FILE too (the committed recording stays whole)" >&2
  exit 2
fi

if [ -z "${DOCKER_HOST:-}" ]; then
  engine="$crate_root/../shared/docker-engine/start.sh"
  [ -x "$engine" ] || { echo "record-run-flags: DOCKER_HOST is not set and $engine is missing" >&2; exit 1; }
  eval "$("$engine")"
fi
export DOCKER_CLI=${DOCKER_CLI:-$(command -v docker)}

for image in dockmount-probe:latest dockmount-probe:volume; do
  "$DOCKER_CLI" image inspect "$image" >/dev/null 2>&1 \
    || { echo "record-run-flags: image $image is missing (../shared/docker-engine/start.sh builds it)" >&2; exit 1; }
done

# The loop itself is Python: it passes every argument to `docker` exactly as recorded (no shell
# quoting in between) and reads and writes the JSON.
exec python3 - "$cases" "$out" "$only" <<'PY'
import json
import os
import re
import shutil
import subprocess
import sys
import time

SANDBOX = "/tmp/dockmount-conformance"
DOCKER = os.environ["DOCKER_CLI"]
HEX64 = re.compile(r"[0-9a-f]{64}")
# Printed by this engine on every create (it runs without a bridge network); not about storage.
IGNORED_WARNINGS = ("WARNING: IPv4 forwarding is disabled. Networking will not work.",)

cases_path, out_path, only = sys.argv[1], sys.argv[2], sys.argv[3]


def docker(*args, cwd=None, timeout=60):
    env = dict(os.environ)
    if cwd is not None:
        env["PWD"] = cwd  # what Go's os.Getwd (filepath.Abs) trusts first
    return subprocess.run([DOCKER, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def under_sandbox(path):
    return path == SANDBOX or path.startswith(SANDBOX + "/")


def prepare_sandbox(setup):
    shutil.rmtree(SANDBOX, ignore_errors=True)
    os.makedirs(SANDBOX)
    for d in setup.get("dirs", []):
        if not under_sandbox(d):
            sys.exit(f"record-run-flags: setup dir outside the sandbox: {d}")
        os.makedirs(d, exist_ok=True)
    for f in setup.get("files", []):
        if not under_sandbox(f):
            sys.exit(f"record-run-flags: setup file outside the sandbox: {f}")
        os.makedirs(os.path.dirname(f), exist_ok=True)
        with open(f, "w") as handle:
            handle.write("dockmount conformance\n")
    for path in setup.get("missing", []):
        # Paths outside the sandbox the case relies on not existing.
        if os.path.isabs(path) and os.path.lexists(path):
            sys.exit(f"record-run-flags: {path} must not exist for this case")


def volumes():
    result = docker("volume", "ls", "-q")
    return set(result.stdout.split())


def split_stderr(stderr):
    """Docker's stderr without the environment's warnings, and the other warnings."""
    lines, warnings = [], []
    for line in stderr.splitlines():
        if line in IGNORED_WARNINGS:
            continue
        if line.startswith("WARNING: "):
            warnings.append(line[len("WARNING: "):])
            continue
        lines.append(line)
    return "\n".join(lines).strip("\n"), warnings


def strip_help(text):
    """Drop the usage and `Run 'docker create --help'` lines the CLI appends."""
    for marker in ("\n\nUsage:", "\nUsage:", "\n\nRun 'docker", "\nRun 'docker", "\nSee 'docker"):
        index = text.find(marker)
        if index >= 0:
            text = text[:index]
    return text.rstrip("\n")


def create_error(text):
    if "Unable to find image" in text:
        sys.exit("record-run-flags: the engine tried to pull the image (a 404 from the daemon, "
                 f"such as a missing volume plugin?): {text}")
    text = strip_help(text)
    if text.startswith("docker: "):
        text = text[len("docker: "):]
    if text.startswith("Error response from daemon: "):
        return {"stage": "daemon", "message": normalise(text[len("Error response from daemon: "):])}
    return {"stage": "client", "message": normalise(text)}


def start_error(text):
    lines = [l for l in text.splitlines() if not l.startswith("Error: failed to start containers:")]
    text = "\n".join(lines).strip("\n")
    if text.startswith("Error response from daemon: "):
        text = text[len("Error response from daemon: "):]
    stage = "runtime" if "OCI runtime" in text else "daemon"
    return {"stage": stage, "message": normalise(text)}


def normalise(message):
    # Random names (anonymous volumes, layer directories) cannot be predicted.
    return HEX64.sub("<generated-name>", message)


def reduce_mount(mount):
    name = mount.get("Name", "")
    source = mount.get("Source", "")
    if mount.get("Type") == "volume" and HEX64.fullmatch(name or ""):
        name, source = "", ""
    return {
        "Type": mount.get("Type", ""),
        "Name": name,
        "Source": source,
        "Destination": mount.get("Destination", ""),
        "Driver": mount.get("Driver", ""),
        "Mode": mount.get("Mode", ""),
        "RW": mount.get("RW", False),
        "Propagation": mount.get("Propagation", ""),
    }


def names_volume(args, name):
    """Whether a `-v NAME:…` or a `--mount …,source=NAME,…` of these arguments names the volume."""
    for arg in args:
        if arg.startswith(("-v=", "--volume=", "--mount=")):
            arg = arg.split("=", 1)[1]
        fields = ("," + arg + ",").replace(",src=", ",source=")
        if arg.startswith(name + ":") or f",source={name}," in fields:
            return True
    return False


def record(case):
    setup = case.get("setup", {"dirs": [], "files": []})
    prepare_sandbox(setup)
    cwd = case.get("cwd", SANDBOX)
    if not os.path.isdir(cwd):
        sys.exit(f"record-run-flags: {case['id']}: cwd {cwd} does not exist (add it to setup.dirs)")
    setup_record = {"dirs": setup.get("dirs", []), "files": setup.get("files", [])}
    if setup.get("missing"):
        setup_record["missing"] = setup["missing"]
    before = volumes()
    # A volume the case names that is left from an interrupted run would be reused with its
    # old options (Docker ignores a create's options for an existing volume): start clean.
    for name in sorted(before):
        if names_volume(case["args"], name) and docker("volume", "rm", name).returncode == 0:
            print(f"record-run-flags: {case['id']}: removed the leftover volume {name}", file=sys.stderr)
            before.discard(name)
    result = docker("create", *case["args"], case["image"], cwd=cwd)
    stderr, warnings = split_stderr(result.stderr)
    entry = {
        "id": case["id"],
        "args": case["args"],
        "image": case["image"],
        "cwd": cwd,
        "setup": setup_record,
        "exit": result.returncode,
        "Mounts": [],
        "Tmpfs": {},
        "error": None,
    }
    container = result.stdout.strip().splitlines()[-1] if result.returncode == 0 else ""
    if result.returncode == 0:
        inspect = json.loads(docker("inspect", container).stdout)[0]
        mounts = [reduce_mount(m) for m in inspect.get("Mounts") or []]
        entry["Mounts"] = sorted(mounts, key=lambda m: (m["Destination"], m["Type"], m["Source"]))
        entry["Tmpfs"] = inspect.get("HostConfig", {}).get("Tmpfs") or {}
    else:
        entry["error"] = create_error(stderr)
        if case.get("alternatives"):
            # Go map order picks the reported value: ask again until every expected message has
            # been seen (or give up after 200 tries and keep what was seen).
            seen = {entry["error"]["message"]}
            tries = 1
            while len(seen) < int(case["alternatives"]) and tries < 200:
                again = docker("create", *case["args"], case["image"], cwd=cwd)
                tries += 1
                if again.returncode == 0:
                    docker("rm", "-f", "-v", again.stdout.strip().splitlines()[-1])
                    sys.exit(f"record-run-flags: {case['id']}: a repeated create succeeded")
                seen.add(create_error(split_stderr(again.stderr)[0])["message"])
            if len(seen) < int(case["alternatives"]):
                print(f"record-run-flags: {case['id']}: only {len(seen)} of {case['alternatives']} "
                      "messages seen in 200 tries", file=sys.stderr)
            ordered = sorted(seen)
            entry["error"]["message"] = ordered[0]
            entry["error_alternatives"] = ordered[1:]
    if case.get("start"):
        entry["start"] = True
        entry["start_error"] = None
        if container:
            started = docker("start", container)
            if started.returncode != 0:
                entry["start_error"] = start_error(split_stderr(started.stderr)[0])
    if warnings:
        entry["warnings"] = warnings
    if container:
        docker("rm", "-f", "-v", container)
    # Named volumes the case created (and anonymous ones a failed create left behind); volumes
    # that existed before, or that the case does not name, are not ours to remove.
    for name in sorted(volumes() - before):
        if HEX64.fullmatch(name) or any(name in arg for arg in case["args"]):
            docker("volume", "rm", name)
    return entry


def versions():
    fmt = "{{json .}}"
    info = json.loads(docker("version", "--format", fmt).stdout)
    client, server = info.get("Client") or {}, info.get("Server") or {}
    driver = docker("info", "--format", "{{.Driver}}").stdout.strip()
    root = docker("info", "--format", "{{.DockerRootDir}}").stdout.strip()
    return {
        "client": client.get("Version"),
        "server": server.get("Version"),
        "api": server.get("ApiVersion"),
        "os": server.get("Os"),
        "storage_driver": driver,
        "daemon_root": root,
        "sandbox": SANDBOX,
    }


def main():
    with open(cases_path, encoding="utf-8") as handle:
        cases = [json.loads(line) for line in handle if line.strip()]
    if only:
        cases = [c for c in cases if c["id"].startswith(only)]
    meta = versions()
    meta["cases"] = len(cases)
    started = time.time()
    tmp = out_path + ".part"
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(json.dumps({"meta": meta}, ensure_ascii=False) + "\n")
        for number, case in enumerate(cases, 1):
            entry = record(case)
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            if number % 50 == 0:
                print(f"record-run-flags: {number}/{len(cases)} ({time.time() - started:.0f}s)",
                      file=sys.stderr)
    shutil.rmtree(SANDBOX, ignore_errors=True)
    os.replace(tmp, out_path)
    print(f"record-run-flags: {len(cases)} cases recorded in {time.time() - started:.0f}s "
          f"-> {out_path} (client {meta['client']}, engine {meta['server']})", file=sys.stderr)


main()
PY
