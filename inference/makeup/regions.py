"""Where makeup goes on a face: work areas (a box of the photo with the parsing's labels over
it) round the lips, the eyes and the cheeks, and the mesh's contours that place a product
(the upper lid, the brow's lower edge, the cheekbone). Sides are the image's: "left" is the
person's right (mediapipe's RIGHT_* contours)."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference import mesh_topology as topo
from inference import parsing as P

SIDES = ("left", "right")
EYE = {"left": topo.RIGHT_EYE, "right": topo.LEFT_EYE}          # outer corner first
UPPER_LID = {s: EYE[s][:9] for s in SIDES}                       # outer corner -> inner corner
LOWER_LID = {s: EYE[s][8:] + EYE[s][:1] for s in SIDES}          # inner corner -> outer corner
BROW_LOWER = {"left": topo.RIGHT_BROW[:5], "right": topo.LEFT_BROW[:5]}   # outer -> inner
EYE_CLASS = {"left": P.LEFT_EYE, "right": P.RIGHT_EYE}
BROW_CLASS = {"left": P.LEFT_BROW, "right": P.RIGHT_BROW}
LIPS = (P.UPPER_LIP, P.LOWER_LIP)
# the cheekbone: the apple of the cheek (50), the cheekbone below the eye's outer half (123,
# 117) and the face's side at the ear (234), image-left side; the mirror gives the other
CHEEK = {"left": (50, 123, 117, 234)}
CHEEK["right"] = tuple(topo.MIRROR[i] for i in CHEEK["left"])


@dataclass
class Area:
    """A box of the photo (x0, y0, shape) and the parsing's labels over it (0 off the parsing)."""
    x0: int
    y0: int
    labels: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.labels.shape

    def crop(self, image: np.ndarray) -> np.ndarray:
        h, w = self.shape
        return image[self.y0:self.y0 + h, self.x0:self.x0 + w]

    def mask(self, *classes: int) -> np.ndarray:
        return np.isin(self.labels, classes)

    def local(self, pts: np.ndarray) -> np.ndarray:
        """Photo coordinates -> this area's (pixel centres at integers)."""
        return np.asarray(pts, np.float64)[..., :2] - (self.x0, self.y0)


def box_round(points: np.ndarray, margin: float, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    H, W = shape
    p = np.asarray(points, np.float64)[:, :2]
    return (int(np.floor(max(0, p[:, 0].min() - margin))), int(np.floor(max(0, p[:, 1].min() - margin))),
            int(np.ceil(min(W, p[:, 0].max() + margin + 1))), int(np.ceil(min(H, p[:, 1].max() + margin + 1))))


def labels_over(parsing, box: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = box
    out = np.zeros((max(0, y1 - y0), max(0, x1 - x0)), np.uint8)
    full = parsing.labels_full()
    px0, py0 = max(x0, parsing.x0), max(y0, parsing.y0)
    px1, py1 = min(x1, parsing.x0 + parsing.width), min(y1, parsing.y0 + parsing.height)
    if px1 > px0 and py1 > py0:
        out[py0 - y0:py1 - y0, px0 - x0:px1 - x0] = full[py0 - parsing.y0:py1 - parsing.y0,
                                                         px0 - parsing.x0:px1 - parsing.x0]
    return out


def area(image: np.ndarray, face, points: np.ndarray, margin: float) -> Area:
    box = box_round(points, margin, image.shape[:2])
    return Area(box[0], box[1], labels_over(face.parsing_for(image), box))


def lips_area(image: np.ndarray, face) -> Area:
    pts = face.mesh[topo.LIPS_OUTER_UPPER + topo.LIPS_OUTER_LOWER]
    return area(image, face, pts, 0.06 * face.size)


def eyes_area(image: np.ndarray, face) -> Area:
    idx = [i for s in SIDES for i in EYE[s] + BROW_LOWER[s]]
    return area(image, face, face.mesh[idx], 0.12 * face.size)


def cheeks_area(image: np.ndarray, face) -> Area:
    idx = [i for s in SIDES for i in CHEEK[s]]
    return area(image, face, face.mesh[idx], 0.15 * face.size)


def resample(points: np.ndarray, n: int) -> np.ndarray:
    """``n`` points evenly spaced by arc length along a polyline."""
    p = np.asarray(points, np.float64)
    seg = np.linalg.norm(np.diff(p, axis=0), axis=1)
    s = np.concatenate([[0], np.cumsum(seg)])
    t = np.linspace(0, s[-1], n)
    return np.stack([np.interp(t, s, p[:, k]) for k in range(p.shape[1])], -1)


def normals(points: np.ndarray, towards: np.ndarray) -> np.ndarray:
    """Unit normals of a polyline, each turned to the side of the direction ``towards``."""
    p = np.asarray(points, np.float64)
    d = np.gradient(p, axis=0)
    n = np.stack([d[:, 1], -d[:, 0]], -1)
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-9)
    return np.where((n @ towards)[:, None] < 0, -n, n)


def face_up(face) -> np.ndarray:
    """Towards the forehead, perpendicular to the line between the eyes' outer corners."""
    d = face.mesh[263, :2] - face.mesh[33, :2]
    up = np.array([d[1], -d[0]], np.float64)
    up /= max(np.linalg.norm(up), 1e-6)
    return up if up[1] < 0 else -up


def eye_opening(a: Area, face, side: str) -> np.ndarray:
    """The eye's opening (bool, area coordinates): the parsing's eye and the mesh's eye contour."""
    poly = a.local(face.mesh[EYE[side]])
    m = np.zeros(a.shape, np.uint8)
    cv2.fillPoly(m, [np.round(poly * 16).astype(np.int32).reshape(-1, 1, 2)], 1, cv2.LINE_8, shift=4)
    return m.astype(bool) | (a.labels == EYE_CLASS[side])
