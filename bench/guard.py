"""Correctness guard for the benchmark: do tend and pip see the same environment?

Run with the measured venv's own Python (for the `packaging` pip vendors). Reads, from the
directory given as the only argument, what run.sh saved there:
  pip-freeze-all.txt   `pip freeze --all` (plain `pip freeze` hides pip, setuptools, wheel)
  pip-check.txt        `pip check`
  uv-pip-check.txt     `uv pip check`
  tend-inventory.json  `tend inventory --format json` (absent with --no-tend)
  tend-check.json      `tend check --select requirements --format json` (absent with --no-tend)
and prints one JSON object that report.py turns into RESULTS.md.
"""

import json
import re
import sys
from pathlib import Path

try:
    from packaging.version import InvalidVersion, Version
except ImportError:
    from pip._vendor.packaging.version import InvalidVersion, Version

PIP_PROBLEM = re.compile(r"(, which is not installed\.|, but you have )")
TEND_REQUIREMENT_CODES = {"missing-dependency", "conflicting-dependency"}


PROBLEM_PAIR = re.compile(
    r"^(?P<dependent>\S+) \S+ (?:requires (?P<missing>[^,\s]+), which is not installed\."
    r"|has requirement .*, but you have (?P<conflicting>\S+) \S+\.)$"
)


def problem_pairs(lines):
    """(dependent, dependency) pairs from lines worded as pip words them; others are skipped."""
    pairs = set()
    for line in lines:
        match = PROBLEM_PAIR.match(line.strip())
        if match:
            dependency = match.group("missing") or match.group("conflicting")
            pairs.add((normalise_name(match.group("dependent")), normalise_name(dependency)))
    return pairs


def normalise_name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def normalise_version(text):
    try:
        return str(Version(text))
    except InvalidVersion:
        return text.strip()


def pip_freeze(path):
    installed = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if " @ " in line:
            # Direct URL installs: pip prints no version; count the name only.
            installed[normalise_name(line.split(" @ ", 1)[0])] = None
        elif line.startswith("-e "):
            continue
        elif "==" in line:
            name, version = line.split("==", 1)
            installed[normalise_name(name)] = normalise_version(version)
    return installed


def tend_inventory(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    installed = {}
    for package in document.get("packages", []):
        distribution = package.get("installed")
        if distribution:
            installed[normalise_name(package["name"])] = normalise_version(
                str(distribution["version"])
            )
    return installed


def compare_inventory(pip, tend):
    only_pip = sorted(set(pip) - set(tend))
    only_tend = sorted(set(tend) - set(pip))
    different = sorted(
        f"{name}: pip {pip[name]}, tend {tend[name]}"
        for name in set(pip) & set(tend)
        if pip[name] is not None and pip[name] != tend[name]
    )
    return {
        "ok": not (only_pip or only_tend or different),
        "pip": len(pip),
        "tend": len(tend),
        "only_pip": only_pip,
        "only_tend": only_tend,
        "different_versions": different,
    }


def main():
    directory = Path(sys.argv[1])
    pip = pip_freeze(directory / "pip-freeze-all.txt")
    pip_problems = [
        line
        for line in (directory / "pip-check.txt").read_text(encoding="utf-8").splitlines()
        if PIP_PROBLEM.search(line)
    ]
    uv_text = (directory / "uv-pip-check.txt").read_text(encoding="utf-8")
    result = {
        "distributions": len(pip),
        "pip_check_problems": len(pip_problems),
        "uv_check_problems": sum(
            1 for line in uv_text.splitlines() if line.startswith("The package `")
        ),
        "inventory": None,
        "check": None,
    }

    inventory_path = directory / "tend-inventory.json"
    if inventory_path.exists():
        try:
            result["inventory"] = compare_inventory(pip, tend_inventory(inventory_path))
        except (ValueError, KeyError, TypeError) as error:
            stderr = (directory / "tend-inventory.stderr").read_text(encoding="utf-8")
            result["inventory"] = {"ok": False, "error": f"{error}; stderr: {stderr[-500:]}"}

    check_path = directory / "tend-check.json"
    if check_path.exists():
        try:
            findings = json.loads(check_path.read_text(encoding="utf-8")).get("findings", [])
            tend_problems = [f for f in findings if f.get("code") in TEND_REQUIREMENT_CODES]
            pip_pairs = problem_pairs(pip_problems)
            tend_pairs = problem_pairs(f.get("message", "") for f in tend_problems)
            result["check"] = {
                "ok": len(tend_problems) == len(pip_problems),
                "pip": len(pip_problems),
                "tend": len(tend_problems),
                "tend_other_findings": len(findings) - len(tend_problems),
                # Same counts can still hide different problems: compare who needs what,
                # as far as tend words its messages as pip does.
                "only_pip": sorted(" -> ".join(pair) for pair in pip_pairs - tend_pairs),
                "only_tend": sorted(" -> ".join(pair) for pair in tend_pairs - pip_pairs),
                "pairs_compared": len(tend_pairs),
            }
            if tend_pairs:
                result["check"]["ok"] = result["check"]["ok"] and pip_pairs == tend_pairs
            else:
                # tend words its messages differently: only the counts can be compared.
                result["check"]["only_pip"] = []
        except (ValueError, AttributeError) as error:
            stderr = (directory / "tend-check.stderr").read_text(encoding="utf-8")
            result["check"] = {"ok": False, "error": f"{error}; stderr: {stderr[-500:]}"}

    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
