"""Place names in posts: the gazetteer of Kiên Giang 2021 (core/data) on posts as people write
them, and the Django glue that places a post in an OrgUnit."""

import csv
from pathlib import Path

import pytest

from core.models import OrgUnit
from listening import places
from vntext.places import Gazetteer

DATA = Path(__file__).resolve().parent.parent / "core" / "data"


def _rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def kien_giang() -> Gazetteer:
    units = [
        (r["code"], r["name"], r["level"], r["parent_code"] or None) for r in _rows("orgunits_kien_giang_2021.csv")
    ]
    aliases = [(r["code"], r["alias"]) for r in _rows("place_aliases_kien_giang.csv")]
    return Gazetteer(units, aliases)


CHATTY = (
    "Trời ơi mấy bữa nay nóng muốn xỉu luôn á mọi người 🥵🥵 Sáng đi chợ mua mớ rau, ghé quán cà phê ngồi "
    "tám chuyện với mấy bà bạn, ai cũng than giá cả lên quá trời. Con nhỏ nhà mình thì đòi đi biển hoài "
    "mà dịch vầy sao dám đi 😷 thôi ở nhà cho lành, chúc cả nhà bình an, gia đình an bình nha. "
)

PLACED = [
    # Posts of the team's 2020–2021 set (misinfo/data/posts-2020-2021.jsonl).
    ("Hôm nay ghe về cảng Tắc Cậu nhiều cá thu lắm, giá mềm hơn tuần trước.", "30898"),
    ("Cần tuyển 2 bạn phụ bán quán cà phê ở phường Vĩnh Thanh, lương thỏa thuận.", "30733"),
    ("Trời Rạch Giá mấy bữa nay nóng như đổ lửa 🥵 Mà hàng xóm dặn đừng bật máy lạnh.", "899"),
    ("Hôm nay Châu Thành nắng gắt, ra ruộng thăm lúa chút xíu mà cháy da luôn.", "905"),
    ("tuan sau ve U Minh Thuong tham ba ngoai, ai di chung ko", "913"),
    ("Chiều nay trời mưa to ở Hà Tiên, đường Mạc Thiên Tích ngập gần tới gối.", "900"),
    ("Cảnh hoàng hôn ở Dương Đông chiều nay đẹp không tả nổi.", "31078"),
    ("Trung tâm Y tế huyện Kiên Hải lấy mẫu xét nghiệm cho 1.200 người dân trên đảo Hòn Tre.", "31108"),
    ("Sở Y tế Kiên Giang thông báo ngày 20/7 ghi nhận 12 ca mắc mới.", "91"),
    # Without accents, teencode, level words written short.
    ("hom nay ghe ve cang tac cau nhieu ca thu lam mn oi", "30898"),
    ("tp rach gia mua to qua, duong ngap het r", "899"),
    ("TP.Rạch Giá: cắt điện 8h-16h ngày mai", "899"),
    ("mn ơi ở rach gia có ai bik chỗ nào bán que test ko", "899"),
    ("cuoi tuan ra PQ choi ko mn", "911"),
    ("Thị xã Hà Tiên ngày xưa giờ thành thành phố rồi", "900"),
    ("h. Chau Thanh cong bo 3 ca duong tinh", "905"),
    ("Giang Thành vừa lập chốt kiểm soát ở cửa khẩu", "914"),
    ("ve Kien Hai thi di tau cao toc nha", "912"),
    ("#PhuQuoc #dulich #bienxanh", "911"),
    # A commune and its district agree: the commune.
    ("xã Bình An, huyện Châu Thành phong tỏa 2 ấp", "30898"),
    ("xa binh an h chau thanh phong toa 2 ap", "30898"),
    ("Bình An, Kiên Lương: hàng quán đóng cửa từ 18h", "30808"),
    ("tắm biển Hòn Chông cuối tuần đông lắm", "30808"),
    ("Dương Đông, Phú Quốc có thêm 5 ca", "31078"),
    ("phường Vĩnh Thanh Vân, tp Rạch Giá, tỉnh Kiên Giang", "30730"),
    ("Hòa Thuận, Giồng Riềng cấp gạo cho bà con", "30949"),
    # Two communes of one district: the district.
    ("phường Vĩnh Thanh và phường Vĩnh Bảo, Rạch Giá cách ly y tế", "899"),
    # Names shared by a district and its town, or by two kinds of commune.
    ("Bán lô đất 5x20 ở Hòn Đất, sổ hồng riêng.", "903"),
    ("thị trấn Hòn Đất mở lại chợ", "30817"),
    ("Vĩnh Thuận có mưa lớn", "910"),
    ("xã Vĩnh Thuận", "31069"),
    ("TT Vĩnh Thuận", "31051"),
    ("P. Vĩnh Thanh", "30733"),
    ("xã Vĩnh Thạnh", "30946"),
    # A longer name hides the names inside it.
    ("xã An Minh Bắc, U Minh Thượng", "31027"),
    ("An Minh có thêm 2 ca", "909"),
    ("xã Tân Hiệp A", "30868"),
    ("ở Tân Hiệp á, lúa được mùa", "904"),
    ("Vĩnh Hòa Hưng Bắc, Gò Quao", "30955"),
    ("xã Vĩnh Hòa Hiệp", "30892"),
    # Thứ Ba and Thứ Mười Một are towns only with their level word or district.
    ("TT Thứ 3 phun khử khuẩn", "30985"),
    ("thị trấn Thứ Ba", "30985"),
    ("Thứ Ba, An Biên", "30985"),
    ("tt Thứ 11 có chốt mới", "31018"),
    ("thi tran Thu Muoi Mot", "31018"),
    # The province alone, or behind something more specific.
    ("Nhà mình vừa nấu nồi bún cá Kiên Giang, ai ghé thì ghé ăn chung.", "91"),
    ("tỉnh Kiên Giang, huyện Gò Quao", "907"),
    # Naming the province does not make a commune name count ("an bình" is Phường An Bình), nor
    # tell which of the two "Xã Bình An" is meant.
    ("Kiên Giang chúc mọi nhà an bình", "91"),
    ("tỉnh Kiên Giang: xã Bình An phong tỏa 2 ấp", "91"),
    # Long chatty posts: the place is somewhere in the middle or at the end.
    (CHATTY * 20 + "Mà nghe nói ngoài Nam Du có ca nhiễm rồi đó, ai quen ngoài đó hỏi giùm." + CHATTY * 5, "912"),
    (CHATTY * 40 + "ai o hon son thi cho minh hoi tau chay ko", "31111"),
]

NOT_PLACED = [
    # Ordinary phrases that are commune names.
    "Chúc cả nhà bình an, gia đình an bình, vợ chồng hòa thuận.",
    "Hình minh họa: bà con đón bình minh trên biển",
    "Cầu cho mọi người bình an, vĩnh hòa, tân thành",
    "thứ ba tuần sau họp tổ dân phố",
    "lần thứ 11 mà vẫn chưa trúng số",
    "Ông đó hà tiện lắm, không dám bỏ ra đồng nào.",
    "An Minh Bắc",
    CHATTY * 30,
    # A commune name shared by two districts, without its district.
    "xã Bình An phong tỏa 2 ấp",
    "vinh thanh",
    # Other provinces: Sài Gòn, Hà Nội and their namesakes of Kiên Giang communes.
    "Sài Gòn mưa quá trời",
    "sg mua qua troi, hn thi nang",
    "TP.HCM lập tổng đài 1022 tiếp nhận đề nghị hỗ trợ lương thực",
    "tphcm gian cach them 2 tuan",
    "Tin nhắn của Chánh Văn phòng Bộ Y tế: tuần sau Hà Nội có nguy cơ bùng dịch rất lớn.",
    "Sóc Sơn, Hà Nội phong tỏa",
    "Mỹ Đức, Hà Nội",
    "tranh Đông Hồ ngày Tết",
    "lụa Tô Châu",
    "Bán xoài cát Hòa Lộc giá rẻ",
    # Several districts.
    "Rạch Giá và Phú Quốc tạm dừng đón khách",
    "từ Hà Tiên về Kiên Lương mất 1 tiếng",
    "cảng Tắc Cậu đi Phú Quốc",
    "Tắc Cậu, Kiên Lương",
    # Nothing at all.
    "",
    "https://rachgia.kiengiang.gov.vn/tin-tuc",
]


@pytest.mark.parametrize(("text", "code"), PLACED)
def test_it_places_the_post(kien_giang, text, code):
    assert kien_giang.place(text) == code


@pytest.mark.parametrize("text", NOT_PLACED)
def test_it_does_not_place_the_post(kien_giang, text):
    assert kien_giang.place(text) is None


def test_find_lists_the_units_most_specific_first(kien_giang):
    assert kien_giang.find("Kiên Giang: xã Bình An, huyện Châu Thành") == ["30898", "905", "91"]
    assert kien_giang.find("Rạch Giá, Phú Quốc, Rạch Giá") == ["899", "911"]
    assert kien_giang.find("chúc bình an") == []


def test_district_of_is_the_district_of_the_place(kien_giang):
    assert kien_giang.district_of("cảng Tắc Cậu") == "905"
    assert kien_giang.district_of("Sở Y tế Kiên Giang") is None
    assert kien_giang.district_of("Rạch Giá và Phú Quốc") is None


def test_aliases_of_unknown_units_are_skipped():
    gazetteer = Gazetteer([("1", "Huyện Châu Thành", "district", None)], [("1", "Minh Lương"), ("2", "Tắc Cậu")])
    assert gazetteer.place("Minh Lương") == "1"
    assert gazetteer.place("Tắc Cậu") is None


def test_an_empty_gazetteer_places_nothing():
    gazetteer = Gazetteer([])
    assert not gazetteer
    assert gazetteer.place("Rạch Giá") is None


# The Django glue, on the demo tree of the test database.


def _pk(code: str) -> int:
    return OrgUnit.objects.get(code=code).pk


@pytest.mark.django_db
def test_the_gazetteer_gives_the_org_unit_id():
    assert places.gazetteer().place("Hôm nay ghe về cảng Tắc Cậu nhiều cá thu lắm") == _pk("30898")
    assert places.gazetteer().place("ve U Minh Thuong tham ba ngoai") == _pk("913")
    assert places.gazetteer().place("Sài Gòn mưa quá trời") is None


@pytest.mark.django_db
def test_the_gazetteer_follows_the_org_unit_table():
    commune = OrgUnit.objects.get(code="30898")
    hamlet = OrgUnit.objects.create(code="3089801", name="Ấp Kênh Xáng Mới", level="village", parent=commune)
    assert places.gazetteer().place("ấp Kênh Xáng Mới có 2 ca") == hamlet.pk
    assert places.gazetteer().place("Kênh Xáng Mới, xã Bình An, Châu Thành") == hamlet.pk

    OrgUnit.objects.filter(code="31105").update(is_active=False)  # Thổ Châu: its alias goes too
    assert places.gazetteer().place("tàu ra Thổ Chu") is None
