"""The main window's inpainting-mask side: strokes painted on the canvas into the mask layer,
a parsing class added to it, the Fill (the mask kept with the step, so undoing the Fill gives
it back) and its choices (app/fill_choices.py), and the mask overlay. Mixed into MainWindow,
whose canvas, session, worker, inpaint panel and ``mask`` it uses."""
from __future__ import annotations

from app.mask import Stroke


class MaskEditing:
    def setup_fill_choices(self) -> None:
        from app.fill_choices import FillChoices
        self.fill_choices = FillChoices(self)

    def add_stroke(self, tool: str, path) -> None:
        if self.mask is None:
            return
        size, hardness = self.inpaint_panel.brush()
        self.mask.add(Stroke(tool, path, size, hardness))
        self._refresh_mask()
        self._update_ui()

    def clear_mask(self) -> None:
        if self.mask is not None:
            self.mask.clear()
            self._refresh_mask()
            self._update_ui()

    def add_class_to_mask(self, cls: int) -> None:
        if not self.session.add_class_to_mask(cls):
            self.tell_error("No face selected", "Click a face first: its parsing gives the mask.")

    def _refresh_mask(self) -> None:
        """The mask overlay, updated by the mask layer over the last change's rectangle only."""
        if self.mask is None or not self.mask.strokes:
            self.canvas.set_mask_overlay(None)
            return
        ip = self.inpaint_panel
        self.canvas.set_mask_overlay(self.mask.overlay(ip.colour), ip.opacity.value() / 100, self.mask.last_dirty)

    def fill_mask(self) -> None:
        if self.doc is None or self.mask is None:
            return
        mask = self.mask.array()
        if not mask.any():
            self.tell_error("Nothing to fill", "Paint over what should go (Brush, Lasso or a parsing class) first.")
            return
        values = self.inpaint_panel.values()
        if values["engine"] == "lama" and not values.get("model"):
            self.tell_error("LaMa needs weights", "The LaMa engine fills with weights you provide (nothing is "
                            "downloaded). Choose the file with “Model file…” beside LaMa weights in the "
                            "Inpaint panel, or pick another engine (patchmatch fills well without any).")
            return
        face = self.session.selected_face()
        self.fill_choices.asked(mask, face)
        self.session.commit("inpaint", dict(values, mask=mask), face=face, painted=list(self.mask.strokes))

    # -- the session's view: fills -------------------------------------------------------------
    def mask_class_ready(self, r) -> None:
        if self.mask is not None and r.raster.any():
            self.mask.add(Stroke("raster", raster=r.raster, x0=r.x0, y0=r.y0))
            self._refresh_mask()
            self._update_ui()

    def fill_done(self) -> None:
        self.mask.clear()
        self._refresh_mask()
        self.statusBar().showMessage("Filled", 4000)
        self.fill_choices.filled()

    def mask_restored(self, painted) -> None:
        """A fill undone: its mask back to adjust and fill again (None: redone, the mask goes)."""
        if self.mask is None:
            return
        if painted is None:
            self.mask.clear()
        else:
            self.mask.set_strokes(painted)
        self._refresh_mask()
        self._update_ui()
