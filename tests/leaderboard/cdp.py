"""A minimal Chrome DevTools Protocol client over aiohttp's websocket, for driving Debian's
headless Chromium in tests (real page load, real mouse events, screenshots)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path


def chromium_binary() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """``async with Browser() as b: page = await b.page()``."""

    def __init__(self, binary: str):
        self.binary = binary
        self.proc: subprocess.Popen | None = None
        self.profile = tempfile.mkdtemp(prefix="scalar-chromium-")

    async def __aenter__(self) -> Browser:
        import aiohttp

        self.proc = subprocess.Popen(
            [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             f"--user-data-dir={self.profile}", "--remote-debugging-port=0", "--window-size=1400,1000",
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ws_url = await asyncio.wait_for(asyncio.to_thread(self._devtools_url), timeout=60)
        self.port = int(re.search(r":(\d+)/", ws_url).group(1))
        self.http = aiohttp.ClientSession()
        return self

    def _devtools_url(self) -> str:
        assert self.proc and self.proc.stderr
        for line in self.proc.stderr:
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                return m.group(1)
        raise RuntimeError("chromium exited before opening the DevTools port")

    async def page(self) -> Page:
        async with self.http.get(f"http://127.0.0.1:{self.port}/json/list") as r:
            targets = await r.json()
        target = next(t for t in targets if t.get("type") == "page")
        ws = await self.http.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        return Page(ws)

    async def __aexit__(self, *exc) -> None:
        await self.http.close()
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, ws):
        self.ws = ws
        self._id = 0
        self.events: list[dict] = []

    async def send(self, method: str, **params) -> dict:
        self._id += 1
        my_id = self._id
        await self.ws.send_str(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads((await self.ws.receive()).data)
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    async def wait_event(self, method: str, timeout: float = 30) -> dict:
        async def _wait():
            for i, e in enumerate(self.events):
                if e.get("method") == method:
                    return self.events.pop(i)
            while True:
                msg = json.loads((await self.ws.receive()).data)
                if msg.get("method") == method:
                    return msg
                self.events.append(msg)
        return await asyncio.wait_for(_wait(), timeout)

    async def goto(self, url: str) -> None:
        await self.send("Page.enable")
        await self.send("Network.enable")
        await self.send("Page.navigate", url=url)
        await self.wait_event("Page.loadEventFired")

    async def eval(self, expression: str):
        r = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"page script failed: {r['exceptionDetails']}")
        return r["result"].get("value")

    async def click(self, selector: str) -> None:
        """A real mouse click (press + release) at the centre of the element."""
        box = await self.eval(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView();"
            " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            await self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    async def screenshot(self, path: Path) -> None:
        r = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(r["data"]))

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]
