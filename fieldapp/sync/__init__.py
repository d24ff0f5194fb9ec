"""Sync between the laptop and the office server: the wire protocol, the client, reachability, enrollment.

For the GUI (all Qt-free, blocking calls meant for a worker thread):
    SyncClient(base_url, token, store).sync(progress, cancel) -> SyncReport
    AutoSync(client, store, is_reachable=lambda: probe(url)).run()   # background loop
    enrollment.enroll(url, code, device_name=...) / enrollment.load()
    SyncStatus (online, pending, last_sync_at, refusals)
"""
