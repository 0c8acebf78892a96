"""Writes bench/RESULTS.md from what run.sh measured (hyperfine JSON exports and guard.py output).

Ratios are mean(other tool) / mean(tend): above 1 means tend is faster. Their ± comes from the
two standard deviations (first-order error propagation), so a ratio within its ± of a goal is
not a clear pass or fail.
"""

import argparse
import csv
import datetime
import json
import math
import os
import platform
from pathlib import Path

GOAL_VS_UV = 1.0
GOAL_VS_PIP = 20.0
ENVIRONMENT_TITLES = {
    "large": "large: `bench/requirements-large.txt` (web, workers, data, notebooks, docs, dev tools)",
    "seed-env": "seed-env: `../shared/envs/seed-env-requirements.txt` (the seeds' Flask banking stack)",
}


def read_json(path, default=None):
    """A JSON file, or `default` when it is missing or not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def read_text(path, default=""):
    """A text file without its surrounding blank space, or `default` when it is missing."""
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        return default


def read_first(path, prefix):
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip() if ":" in line else line
    except OSError:
        pass
    return "unknown"


def machine():
    cpu = read_first("/proc/cpuinfo", "model name")
    family = read_first("/proc/cpuinfo", "cpu family")
    model = read_first("/proc/cpuinfo", "model\t")
    cpu += f" (family {family}, model {model})"
    if " hypervisor" in read_first("/proc/cpuinfo", "flags"):
        cpu += ", virtual machine"
    memory = read_first("/proc/meminfo", "MemTotal")
    try:
        memory = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB"
    except (ValueError, IndexError):
        pass
    os_name = read_first("/etc/os-release", "PRETTY_NAME=").replace("PRETTY_NAME=", "").strip('"')
    return {
        "CPU": cpu,
        "nproc": str(len(os.sched_getaffinity(0))),
        "Memory": memory,
        "OS": f"{os_name}, Linux {platform.release()}",
        "Python": platform.python_version(),
    }


def record_rows(venv):
    """What the integrity check has to do: RECORD rows, rows with a hash, and their bytes."""
    rows = hashed = size = 0
    for record in venv.glob("lib/python*/site-packages/*.dist-info/RECORD"):
        for row in csv.reader(record.read_text(encoding="utf-8").splitlines()):
            if not row:
                continue
            rows += 1
            if len(row) >= 3 and row[1]:
                hashed += 1
                size += int(row[2]) if row[2].isdigit() else 0
    return rows, hashed, size


def load_hyperfine(path):
    try:
        results = json.loads(path.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return {}
    return {result["command"]: result for result in results}


def ms(seconds):
    return f"{seconds * 1000:.1f}"


def ratio(other, tend):
    value = other["mean"] / tend["mean"]
    spread = value * math.hypot(
        other["stddev"] / other["mean"] if other["mean"] else 0.0,
        tend["stddev"] / tend["mean"] if tend["mean"] else 0.0,
    )
    return value, spread


def timing_table(results, reference_names):
    """One row per command; one ratio column per tend command in reference_names."""
    references = [name for name in reference_names if name in results]
    header = "| command | mean ± σ (ms) | min (ms) | max (ms) | runs |"
    rule = "| --- | ---: | ---: | ---: | ---: |"
    for name in references:
        header += f" time ÷ `{name}` |"
        rule += " ---: |"
    lines = [header, rule]
    for name, result in results.items():
        row = (
            f"| `{name}` | {ms(result['mean'])} ± {ms(result['stddev'] or 0.0)} "
            f"| {ms(result['min'])} | {ms(result['max'])} | {len(result['times'])} |"
        )
        for reference in references:
            if reference == name:
                row += " 1 (reference) |"
                continue
            value, spread = ratio(
                {"mean": result["mean"], "stddev": result["stddev"] or 0.0},
                {"mean": results[reference]["mean"], "stddev": results[reference]["stddev"] or 0.0},
            )
            row += f" {value:.2f} ± {spread:.2f} |"
        lines.append(row)
    return lines


def verdict(results, tend_name, other_name, goal):
    if tend_name not in results or other_name not in results:
        return None
    value, spread = ratio(
        {"mean": results[other_name]["mean"], "stddev": results[other_name]["stddev"] or 0.0},
        {"mean": results[tend_name]["mean"], "stddev": results[tend_name]["stddev"] or 0.0},
    )
    met = "**met**" if value >= goal else "**NOT met**"
    return value, spread, met


def guard_failures(environment, guard):
    return [
        f"{environment} {part}"
        for part in ("inventory", "check")
        if guard.get(part) is not None and not guard[part].get("ok")
    ]


def guard_lines(guard):
    lines = []
    inventory = guard.get("inventory")
    check = guard.get("check")
    if inventory is None and check is None:
        return ["tend was not measured (run with `--no-tend`): no guard."]
    if inventory is not None:
        if inventory.get("ok"):
            lines.append(
                f"- Inventory: tend lists the same {inventory['tend']} name==version pairs as "
                "`pip freeze --all` (names PEP 503-normalised, versions PEP 440-normalised)."
            )
        else:
            lines.append("- **⚠ MISMATCH: `tend inventory` and `pip freeze --all` disagree.**")
            for key in ("error", "only_pip", "only_tend", "different_versions"):
                if inventory.get(key):
                    lines.append(f"  - {key}: {inventory[key]}")
    if check is not None:
        if check.get("ok"):
            lines.append(
                f"- Check: `tend check --select requirements` finds {check['tend']} unmet or "
                f"conflicting requirements, `pip check` {check['pip']}"
                + (
                    f"; the same {check['pairs_compared']} (dependent, dependency) pairs."
                    if check.get("pairs_compared")
                    else "."
                )
            )
        else:
            lines.append(
                "- **⚠ MISMATCH: `tend check --select requirements` and `pip check` count "
                "different problems.**"
            )
            for key in ("error", "pip", "tend", "only_pip", "only_tend"):
                if check.get(key):
                    lines.append(f"  - {key}: {check[key]}")
    return lines


def write_section(output, begin, end, text):
    """Puts `text` (which starts with `begin` and ends with `end`) into the file `output` in
    place of the section between the same markers, or appends it when there is none, keeping
    the rest of the file: how the other benchmarks (bench/update/report.py) write their own
    section of RESULTS.md."""
    existing = output.read_text(encoding="utf-8").rstrip("\n") + "\n" if output.exists() else ""
    if begin in existing and end in existing:
        head, _, rest = existing.partition(begin)
        _, _, tail = rest.partition(end)
        updated = head + text.strip("\n") + tail
    else:
        updated = existing + ("\n" if existing else "") + text
    output.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--tend-version", required=True)
    parser.add_argument("--uv-version", required=True)
    parser.add_argument("--pip-version", required=True)
    parser.add_argument("--hyperfine-version", required=True)
    parser.add_argument("environments", nargs="+")
    arguments = parser.parse_args()
    work = arguments.results.parent

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.sh` on {now}; regenerate rather than edit. "
        "How to run it: `bench/README.md`.",
        "",
        "## Machine and tools",
        "",
    ]
    for key, value in machine().items():
        out.append(f"- {key}: {value}")
    out += [
        f"- tend: {arguments.tend_version}"
        + (", release build" if arguments.tend_version != "none" else " (not measured)"),
        f"- {arguments.uv_version} (from PyPI, pinned in `bench/setup.sh`)",
        f"- {arguments.pip_version} (the venvs' own, as `python3 -m venv` bundles it)",
        f"- {arguments.hyperfine_version}, `-N` (no shell), 3 warm-up runs; warm page cache",
        "- Environments installed by `bench/setup.sh` from the live PyPI index (wheels only for "
        "the large one).",
    ]
    load = arguments.results / "load.txt"
    if load.exists():
        out.append("- Load average when each group started (the machine is shared; a busy "
                   "machine slows every tool, not evenly):")
        for line in load.read_text(encoding="utf-8").splitlines():
            group, _, figures = line.partition(": ")
            out.append(f"  - {group}: {' / '.join(figures.split()[:3])} (1 / 5 / 15 min)")

    summary = [
        "",
        "## Goals",
        "",
        f"Ratio = mean time of the other tool ÷ mean time of tend (higher is better for tend). "
        f"Goals: ≥ {GOAL_VS_UV:g}× against uv, ≥ {GOAL_VS_PIP:g}× against pip.",
        "",
        "| environment | tend command | vs | ratio | goal |",
        "| --- | --- | --- | ---: | --- |",
    ]
    details = []
    any_summary = False
    failed_guards = []
    for environment in arguments.environments:
        directory = arguments.results / environment
        guard = json.loads((directory / "guard.json").read_text(encoding="utf-8"))
        failed_guards += guard_failures(environment, guard)
        inventory = load_hyperfine(directory / "inventory.json")
        check = load_hyperfine(directory / "check.json")
        title = ENVIRONMENT_TITLES.get(environment, environment)
        rows, hashed, size = record_rows(work / environment)
        throughput = ""
        if "tend check (all checks)" in check:
            seconds = check["tend check (all checks)"]["mean"]
            throughput = f" (≈ {size / 2**20 / seconds:.0f} MiB/s on average)"
        details += [
            "",
            f"## {title}",
            "",
            f"{guard['distributions']} distributions (`pip freeze --all`, so pip and setuptools "
            f"included). RECORD: {rows} rows, {hashed} with a hash ({size / 2**20:.0f} MiB), "
            f"which the full `tend check` hashes{throughput}. "
            f"`pip check`: {guard['pip_check_problems']} problems; "
            f"`uv pip check`: {guard['uv_check_problems']}.",
        ]
        skipped = work / f"{environment}.skipped"
        if skipped.exists():
            details.append(
                f"Not installed (see setup.sh): {skipped.read_text(encoding='utf-8').strip()}."
            )
        details += ["", "Correctness guard (before timing):", ""] + guard_lines(guard)
        details += [
            "",
            "### `tend inventory --format json` vs `pip freeze` vs `uv pip freeze`",
            "",
            "tend runs on an empty project directory, so it reads only the environment.",
            "",
        ]
        details += timing_table(inventory, ["tend inventory"])
        details += [
            "",
            "### `tend check` vs `pip check` vs `uv pip check`",
            "",
            "`tend check --select requirements` does what `pip check` does. The full "
            "`tend check` also hashes every file in every RECORD (integrity), which neither pip "
            "nor uv does: it is shown for honesty, not as a like-for-like comparison.",
            "",
        ]
        details += timing_table(
            check, ["tend check --select requirements", "tend check (all checks)"]
        )
        for tend_name, results in (
            ("tend inventory", inventory),
            ("tend check --select requirements", check),
            ("tend check (all checks)", check),
        ):
            for other_name, goal in (
                ("uv pip freeze" if results is inventory else "uv pip check", GOAL_VS_UV),
                ("pip freeze" if results is inventory else "pip check", GOAL_VS_PIP),
            ):
                outcome = verdict(results, tend_name, other_name, goal)
                if outcome is None:
                    continue
                any_summary = True
                value, spread, met = outcome
                if tend_name == "tend check (all checks)":
                    met = (
                        "no goal: not like-for-like (also hashes every RECORD file); "
                        + ("would meet" if value >= goal else "would **not** meet")
                        + f" ≥ {goal:g}×"
                    )
                summary.append(
                    f"| {environment} | `{tend_name}` | `{other_name}` | "
                    f"{value:.2f} ± {spread:.2f} | {met} |"
                )
    if not any_summary:
        summary.append("| – | tend not measured | – | – | – |")

    broken = arguments.results / "broken" / "guard.json"
    if broken.exists():
        guard = json.loads(broken.read_text(encoding="utf-8"))
        failed_guards += guard_failures("broken", guard)
        details += [
            "",
            "## Guard on a venv broken on purpose (not timed)",
            "",
            "The measured venvs are consistent, so on them the check guard compares 0 with 0. "
            "`bench/.work/broken` holds flask, requests and aiohttp installed with `--no-deps` "
            f"and an urllib3 that requests refuses: `pip check` reports "
            f"{guard['pip_check_problems']} problems, `uv pip check` "
            f"{guard['uv_check_problems']}.",
            "",
        ] + guard_lines(guard)

    if failed_guards:
        warning = [
            "",
            "> **⚠ CORRECTNESS GUARD FAILED** (" + ", ".join(failed_guards) + "): tend and pip "
            "do not see the same thing, so these timings compare different work. Details "
            "below.",
        ]
        out = out[:3] + warning + out[3:]
    text = "\n".join(out + summary + details) + "\n"
    # Sections other benchmarks write between their own markers (bench/advisories/report.py)
    # survive a rerun of this one.
    if arguments.output.exists():
        previous = arguments.output.read_text(encoding="utf-8")
        for begin, end in [
            (
                "<!-- advisories: begin (bench/advisories/run.sh writes this section) -->",
                "<!-- advisories: end -->",
            ),
            (
                "<!-- outdated: begin (bench/outdated/run.sh writes this section) -->",
                "<!-- outdated: end -->",
            ),
            (
                "<!-- update: begin (bench/update/run.sh writes this section) -->",
                "<!-- update: end -->",
            ),
        ]:
            start, stop = previous.find(begin), previous.find(end)
            if start != -1 and stop > start:
                text += "\n" + previous[start : stop + len(end)] + "\n"
    arguments.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
