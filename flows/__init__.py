"""Pure conversation logic: (stored state, event) -> (new state, replies, effects). No I/O."""
