"""The dashboard page's files (index.html, dashboard.js, dashboard.css), shipped as package data
and served by api/routers/dashboard.py."""
