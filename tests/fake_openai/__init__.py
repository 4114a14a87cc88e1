"""A local imitation of the OpenAI Images API (see docs/API.md) for tests.

with FakeOpenAI() as fake:
    client = httpx.Client(base_url=fake.base_url, headers={"Authorization": "Bearer sk-x"})
    fake.inject(Fault("rate_limit", retry_after="1"), path="/v1/images/edits")
    ...
    assert fake.count("/v1/images/edits") == 2
"""

from .faults import Fault
from .recording import RecordedRequest, UploadedFile
from .results import read_provenance
from .server import FakeOpenAI

__all__ = ["FakeOpenAI", "Fault", "RecordedRequest", "UploadedFile", "read_provenance"]
