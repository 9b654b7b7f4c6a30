"""Face parsing: a label map of the face's parts, on a crop around the face.

Classes (HELEN order; "left" = the image's left):
0 background, 1 skin, 2 left brow, 3 right brow, 4 left eye, 5 right eye, 6 nose,
7 upper lip, 8 inner mouth, 9 lower lip, 10 hair; then, carved out of those after the
propagation: 11 neck, 12 occluder (a hand in front of the face, a glasses' frame), 13 clothes
(and whatever else of the person's is neither skin nor hair: a collar, a helmet ring):
inference.body_parts, inference.occluders, inference.glasses; where the hair runs past the crop,
the crop grows (inference.hair_extent).

Two stages. The coarse parsing is the mesh's polygons rasterised with sub-pixel precision.
The refined parsing (:func:`parse`) turns it into soft class maps that are confident deep
inside each part and uncertain in a band along every boundary (inference.parsing_prior), adds
hair and background from the person segmenter, and lets the spatial propagation op (csrc/,
Liu et al. 2017) carry the confident labels into the uncertain band along image-adaptive
affinities, so boundaries land on the photo's own edges (the hairline, the brow's dark
hairs, the lip line), not the mesh's.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from inference import mesh_topology as topo

BACKGROUND, SKIN, LEFT_BROW, RIGHT_BROW, LEFT_EYE, RIGHT_EYE, NOSE, UPPER_LIP, INNER_MOUTH, \
    LOWER_LIP, HAIR, NECK, OCCLUDER, CLOTHES = range(14)
CLASS_NAMES = ["background", "skin", "left brow", "right brow", "left eye", "right eye", "nose",
               "upper lip", "inner mouth", "lower lip", "hair", "neck", "occluder", "clothes"]
CLASS_COLORS = np.array([  # RGB, for overlays and legends
    [0, 0, 0], [255, 204, 153], [153, 51, 0], [204, 102, 0], [0, 153, 255], [0, 204, 204],
    [255, 255, 0], [255, 0, 102], [102, 0, 153], [204, 0, 51], [102, 255, 102],
    [204, 153, 255], [255, 0, 255], [51, 102, 204]], dtype=np.uint8)

_SUBPIXEL_BITS = 4
FACE_CLASSES = 11        # 0..10: what the mesh prior, the atlas and the propagation carry
N_CLASSES = 14           # + neck, occluder, clothes (score planes added after the propagation)
WORK_SIDE = 448          # the crop is parsed at this size; full resolution is upsampled on demand


def running_argmax(planes) -> np.ndarray:
    """uint8 index of the largest of the class planes, taken one plane at a time (resampled as
    they come: no 11-channel stack at photo resolution); the first wins ties."""
    best = out = better = None
    for k, plane in enumerate(planes):
        if best is None:   # (a copy: the best so far is updated in place)
            best, out = np.array(plane, copy=True), np.zeros(plane.shape, np.uint8)
            better = np.empty(plane.shape, bool)
            continue
        np.greater(plane, best, out=better)
        np.copyto(best, plane, where=better)
        np.copyto(out, k, where=better)
    return out


def among(labels: np.ndarray, values, count: int | None = None) -> np.ndarray:
    """np.isin(labels, values) for a map of non-negative integers (a uint8 label map, or
    component numbers below ``count``), 5-10x faster: a few comparisons, or a table lookup."""
    values = [int(v) for v in np.asarray(values).ravel()]
    if labels.dtype == np.uint8 and len(values) <= 3:
        out = np.zeros(labels.shape, bool)
        for v in values:
            if 0 <= v < 256:
                out |= labels == v
        return out
    if labels.dtype != np.uint8 and count is None:
        return np.isin(labels, values)
    table = np.zeros(256 if labels.dtype == np.uint8 else count, bool)
    table[[v for v in values if 0 <= v < len(table)]] = True
    return table.take(labels)


@dataclass
class Parsing:
    """Class scores of one face, computed on a crop of the photo at a working resolution.

    ``scores`` (N_CLASSES, h, w) cover the photo rectangle (x0, y0, x0 + width, y0 + height),
    usually downscaled (h, w <= WORK_SIDE, more where the crop grew to follow the hair:
    inference.hair_extent); full-resolution labels and masks are upsampled
    from the scores on demand, so clicking a face in a 12-megapixel photo stays fast."""
    scores: np.ndarray
    x0: int
    y0: int
    width: int
    height: int
    _labels: np.ndarray | None = field(default=None, repr=False)
    _full: np.ndarray | None = field(default=None, repr=False)
    # clothes and neck past the crop, coarse (inference.body_extent.BodyExtent); no edit reads it
    body: object | None = field(default=None, repr=False)
    # (mask, box): which occluder pixels are a glasses' frame (inference.glasses), a bool mask at
    # the working size of the photo box (x0, y0, x1, y1); None without glasses. The head turn
    # moves a frame with the head, a hand stays (inference.edits.rotate)
    glasses: tuple | None = field(default=None, repr=False)

    @classmethod
    def from_labels(cls, labels: np.ndarray, x0: int, y0: int) -> "Parsing":
        """A parsing at full resolution from a label map (one-hot scores)."""
        scores = np.eye(N_CLASSES, dtype=np.float32)[labels].transpose(2, 0, 1)
        return cls(scores, x0, y0, labels.shape[1], labels.shape[0], _labels=labels.astype(np.uint8))

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the crop in photo pixels."""
        return self.height, self.width

    @property
    def labels(self) -> np.ndarray:
        """Labels at the working resolution."""
        if self._labels is None:
            self._labels = running_argmax(self.scores)
        return self._labels

    def _upsample(self, a: np.ndarray) -> np.ndarray:
        if a.shape[:2] == (self.height, self.width):
            return a
        return cv2.resize(a, (self.width, self.height), interpolation=cv2.INTER_LINEAR)

    def mask(self, *classes: int) -> np.ndarray:
        """Boolean mask of the crop (photo resolution) for the given classes."""
        return among(self.labels_full(), classes)

    def labels_full(self) -> np.ndarray:
        """Labels of the crop at photo resolution (upsampled scores, cached)."""
        if self._full is None:
            if self.scores.shape[1:] == (self.height, self.width):
                self._full = self.labels
            else:
                self._full = running_argmax(self._upsample(s) for s in self.scores)
        return self._full

    def full(self, height: int, width: int) -> np.ndarray:
        """The label map pasted into a photo-sized map of background (or of the body's
        coarse continuation, where there is one)."""
        out = self.body.full(height, width) if self.body is not None else np.zeros((height, width), np.uint8)
        out[self.y0:self.y0 + self.height, self.x0:self.x0 + self.width] = self.labels_full()
        return out


def crop_box(face_box: tuple[float, float, float, float], height: int, width: int,
             margin: float = 0.6) -> tuple[int, int, int, int]:
    """Integer crop (x0, y0, x1, y1) around a face box, grown by ``margin`` of its size on each
    side (more above, for the hair), clipped to the photo."""
    x0, y0, x1, y1 = face_box
    w, h = x1 - x0, y1 - y0
    return (max(0, int(np.floor(x0 - margin * w))), max(0, int(np.floor(y0 - 1.2 * margin * h))),
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
    labels = rasterise_mesh(np.asarray(mesh)[:, :2] - (x0, y0), (y1 - y0, x1 - x0))
    return Parsing.from_labels(labels, x0, y0)


def rasterise_mesh(pts: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Label map of the given shape from mesh points (pixel coordinates of that map)."""
    labels = np.zeros(shape, np.uint8)
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
    return labels


def colorize(labels: np.ndarray, opacity: float = 0.45, visible: set[int] | None = None) -> np.ndarray:
    """RGBA overlay of a label map (background transparent); ``visible`` limits the classes."""
    # one lookup of a 4-byte colour per pixel (a sixth of the time of colour, then alpha)
    lut = np.zeros((256, 4), np.uint8)
    lut[:N_CLASSES, :3] = CLASS_COLORS
    lut[1:N_CLASSES, 3] = int(round(255 * opacity))
    if visible is not None:
        lut[[k for k in range(N_CLASSES) if k not in visible], 3] = 0
    # (np.take: twice as fast as indexing with the label map)
    return lut.view(np.uint32)[:, 0].take(labels).view(np.uint8).reshape(labels.shape + (4,))


# -- refinement -------------------------------------------------------------------------------


@dataclass
class RefineParams:
    band: float = 0.035          # uncertainty band half-width, x face size
    colour_sigma: float = 6.0    # Lab distance at which affinity falls to exp(-1/2)
    reach: float = 0.995         # sum of the propagation weights where the label is uncertain
    iterations: int = 2
    forehead: float = 1.0        # cap height above the oval top, x (oval top to brow line)
    # Brows and lips follow the mesh's own contours better than the atlas (leave-one-out).
    polygon_classes: tuple[int, ...] = (LEFT_BROW, RIGHT_BROW, UPPER_LIP, LOWER_LIP)
    hair_colour: float = 0.5     # how far the hair/skin colour models may move the 50/50 prior
    body: bool = True            # continue clothes and neck past the crop (inference.body_extent)


def _forehead_cap(pts: np.ndarray, shape: tuple[int, int], extent: float) -> np.ndarray:
    """Mask of the face oval's upper half pushed upwards: oval points above the brows move
    away from the brow line by (1 + extent) times their height above it."""
    oval = pts[topo.FACE_OVAL].copy()
    brow_y = pts[topo.RIGHT_BROW + topo.LEFT_BROW, 1].mean()
    up = oval[:, 1] < brow_y
    oval[up, 1] = brow_y - (brow_y - oval[up, 1]) * (1.0 + extent)
    mask = np.zeros(shape, np.uint8)
    _fill(mask, oval, 1)
    return mask.astype(bool)


def affinities(image: np.ndarray, sigma: float, reach: np.ndarray, lab: np.ndarray | None = None) -> "torch.Tensor":
    """(1, 4, 3, H, W) propagation weights from colour similarity between each pixel and its
    three neighbours on the previous row/column of every scan direction, scaled so that they
    sum to ``reach`` (an (H, W) map: 0 keeps the prior, near 1 propagates far). ``lab``: the
    image's Lab (float32), when known."""
    import torch
    return similarities(image, sigma, lab).mul_(torch.from_numpy(np.asarray(reach, np.float32)))


def similarities(image: np.ndarray, sigma: float, lab: np.ndarray | None = None) -> "torch.Tensor":
    """(1, 4, 3, H, W) colour similarities of each pixel to its three neighbours on the
    previous row/column of every scan direction, a third each (a reach of 1). ``lab``: the
    image's Lab (cv2's, as float32), when known."""
    import torch
    if lab is None:
        lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
    H, W = lab.shape[:2]
    # contiguous channels of the edge-replicated Lab; every step below in place
    pad = [torch.from_numpy(c) for c in cv2.split(cv2.copyMakeBorder(lab, 1, 1, 1, 1, cv2.BORDER_REPLICATE))]
    # A pair's similarity is the same seen from either end ((a - b)^2 == (b - a)^2 exactly),
    # so four offsets computed once over the padded grid give all twelve.
    pair = {}
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ya, xa = slice(max(0, -dy), H + 2 - max(0, dy)), slice(max(0, -dx), W + 2 - max(0, dx))
        yb, xb = slice(max(0, dy), H + 2 - max(0, -dy)), slice(max(0, dx), W + 2 - max(0, -dx))
        dist = None
        for c in pad:   # the squared distance summed channel by channel, as a sum over them
            d = c[ya, xa] - c[yb, xb]
            dist = d.mul_(d) if dist is None else dist.add_(d.mul_(d))
        pair[dy, dx] = dist.div_(-2 * sigma * sigma).exp_()

    def sim(dy: int, dx: int) -> "torch.Tensor":  # similarity to the neighbour at (y+dy, x+dx)
        # pixel p is padded p + 1; pair[e] at grid index g holds padded (g + o, g + o + e),
        # o = (max(0, -ey), max(0, -ex)); for the reverse offset, p + 1 is the pair's far end
        (ey, ex), q = ((dy, dx), (1, 1)) if (dy, dx) in pair else ((-dy, -dx), (1 + dy, 1 + dx))
        y0, x0 = q[0] - max(0, -ey), q[1] - max(0, -ex)
        return pair[ey, ex][y0:y0 + H, x0:x0 + W]

    # Offsets per direction (see ops.propagate): j runs across the scan.
    offsets = ([(j, -1) for j in (-1, 0, 1)],    # right: previous column
               [(j, 1) for j in (-1, 0, 1)],     # left: next column
               [(-1, j) for j in (-1, 0, 1)],    # down: previous row
               [(1, j) for j in (-1, 0, 1)])     # up: next row
    w = torch.empty((1, 4, 3, H, W), dtype=torch.float32)
    for d, row in enumerate(offsets):
        for j, (oy, ox) in enumerate(row):
            torch.div(sim(oy, ox), 3.0, out=w[0, d, j])
    return w


def _gaussian_fit(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(mean, inverse covariance, half the log-determinant) of (N, 3) Lab samples."""
    mu = samples.mean(0)
    cov = np.cov(samples.T) + np.eye(samples.shape[1]) * 4.0  # floor: 2 Lab units per axis
    return mu, np.linalg.inv(cov), 0.5 * np.log(np.linalg.det(cov))


def _gaussian_loglik(model: tuple[np.ndarray, np.ndarray, float], channels: list[np.ndarray]) -> np.ndarray:
    """Log-likelihood under a :func:`_gaussian_fit` model of the colours given as three
    contiguous channels (the quadratic form channel by channel: an (N, 3) einsum is several
    times slower, strided columns twice)."""
    mu, a, half_logdet = model
    d = [c - mu[i] for i, c in enumerate(channels)]
    q = a[0, 0] * d[0] * d[0]
    for i in range(3):
        for j in range(3):
            if i or j:
                q += a[i, j] * d[i] * d[j]
    return -0.5 * q - half_logdet


def _hair_probability(lab: np.ndarray, hair: np.ndarray, skin: np.ndarray, where: np.ndarray,
                      min_samples: int = 50) -> np.ndarray:
    """P(hair | colour) at the pixels ``where`` (0.5 elsewhere): hair and skin are Gaussians
    in Lab fitted on their sure pixels, and a colour like neither (a black collar, a red
    scarf) falls to a flat 'something else' model at HAIR_OUTLIER_SIGMAS from the hair's mean.
    0.5 everywhere when hair or skin has too few samples (short hair, a bald head)."""
    out = np.full(lab.shape[:2], 0.5, np.float32)
    if hair.sum() < min_samples or skin.sum() < min_samples:
        return out
    hair_px = lab[hair]
    model = _gaussian_fit(hair_px)
    # (each channel gathered from a contiguous plane: a third of the time of lab[where])
    pix = [np.ascontiguousarray(lab[..., k])[where] for k in range(3)]
    lh = _gaussian_loglik(model, pix)
    ls = _gaussian_loglik(_gaussian_fit(lab[skin]), pix)
    far = model[0] + HAIR_OUTLIER_SIGMAS * hair_px.std(0)
    lo = _gaussian_loglik(model, [far[k:k + 1] for k in range(3)])
    m = np.maximum(np.maximum(lh, ls), lo)
    eh, es, eo = np.exp(lh - m), np.exp(ls - m), np.exp(lo - m)
    out[where] = eh / (eh + es + eo)
    return out


HAIR_OUTLIER_SIGMAS = 3.0

_DEFAULT_ATLAS = object()


def _person(image: np.ndarray) -> np.ndarray:
    """The person segmenter's mask of ``image``."""
    from inference.mp_models import models
    return models().segmenter.process(np.ascontiguousarray(image)).segmentation_mask


def parse(image: np.ndarray, face, params: RefineParams | None = None, atlas=_DEFAULT_ATLAS) -> Parsing:
    """The refined parsing of one face (see the module docstring). ``atlas``: a FaceAtlas,
    None for mesh polygons only, default the shipped one."""
    import torch
    from inference import face_atlas
    from inference.ops.propagate import propagate
    prm = params or RefineParams()
    if atlas is _DEFAULT_ATLAS:
        atlas = face_atlas.load()
    H, W = image.shape[:2]
    x0, y0, x1, y1 = crop_box(face.box, H, W)
    crop = image[y0:y1, x0:x1]
    ch, cw = crop.shape[:2]
    # Shrink by an integer factor first (OpenCV's fast area path, for 12-MP photos), then to
    # WORK_SIDE exactly.
    f = max(1, max(ch, cw) // WORK_SIDE)
    if f >= 4:  # every other pixel first: area averaging over 4x fewer pixels, little aliasing left
        crop, f = crop[::2, ::2], f // 2
    ch2, cw2 = crop.shape[:2]
    work = cv2.resize(crop, (max(1, cw2 // f), max(1, ch2 // f)), interpolation=cv2.INTER_AREA) if f > 1 else crop
    s = min(1.0, WORK_SIDE / max(work.shape[:2]))
    if s < 1:
        work = cv2.resize(work, (max(1, round(work.shape[1] * s)), max(1, round(work.shape[0] * s))),
                          interpolation=cv2.INTER_AREA)
    work = np.ascontiguousarray(work)
    wh, ww = work.shape[:2]
    s = ww / cw
    pts = (np.asarray(face.mesh)[:, :2] - (x0, y0)) * (ww / cw, wh / ch)
    face_px = face.size * s
    from inference.occluders import foreign_mask, hand_landmarks, occluder_mask
    from inference.side_thread import soon
    person = soon(_person, work)
    hands = soon(hand_landmarks, work)
    from inference.glasses import glasses_mask
    glasses = soon(glasses_mask, image, face.mesh, (x0, y0, x1, y1), (wh, ww))

    from inference.parsing_prior import prior
    x, conf, labels = prior(pts, (wh, ww), atlas, prm.band * face_px, prm.polygon_classes)
    person = person.result()
    lab = cv2.cvtColor(work, cv2.COLOR_RGB2LAB).astype(np.float32)
    outside = labels == BACKGROUND
    # The mesh stops short of the hairline: above it, up to a cap as high again as the
    # brow-to-oval-top distance, skin and hair compete.
    cap = _forehead_cap(pts, (wh, ww), prm.forehead) & outside
    chin_y = pts[topo.CHIN, 1]
    brow_y = pts[topo.RIGHT_BROW + topo.LEFT_BROW, 1].mean()
    rows = np.arange(wh, dtype=np.float32)[:, None]
    above = np.clip((chin_y - rows) / (0.15 * face_px), 0, 1) * np.ones((1, ww), np.float32)
    # Colour tells hair from skin where the masks cannot (bangs, ears, neck): hair is sampled
    # on the sure person pixels above the brows outside the cap, skin on the sure face skin.
    sure_hair = outside & ~cap & (person > 0.9) & (rows < brow_y)
    sure_skin = (labels == SKIN) & (conf > 0.8)
    # (and where hair may fall over the face's sides: a strand over a temple or a cheek)
    from inference.hair_extent import over_face, strand_band
    band = strand_band(labels, pts, face_px)
    look = outside & (person > 0.02)
    p_hair = _hair_probability(lab, sure_hair, sure_skin, where=look if band is None else look | (band > 0))
    hairish = 0.5 + prm.hair_colour * (p_hair - 0.5)
    # Outside the face a person pixel is hair above the chin unless its colour says skin (an
    # ear, the neck: background here); below the chin hair competes with neck and clothes.
    below = (rows - chin_y) / face_px                      # face heights below the chin
    hang = np.exp(-np.clip(below, 0, None) / 1.5)           # long hair thins out downwards
    hair_out = person * (above * (0.5 + 0.5 * hairish) + (1 - above) * 0.9 * hairish * hang)
    x[BACKGROUND] = np.where(outside, 1 - hair_out, x[BACKGROUND])
    x[HAIR] = np.where(outside, hair_out, 0)
    certainty = np.abs(2 * hair_out - 1)
    conf = np.where(outside, np.minimum(conf, certainty), conf)
    x[SKIN][cap] = person[cap] * (1 - hairish[cap])
    x[HAIR][cap] = person[cap] * hairish[cap]
    x[BACKGROUND][cap] = 1 - person[cap]
    conf[cap] = 0.0
    # Hair falling over the face's sides is inside the mesh's oval, where the prior says skin:
    # there too colour may say hair.
    lift = None if band is None else over_face(p_hair, band, outside & (hair_out > 0.5))
    if lift is not None:
        x[HAIR] = np.maximum(x[HAIR], lift * x[SKIN])
        x[SKIN] *= 1 - lift
        conf = np.where(lift > 0, np.minimum(conf, 1 - lift), conf)

    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]
    # (each of a pixel's three weights is at most a third of its reach <= 1: the op's
    # normalisation would divide by 1, so it is skipped)
    p = affinities(work, prm.colour_sigma, prm.reach * (1 - conf), lab)
    for _ in range(prm.iterations):
        xt = propagate(xt, p, merge="max", normalize=prm.reach > 1)
    x = xt[0].numpy()
    from inference.body_extent import body_extent, segmented_soon
    # (the body past the crop, in case the clothes run into its border, as on most portraits:
    # segmented on the side thread while the neck, clothes and occluders are worked out here)
    body = segmented_soon(image, face, ww / cw) if prm.body else None
    from inference.body_parts import body_masks
    face_labels = running_argmax(x)
    from inference.hair_extent import over_brows
    under = over_brows(lab, face_labels, (LEFT_BROW, RIGHT_BROW))
    if under is not None:   # a strand over a brow's end
        hand_over(x, face_labels, under, HAIR)
    from inference.brow_extent import snap_brows
    snap_brows(lab, x, face_labels, (LEFT_BROW, RIGHT_BROW))   # the brows to their own hairs
    neck, clothes, hair = body_masks(work, lab, face_labels, person, pts, face_px, sure_hair, sure_skin,
                                     prm.colour_sigma)
    oval = np.zeros((wh, ww), np.uint8)
    _fill(oval, pts[topo.FACE_OVAL], 1)
    glasses, glasses_box = glasses.result(), (x0, y0, x1, y1)
    occluder = occluder_mask(work, hands.result()) | foreign_mask(lab, face_labels, oval > 0, sure_skin, sure_hair) \
        | glasses
    carved = {OCCLUDER: occluder, NECK: neck & ~occluder, CLOTHES: clothes & ~occluder}
    scores = with_carved(x, carved, hair, face_labels)
    from inference.hair_extent import grown
    more = grown(image, (x0, y0, x1, y1), scores, hair & ~occluder, lab, sure_hair,
                 [sure_skin, carved[CLOTHES]], pts[topo.LIPS_OUTER_LOWER, 1].mean(), face.size)
    if more is not None:   # the hair ran into the crop's border: the crop grew there
        scores, (x0, y0, x1, y1) = more
        cw, ch = x1 - x0, y1 - y0
    out = Parsing(scores, x0, y0, cw, ch, glasses=(glasses, glasses_box) if glasses.any() else None)
    if prm.body:   # the clothes ran into the crop's border: they go on, coarse, where the person does
        out.body = body_extent(image, out, lab[sure_skin], face, body)
    from inference.neighbours import keep_own
    keep_own(out, face)    # on a group photo: not the hair, neck or clothes of the person beside
    return out


def hand_over(x: np.ndarray, labels: np.ndarray, mask: np.ndarray, cls: int) -> None:
    """The ``mask`` pixels to class ``cls``, in place: its score just over the best there (a bare
    win, so upsampled scores put the new edge between the old outline and the new) and its label."""
    x[cls][mask] = x[:, mask].max(0) + 1e-3
    labels[mask] = cls


def with_carved(x: np.ndarray, carved: dict[int, np.ndarray], hair: np.ndarray | None = None,
                labels: np.ndarray | None = None) -> np.ndarray:
    """(N_CLASSES, h, w) scores: the face classes' ``x`` with the ``carved`` classes' masks cut
    out of them (softened by a pixel, so that upsampled labels keep smooth edges). Where no
    mask is, the face classes' planes are untouched; ``hair``: the hair that stays hair (the
    rest of the hair plane goes to background where no carved class took it); ``labels``:
    x's argmax, when known."""
    h, w = x.shape[1:]
    out = np.zeros((N_CLASSES, h, w), np.float32)
    out[:FACE_CLASSES] = x
    if hair is not None:
        lost = ((running_argmax(x) if labels is None else labels) == HAIR) & ~hair
        if lost.any():
            out[BACKGROUND][lost] = np.maximum(out[BACKGROUND][lost], out[HAIR][lost] + 1e-3)
    masks = {c: m for c, m in carved.items() if m is not None and m.any()}
    if not masks:
        return out
    # only the box round the carved pixels (and the blur's reach) changes
    bx, by, bw, bh = cv2.boundingRect(np.logical_or.reduce(list(masks.values())).view(np.uint8))
    b = (slice(max(0, by - 3), by + bh + 3), slice(max(0, bx - 3), bx + bw + 3))
    top = out[(slice(0, FACE_CLASSES),) + b].max(0)
    total = np.zeros(top.shape, np.float32)
    for cls, m in masks.items():
        soft = cv2.GaussianBlur(m[b].astype(np.float32), (0, 0), 0.7)
        out[(cls,) + b] = soft * top
        total += soft
    out[(slice(0, FACE_CLASSES),) + b] *= 1.0 - np.clip(total, 0, 1)
    return out
