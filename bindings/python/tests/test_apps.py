"""The attack scenario (scenario.py) against a real Flask app and a real Django app,
each served on 127.0.0.1 by a real server: every attack reported in report mode and
answered with the block page in block mode; normal requests unchanged in both."""

from __future__ import annotations

import pytest
import rampart
import scenario
from servers import werkzeug_server


@pytest.fixture(scope="module")
def metadata():
    yield from scenario.metadata_server()


def test_flask(metadata, protect, events, tmp_path) -> None:
    import flask_app

    site = scenario.new_site(tmp_path / "flask", metadata)
    with werkzeug_server(flask_app.create_app(site)) as base:
        scenario.play(base, site, protect, events, rampart)
