"""Print and save evaluation results: a dict of {section: {row: {column: value}}}, whoever produced it."""
import json
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent.parent / "var" / "eval"


def format_value(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def render(results):
    """The results as plain-text tables, one per section."""
    lines = []
    for section, rows in results.items():
        if not isinstance(rows, dict) or not rows:
            continue
        if not all(isinstance(cells, dict) for cells in rows.values()):  # a flat section: one row
            rows = {"": rows}
        columns = []
        for cells in rows.values():
            columns.extend(c for c in cells if c not in columns)
        table = [[section, *columns]] + [[str(row), *(format_value(cells.get(c, "")) for c in columns)]
                                         for row, cells in rows.items()]
        widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
        for number, line in enumerate(table):
            lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                                   for i, (cell, w) in enumerate(zip(line, widths))))
            if number == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append("")
    return "\n".join(lines)


def save(results, out=None, now=None):
    """Write the results to var/eval/<timestamp>.json (and to `out` when given); the paths written."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    paths = [RESULTS_DIR / f"{stamp}.json"] + ([Path(out)] if out else [])
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return paths
