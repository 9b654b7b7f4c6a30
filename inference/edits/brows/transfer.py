"""A brow from a reference photo: the reference face's brow carried onto this face through the
dense mesh (the same 478 vertices on both faces: each pixel here samples the reference where
the same point of the face lies), with an alpha from the reference's brow hairs."""
from __future__ import annotations

from dataclasses import dataclass
import cv2
import numpy as np

from inference import mesh_raster
from inference import parsing as P
from inference.edits.brows import colour
from inference.edits.brows.region import CLASS, Region, hairiness
from inference.edits.reference import ReferenceError, reference_face  # noqa: F401


@dataclass
class Reference:
    image: np.ndarray         # (H, W, 3) uint8
    mesh: np.ndarray          # (478, 3)
    alpha: np.ndarray         # (H, W) float32: the brows' hairs, soft
    hair_rgb: np.ndarray | None


def load_reference(path: str, index: int) -> Reference:
    img, face = reference_face(path, index)
    p = face.parsing_for(img)
    labels = p.full(*img.shape[:2])
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    skin = labels == P.SKIN
    alpha = np.zeros(img.shape[:2], np.float32)
    for cls in CLASS.values():
        brow = labels == cls
        if brow.sum() < 8:
            continue
        thick = float(brow.sum()) / max(1.0, np.ptp(np.nonzero(brow)[1]) + 1)
        hairs = hairiness(gray, brow, skin, 1.5 * thick)
        grown = cv2.dilate(brow.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
        t = np.clip(hairs * 1.5, 0, 1)
        alpha = np.maximum(alpha, cv2.GaussianBlur(grown, (0, 0), 1.0) * t * t * (3 - 2 * t))
    hair = labels == P.HAIR
    return Reference(img, face.mesh, alpha, img[hair].astype(np.float32).mean(0) if hair.sum() > 50 else None)


def layer(region: Region, face, ref: Reference, sides: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(rgb float32, alpha) over the region: the reference's brows on this face's mesh, only
    on the sides asked for (split at the middle between the inner brow ends)."""
    h, w = region.shape
    pts = face.mesh[:, :2] - (region.x0, region.y0)
    ys, xs, tri, bary = mesh_raster.barycentric(pts, (h, w))
    where = mesh_raster.interpolate(ref.mesh[:, :2], tri, bary)
    map_x = np.full((h, w), -1e4, np.float32)
    map_y = np.full((h, w), -1e4, np.float32)
    map_x[ys, xs], map_y[ys, xs] = where[:, 0], where[:, 1]
    rgb = cv2.remap(ref.image, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    alpha = cv2.remap(ref.alpha, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    lm = face.landmarks68
    mid = (lm[21, 0] + lm[22, 0]) / 2 - region.x0
    cols = np.arange(w)[None, :]
    keep = np.zeros((h, w), bool)
    if "left" in sides:
        keep |= cols < mid
    if "right" in sides:
        keep |= cols >= mid
    return rgb, np.where(keep, alpha, 0).astype(np.float32)


def match_colour(rgb: np.ndarray, alpha: np.ndarray, target_rgb: np.ndarray | None) -> np.ndarray:
    """The transferred hairs recoloured towards a colour (this face's own hair), if known."""
    if target_rgb is None:
        return rgb
    hexa = "#" + "".join(f"{int(round(v)):02x}" for v in np.clip(target_rgb, 0, 255))
    return colour.recolour(rgb, alpha, hexa, 1.0)
