"""The full-scale latency an objective scores (`objective.metric=latency_ms scale=full`), known before training:
predicted by the objective's latency table, else measured whole; and the checks of the table before a search."""

from __future__ import annotations

from typing import Any

from nasx.arch.spec import ArchSpec
from nasx.latency.table import LatencyTable, Setting, load
from nasx.reward import Objective

PREDICTED, MEASURED = "predicted", "measured"  # the rows' latency_source


def setting_of(objective: Objective) -> Setting:
    return Setting(objective.device, objective.batch, objective.dtype, objective.threads)


def check_table(objective: Objective, space: str) -> LatencyTable | None:
    """The objective's table, checked against its setting, this machine and the searched space (one ValueError
    line naming the difference), or None without one; the device must be here when networks are measured."""
    from nasx.latency import measure

    setting = setting_of(objective)
    if objective.latency_table is None:
        measure.check_device(setting)
        return None
    table = load(objective.latency_table)
    where = f"objective.latency_table={objective.latency_table}"
    if table.space != space:
        raise ValueError(f"{where}: the table covers space {table.space}, not space {space}")
    measure.check_device(setting)
    why = table.mismatch(setting, measure.machine(setting))
    if why is not None:
        raise ValueError(f"{where}: {why}")
    return table


class LatencyOf:
    """spec -> (latency in ms, `predicted` or `measured`) under an objective, remembered by the spec's key.
    A network holding a unit the table lacks is measured when the objective allows it, else refused; a measurement
    goes through `nasx latency`'s cache, so no network is measured twice on a machine."""

    def __init__(self, objective: Objective, table: LatencyTable | None = None) -> None:
        self.objective, self.setting = objective, setting_of(objective)
        self.table = table if table is not None or objective.latency_table is None else load(objective.latency_table)
        self.known: dict[str, tuple[float, str]] = {}

    def __call__(self, spec: ArchSpec) -> tuple[float, str]:
        key = spec.key()
        if key not in self.known:
            self.known[key] = self._latency(spec)
        return self.known[key]

    def _latency(self, spec: ArchSpec) -> tuple[float, str]:
        if self.table is not None:
            try:
                return self.table.predict_ms(spec), PREDICTED
            except ValueError:
                if not self.objective.latency_measure:
                    raise
        if not self.objective.latency_measure:
            raise ValueError("no latency table and objective.latency_measure=false")
        from nasx.latency import full_scale
        from nasx.latency.cache import LatencyCache
        from nasx.latency.measure import DEFAULT_TIMING as timing

        s = self.setting
        request = full_scale.LatencyRequest(s.device, s.batch, s.threads, s.dtype, timing.iters, timing.warmup)
        entry, _ = full_scale.latency_of(spec, request, LatencyCache())
        return entry["median_ms"], MEASURED

    def __getstate__(self) -> dict[str, Any]:
        return {"objective": self.objective, "table": self.table, "known": self.known}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["objective"], state["table"])  # type: ignore[misc]
        self.known = state["known"]


_BY_OBJECTIVE: dict[Objective, LatencyOf] = {}


def latency_of(objective: Objective) -> LatencyOf:
    """The process's `LatencyOf` for `objective` (its table loaded once per process)."""
    if objective not in _BY_OBJECTIVE:
        _BY_OBJECTIVE[objective] = LatencyOf(objective)
    return _BY_OBJECTIVE[objective]
