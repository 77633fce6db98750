"""A generator of partners, not a list (issue #28): whole partners as a vendor's CSV holds
them (the columns of tests/fixtures/hard_partners.csv) plus their logo files.

The 18 hand-written hard partners pass; sixteen partners nobody had tested did not. So the
cases here are drawn, not listed: names and addresses in 16 scripts made of real words
(a Thai company is "บริษัท ... จำกัด", not random code points), logos of any shape from
12:1 to 1:4 drawn with Pillow (transparency, drop shadows, white or coloured grounds, one
colour or several), brand colours over the whole gamut (#FFE600, white, near-black), 0 to
6 address lines, and any optional field missing.

One generator, two sources of randomness: `Source` is what every drawing function asks
for choices. `partner_specs()` and the other strategies feed it from Hypothesis (so a
property test shrinks to the simplest failing partner); `partners(seed, n)` feeds it from
`random.Random(seed)`, deterministic and without Hypothesis' `.example()` warnings, for
the bench and the seeded suite run.
"""

# ruff: noqa: RUF001 (Greek and Cyrillic capitals look like Latin ones: they are meant)
from __future__ import annotations

import colorsys
import csv
import io
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFilter, ImageFont

T = TypeVar("T")
FONT = Path(__file__).resolve().parents[1] / "campaign_engine" / "assets" / "DejaVuSans-Bold.ttf"
COLUMNS = [
    "slug",
    "name",
    "short_name",
    "contact_email",
    "website",
    "phone",
    "logo",
    "logo_on_dark",
    "primary_color",
    "secondary_color",
    "tier",
    "region",
    "vertical",
    "timezone",
    "locale",
    "postal_address",
]


class Source(Protocol):
    """Where a drawing function gets its choices from (Hypothesis or a seeded Random)."""

    def choice(self, options: Sequence[T]) -> T: ...
    def integer(self, low: int, high: int) -> int: ...
    def uniform(self, low: float, high: float) -> float: ...
    def chance(self, p: float) -> bool: ...


class RandomSource:
    """Choices from random.Random(seed): the same partners for the same seed, anywhere."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def choice(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def uniform(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


class HypothesisSource:
    """Choices drawn by Hypothesis inside a composite strategy, so failures shrink (towards
    the first option, the smallest number, and every optional field present)."""

    def __init__(self, draw: Callable[[st.SearchStrategy[T]], T]) -> None:
        self.draw = draw

    def choice(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(list(options)))

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def uniform(self, low: float, high: float) -> float:
        return self.draw(st.floats(low, high, allow_nan=False, allow_infinity=False))

    def chance(self, p: float) -> bool:
        return self.draw(st.floats(0.0, 1.0, exclude_max=True)) >= 1.0 - p


# --- names, addresses and phones per script -------------------------------------------


@dataclass(frozen=True)
class Script:
    """A writing system with the words its partners are made of."""

    key: str
    locales: tuple[str, ...]
    timezones: tuple[str, ...]
    region: str
    name: Callable[[Source], str]
    address: tuple[Callable[[Source], str], ...]  # up to six lines, in postal order
    phone: Callable[[Source], str]


def _digits(s: Source, n: int) -> str:
    return "".join(str(s.integer(0, 9)) for _ in range(n))


def _pick(*options: str) -> Callable[[Source], str]:
    return lambda s: s.choice(options)


def _latin_name(s: Source) -> str:
    return s.choice(
        [
            lambda: (
                f"{s.choice(['Réseaux', 'Sécurité Informatique', 'Données & Nuages'])} "
                f"{s.choice(['de la Côte d’Azur', 'Île-de-France', 'Lyonnaise', '« L’Hexagone »'])}"
                f" {s.choice(['SARL', 'SAS', 'S.A.'])}"
            ),
            lambda: (
                f"{s.choice(['Łódzkie', 'Gdańskie', 'Śląskie', 'Żywieckie'])} "
                f"{s.choice(['Usługi Chmurowe', 'Sieci Komputerowe', 'Bezpieczeństwo Danych'])} "
                f"{s.choice(['Sp. z o.o.', 'S.A.'])}"
            ),
            lambda: (
                f"{s.choice(['Průmyslové Sítě', 'Česká Datová Služba', 'Zálohování'])} "
                f"{s.choice(['Brno', 'Plzeň', 'Ústí'])} {s.choice(['s.r.o.', 'a.s.'])}"
            ),
            lambda: (
                f"{s.choice(['İstanbul', 'Eskişehir', 'Muğla'])} "
                f"{s.choice(['Bulut Çözümleri', 'Ağ Güvenliği', 'Bilişim Hizmetleri'])} "
                f"{s.choice(['A.Ş.', 'Ltd. Şti.'])}"
            ),
            lambda: (
                f"{s.choice(['Müller', 'Schäfer', 'Görlitz', 'Weiß'])} "
                f"{s.choice(['Systemhaus', 'IT-Dienste', 'Netzwerktechnik'])} "
                f"{s.choice(['GmbH', 'AG', '& Söhne KG'])}"
            ),
            lambda: (
                f"{s.choice(['Ørsted', 'Bjørnstad', 'Åkersberg', 'Ærø'])} "
                f"{s.choice(['Netværk ApS', 'Datasikkerhet AS', 'Molntjänst AB'])}"
            ),
            lambda: (
                f"{s.choice(['Soluciones Informáticas', 'Redes', 'Ciberseguridad'])} "
                f"{s.choice(['Peñalver', 'Andaluzas', 'Logroño', 'São João'])} "
                f"{s.choice(['S.L.', 'S.A.', 'Ltda.'])}"
            ),
            lambda: (
                f"{s.choice(['Győri', 'Pécsi', 'Szegedi'])} "
                f"{s.choice(['Felhőszolgáltató', 'Adatvédelmi', 'Hálózati'])} Kft."
            ),
            lambda: (
                f"{s.choice(['Rețele', 'Soluții Cloud', 'Securitate IT'])} "
                f"{s.choice(['Ștefănești', 'Brașov', 'Timișoara'])} S.R.L."
            ),
        ]
    )()


LATIN = Script(
    "latin",
    ("fr-FR", "de-DE", "pl-PL", "cs-CZ", "tr-TR", "es-ES", "pt-BR", "da-DK", "hu-HU", "ro-RO"),
    ("Europe/Paris", "Europe/Berlin", "Europe/Warsaw", "Europe/Prague", "Europe/Istanbul"),
    "emea",
    _latin_name,
    (
        _pick("Bâtiment C", "Hof 2, 3. OG", "Lokal 4", "Kat 5 Daire 12", "Étage 3"),
        lambda s: s.choice(
            [
                f"{s.integer(1, 240)} rue de l’Église",
                f"ul. Piotrkowska {s.integer(1, 300)}",
                f"Friedrichstraße {s.integer(1, 200)}",
                f"Atatürk Caddesi No: {s.integer(1, 99)}",
                f"Calle de Alcalá, {s.integer(1, 300)}",
                f"Václavské náměstí {s.integer(1, 80)}",
            ]
        ),
        _pick("Quartier Saint-Michel", "Śródmieście", "Kreuzberg", "Kadıköy", "Žižkov"),
        lambda s: s.choice(
            [
                f"{s.integer(10, 95)}{_digits(s, 3)} Lyon",
                f"{_digits(s, 2)}-{_digits(s, 3)} Łódź",
                f"{s.integer(10, 99)}{_digits(s, 3)} Köln",
                f"{s.integer(10, 81)}{_digits(s, 3)} İzmir",
                f"{_digits(s, 3)} {_digits(s, 2)} Plzeň",
            ]
        ),
        _pick("Auvergne-Rhône-Alpes", "Województwo łódzkie", "Nordrhein-Westfalen", "Ege"),
        _pick("France", "Polska", "Deutschland", "Türkiye", "Česko", "España"),
    ),
    lambda s: s.choice(
        [
            f"+33 1 {_digits(s, 2)} {_digits(s, 2)} {_digits(s, 2)} {_digits(s, 2)}",
            f"+48 42 {_digits(s, 3)} {_digits(s, 2)} {_digits(s, 2)}",
            f"+49 30 {_digits(s, 7)}",
        ]
    ),
)

GREEK = Script(
    "greek",
    ("el-GR", "el-CY"),
    ("Europe/Athens", "Asia/Nicosia"),
    "emea",
    lambda s: (
        f"{s.choice(['Αθηναϊκή', 'Κρητική', 'Μακεδονική', 'Ιόνια'])} "
        f"{s.choice(['Πληροφορική', 'Δίκτυα Υπολογιστών', 'Υπηρεσίες Νέφους'])}"
        f" {s.choice(['Α.Ε.', 'Ε.Π.Ε.', 'Ι.Κ.Ε.'])}"
    ),
    (
        _pick("Γραφείο 4", "3ος όροφος", "Κτίριο Β"),
        lambda s: (
            f"{s.choice(['Λεωφόρος Κηφισίας', 'Οδός Ερμού', 'Λεωφόρος Συγγρού'])} "
            f"{s.integer(1, 300)}"
        ),
        _pick("Μαρούσι", "Κολωνάκι", "Καλαμαριά"),
        lambda s: (
            f"{s.integer(100, 199)} {_digits(s, 2)} "
            f"{s.choice(['Αθήνα', 'Θεσσαλονίκη', 'Ηράκλειο'])}"
        ),
        _pick("Αττική", "Κεντρική Μακεδονία", "Κρήτη"),
        _pick("Ελλάδα", "Κύπρος"),
    ),
    lambda s: f"+30 21 0{_digits(s, 3)} {_digits(s, 4)}",
)

CYRILLIC = Script(
    "cyrillic",
    ("ru-RU", "uk-UA", "bg-BG", "sr-RS"),
    ("Europe/Moscow", "Europe/Kyiv", "Europe/Sofia", "Europe/Belgrade"),
    "emea",
    lambda s: s.choice(
        [
            lambda: f"ООО «{s.choice(['Облачные Решения', 'Сибирские Сети', 'Надёжный Бэкап'])}»",
            lambda: f"ТОВ «{s.choice(['Київські Хмарні Технології', 'Дніпро Дата Сервіс'])}»",
            lambda: f"{s.choice(['Софийски Системи', 'Пловдивски Мрежи'])} ЕООД",
            lambda: f"{s.choice(['Уральская Защита Данных', 'Волжские Информационные Системы'])}",
        ]
    )(),
    (
        _pick("офис 412", "корпус 2", "под’їзд 3"),
        lambda s: s.choice(
            [
                f"ул. Тверская, д. {s.integer(1, 40)}",
                f"вул. Хрещатик, {s.integer(1, 50)}",
                f"бул. Витоша {s.integer(1, 150)}",
            ]
        ),
        _pick("Тверской район", "Печерський район", "район Лозенец"),
        lambda s: s.choice(
            [f"Москва, {_digits(s, 6)}", f"Київ, 0{_digits(s, 4)}", f"София {_digits(s, 4)}"]
        ),
        _pick("Московская область", "Київська область"),
        _pick("Россия", "Україна", "България", "Србија"),
    ),
    lambda s: f"+7 495 {_digits(s, 3)}-{_digits(s, 2)}-{_digits(s, 2)}",
)

ARABIC = Script(
    "arabic",
    ("ar-AE", "ar-SA", "ar-EG"),
    ("Asia/Dubai", "Asia/Riyadh", "Africa/Cairo"),
    "emea",
    lambda s: (
        f"{s.choice(['شركة', 'مؤسسة', 'مجموعة'])} "
        f"{s.choice(['السحابة', 'الخليج', 'النخبة', 'الأمان', 'الواحة'])} "
        f"{s.choice(['العربية', 'للتقنية', 'لأمن المعلومات', 'للحلول الرقمية'])}"
        f"{s.choice(['', ' ذ.م.م', ' المحدودة'])}"
    ),
    (
        lambda s: f"مكتب {s.integer(100, 999)}، الطابق {s.integer(1, 40)}",
        lambda s: (
            f"{s.choice(['شارع الشيخ زايد', 'طريق الملك فهد', 'شارع التحرير'])} {s.integer(1, 200)}"
        ),
        _pick("مركز دبي المالي العالمي", "حي العليا", "الزمالك"),
        lambda s: f"{s.choice(['دبي', 'الرياض', 'القاهرة'])} {_digits(s, 5)}",
        _pick("إمارة دبي", "منطقة الرياض"),
        _pick("الإمارات العربية المتحدة", "المملكة العربية السعودية", "مصر"),
    ),
    lambda s: f"+971 4 {_digits(s, 3)} {_digits(s, 4)}",
)

HEBREW = Script(
    "hebrew",
    ("he-IL",),
    ("Asia/Jerusalem",),
    "emea",
    lambda s: (
        f"{s.choice(['ענן', 'מערכות', 'אבטחת מידע', 'רשתות'])} "
        f"{s.choice(['ישראל', 'תל אביב', 'הגליל', 'ירושלים'])}{s.choice([' בע״מ', ''])}"
    ),
    (
        lambda s: f"קומה {s.integer(1, 30)}",
        lambda s: (
            f"{s.choice(['רחוב הרצל', 'שדרות רוטשילד', 'דרך מנחם בגין'])} {s.integer(1, 150)}"
        ),
        _pick("מגדלי עזריאלי", "הבורסה"),
        lambda s: f"{s.choice(['תל אביב-יפו', 'ירושלים', 'חיפה'])} {_digits(s, 7)}",
        _pick("מחוז תל אביב", "מחוז ירושלים"),
        _pick("ישראל"),
    ),
    lambda s: f"+972 3-{_digits(s, 3)}-{_digits(s, 4)}",
)

DEVANAGARI = Script(
    "devanagari",
    ("hi-IN", "mr-IN"),
    ("Asia/Kolkata",),
    "apac",
    lambda s: (
        f"{s.choice(['भारत', 'मुंबई', 'दिल्ली', 'गंगा', 'सह्याद्री'])} "
        f"{s.choice(['क्लाउड सेवाएँ', 'डेटा सिस्टम्स', 'नेटवर्क समाधान', 'साइबर सुरक्षा'])}"
        f"{s.choice([' प्राइवेट लिमिटेड', ' लिमिटेड', ''])}"
    ),
    (
        lambda s: f"कार्यालय {s.integer(100, 999)}, {s.integer(1, 20)}वीं मंज़िल",
        lambda s: f"{s.integer(1, 99)} {s.choice(['महात्मा गांधी मार्ग', 'नेहरू पथ', 'शिवाजी रोड'])}",
        _pick("अंधेरी पूर्व", "कनॉट प्लेस", "कोथरूड"),
        lambda s: f"{s.choice(['मुंबई', 'नई दिल्ली', 'पुणे'])} {s.integer(110, 411)}{_digits(s, 3)}",
        _pick("महाराष्ट्र", "दिल्ली"),
        _pick("भारत"),
    ),
    lambda s: f"+91 22 {_digits(s, 4)} {_digits(s, 4)}",
)

THAI = Script(
    "thai",
    ("th-TH",),
    ("Asia/Bangkok",),
    "apac",
    lambda s: (
        f"บริษัท {s.choice(['สยาม', 'กรุงเทพ', 'ล้านนา', 'เจ้าพระยา'])}"
        f"{s.choice(['คลาวด์', 'เน็ตเวิร์ค', 'ดาต้าเซอร์วิส', 'ไอที โซลูชั่นส์'])} "
        f"{s.choice(['จำกัด', 'จำกัด (มหาชน)'])}"
    ),
    (
        lambda s: f"อาคารสาทรซิตี้ ชั้น {s.integer(1, 40)}",
        lambda s: f"{s.integer(1, 999)} ถนน{s.choice(['สุขุมวิท', 'สีลม', 'พระราม 4', 'เพชรบุรี'])}",
        _pick("แขวงคลองเตย เขตคลองเตย", "แขวงสีลม เขตบางรัก", "ตำบลสุเทพ อำเภอเมือง"),
        lambda s: f"{s.choice(['กรุงเทพมหานคร', 'เชียงใหม่'])} {s.integer(10, 50)}{_digits(s, 3)}",
        _pick("ภาคกลาง", "ภาคเหนือ"),
        _pick("ประเทศไทย"),
    ),
    lambda s: f"+66 2 {_digits(s, 3)} {_digits(s, 4)}",
)

HAN = Script(
    "han",
    ("zh-CN", "zh-TW", "zh-HK"),
    ("Asia/Shanghai", "Asia/Taipei", "Asia/Hong_Kong"),
    "apac",
    lambda s: s.choice(
        [
            lambda: (
                f"{s.choice(['北京', '上海', '深圳', '杭州', '成都'])}"
                f"{s.choice(['云端科技', '数据安全服务', '网络信息技术', '智能系统'])}"
                f"{s.choice(['有限公司', '股份有限公司'])}"
            ),
            lambda: (
                f"{s.choice(['台北', '新竹', '高雄'])}"
                f"{s.choice(['雲端資訊', '網路科技', '資安服務'])}"
                f"{s.choice(['股份有限公司', '有限公司'])}"
            ),
        ]
    )(),
    (
        lambda s: f"{s.integer(2, 40)}楼{s.integer(1, 20)}室",
        lambda s: (
            f"{s.choice(['中关村大街', '南京西路', '信義路五段', '深南大道'])}{s.integer(1, 999)}号"
        ),
        _pick("海淀区", "静安区", "信義區", "南山区"),
        lambda s: f"{s.choice(['北京市', '上海市', '台北市', '深圳市'])} {_digits(s, 6)}",
        _pick("广东省", "浙江省"),
        _pick("中国", "台灣"),
    ),
    lambda s: f"+86 10 {_digits(s, 4)} {_digits(s, 4)}",
)

KANA = Script(
    "kana",
    ("ja-JP",),
    ("Asia/Tokyo",),
    "apac",
    lambda s: s.choice(
        [
            lambda: (
                "株式会社"
                f"{s.choice(['クラウドソリューションズ', 'データプロテクト', 'さくらシステム'])}"
            ),
            lambda: f"{s.choice(['ネットワークサービス', 'みらいデータ', 'ひかりネット'])}株式会社",
            lambda: f"{s.choice(['東京', '大阪', '札幌'])}クラウド合同会社",
        ]
    )(),
    (
        lambda s: (
            f"{s.choice(['丸の内ビルディング', 'グランフロント大阪', 'サッポロファクトリー'])}"
            f" {s.integer(2, 38)}階"
        ),
        lambda s: (
            f"{s.choice(['丸の内', '梅田', '北一条西'])}{s.integer(1, 9)}-{s.integer(1, 20)}"
            f"-{s.integer(1, 30)}"
        ),
        _pick("千代田区", "北区", "中央区"),
        lambda s: f"〒{_digits(s, 3)}-{_digits(s, 4)} {s.choice(['東京都', '大阪府', '北海道'])}",
        _pick("関東地方", "近畿地方"),
        _pick("日本"),
    ),
    lambda s: f"+81 3 {_digits(s, 4)} {_digits(s, 4)}",
)

HANGUL = Script(
    "hangul",
    ("ko-KR",),
    ("Asia/Seoul",),
    "apac",
    lambda s: (
        f"{s.choice(['주식회사 ', '(주)', ''])}"
        f"{s.choice(['서울클라우드', '한빛데이터시스템', '부산네트웍스', '미래보안솔루션'])}"
    ),
    (
        lambda s: f"{s.integer(2, 30)}층 {s.integer(201, 3010)}호",
        lambda s: f"{s.choice(['테헤란로', '세종대로', '해운대로'])} {s.integer(1, 500)}",
        _pick("강남구 역삼동", "중구 태평로", "해운대구 우동"),
        lambda s: f"{s.choice(['서울특별시', '부산광역시'])} {_digits(s, 5)}",
        _pick("경기도", "경상남도"),
        _pick("대한민국"),
    ),
    lambda s: f"+82 2-{_digits(s, 4)}-{_digits(s, 4)}",
)

VIETNAMESE = Script(
    "vietnamese",
    ("vi-VN",),
    ("Asia/Ho_Chi_Minh",),
    "apac",
    lambda s: (
        f"{s.choice(['Công ty TNHH', 'Công ty Cổ phần'])} "
        f"{s.choice(['Giải pháp Đám mây Việt', 'Mạng Lưới Sài Gòn', 'Công nghệ Thông tin Hà Nội'])}"
    ),
    (
        lambda s: f"Tầng {s.integer(2, 30)}, Tòa nhà Bitexco",
        lambda s: (
            f"Số {s.integer(1, 300)} {s.choice(['Đường Lê Lợi', 'Phố Huế', 'Đường Trần Hưng Đạo'])}"
        ),
        _pick("Phường Bến Nghé, Quận 1", "Quận Hoàn Kiếm", "Phường Phước Ninh"),
        lambda s: f"{s.choice(['Thành phố Hồ Chí Minh', 'Hà Nội', 'Đà Nẵng'])} {_digits(s, 6)}",
        _pick("Miền Nam", "Đồng bằng sông Hồng"),
        _pick("Việt Nam"),
    ),
    lambda s: f"+84 28 {_digits(s, 4)} {_digits(s, 4)}",
)

EMOJI = Script(
    "emoji",
    ("en-GB", "en-US", "en-AU"),
    ("Europe/London", "America/New_York", "Australia/Sydney"),
    "na",
    lambda s: (
        f"{s.choice(['Cloud Nine', 'Rocket', 'Happy Byte', 'Green Leaf', 'Shield'])} "
        f"{s.choice(['☁️', '🚀', '👩‍💻', '🌿', '🇪🇺', '✨', '🛡️', '💾'])} "
        f"{s.choice(['IT', 'Backup Co.', 'Systems Ltd', 'Networks'])}"
    ),
    (
        lambda s: f"Suite {s.integer(100, 4100)}",
        lambda s: f"{s.integer(1, 9999)} {s.choice(['North Michigan Avenue', 'High Street'])}",
        _pick("Riverside Business Park", "Unit 7 🏢 Harbour Yard"),
        lambda s: s.choice([f"Chicago, IL {_digits(s, 5)}", f"Manchester M{s.integer(1, 60)} 4AB"]),
        _pick("Cook County", "Greater Manchester"),
        _pick("United States", "United Kingdom", "Australia"),
    ),
    lambda s: f"+1 312 555 0{_digits(s, 3)}",
)

COMPOUND = Script(
    "compound",
    ("de-DE", "de-AT", "fi-FI", "nl-NL"),
    ("Europe/Berlin", "Europe/Vienna", "Europe/Helsinki", "Europe/Amsterdam"),
    "emea",
    lambda s: s.choice(
        [
            # 45 to 60 letters in one word: what German registers are made of
            lambda: (
                f"{s.choice(['Rechenzentrums', 'Datensicherungs', 'Netzwerksicherheits'])}"
                f"{s.choice(['infrastruktur', 'überwachungs', 'wiederherstellungs'])}"
                f"{s.choice(['dienstleistungs', 'beratungs', 'betriebs'])}"
                f"{s.choice(['gesellschaft', 'unternehmen'])} {s.choice(['mbH', 'GmbH & Co. KG'])}"
            ),
            lambda: (
                f"{s.choice(['Pilvipalveluinfrastruktuuri', 'Tietoturvavalvonta'])}"
                f"{s.choice(['hallintaosakeyhtiö', 'palvelukeskusyhtymä'])} Oy"
            ),
            lambda: (
                f"{s.choice(['Netwerkbeveiligings', 'Gegevensopslag'])}"
                f"{s.choice(['infrastructuurbeheers', 'dienstverlenings'])}maatschappij B.V."
            ),
        ]
    )(),
    (
        lambda s: f"Gebäude {s.integer(1, 9)}, {s.integer(1, 6)}. Obergeschoss",
        lambda s: (
            f"{s.choice(['Hauptbahnhofsvorplatzerweiterungsstraße', 'Mannerheimintie'])} "
            f"{s.integer(1, 200)}"
        ),
        _pick("Gewerbegebiet Nord", "Kamppi"),
        lambda s: f"{_digits(s, 5)} {s.choice(['Frankfurt am Main', 'Helsinki', 'Wien'])}",
        _pick("Hessen", "Uusimaa", "Noord-Holland"),
        _pick("Deutschland", "Suomi", "Österreich", "Nederland"),
    ),
    lambda s: f"+49 69 {_digits(s, 8)}",
)

MARKUP = Script(
    "markup",
    ("en-IE", "en-GB", "en-US"),
    ("Europe/Dublin", "Europe/London", "America/Chicago"),
    "emea",
    _pick(
        "O'Brien & <Sons> Ltd",
        "<b>Bold</b> &amp; Partners",
        "Smith &lt;IT&gt; Services",
        "A&amp;B <i>Networks</i>",
        "\"Quoted\" & 'Apostrophe' Tech",
        "<script>alert(1)</script> Data",
        "{{ partner.name }} & {% raw %} IT",
        "50% <Off> Systems",
    ),
    (
        _pick("<b>Suite 14</b>", "Unit 3 &amp; 4", "c/o <Reception>"),
        lambda s: f"{s.integer(1, 99)} {s.choice(['Grafton Street', '<i>Main</i> Street'])}",
        _pick("Temple Bar", "Docklands & Quays"),
        lambda s: f"Dublin {s.integer(1, 24)}",
        _pick("County Dublin", "Leinster"),
        _pick("Ireland", "Éire"),
    ),
    lambda s: f"+353 1 {_digits(s, 3)} {_digits(s, 4)}",
)

# Latin with diacritics, Greek, Cyrillic, Arabic, Hebrew, Devanagari, Thai, Han, Kana,
# Hangul, Vietnamese, emoji, long compounds, markup: the fourteen, plus the two
# below that mix scripts in one name.
MIXED_RTL = Script(
    "mixed-rtl",
    ("ar-AE", "he-IL", "en-GB"),
    ("Asia/Dubai", "Asia/Jerusalem"),
    "emea",
    _pick("Cloud شركة 360", "Northwind ענן Partners", "IT الخليج Solutions", "Data מערכות 2000"),
    ARABIC.address,
    ARABIC.phone,
)
MIXED_CJK = Script(
    "mixed-cjk",
    ("ja-JP", "ko-KR", "zh-CN"),
    ("Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai"),
    "apac",
    _pick("NTT クラウド Partners", "Samsung 데이터 Services", "Alpha 云 Security Ltd"),
    KANA.address,
    KANA.phone,
)
SCRIPTS: tuple[Script, ...] = (
    LATIN,
    GREEK,
    CYRILLIC,
    ARABIC,
    HEBREW,
    DEVANAGARI,
    THAI,
    HAN,
    KANA,
    HANGUL,
    VIETNAMESE,
    EMOJI,
    COMPOUND,
    MARKUP,
    MIXED_RTL,
    MIXED_CJK,
)


def draw_address(s: Source, script: Script) -> list[str]:
    """0 to 6 lines in postal order (a line is never empty and never ends in a comma)."""
    count = s.choice([0, 1, 2, 3, 3, 4, 4, 5, 6])
    keep = sorted(_sample(s, range(len(script.address)), count))
    return [script.address[i](s) for i in keep]


def _sample(s: Source, items: Sequence[T], k: int) -> list[T]:
    pool = list(items)
    return [pool.pop(s.integer(0, len(pool) - 1)) for _ in range(min(k, len(pool)))]


# --- colours --------------------------------------------------------------------------

SPECIAL_COLOURS = (
    "#ffe600",  # the yellow that was darkened to olive
    "#ffffff",
    "#000000",
    "#111111",
    "#fffdd0",
    "#f5f5f5",
    "#00ff00",
    "#ff00ff",
    "#00ffff",
    "#0000ff",
    "#ff0000",
    "#7fffd4",
)


def draw_colour(s: Source) -> str:
    """Any colour: a third from the hard cases, the rest over hue, saturation, lightness."""
    if s.chance(0.3):
        return s.choice(SPECIAL_COLOURS)
    r, g, b = colorsys.hls_to_rgb(s.uniform(0, 1), s.uniform(0.02, 0.98), s.uniform(0, 1))
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def spelt(s: Source, colour: str) -> str:
    """As vendors type colours: mostly #rrggbb, sometimes upper case or the short form."""
    form = s.choice(["lower", "lower", "lower", "upper", "short"])
    if form == "upper":
        return colour.upper()
    if form == "short" and all(colour[i] == colour[i + 1] for i in (1, 3, 5)):
        return "#" + colour[1] + colour[3] + colour[5]
    return colour


# --- logos ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LogoStyle:
    aspect: float  # width / height of the drawn logo, 12 (wide) to 0.25 (tall)
    short: int  # pixels on its short side
    ground: str  # "transparent" | "white" | "colour" | "dark"
    colours: tuple[str, ...]
    ground_colour: str
    shadow: bool
    margin: float  # empty border around the artwork, in short sides
    fmt: str  # PNG | JPEG | WEBP
    letters: str


def draw_logo_style(s: Source, letters: str) -> LogoStyle:
    if s.chance(0.25):
        aspect = s.choice([12.0, 10.0, 8.0, 1 / 3, 1 / 4, 1.0])
    else:
        aspect = math.exp(s.uniform(math.log(1 / 4), math.log(12)))
    longest = 2400
    short = s.integer(40, 400)
    short = min(short, int(longest / max(aspect, 1 / aspect)))
    ground = s.choice(["transparent", "transparent", "transparent", "white", "colour", "dark"])
    count = s.choice([1, 1, 2, 3, 4])
    colours = tuple(draw_colour(s) for _ in range(count))
    ground_colour = {
        "transparent": "#00000000",
        "white": "#ffffff",
        "dark": s.choice(["#111111", "#1a1a2e", "#000000"]),
        "colour": draw_colour(s),
    }[ground]
    fmt = "JPEG" if ground != "transparent" and s.chance(0.4) else s.choice(["PNG", "PNG", "WEBP"])
    return LogoStyle(
        aspect=aspect,
        short=max(short, 24),
        ground=ground,
        colours=colours,
        ground_colour=ground_colour,
        shadow=s.chance(0.25),
        margin=s.choice([0.0, 0.0, 0.1, 0.3]),
        fmt=fmt,
        letters=letters,
    )


def logo_bytes(style: LogoStyle) -> bytes:
    """A wordmark of the style's shape: a mark and lettering side by side when wide,
    stacked when tall, on its ground, with a soft drop shadow when asked."""
    if style.aspect >= 1:
        size = (round(style.short * style.aspect), style.short)
    else:
        size = (style.short, round(style.short / style.aspect))
    art = Image.new("RGBA", size, (0, 0, 0, 0))
    _artwork(ImageDraw.Draw(art), size, style)
    if style.shadow:
        offset = max(2, min(size) // 25)
        shadow = Image.new("RGBA", size, (0, 0, 0, 0))
        shadow.putalpha(art.getchannel("A").point(lambda a: a * 0.55))
        shadow = shadow.filter(ImageFilter.GaussianBlur(offset))
        base = Image.new("RGBA", size, (0, 0, 0, 0))
        base.alpha_composite(shadow, (offset, offset))
        base.alpha_composite(art)
        art = base
    pad = round(min(size) * style.margin)
    canvas = Image.new("RGBA", (size[0] + 2 * pad, size[1] + 2 * pad), _rgba(style.ground_colour))
    canvas.alpha_composite(art, (pad, pad))
    out = io.BytesIO()
    if style.fmt == "JPEG":
        canvas.convert("RGB").save(out, format="JPEG", quality=90)
    else:
        canvas.save(out, format=style.fmt)
    return out.getvalue()


def _artwork(draw: ImageDraw.ImageDraw, size: tuple[int, int], style: LogoStyle) -> None:
    w, h = size
    colours = style.colours
    inset = 0.12 if style.ground != "transparent" else 0.0
    if w >= h:  # mark on the left, lettering to its right
        m = h * (1 - 2 * inset)
        box = (h * inset, h * inset, h * inset + m, h * inset + m)
        text_box = (h * inset + m * 1.15, h * inset, w - h * inset, h - h * inset)
    else:  # mark above, lettering below
        m = w * (1 - 2 * inset)
        box = (w * inset, w * inset, w * inset + m, w * inset + m)
        text_box = (w * inset, w * inset + m * 1.1, w - w * inset, h - w * inset)
    shape = ord(style.letters[0]) % 3
    if shape == 0:
        draw.ellipse(box, fill=colours[0])
    elif shape == 1:
        draw.rounded_rectangle(box, radius=m * 0.2, fill=colours[0])
    else:
        draw.polygon(
            [(box[0], box[3]), ((box[0] + box[2]) / 2, box[1]), (box[2], box[3])], colours[0]
        )
    tw, th = text_box[2] - text_box[0], text_box[3] - text_box[1]
    if tw < 4 or th < 4:
        return
    letters = style.letters if w >= h else style.letters[:3]
    if tw > th * 6:  # a long wordmark: a second word fills the width
        letters = f"{letters} NETWORKS"
    font = _fitted_font(letters, tw, th * 0.8)
    left, top, right, bottom = font.getbbox(letters)
    x = text_box[0] + (tw - (right - left)) / 2 - left if w < h else text_box[0] - left
    y = text_box[1] + (th - (bottom - top)) / 2 - top
    for i, letter in enumerate(letters):
        colour = colours[(i + 1) % len(colours)] if len(colours) > 1 else colours[0]
        draw.text((x, y), letter, font=font, fill=colour)
        x += font.getlength(letter)


def _fitted_font(text: str, width: float, height: float) -> ImageFont.FreeTypeFont:
    """The largest size at which `text` fits `width` x `height` (lettering is never cut)."""
    size = max(6, int(height))
    font = ImageFont.truetype(str(FONT), size)
    while size > 6:
        left, top, right, bottom = font.getbbox(text)
        if right - left <= width and bottom - top <= height:
            break
        size = max(6, int(size * min(0.95, width / max(1, right - left))))
        font = ImageFont.truetype(str(FONT), size)
    return font


def _rgba(colour: str) -> tuple[int, int, int, int]:
    digits = colour.lstrip("#")
    alpha = int(digits[6:8], 16) if len(digits) == 8 else 255
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), alpha


def white_version(data: bytes) -> bytes:
    """The same logo in white on transparency: the partner's logo for dark grounds."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGBA")
    white = Image.new("RGBA", image.size, (255, 255, 255, 0))
    white.putalpha(image.getchannel("A"))
    out = io.BytesIO()
    white.save(out, format="PNG")
    return out.getvalue()


# --- whole partners -------------------------------------------------------------------


@dataclass(frozen=True)
class GeneratedPartner:
    """One partner as the vendor's CSV holds it, with its logo files' bytes."""

    script: str
    slug: str
    name: str
    short_name: str
    contact_email: str
    website: str
    phone: str
    primary_color: str
    secondary_color: str
    tier: str
    region: str
    vertical: str
    timezone: str
    locale: str
    address_lines: tuple[str, ...]
    logo: bytes | None
    logo_on_dark: bytes | None = None
    logo_style: LogoStyle | None = field(default=None, compare=False)

    @property
    def postal_address(self) -> str:
        return "\n".join(self.address_lines)

    def logo_file(self) -> str:
        if self.logo is None or self.logo_style is None:
            return ""
        return f"logos/{self.slug}.{self.logo_style.fmt.lower().replace('jpeg', 'jpg')}"

    def row(self) -> dict[str, str]:
        """The CSV row (its logo paths relative to the CSV's folder)."""
        return {
            "slug": self.slug,
            "name": self.name,
            "short_name": self.short_name,
            "contact_email": self.contact_email,
            "website": self.website,
            "phone": self.phone,
            "logo": self.logo_file(),
            "logo_on_dark": f"logos/{self.slug}-on-dark.png" if self.logo_on_dark else "",
            "primary_color": self.primary_color,
            "secondary_color": self.secondary_color,
            "tier": self.tier,
            "region": self.region,
            "vertical": self.vertical,
            "timezone": self.timezone,
            "locale": self.locale,
            "postal_address": self.postal_address,
        }

    def describe(self) -> str:
        """One line for a report: what kind of partner this is."""
        logo = "no logo"
        if self.logo_style is not None:
            st_ = self.logo_style
            logo = (
                f"logo {st_.aspect:.2f}:1 {st_.ground}{' shadow' if st_.shadow else ''} "
                f"{len(st_.colours)} colour(s) {st_.fmt}"
            )
        missing = [
            f for f in ("phone", "website", "short_name", "secondary_color") if not getattr(self, f)
        ]
        return (
            f"{self.script} {self.locale} primary {self.primary_color}, {logo}, "
            f"{len(self.address_lines)} address line(s)"
            + (f", no {'/'.join(missing)}" if missing else "")
        )


def build_partner(s: Source, slug: str) -> GeneratedPartner:
    """One whole partner from `s`: every field drawn, optional ones sometimes empty."""
    script = s.choice(SCRIPTS)
    name = script.name(s)
    letters = s.choice(["NW", "ACME", "QX", "BYTE", "ORBIT", "ZEN", "KAPPA", "HELIX"])
    style = draw_logo_style(s, letters) if s.chance(0.9) else None
    logo = logo_bytes(style) if style is not None else None
    on_dark = white_version(logo) if logo and style and style.ground == "transparent" else None
    if on_dark is not None and not s.chance(0.15):
        on_dark = None
    website = s.choice([f"https://{slug}.example", f"https://www.{slug}.example/partners/cloud"])
    return GeneratedPartner(
        script=script.key,
        slug=slug,
        name=name,
        short_name=_short_name(s, name),
        contact_email=f"sales@{slug}.example",
        website="" if s.chance(0.25) else website,
        phone="" if s.chance(0.25) else script.phone(s),
        primary_color=spelt(s, draw_colour(s)),
        secondary_color="" if s.chance(0.1) else spelt(s, draw_colour(s)),
        tier=s.choice(["platinum", "gold", "silver", "bronze"]),
        region=script.region,
        vertical=s.choice(["retail", "finance", "healthcare", "manufacturing"]),
        timezone=s.choice(script.timezones),
        locale=s.choice(script.locales),
        address_lines=tuple(draw_address(s, script)),
        logo=logo,
        logo_on_dark=on_dark,
        logo_style=style,
    )


LEGAL_FORMS = {
    "GmbH",
    "AG",
    "KG",
    "mbH",
    "SARL",
    "SAS",
    "S.A.",
    "S.L.",
    "Ltda.",
    "Sp.",
    "z",
    "o.o.",
    "s.r.o.",
    "a.s.",
    "A.Ş.",
    "Ltd.",
    "Şti.",
    "Kft.",
    "S.R.L.",
    "ApS",
    "AS",
    "AB",
    "Oy",
    "B.V.",
    "Α.Ε.",
    "Ε.Π.Ε.",
    "Ι.Κ.Ε.",
    "ООО",
    "ТОВ",
    "ЕООД",
    "ذ.م.م",
    "المحدودة",
    "בע״מ",
    "प्राइवेट",
    "लिमिटेड",
    "บริษัท",
    "จำกัด",
    "(มหาชน)",
    "주식회사",
    "Công",
    "ty",
    "TNHH",
    "Cổ",
    "phần",
    "Ltd",
    "Co.",
    "&",
    "Co.,",
    "Söhne",
}


def _short_name(s: Source, name: str) -> str:
    """What a vendor types as the short name: the name without its legal form and
    quotation marks, at most three words and 40 characters; often nothing."""
    if s.chance(0.6):
        return ""
    words = [w.strip('«»"') for w in name.split() if w not in LEGAL_FORMS]
    short = " ".join(w for w in words if w)[:40]
    return " ".join(short.split()[:3]) if short != name else ""


def partners(seed: int, n: int) -> list[GeneratedPartner]:
    """`n` partners drawn from `seed`: the same list for the same seed, on any machine."""
    rng = random.Random(seed)
    return [build_partner(RandomSource(rng), f"g{seed}-{i:03d}") for i in range(n)]


def write_partners_csv(folder: Path, items: Sequence[GeneratedPartner]) -> Path:
    """The vendor's CSV and logo files, as `campaign-engine partners import` reads them."""
    (folder / "logos").mkdir(parents=True, exist_ok=True)
    for p in items:
        if p.logo is not None:
            (folder / p.logo_file()).write_bytes(p.logo)
        if p.logo_on_dark is not None:
            (folder / f"logos/{p.slug}-on-dark.png").write_bytes(p.logo_on_dark)
    path = folder / "generated_partners.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(p.row() for p in items)
    return path


# --- Hypothesis strategies ------------------------------------------------------------


@st.composite
def partner_specs(draw: st.DrawFn) -> GeneratedPartner:
    """A whole partner; its slug carries a drawn number (use unique_by=slug in lists).
    Drawing its logo with Pillow takes milliseconds: tests using it want
    `settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])`."""
    number = draw(st.integers(0, 99_999))
    return build_partner(HypothesisSource(draw), f"h{number:05d}")


@st.composite
def names(draw: st.DrawFn) -> str:
    s = HypothesisSource(draw)
    return s.choice(SCRIPTS).name(s)


@st.composite
def addresses(draw: st.DrawFn) -> list[str]:
    s = HypothesisSource(draw)
    return draw_address(s, s.choice(SCRIPTS))


@st.composite
def colours(draw: st.DrawFn) -> str:
    return draw_colour(HypothesisSource(draw))


@st.composite
def logos(draw: st.DrawFn) -> bytes:
    s = HypothesisSource(draw)
    return logo_bytes(draw_logo_style(s, s.choice(["NW", "ACME", "QX"])))
