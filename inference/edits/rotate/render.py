"""Rendering a turn: the photo forward-warped along the motion field (the head and the rest
as two layers), its gaps closed, and what the turn opens filled (the mirror side's detail on a
smooth guess, the rest by an inpainting engine). A hand in front of the face stays where it is;
a glasses' frame turns with the head as a frame of its own (surface.glasses_motion), laid over
the face behind it."""
from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from inference import mesh_raster
from inference import mesh_topology as topo
from inference.edits.base import EditCache, Patch
from inference.edits.rotate.frame import deepened
from inference.edits.rotate.surface import (_glasses_mask, _head_mask, _occluder_mask, _region, _region_labels,
                                            _resized, glasses_motion, head_model, motion_field)
from inference.faces import Face
from inference.imaging import compose, per_plane, smooth_fill
from inference.inpaint import get as get_engine
from inference.lazy import lazy_module

if TYPE_CHECKING:
    from inference.ops.warp import SourceMap
# the splatting op's module defines torch autograd functions: loaded at the first turn, so the
# CLI starts without torch
warp = lazy_module("inference.ops.warp")

PREVIEW_SIDE = 512
PREVIEW_FIELD = 0.5       # the preview's motion field is computed at this fraction of its size
STRETCHED = 1.2          # the turn stretches the surface more than this: 2x2 splats per pixel
SPECK_SIGMA = 2.0        # px: head splats covering less than SPECK_DENSITY of their
SPECK_DENSITY = 0.35     # neighbourhood are specks, not surface
MIRROR_DETAIL = 0.02     # x face size: the mirror side gives revealed skin its detail below this
                         # scale; the colour comes from round the hole (the two sides of a face
                         # are lit differently: copied whole, a lit cheek showed as a pale patch)
GAP_WEIGHT = 0.2         # splat weight below which a pixel is a gap, closed from its neighbours
SHARP_SPREAD = 0.75      # px: samples mixed into one pixel from up to this far apart (a shift) are
MIXED_SPREAD = 1.1       # resampled sharp; from more than this (squeezed, folds) through a blur
FRAME_GROW = 0.005        # x face size: a glasses' frame is grown by this (at least a pixel), _grown
FRAME_SAMPLES = 4        # a glasses' frame is splatted as this x this samples per pixel (_moved_from)
FRAME_MIRROR = 3         # px: revealed skin whose mirror is this near a glasses' frame is inpainted
FRAME_EDGE = 0.6         # px: the turned frame's edge is softened by this blur (anti-aliased)


def _prepare(image: np.ndarray, face: Face, preview: bool, cache: EditCache | None = None, progress=None):
    """(region, working copy, scale, head model): the same for every angle of one slider drag,
    so with the caller's ``cache`` (one per drag) it is computed once for the drag's steps.
    ``progress`` hears 0.1 and 0.16 on the way (it takes most of a turn's first seconds)."""
    if cache is None:
        return _prepare_uncached(image, face, preview, progress)
    return cache.get((image, face), (face.box, preview), lambda: _prepare_uncached(image, face, preview, progress))


def _prepare_uncached(image: np.ndarray, face: Face, preview: bool, progress=None):
    H, W = image.shape[:2]
    region = _region(face, H, W)
    x0, y0, x1, y1 = region
    crop = image[y0:y1, x0:x1]
    s = min(1.0, PREVIEW_SIDE / max(crop.shape[:2])) if preview else 1.0
    work = cv2.resize(crop, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else crop
    # The motion field is smooth (it is blended and spread on purpose): while the slider moves
    # it is computed on a grid half the preview's size and scaled up.
    f = PREVIEW_FIELD if preview else 1.0
    shape = (max(1, round(work.shape[0] * f)), max(1, round(work.shape[1] * f)))
    labels, parsing = _region_labels(face, image, region)
    occluder = _occluder_mask(labels)
    glasses = _glasses_mask(parsing, occluder, region) if occluder is not None else None
    head = _head_mask(labels, shape, None if glasses is None else glasses[1])
    if progress:
        progress(0.1)
    src = (deepened(face.mesh) - (x0, y0, 0)) * s * f
    model = head_model(src, face.width * s * f, head, face.size * s * f, face.pose.yaw)
    if progress:
        progress(0.16)
    if occluder is not None:   # a hand stays where it is, a glasses' frame turns with the head
        hand = occluder & ~glasses[1] if glasses is not None else occluder
        model.occluder = _resized(hand, work.shape[:2]) if hand.any() else None
        if glasses is not None:
            model.glasses = _resized(glasses[0], work.shape[:2])
            model.glasses_grown = _grown(model.glasses, face.size * s)
    return region, work, s, model


def _from_neighbours(img: np.ndarray, weight: np.ndarray, pick: np.ndarray, sigma: float) -> np.ndarray:
    """The ``pick`` pixels of img (H, W, C) float32, in place, recomputed from their
    neighbourhood (normalised convolution by ``weight``); returns the mask of those that had
    enough neighbours to be. Only the box round the picked pixels that have some weight within
    3 sigma is worked on (the others cannot be: a gap off the head's splats, say)."""
    r = int(np.ceil(3 * sigma))
    reach = cv2.dilate((weight > 0).view(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8))
    pick = pick & reach.view(bool)
    done = np.zeros(pick.shape, bool)
    bx, by, bw, bh = cv2.boundingRect(pick.view(np.uint8))
    if not bw:
        return done
    y0, y1 = max(0, by - r), min(pick.shape[0], by + bh + r)
    x0, x1 = max(0, bx - r), min(pick.shape[1], bx + bw + r)
    w = weight[y0:y1, x0:x1]
    sub = img[y0:y1, x0:x1]
    C = sub.shape[2]
    # values x weight and the weight as one interleaved image, one blur for all (OpenCV's
    # per-plane ops: numpy's broadcast multiply over 3 channels took twice as long as the blur)
    both = cv2.GaussianBlur(cv2.merge([cv2.multiply(p, w) for p in cv2.split(sub)] + [w]), (0, 0), sigma)
    wsum = both[..., C]
    ok = pick[y0:y1, x0:x1] & (wsum > 0.05)
    ys, xs = np.nonzero(ok)
    sub[ys, xs] = both[ys, xs, :C] / wsum[ys, xs, None]
    done[y0:y1, x0:x1] = ok
    return done


def _close_gaps(values: np.ndarray, weight: np.ndarray, sigma: float = 2.0,
                only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Where the turn stretches the surface several times over (the near temple of a large face
    at 30°), splats land up to a few pixels apart: those gaps (no or hardly any splat weight;
    of ``only`` if given) are closed from their neighbours (a splat or two within ~2 px is
    enough). Returns (values (H, W, C) float32, covered-or-closed mask)."""
    img = values.astype(np.float32, copy=False)
    gaps = weight < GAP_WEIGHT
    return img, (weight > 0) | _from_neighbours(img, weight, gaps if only is None else gaps & only, sigma)


def _head_samples(grid: np.ndarray, target: np.ndarray, depth: np.ndarray, single: np.ndarray,
                  fine: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The head's samples for the splat op: (photo position (2, h + r, w), target (2, h + r, w),
    depth (h + r, w)). Rows 0..h-1 are the pixels' own samples, of the ``single`` pixels only
    (the others land nowhere); the r rows below list 2x2 samples of each ``fine`` pixel, in
    raster order (a row of them lands in a few rows of the output: the op's work per band stays
    small), padded with samples that land nowhere. Sample (a, b) of a fine pixel (x, y) lies at
    (x + b/2 - 1/4, y + a/2 - 1/4) in the photo, has the pixel's depth and lands where the field,
    interpolated bilinearly, takes that point."""
    h, w = single.shape
    fy, fx = np.nonzero(fine)
    n = 4 * len(fy)
    r = -(-n // w)
    source = np.empty((2, h + r, w), np.float32)
    dest = np.empty((2, h + r, w), np.float32)
    z = np.empty((h + r, w), np.float32)
    source[:, :h] = grid
    dest[:, :h] = -1e4   # lands nowhere
    np.copyto(dest[:, :h], target, where=single)
    z[:h] = depth
    if n:
        # the quarter-pixel points (the rows below, padded), and the field there, bilinear (the
        # quarters are exact in remap's 1/32 px steps; at the border the field continues flat)
        quarter = np.array([-0.25, 0.25], np.float32)
        sx, sy, sz = source[0, h:].reshape(-1), source[1, h:].reshape(-1), z[h:].reshape(-1)
        sx[:n].reshape(-1, 4)[:] = fx[:, None] + np.tile(quarter, 2)
        sy[:n].reshape(-1, 4)[:] = fy[:, None] + np.repeat(quarter, 2)
        sx[n:] = sy[n:] = sz[n:] = 0
        sz[:n].reshape(-1, 4)[:] = depth[fy, fx][:, None]
        for c in range(2):
            cv2.remap(target[c], source[0, h:], source[1, h:], cv2.INTER_LINEAR, dst=dest[c, h:],
                      borderMode=cv2.BORDER_REPLICATE)
            dest[c, h:].reshape(-1)[n:] = -1e4
    return source, dest, z


def _splat_layers(work: np.ndarray, motion: np.ndarray, depth: np.ndarray, head: np.ndarray,
                  tau: float) -> tuple[np.ndarray, np.ndarray]:
    """Forward-warp the head and the rest as two layers along ``motion`` (2, h, w): (image,
    holes). The head (nose over cheek by the z-buffer) covers the rest wherever its splats are
    dense; where the turn stretches it so much that its splats land as isolated specks (the
    cheek coming round to the camera), it is absent there, so the background or a hole shows
    instead of scattered dots of hair and skin. What is splatted is each sample's position in
    the photo (an inverse map), which the photo is then resampled through: splatting colours
    would blur it."""
    away = np.float32(-1e4)   # a target no splat reaches: the pixel is left out of this layer
    h, w = head.shape
    grid = np.mgrid[0:h, 0:w][::-1].astype(np.float32, order="C")   # (x, y) of each pixel
    gx, gy = grid
    target = grid + motion
    # Where the turn brings a surface round to the camera and stretches it, one splat per pixel
    # lands as scattered dots: there the head is splatted as 2x2 samples per pixel (dense up to
    # twice the stretch, four times with the gap closing below), elsewhere as one, the pixel's
    # own (a sample off its centre would shift the head's edge, where it has no neighbour to
    # even it out).
    dx = np.gradient(target, axis=2)
    dy = np.gradient(target, axis=1)
    stretched = head & (np.maximum(dx[0] ** 2 + dx[1] ** 2, dy[0] ** 2 + dy[1] ** 2) > STRETCHED ** 2)
    fg_source, fg_target, fg_depth = _head_samples(grid, target, depth, head & ~stretched, stretched)
    fg = warp.splat_source_map(fg_source, fg_target, fg_depth, out_size=(h, w), tau=tau)
    # the rest barely moves and overlaps little: no depth test for it
    bg = warp.splat_source_map(grid, np.where(head, away, target))

    def dense(w: np.ndarray) -> np.ndarray:
        # coverage, not weight: the z-buffer makes a hidden surface's weight small where it is dense
        covered = (w > 0).view(np.uint8) * np.uint8(255)
        return cv2.GaussianBlur(covered, (0, 0), SPECK_SIGMA) >= 255 * SPECK_DENSITY

    def closed(m: SourceMap, only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        # (way back (dx, dy) and its second moment with the gaps closed, covered) of one layer:
        # averaged as moments, a gap between far-apart sources comes out with a large spread
        moments = np.empty((h, w, 3), np.float32)
        np.subtract(m.where[0], grid[0], out=moments[..., 0])
        np.subtract(m.where[1], grid[1], out=moments[..., 1])
        np.square(m.spread, out=moments[..., 2])
        moments[..., 2] += np.square(moments[..., 0]) + np.square(moments[..., 1])
        return _close_gaps(moments, m.weight, only=only)

    use_fg = dense(fg.weight)
    fg_back, fg_covered = closed(fg)
    # Inside the head (its gaps closed: up to 4 px wide) the head shows; just off its edge, where
    # it sends only the tail of a splat, the rest shows if it is there (else the head's edge would
    # grow by a pixel wherever the field moves it at all).
    solid = cv2.morphologyEx((fg.weight >= GAP_WEIGHT).view(np.uint8), cv2.MORPH_CLOSE,
                             np.ones((5, 5), np.uint8)).view(bool)
    from_fg = use_fg & fg_covered & (solid | (bg.weight == 0))
    bg_back, bg_covered = closed(bg, only=~from_fg)
    back = cv2.copyTo(fg_back, from_fg.view(np.uint8), bg_back)   # bg_back is ours: written over
    # the rest's specks (hair the parsing left out, dragged along) are no surface either
    holes = ~(from_fg | bg_covered) | (~use_fg & ~dense(bg.weight))
    sharp = cv2.remap(work, gx + back[..., 0], gy + back[..., 1], cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    # Where samples from apart in the photo meet in one pixel, one position cannot show them:
    # where the turn squeezes the surface (the far cheek) a point sample aliases (its edge line
    # comes out as dark dots), and at a fold (the cheek going behind the nose) the mean position
    # lies between the two. There the photo is sampled through a blur instead.
    spread = np.sqrt(np.maximum(back[..., 2] - back[..., 0] ** 2 - back[..., 1] ** 2, 0))
    out = sharp.astype(np.float32)
    mixed = spread > SHARP_SPREAD
    if mixed.any():
        t = np.clip((spread[mixed] - SHARP_SPREAD) / (MIXED_SPREAD - SHARP_SPREAD), 0, 1)[:, None]
        soft = cv2.remap(cv2.GaussianBlur(work, (0, 0), 1.0), gx + back[..., 0], gy + back[..., 1],
                         cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        out[mixed] = out[mixed] * (1 - t) + soft[mixed] * t
    # Where the head's outline has moved, each pixel there shows one layer or the other, which
    # leaves a jagged edge: it is drawn from both (anti-aliased). Where it has not (a turn of a
    # fraction of a degree) the photo's own edge stays.
    ring = np.ones((3, 3), np.uint8)
    edge = from_fg & ~cv2.erode(from_fg.view(np.uint8), ring).view(bool)
    near_edge = cv2.dilate(edge.view(np.uint8), ring).view(bool) & ~holes
    ey, ex = np.nonzero(near_edge)
    near_edge[ey, ex] = np.hypot(target[0, ey, ex] - ex, target[1, ey, ex] - ey) > 0.25   # moved
    weight = np.where(holes, 0, np.minimum(np.where(from_fg, fg.weight, bg.weight), 1) + 0.2).astype(np.float32)
    _from_neighbours(out, weight, near_edge, sigma=0.7)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), holes


def _detail_on(base: np.ndarray, texture: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """base (H, W, 3) uint8 with the detail of texture (texture minus its blur taken within
    mask) added: the fill to compose into mask (what lies outside it is not meant to be used)."""
    out = base.copy()
    bx, by, bw, bh = cv2.boundingRect(mask.astype(np.uint8))
    r = int(np.ceil(3 * sigma))
    box = (slice(max(0, by - r), by + bh + r), slice(max(0, bx - r), bx + bw + r))
    m = mask[box].astype(np.float32)
    t = texture[box].astype(np.float32)
    num = cv2.GaussianBlur(per_plane(cv2.multiply, t, m), (0, 0), sigma)
    low = per_plane(cv2.divide, num, np.maximum(cv2.GaussianBlur(m, (0, 0), sigma), 1e-3))
    out[box] = np.clip(base[box].astype(np.float32) + t - low + 0.5, 0, 255).astype(np.uint8)
    return out


def _behind(work: np.ndarray, occluder: np.ndarray | None, glasses: np.ndarray | None) -> np.ndarray:
    """What the head turn splats: the working copy with what stays (``occluder``) and what turns
    on its own (a glasses' frame, grown) replaced by a smooth guess of the face behind, and for a
    frame a fourth channel, 255 where it was."""
    hidden = glasses if occluder is None else occluder if glasses is None else occluder | glasses
    if hidden is None:
        return work
    turned = np.clip(smooth_fill(work, hidden) + 0.5, 0, 255).astype(np.uint8)
    turned[~hidden] = work[~hidden]
    return turned if glasses is None else np.dstack([turned, glasses.view(np.uint8) * np.uint8(255)])


def _grown(mask: np.ndarray, face_px: float) -> np.ndarray:
    """A glasses' frame grown by FRAME_GROW x face size (at least a pixel): the parsing's mask,
    made on a coarser copy, may leave the frame's soft edge out, which then stayed behind as a
    faint line beside the turned frame."""
    r = max(1, int(round(FRAME_GROW * face_px)))
    return cv2.dilate(mask.view(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8)).view(bool)


def _moved_from(moves, mask: np.ndarray) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray]:
    """(box, x map, y map): where in the photo each pixel of the box (of the working copy) shows
    the ``mask`` moved by ``moves`` (points (xs, ys) -> their motion (2, ...)), by splatting the
    positions (as the head's layers are); far outside the image where nothing of it landed.
    FRAME_SAMPLES^2 samples per pixel: an arm brought round is stretched several times over."""
    H, W = mask.shape
    ys, xs = np.nonzero(cv2.dilate(mask.view(np.uint8), np.ones((5, 5), np.uint8)))   # its soft edge too
    n = FRAME_SAMPLES
    sub = (np.arange(n, dtype=np.float32) + 0.5) / n - 0.5
    sx = (xs[:, None, None] + sub[None, None, :]).astype(np.float32).ravel()
    sy = (ys[:, None, None] + sub[None, :, None]).astype(np.float32).ravel()
    # as rows of 1024 (OpenCV's maps are at most 32767 wide), the last one padded with samples that
    # land nowhere
    k = len(sx)
    source = np.full((2, max(1, -(-k // 1024)) * 1024), -1e4, np.float32)
    source[0, :k], source[1, :k] = sx, sy
    source = source.reshape(2, -1, 1024)
    target = source + moves(source[0], source[1])
    tx, ty = target[0].ravel()[:k], target[1].ravel()[:k]
    x0, y0 = max(0, int(tx.min()) - 2) if k else 0, max(0, int(ty.min()) - 2) if k else 0
    x1, y1 = (min(W, int(tx.max()) + 3), min(H, int(ty.max()) + 3)) if k else (0, 0)
    box = (slice(y0, max(y0, y1)), slice(x0, max(x0, x1)))
    if x1 <= x0 or y1 <= y0:
        return box, np.zeros((0, 0), np.float32), np.zeros((0, 0), np.float32)
    target -= np.array([x0, y0], np.float32)[:, None, None]
    m = warp.splat_source_map(source, target, out_size=(y1 - y0, x1 - x0))
    where = np.where(m.weight > 0, m.where, np.float32(-1e4))
    return box, where[0], where[1]


def _laid_on(out: np.ndarray, box: tuple[slice, slice], layer: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """out (H, W, 3) uint8 with ``layer`` over its ``box`` by ``alpha`` (0..1; both the box's size)."""
    out = out.copy()
    a = alpha[..., None]
    out[box] = np.clip(out[box] * (1 - a) + layer * a + 0.5, 0, 255).astype(np.uint8)
    return out


def _mirror_source(src: np.ndarray, dst: np.ndarray, holes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For hole pixels inside the turned face: where their mirror image is in the source.
    Returns (mask of such pixels, source coordinates (2, H, W))."""
    H, W = holes.shape
    ys, xs, tri, bary = mesh_raster.barycentric(dst, (H, W), within=holes)
    mirrored = src[np.asarray(topo.MIRROR)][:, :2]
    where = np.full((2, H, W), -1.0, np.float32)
    where[:, ys, xs] = mesh_raster.interpolate(mirrored, tri, bary).T
    mask = np.zeros((H, W), bool)
    mask[ys, xs] = True
    return mask, where


def render(prepared: tuple, face: Face, yaw: float, preview: bool = False, engine: str | None = None,
           seed: int = 0, progress=None) -> Patch:
    """The head turned by ``yaw`` (in range, not 0: apply_region checks) as a patch of the
    photo, from what ``_prepare`` gave: full size, or (``preview``) fast, on a copy of at most
    PREVIEW_SIDE pixels, returned at that size (Patch.scale says by how much)."""
    (x0, y0, x1, y1), work, s, model = prepared
    h, w = work.shape[:2]
    face_px = face.size * s
    if progress:
        progress(0.2)
    motion, depth, dst = motion_field(model, yaw)
    if model.glasses is not None:   # (before the motion is brought to the working size: it is read at the map's)
        frame_grid, grid_motion = _resized(model.glasses, model.region.shape), motion
        per_px = np.float32(model.region.shape[0] / h)    # the map's pixels per working copy's pixel

        def frame_moves(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:   # in the working copy's pixels
            return glasses_motion(model, yaw, grid_motion, frame_grid, xs * per_px, ys * per_px) / per_px
    if progress:
        progress(0.26)
    src = model.src
    if motion.shape[1:] != (h, w):  # a coarse field (preview): to the working size
        f = model.region.shape[0] / h
        motion = np.stack([cv2.resize(c, (w, h), interpolation=cv2.INTER_LINEAR) for c in motion]) / f
        depth = cv2.resize(depth, (w, h), interpolation=cv2.INTER_LINEAR) / f
        src, dst = src / f, dst / f
    moving = np.abs(motion).max(0) > 1e-3
    head = model.region if model.region.shape == (h, w) else \
        cv2.resize(model.region.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST) > 0
    # A hand in front of the face does not turn with it: what turns is a smooth guess of the
    # face behind it (no ghost of the hand dragged along), and the hand is put back on top. A
    # glasses' frame turns with the head, but as a rigid frame in front of the eyes (on the face's
    # surface it would bend over the relief): the face behind it turns as a smooth guess too, and
    # the frame, moved on its own, is laid on top.
    occluder, glasses = model.occluder, model.glasses_grown
    if model.behind is None:   # (the same for every angle: kept with the model for a drag's steps)
        model.behind = _behind(work, occluder, glasses)
    turned = np.ascontiguousarray(model.behind[..., :3]) if glasses is not None else model.behind
    out, holes = _splat_layers(model.behind, motion, depth, head, tau=0.02 * face_px)
    if glasses is not None:   # its fourth channel says where the frame was, as the head's motion takes it
        out, left = np.ascontiguousarray(out[..., :3]), out[..., 3] >= 128
        box, *frame_from = _moved_from(frame_moves, glasses)
        # its cover (softened before it is moved: only where the frame's splats landed has a colour)
        frame = np.zeros((h, w), np.float32)
        if frame_from[0].size:
            frame[box] = cv2.remap(cv2.GaussianBlur(glasses.view(np.uint8) * np.float32(1), (0, 0), FRAME_EDGE),
                                   *frame_from, cv2.INTER_LINEAR)
        # what the frame leaves uncovered of its old place is revealed: filled as any hole is
        holes |= left & (frame < 0.5)
    if progress:
        progress(0.36)
    info = {"holes": int(holes.sum())}
    # Where nothing moves, nothing changes (not even by resampling).
    still = ~cv2.dilate(moving.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & ~holes
    out[still] = work[still]
    # Hole pixels hold nothing (no splat landed: black). The seam blends below mix each fill with
    # what lies under its edge, so the holes first get a smooth guess from their surroundings;
    # otherwise every filled hole is ringed in half-black (small ones come out as dark specks).
    if holes.any():
        out[holes] = np.clip(smooth_fill(out, holes)[holes] + 0.5, 0, 255).astype(np.uint8)
    if progress:
        progress(0.4)
    # Revealed skin: the detail of the mirror side of the face on the smooth guess, blended in.
    mirror = np.zeros_like(holes)
    if holes.any():
        mirror, where = _mirror_source(src, dst, holes)
    if mirror.any() and glasses is not None:
        # not where the mirror side shows its own frame (its soft edge is left round the mask):
        # its detail came out as a trail of pale and dark dots; those holes are inpainted
        near = cv2.dilate(glasses.view(np.uint8), np.ones((2 * FRAME_MIRROR + 1,) * 2, np.uint8))
        mirror &= cv2.remap(near, where[0], where[1], cv2.INTER_NEAREST, borderValue=0) == 0
    if mirror.any():
        sampled = cv2.remap(turned, where[0], where[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        out = compose(out, _detail_on(out, sampled, mirror, sigma=MIRROR_DETAIL * face_px), mirror,
                      feather=max(1.0, 0.01 * face_px))
        holes = holes & ~mirror
    info["mirrored"] = int(mirror.sum())
    # While the slider moves the smooth guess already in the holes is the fill.
    if holes.any() and not (preview and engine is None):
        fill = get_engine(engine or "patchmatch").fill(
            out, holes, seed=seed, progress=(lambda f: progress(0.5 + 0.5 * f)) if progress else None)
        out = compose(out, fill, holes, feather=max(1.0, 0.01 * face_px))
    info["inpainted"] = int(holes.sum())
    if glasses is not None and frame_from[0].size:
        out = _laid_on(out, box, cv2.remap(work, *frame_from, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT),
                       frame[box])
    if occluder is not None:
        out = compose(out, work, occluder, feather=max(1.0, 0.005 * face_px))
    return Patch(out, x0, y0, info, scale=1 / s)
