"""Two schedulers and two task workers at once, as real processes on one demo database (as
`make demo` runs them, twice): the day's draft is made once, the focal point is told once, and
each recipient of the press list gets the issued bulletin once."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.demo_server import ROOT, demo_env, prepare
from tests.mailfiles import messages_in, subject_of

# Its own database and processes, like the browser tests: not the test database.
pytestmark = [pytest.mark.browser]


def _together(env, *args, n=2):
    command = [sys.executable, "manage.py", *args]
    procs = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(n)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()[-2000:]


def _shell(env, code: str) -> dict:
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=600,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def test_two_schedulers_and_two_workers_do_each_thing_once(tmp_path):
    env = demo_env(tmp_path)
    prepare(env)
    # Today's draft is made by the scheduler, not the demo: remove it and set the time to now.
    _shell(env, "from situation.models import Bulletin; from django.utils import timezone; "
                "Bulletin.objects.filter(date=timezone.localdate()).delete(); print('{}')")  # fmt: skip
    clock = {**env, "SITUATION_DRAFT_TIME": "00:00"}
    _together(clock, "scheduler", "--once")
    state = _shell(
        env,
        "import json; from situation.models import Bulletin; from django.utils import timezone; "
        "from django_tasks_db.models import DBTaskResult; "
        "b = Bulletin.objects.filter(date=timezone.localdate()); "
        "told = [t for t in DBTaskResult.objects.filter(task_path__endswith='send_email') "
        "if 'Dự thảo bản tin' in t.args_kwargs['args'][1]]; "
        "print(json.dumps({'drafts': b.count(), 'reminded': b.exclude(reminded_at=None).count(), 'told': len(told)}))",
    )
    assert state == {"drafts": 1, "reminded": 1, "told": 1}

    # The focal point submits, a leader approves: six deliveries are queued; two workers send them.
    issued = _shell(
        env,
        "import json; from situation import actions; from situation.models import Bulletin; "
        "from core.models import Person; from django.utils import timezone; "
        "b = Bulletin.objects.get(date=timezone.localdate()); "
        "b = actions.submit(Person.objects.get(username='daumoi'), b); "
        "b = actions.approve(Person.objects.get(username='lanhdao'), b); "
        "print(json.dumps({'number': b.number_text, 'deliveries': b.deliveries.count()}))",
    )
    assert issued["deliveries"] == 6
    _together(env, "db_worker", "--batch", "--no-startup-delay", "--no-reload")
    symbol = issued["number"].removeprefix("Số: ")
    sent = [s for s in map(subject_of, messages_in(Path(env["TINCAY_VAR_DIR"]))) if symbol in s]
    assert len(sent) == 6, sent
    states = _shell(
        env,
        "import json; from situation.models import Delivery; "
        f"print(json.dumps(sorted(Delivery.objects.filter(bulletin__number_text={issued['number']!r})"
        ".values_list('state', flat=True))))",
    )
    assert states == ["sent"] * 6
