"""The per-trial timeout (`train.timeout_s`): stop the calling thread's work when it runs too long."""

from __future__ import annotations

import contextlib
import ctypes
import threading
from collections.abc import Iterator


class TrialTimeout(Exception):
    """The trial ran past train.timeout_s."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise TrialTimeout in the calling thread once `seconds` have passed (0: no limit). The exception
    arrives at the thread's next Python instruction, so work stuck inside one native call stops when
    that call returns."""
    if not seconds or seconds <= 0:
        yield
        return
    tid, lock = threading.get_ident(), threading.Lock()
    state: dict[str, bool | str] = {"active": True}
    message = f"timed out after {seconds:g} s (train.timeout_s={seconds:g})"

    def expire() -> None:
        with lock:
            if state["active"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), ctypes.py_object(TrialTimeout))
                state["message"] = message

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    except TrialTimeout:
        raise TrialTimeout(message) from None
    finally:
        timer.cancel()
        with lock:
            state["active"] = False
            if "message" in state:  # fired as the block ended: drop an exception not yet delivered
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(tid), None)
