"""Formatting like Telegram: parse_mode HTML / MarkdownV2 / Markdown into (plain text,
entities) with UTF-16 offsets, with Telegram's "can't parse entities" errors, and the
entities a Telegram client attaches to what a user types (bot_command, mention, url)."""

from __future__ import annotations

import html
import re
from typing import Any

from .errors import bad_request


def u16len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _cant_parse(detail: str) -> Exception:
    return bad_request(f"can't parse entities: {detail}")


# ---------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_ATTR_RE = re.compile(r"""\s*([a-zA-Z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});")


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    pos16 = 0
    stack: list[tuple[str, int, dict[str, Any], int]] = []  # tag, start16, entity, src index
    entities: list[dict[str, Any]] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            end = source.find(">", i)
            if end < 0:
                raise _cant_parse(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
            body = source[i + 1:end]
            if body.startswith("/"):
                name = body[1:].strip().lower()
                if not stack:
                    raise _cant_parse(
                        f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
                tag, start16, entity, _ = stack.pop()
                if name != tag:
                    raise _cant_parse(
                        f"Unmatched end tag at byte offset {_byte_offset(source, i)}, "
                        f"expected \"</{tag}>\", found \"</{name}>\"")
                if entity and pos16 > start16:
                    entity["offset"], entity["length"] = start16, pos16 - start16
                    entities.append(entity)
                i = end + 1
                continue
            m = re.match(r"[a-zA-Z][a-zA-Z0-9-]*", body)
            name = m.group(0).lower() if m else ""
            if name not in _HTML_TAGS:
                raise _cant_parse(
                    f"Unsupported start tag \"{name or body[:10]}\" at byte offset "
                    f"{_byte_offset(source, i)}")
            attrs = {}
            for am in _ATTR_RE.finditer(body[len(name):].rstrip("/")):
                if am.group(1):
                    attrs[am.group(1).lower()] = html.unescape(
                        am.group(2) or am.group(3) or am.group(4) or "")
            entity: dict[str, Any] = {"type": _HTML_TAGS[name]}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _cant_parse(
                    f"Tag \"span\" must have class \"tg-spoiler\" at byte offset "
                    f"{_byte_offset(source, i)}")
            if name == "a":
                href = attrs.get("href", "")
                if not href:
                    entity = {}
                else:
                    entity["url"] = href
            if name == "tg-emoji":
                entity["custom_emoji_id"] = attrs.get("emoji-id", "")
            if name == "blockquote" and "expandable" in attrs:
                entity["type"] = "expandable_blockquote"
            if name == "code" and stack and stack[-1][0] == "pre":
                lang = attrs.get("class", "")
                if lang.startswith("language-") and stack[-1][2]:
                    stack[-1][2]["language"] = lang[len("language-"):]
                entity = {}
            stack.append((name, pos16, entity, i))
            i = end + 1
            continue
        if ch == "&":
            m = _ENTITY_RE.match(source, i)
            if m:
                char = html.unescape(m.group(0))
                out.append(char)
                pos16 += u16len(char)
                i = m.end()
                continue
        out.append(ch)
        pos16 += u16len(ch)
        i += 1
    if stack:
        raise _cant_parse(f"Can't find end tag corresponding to start tag \"{stack[-1][0]}\"")
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


# ------------------------------------------------------------------------ MarkdownV2

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_ENTITY_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline",
    "strikethrough": "Strikethrough", "spoiler": "Spoiler", "code": "Code", "pre": "Pre",
    "text_link": "TextUrl",
}


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    pos16 = 0
    entities: list[dict[str, Any]] = []
    open_: list[tuple[str, str, int, int]] = []  # marker, type, start16, src index
    i, n = 0, len(source)

    def emit(text: str) -> None:
        nonlocal pos16
        out.append(text)
        pos16 += u16len(text)

    while i < n:
        ch = source[i]
        if ch == "\\":
            if i + 1 < n:
                emit(source[i + 1])
                i += 2
                continue
            raise _cant_parse(
                "Character '\\' is reserved and must be escaped with the preceding '\\'")
        if ch == "`":
            fence = source.startswith("```", i)
            marker = "```" if fence else "`"
            start = i + len(marker)
            j = start
            buf: list[str] = []
            while j < n and not source.startswith(marker, j):
                if source[j] == "\\" and j + 1 < n:
                    buf.append(source[j + 1])
                    j += 2
                else:
                    buf.append(source[j])
                    j += 1
            if j >= n:
                kind = "Pre" if fence else "Code"
                raise _cant_parse(
                    f"Can't find end of {kind} entity at byte offset {_byte_offset(source, i)}")
            content = "".join(buf)
            entity: dict[str, Any] = {"type": "pre" if fence else "code"}
            if fence and "\n" in content:
                first, rest = content.split("\n", 1)
                if first and re.fullmatch(r"[\w+-]+", first):
                    entity["language"] = first
                    content = rest
            if content:
                entity["offset"], entity["length"] = pos16, u16len(content)
                entities.append(entity)
            emit(content)
            i = j + len(marker)
            continue
        if ch == "[":
            open_.append(("[", "text_link", pos16, i))
            i += 1
            continue
        if ch == "]" and open_ and open_[-1][0] == "[":
            m = re.compile(r"\(((?:\\.|[^)\\])*)\)").match(source, i + 1)
            if not m:
                raise _cant_parse(
                    "Character ']' is reserved and must be escaped with the preceding '\\'")
            _, _, start16, _ = open_.pop()
            url = re.sub(r"\\(.)", r"\1", m.group(1))
            if pos16 > start16:
                entities.append({"type": "text_link", "offset": start16,
                                 "length": pos16 - start16, "url": url})
            i = m.end()
            continue
        marker, kind = "", ""
        if source.startswith("__", i):
            marker, kind = "__", "underline"
        elif source.startswith("||", i):
            marker, kind = "||", "spoiler"
        elif ch in "*_~":
            marker, kind = ch, {"*": "bold", "_": "italic", "~": "strikethrough"}[ch]
        if marker:
            if open_ and open_[-1][0] == marker:
                _, etype, start16, _ = open_.pop()
                if pos16 > start16:
                    entities.append({"type": etype, "offset": start16, "length": pos16 - start16})
            elif any(o[0] == marker for o in open_):
                raise _cant_parse(
                    f"Can't find end of {_ENTITY_NAMES[open_[-1][1]]} entity at byte offset "
                    f"{_byte_offset(source, open_[-1][3])}")
            else:
                open_.append((marker, kind, pos16, i))
            i += len(marker)
            continue
        if ch == ">" and (i == 0 or source[i - 1] == "\n"):
            line_end = source.find("\n", i)
            line_end = n if line_end < 0 else line_end
            inner_text, inner_entities = parse_markdown_v2(source[i + 1:line_end])
            for e in inner_entities:
                e["offset"] += pos16
            if inner_text:
                entities.append({"type": "blockquote", "offset": pos16,
                                 "length": u16len(inner_text)})
            entities.extend(inner_entities)
            emit(inner_text)
            i = line_end
            continue
        if ch in _MDV2_RESERVED:
            raise _cant_parse(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")
        emit(ch)
        i += 1
    if open_:
        marker, kind, _, idx = open_[-1]
        raise _cant_parse(
            f"Can't find end of {_ENTITY_NAMES[kind]} entity at byte offset "
            f"{_byte_offset(source, idx)}")
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def parse_markdown_legacy(source: str) -> tuple[str, list[dict[str, Any]]]:
    out: list[str] = []
    pos16 = 0
    entities: list[dict[str, Any]] = []
    i, n = 0, len(source)
    kinds = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n and source[i + 1] in "*_`[":
            out.append(source[i + 1])
            pos16 += 1
            i += 2
            continue
        if ch in kinds or ch == "[":
            if ch == "[":
                m = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(source, i)
                if not m:
                    raise _cant_parse(
                        "Can't find end of the entity starting at byte offset "
                        f"{_byte_offset(source, i)}")
                text = m.group(1)
                if text:
                    entities.append({"type": "text_link", "offset": pos16,
                                     "length": u16len(text), "url": m.group(2)})
                out.append(text)
                pos16 += u16len(text)
                i = m.end()
                continue
            marker = "```" if source.startswith("```", i) else ch
            end = source.find(marker, i + len(marker))
            if end < 0:
                raise _cant_parse(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}")
            text = source[i + len(marker):end]
            if text:
                entities.append({"type": "pre" if marker == "```" else kinds[ch],
                                 "offset": pos16, "length": u16len(text)})
            out.append(text)
            pos16 += u16len(text)
            i = end + len(marker)
            continue
        out.append(ch)
        pos16 += u16len(ch)
        i += 1
    return "".join(out), entities


def _strip(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims leading/trailing whitespace of a message, shifting entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = u16len(text[: len(text) - len(text.lstrip())])
    total = u16len(stripped)
    fixed = []
    for e in entities:
        start = max(e["offset"] - lead, 0)
        end = min(e["offset"] + e["length"] - lead, total)
        if end > start:
            fixed.append({**e, "offset": start, "length": end - start})
    return stripped, fixed


def format_text(
    source: str, parse_mode: str | None, entities: list[dict[str, Any]] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """(displayed text, entities) for text sent by the bot."""
    mode = (parse_mode or "").strip().lower()
    if entities:
        return _strip(source, list(entities))
    if mode == "html":
        return _strip(*parse_html(source))
    if mode == "markdownv2":
        return _strip(*parse_markdown_v2(source))
    if mode == "markdown":
        return _strip(*parse_markdown_legacy(source))
    if mode:
        raise bad_request(f"unsupported parse_mode \"{parse_mode}\"")
    return _strip(source, [])


# ------------------------------------------------------------------ client-side entities

_AUTO_RE = re.compile(
    r"(?P<cmd>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?)(?![\w/])"
    r"|(?P<url>\bhttps?://[^\s]+)"
    r"|(?P<mention>(?<!\w)@[A-Za-z0-9_]{5,32}\b)"
)


def detect_entities(text: str) -> list[dict[str, Any]]:
    """Entities a Telegram client attaches to typed text."""
    out = []
    for m in _AUTO_RE.finditer(text):
        kind = {"cmd": "bot_command", "url": "url", "mention": "mention"}[m.lastgroup or "cmd"]
        out.append({"type": kind, "offset": u16len(text[: m.start()]),
                    "length": u16len(m.group(0))})
    return out
