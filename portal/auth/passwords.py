"""argon2id hashing (argon2-cffi's RFC 9106 profile) and the password rules."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.core.translations import lazy_gettext as _l

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("timing-equaliser")
MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON = {"12345678", "123456789", "1234567890", "password", "password1", "qwerty123", "11111111", "88888888", "abc12345", "a1234567"}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, user=None):
    """A message saying what is wrong with a new password, or None."""
    if len(password) < MIN_LENGTH:
        return _l("密码至少需要 %(n)s 个字符。", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("密码不能超过 %(n)s 个字符。", n=MAX_LENGTH)
    if password.lower() in COMMON or len(set(password)) < 4:
        return _l("这个密码太常见，容易被猜到，请换一个。")
    if user is not None and password in {user.username, user.phone}:
        return _l("密码不能与用户名或手机号相同。")
    return None
