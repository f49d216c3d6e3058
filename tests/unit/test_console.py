"""A guest's console as events, on the bare aggregate: only what was printed since the last
reading is recorded, the whole text only where there is nothing to continue."""

from __future__ import annotations

import uuid
from typing import Any

from domain.compute.console import MAX_CHARS, Console, console_id, continuation

VM = uuid.UUID("8d6f1f4e-3c2b-4f0a-9a57-0b1e2d3c4f5a")


def recorded(console: Console) -> list[tuple[str, Any]]:
    """Each new event's name and the text it carries (None: it carries none)."""
    return [(type(e).__name__, getattr(e, "text", None)) for e in console.collect_events()]


def stream(lines: int) -> str:
    return "".join(f"line {n:06d} of the guest's boot\n" for n in range(lines))


def test_the_first_reading_opens_it_whole() -> None:
    console = Console.first(VM, "h1", "boot\n")
    assert console.id == console_id(VM) and console.instance_id == VM
    assert recorded(console) == [("Opened", "boot\n")]


def test_a_grown_log_records_only_what_was_printed_since() -> None:
    console = Console.first(VM, "h1", "boot\n")
    console.collect_events()
    console.record("h1", "boot\nlogin: ")
    console.record("h1", "boot\nlogin: ")  # nothing new: nothing recorded
    assert recorded(console) == [("Appended", "login: ")]
    assert console.text == "boot\nlogin: "


def test_a_log_that_started_over_or_another_host_replaces_it() -> None:
    console = Console.first(VM, "h1", "boot\nlogin: ")
    console.collect_events()
    console.record("h1", "second boot\n")
    console.record("h2", "second boot\nmore\n")  # moved: h2 reads a log of its own
    assert recorded(console) == [("Replaced", "second boot\n"), ("Replaced", "second boot\nmore\n")]
    assert console.host == "h2"


def test_a_window_that_slid_on_records_only_its_new_end() -> None:
    """The hypervisor reads the log's last 100 KiB: past that, each reading starts later, and
    may start with a character cut in two (read as U+FFFD)."""
    text = stream(4000)  # well over 100 KiB
    window = MAX_CHARS - 500
    first, later = text[:3000 * 40][-window:], text[:3010 * 40][-window:]
    console = Console.first(VM, "h1", first)
    console.collect_events()
    console.record("h1", "\ufffd" + later[1:])
    assert recorded(console) == [("Appended", text[3000 * 40:3010 * 40])]
    assert console.text.endswith(later) and len(console.text) <= MAX_CHARS


def test_only_the_last_100_kib_are_kept_without_nul() -> None:
    console = Console.first(VM, "h1", "x" * (MAX_CHARS + 10) + "\x00end")
    assert len(console.text) == MAX_CHARS - 1 and console.text.endswith("xend")
    console.record("h1", console.text + "y" * 20)
    assert recorded(console)[-1] == ("Appended", "y" * 20)
    assert len(console.text) == MAX_CHARS and console.text.endswith("xend" + "y" * 20)


def test_clearing_is_for_the_host_that_recorded_it_last() -> None:
    console = Console.first(VM, "h1", "boot\n")
    console.record("h2", "h2 boot\n")
    console.collect_events()
    console.clear("h1")  # the other end of a resize, gone after h2 took over
    assert recorded(console) == []
    console.clear("h2")
    assert recorded(console) == [("Cleared", None)]
    assert (console.host, console.text) == (None, "")
    console.record("h2", "h2 boot\n")  # back again: nothing to continue
    assert recorded(console) == [("Replaced", "h2 boot\n")]


def test_what_does_not_continue_the_text_is_no_continuation() -> None:
    text = stream(3000)
    assert continuation("abc", "abd") is None
    assert continuation(text, "\ufffd" + stream(10)) is None  # a short new log
    # Overlapping by less than half the reading: a new log that happens to start alike.
    assert continuation(text, text[-100:] + "z" * 200) is None
    assert continuation(text, text[-300:] + "z" * 200) == "z" * 200
