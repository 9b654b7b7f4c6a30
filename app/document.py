"""The open photo and its history: the original plus an ordered list of applied edits.

Each edit is stored with its parameters, the face it was applied to, and the patch of pixels
it produced (edits are pure, so the patch is exactly what replaying the edit would give).
The image at any point of the history is the original with the patches pasted in order; undo
and redo move a cursor along the list. Face analysis is cached per history state. No Qt here:
the GUI drives it, the worker computes the patches.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from inference import edits
from inference.edits.base import Patch
from inference.faces import Face
from inference.io import Photo


IMAGE_CACHE_SIZE = 3
# Steps that change the faces, not the pixels (landmarks moved by hand): their titles
FACE_STEP_TITLES = {"landmarks": "Move landmark", "reset-landmarks": "Reset landmarks"}


def no_pixels() -> Patch:
    """The patch of a step that changes no pixel."""
    return Patch(np.zeros((0, 0, 3), np.uint8), 0, 0)


@dataclass
class EditStep:
    name: str
    face_index: int                      # the face's index in the state the step made (for an
                                         # edit that moves faces, set once they are found again)
    params: dict[str, Any]
    patch: Patch
    base_state: int                      # the history state the edit was computed from
    face: Face | None = None
    painted: Any = None                  # what the GUI painted for it (a fill's mask strokes),
                                         # given back when the step is undone

    @property
    def title(self) -> str:
        return FACE_STEP_TITLES.get(self.name) or edits.get(self.name).TITLE

    @property
    def changes_pixels(self) -> bool:
        return self.name not in FACE_STEP_TITLES

    @property
    def changes_faces(self) -> bool:
        """A step after which the faces are not those of the state before it."""
        return not self.changes_pixels or edits.get(self.name).CHANGES_GEOMETRY


@dataclass
class Document:
    photo: Photo
    steps: list[EditStep] = field(default_factory=list)
    cursor: int = 0                      # steps[:cursor] are applied; the rest can be redone
    saved_cursor: int = 0                # cursor at the last save (for "unsaved changes")
    saved_path: Path | None = None
    _faces: dict[int, list[Face]] = field(default_factory=dict)
    _image_cache: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def path(self) -> Path | None:
        return self.photo.path

    @property
    def original(self) -> np.ndarray:
        return self.photo.rgb

    @property
    def modified(self) -> bool:
        """The image differs from the one last saved (or opened): steps that only moved
        landmarks do not count, the file holds no landmarks."""
        if self.saved_cursor < 0:
            return True
        lo, hi = sorted((self.cursor, self.saved_cursor))
        return any(s.changes_pixels for s in self.steps[lo:hi])

    @property
    def file_path(self) -> Path | None:
        """Where the document lives now: the last Save As target, else the opened file."""
        return self.saved_path or self.path

    # -- history --------------------------------------------------------------------------
    def image(self, state: int | None = None) -> np.ndarray:
        """The image after the first ``state`` steps (default: the current state)."""
        state = self.cursor if state is None else state
        if state == 0:
            return self.photo.rgb
        cached = self._image_cache.get(state)
        if cached is not None:
            return cached
        img = self.photo.rgb.copy()
        # A re-adjustment's patch covers the region of the step it re-adjusts, so pasting
        # every patch in order gives the right pixels.
        for step in self.steps[:state]:
            if not step.changes_pixels:
                continue
            h, w = step.patch.pixels.shape[:2]
            img[step.patch.y0:step.patch.y0 + h, step.patch.x0:step.patch.x0 + w] = step.patch.pixels
        img.setflags(write=False)
        # Called from the GUI and the worker: the current state and an adjustment's base are
        # the ones asked for again and again; keep a few, newest last.
        cache = dict(self._image_cache)
        cache[state] = img
        while len(cache) > IMAGE_CACHE_SIZE:
            del cache[next(iter(cache))]
        self._image_cache = cache
        return img

    def top(self) -> EditStep | None:
        return self.steps[self.cursor - 1] if self.cursor > 0 else None

    def adjusting_base(self, name: str, face_index: int) -> int:
        """The state an adjustment of ``name`` on this face starts from. Moving a slider again
        right after its last release re-adjusts that edit (strengths are not compounded), so it
        starts where that edit started; otherwise from the current state."""
        top = self.top()
        if top is not None and top.name == name and top.face_index == face_index:
            return top.base_state
        return self.cursor

    def push(self, step: EditStep) -> None:
        """Apply a new step: anything that could have been redone is dropped."""
        del self.steps[self.cursor:]
        self._image_cache = {k: v for k, v in self._image_cache.items() if k <= self.cursor}
        for k in [k for k in self._faces if k > self.cursor]:
            del self._faces[k]
        if self.saved_cursor > self.cursor:
            self.saved_cursor = -1  # the saved state is no longer reachable
        self.steps.append(step)
        self.cursor += 1

    def push_faces(self, step: EditStep, faces: list[Face]) -> None:
        """Apply a step that changes the faces only (no pixels): ``faces`` are the new state's."""
        self.push(step)
        self._faces[self.cursor] = faces

    def go_to(self, state: int) -> bool:
        """Move the cursor to ``state`` (0: the original), as undo / redo do step by step."""
        if not 0 <= state <= len(self.steps) or state == self.cursor:
            return False
        self.cursor = state
        return True

    def can_undo(self) -> bool:
        return self.cursor > 0

    def can_redo(self) -> bool:
        return self.cursor < len(self.steps)

    def undo(self) -> bool:
        if not self.can_undo():
            return False
        self.cursor -= 1
        return True

    def redo(self) -> bool:
        if not self.can_redo():
            return False
        self.cursor += 1
        return True

    def state_token(self, state: int | None = None) -> tuple[int, EditStep | None]:
        """What identifies a state across later edits: its index and its last step (a push
        drops steps from the cursor on, so that step still being there means the state is)."""
        state = self.cursor if state is None else state
        return state, self.steps[state - 1] if state > 0 else None

    def holds(self, token: tuple[int, EditStep | None]) -> bool:
        """The state ``token`` named is still in the history (not replaced by a later edit)."""
        state, last = token
        return state <= len(self.steps) and (state == 0 or self.steps[state - 1] is last)

    def mark_saved(self, path: Path, token: tuple[int, EditStep | None] | None = None) -> None:
        """The file at ``path`` now holds the state ``token`` names (default: the current one).
        A save runs on the worker while the history can move on: the state written is the one
        recorded, and if that state was dropped meanwhile nothing in the history is saved."""
        token = token if token is not None else self.state_token()
        self.saved_cursor = token[0] if self.holds(token) else -1
        self.saved_path = Path(path)

    # -- faces ----------------------------------------------------------------------------
    def _geometry_state(self, state: int) -> int:
        """The latest state at or before ``state`` whose faces are still valid at ``state``:
        edits that do not move pixels around keep the faces of the state they started from."""
        while state > 0 and not self.steps[state - 1].changes_faces:
            state -= 1
        return state

    def faces(self, state: int | None = None) -> list[Face] | None:
        """Cached faces for a state (None when not analysed yet)."""
        state = self.cursor if state is None else state
        return self._faces.get(self._geometry_state(state))

    def set_faces(self, faces: list[Face], state: int | None = None) -> None:
        state = self.cursor if state is None else state
        self._faces[self._geometry_state(state)] = faces
