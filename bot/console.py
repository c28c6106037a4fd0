"""`thigh-coach chat`: the same bot in a terminal, on the same database, the same clock
(TEST_CLOCK_FILE) and the same commands, arguments included ("/log 5 km in 32 min").

Buttons are numbered: type the number (or the label) to tap one. Besides the bot's commands:
/back, /restart, /export (a JSON file here), /delete (asks first), /help, /quit. /history's chart and
/report's PDF are written here too, and their paths printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from bot.commands import command_event
from bot.dispatch import Dispatcher
from bot.pictures import FILE_NAMES, drawn
from flows.events import Back, BeginTriage, Choose, Event, Text
from flows.markup import plain
from flows.replies import Button, Reply

CONSOLE_USER = 0


def render(reply: Reply) -> tuple[str, list[Button]]:
    buttons = [button for row in reply.buttons for button in row]
    lines = [plain(reply.text)]
    lines += [f"  [{number}] {button.label}" for number, button in enumerate(buttons, start=1)]
    return "\n".join(lines), buttons


class Console:
    def __init__(
        self, dispatcher: Dispatcher, write: Callable[[str], None], user_id: int = CONSOLE_USER, folder: Path = Path()
    ) -> None:
        self.dispatcher = dispatcher
        self.write = write
        self.user_id = user_id
        self.folder = folder  # where /export, /history and /report write their files
        self.buttons: list[Button] = []
        self.confirming_delete = False

    async def _command(self, line: str) -> Event | None:
        """The event behind a command, or None when the terminal answered it itself."""
        strings = self.dispatcher.content.strings
        name, event = command_event(line)
        if event is not None:
            return event
        if name == "restart":
            return BeginTriage()
        if name == "back":
            back = next((b.event for b in self.buttons if isinstance(b.event, Back)), None)
            if back is None:
                self.write(plain(strings.no_going_back))
            return back
        if name == "help":
            self.write(plain(strings.help))
        elif name == "export":
            path = self.folder / f"thigh-coach-data-{self.user_id}.json"
            path.write_text(await self.dispatcher.export(self.user_id), encoding="utf-8")
            self.write(f"{plain(strings.export_caption)}\n  {path}\n")
        elif name == "delete":
            self.confirming_delete = True
            self.write(f"{plain(strings.delete_confirm)}\n  [1] {strings.delete_yes}\n  [2] {strings.delete_no}\n")
        else:
            self.write(plain(strings.unknown_command))
        return None

    async def _confirm_delete(self, line: str) -> None:
        strings = self.dispatcher.content.strings
        self.confirming_delete = False
        if line in ("1", strings.delete_yes):
            await self.dispatcher.delete(self.user_id)
            self.buttons = []
            self.write(plain(strings.deleted) + "\n")
        else:
            self.write(plain(strings.delete_kept) + "\n")

    async def _event(self, line: str) -> Event | None:
        if line.startswith("/"):
            return await self._command(line)
        # a button's own label first (pain scores are numbers), then its number in the list, except
        # where the question itself asks for a number (a 0-10 pain scale): there a number is the answer
        by_label = next((b.event for b in self.buttons if b.label == line), None)
        if by_label is not None:
            return by_label
        if line.isdigit() and 1 <= int(line) <= len(self.buttons) and not self._asks_for_a_number():
            return self.buttons[int(line) - 1].event
        return Text(line)

    def _asks_for_a_number(self) -> bool:
        questions = self.dispatcher.content.questions
        asked = {b.event.question for b in self.buttons if isinstance(b.event, Choose)}
        return any(a.range is not None for q in asked if q in questions for a in questions[q].answers)

    async def send(self, line: str) -> None:
        line = line.strip()
        if self.confirming_delete:
            await self._confirm_delete(line)
            return
        event = await self._event(line)
        if event is None:
            return
        result = await self.dispatcher.dispatch(self.user_id, event)
        for reply in result.replies if result else ():
            text, buttons = render(reply)
            if reply.picture is not None:
                path = self.folder / FILE_NAMES[reply.picture.kind]
                path.write_bytes(await drawn(reply.picture))
                text += f"\n  {path}"
            self.write(text + "\n")
            if buttons:
                self.buttons = buttons

    async def run(self, lines: Iterable[str]) -> None:
        self.write("Thigh Coach in your terminal. Type a number to tap a button; /quit to leave.\n")
        await self.send("/start")
        for line in lines:
            if line.strip() == "/quit":
                break
            await self.send(line)
        self.write("Bye. Your answers are saved: run `thigh-coach chat` again to carry on.")
