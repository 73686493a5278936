"""Runs localstripe (a stand-in for Stripe's API and Stripe.js) on 127.0.0.1 only, from an
empty store kept in memory: its own command line listens on every interface and reloads its
last state from disk."""

import argparse

from aiohttp import web
from localstripe.resources import store
from localstripe.server import app

# Its store is written to one file in /tmp after every change: slow as it grows, and shared by
# every instance on the machine. Ours lives in memory only.
store.dump_to_disk = lambda: None

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
args = parser.parse_args()
web.run_app(app, host="127.0.0.1", port=args.port, print=None)
