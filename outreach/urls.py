from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("", views.message_list, name="messages"),
    path("messages/new/", views.message_edit, name="message_new"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/edit/", views.message_edit, name="message_edit"),
    path("messages/<int:pk>/<str:operation>/", views.message_act, name="message_act"),
    path("sms-count/", views.sms_count, name="sms_count"),
]
