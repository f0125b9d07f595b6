"""A picture of an Azure portal dashboard's layout, drawn from the resource the program
registers: one box per part at its grid position and size, titled with what it shows.

It reads nothing but the dashboard's request body (the mock engine's `Registered.inputs` of an
`azure-native:portal:Dashboard`) in Microsoft's format ("The structure of Azure dashboards",
https://learn.microsoft.com/azure/azure-portal/azure-portal-dashboards-structure): lenses of
parts, each with `position` {x, y, colSpan, rowSpan} in grid units and `metadata` {type,
inputs, settings}. A chart part (MonitorChartPart, its `options` input) shows its metrics and
the resources they are read from (type and name from the resource ID), a Markdown part its
title and first lines; any other part its type.

    python -m offline.dashboard --stack prod --set 'monitoring={enabled: true}' --out docs/dashboard-prod.svg
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

from offline import engine, plan

DASHBOARD = "azure-native:portal:Dashboard"

#: Pixels per grid unit, and the margin around the grid.
COL, ROW, PAD = 64, 40, 16
TITLE_HEIGHT = 36
LINE = 15
FONT = 'font-family="Segoe UI, Helvetica, Arial, sans-serif"'


def _value(value: Any) -> Any:
    return value.value if isinstance(value, engine.Secret) else value


def _resource(resource_id: Any) -> str:
    """`virtualMachines/web-vm-1` from an ARM ID (its last type and name), or `?` if unknown."""
    if not isinstance(resource_id, str) or "/providers/" not in resource_id:
        return "?"
    segments = resource_id.rsplit("/providers/", 1)[1].split("/")
    return "/".join(segments[-2:]) if len(segments) >= 3 else resource_id


def _chart(metadata: dict[str, Any]) -> dict[str, Any] | None:
    for item in metadata.get("inputs") or []:
        if isinstance(item, dict) and item.get("name") == "options":
            chart = (_value(item.get("value")) or {}).get("chart")
            return chart if isinstance(chart, dict) else None
    return None


def describe(part: dict[str, Any]) -> tuple[str, list[str]]:
    """A part's title and the lines under it."""
    metadata = _value(part.get("metadata")) or {}
    kind = str(metadata.get("type", "?"))
    short = kind.rsplit("/", 1)[-1]
    chart = _chart(metadata)
    if chart is not None:
        lines: list[str] = []
        by_metric: dict[str, list[str]] = {}
        for m in chart.get("metrics") or []:
            name, shown = m.get("name"), (m.get("metricVisualization") or {}).get("displayName")
            label = f"{name} ({shown})" if shown and shown != name else str(name)
            by_metric.setdefault(label, []).append(_resource((m.get("resourceMetadata") or {}).get("id")))
        for label, resources in by_metric.items():
            lines.append(label)
            lines += [f"  of {r}" for r in resources]
        dimension = (chart.get("grouping") or {}).get("dimension")
        if dimension:
            lines.append(f"split by {dimension}")
        return f"{chart.get('title') or short}  [{short}]", lines
    settings = ((metadata.get("settings") or {}).get("content") or {}).get("settings") or {}
    if "content" in settings or "title" in settings:
        text = _value(settings.get("content"))
        body = text if isinstance(text, str) else ""
        # Markdown tables and links, as plain text: the cells, the link texts.
        body = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", body)
        lines = [
            " ".join(c.strip() for c in row.strip("|").split("|"))
            for row in body.splitlines()
            if row.strip() and not re.fullmatch(r"[|\-\s]+", row)
        ]
        return f"{settings.get('title') or short}  [{short}]", lines
    return short, []


def _fit(text: str, width: int) -> str:
    room = max(4, width // 6)  # ~6 px per character at 11 px
    return text if len(text) <= room else text[: room - 1] + "…"


def render(dashboard_inputs: dict[str, Any]) -> str:
    """SVG of the first lens's parts at their positions."""
    properties = _value(dashboard_inputs.get("properties")) or {}
    lenses = sorted(properties.get("lenses") or [], key=lambda lens: lens.get("order", 0))
    parts = lenses[0].get("parts") or [] if lenses else []
    title = (dashboard_inputs.get("tags") or {}).get("hidden-title") or "dashboard"
    boxes = []
    for part in parts:
        p = part.get("position") or {}
        boxes.append((int(p.get("x", 0)), int(p.get("y", 0)), int(p.get("colSpan", 1)), int(p.get("rowSpan", 1)), part))
    cols = max((x + w for x, _, w, _, _ in boxes), default=1)
    rows = max((y + h for _, y, _, h, _ in boxes), default=1)
    width, height = 2 * PAD + cols * COL, 2 * PAD + TITLE_HEIGHT + rows * ROW
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT} font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#f3f2f1"/>',
        f'<text x="{PAD}" y="{PAD + 16}" font-size="16" font-weight="600">{escape(str(title))}</text>',
        f'<text x="{width - PAD}" y="{PAD + 16}" text-anchor="end" fill="#605e5c">'
        f"{cols} x {rows} grid units, {len(boxes)} parts</text>",
    ]
    top = PAD + TITLE_HEIGHT
    for x, y, w, h, part in boxes:
        bx, by, bw, bh = PAD + x * COL, top + y * ROW, w * COL, h * ROW
        heading, lines = describe(part)
        out.append(
            f'<rect x="{bx + 3}" y="{by + 3}" width="{bw - 6}" height="{bh - 6}" rx="2" '
            'fill="#ffffff" stroke="#c8c6c4"/>'
        )
        out.append(
            f'<text x="{bx + 12}" y="{by + 22}" font-size="12" font-weight="600">'
            f"{escape(_fit(heading, bw - 24))}</text>"
        )
        room = (bh - 40) // LINE
        shown = lines if len(lines) <= room else [*lines[: room - 1], f"... and {len(lines) - room + 1} more"]
        for n, line in enumerate(shown):
            out.append(
                f'<text x="{bx + 12}" y="{by + 42 + n * LINE}" fill="#323130">{escape(_fit(line, bw - 24))}</text>'
            )
        out.append(
            f'<text x="{bx + bw - 10}" y="{by + bh - 10}" text-anchor="end" fill="#a19f9d" font-size="9">'
            f"x{x} y{y} {w}x{h}</text>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def dashboards(result: engine.ProgramRun) -> list[engine.Registered]:
    return result.of_type(DASHBOARD)


def picture(stack: str, sets: Sequence[str] = (), root: Path = plan.ROOT) -> str:
    """The SVG of the one dashboard a stack's offline plan registers (`make plan`'s run)."""
    cfg, _ = plan.load_config(stack, sets, root=root, throwaway_ssh_keys=["sshPublicKey"])
    result = plan.run(cfg, root=root)
    if result.error is not None:
        raise plan.PlanError(str(result.error))
    found = dashboards(result)
    if len(found) != 1:
        raise plan.PlanError(f"the stack registers {len(found)} dashboards; this draws exactly one")
    return render(found[0].inputs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.dashboard", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--dir", type=Path, default=plan.ROOT, help="the project folder")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    parser.add_argument("--out", type=Path, required=True, help="the SVG to write")
    args = parser.parse_args(argv)
    try:
        svg = picture(args.stack, args.set, args.dir)
    except plan.PlanError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(svg)
    print(f"Wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
