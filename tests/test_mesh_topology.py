"""Our ordered mesh polygons are exactly mediapipe's connection sets, walked in order."""
from __future__ import annotations

from inference import mesh_topology as topo


def _edges(chain, closed):
    pairs = list(zip(chain, chain[1:] + (chain[:1] if closed else [])))
    return {frozenset(p) for p in pairs}


def test_polygons_match_mediapipe_connections():
    from mediapipe.python.solutions import face_mesh_connections as fm
    as_set = lambda conns: {frozenset(c) for c in conns}  # noqa: E731
    assert _edges(topo.FACE_OVAL, True) == as_set(fm.FACEMESH_FACE_OVAL)
    assert _edges(topo.RIGHT_EYE, True) == as_set(fm.FACEMESH_RIGHT_EYE)
    assert _edges(topo.LEFT_EYE, True) == as_set(fm.FACEMESH_LEFT_EYE)
    lips = (_edges(topo.LIPS_OUTER_UPPER, False) | _edges(topo.LIPS_OUTER_LOWER, False)
            | _edges(topo.LIPS_INNER_UPPER, False) | _edges(topo.LIPS_INNER_LOWER, False))
    assert lips == as_set(fm.FACEMESH_LIPS)
    brow = _edges(topo.RIGHT_BROW[:5], False) | _edges(topo.RIGHT_BROW[5:][::-1], False)
    assert brow == as_set(fm.FACEMESH_RIGHT_EYEBROW)
    brow = _edges(topo.LEFT_BROW[:5], False) | _edges(topo.LEFT_BROW[5:][::-1], False)
    assert brow == as_set(fm.FACEMESH_LEFT_EYEBROW)
    nose_nodes = {n for e in fm.FACEMESH_NOSE for n in e}
    assert nose_nodes <= set(topo.NOSE)
