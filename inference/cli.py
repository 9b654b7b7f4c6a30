"""Headless commands: the same edits the GUI runs, for scripts, batches and checks.

Contract (kept stable): exit 0 on success; exit 2 with one line on stderr for unreadable or
corrupt input, no face found, or bad arguments; never a traceback for a user's mistake.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from inference.edits.spec import BOOL, CHOICE, FILE, MASK, PHOTO, EditError, Param, ParamError, params_of

if TYPE_CHECKING:   # numpy is imported where pixels are: --help does not wait for it
    import numpy as np

EXIT_USER_ERROR = 2


class UserError(Exception):
    """A mistake in the input or arguments: reported in one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        raise UserError(message)


def _faces(args: argparse.Namespace) -> None:
    from inference import faces as F
    from inference.io import check_output, read_image, write_text
    if args.json:
        check_output(args.json, [("the input photo", args.photo)], args.overwrite)
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
        write_text(args.json, text)   # atomic, like photos: a full disk leaves the old file
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


def _check_output(photo: str, out: str, overwrite: bool, others: Sequence[tuple[str, str | None]] = ()) -> None:
    """Before any work: OUT is a type we write, and is none of the command's inputs (the photo,
    a mask, a reference photo: also through links) nor read-only, unless --overwrite."""
    from inference.io import WRITE_FORMATS, check_output
    if Path(out).suffix.lower() not in WRITE_FORMATS:
        raise UserError(f"{out}: unknown output type; use one of {', '.join(sorted(set(WRITE_FORMATS)))}")
    check_output(out, [("the input photo", photo), *others], overwrite)


def _edit(args: argparse.Namespace, edit) -> None:
    """Any edit's command: read the photo (and the masks it takes), edit the faces asked for
    (or the photo, for an edit not of faces), write OUT."""
    from inference import faces as F
    from inference.io import read_image, write_image
    spec = params_of(edit)
    _check_output(args.photo, args.out, args.overwrite,
                  [(f"the {p.label.lower()}", getattr(args, p.name)) for p in edit.PARAMS
                   if p.kind in (MASK, PHOTO, FILE) and (p.flag is not None or p.name in edit.CLI.positional)])
    photo = read_image(args.photo)
    params = {name: getattr(args, name) for name, p in spec.items()
              if p.flag is not None or name in edit.CLI.positional}
    for name in edit.CLI.positional:
        if spec[name].kind == MASK:
            params[name] = _read_mask(params[name], photo.rgb.shape)
    image = photo.rgb
    with _terminal_progress(edit.TITLE) as progress:
        if edit.CLI.faces:
            found = F.detect(photo.rgb)
            chosen = _face_indices(args.face, found)
            for k, i in enumerate(chosen):
                step = None if progress is None else (lambda f, k=k: progress((k + f) / len(chosen)))
                image = edit.apply_region(image, found[i], progress=step, **params).paste(image)
        else:
            image = edit.apply_region(image, None, progress=progress, **params).paste(image)
    write_image(args.out, image, photo.alpha, args.quality, like=photo)


@contextmanager
def _terminal_progress(title: str):
    """A progress callback (fraction 0..1) drawing a bar on stderr when it is a terminal, else
    None: scripts and pipes see nothing more than before."""
    if not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm
    bar = tqdm(total=100, desc=title, unit="%", file=sys.stderr, dynamic_ncols=True, leave=False,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}")

    def report(fraction: float) -> None:
        bar.n = max(bar.n, min(100.0, 100.0 * float(fraction)))   # never backwards
        bar.refresh()

    try:
        yield report
        report(1.0)
    finally:
        bar.close()


def _read_mask(path: str, shape: tuple[int, ...]) -> np.ndarray:
    """A mask image of the photo's size with something in it, as 0/255 uint8."""
    import numpy as np
    from inference.io import read_mask
    hole = read_mask(path)
    if hole.shape != shape[:2]:
        raise UserError(f"{path}: the mask is {hole.shape[1]}x{hole.shape[0]} but the photo is "
                        f"{shape[1]}x{shape[0]}")
    if not hole.any():
        raise UserError(f"{path}: the mask is empty (no non-zero pixel)")
    return hole.astype(np.uint8) * 255


def _parse(args: argparse.Namespace) -> None:
    import numpy as np

    from inference import faces as F
    from inference.io import read_image, write_image, write_image_gray
    from inference.parsing import CLASS_COLORS, HAIR, parse
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
    if args.color:   # each class in its legend colour (the GUI's overlay colours), background black
        write_image(args.out, CLASS_COLORS[labels])
    else:
        write_image_gray(args.out, labels)


def _checker(param: Param):
    """argparse's type for a parameter: the spec's own check, its reason as argparse's."""
    def check(text: str):
        try:
            return param.check(text)
        except ParamError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    check.__name__ = param.kind  # argparse names the type in some messages
    return check


def _quality(text: str) -> int:
    """--quality's type: an integer from 1 to 100."""
    try:
        q = int(text)
    except ValueError:
        q = None
    if q is None or not 1 <= q <= 100:
        raise argparse.ArgumentTypeError(f"must be an integer from 1 to 100, not {text!r}")
    return q


def add_quality_option(parser: argparse.ArgumentParser) -> None:
    """--quality N, for a command that writes photos (JPEG / WebP)."""
    parser.add_argument("--quality", type=_quality, default=None, metavar="N",
                        help="JPEG/WebP quality 1-100 (default: the input's, else 95)")


def _add_edit_command(sub, edit) -> None:
    """The subcommand of an edit, from its PARAMS and CLI spec."""
    cmd = edit.CLI
    spec = params_of(edit)
    s = sub.add_parser(cmd.name, help=cmd.help)
    s.add_argument("photo")
    for name in cmd.positional:
        s.add_argument(name, help=spec[name].help or None)
    s.add_argument("out")
    for p in edit.PARAMS:
        if p.flag is None:
            continue
        kw: dict = {"help": p.help or None, "dest": p.name}
        if p.metavar:
            kw["metavar"] = p.metavar
        if p.kind == BOOL:
            kw["action"] = "store_true"
        elif p.kind == CHOICE:
            kw.update(choices=p.options(), default=p.default)
        elif p.kind in (FILE, PHOTO):
            kw["default"] = p.default
        else:
            kw.update(type=_checker(p), default=p.default)
        if p.required:
            kw["required"] = True
            kw.pop("default", None)
        s.add_argument(p.flag, **kw)
    if cmd.faces:
        s.add_argument("--face", default="0", help="face number in `faces` order, or 'all' (default 0)")
    s.add_argument("--overwrite", action="store_true", help="allow OUT to be the input photo")
    add_quality_option(s)
    s.set_defaults(run=lambda a: _edit(a, edit))


def build_parser(command: str | None = None, *, lazy: bool = False) -> argparse.ArgumentParser:
    """The CLI's parser. ``lazy``: only ``command``'s subcommand (if it is an edit's) gets its
    arguments, which imports that edit alone; the other edits' commands are listed with their
    help, which is all ``--help`` and a mistyped command need (start-up in a tenth of the time:
    no OpenCV, scipy or torch)."""
    p = _Parser(prog="main.py", description="Visage: face photo editing, headless.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("faces", help="detect faces; print JSON (largest first)")
    s.add_argument("photo")
    s.add_argument("--json", metavar="OUT", help="write the JSON to this file instead of stdout")
    s.add_argument("--overwrite", action="store_true", help="allow OUT to be the input photo")
    s.set_defaults(run=_faces)

    s = sub.add_parser("parse", help="write the face parsing as an 8-bit PNG label map (0-10)")
    s.add_argument("photo")
    s.add_argument("out")
    s.add_argument("--face", default="0", help="face number in `faces` order, or 'all' (default 0)")
    s.add_argument("--color", action="store_true",
                   help="write an RGB preview in the classes' colours (README legend)")
    s.set_defaults(run=_parse)

    from inference.batch.cli import register as register_batch
    register_batch(sub)   # batch RECIPE IN_DIR OUT_DIR (inference/batch)

    from inference import edits
    for name, (edit, help_) in sorted(edits.commands().items()):
        if lazy and name != command:
            sub.add_parser(name, help=help_)
        else:
            _add_edit_command(sub, edits.get(edit))
    return p


def command_names() -> list[str]:
    """The subcommands main.py hands to the CLI (anything else opens the GUI)."""
    parser = build_parser(lazy=True)
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


# A user's mistake, beyond UserError and EditError: (module, class). A module not imported yet
# cannot have raised its error, so only those already loaded are looked at (importing them
# here would load torch for every command).
_ERRORS_ELSEWHERE = (("inference.io.formats", "ImageReadError"), ("inference.io.formats", "ImageWriteError"),
                     ("inference.faces", "NoFaceError"), ("inference.inpaint.base", "InpaintError"),
                     ("inference.edits.rotate", "RotateError"))


def _user_errors() -> tuple[type[BaseException], ...]:
    found = [UserError, EditError]
    for module, name in _ERRORS_ELSEWHERE:
        if module in sys.modules and hasattr(sys.modules[module], name):
            found.append(getattr(sys.modules[module], name))
    return tuple(found)


def main(argv: Sequence[str] | None = None, quiet_native: bool = True) -> int:
    if quiet_native:
        _silence_native_stderr()
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(argv[0] if argv else None, lazy=True).parse_args(argv)
        code = args.run(args)
    except Exception as exc:
        if not isinstance(exc, _user_errors()):
            raise
        print(f"visage: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    return code if isinstance(code, int) else 0
