"""The prescribing checks: what stops a prescription (an allergy) and what warns (a cross-reacting
class, the same drug or class already active, a dose above the item's maximum a day, a pair in
the hospital's interaction table).

Pure rules over plain values, no database: `clinical.services.consultations.prescription_add`
gathers the patient's allergies, active prescriptions and the interaction table and asks
`findings_for`, so the consultation screen, the API and any later screen meet the same rules.
Medicines running outside the consultations (pharmacy's inpatient medication orders) reach the
checks through `register_active_medicines`, so clinical never imports the module holding them.
Sources: docs/DECISIONS.md, "Allergies and prescribing checks".
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from rapidfuzz import fuzz, process

from clinical import dosing
from clinical.models import AllergenClass

# Words that name an allergen class, in free text (an "other" allergy, reception's note, a drug
# typed as free text). Brand names Kenyan patients and prescribers use are included (Septrin,
# Brufen, Ampiclox, Voltaren, Ponstan); the WHO INN stems below and a spelling tolerance catch
# the rest.
CLASS_WORDS: dict[str, tuple[str, ...]] = {
    AllergenClass.PENICILLINS: (
        "penicillin", "amoxicillin", "amoxycillin", "amoxil", "ampicillin", "augmentin",
        "cloxacillin", "flucloxacillin", "benzylpenicillin", "benzathine", "piperacillin",
        "amoxiclav", "co-amoxiclav", "ampiclox", "phenoxymethylpenicillin", "pen v", "tazocin",
    ),
    AllergenClass.CEPHALOSPORINS: (
        "cephalosporin", "ceftriaxone", "cefuroxime", "cefalexin", "cephalexin", "cefixime",
        "cefotaxime", "ceftazidime", "cefazolin", "cefadroxil", "cefaclor", "cefpodoxime",
        "cefepime", "cephradine", "keflex", "rocephin", "zinnat",
    ),
    AllergenClass.SULFONAMIDES: (
        "sulfonamide", "sulphonamide", "cotrimoxazole", "co-trimoxazole",
        "septrin", "bactrim", "sulfamethoxazole", "sulfadoxine", "fansidar", "sulfasalazine",
        "sulfadiazine",
    ),
    AllergenClass.NSAIDS: (
        "nsaid", "ibuprofen", "ibuprophen", "brufen", "diclofenac", "diclophenac", "voltaren", "cataflam", "naproxen",
        "indomethacin", "mefenamic", "ponstan", "meloxicam", "piroxicam", "ketorolac",
        "ketoprofen", "flurbiprofen", "aceclofenac", "celecoxib", "etoricoxib",
    ),
    AllergenClass.ASPIRIN: ("aspirin", "acetylsalicylic", "disprin", "ecotrin"),
    AllergenClass.OPIOIDS: (
        "opioid", "opiate", "morphine", "codeine", "tramadol", "pethidine", "fentanyl",
        "oxycodone", "dihydrocodeine", "buprenorphine", "methadone", "hydromorphone",
        "diamorphine", "nalbuphine",
    ),
    AllergenClass.IODINATED_CONTRAST: ("contrast", "iodine", "iodinated", "omnipaque", "iohexol"),
    AllergenClass.LATEX: ("latex",),
}  # fmt: skip

# WHO INN stems that name a class whatever the drug (WHO, "The use of stems in the selection of
# International Nonproprietary Names for pharmaceutical substances", 2018): -cillin penicillins,
# cef-/ceph- cephalosporins, sulfa- sulfonamides (not a sulfate salt: ferrous sulfate is not one),
# -profen, -fenac, -oxicam, -coxib NSAIDs.
INN_STEMS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"\w*cillin"), AllergenClass.PENICILLINS),
    (re.compile(r"\bce(?:f|ph)[a-z]{4,}"), AllergenClass.CEPHALOSPORINS),
    (re.compile(r"\bsul(?:f|ph)a(?!tes?\b)[a-z]*"), AllergenClass.SULFONAMIDES),
    (re.compile(r"\w+(?:profen|fenac|oxicam|coxib)\b"), AllergenClass.NSAIDS),
)

# A word this close to a listed name (RapidFuzz ratio, 0-100) is read as that name: a typo
# ("amoxicilin") must not let a drug pass. Only words of six letters or more are compared, so
# short words do not match by chance; at 90 clotrimazole (88 to cotrimoxazole) is not taken for
# co-trimoxazole. Spellings further off that prescribers use are listed above (ibuprophen).
SPELLING_TOLERANCE = 90
_NAME_CLASS = {name: cls for cls, names in CLASS_WORDS.items() for name in names}
_LONG_NAMES = [name for name in _NAME_CLASS if len(name) >= 6 and " " not in name]

# Classes that cross-react: an allergy to the first warns on the second. Penicillin and
# cephalosporin: about 1-2 % cross-reactivity, higher with similar side chains (BNF,
# "Antibacterials, use for prophylaxis" / penicillins: hypersensitivity; Romano et al., J Allergy
# Clin Immunol Pract 2018). Aspirin and other NSAIDs: NSAID-exacerbated respiratory disease and
# cross-intolerant urticaria (BNF, NSAIDs: cautions; EAACI position paper, Kowalski 2019).
CROSS_REACTIONS: dict[str, tuple[str, ...]] = {
    AllergenClass.PENICILLINS: (AllergenClass.CEPHALOSPORINS,),
    AllergenClass.CEPHALOSPORINS: (AllergenClass.PENICILLINS,),
    AllergenClass.ASPIRIN: (AllergenClass.NSAIDS,),
    AllergenClass.NSAIDS: (AllergenClass.ASPIRIN,),
}


@dataclass(frozen=True)
class Finding:
    """One thing the doctor must read: `blocks` stops the prescription until a reason is given;
    otherwise a warning the doctor confirms. `code` names it across two submissions."""

    code: str
    message: str
    blocks: bool = False


@dataclass(frozen=True)
class AllergyOnRecord:
    """A patient's allergy as the checks read it."""

    allergen_class: str
    name: str
    allergen: str = ""
    reaction: str = ""
    # "mild", "moderate", "severe", or "" (not known): Allergy.severity_words.
    severity: str = ""


@dataclass(frozen=True)
class Medicine:
    """A drug being prescribed or already active: its name, generic name and allergen classes."""

    name: str
    generic_name: str
    classes: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Interaction:
    """A row of the interaction table."""

    pk: int
    first: str
    second: str
    severity: str
    advice: str
    source: str


_ACTIVE_SOURCES: dict[str, Callable[[object], list[Medicine]]] = {}


def register_active_medicines(name: str, source: Callable[[object], list[Medicine]]) -> None:
    """`source(patient_id)` returns the patient's medicines running under another module (the
    pharmacy registers its active inpatient orders in its AppConfig.ready)."""
    _ACTIVE_SOURCES[name] = source


def active_elsewhere(patient_id: object) -> list[Medicine]:
    """The patient's running medicines from every registered source."""
    return [medicine for source in _ACTIVE_SOURCES.values() for medicine in source(patient_id)]


def classes_named_in(text: str) -> set[str]:
    """The allergen classes the words of `text` name: "Penicillin (rash)" → {"penicillins"},
    "Septrin" → {"sulfonamides"}, "Amoxicilin" (a typo) → {"penicillins"}, "cefadroxil" (an INN
    stem) → {"cephalosporins"}; an empty set when none."""
    words = (text or "").lower()
    found = {
        allergen_class
        for allergen_class, names in CLASS_WORDS.items()
        if any(re.search(rf"\b{re.escape(name)}", words) for name in names)
    }
    found |= {allergen_class for stem, allergen_class in INN_STEMS if stem.search(words)}
    for word in re.findall(r"[a-z][a-z-]{5,}", words):
        match = process.extractOne(
            word, _LONG_NAMES, scorer=fuzz.ratio, score_cutoff=SPELLING_TOLERANCE
        )
        if match is not None:
            found.add(_NAME_CLASS[match[0]])
    return found


def medicine_for(*, name: str, generic_name: str, classes: Iterable[str] = ()) -> Medicine:
    """A Medicine whose classes are the item's own plus those its names imply (a drug typed as
    free text has no item: its words alone say its class)."""
    found = set(classes) | classes_named_in(generic_name) | classes_named_in(name)
    return Medicine(name=name, generic_name=generic_name, classes=frozenset(found))


def terms_of(medicine: Medicine) -> set[str]:
    """What an interaction side may name: the classes, the generic name and each ingredient
    ("artemether-lumefantrine" → artemether, lumefantrine)."""
    generic = (medicine.generic_name or medicine.name).lower().strip()
    parts = {part.strip() for part in re.split(r"\s*(?:\+|-|/|,| and )\s*", generic)}
    first_word = generic.split(" ")[0] if generic else ""
    return {term for term in {generic, first_word, *parts, *medicine.classes} if term}


def classes_of(allergy: AllergyOnRecord) -> set[str]:
    """The classes an allergy names: its coded class, and those its words name."""
    named = classes_named_in(f"{allergy.allergen} {allergy.name}")
    if allergy.allergen_class != AllergenClass.OTHER:
        named.add(allergy.allergen_class)
    return named


def _allergy_blocks(allergy: AllergyOnRecord, medicine: Medicine) -> bool:
    if classes_of(allergy) & medicine.classes:
        return True
    words = f"{allergy.allergen} {allergy.name}".lower()
    return any(
        len(term) > 3 and re.search(rf"\b{re.escape(term)}\b", words)
        for term in terms_of(medicine) - set(AllergenClass.values)
    )


def allergy_against(medicine: Medicine, allergies: Iterable[AllergyOnRecord]) -> str:
    """The name of the first of `allergies` that stops `medicine` ("Penicillins"), or "": what a
    list of drugs marks before the doctor picks one (the stop itself is findings_for's)."""
    return next((a.name for a in allergies if _allergy_blocks(a, medicine)), "")


def findings_for(
    *,
    medicine: Medicine,
    allergies: Iterable[AllergyOnRecord],
    active: Iterable[Medicine],
    interactions: Iterable[Interaction],
    dose: str = "",
    frequency: str = "",
    strength: str = "",
    max_daily_dose_mg: Decimal | None = None,
) -> list[Finding]:
    """Every finding for prescribing `medicine` to a patient with `allergies` who already takes
    `active` medicines: blocks first (allergy), then warnings (cross-reactivity, duplicate
    therapy, maximum daily dose, interactions), each named in the sentence the doctor reads.
    """
    allergies = list(allergies)
    active = list(active)
    blocks: list[Finding] = []
    warnings: list[Finding] = []
    for allergy in allergies:
        if _allergy_blocks(allergy, medicine):
            reaction = f"; reaction: {allergy.reaction}" if allergy.reaction else ""
            severity = f", {allergy.severity}" if allergy.severity else ""
            blocks.append(
                Finding(
                    code=f"allergy:{allergy.allergen_class}:{allergy.name.lower()}",
                    message=(
                        f"Allergy: the patient is allergic to {allergy.name}"
                        f"{severity}{reaction}. {medicine.name} is stopped."
                    ),
                    blocks=True,
                )
            )
    allergic_classes = {c for a in allergies for c in classes_of(a)}
    for allergic in sorted(allergic_classes):
        for crossing in CROSS_REACTIONS.get(allergic, ()):
            if crossing in medicine.classes and crossing not in allergic_classes:
                allergy = next(a for a in allergies if allergic in classes_of(a))
                warnings.append(
                    Finding(
                        code=f"cross:{allergic}:{crossing}",
                        message=(
                            f"Cross-reactivity: the patient is allergic to {allergy.name}, and"
                            f" {medicine.name} is one of the"
                            f" {AllergenClass(crossing).label.lower()}, which can cross-react."
                        ),
                    )
                )
    generic = (medicine.generic_name or medicine.name).lower().strip()
    for other in active:
        other_generic = (other.generic_name or other.name).lower().strip()
        shared = sorted(medicine.classes & other.classes - {AllergenClass.OTHER})
        if generic and other_generic == generic:
            reason = "the same drug"
        elif shared:
            reason = f"also one of the {AllergenClass(shared[0]).label.lower()}"
        else:
            continue
        warnings.append(
            Finding(
                code=f"duplicate:{other_generic}",
                message=f"Duplicate therapy: {other.name} is already active ({reason}).",
            )
        )
    daily = dosing.daily_dose_mg(dose=dose, frequency=frequency, strength=strength)
    if max_daily_dose_mg is not None and daily is not None and daily > max_daily_dose_mg:
        warnings.append(
            Finding(
                code=f"max-dose:{daily}",
                message=(
                    f"Dose: {dose} {frequency} is {dosing.mg_words(daily)} a day, above"
                    f" {medicine.name}'s maximum of {dosing.mg_words(max_daily_dose_mg)} a day."
                ),
            )
        )
    mine = terms_of(medicine)
    for interaction in interactions:
        first, second = interaction.first.lower(), interaction.second.lower()
        for other in active:
            theirs = terms_of(other)
            if (first in mine and second in theirs) or (second in mine and first in theirs):
                warnings.append(
                    Finding(
                        code=f"interaction:{interaction.pk}",
                        message=(
                            f"Interaction ({interaction.severity}): {medicine.name} with"
                            f" {other.name}. {interaction.advice} Source: {interaction.source}."
                        ),
                    )
                )
                break
    unique: dict[str, Finding] = {}
    for finding in blocks + warnings:
        unique.setdefault(finding.code, finding)
    return list(unique.values())
