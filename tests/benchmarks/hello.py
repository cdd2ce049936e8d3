"""The floor: a bare Flask app answering "hello", served like the portal (gunicorn, 2 sync workers).
A page's throughput is quoted as a share of this one's in the same round."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
