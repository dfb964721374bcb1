"""Exports: the stage as SVG and PNG, animations as GIF, WebP and MP4 (menu and CLI).

Every test opens the file it made and checks its size, frame count and duration.
"""

from __future__ import annotations

import gc
import sys
import xml.etree.ElementTree as ET

import imageio_ffmpeg
import pytest
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer

from gui.animation_writer import AnimationWriter, RawFrame, format_of
from gui.app import main as app_main
from gui.export import StageRecorder, grab_frame, save_stage_picture
from gui.export_controller import ExportAnimationDialog, ExportPictureDialog
from main import build_parser

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def lesson(window, qtbot):
    """The window on a running lesson whose stage shows goroutines."""
    window.set_questions(False, remember=False)
    assert window.open_lesson("worker-pool")
    stage = window.stage

    def shown() -> int:
        items = (stage.goroutine_item(g) for g in list(stage.model.goroutines))
        return sum(1 for i in items if i is not None and i.isVisible())

    qtbot.waitUntil(lambda: shown() >= 3, timeout=5000)
    return window


def gif_frames(path) -> tuple[int, int, tuple[int, int]]:
    """(frames, total duration in ms, size) of a GIF or WebP."""
    with Image.open(path) as im:
        total = 0
        for i in range(im.n_frames):
            im.seek(i)
            im.load()  # WebP sets the frame's duration when it decodes it
            total += im.info.get("duration", 0)
        return im.n_frames, total, im.size


def no_temporaries(directory) -> bool:
    return not [p for p in directory.iterdir() if p.name.startswith(".tmp-")]


# -- pictures ---------------------------------------------------------------------------


def test_svg_of_the_stage_is_vectors_and_text(lesson, tmp_path):
    path = save_stage_picture(lesson.stage, tmp_path / "stage.svg", title="worker pool")
    vp = lesson.stage.viewport()
    root = ET.parse(path).getroot()
    assert root.get("viewBox") == f"0 0 {vp.width()} {vp.height()}"
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert len(texts) >= 5 and {"main", "producer"} & set(texts)  # names are text, not pixels
    assert not list(root.iter(f"{SVG}image"))
    assert QSvgRenderer(str(path)).isValid()
    assert no_temporaries(tmp_path)


@pytest.mark.parametrize("scale", [1, 2])
def test_png_of_the_stage_at_1x_and_2x(lesson, tmp_path, scale):
    path = save_stage_picture(lesson.stage, tmp_path / "stage.png", scale)
    vp = lesson.stage.viewport()
    img = QImage(str(path))
    assert (img.width(), img.height()) == (vp.width() * scale, vp.height() * scale)


def test_picture_refuses_another_extension(lesson, tmp_path):
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        save_stage_picture(lesson.stage, tmp_path / "stage.jpg")


def test_a_frame_is_the_stage_as_plain_bytes(lesson):
    f = grab_frame(lesson.stage, 0.0)
    assert isinstance(f.data, bytes) and len(f.data) == f.stride * f.height
    assert (f.width, f.height) == (lesson.stage.width(), lesson.stage.height())


# -- the writer, without Qt: frames land on the time grid --------------------------------


def solid(t: float, rgb: tuple[int, int, int], size=(64, 48)) -> RawFrame:
    w, h = size
    data = Image.new("RGB", size, rgb).convert("RGBX").tobytes("raw", "BGRX")
    return RawFrame(t, w, h, w * 4, data)


@pytest.mark.parametrize("ext", ["gif", "webp", "mp4"])
def test_writer_places_late_frames_on_the_grid(tmp_path, ext):
    path = tmp_path / f"a.{ext}"
    w = AnimationWriter(path, (64, 48), fps=10)
    w.start()
    for t, rgb in [(0.0, (255, 0, 0)), (0.1, (0, 255, 0)), (0.42, (0, 0, 255))]:
        assert w.submit(solid(t, rgb))
    w.finish(1.0)
    assert w.join(20.0) and w.error is None
    assert w.frames_written == 10  # 1 s at 10 fps: the late frame filled the gap
    if ext == "mp4":
        assert imageio_ffmpeg.count_frames_and_secs(str(path)) == (10, 1.0)
        return
    frames, ms, size = gif_frames(path)
    assert size == (64, 48) and ms == 1000
    assert frames == 3  # red, green (held until the blue one came), blue to the end


def test_writer_letterboxes_another_aspect(tmp_path):
    w = AnimationWriter(tmp_path / "a.gif", (128, 48), fps=10, background=(1, 2, 3))
    w.start()
    w.submit(solid(0.0, (250, 250, 250)))
    w.finish(0.2)
    assert w.join(10.0) and w.error is None
    with Image.open(tmp_path / "a.gif") as im:
        rgb = im.convert("RGB")
        assert rgb.getpixel((2, 24)) == (1, 2, 3) and rgb.getpixel((64, 24)) == (250, 250, 250)


def test_writer_refuses_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match=r"\.gif, \.webp, \.mp4"):
        format_of(tmp_path / "a.avi")


def test_cancelled_writer_keeps_the_previous_file(tmp_path):
    path = tmp_path / "a.gif"
    path.write_bytes(b"previous")
    w = AnimationWriter(path, (64, 48), fps=10)
    w.start()
    w.submit(solid(0.0, (9, 9, 9)))
    w.cancel()
    assert w.join(10.0)
    assert path.read_bytes() == b"previous" and no_temporaries(tmp_path)


# -- recording the stage -------------------------------------------------------------------


@pytest.mark.parametrize("ext", ["gif", "webp", "mp4"])
def test_recording_covers_the_span_of_runtime(lesson, qtbot, tmp_path, ext):
    path = tmp_path / f"rec.{ext}"
    rt = lesson.player.runtime
    rec = StageRecorder(lesson.stage, path, 0.5, rt.clock.now, fps=10, size=(320, 180))
    with qtbot.waitSignal(rec.finished, timeout=15000):
        rec.start()
    assert rec.writer.join(5.0)
    assert rec.runtime_done() >= 0.5
    expected = rec.expected_frames()
    assert rec.writer.frames_written == expected
    # The recorded time on the 10 fps grid (half a frame either way), plus the one frame
    # a last grab adds when it rounds onto the end's slot (the writer keeps it: it was
    # shown). Under load the timer's last tick can come just before the stop, so that
    # happens; "within one frame" failed then by 0.04 s.
    assert abs(expected / 10 - rec.recorded_s) <= 0.15 + 1e-9
    if ext == "mp4":
        frames, secs = imageio_ffmpeg.count_frames_and_secs(str(path))
        assert frames == expected and abs(secs - expected / 10) < 0.01
    else:
        frames, ms, size = gif_frames(path)
        assert size == (320, 180)
        assert 1 <= frames <= expected
        assert abs(ms - expected * 100) <= 10
    assert 1_000 < path.stat().st_size < 5_000_000
    assert no_temporaries(tmp_path)


def test_recording_plays_at_the_teachers_speed(lesson, qtbot, tmp_path):
    """At 2x, 1 s of runtime takes about 0.5 s: the animation lasts what the class saw."""
    lesson.player.set_speed(2.0)
    rt = lesson.player.runtime
    rec = StageRecorder(lesson.stage, tmp_path / "a.gif", 1.0, rt.clock.now, 10, (160, 90))
    with qtbot.waitSignal(rec.finished, timeout=15000):
        rec.start()
    _, ms, _ = gif_frames(tmp_path / "a.gif")
    assert 400 <= ms <= 800


def test_cancelling_a_recording_writes_nothing(lesson, qtbot, tmp_path):
    rt = lesson.player.runtime
    rec = StageRecorder(lesson.stage, tmp_path / "a.mp4", 30.0, rt.clock.now, 10, (160, 90))
    rec.start()
    qtbot.waitUntil(lambda: rec.writer.frames_written >= 2, timeout=5000)
    with qtbot.waitSignal(rec.failed, timeout=5000) as sig:
        rec.cancel()
    assert sig.args == ["cancelled"] and rec.writer.done
    assert not (tmp_path / "a.mp4").exists() and no_temporaries(tmp_path)


def test_menu_recording_shows_progress_and_says_where(lesson, qtbot, tmp_path):
    ctl = lesson.exporter
    path = tmp_path / "menu.gif"
    rec = ctl.start_recording(path, 0.4, 10, (160, 90))
    assert ctl.dialog.isVisible() and not ctl.dialog.isModal()
    with qtbot.waitSignal(rec.finished, timeout=15000):
        pass
    qtbot.waitUntil(lambda: not ctl.dialog.isVisible(), timeout=2000)
    assert str(path) in lesson.statusBar().currentMessage()
    assert gif_frames(path)[2] == (160, 90)


def test_closing_the_window_cancels_a_recording(lesson, qtbot, tmp_path):
    rec = lesson.exporter.start_recording(tmp_path / "a.gif", 60.0, 10, (160, 90))
    qtbot.waitUntil(lambda: rec.writer.frames_written >= 1, timeout=5000)
    lesson.close()
    assert rec.writer.done and rec.state == "failed"
    assert not (tmp_path / "a.gif").exists()


def test_export_dialogs_follow_the_chosen_format(qtbot, tmp_path):
    pic = ExportPictureDialog(tmp_path / "lesson", (800, 450))
    qtbot.addWidget(pic)
    assert pic.choice() == (tmp_path / "lesson.svg", 0)
    pic.kind.setCurrentIndex(2)
    assert pic.choice() == (tmp_path / "lesson.png", 2)
    assert "1600 x 900" in pic.note.text()
    anim = ExportAnimationDialog(tmp_path / "lesson", speed=0.5)
    qtbot.addWidget(anim)
    anim.kind.setCurrentIndex(2)
    c = anim.choice()
    assert c["path"] == tmp_path / "lesson.mp4" and c["size"] == (1280, 720)
    assert "20.0 s" in anim.note.text()  # 10 s of runtime at 0.5x


# -- the command line -------------------------------------------------------------------------


def run_app(argv: list[str]) -> int:
    interval = sys.getswitchinterval()
    try:
        return app_main(build_parser().parse_args(argv))
    finally:
        sys.setswitchinterval(interval)
        gc.unfreeze()  # main() froze the test process's heap, as it does the app's


def test_cli_record_writes_the_first_seconds_of_the_run(tmp_path, capsys, no_new_goroutines):
    path = tmp_path / "cli.gif"
    argv = ["--scenario", "select", "--record", str(path), "--quit-after", "0.5"]
    assert run_app([*argv, "--record-size", "320x180", "--record-fps", "10"]) == 0
    frames, ms, size = gif_frames(path)
    assert size == (320, 180) and frames >= 1 and 500 <= ms <= 800
    assert f"to {path}" in capsys.readouterr().out


def test_cli_screenshot_svg_is_the_stage(tmp_path, no_new_goroutines):
    path = tmp_path / "shot.svg"
    assert run_app(["--scenario", "select", "--screenshot", str(path), "--quit-after", "0.3"]) == 0
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg" and list(root.iter(f"{SVG}text"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--record", "x.avi"], ".gif, .webp, .mp4"),
        (["--record", "x.gif", "--record-size", "big"], "WIDTHxHEIGHT"),
        (["--record", "x.gif", "--record-fps", "500"], "--record-fps"),
        (["--screenshot", "x.jpg"], ".png (the window) or .svg"),
    ],
)
def test_cli_refuses_bad_export_options(argv, message, capsys):
    assert run_app(argv) == 2
    assert message in capsys.readouterr().err
