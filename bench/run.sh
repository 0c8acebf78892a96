#!/usr/bin/env bash
# Times `tend inventory` against `pip freeze` / `uv pip freeze` and `tend check` against
# `pip check` / `uv pip check` on the environments bench/setup.sh made, checks first that tend
# and pip agree on them, and writes bench/RESULTS.md. Never run by CI (needs setup.sh, which
# uses the live PyPI index, and takes minutes).
#
#   bench/run.sh                 build tend (release) and run everything
#   bench/run.sh --tend PATH     time this tend binary instead of building one
#   bench/run.sh --no-tend       time pip and uv only (while tend does not build)
#   bench/run.sh --no-seed       only the large environment
#   bench/run.sh --runs N        at least N timed runs per command (default 20)
#   bench/run.sh --no-wait       measure at once, even while something else compiles
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$bench/.." && pwd)"
work="$bench/.work"
results="$work/results"
tend=""
use_tend=1
seed=1
runs=20
warmup=3
quiet_wait=900

while [[ $# -gt 0 ]]; do
    case "$1" in
        --tend) tend="$(realpath "$2")"; shift ;;
        --no-tend) use_tend=0 ;;
        --no-seed) seed=0 ;;
        --no-wait) quiet_wait=0 ;;
        --runs) runs="$2"; shift ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

if [[ ! -x "$work/large/bin/python" || ! -x "$work/tools/bin/uv" ]] || ! command -v hyperfine >/dev/null; then
    echo "run.sh: run bench/setup.sh first" >&2
    exit 2
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
export UV_CACHE_DIR="$work/uv-cache"
export UV_NO_PROGRESS=1
uv="$work/tools/bin/uv"

if [[ $use_tend == 1 && -z "$tend" ]]; then
    echo "== cargo build --release -p tend-cli"
    (cd "$root" && cargo build --release -p tend-cli)
    tend="$root/target/release/tend"
fi

environments=(large)
if [[ $seed == 1 && -x "$work/seed-env/bin/python" ]]; then
    environments+=(seed-env)
fi

# Wait (up to $quiet_wait seconds) until no compiler runs and the load has settled: bench/quiet.sh.
# shellcheck source=quiet.sh
source "$bench/quiet.sh"

rm -rf "$results"
mkdir -p "$results"
empty_project="$work/empty-project"
rm -rf "$empty_project"
mkdir -p "$empty_project"

# Before timing: do tend and pip see the same distributions and the same problems?
guard() {
    local environment="$1"
    local venv="$work/$environment" out="$results/$environment"
    mkdir -p "$out"
    echo "== $environment: correctness guard"
    "$venv/bin/pip" freeze --all > "$out/pip-freeze-all.txt"
    "$venv/bin/pip" check > "$out/pip-check.txt" || true
    "$uv" pip check --python "$venv/bin/python" > "$out/uv-pip-check.txt" 2>&1 || true
    if [[ $use_tend == 1 ]]; then
        "$tend" inventory "$empty_project" --venv "$venv" --format json \
            > "$out/tend-inventory.json" 2> "$out/tend-inventory.stderr" || true
        "$tend" check "$empty_project" --venv "$venv" --select requirements --fail-on never \
            --format json > "$out/tend-check.json" 2> "$out/tend-check.stderr" || true
    fi
    # The guard runs in the venv's own Python so it can normalise versions with the
    # `packaging` that pip vendors.
    "$venv/bin/python" "$bench/guard.py" "$out" > "$out/guard.json"
}

if [[ -x "$work/broken/bin/python" ]]; then
    guard broken
fi

for environment in "${environments[@]}"; do
    venv="$work/$environment"
    out="$results/$environment"
    guard "$environment"

    wait_for_quiet
    echo "$environment inventory: $(cat /proc/loadavg)" >> "$results/load.txt"
    echo "== $environment: inventory"
    commands=(
        -n "pip freeze" "$venv/bin/pip freeze"
        -n "uv pip freeze" "$uv pip freeze --python $venv/bin/python"
    )
    if [[ $use_tend == 1 ]]; then
        commands+=(-n "tend inventory" "$tend inventory $empty_project --venv $venv --format json")
    fi
    hyperfine -N --warmup "$warmup" --min-runs "$runs" --export-json "$out/inventory.json" \
        "${commands[@]}"

    wait_for_quiet
    echo "$environment check: $(cat /proc/loadavg)" >> "$results/load.txt"
    echo "== $environment: check"
    commands=(
        -n "pip check" "$venv/bin/pip check"
        -n "uv pip check" "$uv pip check --python $venv/bin/python"
    )
    if [[ $use_tend == 1 ]]; then
        commands+=(
            -n "tend check --select requirements"
            "$tend check $empty_project --venv $venv --select requirements --fail-on never"
            -n "tend check (all checks)"
            "$tend check $empty_project --venv $venv --fail-on never"
        )
    fi
    hyperfine -N --warmup "$warmup" --min-runs "$runs" --export-json "$out/check.json" \
        "${commands[@]}"
done

tend_version="none"
if [[ $use_tend == 1 ]]; then
    tend_version="$("$tend" --version) ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo ', uncommitted changes'))"
fi
python3 "$bench/report.py" \
    --results "$results" \
    --output "$bench/RESULTS.md" \
    --tend-version "$tend_version" \
    --uv-version "$("$uv" --version)" \
    --pip-version "$("$work/large/bin/pip" --version | cut -d' ' -f1-2)" \
    --hyperfine-version "$(hyperfine --version)" \
    "${environments[@]}"
echo "== wrote bench/RESULTS.md"
