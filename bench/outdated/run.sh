#!/usr/bin/env bash
# The outdated benchmark (issue 5): `tend outdated` against `pip list --outdated` and
# `uv pip list --outdated` on the same environments (bench/.work/seed-env, about 60
# distributions, and bench/.work/large, 216), with empty caches (cold) and with populated ones
# (warm), against the live public package index. First compares the latest versions each tool
# reports with pip's (compare.py); then times; writes the "Outdated" section of
# bench/RESULTS.md. Never run by CI: it needs bench/setup.sh and the network, and minutes.
#
#   bench/outdated/run.sh                 build tend (release) and run everything
#   bench/outdated/run.sh --tend PATH     time this tend binary instead of building one
#   bench/outdated/run.sh --no-tend       pip and uv only
#   bench/outdated/run.sh --no-seed       only the large environment
#   bench/outdated/run.sh --no-large      only the seed environment
#   bench/outdated/run.sh --runs N        at least N timed runs per uv / tend command (default 10)
#   bench/outdated/run.sh --pip-runs N    timed runs per pip command (default 5: 4-20 s each)
#   bench/outdated/run.sh --no-wait       measure at once, even while something else compiles
#   bench/outdated/run.sh --output FILE   write the section into FILE instead of bench/RESULTS.md
#   bench/outdated/run.sh --index-url URL another index (default: the public one)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="$(cd "$here/.." && pwd)"
root="$(cd "$bench/.." && pwd)"
work="$bench/.work"
# tend records every run in its history store; keep the benchmark's runs out of the user's (the
# write is part of what is timed: a real run pays it too).
export XDG_STATE_HOME="$work/state"
results="$work/results/outdated"
caches="$work/outdated-caches"
tend=""
use_tend=1
environments=(seed-env large)
runs=10
pip_runs=5
warmup=3
pip_warmup=1
quiet_wait=900
output=""
index_url="https://pypi.org/simple/"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --tend) tend="$(realpath "$2")"; shift ;;
        --no-tend) use_tend=0 ;;
        --no-seed) environments=("${environments[@]/seed-env}") ;;
        --no-large) environments=("${environments[@]/large}") ;;
        --no-wait) quiet_wait=0 ;;
        --runs) runs="$2"; shift ;;
        --pip-runs) pip_runs="$2"; shift ;;
        --output) output="$(realpath -m "$2")"; shift ;;
        --index-url) index_url="$2"; shift ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
read -r -a environments <<< "${environments[*]}"
if [[ ${#environments[@]} == 0 ]]; then
    echo "run.sh: --no-seed and --no-large leave nothing to measure" >&2
    exit 2
fi

uv="$work/tools/bin/uv"
if [[ ! -x "$uv" ]] || ! command -v hyperfine >/dev/null; then
    echo "run.sh: run bench/setup.sh first" >&2
    exit 2
fi
for environment in "${environments[@]}"; do
    if [[ ! -x "$work/$environment/bin/python" ]]; then
        echo "run.sh: no $work/$environment; run bench/setup.sh first" >&2
        exit 2
    fi
done

# Every tool asks the same index, named on its command line; nothing from this machine's pip
# or uv settings joins in (a find-links directory, another index).
unset PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL UV_INDEX_URL UV_EXTRA_INDEX_URL UV_INDEX \
    UV_DEFAULT_INDEX UV_FIND_LINKS UV_CACHE_DIR PIP_CACHE_DIR PIP_NO_CACHE_DIR
export PIP_DISABLE_PIP_VERSION_CHECK=1
export UV_NO_PROGRESS=1
export NO_COLOR=1

if [[ $use_tend == 1 && -z "$tend" ]]; then
    echo "== cargo build --release -p tend-cli"
    (cd "$root" && cargo build --release -p tend-cli)
    tend="$root/target/release/tend"
fi
if [[ $use_tend == 1 ]] && ! "$tend" outdated --help >/dev/null 2>&1; then
    echo "run.sh: $tend has no working \`outdated\` command; use --no-tend to time pip and uv only" >&2
    exit 2
fi

rm -rf "$results" "$caches"
mkdir -p "$results" "$caches"
empty_project="$work/empty-project"
rm -rf "$empty_project"
mkdir -p "$empty_project"

# --- The commands. -----------------------------------------------------------------------------
# pip: the venv's own, listing what it finds newer on the index. Its HTTP cache is in
# --cache-dir; --no-cache-dir is its cold run. pip asks for every page with
# `Cache-Control: max-age=0`, so even a warm pip revalidates each page with the index.
pip_command() { # venv, cold|warm
    local cache="--cache-dir $caches/pip-$1"
    [[ $2 == cold ]] && cache="--no-cache-dir"
    echo "$work/$1/bin/pip list --outdated --disable-pip-version-check --index-url $index_url $cache"
}
# uv: `uv pip list --outdated` on the venv's interpreter, with its own cache directory: emptied
# before every run for the cold group (hyperfine --prepare), kept for the warm one.
uv_command() { # venv, cold|warm
    echo "$uv pip list --outdated --python $work/$1/bin/python --index-url $index_url --cache-dir $caches/uv-$1-$2"
}
# tend: an empty project directory and --venv, so it reads only the environment (as
# bench/run.sh runs it); the cache directory as uv's.
tend_command() { # venv, cold|warm
    echo "$tend --cache-dir $caches/tend-$1-$2 outdated $empty_project --venv $work/$1 --index-url $index_url"
}

# Wait (up to $quiet_wait seconds) until no compiler runs and the load has settled: bench/quiet.sh.
# shellcheck source=../quiet.sh
source "$bench/quiet.sh"
timed() { # name-of-export, then hyperfine arguments
    local name="$1"
    shift
    wait_for_quiet
    echo "$name: $(cat /proc/loadavg)" >> "$results/load.txt"
    echo "== timing: $name"
    hyperfine -N --export-json "$results/$name.json" "$@"
}

date -u '+%Y-%m-%d %H:%M UTC' > "$results/started.txt"

# --- The index as this machine reaches it: protocol, latency, caching headers. ----------------
python3 "$here/probe.py" "$index_url" flask requests numpy > "$results/probe.json" \
    || echo '{"error": "probe failed"}' > "$results/probe.json"

for environment in "${environments[@]}"; do
    venv="$work/$environment"
    out="$results/$environment"
    mkdir -p "$out"

    # --- What each tool reports, compared with pip (also fills the warm caches). -------------
    echo "== $environment: latest versions, compared with pip"
    "$venv/bin/pip" list --format json > "$out/pip-list.json"
    $(pip_command "$environment" warm) --format json > "$out/pip-outdated.json"
    $(uv_command "$environment" warm) --format json > "$out/uv-outdated.json" 2> "$out/uv.stderr"
    compare_arguments=(--installed "$out/pip-list.json" --pip "$out/pip-outdated.json"
        --uv "$out/uv-outdated.json" --index-url "$index_url")
    if [[ $use_tend == 1 ]]; then
        status=0
        $(tend_command "$environment" warm) --format json > "$out/tend-outdated.json" \
            2> "$out/tend.stderr" || status=$?
        echo "$status" > "$out/tend.status"
        # A second run inside the freshness window: how many requests it still sends.
        $(tend_command "$environment" warm) --format json > "$out/tend-outdated-warm.json" \
            2>> "$out/tend.stderr" || true
        compare_arguments+=(--tend "$out/tend-outdated.json")
    fi
    "$venv/bin/python" "$here/compare.py" "${compare_arguments[@]}" \
        --output "$out/compare.json" || true

    # --- Timings. -------------------------------------------------------------------------
    # Cold: pip without its cache; uv and tend with their cache directories removed before
    # every run. pip runs alone (with fewer runs: 4-20 s each), uv and tend side by side.
    timed "$environment-cold-pip" --warmup "$pip_warmup" --runs "$pip_runs" \
        -n "pip list --outdated (no cache)" "$(pip_command "$environment" cold)"
    commands=(--prepare "rm -rf $caches/uv-$environment-cold"
        -n "uv pip list --outdated (empty cache)" "$(uv_command "$environment" cold)")
    if [[ $use_tend == 1 && -s "$out/tend-outdated.json" ]]; then
        commands+=(--prepare "rm -rf $caches/tend-$environment-cold"
            -n "tend outdated (empty cache)" "$(tend_command "$environment" cold)")
    fi
    timed "$environment-cold" --warmup "$warmup" --min-runs "$runs" "${commands[@]}"

    # Warm: the caches the comparison above filled (the warm-up runs refresh them, so every
    # timed run falls inside each tool's freshness window, if the tool keeps one).
    timed "$environment-warm-pip" --warmup "$pip_warmup" --runs "$pip_runs" \
        -n "pip list --outdated (cache)" "$(pip_command "$environment" warm)"
    commands=(-n "uv pip list --outdated (cache)" "$(uv_command "$environment" warm)")
    if [[ $use_tend == 1 && -s "$out/tend-outdated.json" ]]; then
        commands+=(-n "tend outdated (cache)" "$(tend_command "$environment" warm)")
    fi
    timed "$environment-warm" --warmup "$warmup" --min-runs "$runs" "${commands[@]}"
done

versions=(
    --uv-version "$("$uv" --version)"
    --pip-version "$("$work/${environments[0]}/bin/pip" --version | cut -d' ' -f1-2)"
    --hyperfine-version "$(hyperfine --version)"
    --tend-version none
)
if [[ $use_tend == 1 ]]; then
    versions+=(--tend-version "$("$tend" --version) ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo ', uncommitted changes'))")
fi
output="${output:-$bench/RESULTS.md}"
python3 "$here/report.py" --results "$results" --output "$output" --index-url "$index_url" \
    --runs "$runs" --pip-runs "$pip_runs" --warmup "$warmup" "${versions[@]}" "${environments[@]}"
echo "== wrote the Outdated section of $output"
