"""``goroutine-lab --install-desktop-entry``: the app in the desktop's menu, with its icon.

Writes a freedesktop ``.desktop`` file and the app's SVG icon under the user's
XDG data directory (``$XDG_DATA_HOME``, by default ``~/.local/share``):

- ``applications/goroutine-lab.desktop``
- ``icons/hicolor/scalable/apps/goroutine-lab.svg``

No Qt here: it runs before (and without) the window. Both files are written
atomically; running it again replaces them.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from core.persist import atomic_write_bytes, atomic_write_text

__all__ = ["APP_ID", "desktop_entry_text", "entry_paths", "install_desktop_entry", "launch_command"]

APP_ID = "goroutine-lab"
ICON_SOURCE = Path(__file__).resolve().parent.parent / "resources" / "icons" / "app.svg"


def _data_home(environ: Mapping[str, str]) -> Path:
    xdg = environ.get("XDG_DATA_HOME", "").strip()
    # The spec: a relative XDG_DATA_HOME is invalid and must be ignored.
    if xdg and os.path.isabs(xdg):
        return Path(xdg)
    return Path(environ.get("HOME") or Path.home()) / ".local" / "share"


def entry_paths(environ: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """Where the ``.desktop`` file and the icon go (the About box shows these)."""
    home = _data_home(os.environ if environ is None else environ)
    return (
        home / "applications" / f"{APP_ID}.desktop",
        home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
    )


def launch_command() -> list[str]:
    """How the desktop starts the app: the ``goroutine-lab`` script beside this Python
    (a venv's ``bin``), else on ``PATH``, else this Python running ``main.py``."""
    bindir = Path(sys.executable).parent
    for name in (APP_ID, f"{APP_ID}.exe"):
        if (bindir / name).is_file():
            return [str(bindir / name)]
    found = shutil.which(APP_ID)
    if found:
        return [found]
    return [sys.executable, str(Path(__file__).resolve().parent.parent / "main.py")]


def _exec_quote(arg: str) -> str:
    """Quote one argument of ``Exec=`` (the spec's rules: double quotes, and a
    backslash before ``"``, `` ` ``, ``$`` and ``\\``; ``%`` is doubled)."""
    arg = arg.replace("%", "%%")
    if arg and all(c.isalnum() or c in "/._-+=:," for c in arg):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def desktop_entry_text(command: list[str], icon: str = APP_ID) -> str:
    """The ``.desktop`` file (Desktop Entry Specification 1.5)."""
    exec_line = " ".join(_exec_quote(a) for a in command)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.5\n"
        "Name=Goroutine Lab\n"
        "GenericName=Go concurrency simulator\n"
        "Comment=Watch Go's concurrency patterns run, pause them, step them, break them\n"
        f"Exec={exec_line}\n"
        f"TryExec={command[0]}\n"
        f"Icon={icon}\n"
        "Terminal=false\n"
        "Categories=Education;Development;ComputerScience;\n"
        "Keywords=Go;golang;goroutine;channel;concurrency;teaching;\n"
        "StartupNotify=true\n"
        f"StartupWMClass={APP_ID}\n"
    )


def install_desktop_entry(environ: Mapping[str, str] | None = None) -> tuple[Path, Path]:
    """Write the desktop entry and the icon; returns their paths.

    Raises:
        OSError: a directory or file could not be written.
    """
    entry, icon = entry_paths(environ)
    entry.parent.mkdir(parents=True, exist_ok=True)
    icon.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(icon, ICON_SOURCE.read_bytes())
    atomic_write_text(entry, desktop_entry_text(launch_command()))
    # Some launchers only list entries that are executable (GNOME's "trusted" launchers).
    entry.chmod(0o755)
    return entry, icon


def main(out=None) -> int:
    """``--install-desktop-entry``: install, say where; 0 or 1."""
    out = out or sys.stdout
    try:
        entry, icon = install_desktop_entry()
    except OSError as exc:
        print(f"goroutine-lab: could not install the desktop entry: {exc}", file=sys.stderr)
        return 1
    print(f"desktop entry: {entry}\nicon:          {icon}", file=out)
    print(f"it starts: {shlex.join(launch_command())}", file=out)
    return 0
