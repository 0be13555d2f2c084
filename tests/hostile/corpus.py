"""The hostile-input corpus: what is sent, by whom, where, and the answer expected.

Every case is thrown at the real bot (tests/hostile/test_corpus.py) and must get its answer in
the sender's language (a group's posts are in the factory's), change nothing, crash nothing,
and, where it is a refusal, leave an audit "refused" row whose reason is the answer's key.

People (tests/hostile/shop.py): `zh` writes Chinese, `en` English, `stranger` never registered
(his Telegram speaks English), `victim` owns the things the others try to touch. Places:
`private`, `linked` (a group linked for exceptions, QC and management), `unlinked` (a group
the bot was added to and never linked). `{name}` in callback data is one of the victim's
things (Shop.ids). Callback data for every button family, and every command for the wrong
person, are enumerated from the routes in test_roles.py; this corpus is what needs a person
to write it down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tests.hostile import forge
from tests.hostile.probe import CONVERSATION

LANG = {"zh": "zh", "en": "en", "victim": "zh", "idle": "zh", "supervisor": "zh",
        "inspector": "zh", "manager": "zh", "stranger": "en"}
FACTORY_LANG = "zh"  # what the bot posts into a group


@dataclass(frozen=True)
class Case:
    id: str
    who: str  # a person of the shop
    text: str | None = None  # a message (a "/command arg" is sent as a command)
    data: str | None = None  # callback data, pressed on the chat's latest bot message
    file: Callable[[], bytes] | None = None
    filename: str = "card.jpg"
    mime: str | None = None
    as_photo: bool = False  # sent as a photo (Telegram recompresses it) rather than a file
    caption: str | None = None
    where: str = "private"
    # Opened first: "card" a report card (the text answers how many), "split" the QC split of
    # the victim's pending inspection (the text answers pass / rework / scrap).
    before: str | None = None
    edited_from: str | None = None  # sent first; the case's text is then what it is edited into
    expect: str | None = None  # the answer's message key; None: whatever the refusal says
    refused: bool = True  # False: an answer that is no refusal (a question, a tip)
    silent: bool = False  # no answer at all, by design (a group never linked)
    other: dict | None = None  # a message of another kind: its Bot API fields (with `text`)
    moves: tuple[str, ...] = ()  # conversation tables a question moves on, by design

    @property
    def lang(self) -> str:
        return LANG[self.who]


def _both(id_: str, text: str, expect: str | None, **kw: object) -> list[Case]:
    """The same input from a Chinese and an English writer."""
    return [Case(f"{id_}-{who}", who, text=text, expect=expect, **kw)  # type: ignore[arg-type]
            for who in ("zh", "en")]


LONG = "工单" * 2100 + "WO-000001"  # 4200+ characters: more than a Telegram message holds
RTL = "\u202eWO-000001 ٣٠ قطعة\u202c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
CONTROL = "\x00\x01\x07\x1b[K\x7f\x9b\x85"
HUGE = "9" * 40

# --- texts when no card is open: they are no report ---------------------------------------------
REPORT_TEXTS = [
    *_both("oversized", "x" * 5000, "text.not_understood"),
    *_both("oversized-code", LONG, "text.not_understood"),
    *_both("emoji", "👍🔥🏭✅🧧", "text.not_understood"),
    *_both("emoji-number", "3️⃣0️⃣", "text.scan_first"),
    *_both("rtl", RTL, "text.not_understood"),
    *_both("zero-width", ZERO_WIDTH, "text.not_understood"),
    *_both("zero-width-number", "3\u200b0", "text.scan_first"),
    *_both("control", CONTROL, "text.not_understood"),
    *_both("nul-in-code", "WO-0000\x0001", "text.scan_first"),
    Case("nul-material", "supervisor", text="/issue WO-000001 M\x00X 5", expect=None),
    Case("nul-invite", "supervisor", text="/invite W0\x001", expect=None),
    *_both("exponent", "1e9", "text.scan_first"),
    *_both("negative", "-5", "text.scan_first"),
    *_both("decimal", "3.5", "text.scan_first"),
    *_both("full-width", "０１２", "text.scan_first"),
    *_both("thousands", "1,000", "text.scan_first"),
    *_both("huge", HUGE, "text.scan_first"),
    *_both("unknown-work-order", "WO-999999 5", "report.unknown_work_order"),
    *_both("zero-work-order", "WO-000000", "text.scan_first"),
    *_both("overlong-code", "WO-0000001", "text.scan_first"),
    *_both("foreign-payload", "GD2:WO-000001:10", "text.scan_first"),
    Case("sql-quote", "zh", text="WO-000001'; DROP TABLE work_report;--",
         expect="text.scan_first"),
]

# --- texts answering a report card's quantity question -------------------------------------------
QUANTITY_ANSWERS = [
    *_both("q-exponent", "1e9", "qty.not_whole", before="card"),
    *_both("q-exponent-word", "做了1e3", "qty.not_whole", before="card"),
    *_both("q-negative", "-5", "qty.not_whole", before="card"),
    *_both("q-negative-scrap", "30 -2", "qty.not_whole", before="card"),
    *_both("q-decimal", "3.5", "qty.not_whole", before="card"),
    *_both("q-fraction", "½", "qty.not_whole", before="card"),
    *_both("q-full-width-leading-zero", "０１２", "qty.unclear", before="card"),
    *_both("q-leading-zero", "007", "qty.unclear", before="card"),
    *_both("q-thousands", "1,000", "qty.unclear", before="card"),
    *_both("q-thousands-space", "1 000", "qty.unclear", before="card"),
    *_both("q-huge", HUGE, "report.too_large", before="card"),
    *_both("q-over-max", "1000001", "report.too_large", before="card"),
    Case("q-over-plan", "zh", text="1000", before="card", expect="report.over_planned"),
    Case("q-over-flow", "en", text="1000", before="card", expect="report.flow_exceeded"),
    *_both("q-zero", "0", "report.zero", before="card"),
    *_both("q-zero-zero", "0 0", "report.zero", before="card"),
    *_both("q-oversized", "3" * 5000, "text.not_understood", before="card"),
    *_both("q-oversized-words", "30 2 " + "毛刺" * 3000, "text.not_understood", before="card"),
    *_both("q-emoji", "🔥🔥🔥", "text.not_understood", before="card"),
    *_both("q-zero-width", ZERO_WIDTH, "text.not_understood", before="card"),
    *_both("q-control", CONTROL, "text.not_understood", before="card"),
    # An escape sequence with a digit in it: "3 good or 3 scrap?" is asked, nothing recorded.
    *_both("q-ansi-escape", "\x1b[3m", "ff.ask_which", before="card", refused=False,
           moves=CONVERSATION),
    *_both("q-rtl-words", "مرحبا بالعالم", "text.not_understood", before="card"),
    *_both("q-nan", "NaN", "text.not_understood", before="card"),
    *_both("q-infinity", "∞", "text.not_understood", before="card"),
]

# --- an inspector's split: pass, rework and scrap of a pending inspection ------------------------
SPLITS = [
    Case(f"split-{name}", "inspector", text=text, before="split", expect="qc.usage_split")
    for name, text in (("exponent", "1e9 0 0"), ("negative", "-5 10 5"), ("decimal", "3.5 3 3.5"),
                       ("thousands", "1,000 0 0"), ("huge", HUGE),
                       ("two", "5 5"), ("emoji", "🔥 🔥 🔥"), ("control", CONTROL))
] + [Case("split-sum", "inspector", text="7 7 7", before="split", expect="qc.split_sum"),
       # Full-width digits are digits (as in reports): read, and refused for not adding up.
       Case("split-full-width-sum", "inspector", text="１ ０ ０", before="split",
            expect="qc.split_sum")]

# --- edits: a message is read once ---------------------------------------------------------------
EDITS = [
    Case("edited-into-a-report", "zh", edited_from="你好", text="WO-000001:10 5",
         expect="message.edited"),
    Case("edited-quantity", "en", edited_from="WO-000001 1e9", text="WO-000001 10",
         expect="message.edited"),
    Case("edited-into-a-command", "zh", edited_from="你好", text="/tasks", expect="message.edited"),
    Case("stranger-edit", "stranger", edited_from="hi", text="WO-000001 5",
         expect="message.edited"),
]

# --- files ---------------------------------------------------------------------------------------
FILES = [
    Case("png-bomb", "zh", file=forge.png_bomb, filename="card.png", mime="image/png",
         expect="scan.too_large"),
    Case("png-bomb-whole", "en", file=lambda: forge.png_bomb(6400, 6400, rows=6400),
         filename="card.png", mime="image/png", expect="scan.too_large"),
    Case("jpeg-bomb", "zh", file=forge.jpeg_bomb, filename="card.jpg", mime="image/jpeg",
         expect="scan.too_large"),
    Case("jpeg-truncated", "en", file=lambda: forge.truncated(forge.photo_jpeg()),
         filename="card.jpg", mime="image/jpeg", expect="scan.not_image"),
    Case("png-truncated", "zh", file=lambda: forge.truncated(forge.png_of()),
         filename="card.png", mime="image/png", expect="scan.not_image"),
    Case("pdf", "zh", file=lambda: forge.PDF, filename="card.pdf", mime="application/pdf",
         expect="scan.not_image"),
    Case("zip", "en", file=lambda: forge.ZIP, filename="cards.zip", mime="application/zip",
         expect="scan.not_image"),
    Case("exe", "zh", file=lambda: forge.EXE, filename="card.exe",
         mime="application/x-msdownload", expect="scan.not_image"),
    Case("exe-as-jpeg", "en", file=lambda: forge.EXE, filename="card.jpg", mime="image/jpeg",
         expect="scan.not_image"),
    Case("text-file", "zh", file=lambda: forge.TEXT, filename="report.txt", mime="text/plain",
         expect="scan.not_image"),
    Case("svg", "en", file=lambda: b"<svg xmlns='http://www.w3.org/2000/svg'/>",
         filename="card.svg", mime="image/svg+xml", expect="scan.not_image"),
    Case("twenty-mb-image", "zh", file=forge.big_file, filename="card.jpg", mime="image/jpeg",
         expect="scan.file_too_big"),
    Case("twenty-mb-zip", "en", file=forge.big_file, filename="cards.zip",
         mime="application/zip", expect="scan.not_image"),
    Case("bomb-captioned-issue", "supervisor", file=forge.png_bomb, filename="card.png",
         mime="image/png", caption="领料", expect="scan.too_large"),  # a material issue's photo
    # A photo with no code in it is answered with a tip (and a button to the task list).
    Case("photo-of-nothing", "zh", file=forge.photo_jpeg, as_photo=True,
         expect="scan.none_found", refused=False),
]

# --- groups and strangers ------------------------------------------------------------------------
GROUPS = [
    Case("stranger-summary-linked", "stranger", text="/summary", where="linked",
         expect="auth.unregistered"),
    Case("stranger-link-linked", "stranger", text="/link qc", where="linked",
         expect="group.link_stranger"),
    Case("stranger-unlink-linked", "stranger", text="/unlink qc", where="linked",
         expect="group.link_stranger"),
    Case("stranger-tasks-linked", "stranger", text="/tasks", where="linked",
         expect="auth.unregistered"),
    Case("worker-tasks-linked", "zh", text="/tasks", where="linked",
         expect="command.private_only"),
    Case("worker-summary-linked", "zh", text="/summary", where="linked",
         expect="auth.forbidden"),
    Case("worker-link-linked", "zh", text="/link management", where="linked",
         expect="group.link_forbidden"),
    Case("stranger-press-linked", "stranger", data="e:a:{exception}", where="linked",
         expect="group.not_registered"),
    Case("worker-press-qc-linked", "zh", data="qc:p:{pending_qc}", where="linked",
         expect="auth.forbidden"),
    Case("worker-press-forged-linked", "en", data="zz:9", where="linked",
         expect="button.invalid"),
    Case("stranger-link-unlinked", "stranger", text="/link qc", where="unlinked",
         expect="group.link_stranger"),
    Case("stranger-tasks-unlinked", "stranger", text="/tasks", where="unlinked", silent=True),
    Case("worker-help-unlinked", "zh", text="/help", where="unlinked", silent=True),
    Case("manager-summary-unlinked", "manager", text="/summary", where="unlinked",
         silent=True),
    Case("worker-press-unlinked", "en", data="qc:p:{pending_qc}", where="unlinked",
         expect="auth.forbidden"),
    Case("stranger-press-unlinked", "stranger", data="t:list", where="unlinked",
         expect="group.not_registered"),
    Case("stranger-text", "stranger", text="WO-000001 30", expect="auth.unregistered"),
    Case("stranger-photo", "stranger", file=forge.png_bomb, filename="card.png",
         mime="image/png", expect="auth.unregistered"),
    Case("stranger-bad-invite", "stranger", text="/start " + "A" * 300, expect="invite.unknown"),
    Case("stranger-nul-invite", "stranger", text="/start AB\x00CD", expect="invite.unknown"),
    Case("stranger-unknown-command", "stranger", text="/sudo", expect="start.need_invite"),
    Case("worker-unknown-command", "zh", text="/rm -rf /", expect="command.unknown"),
]

# --- forged callback data: another person's things, decided and gone ones -----------------------
FORGED = [
    Case("another-draft-quantity", "zh", data="q:{draft}:5", expect="report.card_not_yours"),
    Case("another-draft-cancel", "en", data="x:{draft}", expect="report.card_not_yours"),
    Case("another-draft-scrap", "zh", data="s:{draft}", expect="report.card_stale"),
    Case("another-draft-reason", "zh", data="r:{draft}:burr", expect="report.card_not_yours"),
    Case("another-draft-confirm", "en", data="ff:y:{draft}:5:0",
         expect="report.card_not_yours"),
    Case("another-report-undo", "zh", data="u:{report}", expect=None),
    Case("another-task", "zh", data="t:{test_task}", expect="report.not_your_operation"),
    Case("another-assigned-task", "zh", data="t:{assigned_task}",
         expect="report.assigned_to_others"),
    Case("another-assigned-claim", "en", data="cl:{assigned_task}", expect=None),
    Case("typed-another-assigned-task", "zh", text="WO-000003:10 5",
         expect="report.assigned_to_others"),
    Case("decided-qc-pass", "inspector", data="qc:p:{decided_qc}", expect=None),
    Case("decided-qc-split", "inspector", data="qc:s:{decided_qc}", expect=None),
    Case("resolved-exception-ack", "supervisor", data="e:a:{exception}", expect=None),
    Case("resolved-exception-resolve", "supervisor", data="e:r:{exception}", expect=None),
    Case("resolved-exception-not-reporter", "zh", data="e:c:{exception}",
         expect="exception.only_reporter"),
    Case("missing-task", "zh", data="t:99999999", expect="report.unknown_task"),
    Case("missing-exception", "supervisor", data="e:a:99999999", expect="exception.unknown"),
    Case("tampered-negative", "zh", data="u:-1", expect="button.invalid"),
    Case("tampered-letters", "en", data="q:abc:5", expect="button.invalid"),
    Case("tampered-overlong", "zh", data="u:" + "9" * 62, expect="button.invalid"),
    Case("tampered-full-width", "zh", data="u:１", expect="button.invalid"),
    Case("tampered-superscript", "en", data="t:²", expect="button.invalid"),
    Case("tampered-too-many", "en", data="q:{draft}:5:6", expect="button.invalid"),
    Case("tampered-lang", "zh", data="l:xx", expect="lang.unknown"),
    Case("random", "en", data="\x00\u202e💣" * 10, expect="button.invalid"),
    Case("empty-family", "zh", data="qc:", expect="button.invalid"),
    Case("stranger-press", "stranger", data="q:{draft}:5", expect="auth.unregistered"),
]

# --- other kinds of message: answered, never left in silence ------------------------------------
COLLEAGUE = {"id": 424242, "is_bot": False, "first_name": "王芳"}
FORWARD_DATE = 1_790_000_000


def _forward(origin: dict) -> dict:
    return {"forward_origin": {"date": FORWARD_DATE, **origin}, "forward_date": FORWARD_DATE}


STICKER = {"sticker": {"file_id": "CAACAgStickerFileId", "file_unique_id": "AgADsticker",
                       "width": 512, "height": 512, "is_animated": False, "is_video": False,
                       "type": "regular", "emoji": "👍"}}
PHOTO_SIZES = [{"file_id": "AgACAgForwardedPhoto", "file_unique_id": "AQADforwarded",
                "width": 1280, "height": 960, "file_size": 181_000}]
OTHER_KINDS = [
    *_both("sticker", None, "message.unsupported", other=STICKER),
    *_both("voice", None, "message.voice", other={"voice": {
        "file_id": "AwACAgVoiceFileId", "file_unique_id": "AgADvoice", "duration": 4,
        "mime_type": "audio/ogg"}}),
    Case("video-note", "zh", other={"video_note": {
        "file_id": "DQACAgVideoNote", "file_unique_id": "AgADnote", "length": 240,
        "duration": 3}}, expect="message.voice"),
    *_both("location", None, "message.unsupported", other={"location": {
        "latitude": 31.2304, "longitude": 121.4737}}),
    Case("video", "en", other={"video": {"file_id": "BAACAgVideo", "file_unique_id": "AgADvid",
                                         "width": 1280, "height": 720, "duration": 9}},
         expect="message.unsupported"),
    Case("dice", "zh", other={"dice": {"emoji": "🎲", "value": 6}}, expect="message.unsupported"),
    Case("contact", "en", other={"contact": {"phone_number": "+8613800000000",
                                             "first_name": "王芳", "user_id": 424242}},
         expect="message.unsupported"),
    Case("stranger-sticker", "stranger", other=STICKER, expect="auth.unregistered"),
    # A forwarded report may be a colleague's: counted again under the forwarder's name.
    *_both("forwarded-report", "WO-000001 5", "message.forwarded",
           other=_forward({"type": "user", "sender_user": COLLEAGUE})),
    Case("forwarded-hidden-user", "zh", text="WO-000001:10 5", expect="message.forwarded",
         other=_forward({"type": "hidden_user", "sender_user_name": "王芳"})),
    Case("forwarded-from-channel", "en", text="WO-000001 5", expect="message.forwarded",
         other=_forward({"type": "channel", "message_id": 7, "chat": {
             "id": -1001234567890, "type": "channel", "title": "车间通知"}})),
    Case("forwarded-photo", "zh", expect="message.forwarded",
         other={"photo": PHOTO_SIZES, **_forward({"type": "user", "sender_user": COLLEAGUE})}),
]

CASES = [*REPORT_TEXTS, *QUANTITY_ANSWERS, *SPLITS, *EDITS, *FILES, *GROUPS, *FORGED,
         *OTHER_KINDS]
