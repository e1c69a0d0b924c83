#!/usr/bin/env python3
"""mypy with a per-module error baseline that only goes down.

Runs mypy once with the project's configuration ([tool.mypy] in
pyproject.toml) and counts its errors per file. Then:

- under a strict path ([tool.mypy_baseline] strict, e.g. ``shop/money/``)
  any error fails: those modules have no baseline;
- elsewhere a file may have at most the errors that the baseline file
  (``mypy-baseline.txt``: ``<count> <path>`` per line) allows it. More fails
  and lists the file's errors; fewer also fails, asking you to lower the
  baseline with ``--update``, so the numbers only go down.

    tools/mypy_baseline.py            # check (make typecheck)
    tools/mypy_baseline.py --update   # lower the baseline to today's counts
    tools/mypy_baseline.py --reset    # rewrite it from scratch (after moving
                                      # modules; review the total it prints)
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ERROR = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<line>\d+):(?:\d+:)? error: ")


def settings() -> tuple[Path, tuple[str, ...]]:
    """The baseline file and the strict paths, from pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        config = tomllib.load(file)["tool"]["mypy_baseline"]
    return ROOT / config["baseline"], tuple(config.get("strict", ()))


def run_mypy(extra: list[str]) -> tuple[Counter[str], dict[str, list[str]], int]:
    """mypy's errors counted per file, the error lines per file, and its exit code."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-pretty", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    counts: Counter[str] = Counter()
    lines: dict[str, list[str]] = defaultdict(list)
    for line in result.stdout.splitlines():
        match = ERROR.match(line)
        if match:
            path = Path(match["path"]).as_posix()
            counts[path] += 1
            lines[path].append(line)
    if result.returncode not in (0, 1) or (result.returncode == 1 and not counts):
        # mypy itself failed (bad configuration, crash): show why.
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(2)
    return counts, lines, result.returncode


def read_baseline(path: Path) -> dict[str, int]:
    """``{file: allowed errors}`` from the baseline file (missing file: empty)."""
    allowed: dict[str, int] = {}
    if not path.exists():
        return allowed
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            count, name = line.split(maxsplit=1)
            allowed[name] = int(count)
    return allowed


def write_baseline(path: Path, counts: dict[str, int]) -> None:
    """Write the baseline, one ``<count> <path>`` per line, sorted by path."""
    header = (
        "# mypy errors allowed per file outside the strict paths; the numbers only\n"
        "# go down. Written by tools/mypy_baseline.py --update (see its docstring).\n"
    )
    body = "".join(f"{count} {name}\n" for name, count in sorted(counts.items()) if count)
    path.write_text(header + body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Check mypy against the baseline, or update it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--update",
        action="store_true",
        help="lower the baseline to today's counts (never raises one)",
    )
    group.add_argument(
        "--reset",
        action="store_true",
        help="rewrite the baseline from today's counts (after moves)",
    )
    args, extra = parser.parse_known_args(argv)
    baseline_path, strict = settings()
    counts, lines, _code = run_mypy(extra)
    allowed = read_baseline(baseline_path)
    is_strict = lambda name: name.startswith(strict)  # noqa: E731

    failures: list[str] = []
    for name in sorted(n for n in counts if is_strict(n)):
        failures.append(f"{name}: {counts[name]} error(s) in a strict module (no baseline):")
        failures.extend(f"    {line}" for line in lines[name])
    failures.extend(
        f"{name}: a strict module cannot have a baseline; remove its line"
        for name in sorted(allowed)
        if is_strict(name)
    )

    loose = {name: count for name, count in counts.items() if not is_strict(name)}
    higher = sorted(n for n in loose if loose[n] > allowed.get(n, 0))
    lower = sorted(
        n
        for n in set(allowed) | set(loose)
        if not is_strict(n) and loose.get(n, 0) < allowed.get(n, 0)
    )
    before, after = sum(allowed.values()), sum(loose.values())

    if args.reset or args.update:
        if args.update and higher:
            failures.extend(
                f"{name}: {loose[name]} error(s), baseline {allowed.get(name, 0)};"
                " --update never raises a count (fix them, or --reset after moves)"
                for name in higher
            )
        else:
            write_baseline(
                baseline_path,
                loose
                if args.reset
                else {n: min(loose.get(n, 0), allowed.get(n, 0)) for n in allowed},
            )
            print(
                f"{baseline_path.name}: {before} -> {after} errors allowed"
                f" in {len([n for n in loose if loose[n]])} files"
            )
    else:
        for name in higher:
            failures.append(
                f"{name}: {loose[name]} error(s), baseline {allowed.get(name, 0)}: fix the new ones"
            )
            failures.extend(f"    {line}" for line in lines[name])
        failures.extend(
            f"{name}: {loose.get(name, 0)} error(s), baseline {allowed[name]}:"
            " well done, lower the baseline (tools/mypy_baseline.py --update)"
            for name in lower
        )

    if failures:
        print("\n".join(failures))
        return 1
    if not (args.reset or args.update):
        print(
            f"mypy: strict paths {', '.join(strict)} clean; {after} errors elsewhere,"
            f" within the baseline ({baseline_path.name})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
