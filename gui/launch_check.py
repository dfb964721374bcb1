"""Before Qt starts: are the system libraries of Qt's platform plugin there?

PySide6's wheels carry Qt, not the X11/Wayland client libraries of the desktop.
On a fresh Debian or Ubuntu desktop ``libxcb-cursor0``, ``libxcb-icccm4`` and
``libxcb-keysyms1`` are often missing, and Qt then aborts with a message that
names no package. :func:`diagnose` probes the shared libraries the chosen
platform plugin links (``dlopen`` by soname, as the dynamic loader would, so
``LD_LIBRARY_PATH`` counts) and :func:`report` says what to install.

This module imports no Qt: it runs before PySide6 is imported. Off Linux
(macOS, Windows) it does nothing, and it never calls a Linux-only function
there. ``GOROUTINE_LAB_SKIP_LIB_CHECK=1`` skips the check.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

__all__ = [
    "EXIT_MISSING_LIBRARIES",
    "PLATFORM_LIBRARIES",
    "Diagnosis",
    "MissingLibrary",
    "check",
    "diagnose",
    "distro_family",
    "install_commands",
    "platforms_to_try",
    "report",
]

# The exit status of a launch that stopped because a system library is missing.
EXIT_MISSING_LIBRARIES = 3

# soname -> (Debian/Ubuntu package, Fedora package). Read from `ldd` of PySide6 6.11's
# libqxcb.so + libQt6XcbQpa.so and libqwayland.so (libraries every desktop has, such as
# libc or libstdc++, are left out).
_XCB: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
}
_WAYLAND: dict[str, tuple[str, str]] = {
    "libwayland-client.so.0": ("libwayland-client0", "libwayland-client"),
    "libwayland-cursor.so.0": ("libwayland-cursor0", "libwayland-cursor"),
    "libwayland-egl.so.1": ("libwayland-egl1", "libwayland-egl"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
}
# Platform plugin -> what it needs. Plugins not named here (offscreen, minimal, vnc,
# linuxfb, eglfs, ...) are drawn by Qt itself or are the user's explicit choice: no check.
PLATFORM_LIBRARIES: dict[str, dict[str, tuple[str, str]]] = {"xcb": _XCB, "wayland": _WAYLAND}

Loader = Callable[[str], object]


@dataclass(frozen=True)
class MissingLibrary:
    soname: str
    debian: str
    fedora: str


@dataclass(frozen=True)
class Diagnosis:
    """What the launch found: *ok*, or the platform whose libraries are *missing*."""

    platform: str = ""
    missing: tuple[MissingLibrary, ...] = ()
    # Other platforms tried before giving up (a Wayland session falls back to xcb).
    alternatives: tuple[tuple[str, tuple[MissingLibrary, ...]], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.missing


def _dlopen(soname: str) -> object:
    return ctypes.CDLL(soname)


def platforms_to_try(environ: Mapping[str, str]) -> list[str]:
    """The Qt platform plugins Qt will try, in order, as Qt 6 chooses them on Linux.

    ``QT_QPA_PLATFORM`` wins (``"wayland;xcb"`` is a list, ``"xcb:arg=1"`` carries
    arguments). Unset, a Wayland session tries ``wayland`` then ``xcb``; else ``xcb``.
    """
    spec = environ.get("QT_QPA_PLATFORM", "").strip()
    if spec:
        return [p.split(":", 1)[0].strip().lower() for p in spec.split(";") if p.strip()]
    wayland = environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland"
    return ["wayland", "xcb"] if wayland else ["xcb"]


def _missing(platform: str, loader: Loader) -> tuple[MissingLibrary, ...]:
    out = []
    for soname, (deb, fed) in PLATFORM_LIBRARIES[platform].items():
        try:
            loader(soname)
        except OSError:
            out.append(MissingLibrary(soname, deb, fed))
    return tuple(out)


def diagnose(
    environ: Mapping[str, str] | None = None,
    loader: Loader = _dlopen,
    system: str | None = None,
) -> Diagnosis:
    """Probe the libraries of the platforms Qt will try; never raises.

    The first platform whose libraries are all there wins (as in Qt); a platform
    without known needs (offscreen, minimal, ...) wins at once. Off Linux, always ok.
    """
    environ = os.environ if environ is None else environ
    system = sys.platform if system is None else system
    if not system.startswith("linux") or environ.get("GOROUTINE_LAB_SKIP_LIB_CHECK") == "1":
        return Diagnosis()
    tried: list[tuple[str, tuple[MissingLibrary, ...]]] = []
    for platform in platforms_to_try(environ):
        if platform not in PLATFORM_LIBRARIES:
            return Diagnosis(platform)
        missing = _missing(platform, loader)
        if not missing:
            return Diagnosis(platform)
        tried.append((platform, missing))
    if not tried:
        return Diagnosis()
    first, missing = tried[0]
    return Diagnosis(first, missing, tuple(tried[1:]))


def distro_family(os_release: str | None = None) -> str:
    """``"debian"``, ``"fedora"`` or ``""`` (unknown), from ``/etc/os-release``."""
    if os_release is None:
        try:
            with open("/etc/os-release", encoding="utf-8") as f:
                os_release = f.read()
        except OSError:
            return ""
    fields = {}
    for line in os_release.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip("\"'").lower()
    ids = {fields.get("ID", ""), *fields.get("ID_LIKE", "").split()}
    if ids & {"debian", "ubuntu"}:
        return "debian"
    if ids & {"fedora", "rhel", "centos"}:
        return "fedora"
    return ""


def install_commands(missing: tuple[MissingLibrary, ...], family: str = "") -> list[str]:
    """The install lines for *missing*: the distribution's own, or both when unknown."""
    deb = sorted({m.debian for m in missing})
    fed = sorted({m.fedora for m in missing})
    lines = {
        "debian": "sudo apt-get install -y " + " ".join(deb),
        "fedora": "sudo dnf install -y " + " ".join(fed),
    }
    if family in lines:
        return [lines[family]]
    return [f"{lines['debian']}    # Debian, Ubuntu", f"{lines['fedora']}    # Fedora"]


def report(d: Diagnosis, family: str | None = None) -> str:
    """What to tell the person who launched the app (empty when all is well)."""
    if d.ok:
        return ""
    family = distro_family() if family is None else family
    names = ", ".join(m.soname for m in d.missing)
    text = [
        f"goroutine-lab: Qt's {d.platform} platform needs system libraries that are not "
        f"installed: {names}.",
        "Install them with:",
        "",
        *("    " + c for c in install_commands(d.missing, family)),
        "",
    ]
    for platform, missing in d.alternatives:
        text += [
            f"(Qt would fall back to {platform}, which also misses "
            f"{', '.join(m.soname for m in missing)}:",
            *("    " + c for c in install_commands(missing, family)),
            ")",
            "",
        ]
    text += [
        "Then run the same command again. To render without a screen (scripts, "
        "--record, --screenshot), set QT_QPA_PLATFORM=offscreen.",
    ]
    return "\n".join(text)


def check(
    environ: Mapping[str, str] | None = None,
    loader: Loader = _dlopen,
    system: str | None = None,
    err=None,
) -> int:
    """Diagnose and print the report to *err* (stderr); 0, or :data:`EXIT_MISSING_LIBRARIES`."""
    d = diagnose(environ, loader, system)
    if d.ok:
        return 0
    print(report(d), file=err or sys.stderr)
    return EXIT_MISSING_LIBRARIES
