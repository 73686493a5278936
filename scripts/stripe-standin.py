"""Runs localstripe (a stand-in for Stripe's API and Stripe.js) on 127.0.0.1 only, from an
empty store: its own command line listens on every interface and reloads its last state."""

import argparse

from aiohttp import web
from localstripe.server import app

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
args = parser.parse_args()
web.run_app(app, host="127.0.0.1", port=args.port, print=None)
