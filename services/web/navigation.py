"""The menu in every page's header: each area's module declares its own links with `nav_link` (so adding
an area never edits the layout), and a person sees the links their role may use, in declaration order."""
from dataclasses import dataclass


@dataclass(frozen=True)
class NavLink:
    key: str      # the words, a key of the translations
    path: str
    roles: tuple


LINKS: list[NavLink] = []


def nav_link(key, path, roles):
    LINKS.append(NavLink(key, path, tuple(roles)))


def links_for(user):
    role = (user or {}).get("role")
    return [link for link in LINKS if role in link.roles] if role else []
