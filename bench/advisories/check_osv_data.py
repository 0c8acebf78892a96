"""Self-check of the benchmark's reference matcher (osv_data.py), on records written here.

The local OSV API and the findings comparison judge tend, pip-audit and uv by this matcher, so
it is checked against the OSV schema's evaluation rules before it judges anyone. Also checks,
when the real database has been converted (bench/setup.sh), that every version a record lists
and that its ranges also cover is matched, and prints the records whose lists and ranges
disagree (the union is affected, as the schema says). Run by run.sh; exits 1 on a failure.

    bench/.work/tools/bin/python bench/advisories/check_osv_data.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from osv_data import Database  # noqa: E402


def record(identifier, name, ranges=(), versions=(), ecosystem="PyPI", **extra):
    return {
        "id": identifier,
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"name": name, "ecosystem": ecosystem},
                "ranges": [{"type": kind, "events": events} for kind, events in ranges],
                "versions": list(versions),
            }
        ],
        **extra,
    }


RECORDS = [
    record("T-OPEN", "open-ended", [("ECOSYSTEM", [{"introduced": "0"}])]),
    record("T-FIXED", "Fixed_Pkg", [("ECOSYSTEM", [{"introduced": "0"}, {"fixed": "1.0.2"}])]),
    # Two introduced/fixed pairs, given out of order.
    record("T-PAIRS", "pairs", [("ECOSYSTEM", [{"fixed": "3.2.5"}, {"introduced": "3.0"},
                                              {"introduced": "1.0"}, {"fixed": "1.0.2"}])]),
    record("T-LAST", "last", [("ECOSYSTEM", [{"introduced": "2.0"}, {"last_affected": "2.4"}])]),
    record("T-LIMIT", "limited", [("ECOSYSTEM", [{"introduced": "0"}, {"limit": "5.0"}])]),
    record("T-LIST", "listed", versions=["1.0", "2.0-beta", "odd-version"]),
    record("T-GIT", "gitonly", [("GIT", [{"introduced": "0"}, {"fixed": "abc123"}])]),
    record("T-NPM", "npm-thing", [("ECOSYSTEM", [{"introduced": "0"}])], ecosystem="npm"),
    record("T-GONE", "withdrawn-pkg", [("ECOSYSTEM", [{"introduced": "0"}])],
           withdrawn="2024-02-01T00:00:00Z"),
    record("T-PRE", "pre", [("ECOSYSTEM", [{"introduced": "2.0"}, {"fixed": "2.1rc1"}])]),
    record("T-BADFIX", "badfix", [("ECOSYSTEM", [{"introduced": "0"}, {"fixed": "2019-09-12"}])]),
    # Listed and ranged: the union is affected.
    record("T-UNION", "union", [("ECOSYSTEM", [{"introduced": "0"}, {"fixed": "1.5"}])],
           versions=["1.5"]),
]

CASES = [
    ("open-ended", "0.0.1", True), ("open-ended", "99", True),
    ("fixed-pkg", "1.0.1", True), ("FIXED.PKG", "1.0.2", False), ("fixed_pkg", "1.0.2.post1", False),
    ("fixed-pkg", "1.0.2rc1", True), ("fixed-pkg", "1.0.2.dev0", True),
    ("pairs", "0.9", False), ("pairs", "1.0", True), ("pairs", "1.0.2", False),
    ("pairs", "2.9", False), ("pairs", "3.0", True), ("pairs", "3.2.4", True), ("pairs", "3.2.5", False),
    ("last", "1.9", False), ("last", "2.4", True), ("last", "2.4.0", True), ("last", "2.4.1", False),
    ("limited", "4.9", True), ("limited", "5.0", False),
    ("listed", "1.0", True), ("listed", "1.0.0", True), ("listed", "2.0b0", True),
    ("listed", "1.1", False), ("listed", "odd-version", True), ("listed", "other-odd", False),
    ("gitonly", "1.0", False), ("npm-thing", "1.0", False), ("withdrawn-pkg", "1.0", False),
    ("pre", "2.1a1", True), ("pre", "2.1rc1", False), ("pre", "2.0rc1", False),
    ("badfix", "1.0", False),  # the range cannot be ordered: matches nothing, reported
    ("union", "1.4", True), ("union", "1.5", True), ("union", "1.6", False),
]


def main() -> int:
    database = Database()
    for item in RECORDS:
        database.add(item)
    failures = 0
    for name, version, expected in CASES:
        got = bool(database.affecting(name, version))
        if got != expected:
            failures += 1
            print(f"FAIL {name}=={version}: expected {expected}, got {got}")
    if database.withdrawn != 1 or database.unorderable_ranges != 1:
        failures += 1
        print(f"FAIL counts: withdrawn {database.withdrawn}, unorderable {database.unorderable_ranges}")
    with_withdrawn = Database(include_withdrawn=True)
    for item in RECORDS:
        with_withdrawn.add(item)
    if not with_withdrawn.affecting("withdrawn-pkg", "1.0"):
        failures += 1
        print("FAIL --include-withdrawn does not match the withdrawn record")
    print(f"{len(CASES) + 2 - failures} passed, {failures} failed")

    real = Path(__file__).resolve().parent.parent / ".work" / "advisories" / "real" / "all.zip"
    if real.exists():
        database = Database.load([real])
        listed = outside = 0
        for entries in database.by_name.values():
            for entry in entries:
                if not entry.ranges:
                    continue
                for version in entry.versions_parsed:
                    listed += 1
                    if not any(declared.includes(version) for declared in entry.ranges):
                        outside += 1
                        print(f"  listed but outside its ranges: {database.records[entry.record]['id']} {version}")
        print(f"real database: {listed} listed versions of ranged entries, {outside} outside the ranges")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
