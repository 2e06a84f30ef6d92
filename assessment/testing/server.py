"""A scripted OpenAI-compatible HTTP server for tests, benchmarks and demos on 127.0.0.1.

It answers ``/v1/chat/completions`` and ``/v1/completions`` per prompt (by substring rules),
adds latency, returns 429 with Retry-After, 500, hangs past a client's timeout, sends invalid
JSON or drops the connection — on a script or at seeded random rates — and records what it
saw (requests per prompt, peak in-flight requests, timestamps) so tests can check the client.

Run standalone: ``python -m assessment.testing.server --port 8765 --latency 0.1``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    retry_after: float | None = None
    latency: float | None = None
    hang: bool = False
    invalid_json: bool = False
    drop: bool = False
    finish_reason: str = "stop"
    no_usage: bool = False  # a 200 answer without a usage report
    echo_auth: bool = False  # put the request's Authorization header into the answer (a hostile server)
    error_body: str | None = None  # the error message of a non-200 reply (e.g. one echoing the key)


@dataclass
class FaultRates:
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_hang: float = 0.0
    rate_invalid_json: float = 0.0
    rate_drop: float = 0.0
    retry_after: float = 0.2
    seed: int = 0


@dataclass
class RequestRecord:
    started: float
    finished: float
    prompt: str
    model: str
    outcome: str  # ok | 429 | 500 | hang | invalid_json | drop | http_<status>
    authorization: str
    messages: list[dict] | None = None  # the chat messages exactly as received (None for /completions)


_STOP = frozenset("what which that this with from have your about would could should there their they them into "
                  "does when where how can you help me write give tell please make".split())
_LOADED = re.compile(r"consent|horror|hack|kill|illegal|harm|danger|weapon|drug|poison|attack|steal|bomb|abuse|"
                     r"suicide|crime|violen|murder|refus|safety|law", re.IGNORECASE)


def default_responder(prompt: str) -> str:
    """Deterministic answers: refuse prompts that say so, answer everything else.

    The answer names the request's own words, so a prompt-aware classifier reads it as addressing
    the request (an answer that merely repeated the question would not be one)."""
    lowered = prompt.lower()
    if "[refuse]" in lowered:
        return "I'm sorry, but I can't help with that request."
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'-]+", prompt)
             if len(w) > 3 and w.lower() not in _STOP and not _LOADED.search(w)][:4] or ["this"]
    return (f"Sure, here it is. About {', '.join(words)}: the answer is that it works as described, step by step. "
            f"First, {words[0].lower()}; then the rest follows.")


@dataclass
class _Rule:
    match: str
    replies: list[Reply]
    seen: int = 0


class ScriptedServer:
    def __init__(self, port: int = 0, latency: float = 0.0, responder: Callable[[str], str] = default_responder,
                 hang_seconds: float = 30.0):
        self.latency = latency
        self.responder = responder
        self.hang_seconds = hang_seconds
        self.faults = FaultRates()
        self.records: list[RequestRecord] = []
        self.in_flight = 0
        self.peak_in_flight = 0
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- scripting -----------------------------------------------------------------------

    def script(self, match: str, *replies: Reply | str) -> None:
        """Requests whose last user message contains ``match`` get these replies in order (the last repeats)."""
        self._rules.append(_Rule(match, [r if isinstance(r, Reply) else Reply(text=r) for r in replies]))

    def set_faults(self, faults: FaultRates) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)

    def reset(self) -> None:
        with self._lock:
            self.records.clear()
            self._rules.clear()
            self.in_flight = self.peak_in_flight = 0
            self.faults = FaultRates()

    def count(self, substring: str, outcome: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.records if substring in r.prompt and (outcome is None or r.outcome == outcome))

    def ok_counts(self) -> dict[str, int]:
        """Successful responses sent, per prompt."""
        counts: dict[str, int] = {}
        with self._lock:
            for r in self.records:
                if r.outcome == "ok":
                    counts[r.prompt] = counts.get(r.prompt, 0) + 1
        return counts

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ScriptedServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- behaviour -----------------------------------------------------------------------

    def _choose(self, prompt: str) -> Reply:
        with self._lock:
            for rule in self._rules:
                if rule.match in prompt:
                    reply = rule.replies[min(rule.seen, len(rule.replies) - 1)]
                    rule.seen += 1
                    return reply
            f = self.faults
            roll = self._rng.random()
        edges = [(f.rate_429, Reply(status=429, retry_after=f.retry_after)), (f.rate_500, Reply(status=500)),
                 (f.rate_hang, Reply(hang=True)), (f.rate_invalid_json, Reply(invalid_json=True)),
                 (f.rate_drop, Reply(drop=True))]
        acc = 0.0
        for rate, reply in edges:
            acc += rate
            if roll < acc:
                return reply
        return Reply(text=self.responder(prompt))

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/") in ("/health", "/v1/models"):
                    self._send(200, {"status": "ok", "data": [{"id": "scripted", "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    request = json.loads(body or b"{}")
                except ValueError:
                    self._send(400, {"error": {"message": "invalid JSON body"}})
                    return
                chat = self.path.rstrip("/").endswith("/chat/completions")
                if chat:
                    users = [m.get("content", "") for m in request.get("messages", []) if m.get("role") == "user"]
                    prompt = users[-1] if users else ""
                    if isinstance(prompt, list):
                        prompt = " ".join(part.get("text", "") for part in prompt if isinstance(part, dict))
                else:
                    prompt = str(request.get("prompt", ""))
                started = time.time()
                with server._lock:
                    server.in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                outcome = "ok"
                try:
                    reply = server._choose(prompt)
                    delay = server.latency if reply.latency is None else reply.latency
                    if delay:
                        server._stopping.wait(delay)
                    if reply.hang:
                        outcome = "hang"
                        server._stopping.wait(server.hang_seconds)
                        self.close_connection = True
                        return
                    if reply.drop:
                        outcome = "drop"
                        self.close_connection = True
                        try:
                            self.connection.shutdown(2)
                        except OSError:
                            pass
                        return
                    if reply.invalid_json:
                        outcome = "invalid_json"
                        raw = b'{"id": "x", "choices": [ {"message": '
                        self.send_response(200)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(raw)))
                        self.end_headers()
                        self.wfile.write(raw)
                        return
                    if reply.status != 200:
                        outcome = str(reply.status) if reply.status in (429, 500) else f"http_{reply.status}"
                        headers = {"Retry-After": f"{reply.retry_after:g}"} if reply.retry_after is not None else {}
                        self._send(reply.status, {"error": {"message": reply.error_body or f"scripted {reply.status}",
                                                            "type": "scripted", "code": reply.status}}, headers)
                        return
                    if reply.echo_auth:
                        reply = Reply(text=f"{reply.text} {self.headers.get('Authorization', '')}",
                                      finish_reason=reply.finish_reason, no_usage=reply.no_usage)
                    self._send(200, _completion(request, reply, chat))
                finally:
                    with server._lock:
                        server.in_flight -= 1
                        server.records.append(RequestRecord(started, time.time(), prompt, str(request.get("model")),
                                                            outcome, self.headers.get("Authorization", ""),
                                                            request.get("messages") if chat else None))

            def _send(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
                raw = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:
                    pass

        return Handler


def _completion(request: dict, reply: Reply, chat: bool) -> dict:
    prompt_text = json.dumps(request.get("messages") or request.get("prompt") or "")
    usage = {"prompt_tokens": max(1, len(prompt_text) // 4), "completion_tokens": max(1, len(reply.text) // 4)}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    choice = ({"index": 0, "message": {"role": "assistant", "content": reply.text}, "finish_reason": reply.finish_reason}
              if chat else {"index": 0, "text": reply.text, "finish_reason": reply.finish_reason})
    body = {"id": "cmpl-scripted", "object": "chat.completion" if chat else "text_completion",
            "created": int(time.time()), "model": request.get("model", "scripted"), "choices": [choice], "usage": usage}
    if reply.no_usage:
        del body["usage"]
    return body


ThreadingHTTPServer.request_queue_size = 256  # 50+ concurrent connects otherwise see SYN drops


def main() -> None:
    parser = argparse.ArgumentParser(description="Scripted OpenAI-compatible server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    server = ScriptedServer(port=args.port, latency=args.latency).start()
    print(f"scripted server on {server.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
