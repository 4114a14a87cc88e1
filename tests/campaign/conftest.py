"""Fixtures of the fault campaign, and the summary it prints at the end (one line per case)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from tests.campaign import special
from tests.campaign.faults import DNS, PLAIN_HTTP, PROXY, REFUSED, TLS, Case
from tests.campaign.gui_proof import gui_proof  # noqa: F401 (fixture)
from tests.conftest import CANARY_KEY
from tests.fake_openai import FakeOpenAI, Fault
from tests.ui.conftest import _jpeg, keyring_backend, make_window  # noqa: F401 (fixtures)

# nodeid -> the line the summary prints for it
SUMMARY: dict[str, dict[str, str]] = {}


@dataclass
class Target:
    """Where a case sends the app, and who can tell what arrived there."""

    base_url: str
    server: FakeOpenAI | None = None
    tls: special.UntrustedTlsServer | None = None
    proxy: special.RecordingProxy | None = None

    def seen(self, path: str) -> int:
        if self.tls is not None:
            return len(self.tls.requests)
        return self.server.count(path) if self.server is not None else 0


@pytest.fixture(scope="session")
def campaign_photos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("campaign-photos")
    photo = _jpeg(folder / "photo.jpg")
    # Noise does not compress: the upload outlasts the kernel's socket buffers, so a reset
    # arrives while the client is still writing.
    noise = Image.effect_noise((1400, 1400), 120).convert("RGB")
    noise = Image.merge("RGB", (noise.getchannel(0), noise.rotate(90).getchannel(0),
                                noise.rotate(180).getchannel(0)))  # fmt: skip
    noisy = folder / "noisy.png"
    noise.save(noisy, "PNG")
    return {"photo": photo, "noisy": noisy}


@pytest.fixture(scope="session")
def stream_cut(campaign_photos: dict[str, Path]) -> int:
    with FakeOpenAI(api_key=CANARY_KEY) as server:
        return special.stream_cut_after_first_image(
            server.base_url, CANARY_KEY, campaign_photos["photo"], 3
        )


@pytest.fixture
def target(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stream_cut: int,
) -> Iterator[Target]:
    """Sets up what the case (the test's ``case`` parameter) needs; tears it all down after."""
    case: Case = request.node.callspec.params["case"]
    if case.provoke == REFUSED:
        yield Target(special.closed_port_base_url())
        return
    if case.provoke == DNS:
        yield Target(special.UNRESOLVABLE_BASE_URL)
        return
    if case.provoke == TLS:
        tls = special.UntrustedTlsServer(tmp_path).start()
        try:
            yield Target(tls.base_url, tls=tls)
        finally:
            tls.stop()
        return
    server = FakeOpenAI(api_key=CANARY_KEY, legacy_gateway=case.classic).start()
    proxy = None
    try:
        if case.fault is not None:
            fault = case.fault
            if case.name == "reset_mid_stream_keeps_arrived":
                fault = Fault(fault.kind, after_bytes=stream_cut)
            server.inject(fault, path=case.fault_path, times=case.times)
        if case.provoke == PLAIN_HTTP:
            origin = server.base_url.removesuffix("/v1")
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
                monkeypatch.setenv(name, origin)
                monkeypatch.setenv(name.lower(), origin)
            for name in ("NO_PROXY", "no_proxy"):
                monkeypatch.delenv(name, raising=False)
            yield Target(special.PLAIN_HTTP_BASE_URL, server=server)
            return
        if case.provoke == PROXY:
            proxy = special.RecordingProxy().start()
            for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
                monkeypatch.setenv(name, proxy.url)
                monkeypatch.setenv(name.lower(), proxy.url)
            for name in ("NO_PROXY", "no_proxy"):
                monkeypatch.delenv(name, raising=False)
        yield Target(server.base_url, server=server, proxy=proxy)
    finally:
        server.stop()
        if proxy is not None:
            proxy.stop()


@pytest.fixture
def summary_line(request: pytest.FixtureRequest) -> dict[str, str]:
    line: dict[str, str] = {"outcome": "-", "requests": "-", "note": ""}
    SUMMARY[request.node.nodeid] = line
    return line


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    line = SUMMARY.get(report.nodeid)
    if line is None:
        return
    if report.failed:
        line["result"] = "FAIL" if report.when == "call" else f"ERROR ({report.when})"
    elif report.when == "call":
        line.setdefault("result", "pass")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not SUMMARY:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault campaign")
    write(f"{'surface':<7} {'case':<34} {'outcome':<44} {'requests':<9} result")
    for nodeid, line in SUMMARY.items():
        surface = "cli" if "test_cli_campaign" in nodeid else "window"
        case = nodeid.rsplit("[", 1)[-1].rstrip("]")
        note = f"  {line['note']}" if line["note"] else ""
        write(
            f"{surface:<7} {case:<34} {line['outcome'][:44]:<44} {line['requests']:<9} "
            f"{line.get('result', 'not run')}{note}"
        )
