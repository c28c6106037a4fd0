"""Telegram handlers, one module per concern; bot/app.py registers them in order."""
