# Regenerates the archive fixtures (run from anywhere):
#     /work/venv/bin/python Tests/MHAFormatsTests/Fixtures/archives/make_archives.py
# numpy's np.savez / np.savez_compressed, safetensors' save_file, and hostile archives built
# by hand. Each valid archive's arrays are also written widened to float64 as
# expected/<archive>/<name>.npy (numpy's own conversion, the independent reference), and the
# listing the safetensors package reports is stored as <file>.listing.json.
import json, os, struct, zipfile, zlib
import numpy as np
import torch
from safetensors.numpy import save_file
from safetensors import safe_open

here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
rng = np.random.default_rng(14)

def expected(archive, arrays):
    folder = os.path.join("expected", archive)
    os.makedirs(folder, exist_ok=True)
    for name, value in arrays.items():
        np.save(os.path.join(folder, name + ".npy"), np.asarray(value, dtype=np.float64))

# --- npz -------------------------------------------------------------------------------
npz_arrays = {
    "wq": rng.standard_normal((3, 4)),
    "row": rng.standard_normal(5).astype(np.float32),
    "half": rng.standard_normal((2, 3)).astype(np.float16),
    "half_be": rng.standard_normal((2, 2)).astype(">f2"),
    "ints": rng.integers(-1000, 1000, size=(2, 3)),
    "fortran": np.asfortranarray(rng.standard_normal((3, 2))),
    "big": rng.standard_normal((40, 30)),
}
np.savez("savez.npz", **npz_arrays)
np.savez_compressed("savez_compressed.npz", **npz_arrays)
expected("npz", npz_arrays)
np.savez("bundle.npz", x=rng.standard_normal((3, 4)), wq=np.eye(4), wk=np.eye(4), wv=np.eye(4), wo=np.eye(4))

# --- npy float16 -----------------------------------------------------------------------
specials = np.array([[0.0, -0.0, 6.0e-8, 6.1e-5], [65504.0, -65504.0, 1.0 / 3.0, 0.1]], dtype="<f2")
np.save("f2_le.npy", specials)
np.save("f2_be.npy", specials.astype(">f2"))
expected("f2", {"specials": specials})

# --- safetensors -----------------------------------------------------------------------
st = {
    "f64": rng.standard_normal((2, 3)),
    "f32": rng.standard_normal((3, 2)).astype(np.float32),
    "f16": rng.standard_normal((2, 2)).astype(np.float16),
    "i64": rng.integers(-(2**40), 2**40, size=(1, 3)),
    "i32": rng.integers(-(2**31), 2**31 - 1, size=(3,)).astype(np.int32),
    "i16": rng.integers(-300, 300, size=(2, 2)).astype(np.int16),
    "i8": rng.integers(-128, 127, size=(2,)).astype(np.int8),
    "u64": rng.integers(0, 2**50, size=(2,)).astype(np.uint64),
    "u32": rng.integers(0, 2**32 - 1, size=(2,)).astype(np.uint32),
    "u16": rng.integers(0, 60000, size=(2,)).astype(np.uint16),
    "u8": rng.integers(0, 255, size=(2, 2)).astype(np.uint8),
    "bool": np.array([[True, False], [False, True]]),
    "three_d": rng.standard_normal((2, 2, 2)).astype(np.float32),
}
save_file(st, "dtypes.safetensors", metadata={"format": "np"})
expected("safetensors", {k: v for k, v in st.items() if k != "three_d"})
# bfloat16 through torch (numpy has no bfloat16)
from safetensors.torch import save_file as save_torch
bf = torch.randn(3, 4, dtype=torch.float64).to(torch.bfloat16)
save_torch({"bf16": bf}, "bf16.safetensors")
expected("bf16", {"bf16": bf.to(torch.float64).numpy()})

def listing(path):
    with safe_open(path, framework="pt") as f:
        rows = []
        for name in f.keys():
            s = f.get_slice(name)
            rows.append({"name": name, "dtype": s.get_dtype(), "shape": list(s.get_shape())})
    rows.sort(key=lambda r: r["name"])
    with open(path + ".listing.json", "w") as out:
        json.dump(rows, out, indent=1)
listing("dtypes.safetensors")
listing("bf16.safetensors")

# --- hostile safetensors --------------------------------------------------------------
os.makedirs("hostile", exist_ok=True)
def st_file(name, header, data=b"", length=None):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    with open(os.path.join("hostile", name), "wb") as out:
        out.write(struct.pack("<Q", len(text) if length is None else length) + text + data)
entry = lambda offsets, dtype="F64", shape=(2,): {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}
st_file("header_past_end.safetensors", {"a": entry([0, 16])}, b"\0" * 16, length=10_000)
st_file("truncated_json.safetensors", b'{"a": {"dtype": "F64", "shape": [2], "data_', b"")
st_file("array_header.safetensors", b'[1, 2, 3]', b"")
st_file("offsets_past_end.safetensors", {"a": entry([0, 16])}, b"\0" * 8)
st_file("overlapping.safetensors", {"a": entry([0, 16]), "b": entry([8, 24])}, b"\0" * 24)
st_file("unordered.safetensors", {"a": entry([16, 0])}, b"\0" * 16)
st_file("unknown_dtype.safetensors", {"a": entry([0, 16], dtype="F128")}, b"\0" * 16)
st_file("huge_header.safetensors", b"{", b"", length=200_000_000)

# --- hostile npz ----------------------------------------------------------------------
import io
def npy_bytes(array):
    buffer = io.BytesIO(); np.save(buffer, array); return buffer.getvalue()
def zip_with(name, members, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(os.path.join("hostile", name), "w", method) as z:
        for member, data in members: z.writestr(member, data)
zip_with("not_npy_member.npz", [("a.npy", npy_bytes(np.eye(2))), ("readme.txt", b"hello")])
zip_with("not_npy_content.npz", [("a.npy", b"this is not an npy file at all")])
zip_with("traversal.npz", [("../../etc/evil.npy", npy_bytes(np.eye(2)))])
# central directory that lies: the member's local header offset points past the file
zip_with("lying_directory.npz", [("a.npy", npy_bytes(np.eye(2)))])
path = os.path.join("hostile", "lying_directory.npz")
raw = bytearray(open(path, "rb").read())
cd = raw.rfind(b"PK\x01\x02")
raw[cd + 42: cd + 46] = struct.pack("<I", 0x7FFF0000)
open(path, "wb").write(raw)
# zip bomb: the .npy header declares 10 float64 values (208 bytes in all); the deflated
# stream holds 20 MB more, and the directory's sizes agree with the header.
header = npy_bytes(np.zeros(10))
payload = header + b"\0" * 20_000_000
compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
deflated = compressor.compress(payload) + compressor.flush()
info = zipfile.ZipInfo("a.npy"); info.compress_type = zipfile.ZIP_DEFLATED
with zipfile.ZipFile(os.path.join("hostile", "bomb.npz"), "w") as z:
    z.writestr(info, payload)
path = os.path.join("hostile", "bomb.npz")
raw = bytearray(open(path, "rb").read())
cd = raw.rfind(b"PK\x01\x02")
raw[cd + 24: cd + 28] = struct.pack("<I", len(header))  # uncompressed size = what the header declares
raw[cd + 16: cd + 20] = struct.pack("<I", zlib.crc32(header))
open(path, "wb").write(raw)
print("ok")
