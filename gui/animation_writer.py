"""Encode the stage's frames to an animated GIF, WebP or MP4, off the GUI thread.

The window grabs a frame of the stage on the GUI thread (a cheap blit, see
:mod:`gui.export`), copies its pixels into a :class:`RawFrame` (plain bytes:
no Qt object crosses over) and hands it to :meth:`AnimationWriter.submit`.
One Python thread turns the frames into the file:

- frames are placed on a fixed grid of ``fps`` frames a second by the wall time
  they were grabbed at, so the animation plays exactly as fast as the stage did
  (at the teacher's speed): a late grab repeats the previous frame, an early one
  replaces it;
- each frame is scaled to fit the output size (letterboxed in the stage's
  background colour when the aspect differs);
- GIF (Pillow, streamed): the first frame has the global palette, each later
  frame is only the rectangle that changed, with its own palette, and runs of
  identical frames become one frame that lasts longer. Memory stays flat however
  long the recording;
- WebP and MP4: piped to the ffmpeg that the ``imageio-ffmpeg`` wheel ships
  (libwebp_anim, libx264); no system ffmpeg is needed.

The file appears only when it is complete (:func:`core.persist.atomic_write_bytes`);
cancelling or a failure leaves the previous file, if any, as it was.
Nothing here imports Qt.
"""

from __future__ import annotations

import io
import os
import queue
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import GifImagePlugin, Image, ImageChops

from core.persist import atomic_write_bytes

__all__ = [
    "FORMATS",
    "MAX_FPS",
    "AnimationWriter",
    "RawFrame",
    "format_of",
]

FORMATS = {".gif": "GIF", ".webp": "WebP", ".mp4": "MP4 (H.264)"}
MAX_FPS = 50  # a GIF delay is counted in 1/100 s, and browsers slow down delays under 2
MAX_QUEUED = 12  # grabbed frames waiting for the encoder (a full stage frame is a few MB)
_END = object()


@dataclass(frozen=True, slots=True)
class RawFrame:
    """One grabbed picture: 32-bit pixels as Qt's ``Format_RGB32`` lays them out.

    *t* is the wall time (seconds) since the recording started; *rawmode* is
    Pillow's name of the byte order (``"BGRX"`` on little-endian machines).
    """

    t: float
    width: int
    height: int
    stride: int
    data: bytes
    rawmode: str = "BGRX" if sys.byteorder == "little" else "XRGB"


def format_of(path: str | os.PathLike) -> str:
    """``"gif"``, ``"webp"`` or ``"mp4"`` from the file name.

    Raises:
        ValueError: another extension (the message lists the ones we write).
    """
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise ValueError(
            f"cannot record to {Path(path).name!r}: the name must end in "
            + ", ".join(FORMATS)
            + " ("
            + ", ".join(FORMATS.values())
            + ")"
        )
    return ext[1:]


class AnimationWriter:
    """Turns submitted frames into *path*, on its own thread (see the module docstring).

    Use from one thread (the GUI's): :meth:`start`, :meth:`submit` per frame,
    then :meth:`finish` (or :meth:`cancel`), and poll :attr:`done` or :meth:`join`.
    ``frames_written``, ``dropped``, ``error`` and ``written`` may be read at any time.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        size: tuple[int, int],
        fps: float = 15.0,
        background: tuple[int, int, int] = (0, 0, 0),
    ) -> None:
        self.path = Path(path)
        self.format = format_of(path)
        if not 1 <= fps <= MAX_FPS:
            raise ValueError(f"fps must be from 1 to {MAX_FPS}, got {fps:g}")
        w, h = int(size[0]), int(size[1])
        if self.format == "mp4":  # H.264 in 4:2:0 wants even sides
            w, h = w - w % 2, h - h % 2
        if w < 16 or h < 16:
            raise ValueError(f"the animation must be at least 16x16 pixels, got {w}x{h}")
        self.size = (w, h)
        self.fps = float(fps)
        self.background = tuple(background)
        self.frames_written = 0  # frames on the output grid so far (GIF: before merging)
        self.total_frames = 0  # the animation's length in grid frames, once finish() is seen
        self.received = 0
        self.dropped = 0  # grabbed frames the encoder had no room for (the previous repeats)
        self.written: Path | None = None  # set once the file is complete
        self.error: BaseException | None = None
        self.encode_seconds = 0.0  # thread time spent converting and encoding
        # Unbounded, so that finish() and cancel() never block; submit() bounds the frames.
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._cancel = threading.Event()
        self._finishing = False
        self._thread = threading.Thread(
            target=self._run, name=f"animation-writer {self.path.name}", daemon=True
        )

    # -- the GUI thread's side -------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def submit(self, frame: RawFrame) -> bool:
        """Queue *frame*; never blocks. False (and counted) when the encoder is behind."""
        if self._finishing or self._cancel.is_set():
            return False
        if self._queue.qsize() >= MAX_QUEUED:
            self.dropped += 1
            return False
        self._queue.put(frame)
        self.received += 1
        return True

    def finish(self, end_t: float) -> None:
        """No more frames: the animation lasts *end_t* seconds. Never blocks."""
        if not self._finishing:
            self._finishing = True
            self._queue.put((_END, end_t))

    def cancel(self) -> None:
        """Stop and write nothing. Never blocks; :meth:`join` to wait for the thread."""
        self._cancel.set()
        self._queue.put((_END, 0.0))

    def join(self, timeout: float) -> bool:
        """Wait up to *timeout* seconds for the thread; True when it has ended."""
        if self._thread.ident is not None:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def done(self) -> bool:
        return self._thread.ident is not None and not self._thread.is_alive()

    # -- the encoder thread ------------------------------------------------------------

    def _run(self) -> None:
        sink = None
        try:
            sink = _make_sink(self.format, self.size, self.fps)
            prev: Image.Image | None = None
            slot = 0  # the next grid slot to fill
            while True:
                item = self._queue.get()
                if self._cancel.is_set():
                    return
                if isinstance(item, tuple) and item[0] is _END:
                    t0 = time.perf_counter()
                    # The last grab may round onto the slot after the end: it still shows.
                    total = self.total_frames = max(1, round(item[1] * self.fps), slot)
                    if prev is not None:
                        while slot < total:
                            sink.add(prev)
                            slot += 1
                            self.frames_written = slot
                    data = sink.close()
                    sink = None
                    if self._cancel.is_set():
                        return
                    if prev is None:
                        raise RuntimeError("no frame was recorded")
                    atomic_write_bytes(self.path, data)
                    self.encode_seconds += time.perf_counter() - t0
                    self.written = self.path
                    return
                t0 = time.perf_counter()
                img = self._fit(item)
                at = round(item.t * self.fps)
                if at < slot and prev is not None:
                    prev = img  # early: the slot is filled; the newest picture repeats next
                else:
                    while slot < at and prev is not None:
                        sink.add(prev)
                        slot += 1
                    sink.add(img)
                    slot += 1
                    prev = img
                self.frames_written = slot
                self.encode_seconds += time.perf_counter() - t0
        except BaseException as exc:  # reported to the GUI thread, which polls
            self.error = exc
        finally:
            if sink is not None:
                sink.abort()

    def _fit(self, f: RawFrame) -> Image.Image:
        img = Image.frombuffer("RGB", (f.width, f.height), f.data, "raw", f.rawmode, f.stride, 1)
        tw, th = self.size
        if (f.width, f.height) == (tw, th):
            return img  # decoded from BGRX: it owns its pixels
        k = min(tw / f.width, th / f.height)
        nw, nh = max(1, round(f.width * k)), max(1, round(f.height * k))
        img = img.resize((nw, nh), Image.Resampling.BICUBIC, reducing_gap=2.0)
        if (nw, nh) == (tw, th):
            return img
        canvas = Image.new("RGB", (tw, th), self.background)
        canvas.paste(img, ((tw - nw) // 2, (th - nh) // 2))
        return canvas


# -- sinks: one per format -------------------------------------------------------------


def _make_sink(fmt: str, size: tuple[int, int], fps: float):
    if fmt == "gif":
        return _GifSink(size, fps)
    return _FfmpegSink(fmt, size, fps)


class _GifSink:
    """A GIF written frame by frame with Pillow's GIF helpers (``getheader``/``getdata``).

    Only the changed rectangle of a frame is stored, quantised on its own (a local
    colour table), so colours never drift between frames; a frame equal to the
    previous one only lengthens it. One frame is held back until its length is known.
    """

    def __init__(self, size: tuple[int, int], fps: float) -> None:
        self._out = io.BytesIO()
        self._fps = fps
        self._shown: Image.Image | None = None  # the full picture as it stands
        self._pending: tuple[Image.Image, tuple[int, int], bool] | None = None
        self._pending_from = 0  # grid slot where the pending frame starts
        self._slot = 0

    def _cs(self, slot: int) -> int:
        return round(slot * 100 / self._fps)

    def _flush(self) -> None:
        if self._pending is None:
            return
        im, offset, first = self._pending
        delay_ms = 10 * (self._cs(self._slot) - self._cs(self._pending_from))
        params: dict[str, Any] = {"duration": delay_ms}
        if not first:
            params["include_color_table"] = True
        for chunk in GifImagePlugin.getdata(im, offset, **params):
            self._out.write(chunk)
        self._pending = None

    def add(self, img: Image.Image) -> None:
        shown = self._shown
        if shown is None:
            self._flush()
            pal = _quantize(img)
            header, _ = GifImagePlugin.getheader(pal, info={"loop": 0})
            for chunk in header:
                self._out.write(chunk)
            self._pending = (pal, (0, 0), True)
        else:
            box = None if img is shown else ImageChops.difference(img, shown).getbbox()
            if box is None:
                self._slot += 1
                return
            self._flush()
            self._pending = (_quantize(img.crop(box)), (box[0], box[1]), False)
        self._pending_from = self._slot
        self._shown = img
        self._slot += 1

    def close(self) -> bytes:
        self._flush()
        self._out.write(b";")  # trailer
        return self._out.getvalue()

    def abort(self) -> None:
        self._out = io.BytesIO()


def _quantize(img: Image.Image) -> Image.Image:
    # Fast octree, no dithering: the stage is flat colours and antialiased edges, and
    # dithering noise would defeat the LZW compression and flicker from frame to frame.
    return img.quantize(256, Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)


class _FfmpegSink:
    """WebP (libwebp_anim) or MP4 (libx264), through the ffmpeg of ``imageio-ffmpeg``."""

    _PARAMS = {
        "mp4": dict(
            codec="libx264",
            pix_fmt_out="yuv420p",
            output_params=[
                *("-preset", "veryfast", "-tune", "animation", "-crf", "23"),
                *("-movflags", "+faststart"),
            ],
        ),
        "webp": dict(
            codec="libwebp_anim",
            pix_fmt_out="bgra",
            output_params=[
                *("-loop", "0", "-lossless", "0", "-quality", "80"),
                *("-compression_level", "2"),
            ],
        ),
    }

    def __init__(self, fmt: str, size: tuple[int, int], fps: float) -> None:
        try:
            import imageio_ffmpeg
        except ImportError:  # pragma: no cover - a dependency; said plainly if it went missing
            raise RuntimeError(
                f"{fmt.upper()} needs the imageio-ffmpeg package: pip install imageio-ffmpeg"
            ) from None
        self._dir = tempfile.TemporaryDirectory(prefix="goroutine-lab-rec-")
        self._file = os.path.join(self._dir.name, f"animation.{fmt}")
        self._gen = imageio_ffmpeg.write_frames(
            self._file,
            size,
            fps=fps,
            pix_fmt_in="rgb24",
            quality=None,
            macro_block_size=1,
            ffmpeg_log_level="error",
            **self._PARAMS[fmt],
        )
        self._gen.send(None)  # starts ffmpeg
        self._last: tuple[Image.Image, bytes] | None = None

    def add(self, img: Image.Image) -> None:
        if self._last is None or self._last[0] is not img:
            self._last = (img, img.tobytes())
        self._gen.send(self._last[1])

    def close(self) -> bytes:
        gen, self._gen = self._gen, None
        gen.close()  # waits for ffmpeg to write the file
        data = Path(self._file).read_bytes()
        self._dir.cleanup()
        return data

    def abort(self) -> None:
        if self._gen is not None:
            gen, self._gen = self._gen, None
            try:
                gen.close()
            except Exception:
                pass
        self._dir.cleanup()
