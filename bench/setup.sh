#!/usr/bin/env bash
# Prepares the benchmark: hyperfine (Debian), a tools venv with a pinned uv, and the
# environments to measure under bench/.work/ (git-ignored):
#   .work/large     >= 150 distributions from requirements-large.txt (wheels only)
#   .work/seed-env  the 58-distribution seed stack from ../shared/envs (optional, --no-seed)
#   .work/broken    four distributions with unmet requirements, for run.sh's guard only
# and, for the advisory benchmark (bench/advisories/, --no-advisories skips it):
#   .work/tools     also pip-audit, PyYAML and packaging (pinned)
#   .work/advisories  data generated from ../shared/advisories (advisories/make_data.py)
#   .work/seed-project  a uv project locking exactly the seed venv's distributions (uv audit)
# Uses the live PyPI index. Never run by CI.
#
#   bench/setup.sh            set everything up (idempotent; rebuilds a venv whose list changed)
#   bench/setup.sh --compile  re-resolve requirements-large.in into requirements-large.txt
#   bench/setup.sh --no-seed  skip the seed environment (and the advisory benchmark's uv project)
#   bench/setup.sh --no-advisories  skip the advisory benchmark's tools and data
set -euo pipefail

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$bench/.work"
uv_version="0.13.9"
# The advisory benchmark's peer and the libraries its Python scripts use.
pip_audit_version="2.10.1"
pyyaml_version="6.0.3"
packaging_version="26.3"
python="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

compile=0
seed=1
advisories=1
for argument in "$@"; do
    case "$argument" in
        --compile) compile=1 ;;
        --no-seed) seed=0 ;;
        --no-advisories) advisories=0 ;;
        *) echo "setup.sh: unknown argument $argument" >&2; exit 2 ;;
    esac
done

mkdir -p "$work"

if ! command -v hyperfine >/dev/null; then
    echo "== installing hyperfine from Debian"
    apt-get update -qq
    apt-get install -y -qq hyperfine
fi

if [[ "$("$work/tools/bin/uv" --version 2>/dev/null || true)" != "uv $uv_version"* ]]; then
    echo "== tools venv with uv $uv_version"
    rm -rf "$work/tools"
    "$python" -m venv "$work/tools"
    "$work/tools/bin/pip" install -q "uv==$uv_version"
fi
uv="$work/tools/bin/uv"

if [[ $compile == 1 ]]; then
    echo "== resolving requirements-large.in (Python 3.11, x86_64 manylinux, wheels only)"
    (cd "$bench" && "$uv" pip compile requirements-large.in \
        --python-version 3.11 --python-platform x86_64-manylinux_2_28 --only-binary :all: \
        --no-annotate --custom-compile-command "bench/setup.sh --compile" \
        -o requirements-large.txt)
fi

# A venv is rebuilt only when its requirements file changed since it was made.
fresh_venv() {
    local venv="$1" requirements="$2"
    local stamp="$venv/.bench-requirements"
    if [[ -f "$stamp" ]] && cmp -s "$stamp" "$requirements"; then
        return 1
    fi
    rm -rf "$venv"
    "$python" -m venv "$venv"
    return 0
}

if fresh_venv "$work/large" "$bench/requirements-large.txt"; then
    echo "== large venv: pip install of requirements-large.txt (wheels only)"
    # Fully pinned and complete, so --no-deps; `pip check` in run.sh verifies consistency.
    "$work/large/bin/pip" install -q --no-deps --only-binary :all: \
        -r "$bench/requirements-large.txt"
    cp "$bench/requirements-large.txt" "$work/large/.bench-requirements"
fi

# A small venv broken on purpose, only for run.sh's correctness guard (the measured venvs are
# consistent, so on them the guard compares 0 problems with 0): flask without its
# dependencies (missing), requests with an urllib3 it refuses (conflicting), and a marker that
# does not apply on Python 3.11 (async-timeout for aiohttp: no finding expected).
broken_list="flask==3.1.3 requests==2.34.2 urllib3==1.20 aiohttp==3.14.5"
if [[ ! -f "$work/broken/.bench-requirements" ]] \
    || [[ "$(cat "$work/broken/.bench-requirements")" != "$broken_list" ]]; then
    echo "== broken venv (guard only)"
    rm -rf "$work/broken"
    "$python" -m venv "$work/broken"
    # shellcheck disable=SC2086
    "$work/broken/bin/pip" install -q --no-deps --only-binary :all: $broken_list
    echo "$broken_list" > "$work/broken/.bench-requirements"
fi

seed_requirements="$bench/../../shared/envs/seed-env-requirements.txt"
if [[ $seed == 1 && -f "$seed_requirements" ]]; then
    if fresh_venv "$work/seed-env" "$seed_requirements"; then
        echo "== seed venv: pip install of shared/envs/seed-env-requirements.txt"
        # Pillow 9.0.0 and SQLAlchemy 1.4.25 have no cp311 wheels and build from source;
        # when that fails the rest is installed without them and SKIPPED says so.
        rm -f "$work/seed-env.skipped"
        if ! "$work/seed-env/bin/pip" install -q --no-deps -r "$seed_requirements"; then
            echo "== seed venv: source builds failed, installing without Pillow and SQLAlchemy"
            grep -viE '^(pillow|sqlalchemy)==' "$seed_requirements" > "$work/seed-filtered.txt"
            "$work/seed-env/bin/pip" install -q --no-deps -r "$work/seed-filtered.txt"
            echo "Pillow==9.0.0 SQLAlchemy==1.4.25 (source builds failed)" > "$work/seed-env.skipped"
        fi
        cp "$seed_requirements" "$work/seed-env/.bench-requirements"
    fi
elif [[ $seed == 1 ]]; then
    echo "== no ../shared/envs/seed-env-requirements.txt: seed venv skipped"
fi

if [[ $advisories == 1 ]]; then
    if [[ "$("$work/tools/bin/pip-audit" --version 2>/dev/null || true)" != "pip-audit $pip_audit_version" ]] \
        || ! "$work/tools/bin/python" -c "import yaml, packaging" 2>/dev/null; then
        echo "== tools venv: pip-audit $pip_audit_version, PyYAML, packaging"
        "$work/tools/bin/pip" install -q "pip-audit==$pip_audit_version" \
            "PyYAML==$pyyaml_version" "packaging==$packaging_version"
    fi

    advisory_database="$bench/../../shared/advisories/pypa-advisory-database/vulns"
    if [[ -d "$advisory_database" ]]; then
        # Rebuilt only when the database or the generator changed (its manifest says).
        "$work/tools/bin/python" "$bench/advisories/make_data.py" --source "$advisory_database"
    else
        echo "== no ../shared/advisories/pypa-advisory-database: advisory data skipped"
    fi

    # uv audit reads a project's lockfile, not a venv: a project whose dependencies are exactly
    # the seed venv's distributions (pip and setuptools included, as pip-audit and tend see them
    # there), locked for Linux so that no other platform's packages join in.
    if [[ -x "$work/seed-env/bin/python" ]]; then
        project="$work/seed-project"
        freeze="$("$work/seed-env/bin/pip" freeze --all)"
        if [[ ! -f "$project/uv.lock" || "$(cat "$project/.bench-freeze" 2>/dev/null)" != "$freeze" ]]; then
            echo "== seed project: uv lock of the seed venv's distributions"
            rm -rf "$project"
            mkdir -p "$project"
            {
                echo '[project]'
                echo 'name = "seed-project"'
                echo 'version = "0"'
                echo 'requires-python = ">=3.11"'
                echo 'dependencies = ['
                sed 's/.*/    "&",/' <<< "$freeze"
                echo ']'
                echo
                echo '[tool.uv]'
                echo 'package = false'
                echo "environments = [\"sys_platform == 'linux'\"]"
            } > "$project/pyproject.toml"
            (cd "$project" && UV_CACHE_DIR="$work/uv-cache" "$uv" lock -q --python "$python")
            echo "$freeze" > "$project/.bench-freeze"
        fi
    fi
fi

count() { "$1/bin/python" -c 'import importlib.metadata as m; print(len({d.metadata["Name"].lower() for d in m.distributions()}))'; }
echo "== ready: large venv has $(count "$work/large") distributions"
if [[ -x "$work/seed-env/bin/python" ]]; then
    echo "== ready: seed venv has $(count "$work/seed-env") distributions"
fi
