"""One dock widget per edit (and the parsing legend)."""
