"""Colour themes: one palette for the widgets (QSS), the stage and the plots.

Goroutine states are told apart by colour AND by shape on the stage; the
colours come from the Okabe-Ito palette (safe for the common colour-vision
deficiencies), with greys for the quiet states. Each theme keeps body text at
a contrast ratio of at least 7:1 against its background and every active
state colour at 3:1 or more, so it still reads on a washed-out projector.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from PySide6.QtGui import QColor

__all__ = ["DARK", "LIGHT", "STATE_NAMES", "THEMES", "Theme", "theme_by_name"]

# Lower-case names of core.runtime.State members, in the order a legend lists them.
STATE_NAMES: tuple[str, ...] = (
    "running",
    "runnable",
    "blocked_send",
    "blocked_recv",
    "blocked_select",
    "blocked_lock",
    "blocked_waitgroup",
    "blocked_cond",
    "sleeping",
    "done",
    "panicked",
)


@dataclass(frozen=True)
class Theme:
    """A named palette; every colour is a ``"#rrggbb"`` string.

    ``state_colors`` maps the lower-case name of each ``core.runtime.State``
    member ("running", "blocked_send", ...) to its colour.
    """

    name: str
    background: str
    surface: str
    surface_alt: str
    text: str
    muted: str
    accent: str
    grid: str
    danger: str
    warning: str
    ok: str
    chan_fill: str
    chan_closed: str
    token: str
    token_text: str
    state_colors: dict[str, str] = field(default_factory=dict)
    # qcolor's shared colours, by (field or state, alpha); not part of the palette.
    _qcolors: dict[tuple, QColor] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def color(self, field_or_state: object) -> str:
        """The hex colour of a palette field or a goroutine state.

        *field_or_state* is a field name ("accent"), a state name in any case
        ("blocked_send", "BLOCKED_SEND") or a ``core.runtime.State`` member.

        Raises:
            KeyError: neither a colour field nor a known state.
        """
        key = getattr(field_or_state, "name", field_or_state)
        if not isinstance(key, str):
            raise KeyError(field_or_state)
        state = self.state_colors.get(key.lower())
        if state is not None:
            return state
        if key in _COLOR_FIELDS:
            return getattr(self, key)
        raise KeyError(field_or_state)

    def qcolor(self, field_or_state: object, alpha: int = 255) -> QColor:
        """The colour of a palette field or a goroutine state as a ``QColor``, made
        once per theme and shared: never change it (copy it: ``QColor(c)``). Paint
        code asks for colours every frame, and a QColor made and dropped from Python
        costs the GUI thread the GIL while goroutines compute (docs/architecture.md).

        Raises:
            KeyError: neither a colour field nor a known state.
        """
        key = (field_or_state, alpha)
        c = self._qcolors.get(key)
        if c is None:
            c = QColor(self.color(field_or_state))
            c.setAlpha(alpha)
            self._qcolors[key] = c
        return c

    def template_values(self) -> dict[str, str]:
        """Every colour by name, for filling ``{{ name }}`` in QSS templates.

        States appear as ``state_<name>``.
        """
        values = {f: getattr(self, f) for f in _COLOR_FIELDS}
        values.update({f"state_{k}": v for k, v in self.state_colors.items()})
        values["name"] = self.name
        return values


_COLOR_FIELDS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Theme) if f.init and f.name not in ("name", "state_colors")
)


DARK = Theme(
    name="dark",
    background="#14171c",
    surface="#1d2229",
    surface_alt="#272e37",
    text="#eef1f5",
    muted="#9aa6b4",
    accent="#56b4e9",
    grid="#323a45",
    danger="#ff6b5b",
    warning="#f0c24b",
    ok="#3fcf9b",
    chan_fill="#2b3440",
    chan_closed="#5a4248",
    token="#f0e442",
    token_text="#14171c",
    state_colors={
        # Okabe-Ito hues, lifted a little where they would sink into the dark background.
        "running": "#19c08c",  # bluish green
        "runnable": "#56b4e9",  # sky blue
        "blocked_send": "#e69f00",  # orange
        "blocked_recv": "#4a9be0",  # blue
        "blocked_select": "#d987b8",  # reddish purple
        "blocked_lock": "#f0e442",  # yellow
        "blocked_waitgroup": "#b8a86a",  # sand
        "blocked_cond": "#b39ddb",  # lavender
        "sleeping": "#8893a3",  # grey-blue
        "done": "#4f5864",  # dim grey
        "panicked": "#ff5a3c",  # vermillion
    },
)

LIGHT = Theme(
    name="light",
    background="#f7f8fa",
    surface="#ffffff",
    surface_alt="#e9edf2",
    text="#111418",
    muted="#4a5461",
    accent="#00558c",
    grid="#d5dbe3",
    danger="#c2410c",
    warning="#a86f00",
    ok="#007a55",
    chan_fill="#e3e9f0",
    chan_closed="#f2d4d0",
    token="#ffd23f",
    token_text="#111418",
    state_colors={
        # The same hues, darkened until each stands out against white.
        "running": "#008a63",  # bluish green
        "runnable": "#1f7fb8",  # sky blue
        "blocked_send": "#b07400",  # orange
        "blocked_recv": "#0060a0",  # blue
        "blocked_select": "#b45d93",  # reddish purple
        "blocked_lock": "#8f7d00",  # yellow (deepened: pure yellow vanishes on white)
        "blocked_waitgroup": "#8a7a3c",  # sand
        "blocked_cond": "#6a4fa3",  # violet
        "sleeping": "#6e7a88",  # grey-blue
        "done": "#9aa3ae",  # light grey
        "panicked": "#c8330e",  # vermillion
    },
)

THEMES: dict[str, Theme] = {DARK.name: DARK, LIGHT.name: LIGHT}


def theme_by_name(name: str) -> Theme:
    """The theme called *name* ("dark" or "light", any case).

    Raises:
        KeyError: no theme has that name.
    """
    try:
        return THEMES[name.lower()]
    except KeyError:
        raise KeyError(f"no theme {name!r}; choose from {', '.join(THEMES)}") from None
