"""Compares the findings of tend, pip-audit and uv audit with each other and with the reference
(the OSV evaluation in `osv_data.py`, which the local OSV API also answers with).

Every tool's output is reduced to, per audited (name, version): the set of advisory *groups*
found, a group being records that alias each other (PYSEC / GHSA / CVE ids linked through
`aliases`, keyed by the smallest record id), so that a tool that merges aliases (pip-audit,
tend) and one that lists every record (uv) are compared like for like. The set of record ids
is reported too.

    bench/.work/tools/bin/python bench/advisories/compare.py --database SOURCE \
        --inventory FILE [--pip-audit FILE] [--uv FILE] [--tend FILE] [--output FILE]

--inventory is a `name==version` list (`pip freeze --all`, a pins file): the reference answers
for exactly those pins. --pip-audit is `pip-audit -f json`, --uv is
`uv audit --output-format json`, --tend is `tend audit --format json` (schema_version 1).
Prints a summary for people on stderr and writes one JSON document (stdout or --output) that
report.py reads. Exit 0 when every given tool agrees with the reference on every package both
audited, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from osv_data import Database, alias_groups, normalise_name, parse_version  # noqa: E402

try:
    from packaging.utils import canonicalize_version
except ImportError:  # pragma: no cover - outside the tools venv
    from pip._vendor.packaging.utils import canonicalize_version

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*===?\s*([^\s;#]+)")


def normalise_version(text: str) -> str:
    """PEP 440-equal versions (`2.3`, `2.3.0`, `2.3.0.0`) become one text."""
    parsed = parse_version(text)
    if parsed is None:
        return text.strip()
    return canonicalize_version(parsed)


def key(name: str, version: str) -> tuple[str, str]:
    return normalise_name(name), normalise_version(str(version))


def read_inventory(path: Path) -> list[tuple[str, str]]:
    pins = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins.append(key(match.group(1), match.group(2)))
    return sorted(set(pins))


def from_pip_audit(document) -> tuple[dict, list]:
    found, skipped = {}, []
    for dependency in document.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped.append(normalise_name(dependency["name"]))
            continue
        found[key(dependency["name"], dependency["version"])] = [
            [vuln["id"], *vuln.get("aliases", [])] for vuln in dependency.get("vulns", [])
        ]
    return found, skipped


def from_uv(document) -> tuple[dict, list]:
    # uv lists only vulnerable dependencies; its audited count is in the summary.
    found = {}
    for vuln in document.get("vulnerabilities", []):
        dependency = vuln["dependency"]
        found.setdefault(key(dependency["name"], dependency["version"]), []).append(
            [vuln["id"], *vuln.get("aliases", [])]
        )
    return found, []


def from_tend(document) -> tuple[dict, list]:
    found = {}
    for package in document.get("vulnerable", []):
        target = package["target"]
        found[key(target["name"], target["version"])] = [
            [finding["id"], *finding.get("aliases", [])] for finding in package.get("findings", [])
        ]
    skipped = [normalise_name(entry["name"]) for entry in document.get("not_audited", [])]
    return found, skipped


READERS = {"pip-audit": from_pip_audit, "uv audit": from_uv, "tend audit": from_tend}


def audited_count(tool: str, document, found) -> int | None:
    if tool == "pip-audit":
        return sum(1 for dependency in document.get("dependencies", []) if "skip_reason" not in dependency)
    if tool == "uv audit":
        return document.get("summary", {}).get("audited_packages")
    if tool == "tend audit":
        return document.get("audited")
    return len(found)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", type=Path, action="append", required=True)
    parser.add_argument("--inventory", type=Path, required=True)
    parser.add_argument("--include-withdrawn", action="store_true")
    parser.add_argument("--output", type=Path)
    for tool in READERS:
        parser.add_argument(f"--{tool.split()[0]}", type=Path, dest=tool.split()[0].replace("-", "_"))
    arguments = parser.parse_args()

    database = Database.load(arguments.database, include_withdrawn=arguments.include_withdrawn)
    group_of = alias_groups(database.records)
    pins = read_inventory(arguments.inventory)

    def groups(id_lists) -> dict[str, list[str]]:
        """Group key -> the database record ids the tool named for it."""
        result: dict[str, set] = {}
        for ids in id_lists:
            known = [group_of[i] for i in ids if i in group_of]
            group = min(known) if known else f"unknown:{ids[0]}"
            result.setdefault(group, set()).update(i for i in ids if i in database.by_id)
        return {group: sorted(records) for group, records in result.items()}

    reference = {}
    for name, version in pins:
        ids = database.affecting_ids(name, version)
        if ids:
            reference[(name, version)] = groups([[i, *database.records[database.by_id[i]].get("aliases", [])] for i in ids])

    report = {
        "inventory": str(arguments.inventory),
        "pins": len(pins),
        "database": database.summary(),
        "reference": {
            "vulnerable_packages": len(reference),
            "groups": sum(len(value) for value in reference.values()),
            "records": sum(len({r for records in value.values() for r in records}) for value in reference.values()),
        },
        "tools": {},
    }
    print(
        f"reference: {report['reference']['groups']} advisories ({report['reference']['records']} "
        f"records) in {len(reference)} of {len(pins)} pins",
        file=sys.stderr,
    )
    disagreements = 0
    for tool in READERS:
        path = getattr(arguments, tool.split()[0].replace("-", "_"))
        if path is None:
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            found, skipped = READERS[tool](document)
        except (OSError, ValueError, KeyError, TypeError) as error:
            report["tools"][tool] = {"error": f"cannot read {path}: {error}"}
            print(f"{tool}: cannot read {path}: {error}", file=sys.stderr)
            disagreements += 1
            continue
        found_groups = {pin: groups(id_lists) for pin, id_lists in found.items() if id_lists}
        pins_set = set(pins)
        names_in_inventory = {name for name, _ in pins}
        differences = []
        for pin in sorted(set(reference) | set(found_groups)):
            expected = reference.get(pin, {})
            got = found_groups.get(pin, {})
            if pin not in pins_set:
                differences.append({
                    "package": f"{pin[0]}=={pin[1]}", "kind": "not in the inventory",
                    "only_tool": sorted(got),
                })
                continue
            if pin[0] in skipped:
                differences.append({
                    "package": f"{pin[0]}=={pin[1]}", "kind": "not audited by the tool",
                    "only_reference": sorted(expected),
                })
                continue
            only_tool = sorted(set(got) - set(expected))
            only_reference = sorted(set(expected) - set(got))
            if only_tool or only_reference:
                differences.append({
                    "package": f"{pin[0]}=={pin[1]}", "kind": "different advisories",
                    "only_tool": only_tool, "only_reference": only_reference,
                })
        tool_names = {name for name, _ in found}
        entry = {
            "audited": audited_count(tool, document, found),
            "vulnerable_packages": len(found_groups),
            "findings": sum(len(id_lists) for id_lists in found.values()),
            "groups": sum(len(value) for value in found_groups.values()),
            "records": sum(len({r for records in value.values() for r in records}) for value in found_groups.values()),
            "not_audited": sorted(set(skipped)),
            "outside_inventory": sorted(tool_names - names_in_inventory),
            "differences": differences,
            "agrees": not differences,
        }
        report["tools"][tool] = entry
        disagreements += bool(differences)
        print(
            f"{tool}: {entry['findings']} findings = {entry['groups']} advisories "
            f"({entry['records']} records) in {entry['vulnerable_packages']} packages, "
            f"{entry['audited']} audited; "
            + ("agrees with the reference" if not differences else f"{len(differences)} differences"),
            file=sys.stderr,
        )
        for difference in differences:
            print(f"  {difference}", file=sys.stderr)

    text = json.dumps(report, indent=2) + "\n"
    if arguments.output:
        arguments.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
