from django.urls import path

from . import views, views_broadcasts, views_campaigns, views_carriers

app_name = "outreach"

urlpatterns = [
    path("", views.message_list, name="messages"),
    path("messages/new/", views.message_edit, name="message_new"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/edit/", views.message_edit, name="message_edit"),
    path("messages/<int:pk>/audio/", views.message_audio, name="message_audio"),
    path("messages/<int:pk>/<str:operation>/", views.message_act, name="message_act"),
    path("audio/<int:pk>.<str:fmt>", views.script_file, name="script_file"),
    path("sms-count/", views.sms_count, name="sms_count"),
    path("campaigns/", views_campaigns.campaign_list, name="campaigns"),
    path("campaigns/new/", views_campaigns.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views_campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/progress/", views_campaigns.campaign_progress, name="campaign_progress"),
    path("campaigns/<int:pk>/cancel/", views_campaigns.campaign_cancel, name="campaign_cancel"),
    path("broadcasts/", views_broadcasts.broadcast_list, name="broadcasts"),
    path("broadcasts/new/", views_broadcasts.broadcast_new, name="broadcast_new"),
    path("broadcasts/timetable/", views_broadcasts.timetable, name="timetable"),
    path("broadcasts/<int:pk>/", views_broadcasts.broadcast_detail, name="broadcast"),
    path("broadcasts/<int:pk>/cancel/", views_broadcasts.broadcast_cancel, name="broadcast_cancel"),
    path("broadcast-logs/", views_broadcasts.log_list, name="logs"),
    path("published/", views_broadcasts.publication_list, name="publications"),
    path("carriers/", views_carriers.request_list, name="carrier_requests"),
    path("carriers/new/", views_carriers.request_new, name="carrier_request_new"),
    path("carriers/<int:pk>/", views_carriers.request_detail, name="carrier_request"),
    path("carriers/<int:pk>/sign/", views_carriers.request_sign, name="carrier_request_sign"),
    path("carriers/<int:pk>/cancel/", views_carriers.request_cancel, name="carrier_request_cancel"),
    path("carriers/letters/<int:pk>.<str:fmt>", views_carriers.line_letter, name="carrier_letter"),
    path("carriers/letters/<int:pk>/report/", views_carriers.line_report, name="carrier_report"),
    path("carriers/letters/<int:pk>/email/", views_carriers.line_email, name="carrier_email"),
]
