"""A local OSV-compatible API for the advisory benchmark, on 127.0.0.1 only.

Serves the records of one or more sources (see `osv_data.read_records`) with the endpoints
pip-audit, uv and tend use, in the shapes osv.dev answers with:

  POST /v1/query       {"package": {"name", "ecosystem"} | {"purl"}, "version"?}
                       -> {"vulns": [full records]}, or {} when nothing matches
  POST /v1/querybatch  {"queries": [query, ...]} (at most 1000)
                       -> {"results": [{"vulns": [{"id", "modified"}]} or {}, ...]}
  GET  /v1/vulns/{id}  -> the full record, or 404 {"code": 5, "message": "Bug not found."}
  GET  /bench/stats    -> request counts per endpoint (for run.sh; not part of OSV)

Matching is `osv_data.Database.affecting`: versions lists and ECOSYSTEM ranges with PEP 440
ordering, names PEP 503-normalised, withdrawn records skipped (unless --include-withdrawn).
Every record is read once at start and kept in memory, with its JSON text pre-encoded, so a
request costs an index look-up and the matching of that package's records only.

    bench/.work/tools/bin/python bench/advisories/osv_server.py SOURCE... [--port N]
        [--port-file FILE] [--include-withdrawn]

Prints `listening on http://127.0.0.1:PORT` (stdout, flushed) once it accepts requests, and
writes the port to --port-file when given. Stops on SIGTERM / Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import socket
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from osv_data import ECOSYSTEM, Database  # noqa: E402

MAX_BATCH = 1000
PURL = re.compile(r"^pkg:pypi/(?P<name>[^@?#]+)(?:@(?P<version>[^?#]+))?", re.IGNORECASE)


class BadQuery(Exception):
    pass


class Service:
    def __init__(self, database: Database):
        self.database = database
        self.encoded = [
            json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            for record in database.records
        ]
        self.stats: Counter = Counter()
        self.lock = threading.Lock()

    def count(self, key: str, amount: int = 1) -> None:
        with self.lock:
            self.stats[key] += amount

    def match(self, query) -> list[int]:
        if not isinstance(query, dict):
            raise BadQuery("a query is a JSON object")
        if "commit" in query:
            return []  # no GIT data is served
        package = query.get("package")
        if not isinstance(package, dict):
            raise BadQuery("a query needs `package`")
        version = query.get("version")
        name = package.get("name")
        purl = package.get("purl")
        if purl:
            found = PURL.match(purl)
            if not found:
                return []  # a purl of another ecosystem
            name = unquote(found.group("name"))
            if found.group("version"):
                version = unquote(found.group("version"))
        elif package.get("ecosystem", ECOSYSTEM) != ECOSYSTEM:
            return []
        if not isinstance(name, str) or not name:
            raise BadQuery("a query needs a package name or purl")
        if version is not None and not isinstance(version, str):
            raise BadQuery("`version` is a string")
        return self.database.affecting(name, version)

    def query(self, body) -> bytes:
        indexes = self.match(body)
        if not indexes:
            return b"{}"
        return b'{"vulns":[' + b",".join(self.encoded[index] for index in indexes) + b"]}"

    def query_batch(self, body) -> bytes:
        queries = body.get("queries") if isinstance(body, dict) else None
        if not isinstance(queries, list):
            raise BadQuery("a batch needs `queries`")
        if len(queries) > MAX_BATCH:
            raise BadQuery("Too many queries.")
        results = []
        for query in queries:
            indexes = self.match(query)
            if indexes:
                results.append(
                    {
                        "vulns": [
                            {
                                "id": self.database.records[index]["id"],
                                "modified": self.database.records[index].get("modified"),
                            }
                            for index in indexes
                        ]
                    }
                )
            else:
                results.append({})
        return json.dumps({"results": results}, separators=(",", ":")).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    # Keep-alive, as the real service: clients reuse their connections.
    protocol_version = "HTTP/1.1"
    server_version = "bench-osv/1"
    service: Service

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # one line per request would cost more than the request

    def setup(self):
        super().setup()
        # Headers and body leave in one write and at once: with Nagle's algorithm and the
        # client's delayed ACK, a second small write would wait ~40 ms on every request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def error(self, status: int, code: int, message: str) -> None:
        self.answer(status, json.dumps({"code": code, "message": message}).encode("utf-8"))

    def do_GET(self):  # noqa: N802 - the base class's name
        path = self.path.split("?", 1)[0]
        if path.startswith("/v1/vulns/"):
            self.service.count("GET /v1/vulns")
            index = self.service.database.by_id.get(unquote(path[len("/v1/vulns/"):]))
            if index is None:
                self.error(404, 5, "Bug not found.")
            else:
                self.answer(200, self.service.encoded[index])
        elif path == "/bench/stats":
            with self.service.lock:
                body = json.dumps(dict(sorted(self.service.stats.items()))).encode("utf-8")
            self.answer(200, body)
        else:
            self.error(404, 5, "Not found.")

    def do_POST(self):  # noqa: N802 - the base class's name
        path = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        try:
            body = json.loads(data or b"null")
        except ValueError:
            self.error(400, 3, "Invalid JSON.")
            return
        try:
            if path == "/v1/query":
                self.service.count("POST /v1/query")
                self.answer(200, self.service.query(body))
            elif path == "/v1/querybatch":
                self.service.count("POST /v1/querybatch")
                self.service.count("querybatch queries", len((body or {}).get("queries") or []))
                self.answer(200, self.service.query_batch(body))
            else:
                self.error(404, 5, "Not found.")
        except BadQuery as bad:
            self.error(400, 3, str(bad))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+", type=Path)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", type=Path)
    parser.add_argument("--include-withdrawn", action="store_true")
    arguments = parser.parse_args()

    started = time.perf_counter()
    database = Database.load(arguments.sources, include_withdrawn=arguments.include_withdrawn)
    service = Service(database)
    print(
        f"loaded {database.summary()} in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    for bad in database.bad:
        print(f"warning: {bad}", file=sys.stderr)

    Handler.service = service
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    if arguments.port_file:
        arguments.port_file.write_text(f"{port}\n", encoding="utf-8")
    print(f"listening on http://127.0.0.1:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
