"""Render the app icon from resources/icons/fieldapp.svg into the files the builds use:

    python packaging/make_icons.py

- resources/icons/fieldapp.png (256 px): the Linux menu entry, and the macOS build (PyInstaller turns it
  into .icns with Pillow);
- resources/icons/fieldapp.ico: the Windows programs, with 16-256 px images so Explorer and the taskbar
  show a sharp icon at every size (Qt writes only one image per .ico, so the file is put together here).

Qt renders the SVG (PySide6 is already a dependency; no image library to add). Run again after changing the
SVG, and commit the results.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    svg.render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("Qt could not write PNG")
    return bytes(data.data())


def ico(images: dict[int, bytes]) -> bytes:
    """An .ico file of PNG images (Windows Vista and later read PNG entries): header, directory, data."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    directory, data = b"", b""
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + directory + data


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt's image and SVG classes need an application
    svg = QSvgRenderer(str(ICONS / "fieldapp.svg"))
    if not svg.isValid():
        raise SystemExit("resources/icons/fieldapp.svg is not a valid SVG")
    (ICONS / "fieldapp.png").write_bytes(png_bytes(render(svg, 256)))
    (ICONS / "fieldapp.ico").write_bytes(ico({size: png_bytes(render(svg, size)) for size in ICO_SIZES}))
    print(f"wrote {ICONS / 'fieldapp.png'} and {ICONS / 'fieldapp.ico'} ({', '.join(map(str, ICO_SIZES))} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
