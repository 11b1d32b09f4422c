#!/usr/bin/env python3
"""Copies the C2SP CCTV age vectors into a directory, inflating the zlib ones.

zlib is not a dependency of driftward; only this test helper needs it (Python's
standard library has it). Each output file keeps the vector's text header
(minus the "compressed" line) and the age file, uncompressed, after the blank line.
usage: test_age_vectors.py SRC_DIR DST_DIR
"""
import os
import sys
import zlib


def main():
    src, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        with open(os.path.join(src, name), "rb") as f:
            data = f.read()
        head, body = data.split(b"\n\n", 1)
        lines = head.split(b"\n")
        if b"compressed: zlib" in lines:
            body = zlib.decompress(body)
            lines.remove(b"compressed: zlib")
        tmp = os.path.join(dst, name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(b"\n".join(lines) + b"\n\n" + body)
        os.replace(tmp, os.path.join(dst, name))


if __name__ == "__main__":
    main()
