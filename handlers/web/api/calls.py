"""What every API route goes through: the token, the language, the body, the errors.

A route is `async def route(call: Call) -> web.Response`, wrapped by `endpoint`, which:
- answers 401 before anything is read when the bearer token is missing, wrong, expired or
  revoked (an API token: domain/access_tokens.py, purpose "api");
- picks the language of the messages from Accept-Language (zh or en; else the factory's);
- turns a refusal into `{"error": {"code", "message", "field", "details"}}`: a bad parameter
  of the URL is 400, a refused rule 422, a missing row 404, a row taken 409 (STATUS);
  a write runs in one transaction, so a refusal leaves nothing behind.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import web
from jsonschema import Draft202012Validator
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import access_tokens, clock
from domain.db import lost_to_another_writer
from domain.erp.upsert import Problem, Rejected
from domain.errors import DomainError
from domain.models import AccessToken
from domain.quantities import ConcurrentChange
from handlers.web.api import openapi
from handlers.web.services import WebServices

log = logging.getLogger(__name__)

T = TypeVar("T")
LANGUAGES = ("zh", "en")
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
WRITE_TRIES = 3
# Refusals that are not "422: a rule said no": a bad parameter of the URL, a missing or
# conflicting row.
STATUS = {**dict.fromkeys(("api.bad_time", "api.bad_date", "api.empty_window",
                           "api.period_too_long", "api.bad_limit", "api.bad_cursor",
                           "api.bad_choice", "api.bad_external_id"), 400),
          "api.not_found": 404, "webhook.unknown": 404, "api.order_no_taken": 409,
          "api.external_id_taken": 409, "api.line_taken": 409, "api.conflict": 409}
CODES = {400: "bad_request", 401: "unauthorized", 404: "not_found", 409: "conflict",
         422: "invalid", 500: "internal"}

SERVICES = web.AppKey("api_services", WebServices)


class ApiError(Exception):
    """An answer other than success: the status, the message key, and what went wrong where."""

    def __init__(self, status: int, key: str, params: dict[str, Any] | None = None,
                 problems: list[Problem] | None = None) -> None:
        super().__init__(key)
        self.status, self.key, self.params = status, key, params or {}
        self.problems = problems or []


@dataclass
class Call:
    request: web.Request
    services: WebServices
    token: AccessToken

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.services.rules.timezone)

    def query(self, name: str) -> str | None:
        return self.request.query.get(name)

    def sessions(self) -> AsyncSession:
        return self.services.sessions()

    async def body(self, schema: str) -> dict[str, Any]:
        """The JSON body, checked against the OpenAPI document's schema `schema`."""
        raw = await self.request.read()  # aiohttp refuses more than 1 MiB (413)
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "api.bad_json") from None
        if not isinstance(body, dict):
            raise ApiError(400, "api.bad_json")
        problems = schema_problems(schema, body) or _control_characters(body)
        if problems:
            raise ApiError(422, "api.rejected", {"count": len(problems)}, problems)
        return body

    async def write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in one transaction, again from the start when another writer got in
        between (a unique key taken meanwhile, a task changed under it, a deadlock)."""
        for attempt in range(WRITE_TRIES):
            try:
                async with self.sessions() as session, session.begin():
                    return await work(session)
            except (IntegrityError, ConcurrentChange, DBAPIError) as error:
                if not _retryable(error):
                    raise
                if attempt == WRITE_TRIES - 1:
                    log.warning("API write given up: %s", error)
                    raise ApiError(409, "api.conflict") from None
        raise AssertionError("unreachable")

    def json(self, data: Any, status: int = 200) -> web.Response:
        return web.json_response(data, status=status, headers=HEADERS,
                                 dumps=_dumps)


Route = Callable[[Call], Awaitable[web.Response]]


def endpoint(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    @functools.wraps(route)
    async def handle(request: web.Request) -> web.Response:
        services = request.app[SERVICES]
        lang = language(request.headers.get("Accept-Language"),
                        services.rules.default_language)
        try:
            token = await _token(services, request)
            if token is None:
                raise ApiError(401, "api.unauthorized")
            return await route(Call(request, services, token))
        except ApiError as error:
            return error_response(services, lang, error)
        except Rejected as rejected:
            return error_response(services, lang, ApiError(
                422, rejected.key, rejected.params, rejected.problems))
        except DomainError as refused:
            params = dict(refused.params)
            status = STATUS.get(refused.key, 422)
            problem = Problem(params.get("field"), refused.key, params)
            return error_response(services, lang, ApiError(status, refused.key, params,
                                                           [problem]))
        except web.HTTPException:
            raise
        except Exception:
            log.exception("API %s %s failed", request.method, request.path)
            return error_response(services, lang, ApiError(500, "api.internal"))
    return handle


async def _token(services: WebServices, request: web.Request) -> AccessToken | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    async with services.sessions() as session:
        return await access_tokens.verify(session, token.strip(), now=clock.now(),
                                          purpose=access_tokens.API)


def language(header: str | None, default: str) -> str:
    """The first of zh / en the client accepts, by its q-values; else the factory's."""
    choices = []
    for n, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        try:
            q = float(params.strip().removeprefix("q=")) if params.strip() else 1.0
        except ValueError:
            q = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and q > 0:
            choices.append((-q, n, base))
    return min(choices)[2] if choices else default


def _text(services: WebServices, key: str, lang: str, params: dict[str, Any]) -> str:
    if services.render is None:
        return key
    return services.render(key, lang, params)


def error_response(services: WebServices, lang: str, error: ApiError) -> web.Response:
    details = [{"field": p.field, "code": p.key,
                "message": _text(services, p.key, lang, p.params)} for p in error.problems]
    message = _text(services, error.key, lang, error.params)
    if details and error.key == "api.rejected":  # the problems say more than their count
        message += " " + "; ".join(f"{d['field']}: {d['message']}" if d["field"]
                                   else d["message"] for d in details)
    elif details:
        message = details[0]["message"]
    body = {"error": {"code": CODES[error.status], "message": message,
                      "field": details[0]["field"] if details else None, "details": details}}
    headers = HEADERS | ({"WWW-Authenticate": 'Bearer realm="gongdan"'}
                         if error.status == 401 else {})
    return web.json_response(body, status=error.status, headers=headers, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _retryable(error: Exception) -> bool:
    return isinstance(error, (IntegrityError, ConcurrentChange)) or lost_to_another_writer(error)


# --- the body against the OpenAPI document's schemas -----------------------------------------


@functools.cache
def _validator(schema: str) -> Draft202012Validator:
    document = openapi.document()
    return Draft202012Validator({"$ref": f"#/components/schemas/{schema}",
                                 "components": document["components"]})


def schema_problems(schema: str, body: Any) -> list[Problem]:
    return [problem for error in sorted(_validator(schema).iter_errors(body),
                                        key=lambda e: [str(p) for p in e.absolute_path])
            for problem in _problems(error)]


def _control_characters(value: Any, where: tuple[Any, ...] = ()) -> list[Problem]:
    """Text with NUL and other control characters (other than tab and newlines) is refused:
    no name or code has them, and PostgreSQL cannot store a NUL."""
    if isinstance(value, str):
        bad = any(ord(ch) < 32 and ch not in "\t\n\r" for ch in value)
        return [Problem(_path(where), "api.invalid", {})] if bad else []
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    return [p for key, item in items for p in _control_characters(item, (*where, key))]


def _path(parts: Any) -> str | None:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def _problems(error: Any) -> list[Problem]:
    where, kind, limit = list(error.absolute_path), error.validator, error.validator_value
    if kind == "required":
        missing = [name for name in limit if name not in error.instance]
        return [Problem(_path([*where, name]), "api.required", {}) for name in missing]
    if kind == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        return [Problem(_path([*where, name]), "api.unknown_field", {"value": name})
                for name in error.instance if name not in known]
    simple = {"minimum": ("api.too_small", "min"), "maximum": ("api.too_large", "max"),
              "maxLength": ("api.too_long", "max"), "minLength": ("api.too_short", "min"),
              "minItems": ("api.too_few", "min"), "maxItems": ("api.too_many", "max")}
    if kind in simple:
        key, name = simple[kind]
        return [Problem(_path(where), key, {name: limit})]
    if kind == "type":
        expected = " | ".join(limit) if isinstance(limit, list) else limit
        return [Problem(_path(where), "api.bad_type", {"expected": expected})]
    if kind == "enum":
        return [Problem(_path(where), "api.not_allowed",
                        {"value": str(error.instance)[:40],
                         "choices": ", ".join(map(str, limit))})]
    return [Problem(_path(where), "api.invalid", {})]
