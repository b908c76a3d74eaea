"""Bad parameters fail before any kernel starts: one clear message, exit code 2, nothing built."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from russia_korea_briefs import build as build_module
from russia_korea_briefs import cli
from russia_korea_briefs.errors import EXIT_USAGE, ParameterError
from russia_korea_briefs.manifest import custom_brief, find_briefs, load_manifest, standard_briefs
from russia_korea_briefs.params import parse_assignments
from russia_korea_briefs.schemas import coverage


@pytest.fixture(autouse=True)
def no_kernel(monkeypatch):
    """Any attempt to execute a notebook fails the test: validation must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(build_module, "execute", refuse)


def run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--param", "colour=red"], "unknown parameter 'colour'; this notebook takes: start, end, periodization"),
        (["--param", "start=soon"], ("parameter start: 'soon' is not a date; expected a date YYYY-MM-DD from 1979-01-01 "
                                    f"to {coverage().information_cutoff}")),
        (["--param", "start=2020-02-30"], "parameter start: '2020-02-30' is not a date"),
        (["--param", "start=20200101"], "parameter start: write the date as YYYY-MM-DD"),
        (["--param", "start=1970-01-01"], "parameter start: 1970-01-01 is outside the data"),
        (["--param", "end=2030-01-01"], "parameter end: 2030-01-01 is outside the data"),
        (["--param", "start=2020-01-01", "--param", "end=2019-01-01"], "parameter end: 2019-01-01 is before start (2020-01-01)"),
        (["--param", "start"], "--param 'start': expected NAME=VALUE"),
        (["--param", "start=2000-01-01", "--param", "start=2001-01-01"], "--param start: given twice"),
        (["no-such-brief"], "unknown brief 'no-such-brief'; known briefs: overview, phase-"),
        (["phase-rupture", "--param", "phase_id=golden-age"], "parameter phase_id: unknown phase 'golden-age'; expected one of prelude,"),
        (["--param", "periodization=/no/such/file.yaml"], "parameter periodization: periodization file '/no/such/file.yaml' not found"),
        (["--notebook", "nope", "--param", "start=2000-01-01"], "--notebook: unknown notebook 'nope'"),
        (["--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_bad_parameter(capsys, argv, expected):
    code, err = run(capsys, "build", *argv)
    assert code == EXIT_USAGE
    assert expected in err


def test_malformed_periodization_file(capsys, tmp_path):
    bad = tmp_path / "alt.yaml"
    bad.write_text("title: alt\nphases: [\n", encoding="utf-8")
    code, err = run(capsys, "build", "--param", f"periodization={bad}")
    assert code == EXIT_USAGE
    assert "periodization file is invalid" in err and f"{bad}" in err and "malformed YAML" in err


def test_periodization_with_unknown_event(capsys, tmp_path, phases_copy):
    phases_copy.write_text(phases_copy.read_text(encoding="utf-8").replace("[1988-july7-declaration-rr,", "[made-up-event,"), encoding="utf-8")
    code, err = run(capsys, "build", "--param", f"periodization={phases_copy}")
    assert code == EXIT_USAGE
    assert "event id 'made-up-event' is not in events.csv" in err


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["build", "--jobs", "many"])
    assert exc.value.code == EXIT_USAGE


def test_standard_briefs_cover_every_phase():
    briefs = standard_briefs()
    from russia_korea_briefs.data import load_periodization

    assert [b.id for b in briefs] == ["overview"] + [f"phase-{p}" for p in load_periodization().ids]
    assert len({b.id for b in briefs}) == len(briefs)


def test_custom_brief_never_takes_a_standard_name():
    base = find_briefs(["overview"])[0]
    custom = custom_brief(base, {"start": "2014-01-01", "end": "2024-12-31"})
    assert custom.id == "overview-end-2024-12-31-start-2014-01-01"
    assert not custom.standard
    assert custom.id not in {b.id for b in standard_briefs()}
    assert custom.params == {"start": "2014-01-01", "end": "2024-12-31", "periodization": ""}


def test_custom_brief_with_default_values_is_still_custom():
    base = find_briefs(["overview"])[0]
    assert not custom_brief(base, {"start": "1988-01-01"}).standard


def test_manifest_declares_every_notebook_parameter_with_help():
    for nb in load_manifest().notebooks.values():
        for spec in nb.parameters.values():
            assert spec.help, f"{nb.id}.{spec.name} has no help text"


_name = st.from_regex(r"^[a-z_]{1,12}$", fullmatch=True)
_value = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), max_size=20)


@given(st.dictionaries(_name, _value, max_size=5))
def test_parse_assignments_round_trip(params):
    items = [f"{k}={v}" for k, v in params.items()]
    assert parse_assignments(items) == {k: v.strip() for k, v in params.items()}


@given(st.text(alphabet=st.characters(blacklist_characters="=", blacklist_categories=("Cs",)), max_size=20))
def test_parse_assignments_rejects_items_without_equals(item):
    with pytest.raises(ParameterError):
        parse_assignments([item])
