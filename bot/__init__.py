"""newsbot: a Discord bot for people who follow the news together."""

__version__ = "0.1.0"
