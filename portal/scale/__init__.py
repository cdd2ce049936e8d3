"""A city-scale data set for benchmarks: `flask --app portal city` (see command.py).

It loads the demo first (so the demo logins exist exactly as in `make run`), then writes a whole city
around it with bulk inserts — streets, communities, compounds, buildings, households, organisations,
contracts, people and their posts, a year of repair requests with their timelines, photos rows and
notifications — and places the demo logins inside it, so every role's lists are city-sized.

It may import every module's models (like portal/demo.py); nothing imports it but portal/cli.py.
"""
