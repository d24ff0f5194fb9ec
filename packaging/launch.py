"""Entry point of the frozen app (PyInstaller): the same `fieldapp` command line; no arguments opens the
main window (`fieldapp run`)."""

import sys

from fieldapp.cli import main

if __name__ == "__main__":
    sys.exit(main())
