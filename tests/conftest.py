"""Session-wide test settings: headless Qt, a test keyring, the agency clock fixed where a test asks."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("FIELDAPP_TESTING", "1")
