"""Which photos a batch reads, where each one goes, and which are done already."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPORT_NAME = "batch-report.json"
TO_RUN, SKIPPED = "to run", "skipped"


@dataclass
class Item:
    """One photo of the batch: its name relative to IN_DIR (also its name under OUT_DIR)."""
    rel: str
    src: Path
    dst: Path
    status: str = TO_RUN
    reason: str | None = None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def photos_in(in_dir: Path, skip: Path | None = None) -> list[Path]:
    """Every file of a type Visage reads under ``in_dir``, recursively, in name order; hidden
    files and folders (a leading dot: our own temporary files among them) are left out, and so
    is the folder ``skip`` (OUT_DIR, when it lies inside IN_DIR). Links to folders are not
    followed (a link back up would be a loop); links to files are read."""
    from inference.io import READ_SUFFIXES
    found = []
    for root, dirs, files in os.walk(in_dir, followlinks=False):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (skip is not None and (here / d).resolve() == skip))
        for name in sorted(files):
            if not name.startswith(".") and Path(name).suffix.lower() in READ_SUFFIXES:
                found.append(here / name)
    return found


def _newer(out: Path, *than: Path) -> bool:
    try:
        t = out.stat().st_mtime_ns
        return all(t > p.stat().st_mtime_ns for p in than)
    except OSError:
        return False


def plan(recipe: Path, in_dir: Path, out_dir: Path, overwrite: bool = False) -> list[Item]:
    """The batch's photos; one whose output exists and is newer than both the recipe and the
    photo is skipped (a second run resumes), unless ``overwrite``."""
    in_dir, out_dir = in_dir.resolve(), out_dir.resolve()
    items = []
    for src in photos_in(in_dir, out_dir if _inside(out_dir, in_dir) else None):
        rel = src.relative_to(in_dir)
        item = Item(rel.as_posix(), src, out_dir / rel)
        if not overwrite and _newer(item.dst, recipe, src):
            item.status, item.reason = SKIPPED, "up to date"
        items.append(item)
    return items


def output_folders(items: list[Item]) -> list[Path]:
    return sorted({it.dst.parent for it in items})
