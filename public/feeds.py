"""The Atom feed of the Alliance's publications: an entry per published report."""

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from alliance.formats import long_date

from . import selectors
from .selectors import Publication

FORMAT_NAMES = {"pdf": "PDF", "html": "HTML", "xlsx": "XLSX", "csv": "CSV", "json": "JSON"}


class PublicationsFeed(Feed[Publication, None]):
    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Global Alliance Against Child Sexual Abuse Online: published progress reports")

    def subtitle(self) -> str:
        return _("A new entry each time the Alliance publishes the progress report of a reporting cycle.")

    def link(self) -> str:
        return reverse("public:reports")

    def feed_url(self) -> str:
        return reverse("public:feed")

    def author_name(self) -> str:
        return _("Secretariat of the Global Alliance Against Child Sexual Abuse Online")

    def items(self) -> list[Publication]:
        return sorted(selectors.publications(), key=lambda item: item.published_at, reverse=True)

    def item_title(self, item: Publication) -> str:
        return _("Progress report published: %(cycle)s") % {"cycle": item.cycle_name}

    def item_description(self, item: Publication) -> str:
        formats = ", ".join(FORMAT_NAMES.get(entry.format, entry.format) for entry in item.downloads)
        return _(
            "The Alliance's progress report for %(cycle)s (%(start)s to %(end)s) was published on %(published)s. "
            "Downloads: %(formats)s, each with its SHA-256."
        ) % {
            "cycle": item.cycle_name,
            "start": long_date(item.period_start),
            "end": long_date(item.period_end),
            "published": long_date(item.published_at),
            "formats": formats,
        }

    def item_link(self, item: Publication) -> str:
        return reverse("public:report", args=[item.pk])

    def item_pubdate(self, item: Publication) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Publication) -> datetime:
        return item.published_at
