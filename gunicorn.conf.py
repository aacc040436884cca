"""gunicorn's settings for `make run` and for deployments (`gunicorn -c gunicorn.conf.py wsgi:app`).

Read from the same environment variables as the app. Two choices matter for safety and for reading the logs:
- gunicorn by default believes X-Forwarded-Proto (and friends) from 127.0.0.1, so anyone who can reach the
  port locally could claim HTTPS. It trusts forwarded headers only with BEHIND_PROXY=1, and then only from
  FORWARDED_ALLOW_IPS (default the local proxy, 127.0.0.1 and ::1).
- The access log (a line per request, live polls included) is off unless ACCESS_LOG=1; errors and start-up
  messages still go to the terminal.
"""

import os

from workspace.config import _bool as flag

bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '5000'}"
workers = int(os.environ.get("WORKERS") or 2)
threads = int(os.environ.get("THREADS") or 4)
forwarded_allow_ips = (os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1") if flag("BEHIND_PROXY", False) else ""
accesslog = "-" if flag("ACCESS_LOG", False) else None
