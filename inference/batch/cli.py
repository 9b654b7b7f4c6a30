"""``main.py batch RECIPE IN_DIR OUT_DIR [--jobs N] [--scheduler ADDRESS] [--overwrite] [--quality N]``.

Every photo under IN_DIR goes to OUT_DIR under the same relative name and type. Exit 0 when
every photo is done (or was already), 1 when some failed (each with its reason in
OUT_DIR/batch-report.json), 2 with one line for a bad recipe or bad arguments, 130 on Ctrl+C
(no partial file left; the report says which photos were not run).
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

EXIT_SOME_FAILED = 1
NOT_RUN = "not run"


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def register(sub) -> None:
    """Add the ``batch`` subcommand to the CLI's subparsers."""
    s = sub.add_parser("batch", help="apply a recipe (a JSON list of edits) to every photo of a folder")
    s.add_argument("recipe", help='JSON list of steps, e.g. [{"edit": "smooth", "strength": 0.6, "face": "all"}]')
    s.add_argument("in_dir", help="folder of photos (read recursively)")
    s.add_argument("out_dir", help="folder the edited photos go to, under the same names")
    where = s.add_mutually_exclusive_group()
    where.add_argument("--jobs", type=_jobs, metavar="N", help="worker processes on this machine (default: the core count)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://host:8786")
    s.add_argument("--overwrite", action="store_true",
                   help="redo photos already done and replace read-only outputs")
    from inference.cli import add_quality_option
    add_quality_option(s)   # --quality N, as the single commands take it
    s.set_defaults(run=run_batch)


def _user_error(message: str) -> Exception:
    from inference.cli import UserError
    return UserError(message)


def check_folders(in_dir: str | Path, out_dir: str | Path) -> None:
    """Raise the CLI's UserError (one line) when IN_DIR is no folder or OUT_DIR cannot take the
    outputs without writing over originals or unrelated files (the GUI asks the same)."""
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if not in_dir.is_dir():
        raise _user_error(f"{in_dir}: {'not a folder' if in_dir.exists() else 'no such folder'}")
    if out_dir.exists() and not out_dir.is_dir():
        raise _user_error(f"{out_dir}: not a folder")
    if out_dir.exists() and os.path.samefile(in_dir, out_dir):
        raise _user_error(f"{out_dir} is the input folder; the originals are never written over: "
                          "give another output folder")
    # OUT_DIR inside IN_DIR is safe (the walk leaves it out); IN_DIR inside OUT_DIR is not: the
    # outputs of IN_DIR/sub/x land on OUT_DIR's own files, on inputs too (IN_DIR/in_dir's name/x)
    if in_dir.resolve().is_relative_to(out_dir.resolve()):
        raise _user_error(f"{out_dir} holds the input folder {in_dir}: the edited photos would go among "
                          "its other files and could replace them or the originals; give an output "
                          "folder outside it")


def _folders(args: argparse.Namespace) -> tuple[Path, Path]:
    in_dir, out_dir = Path(args.in_dir), Path(args.out_dir)
    check_folders(in_dir, out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _user_error(f"{out_dir}: cannot create the folder ({exc.strerror or exc})") from None
    return in_dir, out_dir


class _Report:
    """OUT_DIR/batch-report.json: each photo's result, written at the end (also after Ctrl+C)."""

    def __init__(self, args: argparse.Namespace, out_dir: Path, items, runner: str) -> None:
        from inference.batch.folder import REPORT_NAME
        self.path = out_dir / REPORT_NAME
        self.head = {"recipe": str(Path(args.recipe).resolve()), "in_dir": str(Path(args.in_dir).resolve()),
                     "out_dir": str(out_dir.resolve()), "runner": runner}
        self.rows: dict[str, dict[str, Any]] = {
            it.rel: {"photo": it.rel, "status": it.status if it.status == "skipped" else NOT_RUN,
                     "reason": it.reason} for it in items}
        self.t0 = time.perf_counter()

    def record(self, item, result: dict[str, Any]) -> None:
        self.rows[item.rel] = {"photo": item.rel, **result}

    def counts(self) -> dict[str, int]:
        out = {"done": 0, "skipped": 0, "failed": 0, NOT_RUN: 0}
        for row in self.rows.values():
            out[row["status"]] += 1
        return out

    def write(self) -> None:
        from inference.io import write_text
        data = {**self.head, "seconds": round(time.perf_counter() - self.t0, 3), "counts": self.counts(),
                "photos": [self.rows[k] for k in sorted(self.rows)]}
        write_text(self.path, json.dumps(data, indent=1) + "\n")


def run(recipe: str, in_dir: str, out_dir: str, *, jobs: int | None = None, scheduler: str | None = None,
        overwrite: bool = False, quality: int | None = None, on_plan: Callable | None = None,
        on_result: Callable | None = None, should_stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """The batch as a function (the GUI runs it on a thread of its own), printing nothing:
    ``on_plan(items to run)`` once, ``on_result(item, result)`` per photo, ``should_stop()``
    asked between photos. Returns the counts; raises the CLI's UserError for a bad recipe or
    folders."""
    ns = argparse.Namespace(recipe=recipe, in_dir=in_dir, out_dir=out_dir, jobs=jobs,
                            scheduler=scheduler, overwrite=overwrite, quality=quality)
    return _run(ns, on_result, should_stop, show=False, on_plan=on_plan)


def _run(args: argparse.Namespace, on_result: Callable | None, should_stop: Callable[[], bool],
         show: bool = True, on_plan: Callable | None = None) -> dict[str, int]:
    from inference.batch.folder import SKIPPED, TO_RUN, output_folders, plan
    from inference.batch.local import core_count, run_local
    from inference.batch.progress import Progress
    from inference.batch.recipe import RecipeError, load_recipe, steps_to_json
    from inference.io import remove_stale_temps
    try:
        steps = load_recipe(args.recipe)
    except RecipeError as exc:
        raise _user_error(str(exc)) from None
    in_dir, out_dir = _folders(args)
    items = plan(Path(args.recipe), in_dir, out_dir, args.overwrite)
    todo = [it for it in items if it.status == TO_RUN]
    jobs = min(args.jobs or core_count(), max(1, len(todo)))
    report = _Report(args, out_dir, items, f"dask {args.scheduler}" if args.scheduler else f"local, {jobs} job(s)")
    client = None
    if args.scheduler and todo:
        from inference.batch.dask_runner import ClusterError, connect
        try:
            client = connect(args.scheduler)
        except ClusterError as exc:
            raise _user_error(str(exc)) from None
    progress = Progress(len(todo), sum(it.status == SKIPPED for it in items)) if show else None
    if on_plan is not None:
        on_plan(todo)
    recipe_json = json.dumps(steps_to_json(steps))

    def done(item, result) -> None:
        report.record(item, result)
        if progress is not None:
            progress.done(item, result)
        if on_result is not None:
            on_result(item, result)

    try:
        if client is not None:
            from inference.batch.dask_runner import run_dask
            run_dask(client, todo, recipe_json, args.overwrite, args.quality, done, should_stop)
        else:
            run_local(todo, recipe_json, jobs, args.overwrite, args.quality, done, should_stop)
    finally:
        if progress is not None:
            progress.close()
        for folder in output_folders(items):
            remove_stale_temps(folder)   # a killed worker's unfinished write
        report.write()
    return report.counts()


def run_batch(args: argparse.Namespace) -> None:
    """The command: exit status 1 (SystemExit) when some photo failed."""
    counts = _run(args, None, lambda: False)
    print(f"batch: {counts['done']} done, {counts['skipped']} skipped (up to date), {counts['failed']} failed; "
          f"report: {Path(args.out_dir) / 'batch-report.json'}", flush=True)
    if counts["failed"]:
        raise SystemExit(EXIT_SOME_FAILED)
