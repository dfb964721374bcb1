"""The only reader of ``resources/``: icons, style sheets, lesson texts, Go sources.

Every path under ``resources/`` is built here, so the rest of the GUI asks
for things by name ("play", a scenario id) and never by file. Missing files
are normal while lessons are being written: the text readers return
``None`` and the caller says so to the learner.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from gui.theme import Theme

__all__ = [
    "ROOT",
    "go_source",
    "icon",
    "icon_names",
    "lesson_text",
    "program_examples",
    "stylesheet",
    "template",
]

ROOT = Path(__file__).resolve().parent.parent / "resources"

# Scenario ids are lower-case words joined by dashes; anything else never reaches the file system.
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")

# Point sizes of the window's text: normal, then presenter mode (read from the back of a room).
FONT_PT = {False: 10, True: 15}


def _checked_id(scenario_id: str) -> str:
    if not _ID.match(scenario_id):
        raise ValueError(f"not a scenario id: {scenario_id!r}")
    return scenario_id


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        return None


def lesson_text(scenario_id: str) -> str | None:
    """The markdown of ``resources/lessons/<id>.md``, or ``None`` if not written yet.

    Raises:
        ValueError: *scenario_id* is not a valid id.
    """
    if scenario_id == "program":  # "Your program": its guide sits beside the examples
        return _read(ROOT / "programs" / "README.md")
    return _read(ROOT / "lessons" / f"{_checked_id(scenario_id)}.md")


def program_examples() -> list[tuple[str, Path]]:
    """The example programs of "Your program": (title, path), in menu order.

    The title is the first line of each file's docstring (``resources/programs/*.py``).
    """
    out = []
    for path in sorted((ROOT / "programs").glob("*.py")):
        first = (_read(path) or "").split("\n", 1)[0].strip().strip('"').strip()
        out.append((first.rstrip(".") or path.stem, path))
    return out


def go_source(scenario_id: str) -> str | None:
    """The Go version of a lesson, ``resources/go/<id>.go``, or ``None`` if not written yet.

    Raises:
        ValueError: *scenario_id* is not a valid id.
    """
    return _read(ROOT / "go" / f"{_checked_id(scenario_id)}.go")


def template(text: str, values: dict[str, str]) -> str:
    """Fill every ``{{ name }}`` in *text* from *values*.

    Raises:
        KeyError: a placeholder has no value (a typo in a template must not pass silently).
    """

    def fill(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in values:
            raise KeyError(f"style template names unknown value {{{{ {key} }}}}")
        return values[key]

    return _PLACEHOLDER.sub(fill, text)


def stylesheet(theme: Theme, presenter: bool = False) -> str:
    """The window's Qt style sheet for *theme*, enlarged in presenter mode.

    Built from ``resources/styles/app.qss`` (and ``presenter.qss`` on top in
    presenter mode), with ``{{ name }}`` filled from the theme's colours and
    ``font_pt`` / ``big_pt`` / ``small_pt`` / ``border_px``.
    """
    values = theme.template_values()
    pt = FONT_PT[presenter]
    values.update(
        font_pt=str(pt),
        big_pt=str(round(pt * 1.45)),
        small_pt=str(max(8, pt - 1)),
        border_px="2" if presenter else "1",
    )
    text = _read(ROOT / "styles" / "app.qss") or ""
    if presenter:
        text += "\n" + (_read(ROOT / "styles" / "presenter.qss") or "")
    return template(text, values)


def icon_names() -> list[str]:
    """Names of every icon in ``resources/icons`` (file names without ``.svg``)."""
    return sorted(p.stem for p in (ROOT / "icons").glob("*.svg"))


@lru_cache(maxsize=32)
def _svg(name: str) -> str:
    text = _read(ROOT / "icons" / f"{name}.svg")
    if text is None:
        raise KeyError(f"no icon {name!r} in resources/icons")
    return text


@lru_cache(maxsize=256)
def _pixmap(name: str, color: str, size: int) -> QPixmap:
    svg = _svg(name).replace("currentColor", color)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pm)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pm


def icon(name: str, color: str = "#000000") -> QIcon:
    """The icon ``resources/icons/<name>.svg`` drawn in *color* (its ``currentColor``).

    Raises:
        KeyError: no such icon.
    """
    ic = QIcon()
    for size in (16, 24, 32, 48, 64):
        ic.addPixmap(_pixmap(name, color, size))
    return ic
