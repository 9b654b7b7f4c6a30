"""Writing photos, label maps and text atomically (temporary file, fsync, rename), and the
checks made on an output before any work (not an input, not read-only)."""
from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import signal
import struct
import sys
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

from inference.io.formats import ALPHA_FORMATS, WRITE_FORMATS, ImageWriteError
from inference.io.metadata import JPEG_EXIF_MAX, METADATA_FORMATS, saved_exif
from inference.io.read import Photo


def _format_for(path: Path) -> str:
    fmt = WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageWriteError(
            f"{path}: unknown file type {path.suffix or '(none)'}; use one of "
            + ", ".join(sorted(set(WRITE_FORMATS))))
    return fmt


# The largest side each format's encoder takes (libwebp: 16383; libjpeg: 65500).
MAX_SIDE = {"WEBP": 16383, "JPEG": 65500}


def check_size(path: str | os.PathLike, width: int, height: int) -> None:
    """ImageWriteError (one line) when ``path``'s format cannot hold a width x height image."""
    p = Path(path)
    fmt = _format_for(p)
    limit = MAX_SIDE.get(fmt)
    if limit is not None and max(width, height) > limit:
        name = {"WEBP": "WebP", "JPEG": "JPEG"}[fmt]
        raise ImageWriteError(f"{p}: {name} images are at most {limit} pixels a side and this one is "
                              f"{width}x{height}; save it as PNG or TIFF")


def _note_stderr(message: str) -> None:
    print(f"visage: note: {message}", file=sys.stderr)


# Where write_image's notes go (the GUI may point this at its status bar); each is given once.
note = _note_stderr
_noted: set[str] = set()


def _note_once(key: str, message: str) -> None:
    if key not in _noted:
        _noted.add(key)
        note(message)


# zlib level for PNG photos saved like an opened one: on a 12 MP photo (4000x3000) level 3 wrote
# 13.0 MB in 1.3 s, Pillow's default 6 wrote 12.2 MB in 3.6 s and 1 wrote 13.7 MB in 0.9 s:
# past 3 each level costs far more time than it saves bytes.
PNG_COMPRESS_LEVEL = 3
DEFAULT_QUALITY = 95


def write_image(path: str | os.PathLike, rgb: np.ndarray, alpha: np.ndarray | None = None,
                quality: int | None = None, *, like: Photo | None = None) -> Path:
    """Write atomically: encode into a temporary file beside the target, then rename over it,
    so a crash or a full disk never leaves a half-written photo. Alpha is kept where the
    format has it; where it has not (JPEG, BMP), a photo with transparency is written opaque
    and a note says so, once per format.

    ``quality`` (1-100) is JPEG's and WebP's; None: ``like``'s estimated quality when it has
    one, else 95. ``like``, the photo these pixels came from: its EXIF is kept (Orientation 1,
    since the pixels are stored upright; its thumbnail dropped) and its ICC profile, byte for
    byte, the pixels unconverted, in JPEG, PNG, WebP and TIFF (BMP has room for neither: a note
    says they are dropped); PNGs get the zlib level PNG_COMPRESS_LEVEL. Without ``like`` and
    ``quality`` a file is written as it always was."""
    p = Path(path)
    fmt = _format_for(p)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("write_image expects (H, W, 3) uint8 RGB")
    if quality is not None and (isinstance(quality, bool) or not isinstance(quality, (int, np.integer))
                                or not 1 <= quality <= 100):
        raise ValueError(f"quality must be an integer from 1 to 100, not {quality!r}")
    check_size(p, rgb.shape[1], rgb.shape[0])
    if alpha is not None and fmt in ALPHA_FORMATS:
        img = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
    else:
        if alpha is not None and (alpha < 255).any():
            _note_once(f"alpha:{fmt}", f"{fmt} has no transparency: {p.name} is written opaque "
                       "(its alpha channel is dropped); save as PNG, WebP or TIFF to keep it")
        img = Image.fromarray(rgb, "RGB")
    kwargs: dict = {}
    if fmt in ("JPEG", "WEBP"):
        known = like.quality if like is not None else None
        kwargs["quality"] = int(quality if quality is not None else known or DEFAULT_QUALITY)
    if like is not None:
        kwargs.update(_metadata(p, fmt, like, rgb.shape[1], rgb.shape[0]))
    return _atomic_write(p, lambda f: img.save(f, format=fmt, **kwargs))


def _metadata(p: Path, fmt: str, like: Photo, width: int, height: int) -> dict:
    """Pillow's save options that carry ``like``'s EXIF and ICC profile into ``fmt``."""
    kwargs: dict = {"compress_level": PNG_COMPRESS_LEVEL} if fmt == "PNG" else {}
    exif = saved_exif(like.exif, width, height)
    if fmt not in METADATA_FORMATS:
        if exif or like.icc:
            _note_once(f"metadata:{fmt}", f"{fmt} files hold no EXIF or colour profile: {p.name} is "
                       "written without them; save as JPEG, PNG, WebP or TIFF to keep them")
        return kwargs
    if exif and fmt == "JPEG" and len(exif) > JPEG_EXIF_MAX:
        # a JPEG holds 64 KB of EXIF: a thumbnail dropped is usually enough, else the maker note goes
        exif = saved_exif(like.exif, width, height, maker_note=False)
        if exif and len(exif) > JPEG_EXIF_MAX:
            exif = None
        _note_once(f"exif-size:{p}", f"{p.name}: the EXIF is too large for a JPEG; written "
                   + ("without the camera's maker note" if exif else "without it"))
    if exif:
        kwargs["exif"] = exif
    if like.icc:
        kwargs["icc_profile"] = like.icc
    return kwargs


# The process's umask, read once (reading it means setting it: not safe once threads run).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _file_mode(p: Path) -> int:
    """The permissions a saved file gets: those of the file it replaces, less setuid, setgid
    and sticky (a replaced program must not keep running as its owner), else those of a newly
    created file (the temporary file it is written through is private: 0600)."""
    try:
        return p.stat().st_mode & 0o777
    except OSError:
        return 0o666 & ~_UMASK


# Our temporary files: ".<name>.visage-<pid>-<random>.tmp" beside the target. One left by a
# process that no longer runs (killed with SIGKILL, or the machine went down) is removed by the
# next write into that folder; one whose process may still be writing is left alone unless it
# is a day old.
_TEMP = re.compile(r"^\..*\.visage-(\d+)-[0-9a-f]{12}\.tmp$")
STALE_AFTER_S = 24 * 3600


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (another user's counts)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError, OSError):
        return False
    return True


def remove_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files of interrupted Visage writes in ``folder``; returns them."""
    removed = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        m = _TEMP.match(e.name)
        if not m:
            continue
        pid = int(m.group(1))
        try:
            if not e.is_file(follow_symlinks=False):
                continue
            old = now - e.stat(follow_symlinks=False).st_mtime > STALE_AFTER_S
            if pid != os.getpid() and (old or not _alive(pid)):
                os.unlink(e.path)
                removed.append(Path(e.path))
        except OSError:
            continue
    return removed


class _Terminated(BaseException):
    """SIGTERM arrived during a write: the temporary file is removed before the process ends."""


def _on_sigterm(signum, frame):
    raise _Terminated()


@contextlib.contextmanager
def _sigterm_cleans_up():
    """During the block, SIGTERM raises _Terminated (so ``finally`` clauses run, as they do for
    SIGINT's KeyboardInterrupt); afterwards the previous handler is back and a SIGTERM that
    came is delivered again, ending the process as it would have. Only the main thread can
    handle signals: elsewhere (the GUI's workers) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.getsignal(signal.SIGTERM)
        if previous in (signal.SIG_IGN, None):
            yield
            return
        signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, previous)
        if previous == signal.SIG_DFL:
            os.kill(os.getpid(), signal.SIGTERM)   # ends the process here, as SIGTERM does
        elif callable(previous):
            previous(signal.SIGTERM, None)         # the program's own handler decides
        raise ImageWriteError("not written: interrupted by SIGTERM") from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (without it, a power cut can lose the new name)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass   # some file systems cannot sync a folder
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    if exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0][:160] if str(exc).strip() else type(exc).__name__


def _atomic_write(p: Path, write) -> Path:
    """Create ``p`` through ``write(binary file)`` into a temporary file beside it, fsync, rename
    over it, fsync the folder. On any failure (a full disk, a read-only folder, an encoder's
    refusal, Ctrl-C, SIGTERM) the temporary file is removed and ``p`` is as it was; OS and
    encoder failures are ImageWriteError with one line."""
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise ImageWriteError(f"{p}: is a folder")
    if not parent.is_dir():
        raise ImageWriteError(f"{p}: folder {parent} does not exist")
    remove_stale_temps(parent)
    mode = _file_mode(p)
    tmp = None
    with _sigterm_cleans_up():
        try:
            for _ in range(100):
                name = parent / f".{p.name[:80]}.visage-{os.getpid()}-{secrets.token_hex(6)}.tmp"
                try:
                    tmp = name
                    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
                    break
                except FileExistsError:
                    tmp = None
            else:
                raise FileExistsError(errno.EEXIST, "no free temporary file name")
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fchmod(f.fileno(), mode)
                os.fsync(f.fileno())
            os.replace(tmp, p)
            tmp = None
            _fsync_folder(parent)
        except OSError as exc:
            raise ImageWriteError(f"{p}: cannot write ({_reason(exc)})") from None
        except (ValueError, struct.error) as exc:   # an encoder refusing the image
            raise ImageWriteError(f"{p}: cannot encode the image ({str(exc).splitlines()[0][:160]})") from None
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
    return p


def write_image_gray(path: str | os.PathLike, values: np.ndarray) -> Path:
    """Write an (H, W) uint8 map (labels, masks) as an 8-bit greyscale PNG, atomically."""
    p = Path(path)
    if values.dtype != np.uint8 or values.ndim != 2:
        raise ValueError("write_image_gray expects (H, W) uint8")
    img = Image.fromarray(values, "L")
    return _atomic_write(p, lambda f: img.save(f, format="PNG"))


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write a file atomically, with the same one-line errors as photos."""
    return _atomic_write(Path(path), lambda f: f.write(data))


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write UTF-8 text (the faces JSON) atomically, with the same one-line errors as photos:
    a missing folder, a folder in the way, no permission, a full disk; never a truncated file."""
    return write_bytes(path, text.encode("utf-8"))


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """True when both paths name one file (so saving to b would overwrite a): the same inode
    through symlinks and hard links, or, for a path that does not exist yet, the same place."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def check_output(out: str | os.PathLike, inputs, overwrite: bool = False) -> Path:
    """Before any work: ImageWriteError (one line) when ``out`` cannot or must not be written.

    Refused always: ``out`` is a folder, or its folder does not exist. Refused unless
    ``overwrite``: ``out`` is one of ``inputs`` (the same file through symlinks or hard links:
    the photo, a mask, anything the command reads), or it exists read-only (no write
    permission bit: 0444). ``inputs``: paths, or (what, path) pairs such as ("the mask", m)
    for the message; None for optional inputs not given."""
    o = Path(out)
    if o.is_dir():
        raise ImageWriteError(f"{o}: is a folder")
    parent = o.parent if str(o.parent) else Path(".")
    if not parent.is_dir():
        raise ImageWriteError(f"{o}: folder {parent} does not exist")
    if overwrite:
        return o
    for item in inputs:
        what, inp = item if isinstance(item, tuple) else ("an input of this command", item)
        if inp is not None and str(inp) and os.path.lexists(o) and same_file(inp, o):
            same = "" if str(inp) == str(o) else f" ({inp})"
            raise ImageWriteError(f"{o} is {what}{same}; pass --overwrite to replace it")
    try:
        st = o.stat()
    except OSError:
        return o
    if not st.st_mode & 0o222:
        raise ImageWriteError(f"{o} is read-only; pass --overwrite to replace it")
    return o
