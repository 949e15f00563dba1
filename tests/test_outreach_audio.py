"""Loudspeaker speech (outreach.audio) with the real espeak-ng and lame.

`make test` installs both (scripts/system-deps test). When they are missing these tests FAIL
with the apt-get command, so that a machine without speech cannot pass the suite unnoticed. On a
machine where that is known and accepted, TINCAY_ALLOW_NO_TTS=1 turns the failure into a skip.
"""

import io
import os
import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from outreach import audio
from outreach.audio import (
    DEFAULT_VOICE,
    MAX_CHARACTERS,
    InvalidScriptText,
    SpeechError,
    SpeechUnavailable,
    duration_of,
    synthesize,
)

HOTLINE = (
    "Bà con có triệu chứng ho, sốt, khó thở, xin gọi ngay đường dây nóng 0927.681.168 "
    "hoặc tổng đài 1900 3228 để được hướng dẫn."
)
SHORT = "Bà con thực hiện tốt 5K."


@pytest.fixture(autouse=True, scope="module")
def speech_programs():
    missing = [name for name in (audio.ESPEAK, audio.LAME) if shutil.which(name) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} missing: run scripts/system-deps test (or {audio.INSTALL_HINT})"
    if os.environ.get("TINCAY_ALLOW_NO_TTS") == "1":
        pytest.skip(f"{message}; skipped because TINCAY_ALLOW_NO_TTS=1")
    pytest.fail(f"{message}. Set TINCAY_ALLOW_NO_TTS=1 to skip these tests instead.")


@pytest.fixture(scope="module")
def hotline():
    return synthesize(HOTLINE)


def decoded_mp3_seconds(mp3: bytes) -> float:
    wav = subprocess.run(
        ["lame", "--quiet", "--mp3input", "--decode", "-", "-"], input=mp3, capture_output=True, check=True, timeout=60
    ).stdout
    return duration_of(wav)


def syllables(spoken: str) -> int:
    return len([word for word in spoken.split() if any(ch.isalpha() for ch in word)])


# ---------------------------------------------------------------------------------------------
# The audio


def test_it_writes_a_valid_wav_whose_header_matches_its_data(hotline):
    assert hotline.wav[:4] == b"RIFF" and hotline.wav[8:12] == b"WAVE"
    with wave.open(io.BytesIO(hotline.wav)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 22050)
        frames = reader.readframes(reader.getnframes())
        assert len(frames) == reader.getnframes() * 2  # the sizes in the header are the real ones
    assert hotline.seconds == pytest.approx(reader.getnframes() / 22050)


def test_it_writes_an_mp3(hotline):
    mp3 = hotline.mp3
    assert mp3[:3] == b"ID3" or (mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0)
    # MPEG-1 Layer III (0xFFFB: version bits 11, layer bits 01, no CRC), mono.
    assert mp3[0] == 0xFF and mp3[1] == 0xFB
    assert mp3[3] >> 6 == 0b11
    assert len(mp3) < len(hotline.wav) / 3


def test_mp3_lasts_as_long_as_the_wav(hotline):
    assert hotline.seconds > 0
    assert decoded_mp3_seconds(hotline.mp3) == pytest.approx(hotline.seconds, rel=0.10)


def test_the_duration_is_plausible_speech(hotline):
    rate = syllables(hotline.spoken) / hotline.seconds
    assert 2.0 < rate < 6.0, f"{rate:.2f} syllables a second"


def test_it_reads_the_hotlines_digit_by_digit(hotline):
    assert "không chín hai bảy, sáu tám một, một sáu tám" in hotline.spoken
    assert "một chín không không, ba hai hai tám" in hotline.spoken
    assert not any(ch.isdigit() for ch in hotline.spoken)


def test_longer_text_gives_longer_audio(hotline):
    assert synthesize(SHORT).seconds < hotline.seconds < synthesize(f"{HOTLINE} {HOTLINE}").seconds


def test_parts_are_joined_with_a_pause():
    first, second = "Bà con ở nhà.", "Đeo khẩu trang khi ra ngoài."
    both = synthesize(f"{first} {second}")
    alone = synthesize(first).seconds + synthesize(second).seconds
    assert both.seconds == pytest.approx(alone + audio.SENTENCE_PAUSE, abs=0.002)


def test_duration_of_counts_the_samples_not_the_header():
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(8000)
        writer.writeframes(bytes(2 * 12000))
    assert duration_of(buffer.getvalue()) == pytest.approx(1.5)
    # As written to a pipe: placeholder sizes (0x7FFFF000) in the RIFF and data headers.
    streamed = bytearray(buffer.getvalue())
    streamed[4:8] = streamed[40:44] = (0x7FFFF000).to_bytes(4, "little")
    assert duration_of(bytes(streamed)) == pytest.approx(1.5)
    with pytest.raises(ValueError):
        duration_of(b"ID3 this is not a wav")


# ---------------------------------------------------------------------------------------------
# Voices


def test_the_southern_voice_is_the_default(hotline):
    assert DEFAULT_VOICE == "vi-vn-x-south"
    assert hotline.voice == "vi-vn-x-south"
    assert synthesize(SHORT).wav == synthesize(SHORT, voice="south").wav
    assert synthesize(SHORT).wav != synthesize(SHORT, voice="north").wav


def test_every_region_has_an_installed_voice():
    listed = subprocess.run(["espeak-ng", "--voices=vi"], capture_output=True, text=True, check=True).stdout
    names = {line.split()[1].lower() for line in listed.splitlines()[1:] if line.strip()}
    assert set(audio.VOICES.values()) <= names
    for region, name in audio.VOICES.items():
        assert synthesize(SHORT, voice=region).voice == name


def test_it_refuses_an_unknown_voice_or_speed():
    with pytest.raises(ValueError, match="Giọng đọc"):
        synthesize(SHORT, voice="en")
    with pytest.raises(ValueError, match="Giọng đọc"):
        synthesize(SHORT, voice="-w/tmp/x")
    with pytest.raises(ValueError, match="Tốc độ"):
        synthesize(SHORT, speed=5000)
    with pytest.raises(ValueError, match="Vùng đọc"):  # the front-end reads numbers the south or north way
        synthesize(SHORT, region="central")


# ---------------------------------------------------------------------------------------------
# Hostile input


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "trống"),
        ("   \n\t ", "trống"),
        ("Bà con\x00 ở nhà", "U\\+0000"),
        ("Bà con\x1b[31m ở nhà", "U\\+001B"),
        ("Bà con\x7f ở nhà", "U\\+007F"),
        (("Bà con ở nhà. " * 800)[:10_000], "10.000 ký tự, tối đa 5.000"),
        ("... !!! ??? --- ,,, ;;; ()", "không có chữ"),
        ("*** ### @@@ 🙂🙂", "không có chữ"),
    ],
)
def test_it_refuses_text_it_cannot_speak(text, message):
    with pytest.raises(InvalidScriptText, match=message):
        synthesize(text)


def test_the_limit_is_on_the_written_text():
    synthesize("a" + " " * (MAX_CHARACTERS - 1))  # exactly the limit is fine
    with pytest.raises(InvalidScriptText):
        synthesize("a" * 10_000)


def test_text_is_never_an_option_or_a_shell_command(tmp_path, monkeypatch):
    target = tmp_path / "pwned"
    calls = []
    real_run = subprocess.run

    def recording_run(args, **kwargs):
        calls.append((args, kwargs))
        return real_run(args, **kwargs)

    monkeypatch.setattr(audio.subprocess, "run", recording_run)
    for text in (
        f"-w {target} xin chào",
        f"--version; touch {target}",
        f"Bà con \"ở nhà\" 'nhé' $(touch {target}) `touch {target}` && touch {target}",
    ):
        spoken = synthesize(text)
        assert spoken.seconds > 0.5
    assert not target.exists()
    assert not list(Path.cwd().glob("pwned*"))
    for args, kwargs in calls:
        assert isinstance(args, list) and not kwargs.get("shell")
        assert all("pwned" not in arg and "xin chào" not in arg for arg in args)  # the text goes in on stdin
        assert isinstance(kwargs["input"], bytes)


# ---------------------------------------------------------------------------------------------
# Failures


def test_a_missing_program_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(audio, "ESPEAK", "tincay-no-such-espeak")
    with pytest.raises(SpeechUnavailable, match="apt-get install -y --no-install-recommends espeak-ng lame"):
        synthesize(SHORT)
    monkeypatch.undo()
    monkeypatch.setattr(audio, "LAME", "tincay-no-such-lame")
    with pytest.raises(SpeechUnavailable, match=r"tincay-no-such-lame.*apt-get install"):
        synthesize(SHORT)


def fake_program(tmp_path, monkeypatch, name, script):
    path = tmp_path / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    monkeypatch.setattr(audio, "ESPEAK", str(path))


def test_an_engine_that_fails_is_a_speech_error(tmp_path, monkeypatch):
    fake_program(tmp_path, monkeypatch, "espeak-fails", "echo 'voice not found' >&2; exit 1")
    with pytest.raises(SpeechError, match="voice not found"):
        synthesize(SHORT)


def test_an_engine_that_writes_no_wav_is_a_speech_error(tmp_path, monkeypatch):
    fake_program(tmp_path, monkeypatch, "espeak-garbage", "cat")
    with pytest.raises(SpeechError, match="không đọc được"):
        synthesize(SHORT)


def test_an_engine_that_hangs_is_stopped(tmp_path, monkeypatch):
    fake_program(tmp_path, monkeypatch, "espeak-hangs", "exec sleep 30")
    monkeypatch.setattr(audio, "PART_TIMEOUT", 0.3)
    with pytest.raises(SpeechError, match=r"quá 0\.3 giây"):
        synthesize(SHORT)


# --- From a key message to the loudspeakers' audio (outreach.actions.make_audio) ------------------
def test_an_approved_message_is_read_aloud_with_its_hotline_digit_by_digit(login, people):
    from django.urls import reverse

    from core.roles import Role
    from outreach.models import KeyMessage, Script

    message = KeyMessage.objects.get(title="Báo tin sai sự thật về dịch bệnh")
    client = login(people[Role.DISTRICT_BROADCAST])
    response = client.post(reverse("outreach:message_audio", args=[message.pk]))
    assert response.status_code == 302
    script = Script.objects.get(message=message)
    assert "không chín hai bảy, sáu tám một, một sáu tám" in script.spoken
    head = script.mp3.read(3)
    assert script.seconds > 5 and (head == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0))
    page = client.get(reverse("outreach:message", args=[message.pk])).content.decode()
    assert reverse("outreach:script_file", args=[script.pk, "mp3"]) in page and "<audio" in page
    played = client.get(reverse("outreach:script_file", args=[script.pk, "mp3"]))
    assert played["Content-Type"] == "audio/mpeg"
    # The same script is not read twice.
    client.post(reverse("outreach:message_audio", args=[message.pk]))
    assert Script.objects.filter(message=message).count() == 1


def test_a_draft_is_not_read_aloud(login, people):
    from django.urls import reverse

    from core.roles import Role
    from outreach.models import KeyMessage, Script

    draft = KeyMessage.objects.get(state="draft")
    login(people[Role.FOCAL_POINT]).post(reverse("outreach:message_audio", args=[draft.pk]))
    assert not Script.objects.filter(message=draft).exists()
