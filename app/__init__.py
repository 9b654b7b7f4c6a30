"""Visage's Qt GUI. Everything that computes pixels lives in inference/ and runs on the worker."""
