"""Request bodies the portal accepts: forms, never JSON.

Every page posts a form (urlencoded, or multipart with files); htmx sends the same. Flask-WTF,
given a request without form data whose Content-Type says JSON, builds the form from
`request.get_json()` instead: an array, a string, a number or `null` there made every form POST
answer 500, and an object whose values are lists, numbers or nested objects put non-strings into
text fields that expect strings (500 again). So a JSON body is refused as a bad request (400)
before any view builds a form — objects included, since no page of the portal sends one.
"""

from flask import abort, request

#: the methods Flask-WTF treats as a submission (flask_wtf.form.SUBMIT_METHODS)
SUBMIT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def refuse_json_bodies() -> None:
    """before_request, registered after CSRFProtect: a request without a valid token is still
    refused by the CSRF check (400 with its own message) before this one is asked."""
    if request.method in SUBMIT_METHODS and request.is_json:
        abort(400)
