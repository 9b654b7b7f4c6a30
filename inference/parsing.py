"""Face parsing: a label map of the face's parts, on a crop around the face.

Classes (HELEN order; "left" = the image's left):
0 background, 1 skin, 2 left brow, 3 right brow, 4 left eye, 5 right eye, 6 nose,
7 upper lip, 8 inner mouth, 9 lower lip, 10 hair.

The coarse parsing here is the mesh's polygons rasterised with sub-pixel precision.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference import mesh_topology as topo

BACKGROUND, SKIN, LEFT_BROW, RIGHT_BROW, LEFT_EYE, RIGHT_EYE, NOSE, UPPER_LIP, INNER_MOUTH, \
    LOWER_LIP, HAIR = range(11)
CLASS_NAMES = ["background", "skin", "left brow", "right brow", "left eye", "right eye", "nose",
               "upper lip", "inner mouth", "lower lip", "hair"]
CLASS_COLORS = np.array([  # RGB, for overlays and legends
    [0, 0, 0], [255, 204, 153], [153, 51, 0], [204, 102, 0], [0, 153, 255], [0, 204, 204],
    [255, 255, 0], [255, 0, 102], [102, 0, 153], [204, 0, 51], [102, 255, 102]], dtype=np.uint8)

_SUBPIXEL_BITS = 4


@dataclass
class Parsing:
    """Labels for the crop whose top-left corner is (x0, y0) in the photo."""
    labels: np.ndarray  # (h, w) uint8
    x0: int
    y0: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels.shape[:2]

    def mask(self, *classes: int) -> np.ndarray:
        """Boolean mask of the crop for the given classes."""
        return np.isin(self.labels, classes)

    def full(self, height: int, width: int) -> np.ndarray:
        """The label map pasted into a photo-sized map of background."""
        out = np.zeros((height, width), np.uint8)
        h, w = self.shape
        out[self.y0:self.y0 + h, self.x0:self.x0 + w] = self.labels
        return out


def crop_box(face_box: tuple[float, float, float, float], height: int, width: int,
             margin: float = 0.3) -> tuple[int, int, int, int]:
    """Integer crop (x0, y0, x1, y1) around a face box, grown by ``margin`` of its size on each
    side (more above, for the hair), clipped to the photo."""
    x0, y0, x1, y1 = face_box
    w, h = x1 - x0, y1 - y0
    return (max(0, int(np.floor(x0 - margin * w))), max(0, int(np.floor(y0 - 1.5 * margin * h))),
            min(width, int(np.ceil(x1 + margin * w))), min(height, int(np.ceil(y1 + margin * h))))


def _fill(labels: np.ndarray, pts: np.ndarray, value: int, convex: bool = False) -> None:
    p = np.round(pts * (1 << _SUBPIXEL_BITS)).astype(np.int32)
    if convex:
        p = cv2.convexHull(p)
    cv2.fillPoly(labels, [p.reshape(-1, 1, 2)], int(value), lineType=cv2.LINE_8, shift=_SUBPIXEL_BITS)


def coarse_parsing(mesh: np.ndarray, face_box: tuple[float, float, float, float],
                   height: int, width: int) -> Parsing:
    """Parsing from the mesh polygons alone."""
    x0, y0, x1, y1 = crop_box(face_box, height, width)
    labels = np.zeros((y1 - y0, x1 - x0), np.uint8)
    pts = np.asarray(mesh)[:, :2] - (x0, y0)
    _fill(labels, pts[topo.FACE_OVAL], SKIN)
    _fill(labels, pts[topo.NOSE], NOSE, convex=True)
    # Person's right parts sit on the image's left unless the photo is mirrored: decide by x.
    for right_idx, left_idx, left_cls, right_cls in ((topo.RIGHT_BROW, topo.LEFT_BROW, LEFT_BROW, RIGHT_BROW),
                                                     (topo.RIGHT_EYE, topo.LEFT_EYE, LEFT_EYE, RIGHT_EYE)):
        a, b = pts[right_idx], pts[left_idx]
        if a[:, 0].mean() > b[:, 0].mean():
            a, b = b, a
        _fill(labels, a, left_cls)
        _fill(labels, b, right_cls)
    _fill(labels, pts[topo.UPPER_LIP], UPPER_LIP)
    _fill(labels, pts[topo.LOWER_LIP], LOWER_LIP)
    _fill(labels, pts[topo.INNER_MOUTH], INNER_MOUTH)
    return Parsing(labels=labels, x0=x0, y0=y0)


def colorize(labels: np.ndarray, opacity: float = 0.45, visible: set[int] | None = None) -> np.ndarray:
    """RGBA overlay of a label map (background transparent); ``visible`` limits the classes."""
    rgba = np.zeros(labels.shape + (4,), np.uint8)
    rgba[..., :3] = CLASS_COLORS[labels]
    on = labels > 0
    if visible is not None:
        on &= np.isin(labels, list(visible))
    rgba[..., 3] = np.where(on, int(round(255 * opacity)), 0).astype(np.uint8)
    return rgba
