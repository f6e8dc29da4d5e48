"""What camhub hides of a Sercomm camera's configuration before showing it to anyone.

The camera blanks some passwords itself (USER, EMAIL, FTP, HTTP_EVENT, PPPOE in seed
004) but serves others as stored: the WiFi keys, DDNS, LOG's instant-message, Samba and
HTTP notify passwords. camhub shows none of them: every password- or key-like value
reads ``********`` whether the camera blanked it or not, so an answer never tells a
set password from an empty one. URLs lose the password of their user part and the
value of secret-looking query parameters; camhub's own hook URL (which carries the
device's hook secret) reads ``<camhub hook>``.

The same rules apply to the ``key=value`` lines of a raw reply, so ``raw`` cannot be
used to read what ``get_settings`` hides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from yarl import URL

MASK = "********"
CAMHUB_HOOK = "<camhub hook>"

# A key whose value is a secret: ...pass, ...passwd, ...password, ...key, the WEP keys
# (``wep_kep1..4`` as seed 004 spells them), the WEP/WPA pass phrases, tokens.
_SECRET_KEY = re.compile(
    r"(pass|passwd|password|pwd|secret|token|psk|key\d*|kep\d+)$|^w(ep|pa)_ascii$", re.I
)
# USER.user1..user20 hold ``name,password``.
_USER_SLOT = re.compile(r"^user\d+$")
_URL_KEY = re.compile(r"^url_|url$|uri\d*$", re.I)


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def is_camhub_hook(url: str, hook_url: str | None, device: str) -> bool:
    """``url`` is camhub's hook for ``device``: today's, or one from an earlier
    ``server.hook_base_url`` (same ``/hooks/<name>/<secret>`` path)."""
    if not url:
        return False
    if hook_url is not None and url == hook_url:
        return True
    try:
        path = URL(url).path
    except (TypeError, ValueError):
        return False
    return re.fullmatch(rf"(/.*)?/hooks/{re.escape(device)}/[0-9a-f]{{16,64}}", path) is not None


def redact_url(url: str) -> str:
    """``url`` without the password of its user part or secret query values."""
    try:
        u = URL(url)
    except (TypeError, ValueError):
        return MASK
    if not u.absolute:
        return url
    if u.password:
        u = u.with_password(MASK)
    if any(is_secret_key(k) for k in u.query):
        u = u.with_query([(k, MASK if is_secret_key(k) else v) for k, v in u.query.items()])
    return str(u)


def redact_value(key: str, value: str, hook_url: str | None, device: str) -> str:
    if is_secret_key(key):
        return MASK
    if _USER_SLOT.match(key) and "," in value:
        name, _, _ = value.partition(",")
        return f"{name},{MASK}"
    if _URL_KEY.search(key) and value:
        return CAMHUB_HOOK if is_camhub_hook(value, hook_url, device) else redact_url(value)
    return value


def redact_group(values: Mapping[str, str], hook_url: str | None, device: str) -> dict[str, str]:
    return {k: redact_value(k, v, hook_url, device) for k, v in values.items()}


def redact_text(text: str, hook_url: str | None, device: str) -> str:
    """A raw reply with every ``key=value`` line redacted as in a group."""
    lines = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        key, found, value = body.partition("=")
        if found and key.strip() and not key.startswith("["):
            redacted = redact_value(key.strip(), value, hook_url, device)
            if redacted != value:
                line = f"{key}={redacted}{line[len(body) :]}"
        lines.append(line)
    return "".join(lines)
