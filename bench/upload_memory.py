"""What one upload costs in memory: a 4096x4096 RGBA PNG (~75 KB) through the app's preprocessing.

    python -m bench.upload_memory

Each measurement runs in a fresh process (so the allocator starts clean): peak Python/NumPy allocation
(tracemalloc) and the rise of the process's peak RSS (ru_maxrss) over a baseline taken after the imports.
Pillow's own image buffers are not seen by tracemalloc; the RSS figure includes them.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys

from PIL import Image, ImageDraw

from bench import machine


def big_rgba_png(side: int = 4096) -> bytes:
    """A transparent sheet with one opaque dark 7: compresses to ~75 KB, decodes to side*side*4 bytes."""
    image = Image.new("RGBA", (side, side), (255, 255, 255, 0))
    s = side / 200
    ImageDraw.Draw(image).line([(50 * s, 40 * s), (150 * s, 40 * s), (90 * s, 170 * s)], fill=(0, 0, 0, 255),
                               width=int(14 * s))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _measure() -> None:  # runs in the child process
    import tracemalloc

    from vae_core.preprocess import load_digit

    raw = sys.stdin.buffer.read()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    digit = load_digit(raw)
    _, peak = tracemalloc.get_traced_memory()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    print(json.dumps({"tracemalloc_peak_mib": peak / 2**20, "peak_rss_rise_mib": rss / 1024,
                      "shape": list(digit.shape)}))


def measure(raw: bytes) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.upload_memory", "--child"], input=raw, capture_output=True,
                         check=True)
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def main() -> None:
    raw = big_rgba_png()
    runs = [measure(raw) for _ in range(3)]
    print(f"4096x4096 RGBA PNG, {len(raw) / 1024:.0f} KB; {machine()}")
    for r in runs:
        print(f"  peak RSS rise {r['peak_rss_rise_mib']:.0f} MiB, tracemalloc peak {r['tracemalloc_peak_mib']:.1f} MiB")


if __name__ == "__main__":
    _measure() if "--child" in sys.argv else main()
