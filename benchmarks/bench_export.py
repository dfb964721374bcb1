"""Export benchmark: record the stage for N s at WxH and F fps to GIF, WebP and MP4.

Prints, per format: frames, file size, the GUI thread's grab cost per frame, the
encoder thread's busy time, and the encode time ratio (time from the start of the
recording until the file is written, over the recorded time; 1.0 = it kept up).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_export.py [--seconds 10] [--lesson ID]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from gui.export import StageRecorder
from gui.main_window import MainWindow
from gui.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--fps", type=float, default=15.0)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--lesson", default="worker-pool")
    ap.add_argument("--out", default="/tmp/goroutine-lab-bench")
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split("x"))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    sys.setswitchinterval(0.001)
    app = QApplication.instance() or QApplication([])
    settings = Settings(QSettings(str(out / "settings.ini"), QSettings.Format.IniFormat))
    print(f"{a.lesson}, {a.seconds:g} s at {size[0]}x{size[1]}, {a.fps:g} fps")
    print(f"{'format':6} {'frames':>6} {'MB':>6} {'grab ms':>8} {'enc busy s':>10} {'ratio':>6}")
    for ext in ("gif", "webp", "mp4"):
        w = MainWindow(settings, theme="dark", remember=False)
        w.set_questions(False, remember=False)
        w.resize(size[0] + 700, size[1] + 320)
        w.show()
        w.open_lesson(a.lesson)
        app.processEvents()
        rt = w.player.runtime
        rec = StageRecorder(w.stage, out / f"stage.{ext}", a.seconds, rt.clock.now, a.fps, size)
        t0 = time.monotonic()
        rec.start()
        while rec.state in ("recording", "encoding"):
            app.processEvents()
            time.sleep(0.002)
        total = time.monotonic() - t0
        wr = rec.writer
        assert wr.written is not None, wr.error
        print(
            f"{ext:6} {wr.frames_written:>6} {wr.written.stat().st_size / 1e6:>6.2f} "
            f"{rec.grab_seconds / max(1, rec.grabs) * 1000:>8.2f} {wr.encode_seconds:>10.2f} "
            f"{total / rec.recorded_s:>6.2f}" + (f"  (dropped {wr.dropped})" if wr.dropped else "")
        )
        w.close()
        w.player.wait_stopped(5.0)


if __name__ == "__main__":
    main()
