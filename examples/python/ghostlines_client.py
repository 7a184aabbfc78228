"""ghostlines over HTTP from Python, with the standard library alone.

Frames are raw RGBA8 bytes (a canvas getImageData's layout), or, where
numpy is installed, uint8 arrays of shape (height, width, 4); grey planes
come back as bytes, or as (height, width) arrays when numpy is there.

    from ghostlines_client import Client
    client = Client("http://127.0.0.1:3000")
    grey = client.greyscale(frame, width=640, height=360)
    for report in client.motion_stream(frames, width=640, height=360, mode="sparse"):
        print(report["index"], len(report["vectors"]))
"""

import http.client
import json
import threading
import urllib.error
import urllib.parse
import urllib.request

try:
    import numpy
except ImportError:  # numpy is optional
    numpy = None


class GhostlinesError(Exception):
    """The server's error: `kind` ('length-mismatch', 'too-large', ...),
    its message, and the HTTP status or, for a stream, the frames done."""

    def __init__(self, kind, message, status=None, frames=None):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.status = status
        self.frames = frames


def _frame_bytes(frame, width, height):
    """(bytes, width, height) of a frame given as bytes or a numpy array."""
    if numpy is not None and isinstance(frame, numpy.ndarray):
        if frame.dtype != numpy.uint8 or frame.ndim != 3 or frame.shape[2] != 4:
            raise ValueError(f"a frame array must be uint8 of shape (height, width, 4), got {frame.dtype} {frame.shape}")
        height, width = frame.shape[:2]
        return numpy.ascontiguousarray(frame).tobytes(), width, height
    if width is None or height is None:
        raise ValueError("raw frames need width= and height=")
    return bytes(frame), width, height


class Client:
    """A ghostlines server (`ghostlines serve`, Spin, `wasmtime serve`)."""

    def __init__(self, base="http://127.0.0.1:3000", timeout=60):
        self.base = base.rstrip("/")
        self.timeout = timeout

    def _url(self, path, params):
        return f"{self.base}{path}?{urllib.parse.urlencode(params)}"

    def _post(self, path, body, params):
        request = urllib.request.Request(
            self._url(path, params),
            data=body,
            headers={"content-type": "application/octet-stream"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            error = json.loads(e.read())["error"]
            raise GhostlinesError(error["kind"], error["message"], status=e.code) from None

    def greyscale(self, frame, width=None, height=None, method="max-rgb"):
        """One grey byte a pixel: bytes, or a (height, width) array."""
        body, width, height = _frame_bytes(frame, width, height)
        grey = self._post("/greyscale", body, {"width": width, "height": height, "method": method})
        if numpy is not None and isinstance(frame, numpy.ndarray):
            return numpy.frombuffer(grey, dtype=numpy.uint8).reshape(height, width)
        return grey

    def centroid(self, frame, width=None, height=None):
        """The brightness centroid {'x', 'y'}, or None for a black frame."""
        body, width, height = _frame_bytes(frame, width, height)
        return json.loads(self._post("/centroid", body, {"width": width, "height": height}))["centroid"]

    def motion_stream(self, frames, width, height, **params):
        """Streams `frames` (an iterable) to /motion/stream in one request
        and yields each frame's report as its line arrives, while later
        frames are still being sent. `params` are the tracker parameters of
        /motion (mode, threshold, samples, ...)."""
        url = urllib.parse.urlsplit(self._url("/motion/stream", {"width": width, "height": height, **params}))
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=self.timeout)
        connection.putrequest("POST", f"{url.path}?{url.query}")
        connection.putheader("content-type", "application/octet-stream")
        connection.putheader("transfer-encoding", "chunked")
        connection.endheaders()
        failure = []

        def send():
            # The body goes from its own thread, a chunk a frame, so that
            # lines can be read here meanwhile.
            try:
                for frame in frames:
                    body, _, _ = _frame_bytes(frame, width, height)
                    connection.send(b"%x\r\n%s\r\n" % (len(body), body))
                connection.send(b"0\r\n\r\n")
            except OSError as e:  # the server ended the stream early
                failure.append(e)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        response = connection.getresponse()
        try:
            if response.status != 200:
                error = json.loads(response.read())["error"]
                raise GhostlinesError(error["kind"], error["message"], status=response.status)
            head = json.loads(response.readline())
            if head.get("version") != 1:
                raise GhostlinesError("unsupported-version", f"this client reads version 1, got {head}")
            for line in response:
                report = json.loads(line)
                if "error" in report:
                    error = report["error"]
                    raise GhostlinesError(error["kind"], error["message"], frames=error.get("frames"))
                yield report
        finally:
            response.close()
            connection.close()
            sender.join(timeout=self.timeout)
