"""The rule catalog (../shared/RULES.md) and the product agree: every rule ID is proved by a test, and the
product never reports a rule ID the catalog does not have (a typo there would orphan a finding)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT.parent / "shared" / "RULES.md"
ID_SHAPE = re.compile(r"\b(?:SEL|NAR|CLS|CMP|SUP)-[A-Z0-9]+(?:-[A-Z0-9]+)*\b")


def catalog_ids() -> set[str]:
    if not CATALOG.exists():
        pytest.skip(f"rule catalog not found at {CATALOG} (it lives in shared/ beside the repository)")
    return set(
        re.findall(r"^\| ((?:SEL|NAR|CLS|CMP|SUP)-[A-Z0-9-]+) ", CATALOG.read_text(encoding="utf-8"), re.M)
    )


def test_catalog_is_read() -> None:
    ids = catalog_ids()
    assert {"SEL-STAFF", "NAR-SAMEDAY", "CLS-CLOSED", "CMP-CHILD-MONTH", "SUP-REVIEW"} <= ids


def test_every_catalog_rule_is_named_by_a_test() -> None:
    me = Path(__file__).resolve()
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py") if p.resolve() != me
    )
    missing = sorted(i for i in catalog_ids() if not re.search(rf"\b{re.escape(i)}\b", text))
    assert not missing, f"rule IDs no test names: {missing}"


def test_product_reports_only_catalog_rule_ids() -> None:
    ids = catalog_ids()
    used: dict[str, set[str]] = {}
    for path in (ROOT / "fieldapp").rglob("*.py"):
        for found in ID_SHAPE.findall(path.read_text(encoding="utf-8")):
            used.setdefault(found, set()).add(str(path.relative_to(ROOT)))
    unknown = {i: sorted(p) for i, p in used.items() if i not in ids}
    assert not unknown, f"rule IDs not in the catalog: {unknown}"
