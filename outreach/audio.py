"""Offline Vietnamese speech for loudspeaker scripts: text -> WAV and MP3 with measured duration.

    audio = synthesize("Bà con có triệu chứng ho, sốt xin gọi đường dây nóng 0927.681.168.")
    audio.seconds   # measured from the WAV samples
    audio.spoken    # "... gọi đường dây nóng không chín hai bảy, sáu tám một, một sáu tám."
    audio.mp3       # what the loudspeaker system takes

How it works, and why:

- The written script goes through the text front-end (`vntext.speech.script_parts`: numbers,
  dates, hotlines digit by digit, abbreviations), which also cuts it into sentences and phrases.
- Each part is spoken by espeak-ng in its own process (espeak-ng is GPL: it is called, never
  imported). The text goes in on stdin (`--stdin`, UTF-8), never on the command line and never
  through a shell, so a script that starts with "-" or contains quotes is only ever text. The
  WAV comes back on stdout (`--stdout`); `-z` drops espeak-ng's own pause after the last
  sentence, so that the pause between parts is ours and the same everywhere.
- The parts are joined with silence (`SENTENCE_PAUSE` after a sentence, `PHRASE_PAUSE` where a
  long sentence was cut at a comma) into one WAV with the `wave` module (mono, 16 bit, 22 050 Hz:
  espeak-ng's own format, nothing is resampled).
- lame encodes the MP3 from stdin to stdout: mono, constant 64 kbit/s, resampled to 44.1 kHz so
  that the file is MPEG-1 Layer III, which every player, streaming server and loudspeaker receiver
  decodes (22.05 kHz would be MPEG-2 "LSF", which a few hardware decoders refuse).
- Everything stays in memory; every process has a timeout.

Voices (espeak-ng 1.51 on Debian 12, `espeak-ng --voices=vi`; all three male):

    vi               Vietnamese_(Northern)   aav/vi
    vi-vn-x-central  Vietnamese_(Central)    aav/vi-VN-x-central   (phonemes vi-hue)
    vi-vn-x-south    Vietnamese_(Southern)   aav/vi-VN-x-south     (phonemes vi-sgn, Sài Gòn)

The southern voice is the default (the plan is Kiên Giang's, in the south); `voice` takes a
region name ("north", "central", "south") or one of the voice names above. `region` is the
front-end's reading of numbers (south: "ngàn", "lẻ"; north: "nghìn", "linh"), kept separate from
the voice because the front-end knows only those two.

Speed: espeak-ng's default is 175 words a minute (≈ 3.7 Vietnamese syllables a second with the
southern voice); loudspeakers outdoors echo, so the default here is slower, 160 (≈ 3.3 a second).
"""

import io
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass, field

from vntext.speech import script_parts

__all__ = [
    "DEFAULT_SPEED",
    "DEFAULT_VOICE",
    "MAX_CHARACTERS",
    "VOICES",
    "Audio",
    "InvalidScriptText",
    "SpeechError",
    "SpeechUnavailable",
    "duration_of",
    "encode_mp3",
    "resolve_voice",
    "script_text_parts",
    "speak",
    "synthesize",
]

VOICES = {"north": "vi", "central": "vi-vn-x-central", "south": "vi-vn-x-south"}
DEFAULT_VOICE = VOICES["south"]
DEFAULT_SPEED = 160  # words a minute, as espeak-ng counts them
SPEED_RANGE = range(80, 301)
MAX_CHARACTERS = 5000  # a loudspeaker script is 1–3 minutes, well under 3,000 characters

SENTENCE_PAUSE = 0.40  # seconds of silence after a part that ends a sentence
PHRASE_PAUSE = 0.20  # after a part that ends inside a sentence (a long sentence cut at a comma)
MP3_BITRATE = 64  # kbit/s, constant
MP3_SAMPLE_RATE = "44.1"  # kHz: MPEG-1 Layer III

ESPEAK = "espeak-ng"
LAME = "lame"
PART_TIMEOUT = 30  # seconds for one part (≤ 200 characters takes well under a second)
ENCODE_TIMEOUT = 120  # seconds for the MP3 of a whole script
INSTALL_HINT = "sudo apt-get install -y --no-install-recommends espeak-ng lame"

# Control characters other than tab and line breaks have no business in a script: refuse them
# rather than guess (they come from a paste from a binary file or from an attack).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class SpeechError(Exception):
    """Synthesis or encoding failed (the program crashed, timed out or wrote no valid audio)."""


class SpeechUnavailable(SpeechError):
    """espeak-ng or lame is not installed."""


class InvalidScriptText(ValueError):
    """The text cannot be spoken: empty, too long, control characters, nothing to read."""


@dataclass(frozen=True)
class Audio:
    wav: bytes = field(repr=False)
    mp3: bytes = field(repr=False)
    seconds: float  # measured from the WAV samples
    spoken: str  # the text as the front-end wrote it for the engine
    voice: str  # the espeak-ng voice name


def synthesize(text: str, *, voice: str = DEFAULT_VOICE, speed: int = DEFAULT_SPEED, region: str = "south") -> Audio:
    """A loudspeaker script as WAV and MP3. Raises `InvalidScriptText` for text that cannot be
    spoken, `SpeechUnavailable` when a program is missing, `SpeechError` when synthesis fails;
    `ValueError` for an unknown voice, speed or region."""
    voice = resolve_voice(voice)
    parts = script_text_parts(text, region=region)
    wav = speak(parts, voice=voice, speed=speed)
    return Audio(wav=wav, mp3=encode_mp3(wav), seconds=duration_of(wav), spoken=" ".join(parts), voice=voice)


def resolve_voice(voice: str) -> str:
    """A region ("south") or an espeak-ng voice name ("vi-vn-x-south") -> the voice name."""
    name = VOICES.get(voice, voice.lower())
    if name not in VOICES.values():
        choices = ", ".join([*VOICES, *VOICES.values()])
        raise ValueError(f"Giọng đọc không hợp lệ: {voice!r} (chọn một trong {choices}).")
    return name


def script_text_parts(text: str, *, region: str = "south") -> list[str]:
    """Check the written script and cut its spoken form into parts (one espeak-ng call each)."""
    if not isinstance(text, str):
        raise InvalidScriptText("Nội dung đọc phải là văn bản.")
    if not text.strip():
        raise InvalidScriptText("Nội dung đọc đang trống.")
    if len(text) > MAX_CHARACTERS:
        raise InvalidScriptText(
            f"Nội dung đọc dài {_thousands(len(text))} ký tự, tối đa {_thousands(MAX_CHARACTERS)}: "
            "hãy chia thành nhiều bài."
        )
    if bad := _CONTROL_RE.search(text):
        raise InvalidScriptText(
            f"Nội dung đọc có ký tự điều khiển U+{ord(bad.group()):04X} ở vị trí {bad.start() + 1}: hãy xoá nó."
        )
    parts = script_parts(text, region=region)
    if not any(re.search(r"\w", part) for part in parts):
        raise InvalidScriptText("Nội dung đọc không có chữ nào để đọc (chỉ có dấu câu hoặc ký hiệu).")
    return parts


def speak(parts: list[str], *, voice: str = DEFAULT_VOICE, speed: int = DEFAULT_SPEED) -> bytes:
    """Spoken parts (the front-end's output) -> one WAV, the parts separated by silence."""
    voice = resolve_voice(voice)
    if speed not in SPEED_RANGE:
        raise ValueError(f"Tốc độ đọc {speed} không hợp lệ (từ {SPEED_RANGE.start} đến {SPEED_RANGE.stop - 1}).")
    program = _program(ESPEAK)
    params = None
    frames: list[bytes] = []
    for part in parts:
        # -b 1: the input is UTF-8; -z: no pause after the last sentence (ours comes below).
        args = [program, "-v", voice, "-s", str(speed), "-b", "1", "-z", "--stdin", "--stdout"]
        output = _run(args, part.encode(), PART_TIMEOUT)
        try:
            part_params, samples = _read_wav(output)
        except ValueError as error:
            raise SpeechError(f"{ESPEAK} trả về dữ liệu không đọc được: {error}") from error
        if params is None:
            params = part_params
        elif part_params != params:
            raise SpeechError(f"{ESPEAK} trả về các đoạn âm thanh khác định dạng: {params} và {part_params}.")
        pause = SENTENCE_PAUSE if part.rstrip()[-1:] in ".!?;" else PHRASE_PAUSE
        frames += [samples, _silence(params, pause)]
    if params is None:
        raise InvalidScriptText("Nội dung đọc đang trống.")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(params[0])
        out.setsampwidth(params[1])
        out.setframerate(params[2])
        out.writeframes(b"".join(frames[:-1]))  # no silence after the last part
    return buffer.getvalue()


def encode_mp3(wav: bytes, *, bitrate: int = MP3_BITRATE) -> bytes:
    """A WAV -> MP3 (mono, constant bitrate, 44.1 kHz) through lame, stdin to stdout."""
    args = [_program(LAME), "--quiet", "-m", "m", "--cbr", "-b", str(bitrate), "--resample", MP3_SAMPLE_RATE, "-", "-"]
    mp3 = _run(args, wav, ENCODE_TIMEOUT)
    if not (mp3[:3] == b"ID3" or (len(mp3) > 1 and mp3[0] == 0xFF and mp3[1] & 0xE0 == 0xE0)):
        raise SpeechError(f"{LAME} không trả về tệp MP3 hợp lệ ({len(mp3)} byte).")
    return mp3


def duration_of(wav: bytes) -> float:
    """Seconds of audio in a WAV, counted from the sample data that is actually there (a WAV
    written to a pipe, as espeak-ng and lame write it, has placeholder sizes in its header).
    Raises `ValueError` for data that is not a PCM WAV."""
    (channels, width, rate), samples = _read_wav(wav)
    return len(samples) / (channels * width * rate)


# ---------------------------------------------------------------------------------------------


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SpeechUnavailable(f"Chưa cài chương trình {name} để tạo âm thanh. Cài bằng: {INSTALL_HINT}")
    return path


def _run(args: list[str], stdin: bytes, timeout: float) -> bytes:
    name = args[0].rsplit("/", 1)[-1]
    try:
        done = subprocess.run(args, input=stdin, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as error:  # removed between the `which` and the call
        raise SpeechUnavailable(f"Chưa cài chương trình {name} để tạo âm thanh. Cài bằng: {INSTALL_HINT}") from error
    except subprocess.TimeoutExpired as error:
        raise SpeechError(f"{name} chạy quá {timeout:g} giây và đã bị dừng.") from error
    except OSError as error:
        raise SpeechError(f"Không chạy được {name}: {error}") from error
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip()[:500] or "không có thông báo lỗi"
        raise SpeechError(f"{name} thất bại (mã {done.returncode}): {message}")
    return done.stdout


def _read_wav(data: bytes) -> tuple[tuple[int, int, int], bytes]:
    """(channels, sample width, frame rate) and the whole frames of a PCM WAV."""
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            params = (reader.getnchannels(), reader.getsampwidth(), reader.getframerate())
            samples = reader.readframes(reader.getnframes())  # stops at the end of the data
    except (wave.Error, EOFError) as error:
        raise ValueError(f"không phải âm thanh WAV (PCM) hợp lệ: {error}") from error
    frame = params[0] * params[1]
    if not params[2] or not frame:
        raise ValueError(f"WAV sai định dạng: {params}.")
    return params, samples[: len(samples) - len(samples) % frame]


def _silence(params: tuple[int, int, int], seconds: float) -> bytes:
    channels, width, rate = params
    zero = b"\x80" if width == 1 else b"\x00"  # 8-bit PCM is unsigned
    return zero * (round(rate * seconds) * channels * width)


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # Vietnamese writes 10.000
