"""A tiny Chrome DevTools Protocol client for Debian's headless chromium, over aiohttp's
websocket: start the browser, open a page, evaluate JavaScript in it, wait for a condition.

Enough for a test that looks at what a page really renders (its DOM after its scripts ran),
without a driver or a package beyond aiohttp. The browser's own port is chosen by itself
(--remote-debugging-port=0) and read back from DevToolsActivePort in its profile folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars")


class ChromiumMissing(RuntimeError):
    pass


class CdpError(RuntimeError):
    pass


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    def __init__(self, width: int = 1920, height: int = 1080) -> None:
        self.size = (width, height)
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []  # console messages and page errors, for failures
        self._process: asyncio.subprocess.Process | None = None
        self._profile: tempfile.TemporaryDirectory[str] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Chromium:
        binary = find_chromium()
        if binary is None:
            raise ChromiumMissing("chromium is not installed (scripts/test.sh installs it)")
        self._profile = tempfile.TemporaryDirectory(prefix="gongdan-chromium-",
                                                    ignore_cleanup_errors=True)
        profile = Path(self._profile.name)
        self._process = await asyncio.create_subprocess_exec(
            binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
            f"--window-size={self.size[0]},{self.size[1]}", "about:blank",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        url = await self._devtools_url(profile / "DevToolsActivePort")
        self._http = aiohttp.ClientSession()
        self._ws = await self._http.ws_connect(url, max_msg_size=0)
        self._reader = asyncio.create_task(self._read(), name="cdp-reader")
        return self

    async def _devtools_url(self, port_file: Path, timeout: float = 20.0) -> str:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            assert self._process is not None
            if self._process.returncode is not None:
                raise ChromiumMissing(f"chromium exited at start ({self._process.returncode})")
            with contextlib.suppress(FileNotFoundError, ValueError):
                port, path = port_file.read_text().split("\n")[:2]
                if port and path:
                    return f"ws://127.0.0.1:{int(port)}{path}"
            await asyncio.sleep(0.05)
        raise ChromiumMissing("chromium did not open its DevTools port")

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            try:
                await asyncio.wait_for(self._process.wait(), 10)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
        if self._profile is not None:
            await self._remove_profile(Path(self._profile.name))

    async def _remove_profile(self, profile: Path) -> None:
        """Chromium's helper processes outlive the browser for a moment and may still write
        into the profile: try again a few times, then leave what is left to the OS's /tmp."""
        for _ in range(20):
            shutil.rmtree(profile, ignore_errors=True)
            if not profile.exists():
                return
            await asyncio.sleep(0.1)

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            waiting = self._waiting.pop(data.get("id", -1), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(data)
            elif data.get("method") in ("Runtime.consoleAPICalled", "Runtime.exceptionThrown",
                                        "Log.entryAdded"):
                self.events.append(data)
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(CdpError("the browser closed the connection"))

    async def send(self, method: str, params: dict[str, Any] | None = None,
                   session: str | None = None, timeout: float = 15.0) -> dict[str, Any]:
        assert self._ws is not None
        message_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = future
        payload: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session:
            payload["sessionId"] = session
        await self._ws.send_str(json.dumps(payload))
        reply = await asyncio.wait_for(future, timeout)
        if "error" in reply:
            raise CdpError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def open(self, url: str) -> Page:
        target = await self.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.send("Target.attachToTarget",
                                   {"targetId": target["targetId"], "flatten": True})
        page = Page(self, attached["sessionId"])
        for domain in ("Page", "Runtime", "Log"):
            await page.send(f"{domain}.enable")
        await page.send("Emulation.setDeviceMetricsOverride", {
            "width": self.size[0], "height": self.size[1], "deviceScaleFactor": 1,
            "mobile": False})
        await page.send("Page.navigate", {"url": url})
        return page

    def console(self) -> list[str]:
        """What the pages logged and threw (for an assertion message)."""
        lines = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                lines.append(json.dumps(params.get("exceptionDetails", {}))[:500])
            elif event["method"] == "Log.entryAdded":
                lines.append(params.get("entry", {}).get("text", ""))
            else:
                lines.append(" ".join(str(a.get("value", a.get("description", "")))
                                      for a in params.get("args", [])))
        return lines


class Page:
    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.browser.send(method, params, session=self.session)

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-able values only)."""
        result = await self.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise CdpError(f"{expression!r}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, timeout: float = 10.0,
                       interval: float = 0.1) -> Any:
        """Poll until the expression is truthy; its value. TimeoutError with the page's log."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last: Any = None
        while loop.time() < deadline:
            with contextlib.suppress(CdpError):
                last = await self.evaluate(expression)
                if last:
                    return last
            await asyncio.sleep(interval)
        raise TimeoutError(f"{expression!r} stayed {last!r} for {timeout} s; page log: "
                           f"{self.browser.console()}")

    async def screenshot(self, path: Path) -> None:
        import base64

        shot = await self.send("Page.captureScreenshot", {"format": "png"})
        path.write_bytes(base64.b64decode(shot["data"]))
