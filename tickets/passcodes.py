"""Device passcodes, encrypted at rest with keys kept apart from SECRET_KEY.

Only this module sees a passcode in clear. It is never logged, never in a list or a PDF,
and shown on the detail page only through an explicit, recorded action.
"""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _cipher() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.PASSCODE_KEYS])


def seal(passcode: str) -> bytes:
    return _cipher().encrypt(passcode.encode())


def unseal(token: bytes) -> str:
    try:
        return _cipher().decrypt(bytes(token)).decode()
    except InvalidToken as problem:
        raise ValueError(
            "This passcode was encrypted with a key that is no longer configured."
        ) from problem
