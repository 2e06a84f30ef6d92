"""One run per assessment at a time: an OS file lock next to the store, released by the kernel on death.

The lock is keyed by the config hash, so a second ``run`` of the same config (a new assessment
or a resume) cannot send the same calls while the first is still sending them. Because the
kernel drops the lock when the holder dies (even by SIGKILL), a stored status of ``running``
with nobody holding the lock is a stale status: the run was interrupted.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from assessment.errors import UserError


def _lock_path(store_path: str | Path, key: str) -> Path:
    return Path(f"{store_path}.locks") / f"{key}.lock"


class RunLock:
    def __init__(self, store_path: str | Path, key: str):
        self.path = _lock_path(store_path, key)
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise UserError(f"store {str(self.path.parent)[:-6]}: cannot create the run lock ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise UserError(busy_message(holder)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def busy_message(holder: str = "unknown") -> str:
    return (f"another run of this assessment is in progress (process {holder}); wait for it to finish, "
            "or stop it and resume")


def run_in_progress(store_path: str | Path, key: str) -> bool:
    """True when some process holds the run lock for ``key`` (this one included)."""
    path = _lock_path(store_path, key)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
