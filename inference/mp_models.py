"""The models mediapipe 0.10.21 ships inside its wheel (nothing is downloaded): face detectors
(full range, and short range for close-ups), 478-point face mesh, selfie/person segmenter, and
the palm detector + 21-point hand landmarker (hands over a face are occluders, not skin).
Created lazily, once per thread, because mediapipe graphs are not thread-safe."""
from __future__ import annotations

import os
import threading
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")  # mediapipe's C++ start-up chatter
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

_local = threading.local()


def _factories(s) -> dict[str, Any]:
    return {
        "detector": lambda: s.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5),
        # short range: faces filling the frame, which the full-range one can miss
        "near_detector": lambda: s.face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.5),
        "mesh": lambda: s.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True,
                                             min_detection_confidence=0.3),
        "segmenter": lambda: s.selfie_segmentation.SelfieSegmentation(model_selection=0),
        # palm detector + hand landmarks on still images; lite landmarks: ~10 ms on a 448 px
        # crop without a hand, ~18 ms with two (full: 28). A hand-presence threshold of 0.8
        # (0.5 by default) drops a profile face taken for a hand; none of the other face crops
        # of ../shared/data (35) shows one
        "hands": lambda: s.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=0,
                                       min_detection_confidence=0.4, min_tracking_confidence=0.8),
    }


class _Models:
    """A thread's graphs, each built when first asked for (the parse's side thread needs the
    segmenter and the hands only: a graph is ~20 MB)."""

    def __getattr__(self, name: str) -> Any:
        import mediapipe as mp  # heavy import: only where faces are needed
        make = _factories(mp.solutions).get(name)
        if make is None:
            raise AttributeError(name)
        graph = make()
        setattr(self, name, graph)
        return graph


def models() -> _Models:
    """This thread's mediapipe graphs."""
    m = getattr(_local, "models", None)
    if m is None:
        m = _local.models = _Models()
    return m
