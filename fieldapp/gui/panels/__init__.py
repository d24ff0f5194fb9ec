"""The main window's panels, each a widget over its own Qt Designer form (ui/panels/*.ui): the caseload,
today's drafts, recent contacts, what is still due, contacts the server refused, and the sync status.
fieldapp.gui.main_window assembles them; the lock screen is fieldapp.gui.lock."""
