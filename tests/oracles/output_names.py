"""Output file names of the Python oracle runners, the same rule as `nnport run` and npy.mjs."""
import re


def output_file_names(names):
    """Characters other than [A-Za-z0-9._-] become '_', so does a leading '.', an empty name is
    '_', collisions get '_2', '_3', ... in order."""
    used = set()
    files = []
    for name in names:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", name or "_")
        if base.startswith("."):
            base = "_" + base[1:]
        candidate, i = base, 2
        while candidate in used:
            candidate, i = f"{base}_{i}", i + 1
        used.add(candidate)
        files.append(candidate + ".npy")
    return files
