"""Headless Chromium driven over the DevTools protocol on a pipe
(--remote-debugging-pipe: NUL-separated JSON on fds 3 and 4), with the
standard library only: open a page, read its DOM with JavaScript, collect
console errors, exceptions and network requests, take a screenshot.  And a
PNG decoder (zlib) to tell a blank screenshot from a drawn one."""
import base64
import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import tempfile
import time
import zlib


class BrowserUnavailable(Exception):
    """Chromium is not installed, or cannot start here."""


class Chromium:
    def __init__(self, width=1280, height=1400, timeout=60):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if not exe:
            raise BrowserUnavailable("chromium is not installed (Debian's chromium package; `make deps` installs it)")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="tpmrun-chromium-")
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # above 4, so that placing them at 3 and 4 in the child cannot clobber one another
        hi_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        hi_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def in_child():
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        argv = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                f"--user-data-dir={self.profile}", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--hide-scrollbars", "--mute-audio",
                f"--window-size={width},{height}", "about:blank"]
        self.log = open(os.path.join(self.profile, "stderr.log"), "wb")
        try:
            self.proc = subprocess.Popen(argv, pass_fds=(3, 4), preexec_fn=in_child, stdin=subprocess.DEVNULL,
                                         stdout=self.log, stderr=self.log)
        finally:
            os.close(hi_r)
            os.close(hi_w)
        self.wfd, self.rfd = to_chrome_w, from_chrome_r
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None
        try:
            self.call("Browser.getVersion")
        except Exception as e:
            tail = self._stderr_tail()
            self.close()
            raise BrowserUnavailable(f"chromium did not start: {e}; its stderr ends: {tail}") from e

    def _stderr_tail(self):
        try:
            with open(os.path.join(self.profile, "stderr.log"), "rb") as f:
                return f.read()[-600:].decode(errors="replace")
        except OSError:
            return ""

    # ---- the protocol --------------------------------------------------------
    def _send(self, method, params, session):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.wfd, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def _pump(self, deadline):
        """Reads what is there; False when nothing came before the deadline."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([self.rfd], [], [], left)
        if not ready:
            return False
        chunk = os.read(self.rfd, 1 << 20)
        if not chunk:
            raise EOFError("chromium closed the pipe")
        self.buf += chunk
        return True

    def _messages(self):
        while b"\0" in self.buf:
            raw, self.buf = self.buf.split(b"\0", 1)
            yield json.loads(raw)

    def call(self, method, params=None, session=None):
        want = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            for m in self._messages():
                if m.get("id") == want:
                    if "error" in m:
                        raise RuntimeError(f"{method}: {m['error']}")
                    return m.get("result", {})
                self.events.append(m)
            if not self._pump(deadline):
                raise TimeoutError(f"{method}: no answer in {self.timeout} s")

    def wait_event(self, method, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for m in self._messages():
                self.events.append(m)
            for m in self.events:
                if m.get("method") == method and m.get("sessionId") == self.session:
                    return m
            if not self._pump(deadline):
                raise TimeoutError(f"no {method} in time")

    # ---- a page ----------------------------------------------------------------
    def open(self, path):
        """Opens a local file in a new tab and waits for its load event."""
        if self.session:
            self.call("Target.closeTarget", {"targetId": self.target})
        self.events = []
        self.target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": self.target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable", session=self.session)
        self.call("Page.navigate", {"url": "file://" + os.path.abspath(path)}, session=self.session)
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                      session=self.session)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def errors(self):
        """Console errors, uncaught exceptions and error log entries of the page."""
        out = []
        for m in self.events:
            if m.get("sessionId") != self.session:
                continue
            p = m.get("params", {})
            if m.get("method") == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("text", "exception"))
            elif m.get("method") == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif m.get("method") == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append(p["entry"].get("text", ""))
        return out

    def requests(self):
        return [m["params"]["request"]["url"] for m in self.events
                if m.get("method") == "Network.requestWillBeSent" and m.get("sessionId") == self.session]

    def screenshot(self):
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=self.session)["data"]
        return base64.b64decode(data)

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self._send("Browser.close", None, None)
                    self.proc.wait(10)
                except (OSError, subprocess.TimeoutExpired):
                    self.proc.kill()
                    self.proc.wait()
        finally:
            for fd in (self.wfd, self.rfd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)


# ---- PNG ----------------------------------------------------------------------
def png_pixels(data):
    """(width, height, channels, rows): the decoded 8-bit RGB or RGBA rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6), f"unexpected PNG format: depth {depth}, colour type {color}"
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ftype == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b, c = prev[i], (prev[i - channels] if i >= channels else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def pixel_variety(data, step=4):
    """(distinct colours, share of pixels not the most common colour) over
    every step-th pixel of every step-th row."""
    width, height, channels, rows = png_pixels(data)
    counts = {}
    for y in range(0, height, step):
        row = rows[y]
        for x in range(0, width, step):
            px = row[x * channels:x * channels + 3]
            counts[px] = counts.get(px, 0) + 1
    total = sum(counts.values())
    return len(counts), 1 - max(counts.values()) / total
