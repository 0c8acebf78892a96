#!/usr/bin/env bash
# Renders the example service's scan as HTML, opens it in headless Chromium at a desktop and a
# phone width, fails when the browser reports a console error or writes no picture, and keeps
# the two screenshots for the docs:
#   docs/images/scan-report.png        1280 px wide
#   docs/images/scan-report-phone.png   390 px wide
# Needs Debian's `chromium`; installs it with apt-get when it is missing and we are root.
# Not part of CI: run it by hand after changing the HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "report-screenshot: chromium is missing; installing it with apt-get (this takes a few minutes)" >&2
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        echo "error: chromium is not installed; install Debian's chromium package and retry" >&2
        exit 2
    fi
fi

cargo build --quiet --bin tend
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Caches and the history store go to the scratch directory, and the clock is the one the
# snapshot tests use, so the pictures match the committed snapshot.
report="$work/scan-report.html"
status=0
XDG_CACHE_HOME="$work/cache" XDG_STATE_HOME="$work/state" TEND_NOW=2026-11-23T12:00:00Z \
    target/debug/tend scan examples/flask-service --format html -o "$report" 2>"$work/tend.log" || status=$?
# The example has problems on purpose: 1 means "findings", anything else is a failure.
if [ "$status" -gt 1 ] || [ ! -s "$report" ]; then
    echo "error: tend scan failed (exit $status):" >&2
    cat "$work/tend.log" >&2
    exit 1
fi

mkdir -p docs/images
shoot() {
    local size="$1" out="$2" log="$work/chromium-$1.log"
    rm -f "$out"
    # A profile of its own, so no extension or setting of the user's changes the page.
    chromium --headless=new --disable-gpu --no-sandbox --hide-scrollbars \
        --user-data-dir="$work/profile" --no-first-run --disable-extensions \
        --enable-logging=stderr --v=0 \
        --window-size="$size" --screenshot="$PWD/$out" "file://$report" 2>"$log" || {
        echo "error: chromium failed for $size:" >&2
        cat "$log" >&2
        exit 1
    }
    # The page has no script, so any console message is something it should not do: a blocked
    # or failed load, a parse error.
    if grep -E 'CONSOLE|Uncaught|Failed to load resource|ERR_' "$log" >&2; then
        echo "error: chromium reported the messages above for $out" >&2
        exit 1
    fi
    if [ ! -s "$out" ]; then
        echo "error: chromium wrote no screenshot to $out" >&2
        cat "$log" >&2
        exit 1
    fi
    echo "report-screenshot: $out ($(wc -c <"$out") bytes)" >&2
}
shoot 1280,2000 docs/images/scan-report.png
shoot 390,2000 docs/images/scan-report-phone.png
