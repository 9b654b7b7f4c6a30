"""Skin retouch measures (issue 22): synthetic dark and red spots (diameter 1-2 % of the face's
size, sqrt of its box's area; fixed seed) painted onto the skin of the annotated parsing faces of ../shared/data and the
sample; the automatic healing (found %, % of the way back inside the spots, change elsewhere),
the healing of a painted mask (the same), cv2.inpaint (TELEA) of the right spots as the outside
anchor, the fine-detail energy of smoothing 0.8 with texture 0 and 1, and latency.

    python bench/retouch.py [--quick]
"""
from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import inference  # noqa: E402,F401

from inference import parsing as P  # noqa: E402
from inference.edits import heal, skin  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
SEED = 22
SPOTS_PER_FACE = 6


def paint_spots(image: np.ndarray, skin_mask: np.ndarray, size: float, rng: np.random.Generator,
                n: int = SPOTS_PER_FACE):
    """``image`` with ``n`` soft round spots (half dark, half red; diameter 1-2 % of ``size``)
    painted wholly on the skin; returns (painted, [(alpha (H, W) float32, (x, y, r), kind)])."""
    H, W = skin_mask.shape
    out = image.astype(np.float32)
    spots = []
    taken = np.zeros((H, W), bool)
    yy, xx = np.mgrid[0:H, 0:W]
    tries = 0
    while len(spots) < n and tries < 200:
        tries += 1
        r = 0.5 * rng.uniform(0.01, 0.02) * size
        k = int(2 * 1.7 * r + 0.04 * size) | 1
        room = cv2.erode(skin_mask.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0
        ys, xs = np.nonzero(room)
        if not len(ys):
            continue
        i = rng.integers(len(ys))
        cx, cy = xs[i], ys[i]
        if taken[max(0, int(cy - 3 * r)):int(cy + 3 * r) + 1, max(0, int(cx - 3 * r)):int(cx + 3 * r) + 1].any():
            continue
        d = np.hypot(xx - cx, yy - cy) / max(r, 1.0)
        alpha = np.clip(1.25 - 0.5 * d ** 2, 0.0, 1.0).astype(np.float32)   # flat core, soft edge
        alpha[d > 1.6] = 0
        kind = "dark" if len(spots) % 2 == 0 else "red"
        if kind == "dark":
            target = out * rng.uniform(0.55, 0.7)
        else:
            target = out * 0.8 + np.array([55.0, -25.0, -20.0], np.float32) * rng.uniform(0.8, 1.2)
        a = alpha[..., None] * rng.uniform(0.75, 0.95)
        out = out * (1 - a) + np.clip(target, 0, 255) * a
        taken |= alpha > 0
        spots.append((alpha, (float(cx), float(cy), float(r)), kind))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), spots


def _faces():
    """[(set, name, image, face, skin mask from the annotation)]: the sample (our parsing) and
    the annotated faces."""
    from inference.faces import detect
    from inference.io import read_image
    from inference.sample import sample_image
    out = []
    img = sample_image()
    f = detect(img)[0]
    out.append(("sample", "astronaut", img, f, f.parsing_for(img).full(*img.shape[:2]) == P.SKIN))
    if SHARED_DATA.is_dir():
        from bench.parsing_data import parsing_sets
        for name, items in parsing_sets(SHARED_DATA).items():
            for path, labels in items:
                img = read_image(path).rgb
                found = detect(img)
                if not found:
                    continue
                lab = cv2.resize(labels, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_NEAREST)
                out.append((name, path.name, img, found[0], lab == P.SKIN))
    return out


def _back(clean, painted, healed, region):
    before = np.abs(painted.astype(np.float32) - clean)[region].mean()
    after = np.abs(healed.astype(np.float32) - clean)[region].mean()
    return 1.0 - after / max(before, 1e-6)


def measure_heal(quick: bool = False):
    rng = np.random.default_rng(SEED)
    rows = []
    for setname, name, img, face, skin_gt in _faces()[: 3 if quick else None]:
        painted, spots = paint_spots(img, skin_gt, face.size, rng)
        f = copy.deepcopy(face)
        f.parsing = None
        from inference.faces import analyse
        analyse(painted, f)
        regions = [a > 0.1 for a, _, _ in spots]
        union = cv2.dilate(np.any([a > 0 for a, _, _ in spots], 0).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        # automatic
        t = time.perf_counter()
        found = heal.find_blemishes(painted, f)
        auto = heal.apply(painted, f)
        t_auto = time.perf_counter() - t
        fmask = heal.spots_mask(painted.shape, found)
        hit = [bool((fmask[r]).mean() > 0.5) for r in regions]
        back_auto = [_back(img, painted, auto, r) for r in regions]
        elsewhere = float(np.abs(auto.astype(np.float32) - painted)[~union].mean())
        n_false = sum(1 for sp in found if not union[int(sp.y), int(sp.x)])
        # a painted mask (the spots' whole support, one pixel more)
        mask = cv2.dilate((np.any([a > 0.02 for a, _, _ in spots], 0)).astype(np.uint8), np.ones((3, 3), np.uint8))
        manual = heal.apply(painted, f, mask=mask)
        back_mask = [_back(img, painted, manual, r) for r in regions]
        outside_same = bool(np.array_equal(manual[mask == 0], painted[mask == 0]))
        telea = cv2.inpaint(painted, mask * 255, 3, cv2.INPAINT_TELEA)
        back_telea = [_back(img, painted, telea, r) for r in regions]
        rows.append(dict(set=setname, name=name, found=float(np.mean(hit)), false=n_false,
                         back_auto=float(np.median(back_auto)), elsewhere=elsewhere,
                         back_mask=float(np.median(back_mask)), outside_same=outside_same,
                         back_telea=float(np.median(back_telea)), t_auto=t_auto, shape=img.shape[:2]))
        print(f"{setname:13s} {name:10s} found {np.mean(hit):4.0%} (+{n_false} other)  back: auto "
              f"{np.median(back_auto):.3f} mask {np.median(back_mask):.3f} telea {np.median(back_telea):.3f}  "
              f"elsewhere {elsewhere:.3f}  outside mask unchanged {outside_same}", flush=True)
    return rows


def _fine_energy(img, mask):
    lap = cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32), cv2.CV_32F)
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    band = g - cv2.GaussianBlur(g, (0, 0), 1.0)
    return np.array([(lap[mask] ** 2).mean(), (band[mask] ** 2).mean()])


def measure_texture(quick: bool = False):
    rows = []
    for setname, name, img, face, skin_gt in _faces()[: 3 if quick else None]:
        k = int(0.06 * face.size) | 1
        par = face.parsing_for(img).full(*img.shape[:2])
        inside = cv2.erode(np.isin(par, [P.SKIN, P.NOSE]).astype(np.uint8), np.ones((k, k), np.uint8)) > 0
        b = _fine_energy(img, inside)
        out0 = skin.apply(img, copy.deepcopy(face), strength=0.8, texture=0.0)
        r0 = _fine_energy(out0, inside) / b
        r1 = _fine_energy(skin.apply(img, copy.deepcopy(face), strength=0.8, texture=1.0), inside) / b
        # the same without the facial hair the smoothing leaves alone (a beard: skin to the labels)
        from inference.facial_hair import facial_hair
        p = face.parsing_for(img)
        hair = np.zeros(img.shape[:2], np.float32)
        hair[p.y0:p.y0 + p.height, p.x0:p.x0 + p.width] = facial_hair(
            img[p.y0:p.y0 + p.height, p.x0:p.x0 + p.width], p.labels_full(), face, p.x0, p.y0)
        bare = inside & (hair < 0.05)
        r0b = _fine_energy(out0, bare) / _fine_energy(img, bare)
        rows.append(dict(set=setname, name=name, t0=r0, t1=r1, t0_bare=r0b, hair=float((hair[inside] > 0.5).mean())))
        print(f"{setname:13s} {name:10s} smooth 0.8 fine energy (Laplacian, band below Gauss 1): "
              f"texture 0 {r0[0]:.3f} {r0[1]:.3f}   texture 1 {r1[0]:.3f} {r1[1]:.3f}   facial hair "
              f"{rows[-1]['hair']:.0%} of the skin; texture 0 without it {r0b[0]:.3f} {r0b[1]:.3f}", flush=True)
    return rows


def _scaled(face, img, k):
    """The sample's face on the sample scaled by k (its parsing's scores kept: as analysed)."""
    par = face.parsing_for(img)
    sp = P.Parsing(par.scores, int(par.x0 * k), int(par.y0 * k), int(par.width * k), int(par.height * k))
    return SimpleNamespace(size=face.size * k, parsing_for=lambda image: sp, parsing=sp,
                           landmarks68=face.landmarks68 * k)


def measure_latency():
    from bench.common import timed
    from inference.faces import detect
    from inference.sample import sample_image
    img = sample_image()
    face = detect(img)[0]
    face.parsing_for(img)
    rng = np.random.default_rng(SEED)
    lines = []
    # one brushed spot on a 24 MP photo
    k = np.sqrt(24e6 / img.size * 3)
    big = cv2.resize(img, None, fx=k, fy=k, interpolation=cv2.INTER_CUBIC)
    bf = _scaled(face, img, k)
    lm = face.landmarks68 * k
    cx, cy = int(lm[36:42, 0].mean()), int(lm[30, 1])
    r = int(0.015 * bf.size / 2) + 2
    mask = np.zeros(big.shape[:2], np.uint8)
    cv2.circle(mask, (cx, cy), r, 255, -1)
    t_brush = timed(lambda: heal.apply_region(big, bf, mask=mask), repeat=5)
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = ys.min() - 3 * r, ys.max() + 3 * r, xs.min() - 3 * r, xs.max() + 3 * r
    t_telea = timed(lambda: cv2.inpaint(big[y0:y1, x0:x1], mask[y0:y1, x0:x1], 3, cv2.INPAINT_TELEA), repeat=5)
    lines.append(f"heal one brushed spot (d={2 * r} px) on {big.shape[1]}x{big.shape[0]}: {t_brush * 1e3:.1f} ms; "
                 f"cv2.inpaint TELEA of the same spot (its box + 3 radii): {t_telea * 1e3:.1f} ms")
    # automatic healing of the face on a 12 MP photo (six painted spots)
    k2 = np.sqrt(12e6 / img.size * 3)
    mid = cv2.resize(img, None, fx=k2, fy=k2, interpolation=cv2.INTER_CUBIC)
    mf = _scaled(face, img, k2)
    skin_mask = mf.parsing.full(*mid.shape[:2]) == P.SKIN
    painted, spots = paint_spots(mid, skin_mask, mf.size, rng)
    t_auto = timed(lambda: heal.apply_region(painted, mf), repeat=3)
    m = (np.any([a > 0.02 for a, _, _ in spots], 0)).astype(np.uint8) * 255
    t_telea2 = timed(lambda: cv2.inpaint(painted, m, 3, cv2.INPAINT_TELEA), repeat=1, warmup=0)
    lines.append(f"automatic heal of the face on {mid.shape[1]}x{mid.shape[0]}: {t_auto * 1e3:.0f} ms; "
                 f"cv2.inpaint TELEA of its 6 spots on the whole photo: {t_telea2 * 1e3:.0f} ms")
    # texture slider -> preview on a 1 MP crop (the smoothing of one strength cached)
    from inference.edits.base import EditCache
    par = face.parsing_for(img)
    k3 = 1000 / np.sqrt(par.width * par.height)          # the face's crop (what the edit works on): 1 MP
    one = cv2.resize(img, None, fx=k3, fy=k3, interpolation=cv2.INTER_CUBIC)
    of = _scaled(face, img, k3)
    of.size = face.size * k3
    cache = EditCache()
    skin.apply_region(one, of, strength=0.6, texture=0.5, cache=cache)
    vals = iter(np.linspace(0.0, 1.0, 1000))
    t_tex = timed(lambda: skin.apply_region(one, of, strength=0.6, texture=float(next(vals)), cache=cache), repeat=10)
    crop = one[of.parsing.y0:of.parsing.y0 + of.parsing.height, of.parsing.x0:of.parsing.x0 + of.parsing.width]
    t_gauss = timed(lambda: cv2.GaussianBlur(crop, (0, 0), 2.0), repeat=10)
    lines.append(f"texture slider step, face crop {of.parsing.width}x{of.parsing.height}: {t_tex * 1e3:.1f} ms; "
                 f"cv2.GaussianBlur sigma 2 of the same crop: {t_gauss * 1e3:.1f} ms")
    # shine / under-eye slider -> preview on the same crop (the layers of the photo kept)
    from inference.edits import retouch
    cache = EditCache()
    t_first = timed(lambda: retouch.apply_region(one, of, shine=0.5, under_eye=0.5), repeat=1, warmup=0)
    retouch.apply_region(one, of, shine=0.5, under_eye=0.5, cache=cache)
    vals = iter(np.linspace(0.05, 1.0, 1000))

    def step():
        v = float(next(vals))
        retouch.apply_region(one, of, shine=v, under_eye=v, cache=cache)
    t_rt = timed(step, repeat=10)
    lines.append(f"shine / under-eye slider step, same crop: {t_rt * 1e3:.1f} ms (first call {t_first * 1e3:.0f} ms); "
                 f"cv2.GaussianBlur sigma 2 of the crop: {t_gauss * 1e3:.1f} ms")
    for line in lines:
        print(line, flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=("heal", "texture", "latency"))
    a = ap.parse_args()
    if a.only in (None, "heal"):
        rows = measure_heal(a.quick)
        for s in sorted({r["set"] for r in rows}):
            rs = [r for r in rows if r["set"] == s]
            med = lambda k: float(np.median([r[k] for r in rs]))  # noqa: E731
            print(f"{s}: {len(rs)} faces; found median {med('found'):.0%}, found>=80% on "
                  f"{sum(r['found'] >= 0.8 for r in rs)}; back auto {med('back_auto'):.3f} "
                  f"(>=0.85 on {sum(r['back_auto'] >= 0.85 for r in rs)}), mask {med('back_mask'):.3f} "
                  f"(>=0.90 on {sum(r['back_mask'] >= 0.9 for r in rs)}), telea {med('back_telea'):.3f}; "
                  f"elsewhere {med('elsewhere'):.3f} (<=1 on {sum(r['elsewhere'] <= 1 for r in rs)}); "
                  f"outside the mask unchanged on {sum(r['outside_same'] for r in rs)}")
    if a.only in (None, "texture"):
        measure_texture(a.quick)
    if a.only in (None, "latency"):
        measure_latency()


if __name__ == "__main__":
    main()
