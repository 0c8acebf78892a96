"""Compares the latest versions `tend outdated` and `uv pip list --outdated` report with the
ones `pip list --outdated` reports, on one environment, and explains every difference from
the index's own project page.

Run with the measured venv's Python: it uses the `packaging` pip vendors, and that
interpreter's wheel tags are the ones pip filtered with.

    <venv>/bin/python bench/outdated/compare.py --installed pip-list.json \
        --pip pip-outdated.json [--uv uv-outdated.json] [--tend tend-outdated.json] \
        --index-url URL [--output FILE]

--installed is `pip list --format json` (every installed distribution: the packages a tool may
leave out of its outdated list because it finds nothing newer); --pip and --uv are
`… list --outdated --format json`; --tend is `tend outdated --format json` (docs/json-schema.md,
kind "outdated": packages[].name, current, latest.version, outdated; unknown; not_checked).

For each installed distribution, a tool's answer is the newer version it reports, or "nothing
newer". A difference from pip is explained from the project page (PEP 691 JSON, fetched from
--index-url): yanked files, Requires-Python, pre-releases, and wheels whose tags this
interpreter cannot install (pip skips such a release when it has no sdist either; tend reads
versions, not files, and does not). Prints a summary on stderr; writes one JSON document.
Exit 0 when every given tool agrees with pip on every package, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

# pip's own copy first: the rules (tags, specifiers) pip applied are the ones to explain with.
try:
    from pip._vendor.packaging.specifiers import InvalidSpecifier, SpecifierSet
    from pip._vendor.packaging.tags import sys_tags
    from pip._vendor.packaging.utils import parse_wheel_filename
    from pip._vendor.packaging.version import InvalidVersion, Version
except ImportError:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.tags import sys_tags
    from packaging.utils import parse_wheel_filename
    from packaging.version import InvalidVersion, Version

ACCEPT = "application/vnd.pypi.simple.v1+json"
SDIST = re.compile(r"\.(tar\.gz|zip|tar\.bz2|tar\.xz|tgz|tar)$")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(text) -> Version | None:
    if text is None:
        return None
    if isinstance(text, dict):  # a version written as an object, should the schema say so
        text = text.get("version") or text.get("text")
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def from_pip_like(document) -> dict[str, str]:
    """`pip list --outdated --format json` and uv's: name -> the newer version reported."""
    return {normalise(entry["name"]): entry["latest_version"] for entry in document}


def from_tend(document) -> tuple[dict[str, str], dict[str, str], dict]:
    """tend: name -> newer version (outdated packages only), name -> current, and the rest."""
    newer, current = {}, {}
    for package in document.get("packages", []):
        name = normalise(package["name"])
        if package.get("current") is not None:
            current[name] = str(package["current"])
        latest = (package.get("latest") or {}).get("version")
        outdated = package.get("outdated")
        if outdated is None:  # derive it, should the field be missing
            outdated = latest is not None and parse(latest) is not None and parse(
                package.get("current")) is not None and parse(latest) > parse(package["current"])
        if outdated and latest is not None:
            newer[name] = str(latest)
    extra = {
        "unknown": sorted(normalise(p["name"]) for p in document.get("unknown", [])),
        "not_checked": sorted(
            f"{normalise(p['name'])} ({(p.get('reason') or {}).get('kind', '?')})"
            for p in document.get("not_checked", [])
        ),
        "requests": (document.get("data") or {}).get("requests"),
        "from_cache": (document.get("data") or {}).get("from_cache"),
    }
    return newer, current, extra


class Pages:
    """Project pages fetched on demand, for explanations only."""

    def __init__(self, index_url: str):
        self.index_url = index_url.rstrip("/") + "/"
        self.pages: dict[str, dict | None] = {}

    def get(self, name: str):
        if name not in self.pages:
            url = urllib.parse.urljoin(self.index_url, f"{name}/")
            request = urllib.request.Request(url, headers={"Accept": ACCEPT})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    self.pages[name] = json.load(response)
            except (OSError, ValueError) as error:
                print(f"{url}: {error}", file=sys.stderr)
                self.pages[name] = None
        return self.pages[name]


def release_files(page, version: Version) -> list[dict]:
    files = []
    for entry in page.get("files", []):
        filename = entry["filename"]
        found = None
        if filename.endswith(".whl"):
            try:
                found = parse_wheel_filename(filename)[1]
            except Exception:  # noqa: BLE001 - an unparsable name is simply not this release
                found = None
        else:
            match = SDIST.search(filename)
            if match:
                stem = filename[: match.start()]
                parts = stem.split("-")
                for start in range(1, len(parts)):
                    found = parse("-".join(parts[start:]))
                    if found is not None:
                        break
        if found == version:
            files.append(entry)
    return files


def describe(page, version_text: str, tags: set, python: Version) -> dict:
    """What pip's and tend's rules see in one release's files."""
    version = parse(version_text)
    files = release_files(page, version) if page and version else []
    # The other rules are judged on the files a resolver would take: the ones not yanked, or
    # all of them when every file is (the yank is then the reason given first).
    usable = [f for f in files if not f.get("yanked")] or files

    def python_ok(entry) -> bool:
        spec = entry.get("requires-python")
        if not spec:
            return True
        try:
            return SpecifierSet(spec).contains(str(python), prereleases=True)
        except InvalidSpecifier:
            return True

    wheels = [f for f in usable if f["filename"].endswith(".whl")]
    compatible = []
    for entry in wheels:
        try:
            if parse_wheel_filename(entry["filename"])[3] & tags:
                compatible.append(entry)
        except Exception:  # noqa: BLE001
            pass
    return {
        "version": version_text,
        "files": len(files),
        "yanked_files": sum(1 for f in files if f.get("yanked")),
        "prerelease": bool(version and version.is_prerelease),
        "sdists": sum(1 for f in usable if not f["filename"].endswith(".whl")),
        "wheels": len(wheels),
        "compatible_wheels": len(compatible),
        "python_ok": any(python_ok(f) for f in usable),
        "pip_installable": any(python_ok(f) for f in usable
                               if not f["filename"].endswith(".whl") or f in compatible),
    }


def explain(package: str, pip_answer, other_answer, tool: str, page, tags, python) -> str:
    """Why `tool` and pip differ on `package`, from the release's files."""
    if page is None:
        return "the project page could not be fetched to explain it"
    reasons = []
    for answer, who in ((other_answer, tool), (pip_answer, "pip")):
        if answer is None:
            continue
        facts = describe(page, answer, tags, python)
        if facts["files"] == 0:
            reasons.append(f"{answer} ({who}'s answer) has no file on the page")
            continue
        if facts["yanked_files"] == facts["files"]:
            reasons.append(f"{answer} ({who}'s answer) is yanked")
        elif facts["yanked_files"]:
            reasons.append(f"{answer}: {facts['yanked_files']} of {facts['files']} files yanked")
        if facts["prerelease"]:
            reasons.append(f"{answer} ({who}'s answer) is a pre-release")
        if not facts["python_ok"]:
            reasons.append(f"{answer}: no file admits Python {python} (Requires-Python)")
        elif not facts["pip_installable"]:
            reasons.append(
                f"{answer}: no sdist and none of its {facts['wheels']} wheels has a tag this "
                f"interpreter supports: pip filters wheels by platform tags, tend reads "
                f"versions and does not"
            )
    return "; ".join(reasons) or "no rule explains it from the files (check by hand)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--installed", type=Path, required=True)
    parser.add_argument("--pip", type=Path, required=True)
    parser.add_argument("--uv", type=Path)
    parser.add_argument("--tend", type=Path)
    parser.add_argument("--index-url", required=True)
    parser.add_argument("--output", type=Path)
    arguments = parser.parse_args()

    installed = {normalise(e["name"]): e["version"] for e in read_json(arguments.installed)}
    pip = from_pip_like(read_json(arguments.pip))
    tags = set(sys_tags())
    python = Version(platform.python_version())
    pages = Pages(arguments.index_url)
    report = {
        "installed": len(installed),
        "python": str(python),
        "pip": {"outdated": len(pip)},
        "tools": {},
    }
    disagreeing_tools = 0
    for tool, path in (("uv pip list --outdated", arguments.uv), ("tend outdated", arguments.tend)):
        if path is None:
            continue
        extra = {}
        try:
            document = read_json(path)
            if tool.startswith("tend"):
                newer, current, extra = from_tend(document)
            else:
                newer, current = from_pip_like(document), {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            report["tools"][tool] = {"error": f"cannot read {path}: {error}"}
            print(f"{tool}: cannot read {path}: {error}", file=sys.stderr)
            disagreeing_tools += 1
            continue
        differences = []
        for name in sorted(set(installed) | set(pip) | set(newer)):
            pip_answer, answer = pip.get(name), newer.get(name)
            if parse(pip_answer) == parse(answer) and (pip_answer is None) == (answer is None):
                continue
            if name not in installed:
                kind = "not installed"
            elif pip_answer is None:
                kind = f"{tool.split()[0]} reports a newer version, pip none"
            elif answer is None:
                kind = f"pip reports a newer version, {tool.split()[0]} none"
            else:
                kind = "different latest versions"
            differences.append({
                "package": name,
                "installed": installed.get(name),
                "pip": pip_answer,
                tool.split()[0]: answer,
                "kind": kind,
                "explanation": explain(name, pip_answer, answer, tool.split()[0],
                                       pages.get(name), tags, python),
            })
        current_mismatch = sorted(
            name for name, version in current.items()
            if name in installed and parse(version) != parse(installed[name])
        )
        entry = {
            "outdated": len(newer),
            "agree": sum(1 for name in installed if parse(pip.get(name)) == parse(newer.get(name))),
            "differences": differences,
            "current_mismatch": current_mismatch,
            "agrees": not differences and not current_mismatch,
            **extra,
        }
        if extra.get("unknown"):
            # A package pip also knows nothing of: pip lists nothing for it, which the loop
            # above counted as agreement; say so anyway.
            entry["note"] = "unknown to the index: " + ", ".join(extra["unknown"])
        report["tools"][tool] = entry
        disagreeing_tools += not entry["agrees"]
        print(
            f"{tool}: {len(newer)} outdated, pip {len(pip)}; agrees with pip on "
            f"{entry['agree']} of {len(installed)} installed"
            + ("" if entry["agrees"] else f"; {len(differences)} differences"),
            file=sys.stderr,
        )
        for difference in differences:
            print(f"  {difference}", file=sys.stderr)
        if current_mismatch:
            print(f"  current versions differ from pip list: {current_mismatch}", file=sys.stderr)

    text = json.dumps(report, indent=2) + "\n"
    if arguments.output:
        arguments.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 1 if disagreeing_tools else 0


if __name__ == "__main__":
    sys.exit(main())
