"""gui.resources: templates, icons, texts; gui.theme: palettes."""

from __future__ import annotations

import re

import pytest

from gui import resources
from gui.theme import DARK, LIGHT, STATE_NAMES, theme_by_name


@pytest.mark.parametrize("theme", [DARK, LIGHT])
@pytest.mark.parametrize("presenter", [False, True])
def test_stylesheet_fills_every_placeholder(theme, presenter):
    qss = resources.stylesheet(theme, presenter)
    assert "{{" not in qss and theme.accent in qss


def test_presenter_stylesheet_uses_larger_type():
    def size(qss: str) -> int:
        return int(re.search(r"font-size: (\d+)pt", qss).group(1))

    assert size(resources.stylesheet(DARK, True)) > size(resources.stylesheet(DARK, False))


def test_template_refuses_an_unknown_placeholder():
    with pytest.raises(KeyError):
        resources.template("a { color: {{ nope }}; }", {})


@pytest.mark.parametrize("name", resources.icon_names())
def test_every_icon_renders(qapp, name):
    assert not resources.icon(name, "#ff0000").pixmap(24, 24).isNull()


def test_lesson_ids_cannot_escape_the_resources_folder():
    with pytest.raises(ValueError):
        resources.lesson_text("../../etc/passwd")


def test_missing_lesson_text_is_none():
    assert resources.lesson_text("no-such-lesson") is None


@pytest.mark.parametrize("theme", [DARK, LIGHT])
def test_every_state_has_a_distinct_colour(theme):
    colors = [theme.state_colors[s] for s in STATE_NAMES]
    assert len(set(colors)) == len(STATE_NAMES)


def test_qcolor_takes_fields_states_and_enum_members(qapp):
    from core.runtime import State

    assert DARK.qcolor("accent").name() == DARK.accent
    assert DARK.qcolor(State.BLOCKED_SEND).name() == DARK.state_colors["blocked_send"]
    assert theme_by_name("LIGHT") is LIGHT
    with pytest.raises(KeyError):
        DARK.qcolor("no-such-colour")


def test_theme_state_names_match_the_runtime():
    from core.runtime import State

    assert {s.name.lower() for s in State} == set(STATE_NAMES)
