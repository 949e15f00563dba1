from django.urls import path, register_converter

import core.urls  # noqa: F401  (registers the "unitcode" converter)

from . import views


class DocumentFormatConverter:
    regex = "docx|pdf|xlsx"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(DocumentFormatConverter, "docfmt")

app_name = "reporting"

urlpatterns = [
    path("", views.cycle_list, name="cycle_list"),
    path("new/", views.cycle_create, name="cycle_create"),
    path("<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("<int:pk>/import/", views.cycle_import, name="cycle_import"),
    path("<int:pk>/export.<docfmt:fmt>", views.cycle_export, name="cycle_export"),
    path("<int:pk>/district/<unitcode:code>/", views.district_report, name="district_report"),
    path("<int:pk>/district/<unitcode:code>/report.docx", views.district_export, name="district_export"),
    path("sections/<int:pk>/save/", views.submission_save, name="submission_save"),
    path("sections/<int:pk>/submit/", views.submission_submit, name="submission_submit"),
    path("sections/<int:pk>/nothing/", views.submission_nothing, name="submission_nothing"),
    path("sections/<int:pk>/return/", views.submission_return, name="submission_return"),
    path("sections/<int:pk>/accept/", views.submission_accept, name="submission_accept"),
]
