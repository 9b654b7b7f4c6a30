"""Visage's inference: faces, parsing, edits and their native ops. No Qt here."""
import os

# OpenMP threads (torch's and csrc/'s) spin after each parallel region and OpenCV's pool spins
# too; on 2 cores they stole each other's CPU and made small jobs (the head-turn preview) 2x
# slower at random. A short spin keeps both pools quick. Must be set before torch loads
# libgomp: entry points import this package first. A user's own setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")
