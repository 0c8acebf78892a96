"""Generates the advisory benchmark's data under bench/.work/advisories/ (git-ignored) from the
real PyPA advisory database, which is never copied into the repository:

  real/all.zip           the real records as an OSV zip of JSON (one `<ID>.json` per record,
                         the layout of osv.dev's per-ecosystem `all.zip`)
  syn20/vulns/<pkg>/<ID>.yaml
                         a database 20 times larger: the real records plus 19 renamed copies
                         (copy k: package `<name>-syn<k>`, ids and aliases `<PREFIX>-SYN<k>-…`,
                         so aliases still link records within a copy), YAML like the real one
  syn20/all.zip          the same 20x records as an OSV zip of JSON
  pins/real-10000.txt    10,000 `name==version` pins drawn (seeded) from the (package, version)
  pins/real-1000.txt     pairs the real database lists (affected `versions` and range events),
                         PEP 440 versions only; the 1,000 are the first 1,000 of the same draw
  pins/syn20-10000.txt   the same drawn from the 20x database
  pins/syn20-1000.txt
  manifest.json          counts, seed and the source it was made from; the data is rebuilt only
                         when the source or this generator changes

A package appears in a pins file once per drawn version (the database has 661 packages), so
the files have repeated names: an auditor must audit every line, not keep one per name.

    bench/.work/tools/bin/python bench/advisories/make_data.py [--source DIR] [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from osv_data import BadRecord, normalise_name, parse_version, read_records  # noqa: E402

GENERATOR_VERSION = 2
COPIES = 20
SEED = 4
PIN_COUNTS = (10_000, 1_000)

bench = Path(__file__).resolve().parent.parent
default_source = bench.parent.parent / "shared" / "advisories" / "pypa-advisory-database" / "vulns"


def source_fingerprint(source: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(source)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def rename_id(identifier: str, copy: int) -> str:
    prefix, _, rest = identifier.partition("-")
    return f"{prefix}-SYN{copy}-{rest}" if rest else f"{identifier}-SYN{copy}"


def synthetic_copy(record: dict, copy: int) -> dict:
    """Copy `copy` of a record: every package renamed, every id and alias renamed."""
    record = json.loads(json.dumps(record))
    record["id"] = rename_id(record["id"], copy)
    for key in ("aliases", "related"):
        if record.get(key):
            record[key] = [rename_id(identifier, copy) for identifier in record[key]]
    for affected in record.get("affected") or []:
        package = affected.get("package") or {}
        if package.get("name"):
            package["name"] = f"{package['name']}-syn{copy}"
            if package.get("purl"):
                package["purl"] = f"pkg:pypi/{normalise_name(package['name'])}"
    return record


def write_zip(path: Path, records) -> None:
    partial = path.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for record in records:
            archive.writestr(f"{record['id']}.json", json.dumps(record, indent=2, ensure_ascii=False))
    partial.replace(path)


def listed_pairs(records) -> list[tuple[str, str]]:
    """(normalised name, version) pairs the records list, PEP 440 versions only, sorted; one
    pair per PEP 440-equal version (`2.3` and `2.3.0` are one version, written as the first
    spelling met in record order)."""
    pairs = {}
    for record in records:
        if record.get("withdrawn"):
            continue
        for affected in record.get("affected") or []:
            package = affected.get("package") or {}
            if package.get("ecosystem") != "PyPI" or not package.get("name"):
                continue
            name = normalise_name(package["name"])
            versions = [str(version) for version in affected.get("versions") or []]
            for declared in affected.get("ranges") or []:
                if declared.get("type") == "ECOSYSTEM":
                    for event in declared.get("events") or []:
                        versions += [str(value) for value in event.values() if str(value) not in ("0", "*")]
            for version in versions:
                parsed = parse_version(version)
                if parsed is not None:
                    pairs.setdefault((name, parsed), str(parsed))
    return sorted((name, text) for (name, _), text in pairs.items())


def write_pins(directory: Path, label: str, pairs, header: str) -> dict:
    drawn = random.Random(SEED).sample(pairs, min(max(PIN_COUNTS), len(pairs)))
    counts = {}
    for count in PIN_COUNTS:
        chosen = sorted(drawn[:count])
        lines = [f"# {header}: {len(chosen)} pins drawn with seed {SEED}; generated by "
                 "bench/advisories/make_data.py, do not edit"]
        lines += [f"{name}=={version}" for name, version in chosen]
        path = directory / f"{label}-{count}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        counts[path.name] = {"pins": len(chosen), "packages": len({name for name, _ in chosen})}
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=default_source)
    parser.add_argument("--out", type=Path, default=bench / ".work" / "advisories")
    parser.add_argument("--force", action="store_true")
    arguments = parser.parse_args()
    source, out = arguments.source.resolve(), arguments.out

    if not source.is_dir():
        print(f"make_data.py: no advisory database at {source}", file=sys.stderr)
        return 2
    fingerprint = source_fingerprint(source)
    manifest_path = out / "manifest.json"
    if manifest_path.exists() and not arguments.force:
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError:
            manifest = {}
        if manifest.get("fingerprint") == fingerprint and manifest.get("generator") == GENERATOR_VERSION:
            print(f"== advisory data up to date in {out}")
            return 0

    started = time.perf_counter()
    origins, records, bad = [], [], []
    for origin, record in read_records(source):
        if isinstance(record, BadRecord):
            bad.append(record)
        else:
            origins.append(Path(origin))
            records.append(record)
    for problem in bad:
        print(f"warning: {problem}", file=sys.stderr)
    print(f"== read {len(records)} records from {source} in {time.perf_counter() - started:.1f} s")

    if out.exists():
        shutil.rmtree(out)
    for directory in ("real", "syn20/vulns", "pins"):
        (out / directory).mkdir(parents=True)

    write_zip(out / "real" / "all.zip", records)

    import yaml  # only here: the YAML copy of the 20x database

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    synthetic = list(records)
    # Copy 0 is the real database as published, byte for byte.
    for path in sorted(source.rglob("*.yaml")):
        target = out / "syn20" / "vulns" / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    for copy in range(1, COPIES):
        for origin, record in zip(origins, records):
            renamed = synthetic_copy(record, copy)
            # The real layout: vulns/<package directory>/<ID>.yaml.
            directory = f"{origin.parent.name}-syn{copy}" if origin.parent.name else f"syn{copy}"
            target = out / "syn20" / "vulns" / directory / f"{renamed['id']}.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                yaml.dump(renamed, Dumper=dumper, sort_keys=False, allow_unicode=True, width=88),
                encoding="utf-8",
            )
            synthetic.append(renamed)
    write_zip(out / "syn20" / "all.zip", synthetic)
    print(f"== wrote {len(synthetic)} synthetic records ({COPIES} copies)")

    real_pairs = listed_pairs(records)
    synthetic_pairs = listed_pairs(synthetic)
    pins = write_pins(out / "pins", "real", real_pairs, "versions the real PyPA database lists")
    pins |= write_pins(out / "pins", "syn20", synthetic_pairs, "versions the 20x synthetic database lists")

    manifest = {
        "generator": GENERATOR_VERSION,
        "source": str(source),
        "fingerprint": fingerprint,
        "seed": SEED,
        "records": {"real": len(records), "syn20": len(synthetic), "unreadable": len(bad)},
        "listed_pairs": {"real": len(real_pairs), "syn20": len(synthetic_pairs)},
        "pins": pins,
        "seconds": round(time.perf_counter() - started, 1),
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"== advisory data in {out} ({manifest['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
