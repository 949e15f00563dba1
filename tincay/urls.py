from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from api.urls import api
from misinfo.urls import public_urlpatterns as misinfo_public
from situation.urls import public_urlpatterns as situation_public

admin.site.site_header = "Tin Cậy"
admin.site.site_title = "Tin Cậy"

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("reports/", include("reporting.urls")),
    path("misinfo/", include("misinfo.urls")),
    path("listening/", include("listening.urls")),
    path("situation/", include("situation.urls")),
    path("outreach/", include("outreach.urls")),
    path("roster/", include("roster.urls")),
    path("", include((misinfo_public + situation_public, "public"))),
    path("", include("portal.urls")),
    path("", include("core.urls")),
]
