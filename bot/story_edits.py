"""Editing sent alerts whose story other outlets now carry ("also reported by ...")."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alert_render import AlertRenderer, ChannelStyles
from bot.errors import StoreUnavailable
from bot.records import OutboxEntry, OutboxKind, ThreadMode
from bot.sending import ChannelRefused, Rejected, Sender, TemporaryFailure

if TYPE_CHECKING:
    from bot.storage.outbox import Outbox
    from bot.storage.threads import Threads

# Part of delivering: its lines keep delivery's name (operators filter on it).
log = logging.getLogger("bot.delivery")

STORY_EDITS_FOR = timedelta(hours=48)
STORY_EDIT_EVERY = timedelta(minutes=1)


class StoryAlertEdits:
    """Brings sent alerts up to date with the outlets that reported their story since."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        threads: Threads,
        sender: Sender,
        renderer: AlertRenderer,
        clock: Callable[[], datetime],
        stopping: Callable[[], bool],
    ) -> None:
        """``stopping``: whether delivery was told to stop (no edit is begun then)."""
        self._outbox = outbox
        self._threads = threads
        self._sender = sender
        self._renderer = renderer
        self._clock = clock
        self._stopping = stopping

    async def update(self) -> int:
        """Edit sent alerts whose story other outlets now carry: at most once a minute per
        message, and not after 48 hours. Returns how many were edited. An edit Discord
        rejects, or that fails to render, is not tried again for that count."""
        now = self._clock()
        behind = await self._outbox.story_alerts_behind(
            now, since=now - STORY_EDITS_FOR, edited_before=now - STORY_EDIT_EVERY
        )
        edited = 0
        styles: ChannelStyles = {}
        for entry, outlets in behind:
            if self._stopping():
                break
            try:
                done = await self._edit(entry, styles)
            except StoreUnavailable:
                raise
            except TemporaryFailure as exc:
                log.info("editing alert %s failed (%r); tried again later", entry.id, str(exc))
                continue
            except (ChannelRefused, Rejected) as exc:
                log.info("alert %s can't be edited (%r); left as it is", entry.id, str(exc))
            except Exception:
                log.exception("editing alert %s failed; left as it is", entry.id)
            else:
                edited += done
            await self._outbox.mark_edited(entry.id, outlets, now=now)
        return edited

    async def _edit(self, entry: OutboxEntry, styles: ChannelStyles) -> bool:
        assert entry.article_id is not None and entry.message_id is not None
        others = await self._outbox.story_outlets(entry.article_id, entry.guild_id)
        message = await self._renderer.render(
            entry, channel_id=entry.channel_id, styles=styles, also=others
        )
        if message is None or not others:
            return False
        if entry.kind is OutboxKind.DM and entry.user_id is not None:
            await self._sender.edit_dm(entry.user_id, entry.message_id, message)
        elif await self._threads.thread_mode(entry.channel_id) is ThreadMode.FORUM:
            # A forum post's first message is in the post, which has the message's id.
            await self._sender.edit(entry.message_id, entry.message_id, message)
        else:
            await self._sender.edit(entry.channel_id, entry.message_id, message)
        return True
