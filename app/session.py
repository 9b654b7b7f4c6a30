"""The editing session, without Qt: the open document, the selected face, and the life of an
adjustment (preview -> commit -> re-adjust), face following after an edit that moves faces,
and commits still on the worker.

The session builds jobs (app/jobs.py) and hands them to ``submit`` (the GUI's worker, or a
synchronous runner in tests) with a callback per job; what the window must show it learns
through a :class:`View`, whose methods all default to doing nothing.
"""
from __future__ import annotations

from typing import Any, Callable

from app import jobs
from app.document import Document, EditStep, no_pixels
from app.jobs import Analysed, ClassMask, Detected, Edited, Submit
from inference import edits
from inference.edits import spec
from inference.edits.base import EditCache


class View:
    """What the session tells the window. Override what you show."""

    def image_changed(self) -> None: ...            # the current state's image
    def preview_ready(self, patch) -> None: ...     # an edit's preview over the image
    def preview_cleared(self) -> None: ...
    def faces_changed(self) -> None: ...            # boxes, the selection, the face panel
    def analysis_ready(self, result: Analysed) -> None: ...  # parsing overlay, landmarks
    def analysis_cleared(self) -> None: ...
    def values_changed(self) -> None: ...           # what each panel should show
    def history_changed(self) -> None: ...          # undo/redo, the title
    def mask_class_ready(self, result: ClassMask) -> None: ...
    def fill_done(self) -> None: ...
    def mask_restored(self, painted) -> None: ...   # a fill undone: the mask painted for it
    def message(self, text: str, ms: int = 0) -> None: ...


def readjusts(edit) -> bool:
    """An edit dragged again right after its release re-adjusts itself, except an edit of a
    painted area (each fill is a step of its own)."""
    return not any(p.kind == spec.MASK for p in edit.PARAMS)


class Session:
    def __init__(self, submit: Submit, cancel: Callable[[str], None] | None = None, view: View | None = None):
        """``submit``: runs a job (see app/jobs.py); ``cancel(kind)``: cancels the jobs of a kind."""
        self.submit = submit
        self._cancel = cancel or (lambda kind: None)
        self.view = view or View()
        self.doc: Document | None = None
        self.selected: int | None = None
        self.tiny_faces: list = []
        self.last_preview: Edited | None = None   # the preview on screen
        self._preview_token = (0, None)           # the state it was computed from (Document.state_token)
        self.visible: set[int] | None = None      # parsing classes the overlay shows (None: all)
        self.pending_commits = 0
        self._save_waiting: list = []             # saves asked for while a commit ran
        self._preview_id = 0
        self._caches: dict[str, EditCache] = {name: EditCache() for name in edits.EDITS}

    # -- the document ---------------------------------------------------------------------
    def open(self, photo) -> None:
        self.doc = Document(photo)
        self._save_waiting = []
        self.selected = None
        self.tiny_faces = []
        self.last_preview = None
        for c in self._caches.values():
            c.clear()
        self.view.analysis_cleared()
        self.view.faces_changed()
        self.view.values_changed()
        self.view.history_changed()
        self.detect_if_needed()

    def faces(self, state: int | None = None):
        return self.doc.faces(state) if self.doc else None

    def selected_face(self):
        faces = self.faces()
        if faces and self.selected is not None and self.selected < len(faces):
            return faces[self.selected]
        return None

    def detect_if_needed(self, previous: list | None = None, follow: tuple[float, float] | None = None) -> None:
        """Find the faces of the current state if not known yet; ``previous``: the faces before
        an edit that moved them, looked for again where they were if the detector misses them;
        ``follow``: where the selected face was, to select it again wherever it is listed."""
        if self.doc is not None and self.faces() is None:
            self.submit("detect", jobs.detect(self.doc, self.doc.cursor, previous, follow),
                        on_done=self._detected)

    def _detected(self, r: Detected) -> None:
        from inference.faces import face_at
        if self.doc is None or r.state > len(self.doc.steps):
            return
        faces = r.detection.faces
        self.doc.set_faces(faces, r.state)
        self.tiny_faces = r.detection.tiny
        if r.follow is not None:
            self.selected = index = face_at(faces, *r.follow)
            step = self.doc.steps[r.state - 1] if r.state > 0 else None
            if index is not None and step is not None and step.face_index != index:
                # the edit that moved it re-adjusts while this face is selected (values,
                # adjusting_base compare indices into this state's list); its row names it so
                step.face_index = index
                self.view.history_changed()
        elif self.selected is not None and self.selected >= len(faces):
            self.selected = None
        self.view.faces_changed()
        self.view.values_changed()
        if self.selected is not None:
            self.analyse_selected()
        from inference.faces import MIN_FACE_PX
        tiny = (f"; {len(r.detection.tiny)} smaller than {MIN_FACE_PX} px shown dashed, too small to edit"
                if r.detection.tiny else "")
        self.view.message((f"{len(faces)} face(s) found; click one to edit it" if faces
                           else "No face found in this photo") + tiny, 8000)

    # -- the selection --------------------------------------------------------------------
    def select(self, index: int | None) -> None:
        self.selected = index
        self.last_preview = None
        self.view.preview_cleared()
        self.view.analysis_cleared()
        self.view.faces_changed()
        self.view.values_changed()
        if index is not None:
            self.analyse_selected()

    def analyse_selected(self) -> None:
        face = self.selected_face()
        if face is None:
            return
        from inference.parsing import CLASS_NAMES
        visible = set(range(len(CLASS_NAMES))) if self.visible is None else self.visible
        self.submit("analyse", jobs.analyse(self.doc, self.doc.cursor, self.selected, face, visible),
                    coalesce=True, on_done=self._analysed)

    def _analysed(self, r: Analysed) -> None:
        if self.doc is None or r.index != self.selected or not self.faces():
            return
        self.view.analysis_ready(r)

    def replace_selected_face(self, change, name: str = "landmarks",
                              params: dict[str, Any] | None = None) -> None:
        """The selected face replaced by ``change(face)`` (landmarks moved by hand) as one
        undoable step ``name`` that changes the faces, not the pixels; parsed again."""
        faces = self.faces()
        if not faces or self.selected is None or self.pending_commits:
            return
        faces = list(faces)
        old = faces[self.selected]
        faces[self.selected] = change(old)
        if faces[self.selected] is old:
            return
        self.cancel_previews()
        self.doc.push_faces(EditStep(name=name, face_index=self.selected, params=dict(params or {}),
                                     patch=no_pixels(), base_state=self.doc.cursor), faces)
        self.last_preview = None
        self.view.preview_cleared()
        self.view.faces_changed()
        self.view.values_changed()
        self.view.history_changed()

    def add_class_to_mask(self, cls: int) -> bool:
        face = self.selected_face()
        if face is None:
            return False
        self.submit("maskclass", jobs.class_mask(self.doc, self.doc.cursor, face, cls),
                    on_done=self.view.mask_class_ready)
        return True

    def find_blemishes(self, on_done: Callable[[list], None]) -> bool:
        """The selected face's blemishes found on the worker, handed to ``on_done`` unless the
        photo moved on meanwhile (False: no face selected)."""
        face = self.selected_face()
        if face is None:
            return False
        doc, token, index = self.doc, self.doc.state_token(), self.selected

        def done(spots) -> None:   # not onto another state (a replaced step) or another face
            if self.doc is doc and doc.cursor == token[0] and doc.holds(token) and self.selected == index:
                on_done(spots)
        self.submit("find", jobs.find_blemishes(doc, token[0], face), on_done=done)
        return True

    # -- adjustments ----------------------------------------------------------------------
    def edit_face(self, name: str):
        """(base state, the face as it was there) for an edit of the selected face: a re-adjusted
        edit starts where it started, with the face it was given (a head turn moves faces)."""
        faces = self.faces()
        if self.doc is None or self.selected is None or not faces:
            return None, None
        base = self.doc.adjusting_base(name, self.selected) if readjusts(edits.get(name)) else self.doc.cursor
        top = self.doc.top()
        if base != self.doc.cursor and top.face is not None:
            return base, top.face
        return base, faces[self.selected]

    def values(self, name: str) -> dict[str, Any]:
        """What a panel shows: the parameters of the edit it would re-adjust, else rest values."""
        edit = edits.get(name)
        rest = {p.name: p.rest for p in edit.PARAMS}
        top = self.doc.top() if self.doc else None
        if top is not None and top.name == name and top.face_index == self.selected and readjusts(edit):
            rest.update(top.params)
        return rest

    def limits(self, name: str) -> dict[str, tuple[float, float]]:
        """Ranges narrowed for the selected face (a head already turned turns only so far)."""
        _, face = self.edit_face(name)
        return spec.limits(edits.get(name), face)

    def _checked(self, name: str, params: dict[str, Any]) -> dict[str, Any] | None:
        """The parameters as the edit's PARAMS take them; None (and a message) if refused."""
        try:
            return spec.validate(edits.get(name), params)
        except spec.ParamError as exc:
            self.view.message(f"{edits.get(name).TITLE}: {exc}", 8000)
            return None

    def preview(self, name: str, params: dict[str, Any]) -> None:
        base, face = self.edit_face(name)
        if face is None or (params := self._checked(name, params)) is None:
            return
        job: dict[str, int] = {}
        doc, token = self.doc, self.doc.state_token(base)

        def done(r: Edited) -> None:
            if job.get("id") != self._preview_id or self.doc is not doc or r.base != self.edit_face(r.name)[0] \
                    or not doc.holds(token):
                return  # stale: a newer preview, a history move or a replaced step since
            self.last_preview = r
            self._preview_token = token
            self.view.preview_ready(r.patch)
        job["id"] = self._preview_id = self.submit(
            "preview", jobs.edit(self.doc, name, base, face, params, True, self._caches[name]),
            coalesce=True, on_done=done)

    def commit(self, name: str, params: dict[str, Any], face=None, painted=None) -> None:
        """Make an adjustment one undoable edit: the preview on screen when it is the result,
        else a render on the worker. ``face`` is for edits of the photo (a fill) that may use
        the selected face; ``painted`` is kept with the step (the fill's mask strokes) and
        given back to the view when the step is undone."""
        edit = edits.get(name)
        if (params := self._checked(name, params)) is None:
            return
        if edit.CLI is not None and not edit.CLI.faces:
            base = self.doc.cursor if self.doc is not None else None
        else:
            base, face = self.edit_face(name)
            if face is None:
                return
            if base == self.doc.cursor and edit.is_identity(**params):
                return  # nothing to re-adjust and nothing would change
        if base is None:
            return
        self.cancel_previews()
        lp = self.last_preview
        if lp is not None and edit.PREVIEW_IS_RESULT and (lp.name, lp.base, lp.params) == (name, base, params) \
                and self.doc.holds(self._preview_token):
            self._push(lp, painted)
            return
        self.pending_commits += 1
        self.submit("commit", jobs.edit(self.doc, name, base, face, params, False, self._caches[name]),
                    on_done=lambda r: self._committed(r, painted), on_failed=self._commit_ended,
                    on_cancelled=self._commit_ended)

    def cancel_previews(self) -> None:
        self._cancel("preview")

    def _commit_ended(self, *_) -> None:
        self.pending_commits -= 1
        if not self.pending_commits:
            self._save_if_waiting()

    def _committed(self, r: Edited, painted=None) -> None:
        self.pending_commits -= 1
        try:
            if self.doc is None or r.base > self.doc.cursor:
                return
            if not readjusts(edits.get(r.name)) and r.base != self.doc.cursor:
                return
            self._push(r, painted)
        finally:
            if not self.pending_commits:
                self._save_if_waiting()

    def _push(self, r: Edited, painted=None) -> None:
        edit = edits.get(r.name)
        photo_edit = edit.CLI is not None and not edit.CLI.faces
        self.doc.push(EditStep(name=r.name, face_index=-1 if photo_edit else self.selected,
                               params={k: v for k, v in r.params.items() if not _is_array(v)} if photo_edit
                               else dict(r.params),
                               patch=r.patch, base_state=r.base, face=None if photo_edit else r.face,
                               painted=painted))
        self.last_preview = None
        self.view.image_changed()
        if photo_edit:
            self.view.fill_done()
        self.view.history_changed()
        if edit.CHANGES_GEOMETRY:  # faces moved: find them again, keep the selection
            self.view.analysis_cleared()
            self.view.faces_changed()
            # faces are listed largest first: a turn can reorder them, so the selection follows
            # the turned face by where it was, not by its index
            follow = r.face.centre if r.face is not None and self.selected is not None else None
            self.detect_if_needed(previous=self.doc.faces(r.base), follow=follow)

    # -- history --------------------------------------------------------------------------
    def undo(self) -> bool:
        return self._move(self.doc.undo) if self.doc is not None and not self.pending_commits else False

    def redo(self) -> bool:
        return self._move(self.doc.redo) if self.doc is not None and not self.pending_commits else False

    def go_to(self, state: int) -> bool:
        """Show history state ``state`` (0: the original), as undo / redo would get there."""
        return self._move(lambda: self.doc.go_to(state)) \
            if self.doc is not None and not self.pending_commits else False

    def _move(self, step) -> bool:
        faces_before, follow = self.faces(), self.selected_face().centre if self.selected_face() else None
        before = self.doc.cursor
        if not step():
            return False
        # Across an edit that moved faces (their lists differ) the selection follows that face
        # by where it was: the lists are by size, and a turn can reorder them.
        self.cancel_previews()
        self.last_preview = None
        self.view.image_changed()
        faces = self.faces()
        if faces is None:
            self.selected = None
            self.detect_if_needed(previous=self.doc.faces(self.doc.cursor - 1) if self.doc.cursor else None,
                                  follow=follow)
        elif faces is not faces_before and follow is not None:
            from inference.faces import face_at
            self.selected = face_at(faces, *follow)
        elif self.selected is not None and self.selected >= len(faces):
            self.selected = None
        self.view.faces_changed()
        self.view.values_changed()
        self.view.history_changed()
        if faces is not None and faces is not faces_before:
            # other faces (a turn, landmarks moved by hand): the overlay is theirs
            self.view.analysis_cleared()
            self.analyse_selected()
        self._mask_after_move(before, self.doc.cursor)
        return True

    def _mask_after_move(self, before: int, after: int) -> None:
        """Back to just before a fill: its mask comes back, to adjust and fill again; forward
        over a fill: that mask was used up."""
        steps = self.doc.steps
        if after < before and steps[after].painted is not None:
            self.view.mask_restored(steps[after].painted)
        elif after > before and any(s.painted is not None for s in steps[before:after]):
            self.view.mask_restored(None)

    def save(self, path, quality: int | None = None, on_done=None) -> None:
        """Write the current state to ``path`` keeping the photo's EXIF and ICC profile;
        ``quality`` for JPEG / WebP (None: the photo's own estimate, else 95). An edit still
        being applied is waited for: the file gets it, as the screen will show it."""
        if self.pending_commits:
            self._save_waiting.append((self.doc, path, quality, on_done))
            self.view.message("Saving once the edit being applied is done…", 6000)
            return
        doc = self.doc
        token = doc.state_token()

        def done(p):
            doc.mark_saved(p, token)
            self.view.history_changed()
            self.view.message(f"Saved {p}", 6000)
            if on_done:
                on_done(p)
        # the pixels taken now (the screen's, usually cached): the save may wait behind other
        # jobs while the history moves on, and a replaced step must not change what is written
        self.submit("save", jobs.save(path, doc, doc.image(token[0]), quality), on_done=done)

    def _save_if_waiting(self) -> None:
        waiting, self._save_waiting = self._save_waiting, []
        for doc, *args in waiting:
            if doc is self.doc and doc is not None:
                self.save(*args)


def _is_array(v) -> bool:
    return hasattr(v, "shape") and hasattr(v, "dtype")
