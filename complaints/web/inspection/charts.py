"""Charts drawn on the server as SVG: no JavaScript, no CDN, readable in print."""

from __future__ import annotations

from flask_babel import format_decimal
from markupsafe import Markup, escape


def _fit(label: str, width: float, font: int) -> str:
    """Cut a label to the width of its column (an average glyph is ~0.55 em wide)."""
    room = int(width / (font * 0.55))
    return label if len(label) <= room else label[:room - 1].rstrip() + "…"


def bar_chart(items: list[tuple[str, float | None]], title: str, maximum: float = 100.0,
              width: int = 760, bar: int = 20) -> Markup:
    """A horizontal bar chart of labelled values (None drawn as an empty bar).

    A label too long for its column is cut with an ellipsis; the full text is its tooltip
    and stays in the table that goes with every chart.
    """
    label_w, gap, top, font = 320, 6, 28, 12
    height = top + len(items) * (bar + gap) + 10
    scale = (width - label_w - 60) / (maximum or 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {width} {height}" class="chart" aria-label="{escape(title)}">',
        f'<title>{escape(title)}</title>',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * (bar + gap)
        parts.append(f'<text x="0" y="{y + bar * 0.7:.0f}" font-size="{font}">'
                     f'<title>{escape(label)}</title>'
                     f'{escape(_fit(label, label_w - 8, font))}</text>')
        length = 0 if value is None else max(0.0, value) * scale
        parts.append(f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar}" '
                     f'fill="#0d6efd" stroke="#000" stroke-width="0.5"/>')
        text = "—" if value is None else format_decimal(value)  # 94,9 in Vietnamese
        parts.append(f'<text x="{label_w + length + 4:.1f}" y="{y + bar * 0.7:.0f}" '
                     f'font-size="{font}">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704  # every text piece is escaped above
