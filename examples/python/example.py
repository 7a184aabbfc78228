"""ghostlines over HTTP from Python: raw RGBA frames on standard input
(ffmpeg's `-f rawvideo -pix_fmt rgba -` gives them), the first frame's
greyscale checksum, then one JSON line a frame from /motion/stream.

    ffmpeg -i clip.mp4 -f rawvideo -pix_fmt rgba - \\
      | python3 examples/python/example.py http://127.0.0.1:3000 640x360 sparse
"""

import json
import sys

from ghostlines_client import Client, numpy


def frames(stream, size):
    while True:
        frame = stream.read(size)
        if len(frame) < size:
            return
        yield frame


def main():
    base, size, mode = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sketch"
    width, height = (int(side) for side in size.split("x"))
    source = frames(sys.stdin.buffer, width * height * 4)
    first = next(source)
    client = Client(base)
    if numpy is not None:
        grey = client.greyscale(numpy.frombuffer(first, numpy.uint8).reshape(height, width, 4))
        print(json.dumps({"numpy": True, "grey_shape": list(grey.shape), "grey_sum": int(grey.sum(dtype=numpy.uint64))}))
    else:
        grey = client.greyscale(first, width=width, height=height)
        print(json.dumps({"numpy": False, "grey_shape": [height, width], "grey_sum": sum(grey)}))

    def everything():
        yield first
        yield from source

    for report in client.motion_stream(everything(), width, height, mode=mode):
        print(json.dumps(report, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
