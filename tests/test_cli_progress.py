"""Progress bars appear on stderr only for a terminal and never with --quiet."""

from __future__ import annotations

import io
import sys
import threading

import pytest

from bbmigrate.cli.common import progress, progress_bars


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "quiet", "shown"),
    [(_Terminal, False, True), (_Terminal, True, False), (io.StringIO, False, False)],
)
def test_bar_only_on_a_terminal_and_not_quiet(monkeypatch, stream, quiet, shown):
    err = stream()
    monkeypatch.setattr(sys, "stderr", err)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    items = progress(iter(range(5)), total=5, label="crunching", quiet=quiet)
    assert list(items) == [0, 1, 2, 3, 4]
    assert ("crunching" in err.getvalue()) is shown
    assert out.getvalue() == ""  # a bar never lands on stdout, which may carry --json


def test_progress_bars_yields_nothing_to_draw_on_when_piped(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress_bars(quiet=False) as bars:
        assert bars is None


def test_the_bar_starts_after_the_first_item(monkeypatch):
    # A producer that forks workers (validate --jobs) does so on its first step: no bar thread
    # may exist yet, or a child could inherit a lock that thread held.
    monkeypatch.setattr(sys, "stderr", _Terminal())
    before = threading.active_count()
    seen: list[int] = []

    def produce():
        seen.append(threading.active_count())
        yield from range(3)

    assert list(progress(produce(), total=3, label="crunching", quiet=False)) == [0, 1, 2]
    assert seen == [before]
    assert "crunching" in sys.stderr.getvalue()  # the bar was shown all the same


def test_an_empty_stream_shows_no_bar(monkeypatch):
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert list(progress(iter(()), total=0, label="crunching", quiet=False)) == []
    assert sys.stderr.getvalue() == ""


def test_a_late_update_after_the_block_draws_nothing(monkeypatch):
    # A thread that outlives the block (a fetch worker after Ctrl-C) must not start a bar that
    # nothing stops.
    monkeypatch.setattr(sys, "stderr", _Terminal())
    with progress_bars(quiet=False) as bars:
        task = bars.add_task("pages", total=None)
        bars.advance(task)
        assert bars.live.is_started
    assert not bars.live.is_started
    bars.advance(task)
    bars.update(task, completed=5)
    assert not bars.live.is_started
