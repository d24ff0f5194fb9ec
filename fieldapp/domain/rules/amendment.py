"""NAR-AMEND's size: an amendment's new information is narrative added to the contact record, so it fits
the same state record as a narrative (NAR-LENGTH: the record and its continuation). The app refuses a
longer one before saving it, and the server refuses one from any client, so none reaches a worker on pull.
"""

from __future__ import annotations

from fieldapp.domain.codetables import Agency
from fieldapp.domain.findings import Finding
from fieldapp.domain.rules.common import block


def amendment_length(new_information: str, agency: Agency) -> Finding | None:
    """The NAR-LENGTH finding for an amendment's text longer than a narrative may be, else None."""
    limit = agency.narrative_max_chars
    if len(new_information) <= limit:
        return None
    return block(
        "NAR-LENGTH",
        "new_information",
        f"The amendment has {len(new_information):,} characters, {len(new_information) - limit:,} more than "
        f"the state record holds: at most {limit:,}, as for a narrative. Shorten it.",
    )
