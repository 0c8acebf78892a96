#!/usr/bin/env bash
# Fuzzes the hand-written parsers for a bounded time each (default 120 s per target).
# Not run by CI. Needs cargo-fuzz (installed from crates.io when missing); the sanitizer flags
# cargo-fuzz passes are nightly-only, so on a stable toolchain RUSTC_BOOTSTRAP=1 unlocks them.
#   fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-120}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(requirements_txt metadata osv_record simple_page index_settings)

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz

if ! rustc --version | grep -q nightly; then
    export RUSTC_BOOTSTRAP=1
fi
for target in "${targets[@]}"; do
    echo "fuzz: $target for ${seconds}s" >&2
    cargo fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048
done
