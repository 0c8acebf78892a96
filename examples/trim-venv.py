#!/usr/bin/env python3
"""Copy the metadata of a real virtualenv into examples/<project>/.venv.

The example project ships the *metadata* of a real environment (the seeds' old Flask stack,
installed with `pip install --no-deps -r ../shared/envs/seed-env-requirements.txt`), so that
`tend scan` has a real environment to read on a machine without network. Code files are left
out to keep the repository small, except for the packages named with --keep, which are copied
whole. Each RECORD is trimmed to the files that are copied, keeping pip's own hashes, so the
integrity check verifies real hashes.

usage: trim-venv.py SOURCE_VENV DEST_VENV [--keep NAME ...] [--drop NAME ...]
"""
import argparse
import csv
import io
import re
import shutil
from pathlib import Path


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source", type=Path)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--keep", action="append", default=[], help="copy this distribution whole")
    parser.add_argument("--drop", action="append", default=[], help="leave this distribution out")
    args = parser.parse_args()
    keep = {normalise(n) for n in args.keep}
    drop = {normalise(n) for n in args.drop}

    source_sp = next(args.source.glob("lib/python3.*/site-packages"))
    dest_sp = args.dest / "lib" / source_sp.parent.name / "site-packages"
    if args.dest.exists():
        shutil.rmtree(args.dest)
    dest_sp.mkdir(parents=True)
    cfg = (args.source / "pyvenv.cfg").read_text()
    # The example must not point at this machine's interpreter.
    lines = [l for l in cfg.splitlines() if l.split("=")[0].strip() in ("include-system-site-packages", "version")]
    (args.dest / "pyvenv.cfg").write_text("home = /usr/bin\n" + "\n".join(lines) + "\n")

    for dist_info in sorted(source_sp.glob("*.dist-info")):
        name = dist_info.name[: -len(".dist-info")].rsplit("-", 1)[0]
        if normalise(name) in drop or normalise(name) == "pip":
            continue
        record = (dist_info / "RECORD").read_text()
        rows = list(csv.reader(io.StringIO(record)))
        whole = normalise(name) in keep
        kept = []
        for row in rows:
            if not row:
                continue
            path = row[0]
            if path.startswith("..") or "__pycache__" in path:
                continue
            if whole or path.startswith(dist_info.name + "/"):
                if path.endswith("/RECORD"):
                    kept.append([path, "", ""])
                    continue
                src = source_sp / path
                dst = dest_sp / path
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dst)
                kept.append(row)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(kept)
        (dest_sp / dist_info.name / "RECORD").write_text(out.getvalue())


if __name__ == "__main__":
    main()
