from django.urls import path

from . import views, views_campaigns

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
]
