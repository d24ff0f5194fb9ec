"""What opening a worker's profile can go wrong with, in words a person can act on.

The types live in fieldapp.domain.errors (the store raises them; the GUI catches them without importing the
store); this module names them for the application layer.
"""

from fieldapp.domain.errors import MissingKey as MissingKey
from fieldapp.domain.errors import NeedsPassphrase as NeedsPassphrase
from fieldapp.domain.errors import PassphrasePrompt as PassphrasePrompt
from fieldapp.domain.errors import PassphraseProvider as PassphraseProvider
from fieldapp.domain.errors import ProfileDamaged as ProfileDamaged
from fieldapp.domain.errors import ProfileError as ProfileError
from fieldapp.domain.errors import ProfileNotFound as ProfileNotFound
from fieldapp.domain.errors import ProfileTooNew as ProfileTooNew
from fieldapp.domain.errors import WrongKey as WrongKey
