"""The launch: system libraries checked before Qt, the console script, the desktop entry,
and the command line's messages for a wrong action or parameter."""

from __future__ import annotations

import argparse
import configparser
import io
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from core.scenarios import headless
from gui import desktop_entry, launch_check, launcher
from gui.launch_check import EXIT_MISSING_LIBRARIES, diagnose, platforms_to_try, report

ROOT = Path(__file__).resolve().parent.parent
FRESH_DEBIAN = {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}


def loader_without(missing: set[str]):
    """A fake dlopen: every library loads except *missing*; records what was asked."""
    asked: list[str] = []

    def load(soname: str) -> object:
        asked.append(soname)
        if soname in missing:
            raise OSError(f"{soname}: cannot open shared object file: No such file or directory")
        return object()

    load.asked = asked
    return load


X11 = {"DISPLAY": ":0"}


def test_missing_xcb_libraries_are_named_with_the_apt_get_line():
    d = diagnose(X11, loader_without(FRESH_DEBIAN), "linux")
    assert not d.ok and d.platform == "xcb"
    assert {m.soname for m in d.missing} == FRESH_DEBIAN
    text = report(d, family="debian")
    assert "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in text
    assert "dnf" not in text


def test_fedora_gets_the_dnf_line():
    d = diagnose(X11, loader_without({"libxcb-cursor.so.0"}), "linux")
    assert "sudo dnf install -y xcb-util-cursor" in report(d, family="fedora")


def test_an_unknown_distribution_gets_both_lines():
    text = report(diagnose(X11, loader_without({"libxcb-icccm.so.4"}), "linux"), family="")
    assert "apt-get install -y libxcb-icccm4" in text and "dnf install -y xcb-util-wm" in text


def test_distro_family_reads_os_release():
    assert launch_check.distro_family('ID=ubuntu\nID_LIKE="debian"\n') == "debian"
    assert launch_check.distro_family("ID=debian\n") == "debian"
    assert launch_check.distro_family("ID=fedora\n") == "fedora"
    assert launch_check.distro_family("ID=arch\n") == ""


def test_all_libraries_present_is_ok():
    assert diagnose(X11, loader_without(set()), "linux").ok


@pytest.mark.parametrize("platform", ["offscreen", "minimal", "vnc", "offscreen:fontengine=x"])
def test_platforms_drawn_by_qt_itself_are_not_checked(platform):
    load = loader_without(FRESH_DEBIAN)
    assert diagnose({"QT_QPA_PLATFORM": platform}, load, "linux").ok
    assert load.asked == []


def test_qt_qpa_platform_wayland_checks_the_wayland_libraries():
    load = loader_without(FRESH_DEBIAN)  # xcb's are missing, Wayland's are not
    d = diagnose({"QT_QPA_PLATFORM": "wayland"}, load, "linux")
    assert d.ok and d.platform == "wayland"
    assert "libxcb-cursor.so.0" not in load.asked


def test_a_wayland_session_falls_back_to_xcb_as_qt_does():
    assert platforms_to_try({"WAYLAND_DISPLAY": "wayland-0"}) == ["wayland", "xcb"]
    assert platforms_to_try({"XDG_SESSION_TYPE": "wayland"}) == ["wayland", "xcb"]
    assert platforms_to_try({"QT_QPA_PLATFORM": "wayland;xcb"}) == ["wayland", "xcb"]
    assert platforms_to_try({}) == ["xcb"]
    # Wayland's libraries are there: the missing xcb ones do not matter.
    assert diagnose({"WAYLAND_DISPLAY": "w"}, loader_without(FRESH_DEBIAN), "linux").ok
    d = diagnose(
        {"WAYLAND_DISPLAY": "w"},
        loader_without(FRESH_DEBIAN | {"libwayland-cursor.so.0"}),
        "linux",
    )
    assert d.platform == "wayland" and d.alternatives[0][0] == "xcb"
    assert "libwayland-cursor0" in report(d, "debian") and "libxcb-cursor0" in report(d, "debian")


@pytest.mark.parametrize("system", ["darwin", "win32"])
def test_macos_and_windows_are_not_probed(system):
    load = loader_without(FRESH_DEBIAN)
    assert diagnose({}, load, system).ok and load.asked == []


def test_the_check_can_be_skipped():
    env = {"GOROUTINE_LAB_SKIP_LIB_CHECK": "1"}
    assert diagnose(env, loader_without(FRESH_DEBIAN), "linux").ok


def test_check_prints_the_report_and_returns_its_status():
    err = io.StringIO()
    assert launch_check.check(X11, loader_without(FRESH_DEBIAN), "linux", err) == 3
    assert "apt-get install" in err.getvalue() or "dnf install" in err.getvalue()
    assert EXIT_MISSING_LIBRARIES == 3


def test_the_launch_stops_before_qt_when_a_library_is_missing():
    """A fresh process whose dlopen misses libxcb-cursor: the exact line, status 3, no Qt."""
    code = (
        "import sys, ctypes\n"
        "real = ctypes.CDLL\n"
        "class Fake(real):\n"
        "    def __init__(self, name, *a, **k):\n"
        "        if name == 'libxcb-cursor.so.0': raise OSError(name)\n"
        "        super().__init__(name, *a, **k)\n"
        "ctypes.CDLL = Fake\n"
        "from gui import launcher\n"
        "rc = launcher.main(['--scenario', 'select'])\n"
        "assert 'PySide6' not in sys.modules, 'Qt was imported before the check'\n"
        "sys.exit(rc)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "DISPLAY": ":99", "HOME": "/nonexistent"}
    p = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert p.returncode == 3, p.stderr
    assert "libxcb-cursor.so.0" in p.stderr and "libxcb-cursor0" in p.stderr


def test_gui_package_and_launch_modules_import_no_qt():
    code = (
        "import sys\n"
        "import gui, gui.launcher, gui.launch_check, gui.desktop_entry, gui.animation_writer\n"
        "import main\n"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_the_console_script_is_the_same_entry_as_main_py():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["goroutine-lab"] == "gui.launcher:main"
    import main

    assert main.main is launcher.main


def test_the_console_script_parses_headless_options(capfd):
    assert launcher.main(["--list-scenarios"]) == 0
    assert "worker-pool" in capfd.readouterr().out


def test_record_without_a_display_renders_offscreen():
    env: dict[str, str] = {}
    args = argparse.Namespace(record="x.gif", screenshot=None)
    launcher._headless_rendering(args, env)
    if sys.platform.startswith("linux"):
        assert env == {"QT_QPA_PLATFORM": "offscreen"}
    env = {"DISPLAY": ":0"}
    launcher._headless_rendering(args, env)
    assert "QT_QPA_PLATFORM" not in env


# -- the desktop entry -----------------------------------------------------------------


def test_install_desktop_entry_writes_the_entry_and_the_icon(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    assert launcher.main(["--install-desktop-entry"]) == 0
    entry = tmp_path / "share" / "applications" / "goroutine-lab.desktop"
    icon = tmp_path / "share" / "icons" / "hicolor" / "scalable" / "apps" / "goroutine-lab.svg"
    assert icon.read_bytes().startswith(b"<svg")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(entry.read_text(encoding="utf-8"))
    d = parser["Desktop Entry"]
    assert d["Type"] == "Application" and d["Name"] == "Goroutine Lab"
    assert d["Icon"] == "goroutine-lab" and d["Terminal"] == "false"
    assert d["Exec"] and "Education;" in d["Categories"]
    out = capsys.readouterr().out
    assert str(entry) in out and str(icon) in out


def test_desktop_entry_defaults_to_local_share(tmp_path):
    entry, icon = desktop_entry.entry_paths({"HOME": str(tmp_path), "XDG_DATA_HOME": "relative"})
    assert entry == tmp_path / ".local/share/applications/goroutine-lab.desktop"
    assert icon == tmp_path / ".local/share/icons/hicolor/scalable/apps/goroutine-lab.svg"


def test_exec_quotes_paths_with_spaces():
    text = desktop_entry.desktop_entry_text(["/opt/my apps/bin/goroutine-lab"])
    assert 'Exec="/opt/my apps/bin/goroutine-lab"' in text


# -- messages of the command line --------------------------------------------------------


def _headless(argv: list[str], capfd) -> tuple[int, str, str]:
    from core.cli import build_parser

    rc = headless.main(build_parser().parse_args(["--headless", *argv]))
    cap = capfd.readouterr()
    return rc, cap.out, cap.err


def test_unknown_action_lists_the_lessons_actions(capfd):
    rc, _, err = _headless(["--scenario", "worker-pool", "--action", "bogus@1"], capfd)
    assert rc == 2
    assert "worker-pool has no action 'bogus'" in err
    assert "burst" in err and "shutdown" in err


def test_param_errors_list_the_parameters_and_their_ranges(capfd):
    rc, _, err = _headless(["--scenario", "worker-pool", "--param", "workers=99"], capfd)
    assert rc == 2
    assert "workers must be from 1 to 8" in err
    assert "workers       integer 1..8" in err and "variant" in err
    rc, _, err = _headless(["--scenario", "worker-pool", "--param", "nope=1"], capfd)
    assert rc == 2 and "queue_size" in err and "integer 0..20" in err


def test_a_headless_deadlock_prints_gos_fatal_error_once(capfd):
    argv = ["--scenario", "deadlock", "--param", "variant=broken", "--duration", "1.5"]
    rc, out, _ = _headless([*argv, "--speed", "4"], capfd)
    assert rc == 0
    assert out.count("fatal error: all goroutines are asleep - deadlock!") == 1
