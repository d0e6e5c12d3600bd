"""Editing the catalog (the studio), one module per resource: every change is audited, and a
change to a published title publishes ``catalog.title_updated`` so that search and browse can
refresh what they show (:mod:`.audit`).

``actor`` is the account id of the editor, or a name such as ``import`` or ``media`` for
changes the platform makes on its own.
"""
