"""``gateway parity``: the cutover parity pass of the product document as one command.

Runs every route's committed operation for every persona allowed to open it, walks each response against its
operation and the schema, classifies every missing datum (read model, rendering, seed, future product, blocking)
and writes Markdown, JSON and HTML reports. It sits above the gateway's layers (like the tests): it reads the
schema the gateway serves and talks to the gateway over HTTP, in-process or deployed.
"""
