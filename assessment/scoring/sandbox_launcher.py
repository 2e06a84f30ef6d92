"""Inside the code sandbox's namespaces: build a minimal read-only root, then run the code unprivileged.

``unshare --mount --net --pid --ipc --uts --fork`` starts this file with the system Python as
PID 1 of a fresh PID namespace, in a fresh mount and network namespace, still root. It mounts a
small tmpfs as the new root holding read-only binds of the system libraries and the Python
runtime and one writable folder (``/sandbox``, the run's own temp dir), chroots into it, and
forks the runner, which drops to uid/gid 65534 with no capabilities and no new privileges,
sets resource limits and executes the harness. There is no /proc, no network device but a
down loopback, and no file of the host's home, /tmp or project folders.

When the runner ends, this process exits, and the kernel kills every process left in the PID
namespace (grandchildren in their own session included). When the parent process dies, the
lifeline on stdin reaches end-of-file and this process exits too.

Standard library only: it runs with ``python -I -S`` before anything else is importable.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
import threading

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
NOBODY = 65534

_libc = ctypes.CDLL(None, use_errno=True)


def _encode(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = _encode
    if _libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _bind_readonly(source: str, target: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def build_root(root: str, work: str, ro_paths: list[str]) -> None:
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing below propagates back to the host
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for link in ("bin", "lib", "lib64", "lib32", "sbin"):
        host = "/" + link
        if os.path.islink(host):
            os.symlink(os.readlink(host), os.path.join(root, link))
        elif os.path.isdir(host):
            _bind_readonly(host, root + host)
    for path in ro_paths:
        if os.path.exists(path):
            _bind_readonly(path, root + path)
    for dev in ("null", "zero", "urandom"):
        target = os.path.join(root, "dev", dev)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
        _mount("/dev/" + dev, target, None, MS_BIND)
    os.makedirs(root + "/sandbox")
    _mount(work, root + "/sandbox", None, MS_BIND)
    _mount(None, root + "/sandbox", None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV)
    os.chroot(root)
    os.chdir("/sandbox")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def drop_privileges(limits: dict[str, int]) -> None:
    os.setgroups([])
    os.setresgid(NOBODY, NOBODY, NOBODY)
    os.setresuid(NOBODY, NOBODY, NOBODY)  # a non-root uid: every capability is gone
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def main() -> None:
    spec = json.loads(sys.argv[1])
    build_root(spec["root"], spec["work"], spec["ro_paths"])

    def lifeline() -> None:  # the parent holds the other end of stdin: EOF means it is gone
        try:
            while os.read(0, 1):
                pass
        finally:
            os._exit(3)

    pid = os.fork()
    if pid == 0:
        try:
            devnull = os.open("/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            drop_privileges(spec["limits"])
            os.execve(spec["python"], [spec["python"], "-I", "-S", "-c", spec["runner"], *map(str, spec["fds"])],
                      {"HOME": "/sandbox"})
        finally:
            os._exit(127)
    for fd in spec["fds"]:
        os.close(fd)
    threading.Thread(target=lifeline, daemon=True).start()
    while True:  # PID 1 reaps every orphan; the runner's end is the sandbox's end
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if done == pid:
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code & 0x7F)  # killed by signal N -> 128 + N


if __name__ == "__main__":
    try:
        main()
    except BaseException as exc:  # a setup failure: say why on stderr, the parent refuses to score
        print(f"sandbox setup failed: {exc}", file=sys.stderr)
        os._exit(97)
