"""Data-parallel supernet training on Ray Train: `nasx supernet supernet.workers=N` with N > 1.

`TorchTrainer` starts N workers (`ScalingConfig(num_workers=N)`, `resources.cpus_per_trial` CPUs each, one
GPU each when train.device is cuda) with torch.distributed set up among them: gloo on CPUs, NCCL on GPUs.
Each worker runs `nasx.supernet.training.train_supernet` with its `Shards` (nasx.supernet.shards: its shard of
every global batch, gradients and BatchNorm statistics summed over the workers), from the same supernet,
sandwich, data and resume state, which the driver puts into Ray's object store once.

Worker 0 hands each epoch's history entry and state (tensors on the CPU) to the driver through a Ray queue;
the driver writes them with the same `on_epoch` as a one-process run (checkpoint, curves, progress line), so
the run directory holds exactly a one-process run's files, written by one process, which holds the writer
lock, on the machine of the run directory, wherever worker 0 runs. The cluster is a search's: a local Ray
started for the run (`resources.num_cpus`, `resources.num_gpus`), or `cluster.address`.

Under faults, as a search (nasx.ray.executor): Ray's own output goes to RUN_DIR/ray.log (nasx.ray.output); a
worker's request no node can place is refused before Ray starts (a local Ray) or once connected (a cluster),
before the workers are requested (nasx.ray.resources); a head that stops answering ends the run with one line
and exit code 3 (nasx.ray.health), after the epoch being written is written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

from nasx import log
from nasx.ray import health, output, resources, session
from nasx.ray.address import check_reachable
from nasx.search.setup import Resources, SearchSetup

CHECKPOINT_NAME = "supernet.pt"  # nasx.supernet.store.CHECKPOINT, without importing torch
POLL_S = 0.5  # how often the driver looks for the end of training while no epoch arrives


def _gpu(setup: SearchSetup) -> bool:
    return setup.train.device.startswith("cuda")


def _per_worker(setup: SearchSetup) -> Resources:
    """What one worker asks of a node: resources.cpus_per_trial CPUs, and one GPU when training on CUDA."""
    return replace(setup.resources, gpus_per_trial=1.0 if _gpu(setup) else 0.0)


def _need(setup: SearchSetup, cpus: float, gpus: float, where: str) -> None:
    """ValueError (one line) unless `cpus` CPUs and `gpus` GPUs hold the workers; `where` names them."""
    n, each = setup.supernet.workers, setup.resources.cpus_per_trial
    if n * each > cpus:
        raise ValueError(
            f"supernet.workers={n}: {n} workers × {each:g} CPU (resources.cpus_per_trial) need {n * each:g} "
            f"CPUs; {where} has {cpus:g}"
        )
    if _gpu(setup) and n > gpus:
        raise ValueError(f"supernet.workers={n}: {n} workers × 1 GPU need {n} GPUs; {where} has {gpus:g}")


def check(setup: SearchSetup) -> None:
    """What must hold before anything is written, without starting Ray: for a local Ray, enough CPUs (this
    machine's, or `resources.num_cpus`) and GPUs for the workers; for a cluster, that it answers (its CPUs
    are checked once connected, still before anything is written); a global batch with an image for each."""
    n = setup.supernet.workers
    if setup.address:
        check_reachable(setup.address)
    else:
        r = setup.resources
        cpus = r.num_cpus or os.cpu_count() or 1
        gpus = 0
        if _gpu(setup):
            import torch

            gpus = torch.cuda.device_count() if r.num_gpus is None else r.num_gpus
        where = "the local Ray (resources.num_cpus)" if r.num_cpus else "the local Ray (this machine)"
        _need(setup, cpus, gpus, where)
        node = resources.local_node(replace(r, num_gpus=gpus))
        resources.check_request(_per_worker(setup), [node], "the local Ray", waiting="a worker")
    if n > setup.train.batch_size:
        raise ValueError(
            f"supernet.workers={n}: more workers than images in a batch (train.batch_size={setup.train.batch_size})"
        )


class DataParallel:
    """Ray connected for one supernet run in `run_dir` (a context manager, entered holding the run's lock,
    before its config is written: Ray's output goes to RUN_DIR/ray.log, and the cluster's nodes are checked;
    left, it lets Ray go) and `train`, which trains as `train_supernet` does."""

    def __init__(self, setup: SearchSetup, run_dir: Path) -> None:
        self.setup, self.run_dir = setup, Path(run_dir)
        self._held = contextlib.ExitStack()
        self._temp_root: str | None = None  # a local Ray's, which its reaper removes even after a SIGKILL
        self._terminal = 2  # the terminal's stderr, while Ray's output goes to RUN_DIR/ray.log
        self.recording = threading.Lock()  # held while an epoch is written: the head's watch waits for it
        self.recorded_epoch = 0  # the last epoch whose checkpoint is in the run directory

    def __enter__(self) -> DataParallel:
        ray_log = self.run_dir / output.RAY_LOG
        existed = ray_log.exists()
        try:
            self._connect(ray_log)
        except ValueError:
            if not existed and ray_log.is_file() and ray_log.stat().st_size == 0:
                ray_log.unlink()  # refused before Ray said anything: nothing left but the lock
            raise
        return self

    def _connect(self, ray_log: Path) -> None:
        import ray

        with contextlib.ExitStack() as held:
            held.enter_context(log.quieter(session.RAY_QUIET))
            self._terminal = held.enter_context(output.into(ray_log))
            r = self.setup.resources
            try:
                started = session.connect(self.setup.address, r.num_cpus, r.num_gpus)
            except (ConnectionError, RuntimeError) as exc:  # Ray's account of it is in the log
                where = f"cluster.address={self.setup.address}" if self.setup.address else "a local Ray"
                raise ValueError(
                    f"{where}: Ray did not start or attach ({type(exc).__name__}; Ray's account in {ray_log})"
                ) from None
            held.callback(session.disconnect, started)
            self._temp_root = started.temp_root if isinstance(started, session.LocalRay) else None
            total = ray.cluster_resources()
            where = f"the cluster at {self.setup.address}" if self.setup.address else "the local Ray"
            _need(self.setup, total.get("CPU", 0.0), total.get("GPU", 0.0), where)
            resources.check_request(_per_worker(self.setup), resources.cluster_nodes(), where, waiting="a worker")
            self._held = held.pop_all()

    def __exit__(self, *exc: object) -> None:
        self._held.close()

    def train(
        self,
        supernet,
        data,
        spec,
        sandwich,
        *,
        distill: bool,
        seed: int,
        recalibration_images: int,
        state: dict | None = None,
        on_epoch=None,
    ) -> list[dict]:
        """`train_supernet`'s arguments and result, trained by `setup.supernet.workers` Ray Train workers;
        `on_epoch` runs here, in the driver, for every epoch worker 0 ends."""
        import ray
        from ray.data import DataContext
        from ray.train import FailureConfig, RunConfig, ScalingConfig
        from ray.train.torch import TorchConfig, TorchTrainer
        from ray.util.queue import Empty, Queue

        setup, gpu = self.setup, _gpu(self.setup)
        queue = Queue()
        job = {
            "supernet": supernet,
            "sandwich": sandwich,
            "data": data,
            "spec": spec,
            "gpu": gpu,
            "kwargs": {"distill": distill, "seed": seed, "recalibration_images": recalibration_images, "state": state},
        }
        storage = tempfile.mkdtemp(prefix="nasx-train-", dir=self._temp_root)  # Ray Train's records: none kept
        with warnings.catch_warnings():  # Ray Data's defaults, which the trainer reads, warn of their renames
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"ray\.")
            DataContext.get_current()  # made once, here, not in the thread that runs `fit`
        trainer = TorchTrainer(
            _worker,
            train_loop_config={"job": ray.put(job), "queue": queue},
            scaling_config=ScalingConfig(
                num_workers=setup.supernet.workers,
                use_gpu=gpu,
                resources_per_worker={"CPU": setup.resources.cpus_per_trial, **({"GPU": 1} if gpu else {})},
            ),
            torch_config=TorchConfig(backend="nccl" if gpu else "gloo"),
            run_config=RunConfig(name="supernet", storage_path=storage, failure_config=FailureConfig(max_failures=0)),
        )
        history = list(state["history"]) if state else []
        self.recorded_epoch = int(state["epoch"]) if state else 0
        failed: list[str] = []
        outcome: dict[str, BaseException] = {}
        thread = threading.Thread(target=_fit, args=(trainer, outcome), name="nasx-supernet-fit", daemon=True)
        watch = self.watch(ray.get_runtime_context().gcs_address)
        thread.start()
        try:
            while True:
                running = thread.is_alive()  # before the look: a worker's last message precedes its end
                try:
                    kind, *message = queue.get(timeout=POLL_S)
                except Empty:
                    if running:
                        continue
                    break
                if kind == "error":
                    failed.append(message[0])
                else:
                    entry, epoch_state = message
                    history = list(epoch_state["history"])
                    if on_epoch is not None:
                        with self.recording:
                            on_epoch(entry, epoch_state)
                            self.recorded_epoch = int(epoch_state["epoch"])
            thread.join()
        finally:
            watch.stop()
            shutil.rmtree(storage, ignore_errors=True)
        if failed:
            raise ValueError(failed[0])
        if "error" in outcome:
            raise outcome["error"]
        return history

    def watch(self, gcs_address: str, *, lost_after_s: float = health.LOST_AFTER_S) -> health.Watch:
        """The head's watch (nasx.ray.health) on the GCS at `gcs_address`, for the training about to start."""
        setup = self.setup
        named = setup.address if setup.address and setup.address != "auto" else gcs_address  # as the user wrote it
        program = log.program()
        return health.Watch(
            gcs_address,
            lambda: self.lost_head(named, program, lost_after_s),
            terminal=self._terminal,
            record_lock=self.recording,
            program=program,
            lost_after_s=lost_after_s,
        )

    def lost_head(self, address: str, program: str, lost_after_s: float = health.LOST_AFTER_S) -> str:
        """The line of `program`'s run whose head stopped answering for `lost_after_s`."""
        kept = (
            f"epoch {self.recorded_epoch} is recorded in {self.run_dir} ({CHECKPOINT_NAME})"
            if self.recorded_epoch
            else f"no epoch is recorded in {self.run_dir} yet"
        )
        return (
            f"the Ray cluster's head at {address} stopped answering for {lost_after_s:g} s; {kept}: restart "
            f"the cluster and run the same `{program}` command with resume=true to go on"
        )


def _fit(trainer, outcome: dict[str, BaseException]) -> None:
    try:
        trainer.fit()
    except BaseException as exc:  # handed to the driver's thread
        outcome["error"] = exc


def _cpu(value: Any) -> Any:
    """`value` with every tensor moved to the CPU (a state the driver may unpickle without a GPU)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.cpu()
    if isinstance(value, dict):
        return {k: _cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cpu(v) for v in value)
    return value


def _worker(config: dict) -> None:
    """One Ray Train worker: `train_supernet` on its shards; worker 0 sends each epoch to the driver, and a
    ValueError (a non-finite loss, which every worker meets at the same step) as its message."""
    import ray
    import ray.train

    from nasx.supernet.shards import Shards
    from nasx.supernet.training import train_supernet

    job, queue = ray.get(config["job"]), config["queue"]
    context = ray.train.get_context()
    shards = Shards(context.get_world_rank(), context.get_world_size())
    spec = job["spec"]
    if job["gpu"]:
        import ray.train.torch

        spec = replace(spec, device=str(ray.train.torch.get_device()))

    def on_epoch(entry: dict, state: dict) -> None:
        queue.put(("epoch", entry, _cpu(state)))

    try:
        train_supernet(
            job["supernet"], job["data"], spec, job["sandwich"], **job["kwargs"], on_epoch=on_epoch, shards=shards
        )
    except ValueError as exc:
        if shards.lead:
            queue.put(("error", str(exc)))
