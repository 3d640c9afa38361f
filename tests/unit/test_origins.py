"""ALLOWED_ORIGINS: parsed strictly, always after the page's own origins."""
from __future__ import annotations

import pytest

from sciatica_rasa.origins import OriginError, allowed_origins, extra_origins, parse_origins


def test_the_default_is_the_pages_own_origin():
    assert allowed_origins({"WEB_PORT": "9090"}) == ["http://localhost:9090", "http://127.0.0.1:9090"]


def test_allowed_origins_are_added_once_in_order_without_trailing_slashes():
    env = {"WEB_PORT": "8080", "ALLOWED_ORIGINS": " https://clinic.example/, http://localhost:8080,https://Physio.example:8443 "}
    assert allowed_origins(env) == [
        "http://localhost:8080", "http://127.0.0.1:8080", "https://clinic.example", "https://physio.example:8443",
    ]
    assert extra_origins(env) == ["https://clinic.example", "https://physio.example:8443"]


@pytest.mark.parametrize("entry", ["clinic.example", "https://clinic.example/chat", "*", "ftp://clinic.example"])
def test_an_entry_that_is_not_an_origin_is_refused_with_its_name(entry):
    with pytest.raises(OriginError, match="ALLOWED_ORIGINS"):
        parse_origins(entry)
