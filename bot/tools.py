"""The offline text tools of the command line: ``newsbot extract`` (an HTML page's article) and
``newsbot quotes`` (quotations and who said them), one JSON line per result.

Nothing here touches the network or a database. One input that breaks the extractor or the
quote finder costs that input only; the others are still read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TextIO

from bot.errors import CommandError
from bot.readers import read_page, read_text

log = logging.getLogger("bot")

EXIT_USAGE = 2


def extract_pages(paths: Sequence[str], *, url: str | None, out: TextIO) -> int:
    """Write each page's extracted article as a JSON line to ``out``; the exit status (2: an
    input could not be read, 1: a page had no article, 0: all read)."""
    from bot.articles import describe
    from bot.extract import ExtractionError, extract_article

    status = 0
    for path in paths:
        record: dict[str, object] = {"path": path}
        try:
            page = extract_article(read_page(path), url=url)
        except CommandError as exc:
            record["error"] = f"cannot read input: {exc}"
            status = EXIT_USAGE
        except ExtractionError as exc:
            record["error"] = str(exc)
            status = status or 1
        except Exception as exc:
            # One page that breaks the extractor costs that page; the rest are still read.
            log.debug("extracting %r failed", path, exc_info=exc)
            record["error"] = f"extraction failed: {describe(exc)}"
            status = status or 1
        else:
            record.update(
                title=page.title,
                author=page.author,
                published=page.published.isoformat() if page.published else None,
                site=page.site,
                image=page.image,
                lead=page.lead,
                text=page.text,
            )
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return status


def find_quotes(
    paths: Sequence[str], *, html: bool, spacy_model: str, out: TextIO, err: TextIO
) -> int:
    """Write each input's quotations as JSON lines to ``out`` (unreadable inputs are named on
    ``err``); the exit status (2: an input could not be read, 1: the finder failed on one)."""
    from bot.articles import describe
    from bot.quotes import find_quotations as find
    from bot.quotes import is_english, load_model, mark_key

    status = 0
    for path in paths:
        try:
            text = read_text(path, html=html)
        except CommandError as exc:
            print(f"newsbot quotes: {path}: {exc}", file=err)
            status = EXIT_USAGE
            continue
        try:
            nlp = load_model(spacy_model) if is_english(text) else None
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        try:
            found = [q for q in mark_key(find(text, nlp)) if q.is_quotation]
        except Exception as exc:
            # One input that breaks the quote finder costs that input; the rest are still read.
            log.debug("finding quotations in %r failed", path, exc_info=exc)
            failed = {"path": path, "error": f"finding quotations failed: {describe(exc)}"}
            out.write(json.dumps(failed, ensure_ascii=False) + "\n")
            out.flush()
            status = status or 1
            continue
        for quote in found:
            record = {
                "path": path,
                "text": quote.text,
                "speaker": quote.speaker,
                "speaker_kind": quote.speaker_kind.value if quote.speaker_kind else None,
                "role": quote.role,
                "cue": quote.cue,
                "key": quote.key,
                "spans": [list(span) for span in quote.spans],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
    return status
