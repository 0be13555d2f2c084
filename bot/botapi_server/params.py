"""Request parameters as PTB sends them: form fields (JSON-encoded where nested),
multipart with uploaded files (possibly referenced as ``attach://name``), or a JSON body."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import ApiError, bad_request


@dataclass
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None):
        self.values = values
        self.uploads = uploads or {}

    def __contains__(self, key: str) -> bool:
        return self.values.get(key) is not None or key in self.uploads

    def raw(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    def str(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.values.get(key)
        if value is None:
            if required:
                raise bad_request(f"{key} is empty" if key == "text" else f"parameter \"{key}\" is required")
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def int(self, key: str, default: int | None = None, *, required: bool = False) -> int | None:
        value = self.values.get(key)
        if value is None or value == "":
            if required:
                raise bad_request(f"parameter \"{key}\" is required")
            return default
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            try:
                return int(float(value))
            except (TypeError, ValueError):
                raise bad_request(f"invalid {key} specified") from None

    def float(self, key: str, default: float | None = None) -> float | None:
        value = self.values.get(key)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {key} specified") from None

    def bool(self, key: str, default: bool = False) -> bool:
        value = self.values.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def json(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        if value is None:
            return default
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {key} JSON object") from None
        return value

    def chat_id(self, key: str = "chat_id", *, required: bool = True) -> int | str | None:
        value = self.values.get(key)
        if value is None or value == "":
            if required:
                raise bad_request("chat_id is empty")
            return None
        if isinstance(value, int):
            return value
        text = str(value).strip()
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            raise bad_request("chat not found") from None

    def input_file(self, key: str) -> Upload | str | None:
        """An uploaded file (direct part or ``attach://`` reference) or a file_id/URL string."""
        if key in self.uploads:
            return self.uploads[key]
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, str) and value.startswith("attach://"):
            name = value[len("attach://"):]
            if name not in self.uploads:
                raise bad_request(f"can't find attached file \"{name}\"")
            return self.uploads[name]
        return str(value)

    def loggable(self) -> dict[str, Any]:
        out = dict(self.values)
        for name, up in self.uploads.items():
            out[name] = f"<file {up.filename or ''} {len(up.data)} bytes>"
        return out


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if isinstance(body, dict):
                values.update(body)
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = Upload(value.file.read(), value.filename, value.content_type)
                else:
                    values[key] = value if isinstance(value, str) else bytes(value).decode()
    return Params(values, uploads)
