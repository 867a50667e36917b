"""URL checks and the normal form used for item identity."""

from __future__ import annotations

import pytest

from bot.urls import InvalidURL, check_url, normalize_url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("example.com/feed", "no scheme"),
        ("", "empty"),
        ("http:///path", "no host"),
        ("http://exa mple.com/", "spaces"),
    ],
)
def test_check_url_refuses_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidURL) as caught:
        check_url(url)
    assert reason in str(caught.value)


def test_check_url_accepts_http_and_https() -> None:
    assert check_url("  https://example.com/feed.xml ") == "https://example.com/feed.xml"
    assert check_url("http://127.0.0.1:8080/rss") == "http://127.0.0.1:8080/rss"


def test_normalize_url_drops_tracking_fragment_and_default_port() -> None:
    url = "HTTPS://Example.COM:443/News/Story?utm_source=x&b=2&fbclid=abc&a=1&gclid=z#comments"
    assert normalize_url(url) == "https://example.com/News/Story?a=1&b=2"


def test_normalize_url_keeps_meaningful_parameters_and_ports() -> None:
    assert normalize_url("http://example.com:8080/?id=7") == "http://example.com:8080/?id=7"
    assert normalize_url("http://example.com") == "http://example.com/"


def test_normalize_url_resolves_relative_links() -> None:
    assert normalize_url("/a/b?utm_medium=rss", "https://site.test/feed") == "https://site.test/a/b"
