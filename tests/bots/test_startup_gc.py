"""``townsquare run`` loads its SDKs with the collector paused (each full collection would
rescan everything loaded so far) and always hands back a running collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from townsquare.bots.cli import _collector_paused


@pytest.fixture
def collector() -> Iterator[None]:
    """What the test freezes is handed back to the collector afterwards."""
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


def test_what_is_loaded_while_paused_is_frozen_and_collection_resumes(collector: None) -> None:
    gc.unfreeze()
    with _collector_paused():
        assert not gc.isenabled()
        loaded = [[index] for index in range(1000)]
    assert gc.isenabled()
    tracked = {id(found) for found in gc.get_objects()}
    assert not any(id(item) in tracked for item in loaded), "frozen: no collection rescans it"
    gc.unfreeze()
    tracked = {id(found) for found in gc.get_objects()}
    assert all(id(item) in tracked for item in loaded)


def test_a_failed_start_up_still_resumes_collection(collector: None) -> None:
    with pytest.raises(RuntimeError), _collector_paused():
        raise RuntimeError("features refused")
    assert gc.isenabled()
