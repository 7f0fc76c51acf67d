"""A login with an unknown name is checked against a fixed dummy hash, as slowly as a real one,
and that hash is not computed when the module is imported (scrypt takes 16 MB)."""

from bot.console import auth
from tests.support.fresh_python import printed_by


def test_dummy_hash_uses_todays_scrypt_parameters_and_matches_nothing():
    scheme, n, r, p, salt, digest = auth.DUMMY_HASH.split("$")
    assert (scheme, int(n), int(r), int(p)) == ("scrypt", auth.SCRYPT_N, auth.SCRYPT_R, auth.SCRYPT_P)
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert not auth.verify_password("not-a-real-password", auth.DUMMY_HASH)
    assert not auth.verify_password("", auth.DUMMY_HASH)


def test_importing_the_module_runs_no_scrypt():
    code = (
        "import hashlib\n"
        "calls = []\n"
        "real = hashlib.scrypt\n"
        "hashlib.scrypt = lambda *a, **k: calls.append(1) or real(*a, **k)\n"
        "import bot.console.auth\n"
        "print(len(calls))\n"
    )
    assert printed_by(code) == "0"
