"""The panic banner says, in Go's words, what died, and whether the lesson's whole
program ended with it (as in Go) or only the goroutine."""

import pytest

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    "variant, words",
    [("broken", "Here too: the lesson's program ended"), ("correct", None)],
)
def test_the_panic_banner_says_whether_the_program_ended(window, qtbot, variant, words):
    assert window.open_lesson("panic-ends-program", {"variant": variant})
    if words is None:  # correct: every panic is recovered, no banner at all
        rt = window.player.runtime
        qtbot.waitUntil(lambda: rt is not None and rt.clock.now() >= 3.0, timeout=15000)
        assert window.stage.banner_kind != "panic"
        return
    qtbot.waitUntil(lambda: window.stage.banner_kind == "panic", timeout=15000)
    assert words in window.stage.banner_text
    assert "Here only this goroutine died" not in window.stage.banner_text
