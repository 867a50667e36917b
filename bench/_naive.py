"""The naive loop as a whole process: urllib + feedparser, one feed after another.

    python bench/_naive.py URLS_FILE STATE_FILE

Each feed is fetched with the ETag and Last-Modified kept in STATE_FILE (JSON; missing: a first
poll), so a second run is a steady poll (304s) and a run after the feeds changed parses only the
changed ones. It keeps only the validators, as the simplest feed reader would. One line of JSON
goes to stdout: feeds fetched, parsed, not modified and items read.
"""

from __future__ import annotations

import gzip
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT_SECONDS = 30.0


def main() -> None:
    urls_file, state_file = Path(sys.argv[1]), Path(sys.argv[2])
    import feedparser

    urls = [line.strip() for line in urls_file.read_text().splitlines() if line.strip()]
    state: dict[str, list[str | None]] = (
        json.loads(state_file.read_text()) if state_file.exists() else {}
    )
    # No proxies from the environment: every request goes to 127.0.0.0/8 directly.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    parsed = not_modified = items = 0
    for url in urls:
        headers = {"Accept-Encoding": "gzip"}
        etag, modified = state.get(url, [None, None])
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        try:
            with opener.open(
                urllib.request.Request(url, headers=headers), timeout=TIMEOUT_SECONDS
            ) as resp:
                body = resp.read()
                if resp.headers.get("Content-Encoding", "").lower() == "gzip":
                    body = gzip.decompress(body)
                state[url] = [resp.headers.get("ETag"), resp.headers.get("Last-Modified")]
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                not_modified += 1
                continue
            raise
        result = feedparser.parse(body)
        if result.get("version"):
            parsed += 1
        items += len(result.entries)
    state_file.write_text(json.dumps(state))
    print(
        json.dumps(
            {"feeds": len(urls), "parsed": parsed, "not_modified": not_modified, "items": items}
        )
    )


if __name__ == "__main__":
    main()
