"""The text front-end for loudspeaker speech (vntext.speech): a fixed table of written inputs and
the words espeak-ng must be given, plus the properties every output has."""

import unicodedata

import pytest

from vntext.speech import read_number, script_parts, to_spoken

# (written, spoken) with the default southern reading.
SOUTH = [
    # Units, tens, mốt / tư / lăm.
    ("0", "không"),
    ("4", "bốn"),
    ("10", "mười"),
    ("11", "mười một"),
    ("14", "mười bốn"),
    ("15", "mười lăm"),
    ("20", "hai mươi"),
    ("21", "hai mươi mốt"),
    ("24", "hai mươi tư"),
    ("25", "hai mươi lăm"),
    ("55", "năm mươi lăm"),
    ("99", "chín mươi chín"),
    # Hundreds, lẻ, thousands (ngàn), millions, billions.
    ("100", "một trăm"),
    ("101", "một trăm lẻ một"),
    ("104", "một trăm lẻ bốn"),
    ("105", "một trăm lẻ năm"),
    ("110", "một trăm mười"),
    ("115", "một trăm mười lăm"),
    ("121 người", "một trăm hai mươi mốt người"),
    ("1.000", "một ngàn"),
    ("1.234", "một ngàn hai trăm ba mươi tư"),  # tư after mươi, as in 24
    ("1.032", "một ngàn không trăm ba mươi hai"),
    ("1.005", "một ngàn không trăm lẻ năm"),
    ("10.050", "mười ngàn không trăm năm mươi"),
    ("24.000 liều", "hai mươi tư ngàn liều"),
    ("105.000", "một trăm lẻ năm ngàn"),
    ("1.000.005", "một triệu không trăm lẻ năm"),
    ("3.678.935", "ba triệu sáu trăm bảy mươi tám ngàn chín trăm ba mươi lăm"),
    ("2.000.000.000", "hai tỷ"),
    ("1.000.000.000.000", "một ngàn tỷ"),
    ("50.000đ", "năm mươi ngàn đồng"),
    ("giá 20.000 đ", "giá hai mươi ngàn đồng"),
    # Decimals and percentages.
    ("2,5", "hai phẩy năm"),
    ("0,5", "không phẩy năm"),
    ("3,14", "ba phẩy mười bốn"),
    ("2,05", "hai phẩy không năm"),
    ("95%", "chín mươi lăm phần trăm"),
    ("tỷ lệ 99,5 %", "tỷ lệ chín mươi chín phẩy năm phần trăm"),
    # Ordinal-like and month words.
    ("thứ 2", "thứ hai"),
    ("Thứ 7", "Thứ bảy"),
    ("lần thứ 1", "lần thứ nhất"),
    ("lần thứ 4", "lần thứ tư"),
    ("lần 1", "lần một"),
    ("đợt 4", "đợt bốn"),
    ("tháng 4", "tháng tư"),
    ("4 tháng", "bốn tháng"),
    # Dates.
    ("ngày 05/8/2021", "ngày năm tháng tám năm hai ngàn không trăm hai mươi mốt"),
    ("05/8/2021", "ngày năm tháng tám năm hai ngàn không trăm hai mươi mốt"),
    ("5/8", "ngày năm tháng tám"),
    ("ngày 24/4", "ngày hai mươi tư tháng tư"),
    ("tháng 8/2021", "tháng tám năm hai ngàn không trăm hai mươi mốt"),
    ("từ 19/7 đến 01/8", "từ ngày mười chín tháng bảy đến ngày một tháng tám"),
    ("19/7–01/8", "ngày mười chín tháng bảy đến ngày một tháng tám"),
    ("năm 2005", "năm hai ngàn không trăm lẻ năm"),
    ("năm 1975", "năm một ngàn chín trăm bảy mươi lăm"),
    ("giai đoạn 2020-2021", "giai đoạn hai ngàn không trăm hai mươi đến hai ngàn không trăm hai mươi mốt"),
    # Times.
    ("16:00", "mười sáu giờ"),
    ("16h", "mười sáu giờ"),
    ("16h30", "mười sáu giờ ba mươi phút"),
    ("7 giờ 30", "bảy giờ ba mươi phút"),
    ("7 giờ 30 phút", "bảy giờ ba mươi phút"),
    ("9:05", "chín giờ năm phút"),
    ("10g30", "mười giờ ba mươi phút"),
    ("07:00–22:00", "bảy giờ đến hai mươi hai giờ"),
    ("từ 0 giờ", "từ không giờ"),
    ("trực 24/24h", "trực hai mươi tư trên hai mươi tư giờ"),
    # Phone and hotline numbers, digit by digit in the groups written.
    ("0927.681.168", "không chín hai bảy, sáu tám một, một sáu tám"),
    ("0965.20.15.15", "không chín sáu năm, hai không, một năm, một năm"),
    ("1900 9095", "một chín không không, chín không chín năm"),
    ("1800 1119", "một tám không không, một một một chín"),
    ("0965201515", "không chín sáu năm, hai không một, năm một năm"),
    ("0297 3862 123", "không hai chín bảy, ba tám sáu hai, một hai ba"),
    ("gọi 0965-20-15-15", "gọi không chín sáu năm, hai không, một năm, một năm"),
    ("gọi 115", "gọi một một năm"),
    ("Cấp cứu: 115", "Cấp cứu: một một năm"),
    ("gọi 113, 114 hoặc 115.", "gọi một một ba, một một bốn hoặc một một năm."),
    ("ghi nhận 113 ca mắc mới", "ghi nhận một trăm mười ba ca mắc mới"),
    ("hotline 1900 3228", "đường dây nóng một chín không không, ba hai hai tám"),
    # Abbreviations and terms.
    ("F0", "ép không"),
    ("F1", "ép một"),
    ("các F2, F3", "các ép hai, ép ba"),
    ("F0/F1", "ép không và ép một"),
    ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
    ("BCĐ huyện", "Ban Chỉ đạo huyện"),
    ("Covid-19", "cô vít mười chín"),
    ("COVID-19", "cô vít mười chín"),
    ("dịch covid 19", "dịch cô vít mười chín"),
    ("virus SARS-CoV-2", "virus sát cô vi hai"),
    ("thực hiện 5K", "thực hiện năm ca"),
    ("TP. Rạch Giá", "thành phố Rạch Giá"),
    ("Tp Hà Tiên", "thành phố Hà Tiên"),
    ("TP.HCM", "thành phố Hồ Chí Minh"),
    ("P. Vĩnh Thanh", "phường Vĩnh Thanh"),
    ("Q.1", "quận một"),
    ("H. Châu Thành", "huyện Châu Thành"),
    ("TT Minh Lương", "thị trấn Minh Lương"),
    ("TT. Dương Đông", "thị trấn Dương Đông"),
    ("TT CNTT", "tê tê công nghệ thông tin"),
    ("anh Nguyễn Văn H. cho biết", "anh Nguyễn Văn H. cho biết"),
    ("Sở TTTT", "Sở Thông tin và Truyền thông"),
    ("STTTT", "Sở Thông tin và Truyền thông"),
    ("BYT", "Bộ Y tế"),
    ("CDC tỉnh", "xê đê xê tỉnh"),
    ("xét nghiệm PCR", "xét nghiệm pê xê e rờ"),
    ("cách 5km", "cách năm ki lô mét"),
    ("nhắn SMS", "nhắn ét em ét"),
    ("Chỉ thị 16/CT-TTg", "Chỉ thị mười sáu của Thủ tướng Chính phủ"),
    ("Kế hoạch 52/KH-STTTT", "Kế hoạch năm mươi hai của Sở Thông tin và Truyền thông"),
    ("Nghị định 91/2020/NĐ-CP", "Nghị định chín mươi mốt năm hai ngàn không trăm hai mươi của Chính phủ"),
    ("Quyết định số 1777/QĐ-UBND", "Quyết định số một ngàn bảy trăm bảy mươi bảy của Ủy ban nhân dân"),
    ("Kế hoạch 12/KH-BCĐ149", "Kế hoạch mười hai"),
    ("uống 2 lần/ngày", "uống hai lần mỗi ngày"),
    ("đ/c Trần B", "đồng chí Trần B"),
    # Punctuation.
    ("#CovidVN *khẩn* _nhé_", "CovidVN khẩn nhé"),
    ("Lưu ý (quan trọng): đeo khẩu trang", "Lưu ý, quan trọng: đeo khẩu trang"),
    ("Bà Rịa - Vũng Tàu", "Bà Rịa, Vũng Tàu"),
    ("Chờ đã...   Xong !", "Chờ đã. Xong!"),
    ("THÔNG BÁO KHẨN\n- Đeo khẩu trang\n- Rửa tay", "thông báo khẩn. Đeo khẩu trang. Rửa tay"),
    # Whole loudspeaker sentences.
    (
        "Từ 0 giờ ngày 19/7/2021, TP. Rạch Giá thực hiện giãn cách xã hội theo Chỉ thị 16. Người dân có triệu "
        "chứng liên hệ đường dây nóng 0965.20.15.15 hoặc 1900 3228.",
        "Từ không giờ ngày mười chín tháng bảy năm hai ngàn không trăm hai mươi mốt, thành phố Rạch Giá thực hiện "
        "giãn cách xã hội theo Chỉ thị mười sáu. Người dân có triệu chứng liên hệ đường dây nóng không chín sáu năm, "
        "hai không, một năm, một năm hoặc một chín không không, ba hai hai tám.",
    ),
    (
        "UBND tỉnh, BCĐ phòng chống dịch Covid-19 đề nghị F1 cách ly 14 ngày.",
        "Ủy ban nhân dân tỉnh, Ban Chỉ đạo phòng chống dịch cô vít mười chín đề nghị ép một cách ly mười bốn ngày.",
    ),
    (
        "Thông tin sai sự thật về dịch bệnh, đề nghị báo Sở TTTT qua số 0927.681.168 (Thanh tra Sở).",
        "Thông tin sai sự thật về dịch bệnh, đề nghị báo Sở Thông tin và Truyền thông qua số không chín hai bảy, "
        "sáu tám một, một sáu tám, Thanh tra Sở.",
    ),
    (
        "Chợ mở cửa từ 6h đến 11h30, thứ 2–thứ 7; mỗi hộ đi chợ 1 lần/3 ngày.",
        "Chợ mở cửa từ sáu giờ đến mười một giờ ba mươi phút, thứ hai đến thứ bảy; mỗi hộ đi chợ một lần mỗi ba ngày.",
    ),
    (
        "Tính đến 17:00 ngày 24/7, toàn tỉnh ghi nhận 1.215 ca F0, tăng 25 ca; 95% người dân đã khai báo y tế.",
        "Tính đến mười bảy giờ ngày hai mươi tư tháng bảy, toàn tỉnh ghi nhận một ngàn hai trăm mười lăm ca ép "
        "không, tăng hai mươi lăm ca; chín mươi lăm phần trăm người dân đã khai báo y tế.",
    ),
    (
        "Người có triệu chứng sốt trên 38°C, ho, khó thở gọi ngay 115 hoặc Trạm Y tế xã.",
        "Người có triệu chứng sốt trên ba mươi tám độ xê, ho, khó thở gọi ngay một một năm hoặc Trạm Y tế xã.",
    ),
]

# The same rules read the northern way: linh, nghìn.
NORTH = [
    ("105", "một trăm linh năm"),
    ("1.234", "một nghìn hai trăm ba mươi tư"),
    ("2021", "hai nghìn không trăm hai mươi mốt"),
    ("ngày 05/8/2021", "ngày năm tháng tám năm hai nghìn không trăm hai mươi mốt"),
    ("25 ca", "hai mươi lăm ca"),
]

EVERY_INPUT = [written for written, _ in SOUTH + NORTH]


@pytest.mark.parametrize(("written", "spoken"), SOUTH)
def test_it_reads_the_southern_way(written, spoken):
    assert to_spoken(written) == spoken


@pytest.mark.parametrize(("written", "spoken"), NORTH)
def test_it_reads_the_northern_way_when_asked(written, spoken):
    assert to_spoken(written, region="north") == spoken


def test_the_table_is_large_enough():
    assert len(SOUTH) >= 60


@pytest.mark.parametrize("written", EVERY_INPUT)
@pytest.mark.parametrize("region", ["south", "north"])
def test_reading_its_own_output_changes_nothing(written, region):
    spoken = to_spoken(written, region=region)
    assert to_spoken(spoken, region=region) == spoken


@pytest.mark.parametrize("written", EVERY_INPUT)
def test_no_digit_is_left_for_the_speech_engine(written):
    spoken = to_spoken(written)
    assert not any(ch.isdigit() for ch in spoken)
    assert not set("#*_/%") & set(spoken)


@pytest.mark.parametrize("written", EVERY_INPUT)
def test_decomposed_input_reads_like_composed_input(written):
    decomposed = unicodedata.normalize("NFD", written)
    spoken = to_spoken(decomposed)
    assert spoken == to_spoken(written)
    assert spoken == unicodedata.normalize("NFC", spoken)


def test_odd_digits_and_symbols_are_read_or_dropped():
    assert to_spoken("１２ m² ½") == "mười hai mét vuông một phần hai"
    assert to_spoken("Ở nhà 🏠 an toàn\u200b!") == "Ở nhà an toàn!"


def test_read_number_covers_the_scales():
    assert read_number(0) == "không"
    assert read_number(2_000_021) == "hai triệu không trăm hai mươi mốt"
    assert read_number(1_000_000_001, region="north") == "một tỷ không trăm linh một"
    assert read_number(-5) == "âm năm"


def test_an_unknown_region_is_refused_in_vietnamese():
    with pytest.raises(ValueError, match="Vùng đọc không hợp lệ"):
        to_spoken("1", region="central")


def test_script_parts_are_sentences_of_at_most_200_characters():
    script = (
        "THÔNG BÁO KHẨN. Từ 0 giờ ngày 19/7/2021, TP. Rạch Giá thực hiện giãn cách xã hội theo Chỉ thị 16. "
        + "Người dân hạn chế ra đường, chỉ ra ngoài khi thật cần thiết, " * 6
        + "liên hệ đường dây nóng 0965.20.15.15 hoặc 1900 3228 khi có triệu chứng sốt, ho, khó thở."
    )
    parts = script_parts(script)
    assert parts[0] == "thông báo khẩn."
    assert parts[1].startswith("Từ không giờ ngày mười chín tháng bảy") and parts[1].endswith("Chỉ thị mười sáu.")
    assert all(0 < len(part) <= 200 for part in parts)
    assert " ".join(parts) == to_spoken(script)
    assert parts[-1].endswith("khó thở.")


def test_script_parts_cut_a_sentence_without_commas_between_words():
    parts = script_parts("xin " * 120, limit=50)
    assert all(len(part) <= 50 for part in parts)
    assert " ".join(parts).split() == ["xin"] * 120
