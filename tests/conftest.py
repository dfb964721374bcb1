import faulthandler
import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(__file__))


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="also run the long variants marked @pytest.mark.slow",
    )


# A test stuck with the GIL held (a native deadlock) is out of reach of pytest-timeout;
# faulthandler's watchdog is a C thread: it prints every thread's stack and ends the
# run, so CI fails in minutes with a diagnosis instead of hanging for its 90.
HARD_LIMIT_S = 180


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    faulthandler.dump_traceback_later(HARD_LIMIT_S, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()
