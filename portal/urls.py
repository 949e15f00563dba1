from django.contrib.sitemaps.views import sitemap
from django.urls import path

from core.access import public

from . import views
from .cache import cached_page
from .feeds import SITEMAPS, VerdictFeed

app_name = "portal"

urlpatterns = [
    path("tinh-hinh/", views.situation, name="situation"),
    path("duong-day-nong/", views.hotlines, name="hotlines"),
    path("thong-diep/", views.messages, name="messages"),
    path("gioi-thieu/", views.about, name="about"),
    path("ngon-ngu/<str:code>/", views.language, name="language"),
    path("su-that/feed.atom", public(cached_page(VerdictFeed())), name="verdict_feed"),
    path("sitemap.xml", public(cached_page(sitemap, params=("p",))), {"sitemaps": SITEMAPS}, name="sitemap"),
]
