"""Fit the parsing atlas (inference/data/parsing_atlas.npz) on the annotated parsing photos in
../shared/data: per mesh triangle, the frequency of each class. Only that table is written.

    python bench/fit_parsing_atlas.py [DATA_DIR] [--out PATH]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from common import SHARED_DATA

import numpy as np

from bench.parsing_data import parsing_sets
from inference import face_atlas
from inference.faces import detect
from inference.io import read_image
from inference.mesh_topology import tesselation_triangles


def samples_for(items):
    """(mesh points in label pixels, labels) for every photo whose face is found."""
    out = []
    for photo, labels in items:
        img = read_image(photo).rgb
        faces = detect(img)
        if not faces:
            continue
        sx, sy = labels.shape[1] / img.shape[1], labels.shape[0] / img.shape[0]
        out.append((faces[0].mesh[:, :2] * (sx, sy), labels))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", nargs="?", default=str(SHARED_DATA))
    ap.add_argument("--out", default=str(face_atlas.ATLAS_PATH))
    a = ap.parse_args()
    items = [it for v in parsing_sets(Path(a.data)).values() for it in v]
    samples = samples_for(items)
    atlas = face_atlas.fit(samples, np.array(tesselation_triangles()))
    face_atlas.save(atlas, Path(a.out))
    print(f"atlas fitted on {atlas.photos} photos, {len(atlas.triangles)} triangles -> {a.out}")


if __name__ == "__main__":
    main()
