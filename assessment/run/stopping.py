"""Stopping a run: the first request (Ctrl-C, SIGTERM, the wizard's button) stops gracefully,
a second one stops at once. One implementation for the in-process runner and the worker pool.

Graceful means: no new call starts, the calls in flight finish and are saved. A run that is
already stopping for another reason (a store that stopped taking writes, a failed worker) stops
at once on the next request, since there is nothing left to wait for.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # SIGTERM gets the same graceful stop as Ctrl-C


class TwoStageStop:
    def __init__(self, graceful: Callable[[], None], immediate: Callable[[], None]):
        self._graceful = graceful
        self._immediate = immediate
        self.stopping = False

    def request(self) -> None:
        if self.stopping:
            self._immediate()  # asked again: stop now
            return
        self.stopping = True
        self._graceful()

    def mark_stopping(self) -> None:
        """The run is stopping for another reason: the next request stops it at once."""
        self.stopping = True


@contextmanager
def signals_request(stop: TwoStageStop, loop: asyncio.AbstractEventLoop | None = None) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM call ``stop.request()``.

    With an event loop the handler goes through the loop (which wakes it up); without one it is a
    plain signal handler. Signals can only be caught in the main thread: elsewhere (a UI's worker
    thread) nothing is installed and the caller's cancel event is the way to stop."""
    if loop is not None:
        try:
            for sig in STOP_SIGNALS:
                loop.add_signal_handler(sig, stop.request)
        except (RuntimeError, ValueError, NotImplementedError):  # not the main thread
            yield
            return
        try:
            yield
        finally:
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)
        return
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.request()) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
