"""The head's surface: its depth over the face (the mesh's), over hair and ears (a smooth
continuation out to the head's outline), limited in slope towards the side a turn brings round
and blurred off the nose, and the motion field a turn of it gives."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from inference import mesh_raster
from inference import mesh_topology as topo
from inference import parsing as P
from inference.edits.rotate.frame import DEPTH_GAIN, TurnFrame, flattened, relief_frame
from inference.faces import Face
from inference.imaging import smooth_fill, wide_blur
from inference.landmarks import head_axes
from inference.lazy import lazy_module

ndimage = lazy_module("scipy.ndimage")   # loaded at the first turn: the CLI starts without scipy

MARGIN = 0.9             # region edited around the face box, x face size on each side
NEAR_OUTLINE = 0.75      # the head's outline lies this deep behind the face's mean, x face width, on
                         # the side a turn brings round (the plane of the ears, deepened: the side
                         # of the head comes into view)
FAR_OUTLINE = 0.5        # and on the side it turns away: the pivot's depth (see outline_depths)
BACK_YAW = 25.0          # degrees: a face turned this far shows the back of its head on the far side
OUTLINE_BLEND = 0.5      # x face width: the blend between the two across the middle of the face
HEAD_REACH = 0.6         # hair belongs to the head up to this far from the face, x face size
JAW_BAND = 0.04          # the band under the jaw that turns with it, x face size
NECK = 0.1               # the head ends this far below the chin, x face size
EDGE_RAMP = 0.2          # motion fades to zero across this band at the region's edges, x face size
FALLOFF = 0.4            # motion fades to zero this far outside the head, x face size
MAX_SLOPE = 2.0          # the head's depth rises by at most this many px per px towards the side a
                         # turn of 30° or more brings round (slope_limited): steeper, a large face's
                         # hair beside the cheek still came out streaked at 30°. A smaller turn
                         # stretches less and gets a steeper limit (slope_for)
DEPTH_SMOOTH = 0.04      # x face size: the head's depth is blurred at this scale (surface_depth)
NOSE_KEPT = 0.1          # x face size: but not on the nose, and fully only this far off it


def _region(face: Face, height: int, width: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = face.box
    m = MARGIN * face.size
    return (max(0, int(x0 - m)), max(0, int(y0 - 1.2 * m)), min(width, int(np.ceil(x1 + m))),
            min(height, int(np.ceil(y1 + m))))


def _region_labels(face: Face, image: np.ndarray, region) -> tuple[np.ndarray, P.Parsing]:
    """(the parsing's labels of the region at photo resolution, the parsing): computed once
    for the masks below (a face without a kept parsing is parsed afresh at each call)."""
    x0, y0, x1, y1 = region
    parsing = face.parsing_for(image)
    return parsing.full(*image.shape[:2])[y0:y1, x0:x1], parsing


def _head_mask(labels: np.ndarray, shape, glasses: np.ndarray | None = None) -> np.ndarray:
    """Head pixels (face parts and hair) of the region's ``labels``, at the working size
    ``shape``: not the neck, clothes or an occluder (a hand in front of the face is no part of
    the head), but a glasses' frame (``glasses``, at the labels' size) is."""
    head = ((labels > 0) & (labels < P.NECK)).view(np.uint8)   # classes 1..10
    if glasses is not None:
        head = head | glasses.view(np.uint8)
    return cv2.resize(head, shape[::-1], interpolation=cv2.INTER_NEAREST) > 0


def _occluder_mask(labels: np.ndarray) -> np.ndarray | None:
    """The parsing's occluders (a hand in front of the face, a glasses' frame) in the region's
    ``labels``, or None."""
    occ = labels == P.OCCLUDER
    return occ if occ.any() else None


def _resized(mask: np.ndarray, shape) -> np.ndarray:
    """A bool mask of the region at the size ``shape`` (nearest pixel)."""
    return cv2.resize(mask.view(np.uint8), shape[::-1], interpolation=cv2.INTER_NEAREST) > 0


FRAME_PIECE = 0.25       # a piece of the glasses' mask this large against its largest is frame (a rim
                         # on its own where the bridge was not found), a smaller one is not


def _glasses_mask(parsing: P.Parsing, occluder: np.ndarray, region) -> tuple[np.ndarray, np.ndarray] | None:
    """(frame, found) of the region's ``occluder`` pixels (photo resolution): what the parsing's
    glasses search found (Parsing.glasses, resampled from its working size) and of that the
    glasses' frame; or None. Both turn with the head (the frame as a frame of its own)."""
    if parsing.glasses is None:
        return None
    mask, (bx0, by0, bx1, by1) = parsing.glasses
    x0, y0, x1, y1 = region
    h, w = mask.shape
    sx, sy = w / (bx1 - bx0), h / (by1 - by0)
    # region pixel (photo resolution) -> the mask's pixel
    M = np.array([[sx, 0, (x0 - bx0 + 0.5) * sx - 0.5], [0, sy, (y0 - by0 + 0.5) * sy - 0.5]])
    frame = cv2.warpAffine(mask.astype(np.float32), M, (x1 - x0, y1 - y0),
                           flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=0) >= 0.5
    # the occluder label's edge is the frame mask's softened and upsampled: a pixel's reach more
    r = int(np.ceil(1 / min(sx, sy)))
    found = cv2.dilate(frame.view(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)).view(bool) & occluder
    frame = found.copy()
    # The frame is its large pieces (the rims, bridge and arms, joined across a gap of a pixel of the
    # mask): a speck apart from them is hair or a shadow the search took, which turned with the rims
    # landed on the skin as dark blots: it turns as the head's surface does.
    n, parts, stats, _ = cv2.connectedComponentsWithStats(
        cv2.dilate(frame.view(np.uint8), np.ones((2 * r + 3, 2 * r + 3), np.uint8)), connectivity=8)
    if n > 2:
        area = np.bincount(parts[frame], minlength=n)
        frame &= (area >= FRAME_PIECE * area.max())[parts]
    return (frame, found) if frame.any() else None


@dataclass
class HeadModel:
    """What the turn of one face needs that does not depend on the angle (kept across the
    steps of a slider drag)."""
    src: np.ndarray           # (468, 3) mesh in the map's pixels
    frame: TurnFrame          # how it turns
    region: np.ndarray        # (H, W) the head: face, hair, ears
    head_pixels: tuple        # (hy, hx) of region
    depths: np.ndarray        # (H, W, 2) the head's depth before its rise is limited, for turns
                              # to the image's left (yaw > 0) and to its right (outline_depths)
    blurred: np.ndarray       # (H, W) depth_blur_weight
    fade: np.ndarray          # (H, W) motion fading to 0 off the head and at the map's edges
    edge: np.ndarray          # (H, W) motion fading to 0 at the map's edges
    face_px: float
    _surface: tuple = (None, None)   # (key, surface) of the last turn: the steps of a drag
                                     # past 30° (one limit, slope_for) reuse it
    occluder: np.ndarray | None = None   # (h, w) at the working copy's size: kept as it is (a hand)
    glasses: np.ndarray | None = None    # (h, w) at the working copy's size: turned as a rigid frame
                                         # in front of the eyes (glasses_motion)
    glasses_grown: np.ndarray | None = None   # and grown by a pixel or so (render._grown)
    behind: np.ndarray | None = None     # what render splats (render._behind), made at the first turn

    def surface(self, yaw: float) -> np.ndarray:
        """(n, 3): x, y and depth of the head pixels for a turn by ``yaw`` (surface_depth)."""
        i, slope = (0 if yaw > 0 else 1), slope_for(yaw)
        if self._surface[0] != (i, slope):
            hy, hx = self.head_pixels
            z = surface_depth(self.depths[..., i], (1, -1)[i], self.blurred, self.face_px, slope)
            self._surface = ((i, slope), np.stack([hx, hy, z[hy, hx]], -1).astype(np.float64))
        return self._surface[1]


def head_depth(src: np.ndarray, raster: tuple, region: np.ndarray, outline_depth) -> np.ndarray:
    """Depth (H, W, C) of C versions of the head's surface: the mesh's own on the face, and
    off it (hair, ears, the sides of the head) a smooth continuation from the face's edge to
    the head's outline, which lies at ``outline_depth(ys, xs)`` (n, C) there."""
    H, W = region.shape
    ys, xs, tri, bary = raster   # of the mesh src, over the map
    known = np.zeros((H, W), bool)
    known[ys, xs] = True
    outline = cv2.dilate(region.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & ~region & ~known
    oy, ox = np.nonzero(outline)
    at_outline = outline_depth(oy, ox)
    z = np.zeros((H, W, at_outline.shape[1]), np.float32)
    z[ys, xs] = mesh_raster.interpolate(src[:, 2], tri, bary)[:, None]
    z[oy, ox] = at_outline
    known |= outline
    return smooth_fill(z, ~known).reshape(z.shape)


def outline_depths(src: np.ndarray, R: np.ndarray, ys: np.ndarray, xs: np.ndarray, face_width: float,
                   yaw0: float) -> np.ndarray:
    """(n, 2): how deep the head's outline lies at pixels (ys, xs) for a turn to the image's
    left (yaw > 0, bringing its right side round) and to its right. On the side it brings round,
    NEAR_OUTLINE x face width behind the face's mean (the side of the head comes into view).
    On the side it turns away FAR_OUTLINE, the pivot's depth: with the outline as deep there as
    on the near side, at 30° that side's hair folded behind the face and the forehead stuck out
    past it where hair had framed it (hair stands off the skull; the surface here is one
    sheet). But where the face is already turned (``yaw0``, its pose, degrees) away from that
    side, the outline there is the back of the head: deeper, NEAR_OUTLINE from BACK_YAW on
    (shallow, it stayed in view and a turn back read short of the ask). A smooth blend joins
    the two sides across the middle of the face (OUTLINE_BLEND x face width)."""
    c = src.mean(0)
    across = (xs - c[0]) * R[0, 0] + (ys - c[1]) * R[1, 0]   # along the head's x axis
    out = np.empty((len(xs), 2), np.float32)
    for i, side in enumerate((1, -1)):
        back = np.clip(-side * yaw0 / BACK_YAW, 0, 1)
        far = FAR_OUTLINE + (NEAR_OUTLINE - FAR_OUTLINE) * back
        t = np.clip(0.5 + side * across / (OUTLINE_BLEND * face_width), 0, 1)
        depth = far + (NEAR_OUTLINE - far) * t * t * (3 - 2 * t)
        out[:, i] = c[2] + R[2, 2] * face_width * depth
    return out


def _rise_limited(z: np.ndarray, slope: float, axis: int, reverse: bool) -> np.ndarray:
    """z with its rise along ``axis`` (towards lower indices if ``reverse``) at most ``slope``
    per pixel: min over j <= i of z[j] + slope (i - j), a running minimum of z - slope i."""
    if reverse:
        return np.flip(_rise_limited(np.flip(z, axis), slope, axis, False), axis)
    n = z.shape[axis]
    ramp = (slope * np.arange(n, dtype=np.float32)).reshape((n, 1) if axis == 0 else (1, n))
    return np.minimum.accumulate(z - ramp, axis=axis) + ramp


def slope_limited(z: np.ndarray, slope: float, side: int) -> np.ndarray:
    """The head's depth (H, W) for a turn that brings its ``side`` (+1: the image's right, the
    near side of a turn to the left, yaw > 0; -1: its left) round to the camera: nowhere
    rising away from the camera faster than ``slope`` (px of depth per px) towards that side,
    nor up or down the image. Where the surface turns away steeply (the rim of the face mesh,
    the side of the head under the hair), a turn that brings it round stretches a band a pixel
    or two wide in the photo over many (x 30 at 30°): the hair and skin in it came out as
    streaks. Limited, the side is stretched at most ~1 + slope x sin(yaw) and over a wider
    band. The other side (squeezed, hidden by the z-buffer) keeps its depth. An infinite
    slope leaves the depth as it is."""
    if not np.isfinite(slope):
        return z.astype(np.float32)
    out = _rise_limited(z.astype(np.float32), slope, axis=1, reverse=side < 0)
    out = _rise_limited(out, slope, axis=0, reverse=False)
    return _rise_limited(out, slope, axis=0, reverse=True)


def slope_for(yaw: float) -> float:
    """The depth's rise limit for a turn of ``yaw`` degrees: MAX_SLOPE from 30° on, and for a
    smaller turn as steep as keeps the stretch ~1 + slope x sin(yaw) of the side it brings round
    within that of a 30° turn at MAX_SLOPE (2x). One limit for all angles flattened the side a
    small turn brings round more than its stretch asks, and small turns of a face already turned
    read well short of the ask (docs/head-turn.md)."""
    s = np.sin(np.radians(abs(yaw)))
    return MAX_SLOPE * max(1.0, np.sin(np.radians(30.0)) / s) if s > 0 else np.inf


def surface_depth(z: np.ndarray, side: int, blurred: np.ndarray, face_px: float, slope: float) -> np.ndarray:
    """The depth a turn bringing ``side`` round moves the head by: slope-limited and, by the
    weight ``blurred`` (0..1: all but the nose), blurred at DEPTH_SMOOTH x face size. Limited,
    the side's depth rises row by row from the rim of the mesh, whose depth steps from facet to
    facet; inside, the mesh is flat facets ~15 px across on a 300 px face: turned, those steps
    and kinks bent hair strands beside and over the cheek into waves and zig-zags (the parsing
    calls hair lying over a cheek skin, so it cannot be told apart). The nose keeps its depth:
    blurred too, it lost the crisp profile a turned nose shows (and turns read less turned).
    A blur keeps the slope limit (a weighted mean of values that each rise no faster rises no
    faster); the blend into the kept nose adds a little."""
    limited = slope_limited(z, slope, side)
    if DEPTH_SMOOTH <= 0:
        return limited
    smooth = wide_blur(limited, DEPTH_SMOOTH * face_px)
    return smooth * blurred + limited * (1 - blurred)


def depth_blur_weight(src: np.ndarray, shape: tuple, face_px: float) -> np.ndarray:
    """(H, W) 0..1: how far surface_depth blurs the depth at each pixel: not on the nose (the
    convex hull of the mesh's nose), fully from NOSE_KEPT x face size off it."""
    nose = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(nose, cv2.convexHull(np.round(src[topo.NOSE, :2]).astype(np.int32)), 1)
    return np.clip(cv2.distanceTransform(1 - nose, cv2.DIST_L2, 5) / (NOSE_KEPT * face_px), 0, 1)


def head_model(src: np.ndarray, face_width: float, head: np.ndarray, face_px: float,
               yaw0: float) -> HeadModel:
    """The head as one surface turning about the pivot: its depth is the mesh's on the face and
    continues smoothly over hair and ears to the head's outline (so the face and the hair round
    it move as one, with no seam between two motions); beyond the head its motion is
    continued and fades to exactly zero FALLOFF x face size off it, and at the map's edges
    (hair running past the region or the photo is stretched there: cut through, it would leave
    a seam, or a hole nothing in the photo can fill). ``yaw0`` is the face's pose yaw, which
    decides how deep the outline lies on each side (outline_depths)."""
    frame = relief_frame(src, face_width)
    R = frame.axes
    raster = mesh_raster.barycentric(src, head.shape)
    # Below the chin the parsing's head (a dark collar can read as hair) is neck and clothes:
    # they are not turned, only dragged by the motion continued from the head (the neck twists).
    ys, xs = np.mgrid[0:head.shape[0], 0:head.shape[1]]

    def down_from(vertex: int) -> np.ndarray:
        # how far each pixel lies below a mesh vertex, along the head's own vertical axis
        return (xs - src[vertex, 0]) * R[0, 1] + (ys - src[vertex, 1]) * R[1, 1]

    below = down_from(topo.CHIN) > NECK * face_px
    on_face = np.zeros(head.shape, bool)
    on_face[raster[0], raster[1]] = True
    off_face = cv2.distanceTransform((~on_face).view(np.uint8), cv2.DIST_L2, 5)
    blurred = depth_blur_weight(src, head.shape, face_px)
    # Hair further than HEAD_REACH from the face, or not joined to it, is someone else's (a
    # neighbour's hair touching this one's is parsed as hair too).
    near = off_face < HEAD_REACH * face_px
    # The seam under the jaw (its shadow line) turns with the jaw: left to the neck, it is
    # smeared into a wedge where the jaw slides over the neck.
    jaw = (down_from(topo.NOSE_TIP) > 0) & ~below & (off_face < JAW_BAND * face_px)
    labels, _ = ndimage.label((head & ~below & near) | on_face | jaw)
    region = np.isin(labels, np.unique(labels[on_face]))
    # pockets the parsing left inside the head (eyes, gaps in the hair) are part of it: as
    # outline they would pin the depth there to the back of the head and tear the motion
    region = ndimage.binary_fill_holes(region)
    z = head_depth(src, raster, region, lambda ys, xs: outline_depths(src, R, ys, xs, face_width, yaw0))
    hy, hx = np.nonzero(region)
    dist = cv2.distanceTransform((~region).astype(np.uint8), cv2.DIST_L2, 5)
    t = np.clip(1 - dist / (FALLOFF * face_px), 0, 1)
    H, W = head.shape
    edge = np.minimum(np.minimum(xs, W - 1 - xs), np.minimum(ys, H - 1 - ys))
    e = np.clip(edge / (EDGE_RAMP * face_px), 0, 1)
    e = e * e * (3 - 2 * e)
    return HeadModel(src=src, frame=frame, region=region, head_pixels=(hy, hx), depths=z, blurred=blurred,
                     fade=t * t * (3 - 2 * t) * e, edge=e, face_px=face_px)


def motion_field(m: HeadModel, yaw: float):
    """Per-pixel motion (2, H, W), depth after the turn (H, W) and the turned mesh."""
    H, W = m.region.shape
    hy, hx = m.head_pixels
    surface = m.surface(yaw)
    moved = m.frame.turn(surface, yaw)
    head_motion = np.zeros((H, W, 2), np.float32)
    head_motion[hy, hx] = moved[:, :2] - surface[:, :2]
    depth = np.full((H, W), np.float32(m.frame.pivot[2] + m.face_px), np.float32)   # off the head: far behind
    depth[hy, hx] = moved[:, 2]
    # Off the head the motion is the head's own continued smoothly from its border (no step
    # there: the neck under the chin twists instead of tearing), fading out.
    outer = smooth_fill(head_motion, ~m.region)
    motion = np.empty((2, H, W), np.float32)
    for c in range(2):
        np.multiply(outer[..., c], m.fade, out=motion[c])
        np.copyto(motion[c], head_motion[..., c] * m.edge, where=m.region)
    return motion, depth, m.frame.turn(m.src, yaw)


GLASSES_DEPTH = 0.2      # x interocular distance: a glasses' frame lies this far in front of the eyes
                         # (a lens ~12 mm before the cornea, ~14 mm before the lids' contour; the
                         # frames of bench/drawn_glasses.py are drawn 0.22 before it)


def glasses_plane(m: HeadModel, yaw: float) -> np.ndarray:
    """2x3 affine map (the map's pixels) of where a glasses' rims go in a turn by ``yaw``: a rigid
    plane square to the head's own depth axis, GLASSES_DEPTH x the eyes' distance in front of the
    eyes' centres, turned as the head's surface is (its offset deepened like the face's relief).
    A plane turned and projected moves by an affine map; on the face's surface the frame would
    be bent by the relief it lies over."""
    centre = m.src.mean(0)
    flat = flattened(m.src)                  # src's depth is deepened along the view (deepened)
    e1, e2 = flat[topo.RIGHT_EYE].mean(0), flat[topo.LEFT_EYE].mean(0)
    R = head_axes(flat)                      # z: face -> back of the head
    d = float(np.linalg.norm(e2 - e1))
    c = (e1 + e2) / 2 - GLASSES_DEPTH * d * R[:, 2]
    plane = np.stack([c, c + d * R[:, 0], c + d * R[:, 1]])
    plane[:, 2] = centre[2] + (plane[:, 2] - centre[2]) * DEPTH_GAIN   # back to src's depth
    moved = m.frame.turn(plane, yaw)
    return cv2.getAffineTransform(plane[:, :2].astype(np.float32), moved[:, :2].astype(np.float32))


def glasses_motion(m: HeadModel, yaw: float, motion: np.ndarray, frame: np.ndarray, xs: np.ndarray,
                   ys: np.ndarray) -> np.ndarray:
    """(2, *xs.shape): how points (xs, ys) of a glasses' frame (``frame``, a mask of the map)
    move in a turn by ``yaw`` whose head moves by ``motion`` (motion_field's): the rims and the
    bridge as a rigid plane (glasses_plane); an arm, from its hinge (where the rim's side ends,
    _arm_span) to the frame's end on that side, goes over to the head's own motion (it runs
    back from the rim to the ear: its ends move with each, and the rest of it the parsing left
    out moves with the head's side). Seen from the front an arm is foreshortened to a stub; the
    turn stretches the one it brings round several times over. (xs, ys: float32, each at most
    32767 wide, OpenCV's limit.)"""
    A = glasses_plane(m, yaw)
    rigid = np.stack([A[0, 0] * xs + A[0, 1] * ys + A[0, 2] - xs,
                      A[1, 0] * xs + A[1, 1] * ys + A[1, 2] - ys]).astype(np.float32)
    e1, e2 = m.src[topo.RIGHT_EYE, :2].mean(0), m.src[topo.LEFT_EYE, :2].mean(0)
    mid, d = (e1 + e2) / 2, float(np.linalg.norm(e2 - e1))
    axis = (e2 - e1) / d

    def across(x, y):            # along the eyes' line and across it, x d
        u, v = x - mid[0], y - mid[1]
        return (u * axis[0] + v * axis[1]) / d, (v * axis[0] - u * axis[1]) / d

    fy, fx = np.nonzero(frame)
    frame_out, frame_down = across(fx, fy)
    out_here = across(xs, ys)[0]
    head = None
    for side in (-1, 1):
        span = _arm_span(side * frame_out, frame_down)
        if span is None:
            continue
        if head is None:
            head = np.stack([cv2.remap(c, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE) for c in motion])
        t = np.clip((side * out_here - span[0]) / (span[1] - span[0]), 0, 1).astype(np.float32)
        rigid += t * t * (3 - 2 * t) * (head - rigid)
    return rigid


RIM_SIDE = 0.25          # x interocular distance: a column of the frame this tall is a rim's side
HINGE_MARGIN = 0.04      # x interocular distance: the arm starts this far out from the rim's side
ARM_MIN = 0.12           # x interocular distance: what goes on past the hinge less far than this is no
                         # arm (the parsing traced none; a speck by the hinge), it turns with the rims:
                         # stretched as an arm, a few pixels came out as a dark streak


def _arm_span(out: np.ndarray, down: np.ndarray) -> tuple[float, float] | None:
    """(hinge, end) along the eyes' line (x the eyes' distance, outwards) of the arm on one side
    of a frame whose pixels lie ``out`` along the eyes' line (outwards) and ``down`` across it:
    the hinge just past the outermost column where the frame is as tall as a rim's side, the
    end at its outermost pixel; None where no arm goes on past the rim."""
    side = out > 0.3
    if not side.any():
        return None
    bins = np.floor(out[side] / 0.02).astype(int)
    lo, hi = np.full(bins.max() + 1, np.inf), np.full(bins.max() + 1, -np.inf)
    np.minimum.at(lo, bins, down[side])
    np.maximum.at(hi, bins, down[side])
    tall = np.nonzero(hi - lo >= RIM_SIDE)[0]
    if not len(tall):
        return None
    hinge, end = (tall.max() + 1) * 0.02 + HINGE_MARGIN, float(out[side].max())
    return (hinge, end) if end >= hinge + ARM_MIN else None
