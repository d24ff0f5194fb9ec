"""The supervisors' web console, served by fieldapp-server at /console (see app.py)."""
