"""The command line through every case of the campaign (in-process, like tests/test_cli.py)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from desktop_app import cli
from desktop_app.core.keystore import KeyStore
from tests.campaign import checks
from tests.campaign.conftest import Target
from tests.campaign.faults import CASE_IDS, CASES, PROXY, TLS, Case
from tests.conftest import CANARY_KEY

pytestmark = pytest.mark.slow  # pytest -m 'not slow' leaves it out


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_cli_campaign(
    case: Case,
    target: Target,
    campaign_photos: dict[str, Path],
    tmp_path: Path,
    isolated_user_folders: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    summary_line: dict[str, str],
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("OPENAI_BASE_URL", target.base_url)
    photo = campaign_photos["noisy" if case.noise else "photo"]
    out = tmp_path / "out"
    args = ["vary", str(photo), "-n", str(case.n), "--out", str(out)]
    args += ["--timeout", f"{case.deadline:g}"]
    if case.classic:
        args += ["--mode", "classic", "--size", "256x256"]
        args += ["--response-format", case.response_format]
    if case.stream:
        args.append("--stream")

    code = cli.main(args, keystore=KeyStore(environ={"OPENAI_API_KEY": CANARY_KEY}))
    printed = capsys.readouterr()
    seen = target.seen(case.endpoint)
    case = case.as_seen(seen)
    first_line = next(
        (line for line in printed.err.splitlines() if "image-variations:" in line), ""
    )
    summary_line["outcome"] = f"exit {code}: {first_line.removeprefix('image-variations: ')}"
    summary_line["requests"] = str(seen)
    if case.provoke == TLS and target.tls is not None:
        summary_line["note"] = f"{target.tls.handshakes} TLS handshake(s) refused"

    # The expected outcome, said plainly.
    assert code == case.exit_code, printed.err
    for fragment in case.says:
        assert fragment in printed.err, printed.err
    # No crash: an exit code from the table and no traceback anywhere.
    assert "Traceback" not in printed.err + printed.out
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    # No silent double billing: the server saw what the table allows, and no more.
    assert seen == case.requests
    if case.provoke == PROXY and target.proxy is not None:
        through = [use.target for use in target.proxy.used]
        summary_line["note"] = f"proxy relayed {len(through)} request(s)"
        assert any(t.endswith(case.endpoint) for t in through), through
    # Nothing lost: what arrived is printed, saved, and whole in the library.
    saved = [Path(line) for line in printed.out.splitlines() if line.strip()]
    assert len(saved) == case.images_kept
    assert all(path.is_file() and path.parent == out for path in saved)
    run = checks.latest_run()
    if run is None:
        # Only when the failure came before the run could be recorded (the model list).
        assert not case.succeeds and case.requests == 0
    else:
        checks.assert_run_intact(run, case.images_kept, succeeded=case.succeeds)
        assert run.error is None or not checks.canary_in(run.error)
    # The canary key: in no output, log record or file.
    checks.assert_no_canary_in_texts("the output", [printed.out, printed.err])
    checks.assert_no_canary_in_logs(caplog.records)
    checks.assert_no_canary_in_files(tmp_path, isolated_user_folders)
