"""The head's frame and how it turns: its axes and pivot, the axis a turn is about, the
rotation of 3D points, and the turn of a head whose relief is deepened (relief_frame)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.landmarks import head_axes

PIVOT_DEPTH = 0.5        # the neck's axis (about the ears' depth) behind the face's mean, x face width
# mediapipe's mesh is about as deep as a face, yet a head turned with that depth reads as turned
# by only ~0.65 of the angle when the result is analysed again (our pose estimate reads real
# turned faces right). The head's relief is deepened instead, the pivot kept at a real head's
# neck: 1.5 read the most turns within 5° of the ask on bench/rotate.py's photos, and no other
# gain suits all photos better (docs/head-turn.md, "How the constants were chosen").
DEPTH_GAIN = 1.5


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    a = axis / np.linalg.norm(axis)
    K = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * K @ K


def deepened(mesh: np.ndarray) -> np.ndarray:
    """The mesh with its depth scaled by DEPTH_GAIN about its mean depth: the depth the head's
    surface is built in (outline, slope limit, blur); relief_frame turns it as a head deepened
    along its own axis."""
    m = np.asarray(mesh, np.float64)[:468].copy()
    m[:, 2] = (m[:, 2] - m[:, 2].mean()) * DEPTH_GAIN + m[:, 2].mean()
    return m


def flattened(src: np.ndarray) -> np.ndarray:
    """A mesh deepened along the view (``deepened``) with its depth back to the mesh's own."""
    flat = np.array(src, np.float64)
    centre = flat.mean(0)
    flat[:, 2] = centre[2] + (flat[:, 2] - centre[2]) / DEPTH_GAIN
    return flat


def head_frame(mesh: np.ndarray, face_width: float) -> tuple[np.ndarray, np.ndarray]:
    """(axes R (columns x, y, z of the head), pivot): the rotation centre sits behind the
    face on its own depth axis."""
    m = np.asarray(mesh, np.float64)[:468]
    R = head_axes(m)
    return R, m.mean(0) + R[:, 2] * PIVOT_DEPTH * face_width


def turn_axis(R: np.ndarray) -> np.ndarray:
    """The axis a turn is about: the image's vertical, tilted by the head's roll (in the image
    plane), not the head's own vertical axis. The `faces` pose is roll x yaw x pitch (Euler
    angles, roll outermost): turning about this axis changes its yaw by exactly the angle and
    keeps its roll and Euler pitch (head_pose's pitch reading drifts a few degrees), where
    turning about the head's own axis of a face looking down or up changes the yaw read by less
    (by ~cos(pitch))."""
    a = np.array([-R[1, 0], R[0, 0], 0.0])
    return a / np.linalg.norm(a)


def turn(points: np.ndarray, R: np.ndarray, pivot: np.ndarray, yaw: float) -> np.ndarray:
    """3D points turned by ``yaw`` degrees about the turn's axis (turn_axis) through the pivot."""
    return (points - pivot) @ _rotation(turn_axis(R), np.radians(yaw)).T + pivot


def rotated_mesh(mesh: np.ndarray, yaw: float, face_width: float) -> np.ndarray:
    """The 468-vertex mesh turned by ``yaw`` degrees (the sign of the `faces` pose: positive
    turns the face towards the image's left)."""
    R, pivot = head_frame(mesh, face_width)
    return turn(np.asarray(mesh, np.float64)[:468], R, pivot, yaw)


@dataclass
class TurnFrame:
    """A turn of the head with its relief deepened DEPTH_GAIN times along its own depth axis
    (relief_frame): each point's motion is that of its deepened twin, which shares its depth
    along the head's depth axis but not its place in the photo."""
    centre: np.ndarray        # (3,) the mesh's mean
    relief: np.ndarray        # (3, 3): a point's twin is centre + relief @ (point - centre)
    axes: np.ndarray          # head axes (turn_axis)
    pivot: np.ndarray

    def turn(self, points: np.ndarray, yaw: float) -> np.ndarray:
        """(n, 3): where points of the surface (x, y in the map, depth deepened about the
        centre along the view, as ``deepened`` gives it) go, and their depth after the turn."""
        twin = self.centre + (points - self.centre) @ self.relief.T
        turned = turn(twin, self.axes, self.pivot, yaw)
        moved = points + (turned - twin)
        moved[:, 2] = turned[:, 2]
        return moved


def relief_frame(src: np.ndarray, face_width: float) -> TurnFrame:
    """The turn of a head whose mesh ``src`` is deepened along the view (``deepened``): the
    relief is deepened along the head's own depth axis instead and the pivot lies on that axis.
    The axis is made level (its tilt along the turn's axis, the head looking up or down, left
    out): tilted, a face looking at the camera had its forehead and chin deepened unevenly,
    turned by different amounts, and read differently. Along the view, a face turned by yaw0
    became one turned by atan(DEPTH_GAIN tan yaw0) and wider across by cos^2 yaw0 + DEPTH_GAIN
    sin^2 yaw0 once turned back to the camera (x 1.06 at 20°, x 1.12 at 30°): turning a turned
    face back widened the side brought round, stretched its mouth and read short of the ask.
    For a face looking at the camera the two are the same."""
    R = head_axes(src)
    centre = src.mean(0)
    r = head_axes(flattened(src))[:, 2]
    a = turn_axis(R)
    r = r - a * (r @ a)
    r /= np.linalg.norm(r)
    relief = (np.eye(3) + (DEPTH_GAIN - 1) * np.outer(r, r)) @ np.diag([1.0, 1.0, 1.0 / DEPTH_GAIN])
    return TurnFrame(centre, relief, R, centre + r * PIVOT_DEPTH * face_width)
