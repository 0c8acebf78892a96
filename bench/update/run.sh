#!/usr/bin/env bash
# The update benchmark (issue 7): a full update cycle on the seed environment
# (bench/.work/seed-env, the seeds' 2022 Flask stack, ~60 distributions), `tend update` against
# the seeds' monthly cycle done by hand with pip (manual-cycle.sh), the same packages to the
# same versions and the same test command, against the live public package index. First one
# run of each, whose results are compared (the same versions of the updated packages?); then
# hyperfine, with warm package caches and, unless --no-cold, with empty ones; writes the
# "Update cycle" section of bench/RESULTS.md. Never run by CI: it needs bench/setup.sh, the
# network and 10-30 minutes.
#
#   bench/update/run.sh                 build tend (release) and run everything
#   bench/update/run.sh --tend PATH     time this tend binary instead of building one
#   bench/update/run.sh --runs N        timed runs per command and cache state (default 5)
#   bench/update/run.sh --cold-runs N   timed runs per command with empty caches (default 3)
#   bench/update/run.sh --no-cold       warm caches only
#   bench/update/run.sh --no-wait       measure at once, even while something else compiles
#   bench/update/run.sh --max-wait S    wait at most S seconds for a quiet machine (default 900)
#   bench/update/run.sh --output FILE   write the section into FILE instead of bench/RESULTS.md
#   bench/update/run.sh --index-url URL another index (default: the public one)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="$(cd "$here/.." && pwd)"
root="$(cd "$bench/.." && pwd)"
work="$bench/.work"
# shellcheck source=../quiet.sh
source "$bench/quiet.sh"
results="$work/results/update"
state="$work/update"
caches="$state/caches"
tend=""
runs=5
cold_runs=3
cold=1
quiet_wait=900
output=""
index_url="https://pypi.org/simple/"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --tend) tend="$(realpath "$2")"; shift ;;
        --runs) runs="$2"; shift ;;
        --cold-runs) cold_runs="$2"; shift ;;
        --no-cold) cold=0 ;;
        --no-wait) quiet_wait=0 ;;
        --max-wait) quiet_wait="$2"; shift ;;
        --output) output="$(realpath -m "$2")"; shift ;;
        --index-url) index_url="$2"; shift ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

uv="$work/tools/bin/uv"
seed_venv="$work/seed-env"
seed_requirements="$bench/../../shared/envs/seed-env-requirements.txt"
if [[ ! -x "$uv" || ! -x "$seed_venv/bin/python" || ! -f "$seed_requirements" ]] \
    || ! command -v hyperfine >/dev/null; then
    echo "run.sh: run bench/setup.sh first (it needs ../shared/envs)" >&2
    exit 2
fi
if [[ -f "$work/seed-env.skipped" ]]; then
    echo "run.sh: the seed venv lacks $(cat "$work/seed-env.skipped"); the cycles would not start from the same set" >&2
    exit 2
fi

# Every tool asks the same index, named on its command line; nothing from this machine's pip
# or uv settings joins in (a find-links directory, another index, another cache).
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL UV_INDEX_URL UV_EXTRA_INDEX_URL UV_INDEX \
    UV_DEFAULT_INDEX UV_FIND_LINKS UV_CACHE_DIR PIP_CACHE_DIR PIP_NO_CACHE_DIR TEND_CACHE_DIR
export PIP_DISABLE_PIP_VERSION_CHECK=1
export UV_NO_PROGRESS=1
export NO_COLOR=1
# tend's trials install with this uv (the one setup.sh pinned).
export TEND_UV="$uv"

if [[ -z "$tend" ]]; then
    echo "== cargo build --release -p tend-cli"
    (cd "$root" && cargo build --release -p tend-cli)
    tend="$root/target/release/tend"
fi
if ! "$tend" update --help >/dev/null 2>&1; then
    echo "run.sh: $tend has no working \`update\` command" >&2
    exit 2
fi

# What is measured, named before the run (the tree may change while it runs).
tend_version="$("$tend" --version) ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo ', uncommitted changes'))"

rm -rf "$results" "$state"
mkdir -p "$results" "$caches"
date -u '+%Y-%m-%d %H:%M UTC' > "$results/started.txt"

# --- The starting state, copied before every run (the copying is not timed). ----------------
# The project: the policy and the smoke test from bench/update/project, the seed pins as
# requirements.txt. The venv: a copy of the seed venv (its scripts' #! lines still name the
# original, so everything runs `<venv>/bin/python -m pip`, never `<venv>/bin/pip`).
pristine="$state/pristine"
mkdir -p "$pristine/project"
cp "$here/project/tend.toml" "$here/project/smoke.py" "$pristine/project/"
cp "$seed_requirements" "$pristine/project/requirements.txt"
cp -a "$seed_venv" "$pristine/venv"
rm -f "$pristine/venv/.bench-requirements"
project="$state/project"
venv="$state/venv"
store="$state/store/history.sqlite3"

# restore-<cache>.sh puts the project, the venv and tend's history store back, and empties the
# caches that cache state starts without: everything for "cold"; for "warm" only tend's own
# index-page cache (after a month its pages would be stale and tend would ask the index again,
# as pip and uv revalidate theirs), keeping uv's and pip's package caches.
for cache in warm cold; do
    {
        echo "set -e"
        echo "rm -rf '$project' '$venv' '$state/store'"
        echo "cp -a '$pristine/project' '$project'"
        echo "cp -a '$pristine/venv' '$venv'"
        echo "rm -rf '$caches/tend-$cache'"
        if [[ $cache == cold ]]; then
            echo "rm -rf '$caches/uv-cold' '$caches/pip-cold'"
        fi
        echo "sync"
    } > "$state/restore-$cache.sh"
done
restore() { bash "$state/restore-$1.sh"; }

# --- The commands. -----------------------------------------------------------------------------
tend_command() { # cache, output file
    echo "env UV_CACHE_DIR=$caches/uv-$1 $tend --cache-dir $caches/tend-$1 --store $store update --project $project --venv $venv --index-url $index_url --format json -o $2"
}
manual_command() { # cache
    echo "env PIP_CACHE_DIR=$caches/pip-$1 bash $here/manual-cycle.sh $project $venv $results/targets.txt $index_url"
}
seconds_of() { # file for the elapsed seconds, command...
    local file="$1" start end status=0
    shift
    start="$(date +%s.%N)"
    "$@" || status=$?
    end="$(date +%s.%N)"
    echo "$start $end" | awk '{ printf "%.1f\n", $2 - $1 }' > "$file"
    return "$status"
}

# --- One run of each, compared (this also fills the warm caches). ----------------------------
record_load "$results/load.txt" "comparison run (not timed by hyperfine)"
echo "== tend update (warm caches: empty the first time)"
restore warm
status=0
# shellcheck disable=SC2046
seconds_of "$results/tend.seconds" $(tend_command warm "$results/tend-update.json") \
    2> "$results/tend-update.stderr" || status=$?
echo "$status" > "$results/tend.status"
cp "$project/requirements.txt" "$results/tend-requirements.txt"
if [[ $status != 0 && $status != 1 ]] || [[ ! -s "$results/tend-update.json" ]]; then
    echo "run.sh: tend update failed (exit $status):" >&2
    cat "$results/tend-update.stderr" >&2
    exit 1
fi
# The versions tend kept are the manual cycle's targets.
"$seed_venv/bin/python" -c '
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
for update in report["data"]["kept"] if "data" in report else report["kept"]:
    print(update["name"] + "==" + update["to"])
' "$results/tend-update.json" > "$results/targets.txt"
echo "== tend kept $(wc -l < "$results/targets.txt") updates (exit $status, $(cat "$results/tend.seconds") s)"
if [[ ! -s "$results/targets.txt" ]]; then
    echo "run.sh: tend kept no update; nothing to compare" >&2
    exit 1
fi

echo "== the manual pip cycle, to the same versions"
restore warm
status=0
# shellcheck disable=SC2046
seconds_of "$results/manual.seconds" $(manual_command warm) > "$results/manual.stdout" \
    2> "$results/manual.stderr" || status=$?
echo "$status" > "$results/manual.status"
cp "$project"/requirements_updated_*.txt "$results/pip-requirements-updated.txt" 2>/dev/null || true
cp "$project"/compatibility_report_*.txt "$results/pip-check.txt" 2>/dev/null || true
# `pip freeze` leaves out pip and setuptools, which tend may update too: for the comparison only.
"$project/monthly_update_test/bin/python" -m pip freeze --all > "$results/pip-freeze-all.txt" \
    2>/dev/null || true
echo "== manual cycle: exit $status, $(cat "$results/manual.seconds") s"
"$seed_venv/bin/python" "$here/compare.py" --tend-json "$results/tend-update.json" \
    --tend-requirements "$results/tend-requirements.txt" \
    --pip-freeze "$results/pip-freeze-all.txt" \
    --before "$pristine/project/requirements.txt" > "$results/compare.json"
"$seed_venv/bin/python" -c '
import json, sys
compare = json.load(open(sys.argv[1]))
print("== same versions of the updated packages:", compare["ok"])
' "$results/compare.json"

# --- Timings. ---------------------------------------------------------------------------------
# A failing run must not be timed as if it were a cycle: hyperfine stops on a non-zero exit,
# unless tend's exit was 1 (an update held back) in the comparison run, which is its answer.
ignore=()
[[ "$(cat "$results/tend.status")" == 1 ]] && ignore=(-i)
timed() { # name, runs, warm-up runs, cache
    wait_for_quiet
    record_load "$results/load.txt" "$1"
    echo "== timing: $1"
    hyperfine -N "${ignore[@]}" --export-json "$results/$1.json" --runs "$2" --warmup "$3" \
        --prepare "bash $state/restore-$4.sh" -n "tend update" \
        "$(tend_command "$4" "$results/tend-update-$4-last.json")" \
        --prepare "bash $state/restore-$4.sh" -n "manual pip cycle" "$(manual_command "$4")"
}
timed warm "$runs" 1 warm
if [[ $cold == 1 ]]; then
    timed cold "$cold_runs" 0 cold
fi

# Where tend's time goes, beyond the steps its report times: the plan alone, with and without
# the pre-flight resolution (`uv pip compile`), once each, the caches as for a warm run, on a
# quiet machine as the timed groups.
wait_for_quiet
record_load "$results/load.txt" "plan"
for preflight in "" --no-preflight; do
    restore warm
    # shellcheck disable=SC2086
    seconds_of "$results/plan${preflight}.seconds" env UV_CACHE_DIR="$caches/uv-warm" "$tend" \
        --cache-dir "$caches/tend-warm" --store "$store" plan "$project" --venv "$venv" \
        --index-url "$index_url" --format json $preflight \
        > "$results/plan${preflight}.json" 2> "$results/plan${preflight}.stderr" || true
    echo "== tend plan ${preflight:-(with pre-flight)}: $(cat "$results/plan${preflight}.seconds") s"
done

output="${output:-$bench/RESULTS.md}"
python3 "$here/report.py" --results "$results" --output "$output" --index-url "$index_url" \
    --tend-version "$tend_version" \
    --uv-version "$("$uv" --version)" \
    --pip-version "$("$seed_venv/bin/python" -m pip --version | cut -d' ' -f1-2)" \
    --python-version "$("$seed_venv/bin/python" --version)" \
    --hyperfine-version "$(hyperfine --version)" \
    --runs "$runs" --cold-runs "$([[ $cold == 1 ]] && echo "$cold_runs" || echo 0)"
echo "== wrote the Update cycle section of $output"
