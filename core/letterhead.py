"""Who issues the Department's official documents, from the directory: the issuing body and
its parent, the symbol for numbers ("STTTT"), the place, and the leader who signs. One source for
every module's documents (reports, letters, bulletins)."""

import re
from dataclasses import dataclass

from vntext import fold

from .models import Organisation, OrgUnit, Person
from .roles import Role

UNIT_TYPES = ("Tỉnh ", "Thành phố ", "Thị xã ", "Huyện ", "Quận ")


def bare_name(name: str) -> str:
    """'Tỉnh Kiên Giang' -> 'Kiên Giang'."""
    for prefix in UNIT_TYPES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# The plan every document of the campaign cites.
PLAN = "Kế hoạch số 52/KH-STTTT ngày 19/7/2021 của Sở Thông tin và Truyền thông"


def leader_authority(person) -> str:
    """How a leader signs: a deputy director for the director (KT.), or the director."""
    return "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC" if "phó" in (person.position or "").lower() else "GIÁM ĐỐC"


@dataclass
class Letterhead:
    parent: str  # "UBND TỈNH KIÊN GIANG"
    issuer: str  # "Sở Thông tin và Truyền thông"
    symbol: str  # "STTTT", for "Số: 12/BC-STTTT"
    place: str  # "Kiên Giang"
    signer_authority: str  # "GIÁM ĐỐC" or "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"
    signer_name: str

    @property
    def issuer_lines(self) -> list[str]:
        return [self.parent, self.issuer.upper()]


def letterhead(root: OrgUnit | None = None) -> Letterhead:
    root = root or OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    place = bare_name(root.name) if root else ""
    dept = (
        Organisation.objects.filter(org_unit=root, kind=Organisation.Kind.DEPARTMENT).order_by("pk").first()
        if root
        else None
    )
    name, symbol = "Sở Thông tin và Truyền thông", "STTTT"
    if dept is not None:
        name = dept.name
        for suffix in (f" tỉnh {place}", f" thành phố {place}", f" {place}"):
            if place and name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        words = fold(dept.short_name or "Sở TTTT").upper().split()
        symbol = re.sub(r"[^A-Z0-9-]", "", (words[0][0] + "".join(words[1:])) if words else "STTTT")
    leader = Person.objects.filter(role=Role.LEADER, is_active=True).order_by("pk").first()
    authority, signer = "GIÁM ĐỐC", ""
    if leader is not None:
        authority = leader_authority(leader)
        signer = leader.full_name
    return Letterhead(f"UBND {root.name.upper()}" if root else "", name, symbol, place, authority, signer)
