#!/usr/bin/env bash
# The advisory benchmark (issue 4): times `tend db update` (cold index build) and `tend audit`
# (the seed venv; 1,000 and 10,000 pins; the real and the 20x synthetic database) and, on the
# same real environment, pip-audit and uv audit pointed at a local OSV API serving the same
# records; compares everyone's findings with the reference (osv_data.py) first; writes the
# "Advisories" section of bench/RESULTS.md. Never run by CI (needs bench/setup.sh, which uses
# the live PyPI index, and takes minutes).
#
#   bench/advisories/run.sh                 build tend (release) and run everything
#   bench/advisories/run.sh --tend PATH     time this tend binary instead of building one
#   bench/advisories/run.sh --no-tend       peers only (pip-audit, uv audit), e.g. before tend audit exists
#   bench/advisories/run.sh --no-synthetic  skip the 20x database
#   bench/advisories/run.sh --runs N        at least N timed runs per command (default 20)
#   bench/advisories/run.sh --no-wait       measure at once, even while something else compiles
#   bench/advisories/run.sh --output FILE   write the section into FILE instead of bench/RESULTS.md
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="$(cd "$here/.." && pwd)"
root="$(cd "$bench/.." && pwd)"
work="$bench/.work"
# tend records every run in its history store; keep the benchmark's runs out of the user's (the
# write is part of what is timed: a real run pays it too).
export XDG_STATE_HOME="$work/state"
data="$work/advisories"
results="$work/results/advisories"
tend=""
use_tend=1
synthetic=1
runs=20
warmup=3
quiet_wait=900
output=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --tend) tend="$(realpath "$2")"; shift ;;
        --no-tend) use_tend=0 ;;
        --no-synthetic) synthetic=0 ;;
        --no-wait) quiet_wait=0 ;;
        --runs) runs="$2"; shift ;;
        --output) output="$(realpath -m "$2")"; shift ;;
        *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

python="$work/tools/bin/python"
uv="$work/tools/bin/uv"
pip_audit="$work/tools/bin/pip-audit"
venv="$work/seed-env"
project="$work/seed-project"
yaml_database="$bench/../../shared/advisories/pypa-advisory-database/vulns"
if [[ ! -x "$pip_audit" || ! -f "$data/manifest.json" || ! -x "$venv/bin/python" \
    || ! -f "$project/uv.lock" || ! -d "$yaml_database" ]] || ! command -v hyperfine >/dev/null; then
    echo "run.sh: run bench/setup.sh first (it needs ../shared/advisories and ../shared/envs)" >&2
    exit 2
fi
yaml_database="$(realpath "$yaml_database")"

export PIP_DISABLE_PIP_VERSION_CHECK=1
# uv audit's own cache (fetched records), apart from the one bench/run.sh and setup.sh use.
export UV_CACHE_DIR="$work/uv-audit-cache"
export UV_NO_PROGRESS=1
export NO_COLOR=1

if [[ $use_tend == 1 && -z "$tend" ]]; then
    echo "== cargo build --release -p tend-cli"
    (cd "$root" && cargo build --release -p tend-cli)
    tend="$root/target/release/tend"
fi

rm -rf "$results"
mkdir -p "$results"
empty_project="$work/empty-project"
rm -rf "$empty_project"
mkdir -p "$empty_project"

# The reference everyone is compared with must itself follow the OSV rules.
if ! "$python" "$here/check_osv_data.py" > "$results/check-osv-data.txt"; then
    echo "run.sh: the reference matcher fails its self-check:" >&2
    cat "$results/check-osv-data.txt" >&2
    exit 1
fi

# --- The local OSV API, serving the real records (the JSON zip make_data.py converted). -----
server_pid=""
stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}
trap stop_server EXIT
port_file="$results/osv-port"
"$python" "$here/osv_server.py" "$data/real/all.zip" --port-file "$port_file" \
    > "$results/osv-server.out" 2> "$results/osv-server.err" &
server_pid=$!
for _ in $(seq 100); do
    [[ -s "$port_file" ]] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "run.sh: the local OSV API did not start:" >&2
        cat "$results/osv-server.err" >&2
        exit 1
    fi
    sleep 0.1
done
port="$(cat "$port_file")"
osv="http://127.0.0.1:$port"
echo "== local OSV API on $osv ($(head -1 "$results/osv-server.err"))"
server_stats() { curl -sf "$osv/bench/stats" > "$1" || echo '{}' > "$1"; }

# --- The commands. Peers: the exact flags, checked against pip-audit 2.10.1 and uv 0.13.9. ---
# pip-audit reads the venv through `pip list --path` (pip_api); --osv-url is the full query
# endpoint; it POSTs /v1/query once per distribution. Its HTTP cache only keeps GETs.
pip_audit_command=("$pip_audit" -s osv --osv-url "$osv/v1/query"
    --path "$venv/lib/python3.11/site-packages" --progress-spinner off
    --cache-dir "$work/pip-audit-cache")
# uv audit reads the lockfile of a project (setup.sh locks exactly the venv's distributions);
# --service-url is the API base (uv joins `v1/querybatch` and `v1/vulns/{id}`, so the trailing
# slash matters); --frozen: audit uv.lock as it is, no resolution. uv caches the fetched
# records for an hour, so "uv audit" is its warm run and "--no-cache" its cold one.
uv_command=("$uv" audit --project "$project" --frozen --service-url "$osv/"
    --preview-features audit-command,json-output)

# tend. TODO-confirm with the tend audit authors (flags as in crates/tend-cli/src/cli.rs on
# the day this was written): `--cache-dir` (global; default $TEND_CACHE_DIR) holds the local
# index; `db update --source PATH` builds it; `audit PROJECT --venv DIR` / `--no-environment
# -r FILE` audit from it (`--service local`, the default, with `--offline` for no network);
# `--service osv --osv-url BASE` audits online; `--fail-on never` keeps hyperfine going.
tend_cache="$work/tend-cache"
tend_db_update() { # cache-dir source
    "$tend" --cache-dir "$1" db update --source "$2"
}
tend_audit_offline=(audit "$empty_project" --offline --fail-on never)
tend_audit_online=(audit "$empty_project" --service osv --osv-url "$osv" --fail-on never)

# Wait (up to $quiet_wait seconds) until no compiler runs and the load has settled: bench/quiet.sh.
# shellcheck source=../quiet.sh
source "$bench/quiet.sh"
timed() { # name-of-export, then hyperfine arguments
    local name="$1"
    shift
    wait_for_quiet
    echo "$name: $(cat /proc/loadavg)" >> "$results/load.txt"
    echo "== timing: $name"
    hyperfine -N --warmup "$warmup" --min-runs "$runs" --export-json "$results/$name.json" "$@"
}

# --- Findings first: every tool once, on the same environment, compared. ---------------------
echo "== findings on the seed venv"
"$venv/bin/pip" freeze --all > "$results/seed-freeze.txt"
server_stats "$results/stats-before.json"
status=0
"${pip_audit_command[@]}" -f json -o "$results/pip-audit.json" 2> "$results/pip-audit.stderr" || status=$?
echo "$status" > "$results/pip-audit.status"
server_stats "$results/stats-pip-audit.json"
status=0
rm -rf "$UV_CACHE_DIR"
"${uv_command[@]}" --output-format json > "$results/uv-audit.json" 2> "$results/uv-audit.stderr" || status=$?
echo "$status" > "$results/uv-audit.status"
server_stats "$results/stats-uv-audit.json"

compare_arguments=(--database "$data/real/all.zip" --inventory "$results/seed-freeze.txt"
    --pip-audit "$results/pip-audit.json" --uv "$results/uv-audit.json")
if [[ $use_tend == 1 ]]; then
    rm -rf "$tend_cache"
    tend_db_update "$tend_cache/real" "$yaml_database" > "$results/tend-db-update.out" 2>&1
    status=0
    "$tend" --cache-dir "$tend_cache/real" "${tend_audit_offline[@]}" --venv "$venv" \
        --format json -o "$results/tend-audit.json" 2> "$results/tend-audit.stderr" || status=$?
    echo "$status" > "$results/tend-audit.status"
    status=0
    "$tend" --cache-dir "$tend_cache/online" "${tend_audit_online[@]}" --venv "$venv" \
        --format json -o "$results/tend-audit-online.json" 2> "$results/tend-audit-online.stderr" || status=$?
    echo "$status" > "$results/tend-audit-online.status"
    server_stats "$results/stats-tend-online.json"
    compare_arguments+=(--tend "$results/tend-audit.json")
    # The online mode is compared on its own (same reference, same inventory).
    if [[ -s "$results/tend-audit-online.json" ]]; then
        "$python" "$here/compare.py" --database "$data/real/all.zip" \
            --inventory "$results/seed-freeze.txt" --tend "$results/tend-audit-online.json" \
            --output "$results/compare-online.json" || true
    fi
fi
"$python" "$here/compare.py" "${compare_arguments[@]}" --output "$results/compare-seed.json" || true

if [[ $use_tend == 1 ]]; then
    echo "== findings on the pins"
    for pins in real-1000 real-10000; do
        "$tend" --cache-dir "$tend_cache/real" "${tend_audit_offline[@]}" --no-environment \
            -r "$data/pins/$pins.txt" --format json -o "$results/tend-$pins.json" \
            2> "$results/tend-$pins.stderr" || true
        "$python" "$here/compare.py" --database "$data/real/all.zip" \
            --inventory "$data/pins/$pins.txt" --tend "$results/tend-$pins.json" \
            --output "$results/compare-$pins.json" || true
    done
    if [[ $synthetic == 1 ]]; then
        tend_db_update "$tend_cache/syn20" "$data/syn20/all.zip" > "$results/tend-db-update-syn20.out" 2>&1
        for pins in real-10000 syn20-1000 syn20-10000; do
            "$tend" --cache-dir "$tend_cache/syn20" "${tend_audit_offline[@]}" --no-environment \
                -r "$data/pins/$pins.txt" --format json -o "$results/tend-syn20-$pins.json" \
                2> "$results/tend-syn20-$pins.stderr" || true
            "$python" "$here/compare.py" --database "$data/syn20/all.zip" \
                --inventory "$data/pins/$pins.txt" --tend "$results/tend-syn20-$pins.json" \
                --output "$results/compare-syn20-$pins.json" || true
        done
    fi
fi

# --- Timings. ---------------------------------------------------------------------------------
# The peers exit 1 when they find something (and they do on this venv), hence -i; their exit
# codes were checked above and are in the report.
commands=(
    -n "pip-audit -s osv" "${pip_audit_command[*]}"
    -n "uv audit" "${uv_command[*]}"
)
# A tend mode is timed only when its findings run above produced a report (-i would otherwise
# time an error message).
if [[ $use_tend == 1 && -s "$results/tend-audit.json" ]]; then
    commands+=(-n "tend audit (local database)"
        "$tend --cache-dir $tend_cache/real ${tend_audit_offline[*]} --venv $venv")
fi
if [[ $use_tend == 1 && -s "$results/tend-audit-online.json" ]]; then
    commands+=(-n "tend audit --service osv"
        "$tend --cache-dir $tend_cache/online ${tend_audit_online[*]} --venv $venv")
fi
timed seed-env -i "${commands[@]}"

# The online modes again with their caches emptied before every run (pip-audit keeps no
# answers of the OSV API: it is the same in both groups).
commands=(--prepare true -n "uv audit --no-cache" "${uv_command[*]} --no-cache")
if [[ $use_tend == 1 && -s "$results/tend-audit-online.json" ]]; then
    commands+=(--prepare "rm -rf $tend_cache/online-cold"
        -n "tend audit --service osv (empty cache)"
        "$tend --cache-dir $tend_cache/online-cold ${tend_audit_online[*]} --venv $venv")
fi
timed seed-env-cold -i "${commands[@]}"

if [[ $use_tend == 1 ]]; then
    # Cold index build: the cache directory is removed before every run.
    commands=(
        -n "tend db update (2,661 YAML records)"
        "$tend --cache-dir $tend_cache/cold db update --source $yaml_database"
        -n "tend db update (real all.zip)"
        "$tend --cache-dir $tend_cache/cold db update --source $data/real/all.zip"
    )
    if [[ $synthetic == 1 ]]; then
        commands+=(
            -n "tend db update (20x YAML records)"
            "$tend --cache-dir $tend_cache/cold db update --source $data/syn20/vulns"
            -n "tend db update (20x all.zip)"
            "$tend --cache-dir $tend_cache/cold db update --source $data/syn20/all.zip"
        )
    fi
    timed db-update --prepare "rm -rf $tend_cache/cold" "${commands[@]}"

    commands=()
    for pins in real-1000 real-10000; do
        commands+=(-n "tend audit $pins.txt (real database)"
            "$tend --cache-dir $tend_cache/real ${tend_audit_offline[*]} --no-environment -r $data/pins/$pins.txt")
    done
    if [[ $synthetic == 1 ]]; then
        for pins in real-1000 real-10000 syn20-1000 syn20-10000; do
            commands+=(-n "tend audit $pins.txt (20x database)"
                "$tend --cache-dir $tend_cache/syn20 ${tend_audit_offline[*]} --no-environment -r $data/pins/$pins.txt")
        done
    fi
    timed pins "${commands[@]}"
fi

stop_server

versions=(
    --pip-audit-version "$("$pip_audit" --version)"
    --uv-version "$("$uv" --version)"
    --hyperfine-version "$(hyperfine --version)"
    --tend-version none
)
if [[ $use_tend == 1 ]]; then
    versions+=(--tend-version "$("$tend" --version) ($(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- crates Cargo.toml Cargo.lock || echo ', uncommitted changes'))")
fi
output="${output:-$bench/RESULTS.md}"
"$python" "$here/report.py" --results "$results" --data "$data" --output "$output" "${versions[@]}"
echo "== wrote the Advisories section of $output"
