"""A batch on a Dask distributed cluster: each photo one task, running the same
:func:`inference.batch.run_one.run_photo` the local run does (so the outputs are the same), and
reading and writing through the paths given, which every worker must see (one machine, or a
shared file system mounted at the same place).

A worker that dies mid-task (killed, its machine lost) loses nothing: the scheduler gives its
tasks to the other workers (Dask's own rescheduling, up to ``distributed.scheduler.allowed-
failures`` times), and its unfinished write leaves at most a temporary file, which this client
removes from the output folders at the end. Workers must be able to import Visage: started
from the project's folder with ``PYTHONPATH=.`` (README, "Batch").
"""
from __future__ import annotations

import logging
import uuid
import warnings
from typing import Any, Callable

from inference.batch.folder import Item
from inference.batch.run_one import FAILED, run_photo

CONNECT_TIMEOUT_S = 10
WORKER_WAIT_S = 60


class ClusterError(RuntimeError):
    """The cluster cannot run the batch (unreachable, no worker, Visage missing there)."""


def connect(address: str):
    """A client of the scheduler at ``address`` with at least one worker that imports Visage."""
    for name in ("distributed", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)   # the contract: no chatter on stderr
    warnings.filterwarnings("ignore", module="distributed")
    from distributed import Client

    def probe() -> str:
        # defined here, not importable by name: cloudpickle sends its code, so it runs on a
        # worker that cannot import Visage, and says so
        import importlib
        try:
            importlib.import_module("inference.batch.run_one")
            return ""
        except Exception as exc:  # noqa: BLE001
            return f"{type(exc).__name__}: {exc}"

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} "
                           f"({str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__})") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            raise ClusterError(f"the Dask scheduler at {address} has no worker "
                               f"(none joined within {WORKER_WAIT_S} s)") from None
        bad = {w: r for w, r in client.run(probe).items() if r}
        if bad:
            worker, reason = next(iter(sorted(bad.items())))
            raise ClusterError(f"Dask worker {worker} cannot import Visage ({reason}); start workers "
                               "from the project's folder with PYTHONPATH set to it")
    except BaseException:
        client.close()
        raise
    return client


def run_dask(client, items: list[Item], recipe_json: str, overwrite: bool, quality: int | None,
             on_result: Callable[[Item, dict[str, Any]], None],
             should_stop: Callable[[], bool] = lambda: False) -> None:
    """Run ``items`` as tasks on the cluster of ``client`` (from :func:`connect`, closed at the
    end), calling ``on_result`` as each one finishes."""
    from distributed import as_completed
    batch = uuid.uuid4().hex[:12]
    futures = {}
    try:
        for i, item in enumerate(items):
            fut = client.submit(run_photo, recipe_json, str(item.src), str(item.dst), overwrite, quality,
                                key=f"visage-batch-{batch}-{i}", pure=False)
            futures[fut] = item
        pending = as_completed(list(futures), loop=client.loop)
        for fut in pending:
            item = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001  (KilledWorker: it killed every worker it ran on)
                text = str(exc).splitlines()[0][:200] if str(exc) else ""
                result = {"status": FAILED, "seconds": None, "worker": None,
                          "reason": f"lost on the cluster ({type(exc).__name__}{': ' + text if text else ''})"}
            on_result(item, result)
            fut.release()
            if should_stop():
                break
    finally:
        # Ctrl+C or Cancel: tasks not started are dropped; a running one finishes its whole file
        unfinished = [f for f in futures if not f.done()]
        if unfinished:
            client.cancel(unfinished)
        client.close()
