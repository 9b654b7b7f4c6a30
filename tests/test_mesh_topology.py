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


def test_mirror_is_an_involution_that_swaps_the_sides():
    from mediapipe.python.solutions import face_mesh_connections as fm
    m = topo.MIRROR
    assert len(m) == 468 and sorted(m) == list(range(468))
    assert all(m[m[v]] == v for v in range(468))
    assert all(m[a] == b for a, b in topo.SYMMETRIC_PAIRS)
    for right, left in ((fm.FACEMESH_RIGHT_EYE, fm.FACEMESH_LEFT_EYE),
                        (fm.FACEMESH_RIGHT_EYEBROW, fm.FACEMESH_LEFT_EYEBROW)):
        assert {frozenset((m[a], m[b])) for a, b in right} == {frozenset(e) for e in left}
    for a, b in fm.FACEMESH_FACE_OVAL | fm.FACEMESH_LIPS:      # symmetric sets map onto themselves
        assert frozenset((m[a], m[b])) in {frozenset(e) for e in fm.FACEMESH_FACE_OVAL | fm.FACEMESH_LIPS}
    assert m[topo.NOSE_TIP] == topo.NOSE_TIP and m[topo.CHIN] == topo.CHIN
