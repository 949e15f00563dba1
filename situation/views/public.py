"""The public archive of issued bulletins, their Atom feed and the figures of issued days."""

from django.contrib.syndication.views import Feed
from django.http import Http404

from core.access import public


@public
def public_list(request):
    raise Http404


@public
def public_detail(request, day):
    raise Http404


@public
def public_file(request, day, fmt):
    raise Http404


@public
def public_figures(request, day, fmt):
    raise Http404


class BulletinFeed(Feed):
    tincay_permission = None  # public (core.access.public), for the role x view matrix
    title = "Bản tin"
    link = "/ban-tin/"

    def items(self):
        return []
