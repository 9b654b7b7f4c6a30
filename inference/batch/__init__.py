"""Batch: a recipe (the edits of one photo, as JSON) applied to every photo of a folder, on
local worker processes or on a Dask distributed cluster.

``recipe`` reads and checks a recipe against the edits' own PARAMS; ``run_one`` applies it to
one photo exactly as the single commands do; ``folder`` finds the photos and what is done
already; ``local`` and ``dask_runner`` run them; ``cli`` is the ``batch`` command.
"""
