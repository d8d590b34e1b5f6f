"""`gateway parity`: options, reports, exit codes and the baseline's accept cycle, in-process on the embedded
default (no server, no process)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gateway.cli import main
from parity import baseline as baselines
from parity.findings import Gap, GapClass
from parity.progress import Progress
from parity.runner import Cell

ROUTE = ["--routes", "/access/connectivity", "--personas", "member"]


def parity(tmp_path: Path, *extra: str) -> int:
    return main(["parity", *ROUTE, "--out", str(tmp_path / "out"), "--baseline", str(tmp_path / "b.json"), *extra])


def test_new_gaps_fail_until_accepted_with_a_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert parity(tmp_path) == 1
    assert "NOT IN BASELINE future-product gap /access/connectivity (member)" in capsys.readouterr().out
    assert parity(tmp_path, "--accept") == 2, "--accept without --reason is refused"
    assert not (tmp_path / "b.json").exists()
    assert parity(tmp_path, "--accept", "--reason", "networks are future product") == 0
    written = json.loads((tmp_path / "b.json").read_text())
    assert written["format"] == baselines.FORMAT
    assert {(e["path"], tuple(e["personas"]), e["reason"]) for e in written["accepted"]} == {
        ("access.connectivity.network", ("member",), "networks are future product"),
        ("access.connectivity.firewall", ("member",), "networks are future product"),
    }
    assert parity(tmp_path) == 0, "the committed baseline accepts them"
    report = json.loads((tmp_path / "out" / "parity.json").read_text())
    assert report["exitCode"] == 0 and report["notInBaseline"] == []
    [route] = report["routes"]
    assert route["verdict"] == "future-product gap, accepted"
    assert route["seedPassVerdict"] == "future-product gap"
    gaps = route["personas"]["member"]["gaps"]
    assert {g["accepted"] for g in gaps} == {"networks are future product"}


def test_reports_in_three_formats(tmp_path: Path) -> None:
    parity(tmp_path)
    out = tmp_path / "out"
    markdown = (out / "parity.md").read_text()
    assert "| `/access/connectivity` |" in markdown and "future-product gap (2)" in markdown
    assert "`access.connectivity.network`" in markdown
    html = (out / "parity.html").read_text()
    assert '<table class="matrix">' in html and "<details open>" in html and "access.connectivity.firewall" in html
    assert "<script" not in html, "the page needs no script"
    report = json.loads((out / "parity.json").read_text())
    assert report["format"] == "gateway-parity-report/1"
    assert report["counts"]["future_product"] == 2 and report["exitCode"] == 1


def test_bad_options_are_refused_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = ["--out", str(tmp_path)]
    assert main(["parity", "--routes", "/nowhere", *out]) == 2
    assert "unknown route '/nowhere'" in capsys.readouterr().err
    assert main(["parity", "--routes", "/account", "--personas", "root", *out]) == 2
    assert main(["parity", "--token", "member=abc", *out]) == 2, "--token goes with --url"
    assert main(["parity", "--url", "ftp://x", "--token", "member=abc", *out]) == 2
    (tmp_path / "bad.json").write_text('{"format": "something else"}')
    assert main(["parity", "--baseline", str(tmp_path / "bad.json"), *out]) == 2
    assert main(["parity", "--rendered", str(tmp_path / "missing.json"), *out]) == 2


def test_the_cutover_set_is_the_product_documents_list() -> None:
    from parity.routes import CUTOVER_ROUTES, load_index

    index = load_index()
    assert [r.path for r in index.select(["cutover"])] == list(CUTOVER_ROUTES)
    assert set(CUTOVER_ROUTES) <= set(index.routes)


def _gap(persona: str, path: str = "a.b", route: str = "/r", gap_class: GapClass = GapClass.SEED) -> Gap:
    return Gap(route, persona, gap_class, path, "why")


def test_accepting_keeps_reasons_and_drops_what_no_gap_needs() -> None:
    kept = baselines.Entry("/r", "seed", "a.b", {"member"}, "old reason")
    gone = baselines.Entry("/r", "seed", "x.y", {"member"}, "fixed since")
    elsewhere = baselines.Entry("/other", "seed", "x.y", {"member"}, "another route")
    before = baselines.Baseline([kept, gone, elsewhere])
    gaps = [_gap("member"), _gap("tenant_admin"), _gap("member", "c.d")]
    assert before.stale(gaps, {"/r"}, {"member", "tenant_admin"}) == [gone]
    after = before.accept(gaps, "new reason", {"/r"}, {"member", "tenant_admin"})
    rows = {(e.route, e.path): (sorted(e.personas), e.reason) for e in after.entries}
    assert rows == {
        ("/r", "a.b"): (["member", "tenant_admin"], "old reason"),
        ("/r", "c.d"): (["member"], "new reason"),
        ("/other", "x.y"): (["member"], "another route"),
    }
    assert after.reason_for(_gap("tenant_admin")) == "old reason"
    assert after.reason_for(_gap("member", gap_class=GapClass.BLOCKING)) is None


def test_the_baseline_file_round_trips_and_refuses_entries_without_reason(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    baseline = baselines.Baseline([baselines.Entry("/r", "seed", "a.b", {"*"}, "any persona")])
    path.write_text(baseline.dumps())
    assert baselines.load(path).reason_for(_gap("operator")) == "any persona"
    broken = json.loads(path.read_text())
    broken["accepted"][0]["reason"] = " "
    path.write_text(json.dumps(broken))
    with pytest.raises(baselines.BaselineError, match="no reason"):
        baselines.load(path)
    broken["accepted"][0].update(reason="r", **{"class": "blocking"})
    path.write_text(json.dumps(broken))
    with pytest.raises(baselines.BaselineError, match="class 'blocking'"):
        baselines.load(path)


def test_the_committed_baseline_is_readable_and_every_entry_has_a_reason() -> None:
    committed = baselines.load(Path(__file__).resolve().parents[2] / "parity-baseline.json")
    assert committed.entries
    assert all(e.reason.strip() and e.personas for e in committed.entries)


def test_progress_writes_plain_lines_off_a_terminal() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream)
    progress(Cell("/a", "member", "ran"))
    progress(Cell("/b", "member", "ran", gaps=[_gap("member")]))
    assert stream.getvalue().splitlines() == [
        "parity: [1/2] /a member: no gap",
        "parity: [2/2] /b member: seed gap",
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_a_bar_on_a_terminal() -> None:
    stream = _Terminal()
    progress = Progress(2, stream)
    progress(Cell("/a", "member", "ran"))
    assert stream.getvalue().startswith("\rparity [" + "#" * 15 + "-" * 15 + "] 1/2 /a (member)")
    progress(Cell("/b", "member", "ran"))
    assert stream.getvalue().endswith("\n") and "] 2/2 /b (member)" in stream.getvalue()
