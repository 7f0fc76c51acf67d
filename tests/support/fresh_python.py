"""Run a snippet in a fresh interpreter: for what a process loads or does at import, which
the test process itself has long since loaded."""
import subprocess
import sys


def printed_by(code: str) -> str:
    """What `code` prints (stripped); a snippet that fails fails the test with its stderr."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()
