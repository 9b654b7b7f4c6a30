"""Glasses drawn onto a real face photo from its mesh, with the mask of what was drawn: the test
material for inference.glasses (no photo in ../shared/data has annotated glasses).

The frame is modelled in the head's own 3D frame (the mesh's x, y in pixels and z in the same
scale): two rims (superellipses: round to rectangular) on a plane in front of the eyes, bent
back a little towards the temples, a bridge over the nose and the arms going back to the
ears; projected orthographically (as the mesh is), so a turned head foreshortens the far rim.
Drawn supersampled (anti-aliased), shaded top to bottom, slightly blurred; dark (black, brown,
tortoiseshell, navy) rims 2-6 % of the interocular distance thick, or thin light metal (1-2 px) with a
highlight; optionally tinted lenses.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference import mesh_topology as topo

SUPER = 4     # supersampling factor of the drawing


@dataclass
class Style:
    kind: str = "dark"              # dark | brown | tortoise | metal
    thickness: float = 0.04         # x interocular distance (metal: pixels, see px)
    px: float = 0.0                 # thickness in pixels when > 0 (metal frames)
    half_width: float = 0.46        # rim's half-width, x interocular distance
    half_height: float = 0.31
    squareness: float = 2.0         # superellipse exponent: 2 round, 4-6 rectangular
    tint: float = 0.0               # lens tint opacity (0: clear)


STYLES = {
    "black_rect": Style("dark", 0.045, squareness=5.0, half_height=0.28),
    "black_round": Style("dark", 0.03, squareness=2.2, half_width=0.42, half_height=0.36),
    "brown_thick": Style("brown", 0.06, squareness=3.5),
    "tortoise": Style("tortoise", 0.05, squareness=4.0, half_height=0.30),
    "metal_round": Style("metal", 0.0, px=1.5, squareness=2.0, half_width=0.43, half_height=0.35),
    "metal_rect": Style("metal", 0.0, px=2.0, squareness=4.5, half_height=0.29),
    "thin_black": Style("dark", 0.02, squareness=3.0),
    "tinted": Style("dark", 0.04, squareness=3.0, tint=0.35),
    "sunglasses": Style("dark", 0.045, squareness=3.0, half_height=0.33, tint=0.85),
    # dark blue plastic: no face, hair or eye is that blue, so the frame can be told by its colour
    # alone in an edited photo (tests/test_rotate_glasses.py)
    "navy_rect": Style("navy", 0.05, squareness=4.0, half_height=0.29),
}


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


def head_frame(mesh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Eye centres (image-left, image-right; 3D), the head's axes U (towards image-right eye),
    V (down), W (towards the camera) and the 3D interocular distance."""
    m = np.asarray(mesh, np.float64)
    e1, e2 = m[topo.RIGHT_EYE].mean(0), m[topo.LEFT_EYE].mean(0)
    if e1[0] > e2[0]:
        e1, e2 = e2, e1
    d = float(np.linalg.norm(e2 - e1))
    u = _unit(e2 - e1)
    v = m[topo.CHIN] - m[topo.FOREHEAD]
    v = _unit(v - u * (v @ u))
    w = np.cross(u, v)
    if w[2] > 0:        # mediapipe's z grows away from the camera
        w = -w
    return e1, e2, u, v, w, d


def glasses_points(mesh: np.ndarray, style: Style) -> dict[str, list[np.ndarray]]:
    """Projected (x, y) polylines of the frame: 'rims' (closed), 'bridge', 'arms'."""
    e1, e2, u, v, w, d = head_frame(mesh)
    a, b, n = style.half_width * d, style.half_height * d, style.squareness
    t = np.linspace(0, 2 * np.pi, 181)[:-1]
    cu = np.sign(np.cos(t)) * np.abs(np.cos(t)) ** (2 / n)
    sv = np.sign(np.sin(t)) * np.abs(np.sin(t)) ** (2 / n)
    rims, inner, outer = [], [], []
    for side, e in ((-1, e1), (1, e2)):
        c = e + 0.05 * d * v + side * 0.03 * d * u + 0.22 * d * w
        lu, lv = a * cu, b * sv
        # the rim bends back towards the temple on its outer side
        back = 0.12 * d * np.clip(side * lu / a, 0, None) ** 2
        p = c + lu[:, None] * u + lv[:, None] * v - back[:, None] * w
        rims.append(p)
        # the bridge leaves the rim a little above its middle
        ang_in = np.pi + 0.35 if side > 0 else -0.35
        ang_out = -0.35 if side > 0 else np.pi + 0.35
        inner.append(p[np.argmin(np.abs(np.angle(np.exp(1j * (t - ang_in)))))])
        outer.append(p[np.argmin(np.abs(np.angle(np.exp(1j * (t - ang_out)))))])
    s = np.linspace(0, 1, 25)[:, None]
    mid = (inner[0] + inner[1]) / 2 - 0.06 * d * v + 0.03 * d * w
    bridge = (1 - s) ** 2 * inner[0] + 2 * s * (1 - s) * mid + s ** 2 * inner[1]
    # the arms run from the hinges to the ears (seen from the front: to beside the oval's
    # points at the eyes' height, a little lower than the hinge)
    m = np.asarray(mesh, np.float64)
    arms = []
    for side, o, ear in ((-1, outer[0], m[234]), (1, outer[1], m[454])):
        end = o.copy()
        end[:2] = (ear[0] + side * 0.15 * d, o[1] + 0.08 * d)
        arms.append(o + np.linspace(0, 1, 30)[:, None] * (end - o))
    return {"rims": [r[:, :2] for r in rims], "bridge": [bridge[:, :2]], "arms": [x[:, :2] for x in arms]}


def _oval_mask(mesh: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(np.asarray(mesh)[topo.FACE_OVAL, :2]).astype(np.int32)], 1)
    return m > 0


def draw_glasses(image: np.ndarray, mesh: np.ndarray, style: Style, seed: int = 0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photo with glasses, frame mask (bool, coverage > 0.5), lens mask (bool)) of ``image``
    (RGB uint8) with glasses of ``style`` drawn on the face of ``mesh``."""
    H, W = image.shape[:2]
    rng = np.random.default_rng(seed)
    pts = glasses_points(mesh, style)
    _, _, u, _, w, d = head_frame(mesh)
    thick = style.px if style.px > 0 else style.thickness * d
    allp = np.vstack(pts["rims"] + pts["bridge"] + pts["arms"])
    pad = int(thick * 3 + 4)
    x0, y0 = max(0, int(allp[:, 0].min()) - pad), max(0, int(allp[:, 1].min()) - pad)
    x1, y1 = min(W, int(allp[:, 0].max()) + pad), min(H, int(allp[:, 1].max()) + pad)
    sh = ((y1 - y0) * SUPER, (x1 - x0) * SUPER)

    def canvas(lines, closed, t):
        c = np.zeros(sh, np.uint8)
        for line in lines:
            q = np.round((line - (x0, y0)) * SUPER * 16 + 8 * (SUPER - 1)).astype(np.int32)
            cv2.polylines(c, [q.reshape(-1, 1, 2)], closed, 255, max(1, int(round(t * SUPER))), cv2.LINE_AA, 4)
        return cv2.resize(c, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA).astype(np.float32) / 255

    # the far arm goes behind the head: only its part outside the face's oval shows
    far = 1 if u[2] > 0 else 0          # u points to image-right; z grows away from the camera
    oval = _oval_mask(mesh, (H, W))
    arms = []
    for k, arm in enumerate(pts["arms"]):
        if k == far and abs(u[2]) > 0.15:
            ix = np.clip(np.round(arm).astype(int), 0, [W - 1, H - 1])
            arm = arm[~oval[ix[:, 1], ix[:, 0]]]
            if len(arm) < 2:
                continue
        arms.append(arm)
    alpha = np.maximum(canvas(pts["rims"], True, thick), canvas(pts["bridge"] + arms, False, thick * 0.9))
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.5)
    lens = np.zeros((y1 - y0, x1 - x0), np.uint8)
    for r in pts["rims"]:
        cv2.fillPoly(lens, [np.round(r - (x0, y0)).astype(np.int32)], 1)
    out = image.astype(np.float32).copy()
    roi = out[y0:y1, x0:x1]
    yy = np.linspace(0, 1, y1 - y0, dtype=np.float32)[:, None, None]
    if style.tint > 0:
        tint = np.array([55, 50, 45], np.float32)
        la = cv2.GaussianBlur(lens.astype(np.float32), (0, 0), 0.7)[..., None] * style.tint
        roi[:] = roi * (1 - la) + tint * la
    if style.kind == "metal":
        colour = np.array([175, 165, 150], np.float32) * (1.05 - 0.2 * yy)
        # a highlight along the wire's upper side
        hl = np.maximum(canvas([r + (0, -0.25 * thick) for r in pts["rims"]], True, max(0.5, 0.4 * thick)),
                        canvas([p + (0, -0.25 * thick) for p in pts["bridge"]], False, max(0.5, 0.4 * thick)))
        colour = colour + (255 - colour) * 0.8 * hl[..., None]
    else:
        base = {"dark": (22, 20, 20), "brown": (75, 48, 30), "tortoise": (60, 35, 20),
                "navy": (25, 35, 120)}[style.kind]
        colour = np.array(base, np.float32) * (1.25 - 0.5 * yy)
        if style.kind == "tortoise":     # amber blotches
            blot = cv2.GaussianBlur(rng.random((y1 - y0, x1 - x0)).astype(np.float32), (0, 0), max(1.0, thick))
            blot = np.clip((blot - blot.mean()) / (blot.std() + 1e-6), 0, None)[..., None]
            colour = colour + np.array([90, 55, 20], np.float32) * np.clip(blot, 0, 1)
        # a soft sheen along the rims' top
        sheen = canvas([r + (0, -0.2 * thick) for r in pts["rims"]], True, 0.3 * thick)
        colour = colour + 40 * sheen[..., None]
    a3 = alpha[..., None]
    roi[:] = roi * (1 - a3) + np.broadcast_to(colour, roi.shape) * a3
    frame = np.zeros((H, W), bool)
    frame[y0:y1, x0:x1] = alpha > 0.5
    lenses = np.zeros((H, W), bool)
    lenses[y0:y1, x0:x1] = lens > 0
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), frame, lenses & ~frame
