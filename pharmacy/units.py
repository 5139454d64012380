"""A quantity in its dispensing unit, as a pharmacist says it: "1 tablet", "24 tablets",
"2 bottles of 100 ml", "10 pairs of gloves"."""


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def in_units(quantity: int, unit: str) -> str:
    """`quantity` followed by `unit`, the unit's noun in the plural unless the quantity is one.

    The noun is the first word when it is a word ("bottle of 100 ml" -> "bottles of 100 ml"),
    else the last ("100 ml bottle" -> "100 ml bottles"); a unit already plural or ending in a
    measure ("ml", "g") is left as it is.
    """
    unit = (unit or "").strip()
    if not unit or quantity == 1:
        return f"{quantity} {unit}".strip()
    words = unit.split()
    at = 0 if words[0].isalpha() else len(words) - 1
    noun = words[at]
    if noun.isalpha() and len(noun) > 2 and not noun.endswith("s"):
        words[at] = _plural(noun)
    return f"{quantity} {' '.join(words)}"
