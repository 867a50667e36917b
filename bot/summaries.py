"""A channel's overflow past its alert cap, rolled into one summary message."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bot.alert_render import AlertRenderer
from bot.alerts import Alert, alert_for, summary_message
from bot.delivery_ledger import DeliveryLedger
from bot.errors import StoreUnavailable
from bot.records import OutboxEntry, OutboxKind
from bot.sending import ChannelRefused, DeliveryReport, Sender, TemporaryFailure

# Part of delivering: its lines keep delivery's name (operators filter on it).
log = logging.getLogger("bot.delivery")


class Summaries:
    """Sends a channel's overflow as one message and records its rows as summarized."""

    def __init__(self, *, sender: Sender, renderer: AlertRenderer, ledger: DeliveryLedger) -> None:
        """Keep the sender, the renderer articles are read with, and the ledger."""
        self._sender = sender
        self._renderer = renderer
        self._ledger = ledger

    async def send(
        self,
        channel_id: int,
        overflow: Sequence[OutboxEntry],
        report: DeliveryReport,
        *,
        to_person: int | None = None,
    ) -> None:
        """The overflow as one message: each article once, and the people whose 'here' alerts
        are among them mentioned once each. ``to_person``: instead, a person's DM alerts held
        through their quiet hours, as one catch-up message by DM."""
        went_out: dict[int, list[int]] = {}
        for entry in overflow:
            message_id = self._ledger.unrecorded(entry.id)
            if message_id is not None:
                went_out.setdefault(message_id, []).append(entry.id)
        for message_id, ids in went_out.items():
            await self._ledger.record_sent(ids, message_id, summarized=True)
            report.summarized += len(ids)
        recorded = {entry_id for ids in went_out.values() for entry_id in ids}
        overflow = [e for e in overflow if e.id not in recorded]
        if not overflow:
            return
        lines: dict[int | None, tuple[Alert, list[int]]] = {}
        rolled: list[OutboxEntry] = []
        for entry in overflow:
            try:
                found = await self._renderer.article_of(entry)
                alert = alert_for(*found) if found is not None else None
            except StoreUnavailable:
                raise
            except Exception as exc:
                log.exception("alert %s could not be summarized", entry.id)
                reason = f"newsbot could not prepare this alert ({type(exc).__name__}: {exc})"
                await self._ledger.poisoned([entry], reason, report)
                continue
            rolled.append(entry)
            if alert is not None:
                line = lines.setdefault(entry.article_id, (alert, []))
                if entry.kind is OutboxKind.HERE and entry.user_id is not None:
                    line[1].append(entry.user_id)
        if not rolled:
            return
        first = rolled[0]
        try:
            alerts = [alert for alert, _ in lines.values()]
            if to_person is not None:
                title = f"{len(alerts)} {'alert' if len(alerts) == 1 else 'alerts'} while your "
                message = summary_message(alerts, title=title + "quiet hours were on")
                nonce = f"nb-q{first.id}"
                message_id = await self._sender.send_dm(to_person, message, nonce=nonce)
            else:
                message = summary_message(
                    alerts, for_people=[tuple(people) for _, people in lines.values()]
                )
                nonce = f"nb-s{first.id}"
                message_id = await self._sender.send(channel_id, message, nonce=nonce)
        except ChannelRefused as exc:
            if to_person is not None:  # closed DMs: as for their alerts one by one
                await self._ledger.dms_closed(rolled, to_person, str(exc), report)
                return
            await self._ledger.refused(first, str(exc), report, channel_id=channel_id)
            return
        except TemporaryFailure as exc:
            log.info("summary to %s failed (%r); retried next round", channel_id, str(exc))
            report.retried += len(rolled)
            return
        except StoreUnavailable:
            raise
        except Exception as exc:
            log.warning("summary to %s failed: %r", channel_id, str(exc), exc_info=True)
            await self._ledger.poisoned(rolled, f"the summary failed: {exc}", report)
            return
        await self._ledger.record_sent([e.id for e in rolled], message_id, summarized=True)
        report.summarized += len(rolled)
