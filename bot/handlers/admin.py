"""Admin commands: /stats, /broadcast, /user, /reload, /audit. Every action goes to the audit table.

These handlers only see updates from ADMIN_IDS (the filter is set in bot/app.py); anyone else's
admin command falls through to the unknown-command reply, exactly like any unknown command.
What admins read comes from content/data/admin.yaml.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import fields

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.broadcaster import progress_text
from bot.handlers.taps import acknowledge, private_tap
from bot.rendering import MESSAGE_LIMIT
from bot.services import Context, Services, services
from bot.store.rows import Adherence, LastOutcome, ProgressMessage, Quarantined, UserSummary
from content import ContentError
from content.schema import AdminStrings
from flows.markup import bold, fill, plain, rich

log = logging.getLogger(__name__)

ADMIN_COMMANDS = ("stats", "broadcast", "user", "reload", "audit")
BROADCAST_GO, BROADCAST_DROP = "bc|go|", "bc|no|"


def _who(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def _texts(context: Context) -> AdminStrings:
    return services(context).dispatcher.content.admin


async def _answer(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    message = update.effective_message
    assert message is not None
    return await message.reply_text(text, reply_markup=markup)


def _args(update: Update) -> str:
    message = update.effective_message
    text = message.text if message and message.text else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def _number(text: str) -> int | None:
    """A Telegram id or a broadcast number: ASCII digits, perhaps a minus sign, within 2**53
    (Telegram's ids fit in 52 bits; "²", "--5" or twenty digits are no id)."""
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 16):
        return None
    number = int(text)
    return number if abs(number) < 2**53 else None


def _table(texts: AdminStrings, title: str, counts: Mapping[str, int]) -> str:
    lines = [f"  {html.escape(k)}: {v}" for k, v in counts.items()] or [f"  {rich(texts.stats_none)}"]
    return bold(title) + "\n" + "\n".join(lines)


def _percent(texts: AdminStrings, adherence: Adherence) -> str:
    done, planned = adherence.done, adherence.planned
    return f"{done}/{planned} ({done * 100 // planned}%)" if planned else texts.stats_no_plans


async def on_stats(update: Update, context: Context) -> None:
    """/stats: the numbers an admin checks first."""
    found, texts = services(context), _texts(context)
    numbers = await found.store.stats(found.dispatcher.clock.now())
    parts = [
        fill(
            texts.stats_users,
            users=numbers.users,
            active=numbers.active,
            blocked=numbers.blocked,
            new_week=numbers.new_week,
        ),
        _table(texts, texts.stats_patterns, numbers.patterns),
        _table(texts, texts.stats_red_flags, numbers.red_flags),
        _table(texts, texts.stats_phases, numbers.phases),
        fill(
            texts.stats_adherence,
            week=_percent(texts, numbers.adherence_7),
            month=_percent(texts, numbers.adherence_30),
        ),
        _table(texts, texts.stats_reminders, numbers.reminders),
    ]
    await _answer(update, "\n\n".join(parts))
    await found.store.audit(_who(update), "stats", None)


async def on_broadcast(update: Update, context: Context) -> None:
    """/broadcast TEXT: preview and confirm; /broadcast cancel: stop the running one."""
    found, texts = services(context), _texts(context)
    text = _args(update)
    admin = _who(update)
    now = found.dispatcher.clock.now()
    if text.lower() == "cancel":
        running = await found.store.broadcasts_with_status("running")
        for broadcast_id in running:
            await found.store.set_broadcast_status(broadcast_id, "cancelled", now)
            await found.store.audit(admin, "broadcast_cancelled", None, f"#{broadcast_id}")
        reply = fill(texts.broadcast_cancelled, count=len(running)) if running else rich(texts.broadcast_none_running)
        await _answer(update, reply)
        return
    if not text:
        await _answer(update, rich(texts.broadcast_usage))
        return
    # the preview holds the text and must fit in one message; checked before any draft is made
    room = MESSAGE_LIMIT - len(plain(fill(texts.broadcast_preview, text="", count=10**9)))
    if len(text) > room:
        await _answer(update, fill(texts.broadcast_too_long, limit=room, length=len(text)))
        return
    broadcast_id, recipients = await found.store.create_broadcast(admin, text, now)
    await found.store.audit(admin, "broadcast_drafted", None, f"#{broadcast_id} to {recipients}")
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.broadcast_send_button.replace("{count}", str(recipients)),
                    callback_data=f"{BROADCAST_GO}{broadcast_id}",
                )
            ],
            [InlineKeyboardButton(texts.broadcast_drop_button, callback_data=f"{BROADCAST_DROP}{broadcast_id}")],
        ]
    )
    await _answer(update, fill(texts.broadcast_preview, text=text, count=recipients), buttons)


async def on_broadcast_button(update: Update, context: Context) -> None:
    """Confirm or drop a drafted broadcast."""
    query = private_tap(update)
    if query is None or query.data is None:
        return
    found, texts = services(context), _texts(context)
    await acknowledge(query)
    broadcast_id = _number(query.data.rsplit("|", 1)[1])
    if _who(update) not in found.settings.admin_ids or broadcast_id is None:
        return  # a forged button, from someone else or with made-up data, does nothing
    draft = await found.store.broadcast(broadcast_id)
    now = found.dispatcher.clock.now()
    if draft is None or draft.status != "draft" or not isinstance(query.message, Message):
        return
    if query.data.startswith(BROADCAST_DROP):
        await found.store.set_broadcast_status(broadcast_id, "cancelled", now)
        await query.message.edit_text(rich(texts.broadcast_dropped))
        await found.store.audit(_who(update), "broadcast_dropped", None, f"#{broadcast_id}")
        return
    progress = await query.message.reply_text(progress_text(texts, broadcast_id, {}, draft.total, "running"))
    await found.store.set_broadcast_status(
        broadcast_id, "running", now, ProgressMessage(progress.chat_id, progress.message_id)
    )
    await query.message.edit_reply_markup(reply_markup=None)
    await found.store.audit(_who(update), "broadcast_started", None, f"#{broadcast_id} to {draft.total}")
    found.broadcaster.wake.set()


async def on_user(update: Update, context: Context) -> None:
    """/user ID: what is stored about one user, in brief."""
    found, texts = services(context), _texts(context)
    user_id = _number(_args(update))
    if user_id is None:
        await _answer(update, rich(texts.user_usage))
        return
    summary = await found.store.user_summary(user_id)
    await found.store.audit(_who(update), "user_lookup", user_id)
    if summary is None:
        await _answer(update, fill(texts.user_missing, id=user_id))
        return
    lines = [fill(texts.user_heading, id=user_id)]
    lines += [f"{name}: {html.escape(value)}" for name, value in _summary_fields(summary)]
    await _answer(update, "\n".join(lines))


def _summary_fields(summary: UserSummary) -> list[tuple[str, str]]:
    """Each field of the summary as a line's name and value."""

    def shown(value: object) -> str:
        if isinstance(value, LastOutcome):
            return f"{value.urgency} {value.pattern or '-'} {value.red_flag or '-'} at {value.decided_at}"
        if isinstance(value, Quarantined):  # when and why; what it holds is the runner's, not for a chat
            return f"set aside at {value.at[:19]} ({value.reason})"
        if isinstance(value, tuple):
            return ", ".join(map(shown, value)) or "-"
        return str(value)

    return [(field.name, shown(getattr(summary, field.name))) for field in fields(summary)]


async def on_reload(update: Update, context: Context) -> None:
    """/reload: validate the content files and swap them in whole, or keep the old ones; every other
    process of the bot loads its own files when it sees the new version (bot/content_sync.py)."""
    found: Services = services(context)
    texts = _texts(context)
    directory = found.settings.content_dir
    try:
        fresh = found.content.load()  # the files this process serves from
    except ContentError as exc:
        await found.store.audit(_who(update), "reload_refused", None, str(exc))
        await _answer(update, fill(texts.reload_refused, error=str(exc)))
        return
    version = await found.content.publish(fresh, _who(update))
    await found.store.audit(_who(update), "reload", None, f"{directory or 'bundled'}, version {version}")
    await _answer(update, rich(fresh.admin.reloaded))


async def on_audit(update: Update, context: Context) -> None:
    """/audit: the recent admin actions."""
    found, texts = services(context), _texts(context)
    entries = await found.store.audit_log(20)
    await found.store.audit(_who(update), "audit", None)
    lines = [
        f"{html.escape(e.at[:19])} {e.actor_id or '-'} {html.escape(e.action)}"
        + (f" user {e.user_id}" if e.user_id is not None else "")
        + (f" {html.escape(e.detail)}" if e.detail else "")
        for e in entries
    ]
    await _answer(update, rich(texts.audit_heading) + "\n" + ("\n".join(lines) or rich(texts.stats_none)))
