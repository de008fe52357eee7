"""Faults injected on purpose (`train.fault`), for tests and for users checking their cluster.

    train.fault=nan@2              the training loss turns NaN in epoch 2 (the trial fails, diverged)
    train.fault=raise@1            an exception is raised at the start of epoch 1 (the trial fails)
    train.fault=exit@1             the worker process exits at the start of epoch 1 (Ray retries the trial)
    train.fault=hang@1             the trial hangs at the start of epoch 1 (needs train.timeout_s)
    train.fault=nan@1:s0003+s0007  only in the listed trials; several faults are comma-separated

Every fired fault is named in the trial's row (`error`), so a search can be checked to record each.
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass

KINDS = ("nan", "raise", "exit", "hang")
EXIT_CODE = 3
_ONE = re.compile(r"(nan|raise|exit|hang)@([0-9]+)(?::([\w.-]+(?:\+[\w.-]+)*))?")
SYNTAX = "KIND@EPOCH[:TRIAL+TRIAL...] with KIND one of nan, raise, exit, hang and EPOCH >= 1, comma-separated"


class InjectedFault(Exception):
    """The exception of a `raise@N` fault."""


@dataclass(frozen=True)
class Fault:
    kind: str
    epoch: int
    trials: tuple[str, ...] = ()  # empty: every trial

    def __str__(self) -> str:
        return f"{self.kind}@{self.epoch}"


def parse(text: str) -> tuple[Fault, ...]:
    """`train.fault` -> faults; raises ValueError naming the setting."""
    if not isinstance(text, str):
        raise ValueError(f"train.fault={text!r}: expected a string")
    faults = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _ONE.fullmatch(part)
        if not match or int(match[2]) < 1:
            raise ValueError(f"train.fault={text}: cannot read {part!r}; expected {SYNTAX}")
        faults.append(Fault(match[1], int(match[2]), tuple(match[3].split("+")) if match[3] else ()))
    return tuple(faults)


def for_trial(text: str, trial_id: str | None) -> Fault | None:
    """The first fault of `text` that applies to `trial_id` (None: a run outside a search, where only
    faults without a trial list apply)."""
    for fault in parse(text):
        if not fault.trials or trial_id in fault.trials:
            return fault
    return None


def fire(fault: Fault | None, epoch: int) -> None:
    """At the start of `epoch` (1-based): raise, exit the process or hang, as the fault says."""
    if fault is None or fault.epoch != epoch:
        return
    if fault.kind == "raise":
        raise InjectedFault(f"injected fault {fault}")
    if fault.kind == "exit":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_CODE)
    if fault.kind == "hang":
        while True:  # short sleeps, so that the per-trial timeout can interrupt it
            time.sleep(0.05)


def poisons(fault: Fault | None, epoch: int) -> bool:
    """True when a `nan@epoch` fault turns this epoch's loss NaN."""
    return fault is not None and fault.kind == "nan" and fault.epoch == epoch
