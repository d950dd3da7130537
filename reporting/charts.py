"""Charts of a round as PNG images (matplotlib), for the 自评报告 and to hand out beside it.

Text in the charts needs a Chinese font found on this machine. matplotlib keeps a list of the fonts it
saw when it first ran (fontlist-*.json in its cache folder); fonts installed after that are not in it. So
when the list holds no Chinese font it is rebuilt once, from the fonts installed now, before giving up;
without one the charts are still drawn and `ChartSet.warning` says why their labels show as boxes.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg  # no pyplot: no global state, no GUI backend
from matplotlib.figure import Figure

from .fileio import atomic_path
from .vocabulary import STATE_COLOURS

# In order of preference: the Windows fonts a coordinator has, then what Linux distributions ship.
CJK_FONTS = [
    "FangSong", "仿宋", "SimHei", "黑体", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC",
    "Source Han Sans CN", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK JP", "Noto Serif CJK SC",
]
NO_FONT_WARNING = ("本机未安装 matplotlib 可用的中文字体（已重新扫描本机字体，未找到仿宋、黑体、微软雅黑、"
                   "Noto Sans CJK、思源黑体、文泉驿等），图表中的中文会显示为方框；请安装中文字体"
                   "（Debian/Ubuntu：sudo apt install fonts-noto-cjk）后重新生成")
WIDTH_INCHES = 6.3  # the 160 mm type area of an A4 page
DPI = 200
MANY_UNITS = 40  # above this, units are shown as a distribution, not one bar each


@dataclass
class ChartSet:
    """The charts drawn for a round, by name, and a warning when no Chinese font was found."""

    paths: dict[str, Path] = field(default_factory=dict)
    warning: str = ""


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first Chinese font matplotlib can use here, or None; the font list is rebuilt once when it has none."""
    found = _pick(font_manager.fontManager.ttflist)
    if found is None:
        _rebuild_font_list()
        found = _pick(font_manager.fontManager.ttflist)
    return found


def _rebuild_font_list() -> None:
    """matplotlib's font list made again from the fonts installed now, saved to its cache, and used.

    The manager object is updated in place: matplotlib's renderers hold a reference to it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh = font_manager._load_fontmanager(try_read_cache=False)  # type: ignore[attr-defined]
    vars(font_manager.fontManager).update(vars(fresh))
    cached = getattr(font_manager.FontManager, "_findfont_cached", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()


def _pick(fonts: list) -> str | None:
    names = {font.name for font in fonts}
    for name in CJK_FONTS:
        if name in names:
            return name
    return next((name for name in sorted(names) if "CJK" in name or "Hei" in name or "Song" in name), None)


def draw_charts(folder: Path, areas: list[tuple[str, float]], states: list[tuple[str, int]],
                units: list[tuple[str, float]], root: Path | None = None) -> ChartSet:
    """图1 各领域完成率, 图2 任务状态构成, 图3 各单位完成率 as PNG files in `folder`."""
    font = cjk_font()
    charts = ChartSet(warning="" if font else NO_FONT_WARNING)
    jobs: list[tuple[str, str, Callable[..., Figure], list]] = [
            ("领域完成率", "图1_各领域完成率.png", _area_chart, areas),
            ("状态构成", "图2_任务状态构成.png", _state_chart, states),
            ("单位完成率", "图3_各单位完成率.png", _unit_chart, units)]
    for key, file_name, draw, data in jobs:
        figure = draw(data, font)
        target = folder / file_name
        with atomic_path(target, root) as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Glyph missing" when there is no Chinese font: said once above
            FigureCanvasAgg(figure)
            figure.savefig(tmp, format="png", dpi=DPI)
        charts.paths[key] = target
    return charts


def _figure(rows: int) -> Figure:
    """A figure as wide as the type area, as tall as its bars need (within a page)."""
    return Figure(figsize=(WIDTH_INCHES, min(max(1.8, 0.26 * rows + 0.8), 8.5)), layout="constrained")


def _text(font: str | None) -> dict:
    return {"fontfamily": font} if font else {}


def _area_chart(areas: list[tuple[str, float]], font: str | None) -> Figure:
    figure = _figure(len(areas))
    axes = figure.add_subplot()
    labels = [label(name, 12) for name, _ in areas][::-1]
    values = [rate * 100 for _, rate in areas][::-1]
    bars = axes.barh(range(len(values)), values, color="#3B75AF")
    axes.set_yticks(range(len(values)), labels, **_text(font), fontsize=9)
    _percent_axis(axes, bars, values, font)
    axes.set_title("各领域完成率", **_text(font), fontsize=11)
    return figure


def _state_chart(states: list[tuple[str, int]], font: str | None) -> Figure:
    figure = Figure(figsize=(WIDTH_INCHES, 2.6), layout="constrained")
    axes = figure.add_subplot()
    total = sum(count for _, count in states) or 1
    left = 0.0
    for state, count in states:
        share = count / total * 100
        axes.barh([0], [share], left=left, color=STATE_COLOURS.get(state, "#777777"),
                  label=f"{state} {count}（{share:.1f}%）")
        left += share
    axes.set_xlim(0, 100)
    axes.set_yticks([])
    axes.set_xlabel("占全部项次的百分比", **_text(font), fontsize=9)
    figure.legend(loc="outside lower center", ncol=3, frameon=False,
                  prop={"family": font, "size": 8} if font else {"size": 8})
    axes.set_title("任务状态构成（按项次）", **_text(font), fontsize=11)
    return figure


def _unit_chart(units: list[tuple[str, float]], font: str | None) -> Figure:
    if len(units) > MANY_UNITS:
        return _unit_distribution(units, font)
    figure = _figure(len(units))
    axes = figure.add_subplot()
    ranked = sorted(units, key=lambda item: item[1])
    values = [rate * 100 for _, rate in ranked]
    bars = axes.barh(range(len(values)), values, color="#3A923A")
    axes.set_yticks(range(len(values)), [label(name, 12) for name, _ in ranked], **_text(font), fontsize=8)
    _percent_axis(axes, bars, values, font)
    axes.set_title("各单位完成率", **_text(font), fontsize=11)
    return figure


def _unit_distribution(units: list[tuple[str, float]], font: str | None) -> Figure:
    """Units per completion band (0–10%, …, 90–100%, and exactly 100%)."""
    labels = [f"{low}–{low + 10}%" for low in range(0, 100, 10)] + ["100%"]
    counts = [0] * len(labels)
    for _, rate in units:
        counts[10 if rate >= 1 else min(int(rate * 10), 9)] += 1
    figure = Figure(figsize=(WIDTH_INCHES, 3.2), layout="constrained")
    axes = figure.add_subplot()
    bars = axes.bar(range(len(counts)), counts, color="#3A923A")
    axes.set_xticks(range(len(labels)), labels, fontsize=7, rotation=30)
    axes.bar_label(bars, fontsize=7)
    axes.set_ylabel("单位数", **_text(font), fontsize=9)
    axes.set_title(f"各单位完成率分布（共{len(units)}个单位）", **_text(font), fontsize=11)
    return figure


def _percent_axis(axes, bars, values: list[float], font: str | None) -> None:
    axes.set_xlim(0, 110)
    axes.set_xlabel("完成率（%）", **_text(font), fontsize=9)
    axes.bar_label(bars, labels=[f"{value:.1f}%" for value in values], fontsize=8, padding=2)
    if not values:
        axes.text(0.5, 0.5, "暂无数据", transform=axes.transAxes, ha="center", **_text(font))


_JOINTS = re.compile(r"[和与及的、]|科学化|民主化|政府|行政|决策|执法|制度|体系|职能|纠纷|监督")


def label(text: str, width: int) -> str:
    """A long label on two lines, broken after a joining word (和, 的, 、) or a whole word nearest the
    middle, never cut: 全面提高政府工作人员法治思维和\n依法行政能力."""
    if len(text) <= width:
        return text
    middle = len(text) / 2
    joints = [m.end() for m in _JOINTS.finditer(text) if 0 < m.end() < len(text)]
    if not joints:
        return text[:len(text) // 2] + "\n" + text[len(text) // 2:]
    cut = min(joints, key=lambda i: (abs(i - middle), text[i - 1] not in "和与及的、"))
    return text[:cut] + "\n" + text[cut:]
