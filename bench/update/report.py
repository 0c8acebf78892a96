"""Writes the "Update cycle" section of bench/RESULTS.md from what bench/update/run.sh
measured: the hyperfine exports, compare.py's document, tend's JSON reports.

The section sits between two marker comments and replaces the previous one in place, or is
appended (bench/report.py's write_section), so the other benchmarks' sections are kept.
Ratios are mean(manual pip cycle) / mean(tend update), as in bench/report.py, whose helpers
it reuses.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
from pathlib import Path

BEGIN = "<!-- update: begin (bench/update/run.sh writes this section) -->"
END = "<!-- update: end -->"
GOAL = 5.0  # issue 7: tend 5x faster end to end than the manual cycle
TEND = "tend update"
MANUAL = "manual pip cycle"

bench = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_report", bench / "report.py")
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)


# Shared with the other benchmarks' reports (bench/report.py).
read_json = base.read_json
read_text = base.read_text


def tend_report(path: Path):
    report = read_json(path)
    if report is None:
        return None
    return report.get("data", report)


def correctness(results: Path) -> list[str]:
    compare = read_json(results / "compare.json", {})
    report = tend_report(results / "tend-update.json") or {}
    lines = []
    tend_status = read_text(results / "tend.status", "?")
    manual_status = read_text(results / "manual.status", "?")
    lines.append(
        f"- The comparison run (it also fills the warm caches; one run each, started at once, "
        f"without waiting for a quiet machine, so its seconds are not the measurement): `tend update` "
        f"exited {tend_status} in {read_text(results / 'tend.seconds', '?')} s, keeping "
        f"{len(report.get('kept', []))} updates and holding back "
        f"{len(report.get('held_back', []))}, in {len(report.get('trials', []))} trial(s); "
        f"the manual cycle exited {manual_status} in {read_text(results / 'manual.seconds', '?')} s."
    )
    if "error" in compare:
        lines.append(f"- **⚠ NO COMPARISON: {compare['error']}**")
        return lines
    updated = compare.get("updated", [])
    same = [entry for entry in updated if entry["same"]]
    if compare.get("ok"):
        lines.append(
            f"- **Same versions**: for all {len(updated)} updated packages, the version tend "
            "wrote into `requirements.txt` equals the one in the manual cycle's `pip freeze` "
            "(names PEP 503-normalised, versions PEP 440-normalised)."
        )
    else:
        lines.append(
            f"- **⚠ MISMATCH**: {len(same)} of {len(updated)} updated packages have the same "
            "version in tend's `requirements.txt` and in pip's freeze; the others:"
        )
        for entry in updated:
            if not entry["same"]:
                lines.append(
                    f"  - `{entry['name']}`: tend kept {entry['to']}, wrote "
                    f"{entry['tend_file'] or 'nothing'}; pip froze {entry['pip_freeze'] or 'nothing'}"
                )
    others = compare.get("other_differences", [])
    if others:
        lines.append(
            f"- Other packages whose version differs between tend's `requirements.txt` and "
            f"pip's freeze ({len(others)}; not updates tend kept, so not part of the check): "
            + ", ".join(
                f"`{entry['name']}` (before {entry['requirements_before'] or '–'}, tend "
                f"{entry['tend_file'] or '–'}, pip {entry['pip_freeze'] or '–'})"
                for entry in others
            )
            + "."
        )
    else:
        lines.append(
            f"- Every other pin agrees too: tend's `requirements.txt` ({compare.get('tend_pins')} "
            f"pins) and pip's freeze ({compare.get('pip_freeze_pins')}) name the same versions."
        )
    for held in compare.get("held_back", []):
        lines.append(f"- Held back by tend after a trial: `{held['update']}`: {held['reason']}")
    plan = read_json(results / "plan.json") or {}
    preflight = (plan.get("data") or plan).get("preflight") or {}
    if preflight.get("held_back"):
        lines.append(
            f"- Held back by tend's pre-flight resolution before any trial (they do not resolve "
            f"with the rest; neither cycle updates them): "
            + ", ".join(f"`{name}`" for name in preflight["held_back"])
            + "."
        )
    pip_check = read_text(results / "pip-check.txt")
    lines.append(f"- `pip check` in the manual cycle's venv: `{pip_check or '(no output)'}`.")
    if updated:
        lines.append(
            "- The updates (old → new): "
            + ", ".join(f"{entry['name']} {entry['from']} → {entry['to']}" for entry in updated)
            + "."
        )
    return lines


def where_time_goes(results: Path, cache: str, measured: dict) -> list[str]:
    report = tend_report(results / f"tend-update-{cache}-last.json")
    if report is None or TEND not in measured:
        return []
    mean = measured[TEND]["mean"]
    rows = [
        "| step | seconds | share of the mean |",
        "| --- | ---: | ---: |",
    ]
    accounted = 0.0
    for trial in report.get("trials", []):
        label = f"trial {trial['number']}"
        steps = [("install (uv pip install, new venv's set)", trial["install"])]
        steps += [
            (f"gate `{gate['gate']}`", gate["step"]) for gate in trial.get("gates", []) if gate.get("step")
        ]
        for name, step in steps:
            accounted += step["seconds"]
            rows.append(f"| {label}: {name} | {step['seconds']:.2f} | {step['seconds'] / mean:.0%} |")
    rest = mean - accounted
    rows.append(
        f"| the rest: plan (index pages), pre-flight resolution, snapshot, trial venv creation, "
        f"`check`, write-back, history store | {rest:.2f} | {rest / mean:.0%} |"
    )
    plan = read_text(results / "plan.seconds")
    plain = read_text(results / "plan--no-preflight.seconds")
    plan_report = read_json(results / "plan.json") or {}
    preflight = (plan_report.get("data") or plan_report).get("preflight") or {}
    if plan and plain:
        rows.append(
            f"| of which, measured apart (one run each, warm caches): `tend plan` {plan} s, "
            f"`tend plan --no-preflight` {plain} s; the pre-flight resolution (`uv pip compile`; "
            f"status `{preflight.get('status', '?')}`, {preflight.get('items', '?')} items, "
            f"{len(preflight.get('held_back') or [])} held back) is the difference | "
            f"{float(plan) - float(plain):.2f} | {(float(plan) - float(plain)) / mean:.0%} |"
        )
    notes = []
    if preflight.get("status") == "held-back":
        items = (preflight.get("items") or 0) + len(preflight.get("held_back") or [])
        notes = [
            "",
            "The pre-flight resolution found that the plan's items do not resolve all together, "
            "so (as `crates/tend-cli/src/commands/preflight.rs` documents) it resolved the base "
            f"alone and then found the misfits among the {items} items by halving: two "
            "`uv pip compile` runs that ask the index (about a second each on this network, "
            "which strips the index's caching headers, so uv revalidates every page and rebuilds "
            "the metadata of the one source distribution, Flask-Mail 0.9.1), then the halving's "
            "runs answered offline from what those two fetched (milliseconds each).",
        ]
    return [
        "",
        f"Where `tend update`'s time goes ({cache} caches; the steps its JSON report times, from "
        f"the last timed run, against the mean of {mean:.2f} s):",
        "",
        *rows,
        *notes,
    ]


def verdict_lines(results: Path, groups) -> list[str]:
    """The goal in words, and what the pre-flight resolution's share says about it."""
    lines = []
    plan, plain = read_text(results / "plan.seconds"), read_text(results / "plan--no-preflight.seconds")
    for cache, measured in groups:
        outcome = base.verdict(measured, TEND, MANUAL, GOAL)
        if outcome is None:
            continue
        value, _, met = outcome
        tend_mean, manual_mean = measured[TEND]["mean"], measured[MANUAL]["mean"]
        text = (
            f"- {cache} caches: the goal is {'met' if met == '**met**' else '**not met**'}: "
            f"`tend update` takes {tend_mean:.1f} s, the manual pip cycle {manual_mean:.1f} s "
            f"({'tend faster' if value >= 1 else 'tend slower'}, {value:.2f}×)."
        )
        if plan and plain:
            preflight = float(plan) - float(plain)
            rest = tend_mean - preflight
            if 0 < rest < tend_mean:
                text += (
                    f" Its pre-flight resolution alone took {preflight:.1f} s when measured apart (warm caches); "
                    f"without it tend would take about {rest:.1f} s, {manual_mean / rest:.1f}× "
                    "faster than the manual cycle (an estimate from the difference, not a "
                    "measured run)."
                )
        lines.append(text)
    return [""] + lines if lines else []


def section(arguments) -> str:
    results = arguments.results
    info = base.machine()
    now = read_text(results / "started.txt") or datetime.datetime.now(
        datetime.timezone.utc
    ).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        BEGIN,
        "## Update cycle (issue 7): `tend update` vs the seeds' monthly cycle by hand with pip",
        "",
        f"Written by `bench/update/run.sh` on {now}; regenerate rather than edit. How to run "
        "it: `bench/update/README.md`.",
        "",
        f"- Index: `{arguments.index_url}`, the **live public package index**, over the network, "
        "for both cycles (`--index-url` on every command).",
        f"- Machine: {info['CPU']}; nproc {info['nproc']}; memory {info['Memory']}; {info['OS']}",
        f"- tend: {arguments.tend_version}, release build; its trials install with "
        f"{arguments.uv_version} (`TEND_UV`, pinned in `bench/setup.sh`)",
        f"- Manual cycle: {arguments.pip_version} (the venv's own) and {arguments.python_version}; "
        f"{arguments.hyperfine_version}, `-N`",
        "- The environment: a copy of `bench/.work/seed-env` (the seeds' 2022 Flask stack, "
        "`../shared/envs/seed-env-requirements.txt`, 58 pins); the project: those pins as "
        "`requirements.txt`, `bench/update/project/tend.toml` (one category for every package: "
        "strategy `minor`, `min-age = \"0s\"`, gates `[\"tests\"]`) and "
        "`bench/update/project/smoke.py`, the test both cycles run (`python smoke.py`: a Flask "
        "app with Flask-SQLAlchemy on SQLite, CORS, login, JWT, Fernet, Pillow, requests, "
        "celery; no pytest).",
        "- `tend update --project P --venv V --index-url URL --format json -o FILE` (no "
        "`--apply`: trial venv, check, test gate, write-back; the live venv is not touched, as "
        "the manual cycle does not touch it either).",
        "- Manual cycle (`bench/update/manual-cycle.sh`, as the seed's script): `pip freeze` "
        "backup, `python -m venv`, `pip install -r requirements.txt`, `pip install --upgrade` "
        "of exactly the `name==version`s tend kept, `python smoke.py`, `pip check`, `pip freeze`.",
        "- The manual cycle is handed tend's answer (which versions to go to, all of which "
        "resolve together and pass the test): the work of finding it — tend's plan and "
        "pre-flight resolution, which by hand means `pip list --outdated` and trial and error "
        "— is in tend's time and not in pip's.",
        "- Every timed run starts from the same state: hyperfine `--prepare` copies the "
        "project, the venv and an empty history store back (not timed).",
        "- Caches, the same policy for both: **warm**: uv's cache (tend's trials) and pip's "
        "cache (the manual cycle) kept from the comparison run and the warm-up run — wheels "
        "downloaded and built, what a monthly cycle meets; tend's own index-page cache emptied "
        "before every run (after a month it would be stale; pip and uv revalidate their pages "
        "anyway). **cold**: all three emptied before every run, so pip builds Pillow 9.0.0 and "
        "SQLAlchemy 1.4.25 from source (no wheels for Python 3.11) when it installs the old "
        "requirements, as the cycle asks; tend installs the new versions directly.",
        f"- Runs: warm {arguments.runs} timed runs per cycle after 1 warm-up; "
        + (f"cold {arguments.cold_runs} timed runs." if arguments.cold_runs else "cold not run."),
    ]
    load = results / "load.txt"
    if load.exists():
        out.append("- Load average when each group started (2 cores, shared with other work):")
        for line in load.read_text(encoding="utf-8").splitlines():
            group, _, figures = line.partition(": ")
            out.append(f"  - {group}: {' / '.join(figures.split()[:3])} (1 / 5 / 15 min)")

    out += ["", "### Goal", "", f"Ratio = mean time of the manual pip cycle ÷ mean time of `tend update`. Goal: ≥ {GOAL:g}×.", ""]
    out += ["| caches | `tend update` (s) | manual pip cycle (s) | ratio | goal |", "| --- | ---: | ---: | ---: | --- |"]
    groups = []
    for cache in ("warm", "cold"):
        measured = base.load_hyperfine(results / f"{cache}.json")
        if not measured:
            continue
        groups.append((cache, measured))
        outcome = base.verdict(measured, TEND, MANUAL, GOAL)
        if outcome is None:
            out.append(f"| {cache} | – | – | – | not measured |")
            continue
        value, spread, met = outcome
        out.append(
            f"| {cache} | {measured[TEND]['mean']:.1f} ± {measured[TEND]['stddev'] or 0:.1f} "
            f"| {measured[MANUAL]['mean']:.1f} ± {measured[MANUAL]['stddev'] or 0:.1f} "
            f"| {value:.2f} ± {spread:.2f} | {met} |"
        )
    out += verdict_lines(results, groups)
    out += ["", "### Correctness (before timing)", "", *correctness(results)]
    for cache, measured in groups:
        out += ["", f"### {cache} caches", ""]
        out += base.timing_table(measured, [TEND])
        out += where_time_goes(results, cache, measured)
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
    parser.add_argument("--python-version", required=True)
    parser.add_argument("--hyperfine-version", required=True)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--cold-runs", type=int, required=True)
    arguments = parser.parse_args()
    base.write_section(arguments.output, BEGIN, END, section(arguments))


if __name__ == "__main__":
    main()
