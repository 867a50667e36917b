"""All SQL lives here, one repository per area over a shared Database (SQLAlchemy 2 Core, async).

``database`` opens the engine and holds what each engine spells its own way; ``rows`` turns
rows into records; each other module is one area's repository. ``bot.store.Store`` composes them
for callers that still take the whole store.
"""
