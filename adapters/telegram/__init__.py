"""The Telegram channel (python-telegram-bot).  The only package that imports ``telegram``."""
