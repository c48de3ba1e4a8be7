"""The running bot's wiring: settings, shared dependencies, the Bolt app and its HTTP front door,
Socket Mode, the scheduler, Slack clients, logging and the `roundtable` command line.
"""
