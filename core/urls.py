from django.urls import path, register_converter

from . import views, views_health


class UnitCodeConverter:
    """Org-unit codes as stored (core.models.CODE_RE): anything else is a 404, not a query."""

    regex = r"[A-Za-z0-9_.-]{1,16}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnitCodeConverter, "unitcode")

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("healthz", views_health.healthz, name="healthz"),
    path("metrics", views_health.metrics, name="metrics"),
    path("login/verify/", views.verify, name="verify"),
    path("logout/", views.logout, name="logout"),
    path("orgunits/", views.orgunit_list, name="orgunit_list"),
    path("orgunits/import/", views.orgunit_import, name="orgunit_import"),
    path("orgunits/<unitcode:code>/", views.orgunit_detail, name="orgunit_detail"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("people/", views.person_list, name="person_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/role/", views.person_role, name="person_role"),
    path("people/<int:pk>/2fa-reset/", views.person_totp_reset, name="person_totp_reset"),
    path("directory/", views.directory, name="directory"),
    path("directory/new/", views.contact_create, name="contact_create"),
    path("directory/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/<int:pk>/", views.audit_detail, name="audit_detail"),
    path("account/", views.account, name="account"),
    path("account/2fa/", views.totp_setup, name="totp_setup"),
    path("account/2fa/disable/", views.totp_disable, name="totp_disable"),
    path("account/tokens/", views.token_create, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
