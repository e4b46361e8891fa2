"""The menu in every page's header: each area's module declares its own links with `nav_link` (so adding
an area never edits the layout), and a person sees the links whose shared.authz rule grants their role,
in declaration order."""
from dataclasses import dataclass

from shared.authz import allowed


@dataclass(frozen=True)
class NavLink:
    key: str      # the words, a key of the translations
    path: str
    rule: str     # a rule of shared.authz: who sees the link


LINKS: list[NavLink] = []


def nav_link(key, path, rule):
    LINKS.append(NavLink(key, path, rule))


def links_for(user):
    return [link for link in LINKS if allowed(user, link.rule)] if user else []
