"""The browser console (issue 13): staff queue, case pages, cases list, dashboard, and the
customers' self-service pages, served by the API process beside /v1 (console/pages.py)."""
