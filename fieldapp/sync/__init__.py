"""Sync between the laptop and the office server: the wire protocol, the client, reachability, enrollment.

For the GUI (all Qt-free; blocking calls belong on a worker thread):
    enrollment.enroll(url, code, device_name=...) -> Enrollment      # token kept only in the OS keyring
    enrollment.load() -> Enrollment | None
    SyncClient(url, token, worker_id, store).sync(progress, cancel) -> SyncReport   # never raises for network
    reachability.probe(url) -> bool; reachability.AutoSyncPolicy: when the window syncs by itself
    status.snapshot(store, online) -> SyncStatus (online, pending, last_sync_at, refusals, label)
`store` is the encrypted store's `profile.sync_store()` (protocol: fieldapp.sync.store_port.SyncStore).
"""
