"""ghostlines over HTTP from Python, with the standard library alone.

Frames are raw RGBA8 bytes (a canvas getImageData's layout), or, where
numpy is installed, uint8 arrays of shape (height, width, 4); grey planes
come back as bytes, or as (height, width) arrays when numpy is there.

    from ghostlines_client import Client
    client = Client("http://127.0.0.1:3000")
    grey = client.greyscale(frame, width=640, height=360)
    for report in client.motion_stream(frames, width=640, height=360, mode="sparse"):
        print(report["index"], len(report["vectors"]))

One method a route: `index` (GET /), `greyscale`, `adjust`, `centroid`,
`edges`, `motion`, `render` and `motion_stream`. Parameters beyond the
size go as keyword arguments, under the route's own names
(`mode="sparse"`, `stroke_width=2`).
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


def _is_array(frame):
    return numpy is not None and isinstance(frame, numpy.ndarray)


def _frame_bytes(frame, width, height):
    """(bytes, width, height) of a frame given as bytes or a numpy array."""
    if _is_array(frame):
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
        # Python's True is the query's true.
        params = {k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()}
        return f"{self.base}{path}?{urllib.parse.urlencode(params)}"

    def _request(self, path, body=None, params=(), accept=None):
        headers = {"content-type": "application/octet-stream"} if body is not None else {}
        if accept:
            headers["accept"] = accept
        request = urllib.request.Request(
            self._url(path, dict(params)),
            data=body,
            headers=headers,
            method="GET" if body is None else "POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            error = json.loads(e.read())["error"]
            raise GhostlinesError(error["kind"], error["message"], status=e.code) from None

    def _pair(self, previous, current, width, height):
        """The body of a pair route, and its size."""
        first, width, height = _frame_bytes(previous, width, height)
        second, w, h = _frame_bytes(current, width, height)
        if (w, h) != (width, height):
            raise ValueError(f"the frames differ in size: {width}x{height} and {w}x{h}")
        return first + second, width, height

    def index(self):
        """GET /: the routes, their parameters, the limits, the version."""
        return json.loads(self._request("/"))

    def greyscale(self, frame, width=None, height=None, method="max-rgb"):
        """One grey byte a pixel: bytes, or a (height, width) array."""
        body, width, height = _frame_bytes(frame, width, height)
        grey = self._request("/greyscale", body, {"width": width, "height": height, "method": method})
        if _is_array(frame):
            return numpy.frombuffer(grey, dtype=numpy.uint8).reshape(height, width)
        return grey

    def adjust(self, frame, contrast, brightness, width=None, height=None):
        """Contrast (-100..=100) and brightness (-255..=255) on the frame's
        R, G and B: RGBA bytes, or a (height, width, 4) array."""
        body, width, height = _frame_bytes(frame, width, height)
        params = {"width": width, "height": height, "contrast": contrast, "brightness": brightness}
        adjusted = self._request("/adjust", body, params)
        if _is_array(frame):
            return numpy.frombuffer(adjusted, dtype=numpy.uint8).reshape(height, width, 4)
        return adjusted

    def centroid(self, frame, width=None, height=None, method="max-rgb"):
        """The brightness centroid {'x', 'y'}, or None for a black frame."""
        body, width, height = _frame_bytes(frame, width, height)
        params = {"width": width, "height": height, "method": method}
        return json.loads(self._request("/centroid", body, params))

    def edges(self, frame, width=None, height=None, **params):
        """Canny edges as polylines: the edges JSON, a dict with
        'polylines' (lists of [x, y]) and 'gradients'. `params`: sigma, low,
        high, tolerance, min_length, straight_only, gradient_step, operator,
        method."""
        body, width, height = _frame_bytes(frame, width, height)
        return json.loads(self._request("/edges", body, {"width": width, "height": height, **params}))

    def motion(self, previous, current, width=None, height=None, **params):
        """The tracker over a frame pair: the second frame's report, a
        dict with 'centroid', 'centroid_motion' and 'vectors'. `params`:
        the tracker parameters of /motion (mode, threshold, samples, ...)."""
        body, width, height = self._pair(previous, current, width, height)
        return json.loads(self._request("/motion", body, {"width": width, "height": height, **params}))

    def render(self, previous, current, width=None, height=None, **params):
        """The pair tracked and the second frame drawn: RGBA bytes, or a
        (height, width, 4) array. `params`: those of /motion and the
        painter's (colour, stroke_width, scale, background, ...)."""
        body, width, height = self._pair(previous, current, width, height)
        drawn = self._request(
            "/render", body, {"width": width, "height": height, **params}, accept="application/octet-stream"
        )
        if _is_array(current):
            return numpy.frombuffer(drawn, dtype=numpy.uint8).reshape(height, width, 4)
        return drawn

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
