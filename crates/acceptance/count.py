#!/usr/bin/env python3
"""Measures the acceptance suite: per task file, its lines of code and the conversions it needs.

Lines of code are the non-blank lines that are not `//` comments (`//!` and `///` included).
The patterns are counted on those lines only. Usage: python3 count.py [TESTS_DIR]
(default: tests/it next to this script). Prints a Markdown table: a row per file, the subtotal
of the nine first-run tasks, then the total.
"""

import pathlib
import sys

PATTERNS = [".parse::<", "try_into()", "map_err", "Some("]
# Counted too, though the issue does not name them: the other conversion spellings a
# consumer falls back on, and the async error conversion it asks to remove.
EXTRA = ["try_from(", "from_progenitor"]
# The nine tasks of the first run; the port adds modules beside them, so the like-for-like
# comparison is this subtotal.
FIRST_RUN = {
    "agents_and_actions", "call_logs", "conversation_search", "errors", "followup_settings",
    "generations", "tokens", "tracing_spans", "webhooks",
}


def code_lines(path):
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("//"):
            yield stripped


def main():
    here = pathlib.Path(__file__).resolve().parent
    tests = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else here / "tests" / "it"
    files = sorted(p for p in tests.glob("*.rs") if p.name != "main.rs")
    columns = PATTERNS + EXTRA
    print("| task file | LoC | " + " | ".join(f"`{c}`" for c in columns) + " |")
    print("|---|--:|" + "--:|" * len(columns))
    totals = [0] * (len(columns) + 1)
    first_run = [0] * (len(columns) + 1)
    for path in sorted(files, key=lambda p: (p.stem not in FIRST_RUN, p.stem)):
        lines = list(code_lines(path))
        row = [len(lines)] + [sum(line.count(c) for line in lines) for c in columns]
        totals = [t + r for t, r in zip(totals, row)]
        if path.stem in FIRST_RUN:
            first_run = [t + r for t, r in zip(first_run, row)]
        print(f"| {path.stem} | " + " | ".join(str(v) for v in row) + " |")
    print("| *the nine tasks* | " + " | ".join(f"*{v}*" for v in first_run) + " |")
    print("| **total** | " + " | ".join(f"**{v}**" for v in totals) + " |")


if __name__ == "__main__":
    main()
