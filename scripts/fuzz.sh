#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ (cargo-fuzz, libFuzzer) for a set time each, one after the
# other, and exits non-zero when one crashes (a panic, a hang past the per-input timeout, or
# memory past the RSS limit).
#
#   scripts/fuzz.sh                 each target 30 s
#   scripts/fuzz.sh 600             each target 10 minutes
#   scripts/fuzz.sh 60 lint compose only these targets
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
#
# The parse → translate → parse round trip target comes with the translate module.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-30}
shift || true
all_targets=(volume_flag mount_flag tmpfs_flag run_line predict_args dockerfile compose lint)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "error: cargo-fuzz is missing: cargo install cargo-fuzz --locked" >&2
  exit 2
fi
export RUSTC_BOOTSTRAP=1

echo "== building the fuzz targets"
cargo fuzz build --fuzz-dir fuzz -O --sanitizer none
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
failed=()
summary=()
for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s"
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  log="$logs/$target.log"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: 2 GiB is a leak or a bomb.
  # -max_len: big enough for real files, small enough to keep the runs fast.
  status=0
  # The binaries built above, run directly: `cargo fuzz run` would rebuild whenever the
  # sources change during a long campaign.
  "$bin/$target" -artifact_prefix="fuzz/artifacts/$target/" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -print_final_stats=1 "fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus_size=$(find "fuzz/corpus/$target" -type f | wc -l)
  line=$(printf '%-13s %10s execs  cov %6s  ft %6s  corpus %6s' "$target" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$corpus_size")
  if [ "$status" != 0 ]; then
    failed+=("$target")
    line="$line  CRASH (exit $status)"
    echo "error: $target crashed; see $log and fuzz/artifacts/$target/" >&2
    grep -m1 -A20 -E 'panicked|ERROR: libFuzzer|SUMMARY' "$log" >&2 || tail -30 "$log" >&2
  fi
  echo "$line"
  summary+=("$line")
done

echo "== summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets crashed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${seconds}s each without a crash"
