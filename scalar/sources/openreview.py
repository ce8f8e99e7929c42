"""OpenReview (API v2): the accepted papers of a venue.

``list_accepted_papers(venue_id, session)`` asks openreview-py for every note whose
``content.venueid`` equals the bare venue id (that is what "accepted" means in API v2; rejected and
withdrawn papers carry ``…/Rejected_Submission`` etc.). openreview-py pages through
``GET /notes?content.venueid=…&limit=1000&sort=id&count=true`` and then ``…&after=<last id>`` until
a page comes back empty; its internal ``requests`` session gets our :class:`CachingAdapter`
instead of its own retrying adapters, so those pages are cached, paced and retried like every
other request (and replayed offline).

Credentials are optional: ``OPENREVIEW_USERNAME`` / ``OPENREVIEW_PASSWORD`` are read from the
environment, used only to log in (that POST never touches the cache) and never stored. Since 2026
OpenReview often answers anonymous API calls with a 403 ``ChallengeRequiredError`` or an HTML page;
both stop with a :class:`~scalar.sources.http.Challenge` that says to log in.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any, Literal

import requests
from pydantic import BaseModel, Field

from scalar.errors import ConfigError, NetworkError
from scalar.sources.http import CacheMiss, Challenge, HttpStatusError, adapter_of, mount

Presentation = Literal["oral", "spotlight", "poster"]

DEFAULT_BASEURL = "https://api2.openreview.net"

#: The presentation part of ``content.venue`` (what follows "<Venue> <year>", compared without
#: case, spaces, hyphens or underscores) -> tier. Venues reword it between years: "ICLR 2025 Oral"
#: vs "ICLR 2024 oral"; ICML 2025 says "spotlightposter", ICML 2026 "regular" and "spotlight".
#: "regular" is the base tier of an accepted paper, i.e. a poster. Anything else (e.g.
#: "ICLR 2025 Blogpost Track", "Submitted to ICLR 2025") maps to None: not a main-track paper.
#: A venue's own extra wording comes from the venue registry (``presentations`` of an entry).
PRESENTATIONS: dict[str, Presentation] = {
    "oral": "oral",
    "oralpresentation": "oral",
    "spotlight": "spotlight",
    "spotlightposter": "spotlight",
    "spotlightpresentation": "spotlight",
    "poster": "poster",
    "posterpresentation": "poster",
    "regular": "poster",
    "regularposter": "poster",
}
_VENUE_STRING = re.compile(r"^\s*(?P<venue>[^\s\d][^\s]*)\s+(?P<year>(?:19|20)\d\d)\s+(?P<tier>\S.*?)\s*$")

LOGIN_HINT = (
    "OpenReview asks for a login: set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD "
    "(a free openreview.net account) and run again, or build --offline from a cache"
)


class VenuePaper(BaseModel):
    """One accepted paper as listed on OpenReview."""

    forum_id: str
    number: int | None = None
    title: str
    authors: list[str] = Field(default_factory=list)
    abstract: str = ""
    keywords: list[str] = Field(default_factory=list)
    venue: str = ""  # content.venue, e.g. "ICLR 2025 Oral"
    venue_id: str = ""  # content.venueid, e.g. "ICLR.cc/2025/Conference"
    presentation: Presentation | None = None
    main_track: bool = True  # False for e.g. "ICLR 2025 Blogpost Track" under the same venueid
    accepted: bool = True  # content.venueid == the venue id asked for
    created: datetime | None = None  # cdate
    opened: datetime | None = None  # odate: when the note became public
    published: datetime | None = None  # pdate: when the venue marked it accepted
    public_date: date | None = None  # odate, else pdate, else cdate (UTC day)
    accepted_date: date | None = None  # pdate (UTC day)
    license: str | None = None
    arxiv_id: str | None = None  # from the note's externalIds ("arxiv:<id>") when present
    url: str = ""  # https://openreview.net/forum?id=<forum_id>


def tier_key(text: str) -> str:
    """How presentation wording is compared: "Spotlight Poster" == "spotlight-poster"."""
    return re.sub(r"[\s_\-]+", "", text or "").casefold()


def parse_presentation(venue: str, extra: dict[str, str] | None = None) -> Presentation | None:
    """"ICLR 2025 Oral" -> "oral", "ICML 2026 regular" -> "poster"; None unless the string is
    exactly "<Venue> <year> <tier>" with a tier of :data:`PRESENTATIONS` or of ``extra`` (a
    venue's own wording, from the registry). No fuzzy matching."""
    m = _VENUE_STRING.match(venue or "")
    if m is None:
        return None
    key = tier_key(m["tier"])
    for k, tier in (extra or {}).items():
        if tier_key(k) == key:
            return tier  # type: ignore[return-value]
    return PRESENTATIONS.get(key)


def _ms(value: Any) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _value(content: dict[str, Any], key: str, default: Any = None) -> Any:
    v = (content or {}).get(key)
    if isinstance(v, dict):
        return v.get("value", default)
    return default if v is None else v


def _authors(content: dict[str, Any]) -> list[str]:
    """Author names from either schema: a list of names (legacy ``authors``/``authorids``) or
    the unified list of ``{"fullname", "username"}`` dicts."""
    value = _value(content, "authors", []) or []
    names = []
    for a in value if isinstance(value, list) else [value]:
        name = a.get("fullname") or a.get("name") or "" if isinstance(a, dict) else str(a)
        name = " ".join(str(name).split())
        if name:
            names.append(name)
    return names


def _external_arxiv(external_ids: Any) -> str | None:
    for e in external_ids or []:
        if isinstance(e, str) and e.lower().startswith("arxiv:"):
            return e.split(":", 1)[1].strip() or None
    return None


def note_to_paper(note: Any, venue_id: str, presentations: dict[str, str] | None = None) -> VenuePaper:
    """Map an openreview-py ``Note`` (API v2) to a :class:`VenuePaper` (``presentations``: the
    venue's extra wording, see :func:`parse_presentation`)."""
    content = note.content or {}
    venue = str(_value(content, "venue", "") or "")
    vid = str(_value(content, "venueid", "") or "")
    presentation = parse_presentation(venue, presentations)
    created, opened, published = _ms(note.cdate), _ms(note.odate), _ms(note.pdate)
    public = opened or published or created
    keywords = _value(content, "keywords", []) or []
    forum = note.forum or note.id
    return VenuePaper(
        forum_id=forum,
        number=note.number,
        title=" ".join(str(_value(content, "title", "") or "").split()),
        authors=_authors(content),
        abstract=str(_value(content, "abstract", "") or "").strip(),
        keywords=[str(k) for k in keywords] if isinstance(keywords, list) else [str(keywords)],
        venue=venue,
        venue_id=vid,
        presentation=presentation,
        main_track=presentation is not None,
        accepted=vid == venue_id,
        created=created,
        opened=opened,
        published=published,
        public_date=public.date() if public else None,
        accepted_date=published.date() if published else None,
        license=note.license,
        arxiv_id=_external_arxiv(note.external_ids),
        url=f"https://openreview.net/forum?id={forum}",
    )


@contextlib.contextmanager
def _env_hidden(*names: str) -> Iterator[None]:
    """Hide variables while openreview-py's constructor runs, so it does not log in before our
    adapter is mounted (we log in ourselves right after)."""
    saved = {n: os.environ.pop(n) for n in names if n in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def make_client(session: requests.Session, *, baseurl: str = DEFAULT_BASEURL, login: bool = True) -> Any:
    """An ``openreview.api.OpenReviewClient`` whose traffic goes through ``session``'s adapter.

    Logs in when ``login`` and ``OPENREVIEW_USERNAME``/``OPENREVIEW_PASSWORD`` are set, except in
    replay (offline) mode where no request may leave the machine.
    """
    from openreview.api import OpenReviewClient
    from openreview.openreview import OpenReviewException

    adapter = adapter_of(session)
    with _env_hidden("OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD"):
        client = OpenReviewClient(baseurl=baseurl)
    mount(client.session, adapter)
    username = os.environ.get("OPENREVIEW_USERNAME")
    password = os.environ.get("OPENREVIEW_PASSWORD")
    if login and (username or password) and adapter.mode != "replay":
        try:
            client.login_user(username, password)
        except OpenReviewException as e:
            msg = e.args[0] if e.args else e
            if isinstance(msg, dict):
                msg = msg.get("message") or msg.get("name") or msg
            raise ConfigError(f"OpenReview login failed for {username!r}: {msg}") from None
        except HttpStatusError as e:  # 400/401: wrong username or password
            raise ConfigError(f"OpenReview login failed for {username!r}: {e}") from None
        except Challenge as e:
            raise Challenge(f"OpenReview login was challenged ({e}); log in on openreview.net once, then retry", url=e.url) from None
    return client


@contextlib.contextmanager
def _quiet_openreview_progress() -> Iterator[None]:
    """openreview-py draws its own tqdm bar for listings over 1000 notes; the build already
    shows a rich progress bar, and two bars on one terminal garble each other."""
    import functools

    from openreview import tools

    original = tools.tqdm
    tools.tqdm = functools.partial(original, disable=True)
    try:
        yield
    finally:
        tools.tqdm = original


def _cached_listing(session: requests.Session, baseurl: str, venue_id: str) -> list[Any] | None:
    """The listing from the cache alone, or None if any page is missing. Lets a resumed build
    (record mode, credentials set) skip the login request when every page is already cached."""
    from openreview.api import OpenReviewClient

    adapter = adapter_of(session)
    if adapter.mode != "record" or adapter.cache is None:
        return None
    offline = requests.Session()
    mount(offline, adapter.replay_view())
    with _env_hidden("OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD"):
        client = OpenReviewClient(baseurl=baseurl)
    mount(client.session, adapter_of(offline))
    try:
        return client.get_all_notes(content={"venueid": venue_id})
    except CacheMiss:
        return None


def list_accepted_papers(
    venue_id: str, session: requests.Session, *, baseurl: str = DEFAULT_BASEURL,
    presentations: dict[str, str] | None = None,
) -> list[VenuePaper]:
    """Every accepted paper of ``venue_id`` (e.g. ``"ICLR.cc/2025/Conference"``), in note-id order.
    ``presentations``: the venue's extra presentation wording (registry), see :func:`parse_presentation`.

    Raises :class:`~scalar.sources.http.Challenge` (with a login hint) when OpenReview answers
    with a challenge, :class:`NetworkError` for a malformed answer, :class:`CacheMiss` offline.
    """
    from openreview.openreview import OpenReviewException

    try:
        with _quiet_openreview_progress():
            notes = _cached_listing(session, baseurl, venue_id)
            if notes is None:
                client = make_client(session, baseurl=baseurl)
                notes = client.get_all_notes(content={"venueid": venue_id})
    except Challenge as e:
        if "OPENREVIEW_USERNAME" in str(e):
            raise
        raise Challenge(f"{e} — {LOGIN_HINT}", url=e.url, status=e.status) from None
    except OpenReviewException as e:
        raise NetworkError(f"OpenReview refused the listing of {venue_id}: {e.args[0] if e.args else e}") from None
    except (KeyError, TypeError, ValueError) as e:
        raise NetworkError(f"OpenReview returned an unexpected answer for {venue_id}: {type(e).__name__}: {e}") from None
    papers = [note_to_paper(n, venue_id, presentations) for n in notes]
    seen: set[str] = set()
    unique = []
    for p in papers:  # a page boundary can repeat a note; keep the first
        if p.forum_id not in seen:
            seen.add(p.forum_id)
            unique.append(p)
    return unique
