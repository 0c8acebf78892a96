"""Writes the "Advisories" section of bench/RESULTS.md from what bench/advisories/run.sh
measured: hyperfine exports, compare.py documents, the local API's request counts.

The section sits between two marker comments and replaces the previous one in place, or is
appended when there is none, so the rest of RESULTS.md (bench/report.py's part) is kept.
Ratios are mean(other tool) / mean(tend), as in bench/report.py, whose helpers it reuses.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
from pathlib import Path

BEGIN = "<!-- advisories: begin (bench/advisories/run.sh writes this section) -->"
END = "<!-- advisories: end -->"
GOAL_COLD_BUILD = 0.3
GOAL_PINS_1000 = 0.020

bench = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_report", bench / "report.py")
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)


# Shared with the other benchmarks' reports (bench/report.py).
read_json = base.read_json
read_text = base.read_text


def seconds(result) -> str:
    return f"{result['mean'] * 1000:.1f} ms" if result["mean"] < 1 else f"{result['mean']:.2f} s"


def stats_delta(before: dict, after: dict) -> str:
    keys = sorted(set(before) | set(after))
    parts = [f"{after.get(key, 0) - before.get(key, 0)} × {key}" for key in keys
             if after.get(key, 0) - before.get(key, 0)]
    return ", ".join(parts) or "none"


def findings_section(results: Path) -> list[str]:
    compare = read_json(results / "compare-seed.json")
    if compare is None:
        return ["No findings comparison (compare-seed.json missing)."]
    lines = [
        f"Reference (the OSV evaluation of `bench/advisories/osv_data.py`, which the local API "
        f"answers with): {compare['reference']['groups']} advisories "
        f"({compare['reference']['records']} records) in "
        f"{compare['reference']['vulnerable_packages']} of the venv's {compare['pins']} "
        "distributions (`pip freeze --all`).",
        "",
        "| tool | exit | audited | findings | advisories (alias groups) | records | vulnerable packages | agrees |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    status_files = {"pip-audit": "pip-audit.status", "uv audit": "uv-audit.status",
                    "tend audit": "tend-audit.status",
                    "tend audit --service osv": "tend-audit-online.status"}
    online = read_json(results / "compare-online.json")
    tools = dict(compare["tools"])
    if online and "tend audit" in online.get("tools", {}):
        tools["tend audit --service osv"] = online["tools"]["tend audit"]
    elif (results / "tend-audit-online.stderr").exists():
        message = read_text(results / "tend-audit-online.stderr").splitlines()
        tools["tend audit --service osv"] = {
            "error": "no report: " + (message[0] if message else "no output")
        }
    differences = []
    for tool, entry in tools.items():
        status = read_text(results / status_files[tool]) if status_files.get(tool) else ""
        if "error" in entry:
            lines.append(f"| {tool} | {status} | | | | | | **{entry['error']}** |")
            continue
        lines.append(
            f"| {tool} | {status} | {entry['audited']} | {entry['findings']} | {entry['groups']} "
            f"| {entry['records']} | {entry['vulnerable_packages']} | "
            + ("yes" if entry["agrees"] else f"**no: {len(entry['differences'])} differences**")
            + " |"
        )
        for difference in entry["differences"]:
            differences.append((tool, difference))
        if entry.get("not_audited"):
            differences.append((tool, f"not audited: {', '.join(entry['not_audited'])}"))
    if differences:
        lines += ["", "Differences from the reference (who is right: the reference follows the "
                  "OSV schema's evaluation; check each by hand before trusting either side):", ""]
        lines += [f"- {tool}: `{json.dumps(difference)}`" for tool, difference in differences]
    before = read_json(results / "stats-before.json", {})
    after_pip = read_json(results / "stats-pip-audit.json", {})
    after_uv = read_json(results / "stats-uv-audit.json", {})
    lines += [
        "",
        "Requests each tool sent to the local OSV API (first run, empty caches): "
        f"pip-audit {stats_delta(before, after_pip)}; uv audit {stats_delta(after_pip, after_uv)}"
        + (
            f"; tend audit --service osv {stats_delta(after_uv, read_json(results / 'stats-tend-online.json', {}))}"
            if (results / "stats-tend-online.json").exists()
            else ""
        )
        + ".",
    ]
    return lines


def pins_findings(results: Path) -> list[str]:
    lines = []
    for path in sorted(results.glob("compare-*.json")):
        if path.name in ("compare-seed.json", "compare-online.json"):
            continue
        document = read_json(path, {})
        entry = document.get("tools", {}).get("tend audit")
        if entry is None:
            continue
        label = path.stem.removeprefix("compare-")
        if label.startswith("syn20-"):
            label = f"`{label.removeprefix('syn20-')}.txt` on the 20× database"
        else:
            label = f"`{label}.txt` on the real database"
        if "error" in entry:
            lines.append(f"- {label}: **{entry['error']}**")
            continue
        verdict = "agrees with the reference" if entry["agrees"] else (
            f"**{len(entry['differences'])} differences** (first: "
            f"`{json.dumps(entry['differences'][:3])}`)"
        )
        lines.append(
            f"- {label}: {document['pins']} pins, reference {document['reference']['groups']} "
            f"advisories in {document['reference']['vulnerable_packages']} pins; tend "
            f"{entry['groups']} advisories in {entry['vulnerable_packages']} pins, "
            f"{len(entry['not_audited'])} not audited; {verdict}."
        )
    return lines


def goals(results: Path) -> list[str]:
    seed = base.load_hyperfine(results / "seed-env.json")
    database = base.load_hyperfine(results / "db-update.json")
    pins = base.load_hyperfine(results / "pins.json")
    rows = ["| goal | measured | verdict |", "| --- | --- | --- |"]
    cold = database.get("tend db update (2,661 YAML records)")
    if cold:
        rows.append(
            f"| cold index build from the 2,661 YAML records < {GOAL_COLD_BUILD * 1000:.0f} ms "
            f"| {seconds(cold)} | {'**met**' if cold['mean'] < GOAL_COLD_BUILD else '**NOT met**'} |"
        )
    warm = pins.get("tend audit real-1000.txt (real database)")
    if warm:
        rows.append(
            f"| warm audit of 1,000 pins < {GOAL_PINS_1000 * 1000:.0f} ms | {seconds(warm)} | "
            f"{'**met**' if warm['mean'] < GOAL_PINS_1000 else '**NOT met**'} |"
        )
    for tend_name in ("tend audit (local database)", "tend audit --service osv"):
        for other in ("pip-audit -s osv", "uv audit"):
            outcome = base.verdict(seed, tend_name, other, 1.0)
            if outcome:
                value, spread, met = outcome
                rows.append(f"| `{tend_name}` faster than `{other}` on the seed venv | "
                            f"{value:.2f} ± {spread:.2f}× | {met} |")
    small = pins.get("tend audit real-10000.txt (real database)")
    large = pins.get("tend audit real-10000.txt (20x database)")
    if small and large:
        growth, spread = base.ratio(large, small)
        rows.append(
            "| same 10,000 pins (same records touched) on a 20× database: cost grows no faster "
            f"than the records touched (≈ 1×) | {growth:.2f} ± {spread:.2f}× | "
            f"{'**met**' if growth - spread <= 1.5 else '**NOT met**'} (≤ 1.5× allowed) |"
        )
    if len(rows) == 2:
        rows.append("| – | tend not measured | – |")
    return rows


def section(arguments) -> str:
    results, data = arguments.results, arguments.data
    manifest = read_json(data / "manifest.json", {})
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        BEGIN,
        "## Advisories (issue 4): `tend audit` vs `pip-audit` vs `uv audit`",
        "",
        f"Written by `bench/advisories/run.sh` on {now}; regenerate rather than edit. How to "
        "run it: `bench/advisories/README.md`.",
        "",
        f"- tend: {arguments.tend_version}"
        + (", release build" if arguments.tend_version != "none" else " (not measured)"),
        f"- {arguments.pip_audit_version.replace(' (python', ' (Python')} and "
        f"{arguments.uv_version}, from PyPI, pinned in `bench/setup.sh`; both pointed at a local "
        "OSV API on 127.0.0.1 (`bench/advisories/osv_server.py`, Python, records in memory) "
        "serving the same records; nothing reaches the internet",
        f"- {arguments.hyperfine_version}, `-N`, {3} warm-up runs; warm page cache",
        f"- Data (`bench/advisories/make_data.py`): the PyPA advisory database "
        f"({manifest.get('records', {}).get('real', '?')} records), a 20× synthetic one "
        f"({manifest.get('records', {}).get('syn20', '?')} records: 19 renamed copies added), "
        f"pins drawn with seed {manifest.get('seed', '?')} from the (package, version) pairs "
        "each lists",
        "- Real environment: `bench/.work/seed-env` (the seeds' Flask stack); uv audits "
        "`bench/.work/seed-project`, a uv project locking exactly the venv's distributions",
    ]
    load = results / "load.txt"
    if load.exists():
        out.append("- Load average when each group started:")
        for line in load.read_text(encoding="utf-8").splitlines():
            group, _, figures = line.partition(": ")
            out.append(f"  - {group}: {' / '.join(figures.split()[:3])} (1 / 5 / 15 min)")
    out += ["", "### Goals", ""] + goals(results)
    out += ["", "### Findings on the seed venv (before timing)", ""] + findings_section(results)
    pins = pins_findings(results)
    if pins:
        out += ["", "### tend's findings on the pins", ""] + pins
    tables = (
        ("seed-env", "Audit of the seed venv (warm caches)", ["tend audit (local database)",
                                                              "tend audit --service osv"]),
        ("seed-env-cold", "Online audits with empty caches", ["tend audit --service osv (empty cache)"]),
        ("db-update", "Cold index build (`tend db update`, cache directory removed before each run)", []),
        ("pins", "Audit of pins (`-r`, no environment, local database)", []),
    )
    for name, title, references in tables:
        results_of = base.load_hyperfine(results / f"{name}.json")
        if results_of:
            out += ["", f"### {title}", ""] + base.timing_table(results_of, references)
    out.append(END)
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--tend-version", required=True)
    parser.add_argument("--pip-audit-version", required=True)
    parser.add_argument("--uv-version", required=True)
    parser.add_argument("--hyperfine-version", required=True)
    arguments = parser.parse_args()

    text = section(arguments)
    existing = read_text(arguments.output) + "\n" if arguments.output.exists() else ""
    if BEGIN in existing and END in existing:
        head, _, rest = existing.partition(BEGIN)
        _, _, tail = rest.partition(END)
        updated = head + text.rstrip("\n") + tail
    else:
        updated = existing + ("\n" if existing else "") + text
    arguments.output.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
