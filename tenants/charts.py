"""Bar charts drawn on the server as SVG geometry: the template only places rectangles."""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    max_value: float

    @property
    def is_empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def bar_chart(
    points: Sequence[tuple[str, float]], *, width: int = 600, height: int = 160
) -> BarChart:
    top = max((value for _, value in points), default=0) or 1
    slot = width / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = (value / top) * (height - 20)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=round(index * slot + slot * 0.15, 2),
                y=round(height - bar_height, 2),
                width=round(slot * 0.7, 2),
                height=round(bar_height, 2),
            )
        )
    return BarChart(bars=bars, width=width, height=height, max_value=top)
