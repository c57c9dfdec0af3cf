"""Charts drawn on the server as SVG: no JavaScript, no CDN, readable in print."""

from __future__ import annotations

from markupsafe import Markup, escape


def bar_chart(items: list[tuple[str, float | None]], title: str, maximum: float = 100.0,
              width: int = 640, bar: int = 22) -> Markup:
    """A horizontal bar chart of labelled values (None drawn as an empty bar)."""
    label_w, gap, top = 220, 6, 28
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
        parts.append(f'<text x="0" y="{y + bar * 0.7:.0f}" font-size="12">'
                     f'{escape(label[:34])}</text>')
        length = 0 if value is None else max(0.0, value) * scale
        parts.append(f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar}" '
                     f'fill="#0d6efd" stroke="#000" stroke-width="0.5"/>')
        text = "—" if value is None else f"{value:g}"
        parts.append(f'<text x="{label_w + length + 4:.1f}" y="{y + bar * 0.7:.0f}" '
                     f'font-size="12">{escape(text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # nosec B704  # every text piece is escaped above
