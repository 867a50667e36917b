"""All SQL lives here, one repository per area over a shared Database (SQLAlchemy 2 Core, async).

``database`` opens the engine and holds what each engine spells its own way; ``rows`` turns
rows into records; each other module is one area's repository. ``repositories`` bundles them all
on one Database for the composition root, which hands each service the ones it calls.
"""
