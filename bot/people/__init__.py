"""People and their data: data rights (my-data, forget-me, purge, retention, backups), display
names for attributed digests, and the workspace lifecycle (uninstall, reinstall).
"""
