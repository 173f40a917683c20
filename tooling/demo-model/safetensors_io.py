"""A minimal safetensors writer (F32), so the script needs no `safetensors` package."""

import json
import struct


def write_safetensors(path, tensors, metadata=None):
    """Writes `{name: float32 torch tensor}` in the safetensors layout, names sorted, data 8-byte aligned."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        data = tensors[name].detach().to("cpu").float().contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for blob in blobs:
            f.write(blob)
