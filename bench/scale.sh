#!/usr/bin/env bash
# The scale test: a tree made from the shared corpus (Dockerfiles and compose files under
# their original paths, the corpus's `docker run` lines as shell scripts, and files lint
# skips), copied 1x, 10x and 100x, linted by `dockmount lint DIR` on every core. Time
# (hyperfine) and peak memory (/usr/bin/time -v) at each size; the slope of time over the
# number of files is the marginal cost per file.
#
#   bench/scale.sh OUT_DIR [DOCKMOUNT]     writes OUT_DIR/scale.json and prints a table
#
# Environment: CORPUS (default ../shared/corpus), SCALES (default "1 10 100"),
# KEEP_TREE=1 keeps the generated tree (its path is printed).
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:?usage: bench/scale.sh OUT_DIR [DOCKMOUNT]}
dockmount=${2:-${CARGO_TARGET_DIR:-target}/release/dockmount}
corpus=${CORPUS:-../shared/corpus}
scales=${SCALES:-1 10 100}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ ! -d "$corpus/dockerfiles" ]; then
  echo "error: the corpus ($corpus) is missing: the scale test needs it" >&2
  exit 1
fi
for tool in hyperfine python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "error: $tool is missing (bench/compare.sh installs it)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dockmount-scale.XXXXXX")
if [ "${KEEP_TREE:-0}" = 1 ]; then
  echo "the generated tree is kept in $work"
else
  trap 'rm -rf "$work"' EXIT
fi

# One copy of the corpus as a project tree. Corpus names are `owner__repo__path__name`:
# the file goes back to owner/repo/path/name, so lint finds it by its real name (a file
# whose real name says nothing, such as `templates/compose/app.yaml`, is skipped, as a
# walk would skip it in its repository).
python3 - "$corpus" "$work/copy" <<'EOF'
import collections, json, os, sys
corpus, dest = sys.argv[1], sys.argv[2]

def place(parts, text):
    path = os.path.join(dest, *parts)
    if os.path.exists(path) or any(os.path.isfile(os.path.join(dest, *parts[:i])) for i in range(1, len(parts))):
        path = os.path.join(dest, parts[0], "__".join(parts[1:]))  # a clash: keep it flat
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(text)

for folder in ("dockerfiles", "compose"):
    for name in sorted(os.listdir(os.path.join(corpus, folder))):
        with open(os.path.join(corpus, folder, name), "rb") as f:
            place(name.split("__"), f.read())

# The run lines, one shell script per file they were found in.
scripts = collections.defaultdict(list)
repos = set()
with open(os.path.join(corpus, "run", "commands.jsonl"), encoding="utf-8") as f:
    for line in f:
        record = json.loads(line)
        scripts[(record["repo"], record["path"])].append(record["cmd"])
for (repo, path), commands in sorted(scripts.items()):
    text = "#!/bin/sh\n" + "\n".join(commands) + "\n"
    place(repo.split("/") + ["run", path.replace("/", "__") + ".sh"], text.encode())

# Files lint skips: a notes file and an extension-less file (whose first line is read).
with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
    for row in f.read().splitlines()[1:]:
        repos.add(row.split("\t")[2])
for repo in sorted(repos):
    place(repo.split("/") + ["NOTES.txt"], f"Files of {repo}, for the scale test.\n".encode())
    place(repo.split("/") + ["LICENSE"], f"See the licence of {repo}.\n".encode())
EOF

per_copy=$(find "$work/copy" -type f | wc -l)
echo "one copy of the corpus: $per_copy files ($(du -sh "$work/copy" | cut -f1))"

results="$out/scale.tsv"
printf 'copies\tfiles\tbytes\tmedian_s\tstddev_s\tmin_s\tuser_s\tsystem_s\tpeak_kb\trg_median_s\n' > "$results"
built=0
for n in $scales; do
  tree="$work/tree-$n"
  mkdir -p "$tree"
  # Copies are added to the previous size's tree rather than made from scratch.
  for ((i = built + 1; i <= n; i++)); do cp -r "$work/copy" "$tree/copy-$i"; done
  if [ "$built" -gt 0 ]; then mv "$work/tree-$built"/* "$tree"/ && rmdir "$work/tree-$built"; fi
  built=$n
  files=$(find "$tree" -type f | wc -l)
  bytes=$(du -sb "$tree" | cut -f1)
  runs=$(( n >= 100 ? 3 : (n >= 10 ? 5 : 20) ))
  echo "== ${n}x: $files files, $((bytes / 1024 / 1024)) MiB; $runs runs"
  hyperfine --style basic -N --warmup 1 --runs "$runs" -i --export-json "$out/scale-$n.json" \
    "$dockmount lint --exit-zero --format concise $tree" "rg -c -i volume $tree" >/dev/null 2>&1
  /usr/bin/time -v "$dockmount" lint --exit-zero --format concise "$tree" >/dev/null 2>"$out/scale-$n.time" || true
  python3 - "$out/scale-$n.json" "$out/scale-$n.time" "$n" "$files" "$bytes" >> "$results" <<'EOF'
import json, re, statistics, sys
runs, timefile, n, files, size = sys.argv[1:]
data = json.load(open(runs))["results"]
dm, rg = data[0], data[1]
peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(timefile).read()).group(1)
print("\t".join(str(x) for x in [n, files, size, dm["median"], dm["stddev"] or 0, dm["min"], dm["user"], dm["system"], peak, rg["median"]]))
EOF
done

python3 - "$results" "$out/scale.json" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
xs = [int(r["files"]) for r in rows]
ys = [float(r["median_s"]) for r in rows]
ms = [int(r["peak_kb"]) for r in rows]
def fit(xs, ys):
    n = len(xs); mx = sum(xs) / n; my = sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return slope, my - slope * mx
slope, intercept = fit(xs, ys) if len(rows) > 1 else (ys[0] / xs[0], 0.0)
cs = [float(r["user_s"]) + float(r["system_s"]) for r in rows]
cslope, _ = fit(xs, cs) if len(rows) > 1 else (cs[0] / xs[0], 0.0)
mslope, mintercept = fit(xs, ms) if len(rows) > 1 else (ms[0] / xs[0], 0.0)
summary = {"rows": rows, "slope_us_per_file": slope * 1e6, "intercept_ms": intercept * 1e3,
           "cpu_slope_us_per_file": cslope * 1e6,
           "memory_kb_per_file": mslope, "memory_intercept_kb": mintercept}
json.dump(summary, open(sys.argv[2], "w"), indent=1)
print(f"{'copies':>6} {'files':>8} {'median':>9} {'per file':>9} {'peak RSS':>9} {'rg':>8}")
for r in rows:
    per = float(r["median_s"]) / int(r["files"]) * 1e6
    print(f"{r['copies']:>5}x {r['files']:>8} {float(r['median_s'])*1e3:>7.1f}ms {per:>7.1f}us {int(r['peak_kb'])/1024:>7.1f}MB {float(r['rg_median_s'])*1e3:>6.1f}ms")
print(f"slope: {slope*1e6:.1f} us per file (intercept {intercept*1e3:.1f} ms), CPU {cslope*1e6:.1f} us per file; "
      f"memory: {mslope:.2f} KB per file")
EOF
