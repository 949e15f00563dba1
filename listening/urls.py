from django.urls import path

from . import views

app_name = "listening"

urlpatterns = [
    path("", views.alert_list, name="alerts"),
    path("alerts/bulk/", views.alert_bulk, name="alert_bulk"),
    path("alerts/<int:pk>/<slug:operation>/", views.alert_act, name="alert_act"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("overview/", views.overview, name="overview"),
    path("watchlists/", views.watchlist_list, name="watchlists"),
    path("watchlists/new/", views.watchlist_edit, name="watchlist_new"),
    path("watchlists/<int:pk>/", views.watchlist_edit, name="watchlist_edit"),
    path("sources/", views.source_list, name="sources"),
    path("sources/new/", views.source_edit, name="source_new"),
    path("sources/<int:pk>/", views.source_edit, name="source_edit"),
    path("sources/<int:pk>/upload/", views.source_upload, name="source_upload"),
    path("sources/<int:pk>/poll/", views.source_poll, name="source_poll"),
]
