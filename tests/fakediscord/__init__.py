"""A wire-level fake Discord for end-to-end tests with the real, unmodified discord.py client.

Fixture: `fake_discord`, from the plugin module: `pytest_plugins = ["tests.fakediscord.plugin"]`
in a test module or the root conftest (or import it there). It yields a started `FakeDiscord`:

World: `fake.add_guild(name, owner_id=None, bot_permissions=0) -> Guild` (with @everyone, the bot's
managed role, the bot and an owner as members); `guild.add_channel(name, view=, send=,
embed_links=)` (False denies that permission to the bot through an overwrite);
`guild.add_role(name, permissions=)`, `guild.add_member(user, roles=)`, `guild.remove_member(user)`,
`channel.set_overwrite(target, allow=, deny=)`;
`guild.add_channel(..., create_threads=, send_in_threads=)`, `guild.add_forum(name, tags=(...),
create_posts=, send_in_threads=)` (a forum, type 15, with available tags; `forum.tag(name)`);
`guild.add_thread(parent, name)`; `fake.add_user(name)`, `fake.dm_channel(user)`;
`fake.bot_user`, `fake.application_id`, `fake.token`.

Running a bot: `async with running(bot, fake): ...` sets Route.BASE, starts, waits for ready and
closes cleanly. The bot's setup_hook aims DiscordWebSocket.DEFAULT_GATEWAY at GET /gateway/bot.

Driving: `await fake.invoke(name, {option: value}, guild=, channel=, user=, dm=,
subcommand="grp sub", focused="option", member_permissions=int) -> InteractionHandle`;
`await fake.click(message, custom_id, user, values=)`; `await fake.dispatch(event, data)`;
`await fake.drop_gateway(code=4000, invalidate=False)` (`code=None` drops TCP; `invalidate`
refuses the RESUME that follows, so the client IDENTIFYs again).
`await handle.response(timeout=, followups=, edits=)` then
`handle.callback_type`, `.data`, `.content`, `.embeds`, `.flags`, `.ephemeral`, `.original`,
`.followups`, `.edits`, `.choices`.

Inspecting: `fake.messages(channel, include_ephemeral=False)`, `fake.requests` (RecordedRequest:
method, path relative to the API base, query, headers, json, time, operation, status),
`fake.requests_matching(method, path_regex, status=)`, `fake.commands(guild=None)`,
`fake.violations` (spec and limit violations, as strings), `fake.unknown_routes`,
`fake.gateway_log`, `fake.identifies`, `fake.resumes`, `fake.heartbeats`,
`await fake.wait_until(predicate, timeout=)`;
threads: `fake.threads_in(parent)` (live threads or forum posts, each a Channel of type 11
with `.parent`, `.archived`, `.applied_tags`), `await fake.archive_thread(thread)` (sending
then fails with 400 "Thread is archived" until `PATCH /channels/{id}` `archived: false`),
`await fake.delete_thread(thread)` (404 Unknown Channel from then on).

Faults: `fake.inject(method, path_regex, status, times=1, retry_after=None, global_=False,
body=None, processed=False, when=None)` (`processed`: the request's work is done, then the fault
answered; `when`: a test of the JSON body, to fail one message among many);
`fake.hold(method, path_regex, seconds)` (work done at once, the answer sent late);
`fake.message_bucket = (5, 5.0)` is the per-channel message rate limit the fake
announces in its headers and enforces; `fake.interaction_deadline` (3 s) as Discord's.

Modules: `server` (FakeDiscord: start, stop, the route table) is built in layers around `world`
(the shared state: users, servers, channels, messages, commands, what was recorded): `limits`
(every request's way in: validation, rate limits, injected faults), `gateway` (sessions and
events), `rest` (resources and messages), `threads` (forum posts, threads from a message,
archiving) and `interaction_api` (callbacks, webhooks, invoking commands and clicking).
`interactions` holds the interaction values, `models` the world's objects, `spec` the OpenAPI
validation, `mentions` who a message pings.
"""

from .interactions import CommandUnavailable, InteractionHandle
from .models import Channel, ForumTag, Guild, Member, Perm, Role, User
from .runner import running
from .server import FakeDiscord, Injection, RecordedRequest

__all__ = [
    "Channel",
    "CommandUnavailable",
    "FakeDiscord",
    "ForumTag",
    "Guild",
    "Injection",
    "InteractionHandle",
    "Member",
    "Perm",
    "RecordedRequest",
    "Role",
    "User",
    "running",
]
