#!/usr/bin/env bash
# Re-record what a real Docker Engine builds from each Dockerfile case of cases.jsonl.
#
#   eval "$(../shared/docker-engine/start.sh)"
#   tests/conformance/dockerfile/record-dockerfile.sh [[--out] OUT]   # default: recorded.jsonl beside this script
#
# For every case and for each builder that exists here — the classic builder (DOCKER_BUILDKIT=0) and
# BuildKit (buildx if installed, otherwise a CLI with the built-in BuildKit client, e.g. the Engine's own
# 20.10 CLI; override with BUILDKIT_CLI=/path/to/docker) — it records:
#   ok, the error line (client prefixes removed), .Config.Volumes of the image,
#   and when the case asks: `docker create` + .Mounts (create: true), `docker run` output (run: "cmd").
# Images, containers and their anonymous volumes made here are removed; so are the dangling images a
# failed classic build leaves behind (only those that appeared during this run).
# Point DOCKMOUNT_CONFORMANCE_DOCKERFILE at OUT to check the model against a fresh recording.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$here/recorded.jsonl
case "${1:-}" in
  --out) out=${2:?--out needs a file} ;;
  "") ;;
  *) out=$1 ;;
esac
cases=$here/cases.jsonl
docker=${DOCKER_CLI:-docker}
command -v jq >/dev/null || { echo "jq is required" >&2; exit 1; }
"$docker" image inspect dockmount-probe:latest >/dev/null 2>&1 || { echo "image dockmount-probe:latest missing: run shared/docker-engine/start.sh" >&2; exit 1; }

# How to run a BuildKit build with this CLI/engine pair.
bk_mode=none
if [ -n "${BUILDKIT_CLI:-}" ]; then
  bk_mode=builtin; bk_cli=$BUILDKIT_CLI
elif "$docker" buildx version >/dev/null 2>&1; then
  bk_mode=buildx; bk_cli=$docker
else
  for cand in /usr/bin/docker /usr/local/bin/docker; do
    [ -x "$cand" ] || continue
    v=$("$cand" version --format '{{.Client.Version}}' 2>/dev/null || true)
    case "$v" in 1[89].*|20.*) bk_mode=builtin; bk_cli=$cand; break ;;
    esac
  done
fi
echo "record-dockerfile: BuildKit via: $bk_mode ${bk_cli:-}" >&2

dangling_before=$(mktemp)
"$docker" images -q -f dangling=true | sort -u >"$dangling_before"
work=$(mktemp -d)
trap 'rm -rf "$work" "$dangling_before"' EXIT

# Strip what the clients put before the builder's message.
normalize() {
  sed -e 's/^Error response from daemon: //' \
      -e 's/^ERROR: failed to build: //' -e 's/^ERROR: //' \
      -e 's/^failed to solve with frontend dockerfile.v0: failed to create LLB definition: //' \
      -e 's/^failed to solve: failed to create LLB definition: //' \
      -e 's/^failed to solve with frontend dockerfile.v0: //' -e 's/^failed to solve: //'
}

# build BUILDER CTX TAG ARGS... -> prints a JSON object for the builder.
record_one() {
  local builder=$1 ctx=$2 tag=$3 create=$4 run=$5; shift 5
  local err=$work/err rc=0
  case "$builder" in
    classic) DOCKER_BUILDKIT=0 "$docker" build --network none --rm --force-rm -q -t "$tag" "$@" "$ctx" >/dev/null 2>"$err" || rc=$? ;;
    buildkit)
      if [ "$bk_mode" = buildx ]; then
        "$bk_cli" buildx build --load --network none -q -t "$tag" "$@" "$ctx" >/dev/null 2>"$err" || rc=$?
      else
        DOCKER_BUILDKIT=1 "$bk_cli" build --network none -q -t "$tag" "$@" "$ctx" >/dev/null 2>"$err" || rc=$?
      fi ;;
  esac
  if [ "$rc" -ne 0 ]; then
    local line
    line=$(grep -v '^\s*$' "$err" | grep -v '^#[0-9]' | grep -v '^Sending build context' | tail -n 1 | normalize)
    jq -cn --arg e "$line" '{ok: false, error: $e}'
    return
  fi
  local vols mounts=null cerr=null runout=null cid
  vols=$("$docker" image inspect -f '{{json .Config.Volumes}}' "$tag")
  if [ "$create" = true ]; then
    if cid=$("$docker" create --network none "$tag" 2>"$work/cerr"); then
      mounts=$("$docker" inspect -f '{{json .Mounts}}' "$cid" | jq -c '[.[] | {Type, Destination, RW, Anonymous: ((.Name | length) == 64)}] | sort_by(.Destination)')
      "$docker" rm -v "$cid" >/dev/null
    else
      cerr=$(tail -n 1 "$work/cerr" | normalize | jq -Rs 'rtrimstr("\n")')
    fi
  fi
  if [ -n "$run" ]; then
    runout=$("$docker" run --rm --network none "$tag" sh -c "$run" 2>&1 | jq -Rs . || true)
  fi
  "$docker" rmi -f "$tag" >/dev/null 2>&1 || true
  jq -cn --argjson v "$vols" --argjson m "$mounts" --argjson ce "$cerr" --argjson r "$runout" \
    '{ok: true, volumes: ($v // {} | keys), mounts: $m, create_error: $ce, run_output: $r}
     | with_entries(select(.value != null))'
}

: >"$out.tmp"
n=0
while IFS= read -r case_json; do
  name=$(jq -r .name <<<"$case_json")
  ctx=$work/ctx-$n; mkdir -p "$ctx"
  jq -j .dockerfile <<<"$case_json" >"$ctx/Dockerfile"
  jq -r '(.files // {}) | keys[]' <<<"$case_json" | while IFS= read -r f; do
    jq -j --arg f "$f" '.files[$f]' <<<"$case_json" >"$ctx/$f"
  done
  args=()
  while IFS= read -r kv; do [ -n "$kv" ] && args+=(--build-arg "$kv"); done < <(jq -r '(.build_args // {}) | to_entries[] | "\(.key)=\(.value)"' <<<"$case_json")
  target=$(jq -r '.target // empty' <<<"$case_json")
  [ -n "$target" ] && args+=(--target "$target")
  create=$(jq -r '.create // false' <<<"$case_json")
  run=$(jq -r '.run // empty' <<<"$case_json")
  classic=$(record_one classic "$ctx" "dockmount-dfcase:classic-$n" "$create" "$run" ${args[@]+"${args[@]}"})
  if [ "$bk_mode" != none ]; then
    buildkit=$(record_one buildkit "$ctx" "dockmount-dfcase:buildkit-$n" "$create" "$run" ${args[@]+"${args[@]}"})
  else
    buildkit=null
  fi
  jq -cn --arg name "$name" --argjson c "$classic" --argjson b "$buildkit" '{name: $name, classic: $c, buildkit: $b}' >>"$out.tmp"
  n=$((n + 1))
  echo "record-dockerfile: $n $name" >&2
done <"$cases"

# Dangling images left by failed classic builds during this run.
"$docker" images -q -f dangling=true | sort -u | comm -13 "$dangling_before" - | xargs -r "$docker" rmi -f >/dev/null 2>&1 || true
mv "$out.tmp" "$out"
{
  printf '# engine: %s; cli: %s; buildkit via: %s %s\n' \
    "$("$docker" version --format '{{.Server.Version}}')" "$("$docker" version --format '{{.Client.Version}}')" "$bk_mode" \
    "$( [ "$bk_mode" = builtin ] && "$bk_cli" version --format '{{.Client.Version}}' || true)"
} >"$out.meta"
echo "record-dockerfile: $n cases -> $out" >&2
