"""Reading and converting image files with qemu-img (Debian's qemu-utils).

Images come from users, so they are treated as hostile: the format is pinned (given by the image
service, or probed once and then pinned for the conversion), and an image that points at other
files -- a qcow2 backing file or external data file -- is refused, since converting it would copy
whatever host file it names into a volume the user can read.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from domain.storage.backends import UnsafeImage, VolumeBackendError

INFO_TIMEOUT_S = 60
CONVERT_TIMEOUT_S = 3600  # a hung conversion must not hold a worker forever


@dataclass(frozen=True)
class ImageFacts:
    format: str
    virtual_size_bytes: int


def inspect(image: Path, image_format: str | None) -> ImageFacts:
    pinned = ["-f", image_format] if image_format else []
    output = _qemu_img(["info", "--output=json", *pinned, str(image)], INFO_TIMEOUT_S)
    facts = json.loads(output)
    data = facts.get("format-specific", {}).get("data", {})
    if "backing-filename" in facts or "full-backing-filename" in facts:
        raise UnsafeImage(f"image {image.name} has a backing file; only standalone images are used")
    if data.get("data-file"):
        raise UnsafeImage(f"image {image.name} keeps its data in another file")
    return ImageFacts(format=facts["format"], virtual_size_bytes=int(facts["virtual-size"]))


def convert_into(image: Path, facts: ImageFacts, target: str) -> None:
    """Write the image's disk content, as raw, into an existing target (file or block device)
    at least as large as the image's virtual size."""
    _qemu_img(
        ["convert", "-q", "-n", "-f", facts.format, "-O", "raw", str(image), target],
        CONVERT_TIMEOUT_S,
    )


def export(volume: str | None, capacity_bytes: int, target: Path, target_format: str) -> None:
    """Write a raw volume's content (a file or block device) into a new image file of
    `target_format` (qemu-img's name of it). `volume` None: a volume libvirt's test driver
    keeps, which holds no data: the image is an empty disk of its size."""
    if volume is None:
        _qemu_img(["create", "-q", "-f", target_format, str(target), str(capacity_bytes)],
                  INFO_TIMEOUT_S)
        return
    _qemu_img(["convert", "-q", "-f", "raw", "-O", target_format, volume, str(target)],
              CONVERT_TIMEOUT_S)


def _qemu_img(args: list[str], timeout_s: int) -> str:
    try:
        result = subprocess.run(
            ["qemu-img", *args], capture_output=True, text=True, timeout=timeout_s
        )
    except FileNotFoundError as error:
        raise VolumeBackendError("qemu-img is not installed (Debian package qemu-utils)") from error
    except subprocess.TimeoutExpired as error:
        raise VolumeBackendError(f"qemu-img {args[0]} took over {timeout_s}s") from error
    if result.returncode != 0:
        raise VolumeBackendError(f"qemu-img {args[0]} failed: {result.stderr.strip()}")
    return result.stdout
