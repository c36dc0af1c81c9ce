"""An amount in words: the Indian grouping of a number's words (crore, lakh, thousand,
hundred) for any language's words below a hundred, and a whole amount in Hindi words.

Guarantee: pure functions; exact Decimal arithmetic (paise rounded half up once).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

PAISA = Decimal("0.01")
Units = tuple[tuple[int, str], ...]  # (size, its word), the largest first

# Hindi has a word of its own for each number below a hundred
_NUMBERS = (
    "शून्य एक दो तीन चार पाँच छह सात आठ नौ दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस"
    " बीस इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस तीस इकतीस बत्तीस तैंतीस"
    " चौंतीस पैंतीस छत्तीस सैंतीस अड़तीस उनतालीस चालीस इकतालीस बयालीस तैंतालीस चवालीस पैंतालीस"
    " छियालीस सैंतालीस अड़तालीस उनचास पचास इक्यावन बावन तिरपन चौवन पचपन छप्पन सत्तावन अट्ठावन"
    " उनसठ साठ इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर सत्तर इकहत्तर बहत्तर"
    " तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उनासी अस्सी इक्यासी बयासी तिरासी चौरासी"
    " पचासी छियासी सत्तासी अट्ठासी नवासी नब्बे इक्यानबे बानबे तिरानबे चौरानबे पचानबे छियानबे"
    " सत्तानबे अट्ठानबे निन्यानबे"
)
_HI = _NUMBERS.split()
_HI_UNITS = ((10**7, "करोड़"), (10**5, "लाख"), (1000, "हज़ार"), (100, "सौ"))


def indian_words(n: int, below_hundred: Callable[[int], str], units: Units) -> str:
    """A whole number in words, the Indian way, in the language of `below_hundred` (the word
    of each number below a hundred) and `units` (crore, lakh, thousand, hundred, largest
    first): 12,34,567 is twelve lakh thirty-four thousand five hundred sixty-seven; crores of
    crores are said as crores."""
    parts = []
    for size, name in units:
        if n >= size:
            count = n // size
            said = (
                indian_words(count, below_hundred, units) if count >= 100 else below_hundred(count)
            )
            parts.append(f"{said} {name}")
            n %= size
    if n:
        parts.append(below_hundred(n))
    return " ".join(parts)


def rupees_and_paise(value: Decimal) -> tuple[int, int]:
    """The whole rupees and the paise of an amount's size, rounded half up to the paisa."""
    exact = abs(Decimal(value).quantize(PAISA, rounding=ROUND_HALF_UP))
    return int(exact), int((exact - int(exact)) * 100)


def in_hindi_words(value: Decimal) -> str:
    """``रुपये आठ हज़ार आठ सौ चौरासी और अट्ठासी पैसे मात्र`` (rounded half up to the paisa)."""
    rupees, paise = rupees_and_paise(value)
    said = f"रुपये {indian_words(rupees, _HI.__getitem__, _HI_UNITS) or _HI[0]}"
    if paise:
        said += f" और {_HI[paise]} {'पैसा' if paise == 1 else 'पैसे'}"
    return f"{'माइनस ' if value < 0 else ''}{said} मात्र"
