"""Entry point of the frozen app (PyInstaller): the `fieldapp` command line.

The folder holds two programs built from this file (packaging/fieldapp.spec): `fieldapp`, the command line
(no arguments opens the main window), and `fieldapp-gui`, the same start as `fieldapp run` without a
console window (what a Start menu entry or the macOS Dock opens).
"""

import sys
from pathlib import Path

from fieldapp.cli import gui_main, main

if __name__ == "__main__":
    program = Path(sys.executable).stem.lower()
    sys.exit(gui_main() if program == "fieldapp-gui" else main())
