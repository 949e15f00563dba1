from django.urls import path

from portal.cache import cached_page

from . import views

app_name = "misinfo"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("tips/new/", views.tip_create, name="tip_create"),
    path("tips/email/", views.email_import, name="email_import"),
    path("tips/<int:pk>/", views.tip_detail, name="tip_detail"),
    path("tips/<int:pk>/file/", views.tip_attachment, name="tip_attachment"),
    path("tips/<int:pk>/link/", views.tip_link, name="tip_link"),
    path("tips/<int:pk>/new-claim/", views.tip_new_claim, name="tip_new_claim"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/case/", views.case_open, name="case_open"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/file.pdf", views.case_file, name="case_file"),
    path("cases/<int:pk>/state/", views.case_state, name="case_state"),
    path("cases/<int:pk>/verdict/", views.case_verdict, name="case_verdict"),
    path("cases/<int:pk>/approve/", views.case_approve, name="case_approve"),
    path("cases/<int:pk>/actions/", views.action_add, name="action_add"),
    path("cases/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("actions/<int:pk>/", views.action_update, name="action_update"),
    path("actions/<int:pk>/letter.docx", views.action_letter, name="action_letter"),
    path("referrals/", views.referrals, name="referrals"),
    path("referrals/<int:pk>/", views.referral_update, name="referral_update"),
]

# The citizens' pages live at the site's root, outside the staff area: the report form
# (/bao-tin-gia/) and the published verdicts (/su-that/).
# The verdicts are the portal's most read pages when a rumour spreads: served from its cache.
public_urlpatterns = [
    path("bao-tin-gia/", views.report, name="report"),
    path("su-that/", cached_page(views.verdict_list, params=("q", "page")), name="verdict_list"),
    path("su-that/<int:pk>/", cached_page(views.verdict_detail), name="verdict"),
]
