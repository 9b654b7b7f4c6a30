"""Headless commands: the same edits the GUI runs, for scripts, batches and checks.

Contract (kept stable): exit 0 on success; exit 2 with one line on stderr for unreadable or
corrupt input, no face found, or bad arguments; never a traceback for a user's mistake.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

EXIT_USER_ERROR = 2


class UserError(Exception):
    """A mistake in the input or arguments: reported in one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        raise UserError(message)


def _faces(args: argparse.Namespace) -> None:
    from inference import faces as F
    from inference.io import read_image
    photo = read_image(args.photo)
    detection = F.detect_all(photo.rgb)
    found = detection.faces
    if not found:
        tiny = f" ({len(detection.tiny)} smaller than {F.MIN_FACE_PX} px)" if detection.tiny else ""
        raise F.NoFaceError(f"{args.photo}: no face found{tiny}")
    if detection.tiny:
        print(f"visage: note: {len(detection.tiny)} face(s) smaller than {F.MIN_FACE_PX} px "
              "found but not analysed", file=sys.stderr)
    text = json.dumps([f.to_json() for f in found])
    if args.json:
        Path(args.json).write_text(text)
    else:
        print(text)


def _face_indices(arg: str, faces: list) -> list[int]:
    """The faces ``--face`` names: a number of the `faces` order, or all of them."""
    from inference.faces import select
    if arg == "all":
        select(faces, 0)  # no face at all is an error here too
        return list(range(len(faces)))
    try:
        i = int(arg)
    except ValueError:
        raise UserError(f"--face must be a face number or 'all', not {arg!r}") from None
    select(faces, i)
    return [i]


def _check_output(photo: str, out: str, overwrite: bool) -> None:
    from inference.io import WRITE_FORMATS, same_file
    if Path(out).suffix.lower() not in WRITE_FORMATS:
        raise UserError(f"{out}: unknown output type; use one of {', '.join(sorted(set(WRITE_FORMATS)))}")
    if Path(out).exists() and same_file(photo, out) and not overwrite:
        raise UserError(f"{out} is the input photo; pass --overwrite to replace it")


def _edit(args: argparse.Namespace, name: str, params: dict) -> None:
    from inference import faces as F
    from inference.edits import apply_edit
    from inference.io import read_image, write_image
    _check_output(args.photo, args.out, args.overwrite)
    photo = read_image(args.photo)
    found = F.detect(photo.rgb)
    image = photo.rgb
    for i in _face_indices(args.face, found):
        image = apply_edit(name, image, found[i], params)
    write_image(args.out, image, photo.alpha)


def _parse(args: argparse.Namespace) -> None:
    from inference import faces as F
    from inference.io import read_image, write_image_gray
    from inference.parsing import HAIR, parse
    if Path(args.out).suffix.lower() != ".png":
        raise UserError(f"{args.out}: the label map is written as PNG; use a .png name")
    _check_output(args.photo, args.out, False)
    photo = read_image(args.photo)
    found = F.detect(photo.rgb)
    h, w = photo.rgb.shape[:2]
    labels = np.zeros((h, w), np.uint8)
    # Each face is parsed on its own crop; where crops overlap, a face part of one face is
    # never overwritten, and anyone's hair only fills what is still background or hair.
    for i in _face_indices(args.face, found):
        p = parse(photo.rgb, found[i])
        face_labels = p.labels_full()
        region = labels[p.y0:p.y0 + p.height, p.x0:p.x0 + p.width]
        np.copyto(region, face_labels, where=(face_labels > 0) & ((region == 0) | (region == HAIR)))
    write_image_gray(args.out, labels)


def _inpaint(args: argparse.Namespace) -> None:
    from inference.inpaint import inpaint
    from inference.io import read_image, read_mask, write_image
    _check_output(args.photo, args.out, args.overwrite)
    photo = read_image(args.photo)
    hole = read_mask(args.mask)
    if hole.shape != photo.rgb.shape[:2]:
        raise UserError(f"{args.mask}: the mask is {hole.shape[1]}x{hole.shape[0]} but the photo is "
                        f"{photo.rgb.shape[1]}x{photo.rgb.shape[0]}")
    if not hole.any():
        raise UserError(f"{args.mask}: the mask is empty (no non-zero pixel)")
    out = inpaint(photo.rgb, hole.astype(np.uint8) * 255, args.engine, seed=args.seed, model=args.model)
    write_image(args.out, out, photo.alpha)


def _yaw(text: str) -> float:
    from inference.edits.rotate import MAX_YAW
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if abs(v) > MAX_YAW:
        raise argparse.ArgumentTypeError(f"must be within ±{MAX_YAW:.0f} degrees, not {v:g}")
    return v


def _strength(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {v}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="main.py", description="Visage: face photo editing, headless.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("faces", help="detect faces; print JSON (largest first)")
    s.add_argument("photo")
    s.add_argument("--json", metavar="OUT", help="write the JSON to this file instead of stdout")
    s.set_defaults(run=_faces)

    s = sub.add_parser("parse", help="write the face parsing as an 8-bit PNG label map (0-10)")
    s.add_argument("photo")
    s.add_argument("out")
    s.add_argument("--face", default="0", help="face number in `faces` order, or 'all' (default 0)")
    s.set_defaults(run=_parse)

    from inference.inpaint import DEFAULT_ENGINE, ENGINES
    s = sub.add_parser("inpaint", help="fill the masked area of a photo")
    s.add_argument("photo")
    s.add_argument("mask", help="an image of the same size; non-zero pixels are filled")
    s.add_argument("out")
    s.add_argument("--engine", choices=list(ENGINES), default=DEFAULT_ENGINE)
    s.add_argument("--model", help="model file for the lama engine (TorchScript, e.g. big-lama.pt)")
    s.add_argument("--seed", type=int, default=0, help="random seed (patchmatch); same seed, same result")
    s.add_argument("--overwrite", action="store_true", help="allow OUT to be the input photo")
    s.set_defaults(run=_inpaint)

    s = sub.add_parser("rotate", help="turn a head left or right")
    s.add_argument("photo")
    s.add_argument("out")
    s.add_argument("--yaw", type=_yaw, required=True,
                   help="degrees, same sign as the `faces` pose (positive: towards the image's left)")
    s.add_argument("--face", default="0", help="face number in `faces` order, or 'all' (default 0)")
    s.add_argument("--overwrite", action="store_true", help="allow OUT to be the input photo")
    s.set_defaults(run=lambda a: _edit(a, "rotate", {"yaw": a.yaw}))

    s = sub.add_parser("smooth", help="smooth the skin of a face")
    s.add_argument("photo")
    s.add_argument("out")
    s.add_argument("--strength", type=_strength, default=0.5, help="0..1 (default 0.5)")
    s.add_argument("--face", default="0", help="face number in `faces` order, or 'all' (default 0)")
    s.add_argument("--overwrite", action="store_true", help="allow OUT to be the input photo")
    s.set_defaults(run=lambda a: _edit(a, "skin", {"strength": a.strength}))
    return p


def command_names() -> list[str]:
    """The subcommands main.py hands to the CLI (anything else opens the GUI)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def _silence_native_stderr() -> None:
    """mediapipe's C++ side logs start-up chatter straight to file descriptor 2, some of it
    from its own threads; the contract allows only our one-line errors on stderr. Python's
    sys.stderr keeps the real stream, descriptor 2 goes to /dev/null."""
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, ValueError, OSError):
        return  # stderr is not a real file (embedded, captured): nothing to protect
    sys.stderr.flush()
    real = os.dup(fd)
    sys.stderr = os.fdopen(real, "w", buffering=1, encoding="utf-8", errors="replace")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def main(argv: Sequence[str] | None = None, quiet_native: bool = True) -> int:
    if quiet_native:
        _silence_native_stderr()
    from inference.edits.rotate import RotateError
    from inference.faces import NoFaceError
    from inference.inpaint import InpaintError
    from inference.io import ImageReadError, ImageWriteError
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
    except (UserError, ImageReadError, ImageWriteError, NoFaceError, InpaintError, RotateError) as exc:
        print(f"visage: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    return 0
