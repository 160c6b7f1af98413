"""gunicorn's configuration (`gunicorn -c python:alliance.gunicorn_conf alliance.wsgi`).

gunicorn believes X-Forwarded-Proto from 127.0.0.1 by default, whatever the application thinks of
its proxies; here it believes it only when TRUSTED_PROXIES says a proxy of ours is in front.
"""

from alliance.proxies import trusted_proxies

# With a proxy in front, only the proxy reaches gunicorn; without one, nobody is believed.
forwarded_allow_ips = "*" if trusted_proxies() else ""
if not trusted_proxies():
    secure_scheme_headers: dict[str, str] = {}
