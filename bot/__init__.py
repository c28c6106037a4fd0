"""The imperative shell: Telegram, the store, the scheduler, admin commands and the CLI."""
