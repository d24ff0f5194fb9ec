"""Key handling: keyring raw key, passphrase where no secure keyring exists, and clear refusals that leave
the profile byte-for-byte unchanged (wrong key, damaged file, missing key, newer than the app)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import keyring.backends.fail
import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend
from keyrings.alt.file import PlaintextKeyring

from fieldapp.app.profile import (
    MissingKey,
    NeedsPassphrase,
    PassphrasePrompt,
    ProfileDamaged,
    ProfileNotFound,
    ProfileTooNew,
    WrongKey,
)
from fieldapp.store.keys import KEYRING_SERVICE, current_backend, is_secure_backend
from fieldapp.store.location import default_profile_dir
from fieldapp.store.profile import open_profile
from tests.factories import demo_caseload
from tests.support.test_keyring import FileKeyring


def _snapshot(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()
    }


def _provider(answer: str, log: list[PassphrasePrompt] | None = None) -> Callable[[PassphrasePrompt], str]:
    def ask(prompt: PassphrasePrompt) -> str:
        if log is not None:
            log.append(prompt)
        return answer

    return ask


def _insecure_backends() -> list[KeyringBackend]:
    return [keyring.backends.null.Keyring(), keyring.backends.fail.Keyring(), PlaintextKeyring()]


def test_default_profile_location_is_the_user_data_dir() -> None:
    assert default_profile_dir().parts[-2:] == ("fieldapp", "profile")


def test_new_profile_gets_a_random_256_bit_key_in_the_keyring(tmp_path: Path) -> None:
    a = open_profile(tmp_path / "a", create_with_caseload=demo_caseload())
    b = open_profile(tmp_path / "b", create_with_caseload=demo_caseload())
    key_a = current_backend().get_password(KEYRING_SERVICE, a.profile_id)
    key_b = current_backend().get_password(KEYRING_SERVICE, b.profile_id)
    assert key_a and key_b and key_a != key_b
    assert len(bytes.fromhex(key_a)) == 32
    assert a.key_source == "keyring"
    settings = (tmp_path / "a" / "profile.json").read_text()
    assert key_a not in settings and key_a.upper() not in settings
    a.close()
    b.close()


def test_missing_profile_is_not_created_unless_asked(tmp_path: Path) -> None:
    with pytest.raises(ProfileNotFound):
        open_profile(tmp_path / "none")
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("backend", _insecure_backends(), ids=lambda b: type(b).__module__)
def test_insecure_keyring_is_never_used_silently(backend: KeyringBackend) -> None:
    assert not is_secure_backend(backend)


def test_test_keyring_counts_as_secure() -> None:
    assert is_secure_backend(FileKeyring())


@pytest.mark.parametrize("backend", _insecure_backends(), ids=lambda b: type(b).__module__)
def test_without_secure_keyring_creation_asks_for_a_passphrase(
    tmp_path: Path, backend: KeyringBackend
) -> None:
    directory = tmp_path / "p"
    with pytest.raises(NeedsPassphrase) as needs:
        open_profile(directory, create_with_caseload=demo_caseload(), keyring_backend=backend)
    assert needs.value.new_profile
    assert str(needs.value).startswith(
        "There is no secure keyring on this computer (GNOME Keyring, KWallet, Windows Credential Locker or "
        "macOS Keychain)"
    )
    assert type(backend).__module__ not in str(needs.value)  # names no Python class (it once did)
    assert not (directory / "fieldapp.db").exists()
    prompts: list[PassphrasePrompt] = []
    profile = open_profile(
        directory,
        create_with_caseload=demo_caseload(),
        keyring_backend=backend,
        passphrase_provider=_provider("lantern orchard 42", prompts),
    )
    assert profile.key_source == "passphrase" and prompts[0].new_profile
    assert profile.caseload().worker.id == "w-ana"
    profile.close()
    # Reopen: the passphrase is asked for again (whatever the keyring is now), and it opens.
    with pytest.raises(NeedsPassphrase):
        open_profile(directory)
    reopened = open_profile(directory, passphrase_provider=_provider("lantern orchard 42"))
    assert reopened.verify_audit().ok
    reopened.close()


def test_wrong_passphrase_is_clear_and_leaves_the_file_untouched(tmp_path: Path) -> None:
    directory = tmp_path / "p"
    null = keyring.backends.null.Keyring()
    open_profile(
        directory,
        create_with_caseload=demo_caseload(),
        keyring_backend=null,
        passphrase_provider=_provider("right"),
    ).close()
    before = _snapshot(directory)
    with pytest.raises(WrongKey, match="passphrase is not right"):
        open_profile(directory, passphrase_provider=_provider("wrong"))
    with pytest.raises(NeedsPassphrase):
        open_profile(directory, passphrase_provider=_provider(""))
    assert _snapshot(directory) == before


@pytest.mark.parametrize("backend", _insecure_backends(), ids=lambda b: type(b).__module__)
def test_null_keyring_never_makes_a_new_key_over_an_existing_profile(
    tmp_path: Path, backend: KeyringBackend
) -> None:
    directory = tmp_path / "p"
    open_profile(directory, create_with_caseload=demo_caseload()).close()
    before = _snapshot(directory)
    settings_before = json.loads((directory / "profile.json").read_text())
    with pytest.raises(MissingKey, match="no secure keyring"):
        open_profile(
            directory,
            keyring_backend=backend,
            create_with_caseload=demo_caseload(),  # even when creation is offered
            passphrase_provider=_provider("anything"),
        )
    assert _snapshot(directory) == before
    assert json.loads((directory / "profile.json").read_text()) == settings_before
    assert open_profile(directory).verify_audit().ok  # the real key still opens it


def test_key_removed_from_keyring_is_missing_key_and_file_untouched(tmp_path: Path) -> None:
    directory = tmp_path / "p"
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    profile.close()
    before = _snapshot(directory)
    current_backend().delete_password(KEYRING_SERVICE, profile.profile_id)
    with pytest.raises(MissingKey, match="not in the system keyring"):
        open_profile(directory, create_with_caseload=demo_caseload())
    assert _snapshot(directory) == before
    assert current_backend().get_password(KEYRING_SERVICE, profile.profile_id) is None  # no new key made


def test_wrong_key_in_keyring_is_wrong_key_and_file_untouched(tmp_path: Path) -> None:
    directory = tmp_path / "p"
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    profile.close()
    before = _snapshot(directory)
    current_backend().set_password(KEYRING_SERVICE, profile.profile_id, "ab" * 32)
    with pytest.raises(WrongKey, match="does not open this profile"):
        open_profile(directory)
    assert _snapshot(directory) == before


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[:100] + bytes(200) + b[300:], id="page-1-overwritten"),
        pytest.param(lambda b: b[:5000], id="truncated"),
        pytest.param(lambda b: b"SQLite format 3\x00" + bytes(4080), id="plaintext-sqlite"),
        pytest.param(lambda b: b"", id="empty"),
    ],
)
def test_damaged_file_is_a_clear_message_and_left_untouched(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    directory = tmp_path / "p"
    open_profile(directory, create_with_caseload=demo_caseload()).close()
    db = directory / "fieldapp.db"
    db.write_bytes(damage(db.read_bytes()))
    before = _snapshot(directory)
    with pytest.raises(ProfileDamaged, match="damaged"):
        open_profile(directory, create_with_caseload=demo_caseload())
    assert _snapshot(directory) == before


def test_settings_missing_or_database_missing_is_damaged_and_nothing_is_created(tmp_path: Path) -> None:
    directory = tmp_path / "p"
    open_profile(directory, create_with_caseload=demo_caseload()).close()
    settings = (directory / "profile.json").read_bytes()
    (directory / "profile.json").unlink()
    with pytest.raises(ProfileDamaged, match=r"no profile\.json"):
        open_profile(directory, create_with_caseload=demo_caseload())
    assert not (directory / "profile.json").exists()
    (directory / "profile.json").write_bytes(settings)
    (directory / "fieldapp.db").rename(directory / "moved.db")
    with pytest.raises(ProfileDamaged, match="missing"):
        open_profile(directory, create_with_caseload=demo_caseload())
    assert not (directory / "fieldapp.db").exists()
    (directory / "profile.json").write_text("{not json")
    with pytest.raises(ProfileDamaged, match=r"profile\.json|settings"):
        open_profile(directory)


def test_profile_newer_than_the_app_refuses_to_open(tmp_path: Path) -> None:
    directory = tmp_path / "p"
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    with profile.write() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9001'")
    profile.close()
    before = _snapshot(directory)
    with pytest.raises(ProfileTooNew, match="newer version of fieldapp"):
        open_profile(directory)
    assert _snapshot(directory) == before


def test_interrupted_creation_is_cleaned_up_not_reported_as_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash while enrolling (database made, settings not yet written) must not strand the worker."""
    from fieldapp.store import profile as profile_module

    directory = tmp_path / "p"

    def crash(*_: object) -> None:
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(profile_module, "_write_settings", crash)
    with pytest.raises(KeyboardInterrupt):
        open_profile(directory, create_with_caseload=demo_caseload())
    assert (directory / "fieldapp.db").exists() and not (directory / "profile.json").exists()
    monkeypatch.undo()
    with pytest.raises(ProfileNotFound):
        open_profile(directory)
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    assert profile.verify_audit().ok and not (directory / ".creating").exists()
    profile.close()


def test_passphrase_profile_uses_sqlcipher_own_kdf(tmp_path: Path) -> None:
    """The passphrase goes to SQLCipher as a passphrase (PBKDF2-HMAC-SHA512, 256,000 iterations), so any
    SQLCipher 4 reader opens it with the passphrase alone."""
    import apsw

    directory = tmp_path / "p"
    open_profile(
        directory,
        create_with_caseload=demo_caseload(),
        keyring_backend=keyring.backends.null.Keyring(),
        passphrase_provider=_provider("it's a long passphrase"),
    ).close()
    reader = apsw.Connection(str(directory / "fieldapp.db"), flags=apsw.SQLITE_OPEN_READONLY)
    reader.pragma("cipher", "sqlcipher")
    reader.pragma("legacy", 4)
    reader.execute("PRAGMA key = 'it''s a long passphrase'")
    assert list(reader.execute("SELECT count(*) FROM caseload")) == [(1,)]
    reader.close()


@pytest.mark.parametrize("bad", ["not hex at all", "ab" * 31, "AB" * 32 + "'; DROP TABLE contacts; --"])
def test_garbage_in_the_keyring_is_a_wrong_key_never_a_pragma(tmp_path: Path, bad: str) -> None:
    directory = tmp_path / "p"
    profile = open_profile(directory, create_with_caseload=demo_caseload())
    profile.close()
    before = _snapshot(directory)
    current_backend().set_password(KEYRING_SERVICE, profile.profile_id, bad)
    with pytest.raises(WrongKey):
        open_profile(directory)
    assert _snapshot(directory) == before
