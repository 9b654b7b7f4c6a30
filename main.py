"""Visage entry point.

    python main.py [PHOTO]            open the editor (on PHOTO if given)
    python main.py --sample           open the editor on the bundled sample portrait
    python main.py COMMAND ...        run an edit headless (see `python main.py --help`)
"""
from __future__ import annotations

import sys


def _looks_like_a_command(arg: str) -> bool:
    """A mistyped command ("smoth"), not a photo to open: no such file and no photo suffix."""
    from pathlib import Path

    from inference.io import READ_SUFFIXES
    return arg != "--sample" and not Path(arg).exists() and Path(arg).suffix.lower() not in READ_SUFFIXES


def main(argv: list[str]) -> int:
    from inference.cli import command_names, main as cli_main
    commands = command_names()
    if argv and (argv[0] in commands or argv[0] in ("-h", "--help")):
        return cli_main(argv)
    if len(argv) > 1 or (argv and _looks_like_a_command(argv[0])):
        print(f"visage: error: unknown command {argv[0]!r}; commands: {', '.join(sorted(commands))}",
              file=sys.stderr)
        return 2
    from app.main_window import run_gui
    photo = None
    if argv:
        if argv[0] == "--sample":
            from inference.sample import sample_photo_path
            photo = str(sample_photo_path())
        else:
            photo = argv[0]
    return run_gui(photo)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
