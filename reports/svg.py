"""Small server-side SVG charts for the console (no JavaScript, no build step)."""
from __future__ import annotations

from html import escape

PALETTE = ("#2f6fdf", "#27a36a", "#e0902f", "#9a4fd0", "#d04f6a", "#4fb0c6")
WIDTH, HEIGHT, PAD = 640, 260, 40


def _svg(body: str, title: str, height: int = HEIGHT) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
            f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>{body}</svg>')


def bar_chart(labels: list[str], values: list[float], title: str) -> str:
    """Horizontal bars, one per label (long topic names fit on the left)."""
    if not labels:
        return _svg(f'<text x="{PAD}" y="40" font-size="13">—</text>', title, 60)
    row, left = 22, 200
    height = PAD + row * len(labels) + 10
    top = max(values) or 1
    parts = [f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    for index, (label, value) in enumerate(zip(labels, values)):
        y = PAD + index * row
        width = (WIDTH - left - 60) * value / top
        parts.append(f'<text x="{left - 6}" y="{y + 14}" font-size="12" text-anchor="end">{escape(str(label))[:40]}</text>'
                     f'<rect x="{left}" y="{y + 2}" width="{width:.1f}" height="{row - 6}" fill="{PALETTE[0]}"/>'
                     f'<text x="{left + width + 4:.1f}" y="{y + 14}" font-size="12">{value:g}</text>')
    return _svg("".join(parts), title, height)


def line_chart(categories: list[str], series: dict[str, list[int]], title: str) -> str:
    """One line per series over the categories (days), with a legend."""
    parts = [f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    if not categories:
        return _svg(parts[0] + f'<text x="{PAD}" y="50" font-size="13">—</text>', title, 70)
    top = max((max(values) for values in series.values() if values), default=0) or 1
    plot_w, plot_h, base = WIDTH - 2 * PAD, HEIGHT - 2 * PAD - 20, HEIGHT - PAD
    step = plot_w / max(len(categories) - 1, 1)
    parts.append(f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#999"/>'
                 f'<text x="{PAD - 4}" y="{base - plot_h + 4}" font-size="11" text-anchor="end">{top}</text>'
                 f'<text x="{PAD - 4}" y="{base + 4}" font-size="11" text-anchor="end">0</text>')
    for index in sorted({0, len(categories) - 1, len(categories) // 2}):
        parts.append(f'<text x="{PAD + index * step:.1f}" y="{base + 16}" font-size="11" text-anchor="middle">'
                     f'{escape(categories[index][5:])}</text>')
    for number, (name, values) in enumerate(series.items()):
        colour = PALETTE[number % len(PALETTE)]
        points = " ".join(f"{PAD + i * step:.1f},{base - plot_h * v / top:.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
                     f'<rect x="{WIDTH - 150}" y="{30 + 16 * number}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{WIDTH - 135}" y="{39 + 16 * number}" font-size="12">{escape(name)}</text>')
    return _svg("".join(parts), title)
