#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ (cargo-fuzz, libFuzzer) for a set time each, one after the
# other (or FUZZ_JOBS at a time), and exits non-zero when one crashes (a panic, a hang past
# the per-input timeout, or memory past the RSS limit). It ends with one line per target:
# seconds run, executions, executions per second, crashes, corpus entries.
#
#   scripts/fuzz.sh                 each target 30 s
#   scripts/fuzz.sh 600             each target 10 minutes
#   scripts/fuzz.sh 60 lint compose only these targets
#   FUZZ_JOBS=2 scripts/fuzz.sh     two targets at a time (a fuzzer uses one core)
#   FUZZ_SEED=1 scripts/fuzz.sh     the same random choices every run (CI: a crash it finds
#                                   is found again by anyone who runs it)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); the stable toolchain runs it with
# RUSTC_BOOTSTRAP=1 (libFuzzer needs the sanitizer flags of nightly). Corpora grow in
# fuzz/corpus/TARGET (git-ignored) and are seeded from fixtures/ and, when the shared test
# environment is beside the project, from the specification's vectors and the real-world
# corpus. A crash is saved in fuzz/artifacts/TARGET/; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz -O -s none TARGET fuzz/artifacts/TARGET/crash-...
# and turn it into a regression test in tests/. The targets are built without a sanitizer:
# the crate is safe Rust (no `unsafe`), so AddressSanitizer finds nothing a panic would not,
# and costs most of the speed; panics, hangs and memory blow-ups are what is looked for.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
all_targets=(volume_flag mount_flag tmpfs_flag run_line predict_args dockerfile compose lint roundtrip)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
jobs=${FUZZ_JOBS:-1}
case $jobs in
  '' | *[!0-9]* | 0)
    echo "error: FUZZ_JOBS must be a positive number, not '$jobs'" >&2
    exit 2
    ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "error: cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
  exit 2
fi
export RUSTC_BOOTSTRAP=1

echo "== building the fuzz targets"
# Always in fuzz/target (not in a CARGO_TARGET_DIR set for the main build): the runs
# below start the binaries from there.
cargo fuzz build --fuzz-dir fuzz -O --sanitizer none --target-dir fuzz/target
bin=fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release

# --- seeds --------------------------------------------------------------------------------
seed() { # seed TARGET FILE...: copies files into the target's corpus (content-named)
  local target=$1
  shift
  mkdir -p "fuzz/corpus/$target"
  local file
  for file in "$@"; do
    [ -f "$file" ] || continue
    cp "$file" "fuzz/corpus/$target/seed-$(sha1sum "$file" | cut -c1-16)"
  done
}
seed run_line fixtures/explain/run-lines.txt fixtures/explain/deploy.sh
seed dockerfile fixtures/explain/Dockerfile
seed compose fixtures/explain/compose.yaml
# roundtrip: the first byte picks the syntax (0 `-v`, 1 `--mount`, 2 `--tmpfs`, 3 a compose
# short entry), the rest is the value.
seed_value() { # seed_value TARGET OCTAL-BYTE VALUE
  local file
  file=$(mktemp)
  printf "\\$2%s" "$3" >"$file"
  seed "$1" "$file"
  rm -f "$file"
}
seed_value roundtrip 000 /srv:/data:ro,rslave
seed_value roundtrip 000 data:/d:nocopy,z
seed_value roundtrip 000 ./src:/app:Z
seed_value roundtrip 000 /d
seed_value roundtrip 001 type=bind,src=/a,dst=/b,readonly,bind-create-src
seed_value roundtrip 001 src=data,dst=/d,volume-nocopy,volume-subpath=sub
seed_value roundtrip 001 type=tmpfs,dst=/t,tmpfs-size=1g,tmpfs-mode=700
seed_value roundtrip 002 /run:rw,noexec,nosuid,size=65536k
seed_value roundtrip 003 ./data:/var/lib/data:ro
seed_value roundtrip 003 cache:/cache:nocopy
spec=../shared/spec/vectors
corpus=../shared/corpus
if [ -d "$spec" ] && command -v python3 >/dev/null 2>&1; then
  # One seed per vector input; for lint, the first byte picks the file kind (0 shell,
  # 1 Dockerfile, 2 compose, 3 Markdown, 4 CI YAML).
  python3 - "$spec" "$corpus" <<'EOF'
import json, hashlib, os, sys
spec, corpus = sys.argv[1], sys.argv[2]

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    os.makedirs(f"fuzz/corpus/{target}", exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(f"fuzz/corpus/{target}/{name}", "wb") as out:
        out.write(data)

def inputs(name):
    path = os.path.join(spec, name)
    if not os.path.exists(path):
        return []
    found = []
    for line in open(path, encoding="utf-8"):
        value = json.loads(line).get("input")
        if isinstance(value, str):
            found.append(value)
    return found

for target, flag, vectors in [("volume_flag", "-v", "volume-flag.jsonl"),
                              ("mount_flag", "--mount", "mount-flag.jsonl"),
                              ("tmpfs_flag", "--tmpfs", "tmpfs-flag.jsonl")]:
    for value in inputs(vectors):
        put(target, value)
        put("predict_args", "\0".join([flag, value, "img"]))
        put("run_line", f"docker run {flag} '{value}' img\n")
for value in inputs("dockerfile-volume.jsonl"):
    put("dockerfile", "FROM alpine\n" + value + "\n")
    put("lint", b"\x01FROM alpine\n" + value.encode() + b"\n")
for value in inputs("compose-long.jsonl"):
    put("compose", value)
    put("lint", b"\x02" + value.encode())
for value in inputs("compose-short.jsonl"):
    put("compose", f"services:\n  app:\n    image: alpine\n    volumes:\n      - {json.dumps(value)}\n")
for first, vectors in [(b"\x00", "volume-flag.jsonl"), (b"\x01", "mount-flag.jsonl"),
                       (b"\x02", "tmpfs-flag.jsonl"), (b"\x03", "compose-short.jsonl")]:
    for value in inputs(vectors):
        put("roundtrip", first + value.encode())

run = os.path.join(corpus, "run", "commands.jsonl")
if os.path.exists(run):
    for line in open(run, encoding="utf-8"):
        command = json.loads(line).get("cmd", "")
        put("run_line", command)
        put("lint", b"\x00" + command.encode())
        put("lint", b"\x03```sh\n" + command.encode() + b"\n```\n")
for sub, target, kind in [("dockerfiles", "dockerfile", b"\x01"), ("compose", "compose", b"\x02")]:
    folder = os.path.join(corpus, sub)
    if not os.path.isdir(folder):
        continue
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        if len(data) <= 16384:
            put(target, data)
            put("lint", kind + data)
EOF
fi

# --- runs ---------------------------------------------------------------------------------
logs=fuzz/logs
mkdir -p "$logs"

# run_target TARGET: one fuzzer run; writes its summary line to fuzz/logs/TARGET.summary
# and exits non-zero when the fuzzer found something.
run_target() {
  local target=$1
  local log="$logs/$target.log"
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  echo "== $target: ${seconds}s"
  local status=0 started=$SECONDS
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: 2 GiB is a leak or a bomb.
  # -max_len: big enough for real files, small enough to keep the runs fast.
  # The binaries built above, run directly: `cargo fuzz run` would rebuild whenever the
  # sources change during a long campaign.
  "$bin/$target" -artifact_prefix="fuzz/artifacts/$target/" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 "fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  local took=$((SECONDS - started))
  local runs rate crashes corpus_size line
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  # Crashes, hangs and out-of-memory inputs of this run (libFuzzer stops at the first).
  crashes=$(grep -c 'Test unit written to' "$log" || true)
  corpus_size=$(find "fuzz/corpus/$target" -type f | wc -l)
  line=$(printf '%-13s %6ss %12s execs %8s exec/s %3s crashes %7s corpus' \
    "$target" "$took" "${runs:-?}" "${rate:-?}" "$crashes" "$corpus_size")
  if [ "$status" != 0 ]; then
    line="$line  CRASH (exit $status)"
    {
      echo "error: $target crashed; see $log and fuzz/artifacts/$target/"
      grep -m1 -A20 -E 'panicked|ERROR: libFuzzer|SUMMARY' "$log" || tail -30 "$log"
    } >&2
  fi
  echo "$line" >"$logs/$target.summary"
  echo "$line"
  return "$status"
}

# Up to $jobs targets at a time; each libFuzzer process uses one core.
failed=()
for target in "${targets[@]}"; do
  rm -f "$logs/$target.summary"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
  run_target "$target" &
done
wait || true

echo "== summary (${seconds}s per target, $jobs at a time)"
for target in "${targets[@]}"; do
  line=$(cat "$logs/$target.summary" 2>/dev/null || echo "$target: no result")
  echo "$line"
  case $line in
    *CRASH* | *'no result'*) failed+=("$target") ;;
  esac
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets crashed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a crash"
