"""Ray, in one place: the only package of nasx that knows Ray.

- `executor`: `RayTune`, the executor that runs a driver's trials as Ray Tune trials (the trainable that
  calls the evaluator on a worker, the Tune searcher adapter over a ledger, ASHA, the heartbeat);
- `train_supernet`: `supernet.workers` > 1, a supernet trained data-parallel by Ray Train workers;
- `session`: connecting to a cluster or starting a local Ray for one run, and stopping it;
- `reaper`: the process that cleans up a local Ray when its driver dies;
- `address`: cluster addresses (`cluster.address`, RAY_ADDRESS) and whether something answers there.

The driver (`nasx.search.driver`) and the evaluators (`nasx.search.evaluators`) never import Ray.
"""
