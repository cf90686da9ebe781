"""What one photo upload costs to check and re-encode: time and peak memory.

    .venv/bin/python scripts/bench_photos.py

Makes a few images as cameras and attackers send them (into a temporary folder), then passes
each one through tickets.photos.clean_photo — what the intake screen and the works-order page
run on every uploaded photo — in a child process of its own. The memory figure is that child's
peak resident size while cleaning (VmHWM, which the kernel resets when a process starts a new
program) less its resident size just before: Python, Django and Pillow already loaded, the file
already read. Pillow allocates pixels outside Python's allocator, where tracemalloc does not
look; the resident size sees them. Needs no database.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _phone_photo(width: int, height: int, *, grain: bool = True):
    """Smooth gradients with a little grain: compresses like a photo, not like a flat fill."""
    from PIL import Image

    red = Image.linear_gradient("L").resize((width, height))
    green = red.transpose(Image.Transpose.ROTATE_180)
    blue = Image.effect_noise((width, height), 12) if grain else red
    return Image.merge("RGB", (red, green, blue))


def _flat_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of zeros, streamed through zlib without holding the image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    row = b"\0" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    data = [packer.compress(row * min(256, height - top)) for top in range(0, height, 256)]
    data.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(data))
        + chunk(b"IEND", b"")
    )


def make_samples(folder: Path) -> list[tuple[str, Path]]:
    from PIL import Image

    samples = []

    def keep(label: str, name: str, image, fmt: str, **options) -> None:
        path = folder / name
        image.save(path, fmt, **options)
        samples.append((label, path))

    # The example: a flat 7000 × 7000 PNG of about 190 kB.
    keep("7000×7000 PNG, flat (49 MP)", "flat.png", Image.new("RGB", (7000, 7000), "white"), "PNG")
    exif = Image.Exif()
    exif[0x0112] = 6  # taken in portrait: the re-encode must turn it
    keep(
        "4000×3000 JPEG (12 MP phone photo)",
        "phone.jpg",
        _phone_photo(4000, 3000),
        "JPEG",
        quality=90,
        exif=exif,
    )
    keep("6000×4000 JPEG (24 MP)", "big.jpg", _phone_photo(6000, 4000), "JPEG", quality=90)
    # Without grain, so that a PNG this size stays under the per-file byte limit.
    keep("6000×4000 PNG (24 MP)", "big.png", _phone_photo(6000, 4000, grain=False), "PNG")
    bomb = folder / "bomb.png"
    bomb.write_bytes(_flat_png(40000, 40000))  # Pillow would need 1.6 GB just to draw it
    samples.append(("40000×40000 PNG bomb (1.6 GP)", bomb))
    return samples


def clean_one(path: str) -> dict:
    """In the child: load Django, read the file, then measure clean_photo alone."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tickets.photos import clean_photo

    upload = SimpleUploadedFile(Path(path).name, Path(path).read_bytes())
    before_kb = _status_kb("VmRSS")
    started = time.perf_counter()
    try:
        result = clean_photo(upload)
    except ValidationError as refused:
        outcome = "refused: " + " ".join(refused.messages)
    else:
        from PIL import Image

        with Image.open(io.BytesIO(result.read())) as kept:
            outcome = f"kept {kept.width}×{kept.height} JPEG, {result.size / 1e6:.2f} MB"
    seconds = time.perf_counter() - started
    peak_kb = _status_kb("VmHWM")
    return {
        "seconds": seconds,
        "peak_mb": max(0, peak_kb - before_kb) / 1024,
        "outcome": outcome,
    }


def _status_kb(field: str) -> int:
    # Not getrusage's ru_maxrss: Linux carries that over fork and exec, so the child would start
    # with this script's own peak (about 1.5 GB from drawing the samples).
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status (Linux only)")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        samples = make_samples(Path(folder))
        print("| photo | file | s | peak MB above the process | outcome |")
        print("| --- | --- | --- | --- | --- |")
        for label, path in samples:
            child = subprocess.run(
                [sys.executable, __file__, "--one", str(path)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            size = path.stat().st_size
            shown = f"{size / 1e6:.1f} MB" if size > 1e6 else f"{size / 1e3:.0f} kB"
            print(
                f"| {label} | {shown} | {figures['seconds']:.2f} | {figures['peak_mb']:.0f} "
                f"| {figures['outcome']} |"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(clean_one(sys.argv[2])))
    else:
        main()
