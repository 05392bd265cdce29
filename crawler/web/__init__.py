"""``govwatch serve``: the read-only web UI, Atom and iCalendar feeds and the JSON API.

One FastAPI app (``app.create_app``); pages rendered on the server with Jinja2 (autoescaped:
every portal string is hostile input), all reads through the Repository.
"""
