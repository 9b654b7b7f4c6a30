"""The status bar's view of the worker: a progress bar and a Cancel button while a long job
runs, its messages, and one clear line when a job fails or a commit is cancelled."""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QProgressBar, QPushButton, QStatusBar

BUSY_KINDS = ("load", "detect", "commit", "save", "analyse", "maskclass")
CANCELLABLE = ("detect", "commit", "analyse")
FAILED_TITLES = {"load": "Cannot open photo", "save": "Cannot save photo", "detect": "Face detection failed",
                 "commit": "Edit failed", "preview": "Preview failed", "analyse": "Face analysis failed",
                 "maskclass": "Mask from parsing failed", "variants": "Other fills failed",
                 "find": "Finding blemishes failed"}


class JobStatus:
    """Wires a Worker's signals to ``bar``. ``tell_error(title, text)`` shows a failure;
    ``changed()`` runs after a job ends badly (the window refreshes its actions)."""

    def __init__(self, bar: QStatusBar, worker, tell_error: Callable[[str, str], None],
                 changed: Callable[[], None]):
        self.bar, self.worker = bar, worker
        self._tell_error, self._changed = tell_error, changed
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.setRange(0, 100)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_running)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()
        self._message = ""
        worker.started.connect(self._started)
        worker.progressed.connect(self._progressed)
        worker.idle.connect(self._idle)
        worker.failed.connect(self._failed)
        worker.cancelled.connect(self._cancelled)

    def cancel_running(self) -> None:
        self.worker.cancel(kind=self.worker.running_kind())

    def _started(self, job_id: int, kind: str) -> None:
        if kind in BUSY_KINDS:
            self.progress.setRange(0, 0)  # busy until a job reports a fraction
            self.progress.show()
            self.cancel_button.setVisible(kind in CANCELLABLE)

    def _progressed(self, job_id: int, fraction: float, message: str) -> None:
        self.progress.setRange(0, 100)
        self.progress.setValue(int(100 * fraction))
        if message:
            self._message = message
            self.bar.showMessage(message)

    def _idle(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        if self.bar.currentMessage() == self._message:
            self.bar.clearMessage()

    def _failed(self, job_id: int, kind: str, message: str) -> None:
        self.bar.showMessage(message, 8000)
        self._tell_error(FAILED_TITLES.get(kind, "Error"), message)
        self._changed()

    def _cancelled(self, job_id: int, kind: str) -> None:
        if kind == "commit":
            self.bar.showMessage("Cancelled: nothing was changed", 5000)
        self._changed()
