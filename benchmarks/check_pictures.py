"""Check the pictures a class sees (issue 11's "done when").

Each lesson and variant runs in the window at 1920x1080, its first three
actions injected at 1, 2 and 3 s, and is shot at 6 s of runtime; the JSON
description beside each PNG is checked by gui.picture.problems().

    python benchmarks/check_pictures.py [--both | --presenter] [LESSON ...]

PNGs and JSON go to /tmp/pictures; prints each picture's problems and the total,
and, for pictures larger than the view (the camera pans them), how many items the
view's edge cuts: not a broken rule, but a picture that reads worse than one that fits.
"""

import concurrent.futures as cf
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path("/tmp/pictures")
sys.path.insert(0, str(ROOT))

from core.scenarios import catalogue  # noqa: E402
from gui.picture import cut_items, problems  # noqa: E402


def jobs(modes, only=None):
    for cls in catalogue():
        if only and cls.id not in only:
            continue
        variants = [None]
        for p in cls.params:
            if p.name == "variant":
                variants = list(p.choices)
        for v in variants:
            for pres in modes:
                yield cls, v, pres


def run(job):
    cls, v, pres = job
    tag = f"{cls.id}{'-' + v if v else ''}{'-P' if pres else ''}"
    out = str(OUT / f"{tag}.png")
    cmd = [
        sys.executable,
        "main.py",
        "--scenario",
        cls.id,
        "--window-size",
        "1920x1080",
        "--screenshot",
        out,
        "--quit-after",
        "6",
    ]
    if v:
        cmd += ["--param", f"variant={v}"]
    if pres:
        cmd += ["--presenter"]
    for k, a in enumerate(cls.actions[:3]):
        cmd += ["--action", f"{a.name}@{k + 1}"]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if r.returncode:
        return tag, [f"exit {r.returncode}: {r.stderr[-300:]}"], None
    d = json.loads(Path(out).with_suffix(".json").read_text())
    return tag, problems(d), None if d["fits"] else len(cut_items(d))


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    modes = (
        [False, True]
        if "--both" in sys.argv
        else ([True] if "--presenter" in sys.argv else [False])
    )
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    total = panned = cut = shot = 0
    with cf.ThreadPoolExecutor(4) as ex:
        for tag, probs, cuts in ex.map(run, list(jobs(modes, only))):
            shot += 1
            total += len(probs)
            pans = "" if cuts is None else f" (pans: {cuts} cut by the view's edge)"
            print(f"== {tag}: {len(probs)}{pans}")
            for p in probs[:12]:
                print("   ", p)
            if cuts is not None:
                panned += 1
                cut += cuts
    print("TOTAL", total)
    print(f"PANNED {panned} of {shot} pictures, {cut} items cut by the view's edge")
