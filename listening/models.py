"""Social listening: posts from sources (API push, exports of listening tools, feeds, the
command line), and the alerts raised when a post repeats a known claim. A post is stored once
per source (its id at the source), and alerted at most once."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import OrgUnit, Scope
from misinfo.models import Case, Claim, Tip


class Source(models.Model):
    class Kind(models.TextChoices):
        API = "api", _("API push")
        CSV = "csv", _("Export of a listening tool")
        RSS = "rss", _("News feed (RSS/Atom)")
        CLI = "cli", _("Command line")

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    # A district's own site or page: its posts are placed there unless the text names a place.
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("area"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # News feeds: polled every `poll_minutes`, with a conditional GET (the feed's ETag and
    # Last-Modified of the last answer), so an unchanged feed costs one short request.
    url = models.URLField(_("feed address"), max_length=1000, blank=True)
    poll_minutes = models.PositiveSmallIntegerField(_("poll every (minutes)"), default=15)
    etag = models.CharField(max_length=200, blank=True, editable=False)
    modified = models.CharField(max_length=100, blank=True, editable=False)
    fetching_until = models.DateTimeField(null=True, blank=True, editable=False)  # a poller's lease
    # Exports of listening tools: which column of the file holds each field of a post, saved
    # from the last upload ({"id": "Post ID", "text": "Content", ...}).
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    last_fetch_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_count = models.PositiveIntegerField(_("posts stored at the last fetch"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name


class Post(models.Model):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="posts")
    external_id = models.CharField(_("id at the source"), max_length=200)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    text = models.TextField(_("text"))
    reactions = models.PositiveIntegerField(_("reactions"), default=0)
    comments = models.PositiveIntegerField(_("comments"), default=0)
    shares = models.PositiveIntegerField(_("shares"), default=0)
    # The first reading's reach and when the counts were last read: a tool pushing the same post
    # again with new counts gives its growth (see `velocity`).
    first_reach = models.PositiveIntegerField(default=0, editable=False)
    counted_at = models.DateTimeField(null=True, blank=True, editable=False)
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts")

    scope = Scope(org_unit="org_unit")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="one_post_per_source_id")]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self):
        return self.text[:80]

    @property
    def reach(self) -> int:
        return self.reactions + self.comments + self.shares

    def velocity(self, now) -> float:
        """Reach gained per hour: between the first and the latest reading when the post was
        read again at least 10 minutes later, else since it was published (or received); one
        hour at least, so a post seconds old does not look viral."""
        if self.counted_at and (self.counted_at - self.received_at).total_seconds() >= 600:
            hours = (self.counted_at - self.received_at).total_seconds() / 3600
            return max(self.reach - self.first_reach, 0) / max(hours, 1.0)
        hours = max((now - (self.published_at or self.received_at)).total_seconds() / 3600, 1.0)
        return self.reach / hours


class Watchlist(models.Model):
    """Words to watch for, beyond the known claims: accent-insensitive phrases, one per line.
    A post is a hit when it has any of them, all of them, or all of them within a few words of
    one another. A district's watchlist sees the posts placed in its district only."""

    class Mode(models.TextChoices):
        ANY = "any", _("Any of the phrases")
        ALL = "all", _("All of the phrases")
        NEAR = "near", _("All of the phrases, close together")

    name = models.CharField(_("name"), max_length=120)
    phrases = models.TextField(_("phrases"), help_text=_("One phrase per line; accents and case do not matter."))
    mode = models.CharField(_("match"), max_length=4, choices=Mode.choices, default=Mode.ANY)
    within = models.PositiveSmallIntegerField(_("within (words)"), default=8)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Empty: the whole province."),
    )  # fmt: skip
    notify = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("notify"), blank=True, related_name="watchlists"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    scope = Scope(org_unit="org_unit")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("watchlist")
        verbose_name_plural = _("watchlists")

    def __str__(self):
        return self.name


class Alert(models.Model):
    class Level(models.TextChoices):
        AUTO = "auto", _("Repeats a known claim")
        SUGGEST = "suggest", _("May repeat a known claim")
        WATCH = "watch", _("Watchlist hit")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DISMISSED = "dismissed", _("Dismissed")
        ATTACHED = "attached", _("Attached to a case")
        TIPPED = "tipped", _("Sent to the desk")

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="alert")  # never alerted twice
    claim = models.ForeignKey(Claim, on_delete=models.SET_NULL, null=True, related_name="alerts")
    watchlist = models.ForeignKey(Watchlist, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    score = models.FloatField(_("similarity"))
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    tip = models.ForeignKey(Tip, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")

    scope = Scope(org_unit="post__org_unit")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "claim"], name="alert_state_claim")]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self):
        return f"{self.get_level_display()}: {self.post}"
