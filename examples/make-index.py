#!/usr/bin/env python3
"""Writes examples/index/, a package index on disk for the example service, from real data.

`tend scan examples/flask-service` runs the outdated stage against `examples/index` (the
example's tend.toml points its `[index] url` there), so that the quick start needs no network.
This script asks the live public index once for the project page of every package the example
installs (`flask-service/.venv`, read from its dist-info) or declares (its requirements files
and pyproject.toml), through the simple API in JSON (PEP 691, with PEP 700's versions and
upload times), and writes each page trimmed, as `index/<normalized-name>/index.json`:

- per version, at most one sdist and one wheel (a pure-Python `none-any` wheel first, then one
  for the example's CPython 3.11 on x86_64 Linux, then the first by name; files that are not
  yanked first);
- every version from the oldest one installed or pinned in the example onwards (so "how many
  releases behind" is exact), and the `--keep` newest (default 20); older versions left out;
- for each file: filename, URL (absolute, as the index gave it), size, requires-python,
  yanked (with its reason) and upload-time; `hashes` left empty (PEP 691 allows it; nothing
  here downloads a file, and the digests would make the pages a third larger); nothing else
  (no serial numbers, no metadata links), so a rerun on the same data writes the same bytes;
- files sorted by version (PEP 440), then name; `versions` sorted by PEP 440.

Python 3.11+ standard library only. Run from anywhere:

    python3 examples/make-index.py              # rewrite examples/index/
    python3 examples/make-index.py --check      # list what would be fetched, write nothing

The pages are facts of the day they were fetched, so the example scan's snapshot test pins
the clock with TEND_NOW; after regenerating, update that snapshot.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import re
import shutil
import sys
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_INDEX = "https://pypi.org/simple/"
ACCEPT = "application/vnd.pypi.simple.v1+json"
USER_AGENT = "tend-examples-make-index/1 (python urllib)"
# The example venv's interpreter and platform: the wheel kept when there is no pure one.
NATIVE_TAGS = ("cp311", "manylinux", "x86_64")
SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")

# PEP 440's version grammar (the specification's own regular expression, written out here).
VERSION = re.compile(
    r"""^\s*v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    \s*$""",
    re.VERBOSE | re.IGNORECASE,
)
PRE_ORDER = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}
REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
PINNED = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s;,\\]+)")


README = """\
# Example package index

The project pages of the {projects} packages `examples/flask-service` installs or declares, as
the public package index's JSON simple API (PEP 691, API 1.1) served them on {day}: real data,
trimmed by `../make-index.py` (written by it; rerun it rather than edit). Layout:
`<normalized-name>/index.json`, which tend reads for a `file://` index (or a directory given as
`[index] url`).

Trimmed, to keep the repository small: per version at most one sdist and one wheel (a
pure-Python wheel first); every version from the oldest one the example installs or pins
onwards (so "releases behind" is exact), plus the {keep} newest; older versions left out; file
hashes left out (`"hashes": {{}}`). File URLs are the index's own (absolute); sizes,
`requires-python`, yanks (with their reasons) and upload times are as given.

These are facts of {day}: the example scan's snapshot test fixes the clock with `TEND_NOW`
so that ages ("released 3 years ago") do not change as days pass. After regenerating, review
and update that snapshot.
"""


def normalize(name: str) -> str:
    """PEP 503 name normalization."""
    return re.sub(r"[-_.]+", "-", name).lower()


def version_key(text: str):
    """A sort key that orders versions as PEP 440 does; unparsable versions sort first, by text."""
    match = VERSION.match(text)
    if match is None:
        return (0, text)
    release = [int(part) for part in match["release"].split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    # Missing parts are ordered so that: dev < pre < final < post, as PEP 440 says.
    if match["pre"]:
        pre = (PRE_ORDER[match["pre_l"].lower()], int(match["pre_n"] or 0))
    elif match["dev"] and not match["post"]:
        pre = (-1, 0)
    else:
        pre = (3, 0)
    post_number = match["post_n1"] or match["post_n2"]
    post = (1, int(post_number or 0)) if match["post"] else (0, 0)
    dev = (0, int(match["dev_n"] or 0)) if match["dev"] else (1, 0)
    local = tuple(
        (1, int(part), "") if part.isdigit() else (0, 0, part.lower())
        for part in re.split(r"[-_.]", match["local"] or "")
        if part
    )
    return (1, (int(match["epoch"] or 0), tuple(release), pre, post, dev, local))


def canonical(text: str) -> str:
    """One spelling per PEP 440-equal version (`1.0` and `1.0.0`), for matching files to versions."""
    key = version_key(text)
    return repr(key) if key[0] else text


# --- What the example installs and declares -------------------------------------------------


def installed(venv: Path) -> dict[str, str]:
    """normalized name -> version, from each dist-info's METADATA (Name and Version headers)."""
    found = {}
    for metadata in sorted(venv.glob("lib/python*/site-packages/*.dist-info/METADATA")):
        headers = {}
        for line in metadata.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                break
            key, _, value = line.partition(":")
            headers.setdefault(key.strip().lower(), value.strip())
        if "name" in headers and "version" in headers:
            found[normalize(headers["name"])] = headers["version"]
    return found


def requirement_lines(path: Path) -> list[str]:
    """Logical lines of a requirements file: continuations joined, comments dropped."""
    lines, current = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        raw = re.sub(r"(^|\s)#.*$", "", raw)
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    if current:
        lines.append(current)
    return [line.strip() for line in lines if line.strip()]


def declared(project: Path) -> tuple[set[str], dict[str, set[str]]]:
    """Names declared by the project's requirements files and pyproject.toml, and exact pins."""
    names: set[str] = set()
    pins: dict[str, set[str]] = {}

    def add(requirement: str) -> None:
        match = REQUIREMENT_NAME.match(requirement)
        if not match:
            return
        names.add(normalize(match.group(1)))
        pinned = PINNED.match(requirement)
        if pinned:
            pins.setdefault(normalize(pinned.group(1)), set()).add(pinned.group(2))

    for path in sorted(project.glob("*.txt")):
        for line in requirement_lines(path):
            if not line.startswith("-"):
                add(line)
    pyproject = project / "pyproject.toml"
    if pyproject.exists():
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        for requirement in document.get("project", {}).get("dependencies", []):
            add(requirement)
        for group in document.get("project", {}).get("optional-dependencies", {}).values():
            for requirement in group:
                add(requirement)
        for group in document.get("dependency-groups", {}).values():
            for requirement in group:
                if isinstance(requirement, str):
                    add(requirement)
    return names, pins


# --- Fetching and trimming ------------------------------------------------------------------


def fetch(index: str, name: str) -> dict:
    url = urllib.parse.urljoin(index, f"{name}/")
    request = urllib.request.Request(url, headers={"Accept": ACCEPT, "User-Agent": USER_AGENT})
    for attempt in range(4):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                content_type = response.headers.get_content_type()
                if content_type != ACCEPT:
                    raise SystemExit(f"{url}: answered {content_type}, expected {ACCEPT}")
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise SystemExit(f"{url}: 404, the index does not know {name}") from None
            if error.code < 500 and error.code != 429 or attempt == 3:
                raise SystemExit(f"{url}: HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError) as error:
            if attempt == 3:
                raise SystemExit(f"{url}: {error}") from None
    raise AssertionError("unreachable")


def file_version(filename: str, versions: dict[str, str]) -> str | None:
    """The version (as the page's `versions` spells it) a wheel or sdist belongs to."""
    if filename.endswith(".whl"):
        parts = filename[: -len(".whl")].split("-")
        candidate = parts[1] if len(parts) >= 5 else None
    else:
        stem = next((filename[: -len(s)] for s in SDIST_SUFFIXES if filename.endswith(s)), None)
        if stem is None:
            return None  # eggs, installers: not kept
        # The name may hold dashes and the version too (`name-0.1.0-rc1`): the longest tail
        # after a dash that is one of the page's versions.
        parts = stem.split("-")
        for start in range(1, len(parts)):
            found = versions.get(canonical("-".join(parts[start:])))
            if found is not None:
                return found
        return None
    return versions.get(canonical(candidate))


def wheel_rank(filename: str) -> tuple:
    tags = filename[: -len(".whl")].split("-")[-3:]
    python, abi, platform = tags if len(tags) == 3 else ("", "", "")
    if abi == "none" and platform == "any":
        return (0 if "py3" in python.split(".") else 1, filename)
    if all(any(tag in part for part in (python, abi, platform)) for tag in NATIVE_TAGS):
        return (2, filename)
    return (3, filename)


def choose(files: list[dict]) -> list[dict]:
    """At most one sdist and one wheel; a file that is not yanked before one that is."""
    sdists = sorted(
        (f for f in files if not f["filename"].endswith(".whl")),
        key=lambda f: (bool(f.get("yanked")), not f["filename"].endswith(".tar.gz"), f["filename"]),
    )
    wheels = sorted(
        (f for f in files if f["filename"].endswith(".whl")),
        key=lambda f: (bool(f.get("yanked")), wheel_rank(f["filename"])),
    )
    return sdists[:1] + wheels[:1]


def trimmed_file(entry: dict) -> dict:
    out = {
        "filename": entry["filename"],
        "url": entry["url"],
        "hashes": {},
    }
    if entry.get("requires-python"):
        out["requires-python"] = entry["requires-python"]
    if "size" in entry:
        out["size"] = entry["size"]
    out["upload-time"] = entry.get("upload-time")
    if out["upload-time"] is None:
        del out["upload-time"]
    # PEP 592/691: false, true, or the reason (a string).
    out["yanked"] = entry.get("yanked", False)
    return out


def trim(page: dict, keep_newest: int, must_keep: set[str]) -> tuple[dict, dict]:
    versions = {canonical(v): v for v in page.get("versions", [])}
    by_version: dict[str, list[dict]] = {}
    unmatched = 0
    for entry in page.get("files", []):
        version = file_version(entry["filename"], versions)
        if version is None:
            if entry["filename"].endswith((".whl", *SDIST_SUFFIXES)):
                print(f"  {page['name']}: no version for {entry['filename']}", file=sys.stderr)
            unmatched += 1
            continue
        by_version.setdefault(version, []).append(entry)

    ordered = sorted(versions.values(), key=version_key)
    oldest_needed = min((version_key(v) for v in must_keep if VERSION.match(v)), default=None)
    kept_versions = [
        v
        for position, v in enumerate(ordered)
        if position >= len(ordered) - keep_newest
        or (oldest_needed is not None and version_key(v) >= oldest_needed)
        or canonical(v) in {canonical(m) for m in must_keep}
    ]
    files = []
    for version in kept_versions:
        files += [trimmed_file(f) for f in choose(by_version.get(version, []))]
    files.sort(key=lambda f: (version_key(file_version(f["filename"], versions) or ""), f["filename"]))
    stats = {
        "versions": len(ordered),
        "kept_versions": len(kept_versions),
        "files": len(page.get("files", [])),
        "kept_files": len(files),
        "unmatched_files": unmatched,
    }
    out = {
        "meta": {"api-version": page.get("meta", {}).get("api-version", "1.1")},
        "name": page["name"],
        "files": files,
        "versions": kept_versions,
    }
    return out, stats


def render(page: dict) -> str:
    """JSON with one file per line: small, and a regeneration diffs line by line."""
    dump = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=False)  # noqa: E731
    lines = ["{", f' "meta": {dump(page["meta"])},', f' "name": {dump(page["name"])},', ' "files": [']
    lines += [f"  {dump(entry)}," for entry in page["files"]]
    if page["files"]:
        lines[-1] = lines[-1].rstrip(",")
    lines.append(" ],")
    lines.append(f' "versions": {dump(page["versions"])}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=HERE / "flask-service")
    parser.add_argument("--venv", type=Path, help="default: PROJECT/.venv")
    parser.add_argument("--output", type=Path, default=HERE / "index")
    parser.add_argument("--index-url", default=DEFAULT_INDEX)
    parser.add_argument("--keep", type=int, default=20, help="newest versions kept per project")
    parser.add_argument("--check", action="store_true", help="list the projects; fetch nothing")
    arguments = parser.parse_args()
    venv = arguments.venv or arguments.project / ".venv"

    versions_installed = installed(venv)
    names, pins = declared(arguments.project)
    names |= set(versions_installed)
    must_keep = {name: set(pins.get(name, set())) for name in names}
    for name, version in versions_installed.items():
        must_keep[name].add(version)
    if arguments.check:
        for name in sorted(names):
            print(name, " ".join(sorted(must_keep[name], key=version_key)) or "-")
        return 0

    index = arguments.index_url.rstrip("/") + "/"
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        pages = dict(zip(sorted(names), pool.map(lambda name: fetch(index, name), sorted(names))))

    if arguments.output.exists():
        shutil.rmtree(arguments.output)
    arguments.output.mkdir(parents=True)
    total = 0
    for name, page in pages.items():
        trimmed, stats = trim(page, arguments.keep, must_keep[name])
        text = render(trimmed)
        (arguments.output / name).mkdir()
        (arguments.output / name / "index.json").write_text(text, encoding="utf-8")
        total += len(text.encode())
        print(
            f"{name}: {stats['kept_versions']}/{stats['versions']} versions, "
            f"{stats['kept_files']}/{stats['files']} files"
            + (f", {stats['unmatched_files']} not wheels or sdists" if stats["unmatched_files"] else ""),
            file=sys.stderr,
        )
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    (arguments.output / "README.md").write_text(
        README.format(day=day, projects=len(pages), keep=arguments.keep), encoding="utf-8"
    )
    print(f"{len(pages)} projects, {total / 1024:.0f} KiB, in {arguments.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
