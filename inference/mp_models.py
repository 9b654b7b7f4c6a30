"""The models mediapipe 0.10.21 ships inside its wheel (nothing is downloaded): face detectors
(full range, and short range for close-ups), 478-point face mesh, selfie/person segmenter, and
the palm detector + 21-point hand landmarker (hands over a face are occluders, not skin).
Created lazily, once per thread, because mediapipe graphs are not thread-safe."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("GLOG_minloglevel", "2")  # mediapipe's C++ start-up chatter
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

_local = threading.local()


@dataclass
class _Models:
    detector: Any
    near_detector: Any   # short range: faces filling the frame, which the full-range one can miss
    mesh: Any
    segmenter: Any
    hands: Any           # palm detector + hand landmarks (lite), on still images


def models() -> _Models:
    """This thread's mediapipe graphs."""
    m = getattr(_local, "models", None)
    if m is None:
        import mediapipe as mp  # heavy import: only where faces are needed
        s = mp.solutions
        m = _Models(
            detector=s.face_detection.FaceDetection(model_selection=1, min_detection_confidence=0.5),
            near_detector=s.face_detection.FaceDetection(model_selection=0, min_detection_confidence=0.5),
            mesh=s.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1, refine_landmarks=True,
                                      min_detection_confidence=0.3),
            segmenter=s.selfie_segmentation.SelfieSegmentation(model_selection=0),
            # lite landmarks: ~10 ms on a 448 px crop without a hand, ~18 ms with two (full: 28).
            # A hand-presence threshold of 0.8 (0.5 by default) drops a profile face taken for
            # a hand; none of the other face crops of ../shared/data (35) shows one
            hands=s.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=0,
                                min_detection_confidence=0.4, min_tracking_confidence=0.8),
        )
        _local.models = m
    return m
