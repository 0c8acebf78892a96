"""Do `tend update` and the manual pip cycle end with the same versions of the updated packages?

Run with the seed venv's Python (for the `packaging` pip vendors). Compares, for every update
tend kept (its JSON report's `kept`), the version tend wrote into requirements.txt with the one
in pip's `pip freeze` of the cycle's new venv; also lists, for information, every other
package whose version in pip's freeze differs from tend's requirements.txt (what pip's
upgrade moved that tend did not, or the other way round). Prints one JSON object.
"""

import argparse
import json
import re
import sys
from pathlib import Path

try:
    from packaging.version import InvalidVersion, Version
except ImportError:
    from pip._vendor.packaging.version import InvalidVersion, Version

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([^\s;#\\]+)")


def normalise_name(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def normalise_version(text):
    try:
        return str(Version(text))
    except InvalidVersion:
        return text.strip()


def pins(path):
    found = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            found[normalise_name(match.group(1))] = normalise_version(match.group(2))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tend-json", required=True)
    parser.add_argument("--tend-requirements", required=True)
    parser.add_argument("--pip-freeze", required=True, help="`pip freeze --all` of the new venv")
    parser.add_argument("--before", required=True)
    arguments = parser.parse_args()

    report = json.loads(Path(arguments.tend_json).read_text(encoding="utf-8"))
    report = report.get("data", report)
    try:
        pip = pins(arguments.pip_freeze)
    except OSError as error:
        json.dump({"ok": False, "error": f"no pip freeze from the manual cycle: {error}"}, sys.stdout)
        return
    tend = pins(arguments.tend_requirements)
    before = pins(arguments.before)

    updated = []
    for update in report.get("kept", []):
        name = normalise_name(update["name"])
        to = normalise_version(update["to"])
        updated.append(
            {
                "name": name,
                "from": normalise_version(update["from"]),
                "to": to,
                "tend_file": tend.get(name),
                "pip_freeze": pip.get(name),
                # A package the requirements never pinned (pip, setuptools) has no line to
                # rewrite: only pip's side is compared.
                "pinned": name in before,
                "same": pip.get(name) == to and (tend.get(name) == to or name not in before),
            }
        )
    kept = {entry["name"] for entry in updated}
    others = [
        {"name": name, "requirements_before": before.get(name), "tend_file": tend.get(name),
         "pip_freeze": pip.get(name)}
        for name in sorted(set(tend) | set(pip))
        if name not in kept and tend.get(name) != pip.get(name)
        # The installer's own tools: never pinned in requirements.txt, in every freeze --all.
        and not (name in {"pip", "setuptools", "wheel"} and name not in before)
    ]
    json.dump(
        {
            "ok": bool(updated) and all(entry["same"] for entry in updated),
            "updated": updated,
            "held_back": [
                {"update": held.get("update"), "reason": (held.get("reason") or "")[:300]}
                for held in report.get("held_back", [])
            ],
            "pins_before": len(before),
            "tend_pins": len(tend),
            "pip_freeze_pins": len(pip),
            "other_differences": others,
        },
        sys.stdout,
        indent=1,
    )


if __name__ == "__main__":
    main()
