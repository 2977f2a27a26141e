"""The booking benchmark refuses bad arguments before it starts a server."""

from __future__ import annotations

import pytest

from benchmarks.booking_load import main


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--bookings", "0"], "--bookings"),
        (["--clients", "-3"], "--clients"),
        (["--postgres", "sqlite:///bookings.db"], "--postgres"),
    ],
)
def test_a_bad_argument_is_refused_naming_it(argv: list[str], named: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert named in capsys.readouterr().err
