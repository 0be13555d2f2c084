"""Texts of free-form reports, in zh and en: the confirmation card and the questions."""

from __future__ import annotations

_TASK = {"zh": "工单 {work_order} · 工序 {seq} {operation}\n",
         "en": "Work order {work_order} · operation {seq} {operation}\n"}
_AGAIN = {"zh": "请重新输入整句，例如：{example}", "en": "Type the whole report again, e.g. {example}"}


def _ask(zh: str, en: str) -> dict[str, str]:
    return {"zh": _TASK["zh"] + zh + _AGAIN["zh"], "en": _TASK["en"] + en + _AGAIN["en"]}


MESSAGES: dict[str, dict[str, str]] = {
    "ff.confirm": {
        "zh": "请确认报工：\n" + _TASK["zh"] + "良品 {good} · 报废 {scrap} · 原因：{reason}",
        "en": "Please confirm:\n" + _TASK["en"] + "Good {good} · Scrap {scrap} · Reason: {reason}",
    },
    "ff.reason_unlisted": {
        "zh": "这个原因不在本厂的不良原因列表里，将按您写的原文记录。",
        "en": "That reason is not on the factory's list of defect reasons; it will be recorded "
              "as you typed it.",
    },
    "ff.reason_later": {"zh": "确认后请选择报废原因。", "en": "After confirming, pick the scrap reason."},
    "ff.btn_confirm": {"zh": "✅ 确认", "en": "✅ Confirm"},
    "ff.btn_change": {"zh": "✏️ 修改", "en": "✏️ Change"},
    "ff.btn_option": {"zh": "良品 {good} · 报废 {scrap}", "en": "{good} good · {scrap} scrap"},
    "ff.confirmed": {"zh": "已确认：良品 {good} · 报废 {scrap}",
                     "en": "Confirmed: {good} good · {scrap} scrap"},
    "ff.type_again": {
        "zh": "好的，请重新输入，例如：良品30 报废2 原因毛刺；或者在任务卡上点数量。",
        "en": "OK: type the report again, e.g. good 30 scrap 2 reason burr, or tap a quantity "
              "on the task card.",
    },
    "ff.type_again_short": {"zh": "请重新输入", "en": "Type it again"},
    "ff.changed": {
        "zh": "这张确认卡已经不是最新的了（已修改或已处理），请看最新的消息。什么都没有记录。",
        "en": "That confirmation is no longer current (changed or already answered); see the "
              "latest message. Nothing was recorded.",
    },
    "ff.reason_line": {"zh": "原因：{reason}", "en": "Reason: {reason}"},
    "ff.or_pick": {"zh": "也可以直接点下面的一项：", "en": "Or tap one below:"},
    "ff.ask_which": _ask("看不出哪个是良品、哪个是报废（{numbers}）。",
                         "I cannot tell which is good and which is scrap ({numbers}). "),
    "ff.ask_good_missing": _ask("报废 {scrap} 件，良品是多少件？", "{scrap} scrap: how many good? "),
    "ff.ask_scrap_missing": _ask("良品 {good} 件，报废几件？", "{good} good: how many scrap? "),
    "ff.ask_two_good": _ask("良品写了两个数（{numbers}），是哪一个？",
                            "Two good counts ({numbers}): which one is it? "),
    "ff.ask_two_scrap": _ask("报废写了两个数（{numbers}），是哪一个？",
                             "Two scrap counts ({numbers}): which one is it? "),
    "ff.ask_two_reasons": _ask("一次报工只能有一个报废原因（{reasons}），请分开报。",
                               "One report takes one scrap reason ({reasons}); report them "
                               "separately. "),
}
LABELS: dict[str, dict[str, dict[str, str]]] = {}
