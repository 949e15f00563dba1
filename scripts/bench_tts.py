"""`make bench`, loudspeaker speech part: seconds of synthesis per minute of audio (outreach.audio)
for a typical loudspeaker script of 1–2 minutes, the median of 3 runs, WAV only and WAV + MP3.

    .venv/bin/python -m scripts.bench_tts     (BENCH_TTS_RUNS, default 3)

The script is built from the themes of the plan (Directive 16 distancing, 5K, vaccination, the
hotlines, misinformation). Needs espeak-ng and lame (scripts/system-deps demo).
"""

import os
import platform
import statistics
import time
from pathlib import Path

from outreach.audio import DEFAULT_SPEED, DEFAULT_VOICE, duration_of, encode_mp3, script_text_parts, speak, synthesize

RUNS = int(os.environ.get("BENCH_TTS_RUNS", "3"))

SCRIPT = """THÔNG BÁO CỦA BAN CHỈ ĐẠO PHÒNG, CHỐNG DỊCH COVID-19
Kính thưa bà con! Thực hiện Chỉ thị 16/CT-TTg của Thủ tướng Chính phủ, từ 0 giờ ngày 19/7/2021,
thành phố Rạch Giá và các huyện thực hiện giãn cách xã hội trong 14 ngày.
Bà con chỉ ra khỏi nhà khi thật cần thiết như mua lương thực, thực phẩm, thuốc men, cấp cứu,
làm việc tại nhà máy, cơ sở sản xuất; giữ khoảng cách tối thiểu 2 mét khi giao tiếp; không tụ tập
quá 2 người ở nơi công cộng.
Mỗi người dân hãy thực hiện tốt thông điệp 5K: khẩu trang, khử khuẩn, khoảng cách, không tụ tập,
khai báo y tế. Khi có triệu chứng ho, sốt, khó thở, mất vị giác, bà con không tự ý đến bệnh viện
mà hãy gọi ngay cho trạm y tế xã, phường gần nhất hoặc số cấp cứu 115.
Tiêm vắc xin phòng Covid-19 là an toàn và miễn phí. Khi đến lượt, bà con mang theo căn cước công
dân, đến đúng giờ hẹn, khai báo trung thực tiền sử bệnh và ở lại 30 phút sau tiêm để được theo
dõi.
Bà con không tin, không chia sẻ tin đồn sai sự thật trên mạng xã hội. Khi phát hiện tin giả về dịch
bệnh, xin báo ngay đường dây nóng của Sở Thông tin và Truyền thông 0927.681.168. Để được tư vấn
về Covid-19, bà con gọi đường dây nóng của Bộ Y tế 1900 9095 hoặc tổng đài 1900 3228.
Mỗi người dân là một chiến sĩ, mỗi gia đình là một pháo đài chống dịch. Xin cảm ơn bà con!"""


def median_seconds(work) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    synthesize(SCRIPT)  # warm-up: programs and voice data into the page cache
    front, parts = median_seconds(lambda: script_text_parts(SCRIPT))
    wav_only, wav = median_seconds(lambda: speak(script_text_parts(SCRIPT)))
    mp3_only, mp3 = median_seconds(lambda: encode_mp3(wav))
    both, audio = median_seconds(lambda: synthesize(SCRIPT))
    minutes = duration_of(wav) / 60
    assert audio.wav == wav and len(audio.mp3) == len(mp3)  # the same work was measured

    print(
        f"\nTin Cậy bench, loudspeaker speech — {time.strftime('%Y-%m-%d %H:%M')} — {platform.node()}, "
        f"{os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()}; voice {DEFAULT_VOICE}, "
        f"speed {DEFAULT_SPEED}; median of {RUNS} runs\n"
    )
    print(
        f"Script: {len(SCRIPT):,} characters, {len(audio.spoken.split()):,} syllables spoken, {len(parts)} parts; "
        f"audio {minutes * 60:.1f} s ({len(audio.spoken.split()) / (minutes * 60):.2f} syllables/s), "
        f"WAV {len(wav) / 1024:,.0f} KiB, MP3 {len(mp3) / 1024:,.0f} KiB\n"
    )
    print("| step | time for the script | s per minute of audio | × real time |")
    print("| --- | --- | --- | --- |")
    for step, seconds in (
        ("text front-end (vntext.speech)", front),
        ("WAV (front-end + espeak-ng per part + join)", wav_only),
        ("MP3 encoding only (lame, 64 kbit/s, 44.1 kHz)", mp3_only),
        ("WAV + MP3 (`synthesize`)", both),
    ):
        print(f"| {step} | {seconds:.3f} s | {seconds / minutes:.3f} s | {minutes * 60 / seconds:,.0f}× |")


if __name__ == "__main__":
    main()
