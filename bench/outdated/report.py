"""Writes the "Outdated" section of bench/RESULTS.md from what bench/outdated/run.sh measured:
hyperfine exports, compare.py documents, the index probe.

The section sits between two marker comments and replaces the previous one in place, or is
appended when there is none, so the rest of RESULTS.md (the other benchmarks' sections) is
kept. Ratios are mean(other tool) / mean(tend), as in bench/report.py, whose helpers it reuses.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
from pathlib import Path

BEGIN = "<!-- outdated: begin (bench/outdated/run.sh writes this section) -->"
END = "<!-- outdated: end -->"
# Issue 5's goals, as ratios mean(uv) / mean(tend).
GOAL_COLD_VS_UV = 1.0
GOAL_WARM_VS_UV = 10.0
TEND = {"cold": "tend outdated (empty cache)", "warm": "tend outdated (cache)"}
UV = {"cold": "uv pip list --outdated (empty cache)", "warm": "uv pip list --outdated (cache)"}
PIP = {"cold": "pip list --outdated (no cache)", "warm": "pip list --outdated (cache)"}
TITLES = {
    "seed-env": "`bench/.work/seed-env` (the seeds' 2022 Flask stack)",
    "large": "`bench/.work/large` (`bench/requirements-large.txt`)",
}

bench = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_report", bench / "report.py")
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)


# Shared with the other benchmarks' reports (bench/report.py).
read_json = base.read_json
read_text = base.read_text


def timings(results: Path, environment: str, cache: str) -> dict:
    """pip's group and the uv + tend group of one environment and cache state, merged."""
    merged = {}
    for suffix in ("-pip", ""):
        merged.update(base.load_hyperfine(results / f"{environment}-{cache}{suffix}.json"))
    return merged


def index_lines(probe, index_url: str) -> list[str]:
    if not probe or "pages" not in probe:
        return [f"- Index: `{index_url}`, the live public index (the probe of it failed)."]
    handshake = [page["tls_ms"] for page in probe["pages"] if "tls_ms" in page]
    caching = probe.get("caching_headers") or []
    lines = [
        f"- Index: `{probe['index']}`, the **live public index** at its usual address, over "
        "the network (nothing in the benchmark stands in for it); every tool is given it with "
        "`--index-url`. As this machine reaches it (through whatever this network puts in "
        f"between): HTTP/{'/'.join(probe.get('http_versions') or ['?'])}, a TLS handshake of "
        f"≈ {min(handshake):.0f} ms, a project page ≈ {probe.get('median_after_handshake_ms') or 0:.0f} ms "
        "after it (median of "
        + ", ".join(f"`{page['url'].rstrip('/').rsplit('/', 1)[-1]}`" for page in probe["pages"])
        + "). Round trips are short here; over a slower link every tool's cold run takes "
        "longer, pip's most (it asks one page at a time).",
    ]
    if caching:
        lines.append(f"- Caching headers on its project pages: {', '.join(f'`{h}`' for h in caching)}.")
    else:
        lines.append(
            "- Caching headers on its project pages: **none** (no `Cache-Control`, `ETag`, "
            "`Last-Modified` or `Expires`; the public index normally sends at least "
            "`Cache-Control` and `ETag` there, so something between it and this machine drops "
            "them). Consequences: pip stores nothing, so its \"cache\" runs fetch every page "
            "again; uv keeps the pages but revalidates every one on `pip list --outdated`, and "
            "with no validator a revalidation is a full fetch; tend serves a page from its "
            "cache only while it counts as fresh (how many requests its second run still sent "
            "is under \"Latest versions\" below). With `ETag`s, the revalidations would be 304s."
        )
    return lines


def agreement(results: Path, environment: str) -> list[str]:
    compare = read_json(results / environment / "compare.json")
    if compare is None:
        return [f"- {environment}: no comparison (compare.json missing)."]
    lines = []
    for tool, entry in compare["tools"].items():
        if "error" in entry:
            lines.append(f"- {environment}, `{tool}`: **{entry['error']}**")
            continue
        verdict = (
            "**agrees with pip** on every package"
            if entry["agrees"]
            else f"**differs from pip on {len(entry['differences'])} packages**"
        )
        extra = []
        if entry.get("unknown"):
            extra.append(f"unknown to the index: {', '.join(entry['unknown'])}")
        if entry.get("not_checked"):
            extra.append(f"not checked: {', '.join(entry['not_checked'])}")
        if entry.get("current_mismatch"):
            extra.append(f"current version not pip's: {', '.join(entry['current_mismatch'])}")
        lines.append(
            f"- {environment}, `{tool}`: {entry['outdated']} outdated (pip: "
            f"{compare['pip']['outdated']}); the same answer as pip for {entry['agree']} of "
            f"{compare['installed']} installed distributions; {verdict}"
            + (f" ({'; '.join(extra)})" if extra else "")
            + "."
        )
        for difference in entry["differences"]:
            other = tool.split()[0]
            lines.append(
                f"  - `{difference['package']}` {difference['installed'] or ''}: pip "
                f"{difference['pip'] or 'nothing newer'}, {other} "
                f"{difference.get(other) or 'nothing newer'}: {difference['explanation']}."
            )
    tend_runs = []
    for name, label in (("tend-outdated.json", "first run, empty cache"),
                        ("tend-outdated-warm.json", "second run")):
        data = (read_json(results / environment / name) or {}).get("data")
        if data:
            tend_runs.append(
                f"{label}: {data.get('requests')} requests, {data.get('from_cache')} pages from the cache"
            )
    if tend_runs:
        lines.append(f"- {environment}, what `tend outdated` reports it did: {'; '.join(tend_runs)}.")
    status = read_text(results / environment / "tend.status")
    if status and status != "0":
        message = read_text(results / environment / "tend.stderr").splitlines()
        lines.append(f"- {environment}: `tend outdated` exited with {status}"
                     + (f": `{message[0]}`" if message else "") + ".")
    return lines


def goals(results: Path, environments: list[str]) -> list[str]:
    rows = [
        "| environment | cache | `uv` ÷ `tend` | goal | verdict | `pip` ÷ `tend` |",
        "| --- | --- | ---: | --- | --- | ---: |",
    ]
    for environment in environments:
        for cache, goal in (("cold", GOAL_COLD_VS_UV), ("warm", GOAL_WARM_VS_UV)):
            measured = timings(results, environment, cache)
            tend = measured.get(TEND[cache])
            if tend is None:
                rows.append(f"| {environment} | {cache} | – | ≥ {goal:g}× | tend not measured | – |")
                continue
            outcome = base.verdict(measured, TEND[cache], UV[cache], goal)
            pip = base.verdict(measured, TEND[cache], PIP[cache], 0.0)
            uv_cell = f"{outcome[0]:.2f} ± {outcome[1]:.2f}" if outcome else "–"
            pip_cell = f"{pip[0]:.1f} ± {pip[1]:.1f}" if pip else "–"
            verdict = outcome[2] if outcome else "–"
            if outcome and outcome[2] == "**met**" and outcome[0] - outcome[1] < goal:
                verdict += " (within its ±)"
            rows.append(f"| {environment} | {cache} | {uv_cell} | ≥ {goal:g}× | {verdict} | {pip_cell} |")
    return rows


def section(arguments) -> str:
    results = arguments.results
    probe = read_json(results / "probe.json")
    info = base.machine()
    # When run.sh started measuring (a rerun of this script alone keeps the date of the data).
    now = read_text(results / "started.txt") or datetime.datetime.now(
        datetime.timezone.utc
    ).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        BEGIN,
        "## Outdated (issue 5): `tend outdated` vs `pip list --outdated` vs `uv pip list --outdated`",
        "",
        f"Written by `bench/outdated/run.sh` on {now}; regenerate rather than edit. How to run "
        "it: `bench/outdated/README.md`.",
        "",
        *index_lines(probe, arguments.index_url),
        f"- Machine: {info['CPU']}; nproc {info['nproc']}; {info['Memory']}; {info['OS']}",
        f"- tend: {arguments.tend_version}"
        + (", release build" if arguments.tend_version != "none" else " (not measured)"),
        f"- {arguments.uv_version} (pinned in `bench/setup.sh`); {arguments.pip_version} (each "
        f"venv's own); {arguments.hyperfine_version}, `-N`: uv and tend {arguments.warmup} "
        f"warm-up runs and at least {arguments.runs} timed runs, pip 1 warm-up and "
        f"{arguments.pip_runs} timed runs (it takes seconds per run)",
        "- Cold: pip with `--no-cache-dir`; uv and tend with their cache directory removed "
        "before every run (hyperfine `--prepare`). Warm: each tool's own cache directory, "
        "filled by the comparison run and the warm-up runs just before.",
        "- tend reads an empty project directory with `--venv`, so only the environment "
        "(as in `bench/run.sh`).",
    ]
    for environment in arguments.environments:
        compare = read_json(results / environment / "compare.json", {})
        out.append(
            f"- {environment}: {TITLES.get(environment, environment)}, "
            f"{compare.get('installed', '?')} distributions (`pip list`), "
            f"{compare.get('pip', {}).get('outdated', '?')} of them outdated according to pip"
        )
    load = results / "load.txt"
    if load.exists():
        out.append("- Load average when each group started:")
        for line in load.read_text(encoding="utf-8").splitlines():
            group, _, figures = line.partition(": ")
            out.append(f"  - {group}: {' / '.join(figures.split()[:3])} (1 / 5 / 15 min)")
    out += [
        "",
        "### Goals",
        "",
        f"Ratio = mean time of the other tool ÷ mean time of tend. Goals: cold no slower than "
        f"uv (≥ {GOAL_COLD_VS_UV:g}×), warm {GOAL_WARM_VS_UV:g}× faster than uv. pip has no "
        "goal; its ratio is shown.",
        "",
        *goals(results, arguments.environments),
        "",
        "### Latest versions compared with pip",
        "",
        "For every installed distribution, the newer version each tool reports (or none), "
        "against `pip list --outdated --format json` (`bench/outdated/compare.py`; differences "
        "explained from the index's project page).",
        "",
    ]
    for environment in arguments.environments:
        out += agreement(results, environment)
    for environment in arguments.environments:
        for cache, title in (("cold", "empty caches"), ("warm", "warm caches")):
            measured = timings(results, environment, cache)
            if measured:
                out += ["", f"### {environment}, {title}", ""]
                out += base.timing_table(measured, [TEND[cache]])
    out.append(END)
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--index-url", required=True)
    parser.add_argument("--tend-version", required=True)
    parser.add_argument("--uv-version", required=True)
    parser.add_argument("--pip-version", required=True)
    parser.add_argument("--hyperfine-version", required=True)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--pip-runs", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("environments", nargs="+")
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
