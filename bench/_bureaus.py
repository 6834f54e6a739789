"""The bureaus of bench/datagen.py: the demo's 镇江 and further cities of 江苏, each an MSB and a PSB
made with the real services (role groups, members group and grants included), and their officers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any


# Extra cities of 江苏省 (镇江 is the demo's; 常州 stays the outsider that holds no case):
# agency-code prefix, 行政区划代码, city, MSB 发文机关代字, PSB 发文机关代字.
CITIES = [
    ("nj", "320100", "南京市", "宁医保", "宁公"), ("wx", "320200", "无锡市", "锡医保", "锡公"),
    ("xz", "320300", "徐州市", "徐医保", "徐公"), ("sz", "320500", "苏州市", "苏州医保", "苏州公"),
    ("nt", "320600", "南通市", "通医保", "通公"), ("lyg", "320700", "连云港市", "连医保", "连公"),
    ("ha", "320800", "淮安市", "淮医保", "淮公"), ("yc", "320900", "盐城市", "盐医保", "盐公"),
    ("yz", "321000", "扬州市", "扬医保", "扬公"), ("tz", "321200", "泰州市", "泰医保", "泰公"),
    ("sq", "321300", "宿迁市", "宿医保", "宿公"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国文辉鹏斌宇浩凯健俊帆帅旭宁琳雪梅海波晨阳欣怡子轩梓涵一诺浩然"


# --- the bureaus ---------------------------------------------------------------------------------


@dataclass
class Bureau:
    """A city's MSB and PSB with the people the flows name: officers, chief, head and the police."""

    msb: Any
    psb: Any
    officers: list = field(default_factory=list)
    people: dict[str, Any] = field(default_factory=dict)  # "section_chief", "head", "psb_officer", …


def _ensure_agency(code: str, **fields):
    """agency_create (role groups and grants included), or the agency of a previous run."""
    from agencies.models import Agency
    from agencies.services import agency_create

    return Agency.objects.filter(code=code).first() or agency_create(code=code, **fields)


def _ensure_officer(username: str, **fields):
    from agencies.models import Officer
    from agencies.services import officer_create
    from demo.scenario import DEMO_PASSWORD

    return (Officer.objects.select_related("user").filter(user__username=username).first()
            or officer_create(username=username, password=DEMO_PASSWORD, **fields))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def city_bureau(cast, city: tuple[str, str, str, str, str], rng: random.Random) -> Bureau:
    """One more city, built like demo.scenario builds 镇江: its MSB under the province, its PSB, and
    the MSB's chief, head, leader and clerk and three police officers (officers are added later)."""
    from agencies.models import AgencyKind, AgencyLevel, Role

    prefix, region, city_name, msb_prefix, psb_prefix = city
    msb = _ensure_agency(f"{prefix}-msb", name=f"{city_name}医疗保障局", short_name=f"{city_name}医保局", kind=AgencyKind.MSB,
                         level=AgencyLevel.CITY, region_code=region, region_name=city_name, doc_prefix=msb_prefix,
                         parent=cast.agencies["js-msb"], address=city_name, phone="")
    psb = _ensure_agency(f"{prefix}-psb", name=f"{city_name}公安局", short_name=f"{city_name}公安局", kind=AgencyKind.PSB,
                         level=AgencyLevel.CITY, region_code=region, region_name=city_name, doc_prefix=psb_prefix,
                         parent=None, address=city_name, phone="")
    bureau = Bureau(msb=msb, psb=psb)
    for key, agency, role, title in [
        ("section_chief", msb, Role.SECTION_CHIEF, "基金监管科科长"), ("head", msb, Role.HEAD, "局长"),
        ("leader", msb, Role.LEADER, "副局长"), ("clerk", msb, Role.CLERK, "办公室文书"),
        ("psb_officer", psb, Role.OFFICER, "经侦支队民警"), ("psb_chief", psb, Role.SECTION_CHIEF, "经侦支队副支队长"),
        ("psb_head", psb, Role.HEAD, "局长"),
    ]:
        officer = _ensure_officer(f"{agency.code.replace('-', '_')}_{key.removeprefix('psb_')}", full_name=person_name(rng),
                                  agency=agency, role=role, title=title)
        bureau.people[key] = officer.user
    return bureau


def demo_bureau(cast) -> Bureau:
    bureau = Bureau(msb=cast.agencies["zj-msb"], psb=cast.agencies["zj-psb"],
                    officers=[cast.user("msb_officer"), cast.user("msb_officer2")])
    for key, username in [("section_chief", "msb_chief"), ("head", "msb_head"), ("leader", "msb_leader"), ("clerk", "msb_clerk"),
                          ("psb_officer", "psb_officer"), ("psb_chief", "psb_chief"), ("psb_head", "psb_head")]:
        bureau.people[key] = cast.user(username)
    return bureau


def add_officers(bureau: Bureau, count: int, rng: random.Random) -> None:
    """Case officers (承办人, with 执法证号: a transfer's task force needs them) up to `count`."""
    from agencies.models import Role

    for index in range(len(bureau.officers), count):
        officer = _ensure_officer(f"{bureau.msb.code.replace('-', '_')}_officer{index + 1:03d}", full_name=person_name(rng),
                                  agency=bureau.msb, role=Role.OFFICER, title="基金监管科科员",
                                  badge_number=f"{bureau.msb.region_code}{21000 + index + 1}", phone=f"0000-{index + 1:08d}")
        bureau.officers.append(officer.user)
