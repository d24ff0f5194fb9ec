"""The contact wizard: the on-behalf and kind dialogs, then the pages of `fieldapp.app.wizard_flow`.

Entry points for the main window:

    starting = start_new_contact(window, service, caseload, matter_id, runner=runner)
    # None if cancelled; else starting.wizardReady(ContactWizard) once the draft exists
    wizard = open_contact(window, service, caseload, stored_contact, runner=runner)  # continue a draft

`ContactWizard` signals: draftSaved(StoredContact), contactSaved(StoredContact) when final,
subsequentRequested(StoredContact), saveFailed(str).
"""

from fieldapp.gui.wizard.start import (
    KindDialog,
    OnBehalfDialog,
    StartingContact,
    open_contact,
    start_new_contact,
)
from fieldapp.gui.wizard.wizard import ContactWizard

__all__ = [
    "ContactWizard",
    "KindDialog",
    "OnBehalfDialog",
    "StartingContact",
    "open_contact",
    "start_new_contact",
]
