"""Presentation of a MeetingReport: matplotlib charts, the HTML page, and headless-browser rendering."""
