"""The wrong person at every door: each command and button family the bot routes (read from
the routes themselves, tests/hostile/routes_map.py), thrown by a stranger, by a worker at what
supervisors and managers do, in a linked group and in one the bot was never linked to, and
with forged data by the one person allowed to press anything. Each is judged as the corpus
is (runner.judge): a clear answer in the right language, nothing changed, nothing crashed, the
refusal audited."""

from __future__ import annotations

import pytest

from tests.hostile.corpus import Case
from tests.hostile.probe import errors_logged
from tests.hostile.routes_map import (
    BUTTONS,
    COMMANDS,
    beyond_a_worker,
    command_route,
    sample_data,
    synthesized,
)
from tests.hostile.runner import judge, throw
from tests.hostile.shop import Shop, button_data

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Commands a stranger may send, and what they answer him (no refusal: they are for strangers).
# A new command open to strangers fails here until its answer is written down.
STRANGER_ANSWERS = {"start": "start.need_invite", "help": "start.need_invite",
                    "lang": "lang.choose", "link": "group.link_in_group",
                    "unlink": "group.link_in_group"}
# In a group: the group's own commands answer for themselves; every other command of ours is
# for a private chat.
GROUP_STRANGER = {"link": "group.link_stranger", "unlink": "group.link_stranger"}
GROUP_WORKER = {"link": "group.link_forbidden", "unlink": "group.link_forbidden",
                "summary": "auth.forbidden"}
# Forged data that is answered, not refused, because it changes nothing whoever presses it:
# the task list, and a Close button (it closes whatever message it is pressed on).
ANSWERED = {"t:list": "tasks.none", "as:x:99999999": "assign.picker_closed"}
ABOVE_WORKER_BUTTONS = [route for route in BUTTONS if route.above_worker]


async def _judged(shop: Shop, case: Case, caplog: pytest.LogCaptureFixture) -> None:
    caplog.clear()
    judge(shop, await throw(shop, case), caplog.records)


@pytest.mark.parametrize("command", COMMANDS)
async def test_a_stranger_is_answered_for_every_command(shop: Shop, command: str, caplog):
    if command_route(command).role is None:
        case = Case(f"stranger-{command}", "stranger", text=f"/{command}",
                    expect=STRANGER_ANSWERS[command], refused=False)
    else:
        case = Case(f"stranger-{command}", "stranger", text=f"/{command}",
                    expect="auth.unregistered")
    await _judged(shop, case, caplog)


@pytest.mark.parametrize("command", beyond_a_worker())
async def test_a_worker_is_refused_every_supervisor_and_manager_command(shop: Shop,
                                                                        command: str, caplog):
    for who, arg in (("zh", ""), ("en", " WO-000001 10")):
        await _judged(shop, Case(f"worker-{command}", who, text=f"/{command}{arg}"), caplog)


@pytest.mark.parametrize("route", ABOVE_WORKER_BUTTONS, ids=lambda route: route.name)
async def test_a_worker_is_refused_every_supervisor_and_manager_button(shop: Shop, route,
                                                                       caplog):
    data = sample_data(route.name, button_data(_others(shop)))[0]
    for who, where in (("zh", "private"), ("en", "linked")):
        await _judged(shop, Case(f"worker-press-{data}", who, data=data, where=where,
                                 expect="auth.forbidden"), caplog)


@pytest.mark.parametrize("command", COMMANDS)
async def test_every_command_in_a_linked_group(shop: Shop, command: str, caplog):
    if command_route(command, "supergroup").role is None or command in GROUP_STRANGER:
        expect = GROUP_STRANGER.get(command, "auth.unregistered")
        await _judged(shop, Case(f"linked-stranger-{command}", "stranger", text=f"/{command}",
                                 where="linked", expect=expect), caplog)
    await _judged(shop, Case(f"linked-worker-{command}", "zh", text=f"/{command}",
                             where="linked",
                             expect=GROUP_WORKER.get(command, "command.private_only")), caplog)


@pytest.mark.parametrize("command", COMMANDS)
async def test_every_command_in_a_group_never_linked(shop: Shop, command: str, caplog):
    """It hears nothing from the bot but the answers to /link; each attempt is audited."""
    for who in ("stranger", "zh"):
        if command in GROUP_STRANGER:
            expect = GROUP_STRANGER[command] if who == "stranger" else GROUP_WORKER[command]
            case = Case(f"unlinked-{who}-{command}", who, text=f"/{command}", where="unlinked",
                        expect=expect)
        else:
            case = Case(f"unlinked-{who}-{command}", who, text=f"/{command}", where="unlinked",
                        silent=True)
        await _judged(shop, case, caplog)


@pytest.mark.parametrize("route", BUTTONS, ids=lambda route: route.name)
async def test_forged_data_for_every_button_family_is_refused(shop: Shop, route, caplog):
    """The manager may press anything: his forged data reaches every handler's parsing and
    lookups (ids of the right shape that exist nowhere, too many or too few parts)."""
    for data in synthesized(route.name):
        if data in ANSWERED:
            case = Case(f"forged-{data}", "manager", data=data, expect=ANSWERED[data],
                        refused=False)
        else:
            case = Case(f"forged-{data}", "manager", data=data)
        await _judged(shop, case, caplog)
    for garbage in (":-1", ":abc", ":" + "9" * 30, ":１"):
        data = route.name.removeprefix("^").removesuffix("$").split("\\")[0].split("(")[0]
        await _judged(shop, Case(f"garbage-{data}{garbage}", "manager",
                                 data=(data + garbage)[:64]), caplog)


async def test_a_worker_pressing_other_peoples_buttons_is_refused(shop: Shop, caplog):
    """Every button the bot showed anybody else, pressed by a worker it was not shown to."""
    harvested = button_data(_others(shop))
    assert len(harvested) > 10
    for data in harvested:
        await _judged(shop, Case(f"others-{data}", "zh", data=data), caplog)


def _others(shop: Shop) -> list:
    return [shop.victim, shop.supervisor, shop.inspector, shop.manager, shop.linked]


HOSTILE_ARGS = ("9" * 30, "-1", "²", "0", "WO-999999 " + "9" * 25, "😀" * 20, "x" * 4000,
                "' OR 1=1 --", "WO-000001 " + "y" * 3000, "status " + "z" * 3000,
                "W01 100 " + "r" * 3000)


@pytest.mark.parametrize("command", COMMANDS)
async def test_every_command_with_hostile_arguments(shop: Shop, command: str, caplog):
    """The manager may use every command: his arguments reach every command's parsing and
    every column they are kept in. Some commands legitimately act on what they can read (a
    clock-in, a previewed change, a dispatch suggestion), so this looks for what must never
    happen: a crash, an error, a silence, an answer in another language, a refusal unsaid."""
    for arg in HOSTILE_ARGS:
        caplog.clear()
        thrown = await throw(shop, Case(f"args-{command}", "manager", text=f"/{command} {arg}"))
        out = thrown.outcome
        evidence = f"/{command} {arg[:40]!r}: {out}"
        assert not out.failures and not errors_logged(caplog.records), evidence
        assert out.replies and all(r.chat_id == shop.manager.id and r.lang == "zh"
                                   for r in out.replies), evidence
        for refusal in out.refusals:
            assert any(r.key == refusal.key for r in out.replies), evidence
