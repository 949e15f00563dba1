from django.urls import path

from portal.cache import cached_page

from . import views

app_name = "situation"

urlpatterns = [
    path("", views.home, name="home"),
    path("figures/", views.entry, name="entry"),
    path("figures/confirm/", views.confirm, name="confirm"),
    path("figures/import/", views.import_figures, name="import"),
    path("figures/history/", views.history, name="history"),
    path("figures/export.<str:fmt>", views.export_figures, name="export"),
    path("indicators/", views.indicator_list, name="indicators"),
    path("indicators/new/", views.indicator_edit, name="indicator_new"),
    path("indicators/<int:pk>/", views.indicator_edit, name="indicator_edit"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/today/", views.bulletin_today, name="bulletin_today"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="bulletin"),
    path("bulletins/<int:pk>/edit/", views.bulletin_edit, name="bulletin_edit"),
    path("bulletins/<int:pk>/<str:operation>/", views.bulletin_act, name="bulletin_act"),
    path("bulletins/<int:pk>/file.<str:fmt>", views.bulletin_file, name="bulletin_file"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="delivery_resend"),
]

# The public archive, outside the staff area (namespace "public", see tincay/urls.py).
public_urlpatterns = [
    path("ban-tin/", cached_page(views.public_list, params=("page",)), name="bulletin_list"),
    path("ban-tin/feed.atom", views.BulletinFeed(), name="bulletin_feed"),
    path("ban-tin/<str:day>/", cached_page(views.public_detail), name="bulletin"),
    path("ban-tin/<str:day>/ban-tin.<str:fmt>", views.public_file, name="bulletin_file"),
    path("so-lieu/<str:day>.<str:fmt>", views.public_figures, name="figures"),
]
