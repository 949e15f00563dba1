from django.urls import path

from . import views

app_name = "roster"

urlpatterns = [
    path("", views.roster_list, name="list"),
    path("new/", views.roster_new, name="new"),
    path("mine/", views.my_duties, name="mine"),
    path("unavailability/", views.unavailability, name="unavailability"),
    path("mine/calendar-link/", views.calendar_link, name="calendar_link"),
    path("ical/<str:key>.ics", views.ical_feed, name="ical"),
    path("shifts/<int:assignment_pk>/swap/", views.swap_new, name="swap_new"),
    path("swaps/<int:swap_pk>/answer/", views.swap_answer, name="swap_answer"),
    path("<int:pk>/", views.roster_detail, name="detail"),
    path("<int:pk>/edit/", views.roster_edit, name="edit"),
    path("<int:pk>/generate/", views.roster_generate, name="generate"),
    path("<int:pk>/issue/", views.roster_issue, name="issue"),
    path("<int:pk>/roster.<str:fmt>", views.roster_file, name="file"),
    path("<int:pk>/shifts/new/", views.shift_form, name="shift_new"),
    path("<int:pk>/shifts/<int:shift_pk>/", views.shift_form, name="shift"),
    path("<int:pk>/shifts/<int:shift_pk>/delete/", views.shift_delete, name="shift_delete"),
    path("<int:pk>/team/add/", views.members_add, name="members_add"),
    path("<int:pk>/team/<int:member_pk>/", views.member_edit, name="member"),
    path("<int:pk>/assignments/<int:assignment_pk>/replace/", views.replace, name="replace"),
    path("<int:pk>/swaps/<int:swap_pk>/decide/", views.swap_decide, name="swap_decide"),
]
