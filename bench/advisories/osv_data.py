"""OSV records for the advisory benchmark: reading them and deciding what they affect.

Owns the benchmark's reference semantics, which the local OSV API (`osv_server.py`), the pin
generator and the findings comparison share:

- sources: a directory of `.json` / `.yaml` / `.yml` records at any depth (the PyPA advisory
  database layout `vulns/<pkg>/<ID>.yaml` included), an OSV zip of JSON records (osv.dev's
  per-ecosystem `all.zip`), or one record file;
- names compared PEP 503-normalised, versions ordered by PEP 440 (`packaging.version`);
- a version is affected when it is in an `affected[].versions` list or inside an `ECOSYSTEM`
  range, evaluated exactly as the OSV schema's `IsVulnerable` pseudo-code (events sorted by
  version, `introduced` / `fixed` / `last_affected`, `limit`); `GIT` and `SEMVER` ranges are
  ignored, only the `PyPI` ecosystem is used, withdrawn records are skipped unless asked for.

Only the Python standard library, `packaging` and (for YAML sources) PyYAML are used. Run it
with bench/.work/tools/bin/python, where setup.sh installs both.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

try:
    from packaging.version import InvalidVersion, Version
except ImportError:  # pragma: no cover - outside the tools venv
    from pip._vendor.packaging.version import InvalidVersion, Version

RECORD_SUFFIXES = (".json", ".yaml", ".yml")
ECOSYSTEM = "PyPI"


def normalise_name(name: str) -> str:
    """PEP 503 normalised form of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_version(text: str) -> Version | None:
    try:
        return Version(text)
    except (InvalidVersion, TypeError):
        return None


def _yaml_loader():
    """A safe YAML loader that keeps timestamps as the strings the record wrote.

    OSV timestamps must stay RFC 3339 text (the JSON form); PyYAML would turn unquoted ones into
    `datetime` objects. Versions in the PyPA files are quoted where YAML would read a number.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return yaml, Loader


class BadRecord(Exception):
    """A record that cannot be read; `origin` names the file or archive entry."""

    def __init__(self, origin: str, reason: str):
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


def _decode(origin: str, suffix: str, data: bytes, yaml_pair):
    try:
        if suffix == ".json":
            record = json.loads(data)
        else:
            yaml, loader = yaml_pair
            record = yaml.load(data, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except Exception as error:  # every parser error becomes a named bad record
        raise BadRecord(origin, f"cannot parse: {error}") from error
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise BadRecord(origin, "not an OSV record (no string `id`)")
    return record


def read_records(source: Path):
    """Yields (origin, record dict) for every record of `source`, sorted by origin.

    Bad records are yielded as (origin, BadRecord) so that callers count them and go on.
    """
    source = Path(source)
    yaml_pair = None
    if source.is_dir():
        paths = sorted(
            path
            for path in source.rglob("*")
            if path.suffix in RECORD_SUFFIXES and path.is_file() and not path.name.startswith(".")
        )
        for path in paths:
            if path.suffix != ".json" and yaml_pair is None:
                yaml_pair = _yaml_loader()
            origin = str(path.relative_to(source))
            try:
                yield origin, _decode(origin, path.suffix, path.read_bytes(), yaml_pair)
            except BadRecord as bad:
                yield origin, bad
    elif zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for name in sorted(archive.namelist()):
                if not name.endswith(".json"):
                    continue
                origin = f"{source.name}:{name}"
                try:
                    yield origin, _decode(origin, ".json", archive.read(name), None)
                except BadRecord as bad:
                    yield origin, bad
    else:
        if source.suffix != ".json":
            yaml_pair = _yaml_loader()
        yield source.name, _decode(source.name, source.suffix, source.read_bytes(), yaml_pair)


# OSV's "0" (before every version) and "*" (no limit) as bounds.
_BOTTOM_MARK = object()
_TOP_MARK = object()


def _event_key(bound):
    if bound is _BOTTOM_MARK:
        return (0, 0)
    if bound is _TOP_MARK:
        return (2, 0)
    return (1, bound)


@dataclass
class Range:
    """One ECOSYSTEM range with its events parsed and sorted; `unorderable` when an event's
    version is not PEP 440, in which case the range matches nothing (it cannot be ordered)."""

    events: list = field(default_factory=list)  # [(kind, bound)], sorted by bound
    limits: list = field(default_factory=list)
    unorderable: list = field(default_factory=list)

    def includes(self, version: Version) -> bool:
        if self.unorderable:
            return False
        if self.limits and not any(
            limit is _TOP_MARK or version < limit for limit in self.limits
        ):
            return False
        vulnerable = False
        for kind, bound in self.events:
            if kind == "introduced":
                if bound is _BOTTOM_MARK or version >= bound:
                    vulnerable = True
            elif kind == "fixed":
                if version >= bound:
                    vulnerable = False
            elif kind == "last_affected":
                if version > bound:
                    vulnerable = False
        return vulnerable


@dataclass
class Entry:
    """One `affected[]` entry for a PyPI package, ready for matching."""

    record: int  # index into Database.records
    versions_raw: frozenset
    versions_parsed: frozenset
    ranges: list


KNOWN_EVENTS = ("introduced", "fixed", "last_affected", "limit")


def _parse_range(events, problems, record_id):
    parsed = Range()
    ordered = []
    for event in events or []:
        if not isinstance(event, dict) or len(event) != 1:
            problems.append(f"{record_id}: event {event!r} is not one key")
            continue
        (kind, text), = event.items()
        if kind not in KNOWN_EVENTS:
            problems.append(f"{record_id}: unknown event kind {kind!r}")
            continue
        text = str(text)
        if kind == "introduced" and text == "0":
            bound = _BOTTOM_MARK
        elif kind == "limit" and text == "*":
            bound = _TOP_MARK
        else:
            bound = parse_version(text)
            if bound is None:
                parsed.unorderable.append((kind, text))
                continue
        if kind == "limit":
            parsed.limits.append(bound)
        else:
            ordered.append((kind, bound))
    # A stable sort: events of equal versions keep the record's order.
    parsed.events = sorted(ordered, key=lambda event: _event_key(event[1]))
    return parsed


class Database:
    """Records indexed by normalised package name."""

    def __init__(self, include_withdrawn: bool = False):
        self.include_withdrawn = include_withdrawn
        self.records: list[dict] = []
        self.by_id: dict[str, int] = {}
        self.by_name: dict[str, list[Entry]] = {}
        self.bad: list[BadRecord] = []
        self.problems: list[str] = []
        self.withdrawn = 0
        self.duplicates = 0
        self.unorderable_ranges = 0

    @classmethod
    def load(cls, sources, include_withdrawn: bool = False) -> "Database":
        database = cls(include_withdrawn)
        for source in sources:
            for origin, record in read_records(Path(source)):
                if isinstance(record, BadRecord):
                    database.bad.append(record)
                else:
                    database.add(record)
        return database

    def add(self, record: dict) -> None:
        record_id = record["id"]
        if record_id in self.by_id:
            self.duplicates += 1
            return
        index = len(self.records)
        self.records.append(record)
        self.by_id[record_id] = index
        if record.get("withdrawn") and not self.include_withdrawn:
            self.withdrawn += 1
            return
        for affected in record.get("affected") or []:
            package = affected.get("package") or {}
            if package.get("ecosystem") != ECOSYSTEM or not package.get("name"):
                continue
            versions = [str(version) for version in affected.get("versions") or []]
            ranges = []
            for declared in affected.get("ranges") or []:
                if declared.get("type") != "ECOSYSTEM":
                    continue
                parsed = _parse_range(declared.get("events"), self.problems, record_id)
                if parsed.unorderable:
                    self.unorderable_ranges += 1
                    self.problems.append(
                        f"{record_id}: range with non-PEP 440 versions {parsed.unorderable}"
                    )
                ranges.append(parsed)
            entry = Entry(
                record=index,
                versions_raw=frozenset(version.strip() for version in versions),
                versions_parsed=frozenset(
                    parsed for parsed in map(parse_version, versions) if parsed is not None
                ),
                ranges=ranges,
            )
            self.by_name.setdefault(normalise_name(package["name"]), []).append(entry)

    def affecting(self, name: str, version_text: str | None) -> list[int]:
        """Indexes of the records affecting `name` at `version_text` (every record of the
        package when the version is None), in database order, each once."""
        entries = self.by_name.get(normalise_name(name), ())
        if version_text is None:
            return sorted({entry.record for entry in entries})
        version = parse_version(version_text)
        text = version_text.strip()
        found = set()
        for entry in entries:
            if entry.record in found:
                continue
            if text in entry.versions_raw or (
                version is not None
                and (
                    version in entry.versions_parsed
                    or any(declared.includes(version) for declared in entry.ranges)
                )
            ):
                found.add(entry.record)
        return sorted(found)

    def affecting_ids(self, name: str, version_text: str | None) -> list[str]:
        return sorted(self.records[index]["id"] for index in self.affecting(name, version_text))

    def summary(self) -> str:
        return (
            f"{len(self.records)} records ({self.withdrawn} withdrawn skipped, "
            f"{self.duplicates} duplicate ids, {len(self.bad)} unreadable), "
            f"{len(self.by_name)} packages, {self.unorderable_ranges} ranges with non-PEP 440 "
            f"versions"
        )


def alias_groups(records) -> dict[str, str]:
    """Maps every id and alias to one key per group of records that alias each other
    (connected through shared ids), the smallest record id of the group."""
    parent: dict[str, str] = {}

    def find(item):
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    record_ids = set()
    for record in records:
        record_ids.add(record["id"])
        for alias in record.get("aliases") or []:
            a, b = find(record["id"]), find(alias)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for item in list(parent):
        groups.setdefault(find(item), []).append(item)
    key_of = {}
    for members in groups.values():
        in_database = sorted(member for member in members if member in record_ids)
        key = in_database[0] if in_database else sorted(members)[0]
        for member in members:
            key_of[member] = key
    return key_of


if __name__ == "__main__":
    database = Database.load(sys.argv[1:])
    print(database.summary())
    for problem in database.problems[:20]:
        print("  ", problem)
    for bad in database.bad[:20]:
        print("  ", bad)
