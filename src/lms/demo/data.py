"""The demo book's data: branches, the five products with their charge and rate rules, the
repo rate's moves, borrowers' names and how borrowers behave (with their weights).

Guarantee: plain constants; lms.demo.builder builds the book from them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lms.servicing.catalog import ProductRules

BRANCHES = {
    "PUN01": "Pune Camp",
    "BLR01": "Bengaluru Koramangala",
    "DEL01": "Delhi Karol Bagh",
    "CHN01": "Chennai T Nagar",
    "KOL01": "Kolkata Park Street",
}
GST = {"name": "processing", "percent": "2", "tax": "18"}
PRODUCTS: dict[
    str, tuple[str, dict[str, Any], tuple[int, int], tuple[str, str], tuple[int, int]]
] = {
    # code: (name, settings, amount range, rate range, tenure range)
    "PL": (
        "Personal loan",
        {"due_day": 10, "fees": [GST]},
        (50_000, 1_500_000),
        ("12", "24"),
        (12, 60),
    ),
    "TW": (
        "Two-wheeler loan",
        {
            "due_day": 5,
            "bpi": "deduct",
            "fees": [
                {"name": "processing", "percent": "1.5", "tax": "18"},
                {"name": "stamp duty", "amount": "200", "payee": "third_party"},
            ],
        },
        (40_000, 200_000),
        ("9", "26"),
        (12, 36),
    ),
    "HL": (
        "Home loan",
        {
            "due_day": 5,
            "bpi": "deduct",
            "rounding": {"step": "1", "mode": "up"},
            "fees": [{"name": "processing", "percent": "0.5", "tax": "18"}],
        },
        (1_000_000, 15_000_000),
        ("8.25", "10.5"),
        (120, 240),
    ),
    "GL": (
        "Gold loan",
        {"method": "bullet", "due_day": 10},
        (20_000, 500_000),
        ("10", "18"),
        (6, 12),
    ),
    "MSME": (
        "MSME term loan",
        {"due_day": 7, "step": {"every": 12, "percent": "5"}, "grace_principal": 3, "fees": [GST]},
        (300_000, 5_000_000),
        ("14", "20"),
        (24, 48),
    ),
}
FIRST = [
    "Asha",
    "Ravi",
    "Priya",
    "Arjun",
    "Meena",
    "Suresh",
    "Kavya",
    "Imran",
    "Fatima",
    "Rahul",
    "Anita",
    "Vikram",
    "Lakshmi",
    "Joseph",
    "Harpreet",
    "Sunita",
    "Manoj",
    "Deepa",
    "Arun",
    "Pooja",
]
FEMALE = frozenset(
    {"Asha", "Priya", "Meena", "Kavya", "Fatima", "Anita", "Lakshmi", "Harpreet", "Sunita",
     "Deepa", "Pooja"}
)  # fmt: skip
# where each branch's borrowers live: the credit bureaus' state code, the PIN codes' first
# four digits, the locality and the city
PLACES = {
    "PUN01": ("27", "4110", "Camp", "Pune"),
    "BLR01": ("29", "5600", "Koramangala", "Bengaluru"),
    "DEL01": ("07", "1100", "Karol Bagh", "New Delhi"),
    "CHN01": ("33", "6000", "T Nagar", "Chennai"),
    "KOL01": ("19", "7000", "Park Street", "Kolkata"),
}
STREETS = ("MG Road", "Station Road", "Gandhi Nagar", "Nehru Street", "Temple Road", "Main Road")
LAST = [
    "Patil",
    "Kumar",
    "Sharma",
    "Iyer",
    "Das",
    "Reddy",
    "Khan",
    "Singh",
    "Nair",
    "Gupta",
    "Bose",
    "Menon",
    "Joshi",
    "Pillai",
    "Chatterjee",
    "Yadav",
    "Shaikh",
    "Rao",
    "Mehta",
    "Gill",
]
# the days of the month borrowers pay on: installments fall due on the products' cycle days
# (5, 7, 10); a late payer pays on the first collection day (the lender's re-presentation and
# field collection days) after the delay
COLLECTION_DAYS = (5, 10, 15, 20, 25)
BEHAVIOURS = [
    ("on_time", 62),
    ("late", 14),
    ("partial", 6),
    ("defaulter", 5),
    ("bounced", 3),
    ("prepayer", 6),
    ("foreclosed", 4),
]
# charge and rate rules beside the schedule settings (the home loan floats on the repo rate)
PENAL = (Decimal(24), Decimal(18))  # 24 % a year on overdue amounts, + GST
RULES = {
    "PL": ProductRules(
        foreclosure_charge=(Decimal(4), Decimal(18)), penal_charge=PENAL, bureau_type="05"
    ),
    "TW": ProductRules(
        foreclosure_charge=(Decimal(3), Decimal(18)),
        penal_charge=PENAL,
        secured=True,
        bureau_type="13",
    ),
    "HL": ProductRules(
        rate_type="floating",
        benchmark="REPO",
        reschedule="reduce_tenure",
        secured=True,
        bureau_type="02",
    ),
    "GL": ProductRules(secured=True, bureau_type="07"),
    "MSME": ProductRules(
        foreclosure_charge=(Decimal(2), Decimal(18)), penal_charge=PENAL, bureau_type="51"
    ),
}
# the RBI repo rate, as the demo's benchmark: (days before the demo date, rate)
REPO_MOVES = [(800, "6.50"), (540, "6.25"), (420, "6.00"), (180, "5.50")]
