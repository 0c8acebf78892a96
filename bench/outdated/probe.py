"""What the index looks like from this machine, for the results: the HTTP version it speaks,
how long one project page takes, and which caching headers it sends (a cache can only be as
good as the `Cache-Control`, `ETag` and `Last-Modified` it is given).

    python3 bench/outdated/probe.py INDEX_URL PROJECT... > probe.json

Uses curl (for the HTTP version and the timings); prints one JSON document.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import urllib.parse

ACCEPT = "application/vnd.pypi.simple.v1+json"
HEADERS = ("content-type", "cache-control", "etag", "last-modified", "age", "expires", "vary")
WRITE_OUT = "%{http_code} %{http_version} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total} %{size_download}"


def probe(url: str) -> dict:
    completed = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-D", "-", "-H", f"Accept: {ACCEPT}",
         "--compressed", "-w", "\n" + WRITE_OUT, url],
        capture_output=True, text=True, timeout=120, check=False,
    )
    if completed.returncode != 0:
        return {"url": url, "error": completed.stderr.strip() or f"curl exit {completed.returncode}"}
    lines = completed.stdout.rstrip("\n").splitlines()
    status, version, connect, tls, first_byte, total, size = lines[-1].split()
    headers = {}
    for line in lines[:-1]:
        name, separator, value = line.partition(":")
        if separator and name.strip().lower() in HEADERS:
            headers[name.strip().lower()] = value.strip()
    return {
        "url": url,
        "status": int(status),
        "http_version": version,
        "connect_ms": float(connect) * 1000,
        "tls_ms": float(tls) * 1000,
        "first_byte_ms": float(first_byte) * 1000,
        "total_ms": float(total) * 1000,
        "bytes": int(size),
        "headers": headers,
    }


def main() -> int:
    index = sys.argv[1].rstrip("/") + "/"
    pages = [probe(urllib.parse.urljoin(index, f"{name}/")) for name in sys.argv[2:]]
    # Again, on warm connections and resolvers, for a steadier figure.
    again = [probe(page["url"]) for page in pages if "error" not in page]
    totals = [page["total_ms"] for page in again if "error" not in page]
    # After the TLS handshake: what the index itself takes to answer and send the page.
    answers = [page["total_ms"] - page["tls_ms"] for page in again if "error" not in page]
    caching = sorted({name for page in pages for name in page.get("headers", {})
                      if name in ("cache-control", "etag", "last-modified", "expires")})
    document = {
        "index": index,
        "pages": pages,
        "median_total_ms": statistics.median(totals) if totals else None,
        "median_after_handshake_ms": statistics.median(answers) if answers else None,
        "http_versions": sorted({page["http_version"] for page in pages if "http_version" in page}),
        "caching_headers": caching,
    }
    json.dump(document, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if all("error" not in page for page in pages) else 1


if __name__ == "__main__":
    sys.exit(main())
