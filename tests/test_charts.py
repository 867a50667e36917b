"""The coverage chart: real PNG bytes, decoded and inspected."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, timedelta

import matplotlib.image
import numpy as np
import numpy.typing as npt
import pytest

from bot.charts import (
    BAR_COLOUR,
    CARD_COLOUR,
    MUTED_TEXT_COLOUR,
    TEXT_COLOUR,
    DayCount,
    coverage_chart,
    render_seconds,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LAST_DAY = date(2026, 11, 28)


def month(counts: list[int] | None = None) -> list[DayCount]:
    counts = counts if counts is not None else [5 + (i * 7) % 13 for i in range(30)]
    first = LAST_DAY - timedelta(days=len(counts) - 1)
    return [DayCount(first + timedelta(days=i), n) for i, n in enumerate(counts)]


def decode(data: bytes) -> npt.NDArray[np.float32]:
    pixels: npt.NDArray[np.float32] = matplotlib.image.imread(io.BytesIO(data), format="png")
    return pixels


def rgb(hex_colour: str) -> tuple[float, float, float]:
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio between two sRGB colours."""

    def luminance(hex_colour: str) -> float:
        def linear(c: float) -> float:
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (linear(c) for c in rgb(hex_colour))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_chart_is_an_800_by_400_png() -> None:
    data = coverage_chart(month()[:7], title="Coverage: climate")
    assert data.startswith(PNG_SIGNATURE)
    assert decode(data).shape[:2] == (400, 800)


def test_thirty_days_render_small() -> None:
    data = coverage_chart(month(), title="Coverage: central banks, last 30 days")
    assert decode(data).shape[:2] == (400, 800)
    assert len(data) < 60_000


def test_one_day_renders() -> None:
    data = coverage_chart(month([4]), title="Today")
    assert decode(data).shape[:2] == (400, 800)


def test_zero_articles_still_render() -> None:
    data = coverage_chart(month([0] * 7), title="A quiet week")
    assert decode(data).shape[:2] == (400, 800)


def test_days_in_any_order_with_gaps_render() -> None:
    days = [DayCount(LAST_DAY, 3), DayCount(LAST_DAY - timedelta(days=12), 40)]
    assert coverage_chart(days, title="Gaps").startswith(PNG_SIGNATURE)


def test_long_title_with_dollar_signs_renders() -> None:
    title = ("$x^2$ costs $5 " * 50)[:500]
    assert len(title) == 500
    assert coverage_chart(month(), title=title).startswith(PNG_SIGNATURE)


def test_title_is_never_parsed_as_mathtext() -> None:
    # Invalid mathtext: matplotlib would raise while drawing if it tried to parse it.
    title = r"Prices $\notacommand{ and $ signs"
    assert coverage_chart(month()[:3], title=title).startswith(PNG_SIGNATURE)


def test_wide_title_stays_inside_the_card() -> None:
    pixels = decode(coverage_chart(month()[:3], title="W" * 500))
    title_row_right_edge = pixels[10:40, 786:796, :3]
    assert np.allclose(title_row_right_edge, rgb(CARD_COLOUR), atol=1 / 255)


def test_empty_input_raises() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        coverage_chart([], title="Nothing")


def test_repeated_day_raises() -> None:
    with pytest.raises(ValueError, match="more than once"):
        coverage_chart([DayCount(LAST_DAY, 1), DayCount(LAST_DAY, 2)], title="Twice")


def test_negative_count_raises() -> None:
    with pytest.raises(ValueError, match="negative"):
        coverage_chart(month([3, -1]), title="Negative")


def test_card_is_opaque_in_every_corner() -> None:
    pixels = decode(coverage_chart(month(), title="Opaque"))
    for row, col in ((0, 0), (0, -1), (-1, 0), (-1, -1)):
        assert pixels[row, col, 3] == 1.0
    assert np.allclose(pixels[5, 5, :3], rgb(CARD_COLOUR), atol=1 / 255)


def test_text_has_aa_contrast_on_the_card() -> None:
    assert contrast_ratio(TEXT_COLOUR, CARD_COLOUR) >= 4.5
    assert contrast_ratio(MUTED_TEXT_COLOUR, CARD_COLOUR) >= 4.5


def test_bars_have_graphics_contrast_on_the_card() -> None:
    assert contrast_ratio(BAR_COLOUR, CARD_COLOUR) >= 3


def test_contrast_ratio_matches_wcag_extremes() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1)


def test_importing_the_module_does_not_import_matplotlib() -> None:
    code = "import sys, bot.charts; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_render_seconds_measures_a_render() -> None:
    assert 0 < render_seconds(repeats=1) < 5
