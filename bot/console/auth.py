"""Passwords, tokens and CSRF: standard KDF, random tokens, constant-time comparisons."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from concurrent.futures import ThreadPoolExecutor

# scrypt with n=2**14, r=8, p=1 (RFC 7914's interactive-login parameters, about 16 MB).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r),
                                p=int(p), dklen=len(digest_hex) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


# Verifying against this when the name is unknown keeps a failed login as slow as a wrong password.
# It is the hash of a random password nobody kept, written out rather than computed at import:
# scrypt's 16 MB at import raised every bot process's peak memory by as much.
DUMMY_HASH = (
    "scrypt$16384$8$1$39006146f8fcc5762f731d8310a8f6d2$"
    "ef9922043666d56c27f750f3cbe6a45b400b48f521c2b1c0443e15f4e6916610"
)

# scrypt takes ~50 ms of CPU and 16 MB: never on the event loop (a login flood would stall
# every chat), and at most two at once whatever the flood (memory and cores stay bounded).
_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="scrypt")


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, hash_password, password)


async def verify_password_async(password: str, stored: str) -> bool:
    return await asyncio.get_running_loop().run_in_executor(_HASHING, verify_password, password, stored)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are 256 random bits: a plain sha256 is enough (no dictionary to guess from)."""
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())
