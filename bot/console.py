"""`thigh-coach chat`: the same conversation in a terminal, stored in the same database.

Buttons are numbered: type the number to tap one. Commands: /start /triage /back /cancel /help /quit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.commands import COMMAND_EVENTS
from bot.dispatch import Dispatcher
from flows.events import Back, BeginTriage, Choose, Event, Text
from flows.markup import plain
from flows.replies import Button, Reply

CONSOLE_USER = 0

# the bot's own commands, plus /restart for the terminal
COMMANDS: dict[str, Event] = {f"/{name}": event for name, event in COMMAND_EVENTS.items()} | {"/restart": BeginTriage()}


def render(reply: Reply) -> tuple[str, list[Button]]:
    buttons = [button for row in reply.buttons for button in row]
    lines = [plain(reply.text)]
    lines += [f"  [{number}] {button.label}" for number, button in enumerate(buttons, start=1)]
    return "\n".join(lines), buttons


class Console:
    def __init__(self, dispatcher: Dispatcher, write: Callable[[str], None], user_id: int = CONSOLE_USER) -> None:
        self.dispatcher = dispatcher
        self.write = write
        self.user_id = user_id
        self.buttons: list[Button] = []

    def _event(self, line: str) -> Event | None:
        if line in COMMANDS:
            return COMMANDS[line]
        if line == "/back":
            back = next((b.event for b in self.buttons if isinstance(b.event, Back)), None)
            if back is None:
                self.write(plain(self.dispatcher.content.strings.no_going_back))
            return back
        if line == "/help":
            self.write(plain(self.dispatcher.content.strings.help))
            return None
        if line.startswith("/"):
            self.write(plain(self.dispatcher.content.strings.unknown_command))
            return None
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
        event = self._event(line.strip())
        if event is None:
            return
        result = await self.dispatcher.dispatch(self.user_id, event)
        for reply in result.replies if result else ():
            text, buttons = render(reply)
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
