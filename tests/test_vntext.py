from vntext import clean_query, fold, nfc


def test_fold_removes_accents_and_d_stroke():
    assert fold("Đường dây nóng") == "duong day nong"
    assert fold("Thành phố Rạch Giá") == "thanh pho rach gia"
    assert fold("U Minh Thượng") == "u minh thuong"


def test_nfc_joins_decomposed_text_and_spaces():
    decomposed = "Phu\u0301 Quô\u0301c"  # typed with combining marks
    assert nfc(decomposed) == "Phú Quốc"
    assert nfc("  Kiên   Hải\n") == "Kiên Hải"
    assert fold(decomposed) == fold("Phú Quốc") == "phu quoc"


def test_clean_query_drops_control_characters_and_cuts():
    assert clean_query("  Rạch\x00Giá\n ") == "Rạch Giá"
    assert clean_query("x" * 500) == "x" * 100
