"""MXNet's NDArray list file (the `.params` of a checkpoint), written and read here without
nnport so that tests can build inputs for nnport and check what nnport wrote independently.

Layout (MXNet 1.x, the "V2" array form), little-endian:
  uint64 0x112 (list magic), uint64 0 (reserved), uint64 count,
  count x [uint32 0xF993FAC9, int32 storage type 0 (dense), int32 ndim, ndim x int64 dims,
           int32 device type, int32 device id, int32 dtype flag, raw data],
  uint64 count, count x [uint64 length, name bytes]   -- "arg:NAME" / "aux:NAME"
"""
import struct

import numpy as np

LIST_MAGIC = 0x112
ARRAY_V2_MAGIC = 0xF993FAC9
DTYPES = {0: "<f4", 1: "<f8", 2: "<f2", 3: "u1", 4: "<i4", 5: "i1", 6: "<i8"}


def write_params(path, arrays):
    """arrays: [(name, numpy array)], written as float32 on cpu(0)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<QQQ", LIST_MAGIC, 0, len(arrays)))
        for _, a in arrays:
            f.write(struct.pack("<Iii", ARRAY_V2_MAGIC, 0, a.ndim))
            f.write(struct.pack(f"<{a.ndim}q", *a.shape))
            f.write(struct.pack("<iii", 1, 0, 0))
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
        f.write(struct.pack("<Q", len(arrays)))
        for name, _ in arrays:
            f.write(struct.pack("<Q", len(name)) + name.encode())


def read_params(path):
    """Returns [(name, numpy array)] in file order; asserts the V2 dense layout."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        values = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return values

    magic, _, count = take("<QQQ")
    assert magic == LIST_MAGIC, f"{path}: list magic {magic:#x}"
    arrays = []
    for _ in range(count):
        array_magic, storage, ndim = take("<Iii")
        assert array_magic == ARRAY_V2_MAGIC and storage == 0, f"{path}: array header"
        dims = take(f"<{ndim}q")
        _, _, flag = take("<iii")
        dtype = np.dtype(DTYPES[flag])
        size = int(np.prod(dims)) * dtype.itemsize
        arrays.append(np.frombuffer(data, dtype, count=size // dtype.itemsize,
                                    offset=pos).reshape(dims))
        pos += size
    (name_count,) = take("<Q")
    assert name_count == count, f"{path}: {count} arrays, {name_count} names"
    names = []
    for _ in range(count):
        (length,) = take("<Q")
        names.append(data[pos:pos + length].decode())
        pos += length
    assert pos == len(data), f"{path}: {len(data) - pos} trailing bytes"
    return list(zip(names, arrays))
