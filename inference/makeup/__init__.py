"""Makeup, shared by the hand-applied products (lips, eyeshadow, blush, eyeliner, lashes) and
makeup transfer: where each product goes on a face (:mod:`regions`, from the parsing and the
mesh) and how a colour layer is laid over the skin keeping its lightness detail
(:mod:`layers`, in Lab)."""
