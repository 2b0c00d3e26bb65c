"""What a question is about: life areas, named lines and mounts, which hand, and what palmistry
cannot answer.

Plain keyword rules, deterministic and offline. English and Hindi/Sanskrit names (in Latin
letters and in Devanagari) are both understood. A follow-up with no topic of its own ("and my
left hand?") inherits the previous turn's topic, which the caller stores with each message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from rekha.reading.types import Hand


class Topic(StrEnum):
    love = "love"
    career = "career"
    money = "money"
    health = "health"
    travel = "travel"
    family = "family"
    life = "life"
    general = "general"


class Refusal(StrEnum):
    """Questions palmistry cannot answer honestly; each gets a kind no and a pointer."""

    death = "death"  # dates of death, lifespan
    diagnosis = "diagnosis"  # diseases, medical conditions
    pregnancy = "pregnancy"  # pregnancy, fertility, number or sex of children
    lottery = "lottery"  # lottery numbers, gambling
    legal = "legal"  # court cases, legal decisions
    financial = "financial"  # investment and other financial decisions


# Subjects are dotted paths into HandMeasurements, so a citation points at what was measured.
HEART, HEAD, LIFE, FATE = "lines.heart", "lines.head", "lines.life", "lines.fate"
SUN, MERCURY, MARRIAGE, BRACELET = "lines.sun", "lines.mercury", "lines.marriage", "lines.bracelet"
GURU, SHANI, SURYA_MOUNT, BUDH_MOUNT = "mounts.guru", "mounts.shani", "mounts.surya", "mounts.budh"
SHUKRA, CHANDRA, RAHU, KETU = "mounts.shukra", "mounts.chandra", "mounts.rahu", "mounts.ketu"
MANGAL_INNER, MANGAL_OUTER = "mounts.mangal_inner", "mounts.mangal_outer"
SHAPE, THUMB, FINGERS = "geometry.shape", "geometry.thumb", "geometry.fingers"

# Longest alias first, so "shani rekha" (the fate line) wins over "shani" (the mount) and
# "surya parvat" (the mount) over "surya" (the line).
_SUBJECT_ALIASES: dict[str, tuple[str, ...]] = {
    HEART: (
        "heart line", "hriday rekha", "hridaya rekha", "hriday", "hridaya", "hridya",
        "ayu rekha", "love line", "हृदय रेखा", "हृदय",
    ),
    HEAD: (
        "head line", "mastishka rekha", "mastishk rekha", "mastishka", "mastishk", "mastiska",
        "matri rekha", "dhana rekha", "mind line", "मस्तिष्क रेखा", "मस्तिष्क",
    ),
    LIFE: (
        "life line", "lifeline", "jeevan rekha", "jivan rekha", "jeevan", "jivan",
        "pitri rekha", "gotra rekha", "जीवन रेखा", "जीवन",
    ),
    FATE: (
        "fate line", "destiny line", "career line", "bhagya rekha", "bhagya", "urdhva rekha",
        "shani rekha", "भाग्य रेखा", "भाग्य",
    ),
    SUN: (
        "sun line", "apollo line", "success line", "surya rekha", "ravi rekha", "surya",
        "सूर्य रेखा", "सूर्य",
    ),
    MERCURY: (
        "mercury line", "health line", "budh rekha", "budha rekha", "swasthya rekha",
        "business line", "hepatica", "budh", "budha", "बुध रेखा", "स्वास्थ्य रेखा", "बुध",
    ),
    MARRIAGE: (
        "marriage lines", "marriage line", "affection lines", "affection line",
        "relationship lines", "vivah rekha", "vivaah rekha", "vivah", "vivaah", "विवाह रेखा",
        "विवाह",
    ),
    BRACELET: (
        "bracelets", "bracelet", "manibandh rekha", "manibandh", "manibandha", "rascettes",
        "rascette", "wrist lines", "मणिबंध",
    ),
    GURU: (
        "guru parvat", "mount of jupiter", "jupiter mount", "jupiter", "guru", "brihaspati",
        "गुरु पर्वत", "गुरु",
    ),
    SHANI: ("shani parvat", "mount of saturn", "saturn mount", "saturn", "shani", "शनि"),
    SURYA_MOUNT: (
        "surya parvat", "mount of the sun", "mount of sun", "sun mount", "apollo mount",
        "mount of apollo", "ravi parvat", "सूर्य पर्वत",
    ),
    BUDH_MOUNT: ("budh parvat", "budha parvat", "mount of mercury", "mercury mount", "बुध पर्वत"),
    SHUKRA: (
        "shukra parvat", "mount of venus", "venus mount", "venus", "shukra", "thumb ball",
        "ball of the thumb", "ball of my thumb", "शुक्र पर्वत", "शुक्र",
    ),
    CHANDRA: (
        "chandra parvat", "mount of the moon", "mount of moon", "moon mount", "chandra",
        "moon", "luna", "चंद्र पर्वत", "चंद्र",
    ),
    MANGAL_INNER: ("lower mars", "inner mars", "lower mangal", "inner mangal"),
    MANGAL_OUTER: ("upper mars", "outer mars", "upper mangal", "outer mangal"),
    RAHU: ("rahu parvat", "plain of mars", "rahu", "राहु"),
    KETU: ("ketu parvat", "ketu", "केतु"),
    SHAPE: (
        "hand shape", "shape of my hand", "shape of my palm", "palm shape", "earth hand",
        "air hand", "fire hand", "water hand", "elemental hand", "element", "tattva",
        "square palm", "long palm", "rectangular palm", "hand type", "type of hand",
        "hasta akriti", "agni hasta", "prithvi hasta", "vayu hasta", "jal hasta",
    ),
    THUMB: ("thumb", "angushtha", "angutha", "अंगूठा"),
    FINGERS: (
        "index finger", "ring finger", "middle finger", "little finger", "fingers", "finger",
        "tarjani", "anamika", "madhyama", "kanishtha",
    ),
}
# "Mangal" alone means both mounts of Mars.
_MANGAL_ALIASES = ("mangal parvat", "mount of mars", "mars mount", "mangal", "mars", "मंगल")

_TOPIC_WORDS: dict[Topic, tuple[str, ...]] = {
    Topic.love: (
        "love", "loved", "lover", "marriage", "marry", "married", "marrying", "wedding",
        "spouse", "husband", "wife", "partner", "relationship", "relationships", "romance",
        "romantic", "boyfriend", "girlfriend", "soulmate", "soul mate", "dating", "crush",
        "affection", "heartbreak", "shaadi", "shadi", "pyaar", "pyar", "prem", "ishq",
        "प्यार", "प्रेम", "शादी",
    ),
    Topic.career: (
        "career", "job", "jobs", "work", "working", "profession", "professional", "promotion",
        "boss", "office", "employment", "occupation", "calling", "vocation", "study",
        "studies", "exam", "exams", "education", "naukri", "vyavsay", "नौकरी", "करियर",
        "business",
    ),
    Topic.money: (
        "money", "rich", "richer", "wealth", "wealthy", "finance", "finances", "financial",
        "income", "salary", "earn", "earning", "earnings", "prosperity", "prosper", "savings",
        "paisa", "paise", "dhan", "daulat", "lakshmi", "धन", "पैसा", "दौलत",
    ),
    Topic.health: (
        "health", "healthy", "vitality", "energy", "fitness", "stamina", "wellbeing",
        "well being", "sehat", "swasthya", "स्वास्थ्य", "सेहत",
    ),
    Topic.travel: (
        "travel", "travels", "travelling", "traveling", "journey", "journeys", "abroad",
        "foreign", "trip", "trips", "relocate", "emigrate", "overseas", "videsh", "yatra",
        "विदेश", "यात्रा",
    ),
    Topic.family: (
        "family", "parents", "mother", "father", "mom", "dad", "siblings", "brother",
        "sister", "ancestors", "roots", "home life", "parivar", "parivaar", "परिवार",
    ),
    Topic.life: (
        "life path", "path in life", "purpose", "destiny", "future", "direction", "my life",
        "life ahead", "overall", "personality", "character", "nature", "zindagi", "जिंदगी",
    ),
}

# What each subject is chiefly read for, used when a question names only a line or a mount.
SUBJECT_TOPIC: dict[str, Topic] = {
    HEART: Topic.love, MARRIAGE: Topic.love, SHUKRA: Topic.love,
    HEAD: Topic.career, FATE: Topic.career, SUN: Topic.career, GURU: Topic.career,
    SHANI: Topic.career, MANGAL_INNER: Topic.career, THUMB: Topic.career,
    LIFE: Topic.health, MERCURY: Topic.health, MANGAL_OUTER: Topic.health,
    BRACELET: Topic.money, BUDH_MOUNT: Topic.money, SURYA_MOUNT: Topic.career,
    CHANDRA: Topic.travel, RAHU: Topic.life, KETU: Topic.family,
    SHAPE: Topic.general, FINGERS: Topic.general,
}

_REFUSAL_PATTERNS: tuple[tuple[Refusal, tuple[str, ...]], ...] = (
    (
        Refusal.death,
        (
            r"\bdie\b", r"\bdies\b", r"\bdying\b", r"\bdeath\b", r"\bdeaths\b", r"\bdead\b",
            r"pass away", r"passing away", r"\blife ?span\b", r"life expectancy",
            r"how long (will|would|do|shall|can) i (live|have|survive)",
            r"how many years (do i have|will i live|i have left|have i got|left)",
            r"will i live (long|to)", r"long life", r"\bmrityu\b", r"\bmaut\b",
            r"\bumr\b", r"\bumar\b", r"\baayu\b", r"\bayu\b(?! rekha)", r"मृत्यु", r"मौत",
            r"उम्र", r"आयु",
        ),
    ),
    (
        Refusal.diagnosis,
        (
            r"\bcancer\b", r"\bdiabet\w*", r"\btumou?rs?\b", r"\bdiseases?\b", r"\billness\w*",
            r"\bdiagnos\w*", r"\binfections?\b", r"heart attack", r"\bstroke\b",
            r"blood pressure", r"\bcovid\b", r"\bsurgery\b", r"\bailments?\b",
            r"\bdisorders?\b", r"\bsyndrome\b", r"\bam i sick\b", r"\bget sick\b",
            r"\bfall ill\b", r"\bbimari\b", r"\bbeemari\b", r"बीमारी", r"रोग",
        ),
    ),
    (
        Refusal.pregnancy,
        (
            r"\bpregnan\w*", r"\bfertil\w*", r"\binfertil\w*", r"\bconceiv\w*",
            r"\bconception\b", r"\bivf\b", r"\bmiscarriage\w*",
            r"how many (children|kids|babies|sons|daughters)",
            r"(have|get|having) (a )?(baby|babies|child|children|kids|son|daughter)",
            r"boy or (a )?girl", r"\bsantan\b", r"\bgarbh\w*", r"संतान", r"गर्भ",
        ),
    ),
    (
        Refusal.lottery,
        (
            r"\blotter(y|ies)\b", r"\blotto\b", r"\bjackpot\b", r"lucky numbers?",
            r"winning numbers?", r"\bgambl\w*", r"\bbetting\b", r"\bbet on\b", r"\bcasino\b",
            r"\bsatta\b", r"\bmatka\b", r"scratch cards?", r"\bpowerball\b", r"लॉटरी",
        ),
    ),
    (
        Refusal.legal,
        (
            r"\bcourt\b", r"\blaw ?suits?\b", r"\blegal\w*", r"\blawyers?\b", r"\bsue\b",
            r"\bsuing\b", r"\bcustody\b", r"\bverdict\b", r"\bbail\b", r"\bjail\b",
            r"\bprison\b", r"\bpolice case\b", r"(win|lose) (my|the|this) case",
            r"\bmukadma\b", r"\bmuqadma\b", r"\bkanooni\b", r"अदालत", r"मुकदमा",
        ),
    ),
    (
        Refusal.financial,
        (
            r"\binvest\w*", r"\bstocks?\b", r"\bshares\b", r"share market", r"stock market",
            r"\bcrypto\w*", r"\bbitcoin\b", r"mutual funds?", r"\bloans?\b", r"\bmortgage\b",
            r"real estate", r"\btrading\b", r"\bforex\b",
            r"(buy|sell|purchase) (a |the |my )?(house|flat|home|property|land|plot|gold)",
        ),
    ),
)

_DECISION = re.compile(r"^(should|shall|must|do you think i should|would it be wise)\b")
_TIMING = re.compile(r"\b(when|what year|which year|what age|how soon|kab)\b")
_MEANING = re.compile(
    r"\b(what does|what do|what is|what's|whats|what are|meaning of|means|mean|explain|"
    r"tell me about|matlab|arth)\b"
)
_COMPARE = re.compile(
    r"\b(left|right)( hand| palm)? (vs|versus|and|or|against|compared to|compared with) "
    r"(the |my )?(left|right)\b|\bboth (hands|palms)\b|\btwo hands\b|\beach hand\b|"
    r"\bcompare\b|\bcomparison\b|\bdifference between\b|\bdonon haath\b|दोनों हाथ"
)
_OTHER_HAND = re.compile(r"\b(the )?other (hand|palm|one)\b|\bdoosra haath\b|दूसरा हाथ")
_HAND_NOUNS = {"hand", "hands", "palm", "palms", "one", "side", "haath", "hath", "हाथ"}
_HAND_TAIL = {"too", "also", "then", "as", "instead", "now"}
_LEFT_WORDS = {"left", "baayan", "bayan", "baaya", "baya", "बायाँ", "बायां", "बाएं", "बाएँ", "बाया"}
_RIGHT_WORDS = {
    "right", "daayan", "dayan", "daaya", "daya", "dahina", "दायाँ", "दायां", "दाएं", "दाएँ",
    "दाया",
}
_NON_LATIN_WORDS = {w for words in (_LEFT_WORDS, _RIGHT_WORDS) for w in words if not w.isascii()}

_GREETING = re.compile(
    r"^(hi|hello|hey|namaste|namaskar|namaskaram|pranam|good (morning|afternoon|evening))\b"
)
_THANKS = re.compile(r"\b(thanks|thank you|thank u|thx|dhanyavad|dhanyawad|shukriya|धन्यवाद)\b")

# Signs on the lines a question may ask about ("what does an island mean?").
_TERMS: dict[str, tuple[str, ...]] = {
    "island": ("island", "islands", "dvipa", "द्वीप"),
    "break": ("break", "breaks", "broken", "gap", "gaps"),
    "fork": ("fork", "forks", "forked", "branch", "branches"),
    "chain": ("chain", "chains", "chained"),
}

# Marks and features the tradition reads that the engine does not look for on a photo (it
# measures the principal and minor lines, their islands, breaks, forks and chains, the hand's
# shape and the mounts' lines): a question about one gets an honest "not looked for", not a
# reading of something else. Aliases are phrases, so "square palm" (the earth hand) or "does
# my head line cross the life line" are not taken for the signs.
UNMEASURED: dict[str, tuple[str, ...]] = {
    "matsya": ("matsya", "fish sign", "fish mark", "sign of a fish", "fish on my"),
    "trishul": ("trishul", "trident"),
    "shankh": ("shankh", "conch"),
    "chakra": ("chakra on", "whorl"),
    "kamal": ("kamal", "lotus sign", "lotus mark", "lotus on"),
    "dhvaja": ("dhvaja", "flag sign", "flag mark", "flag on my"),
    "kalash": ("kalash", "pot sign"),
    "yava": ("yava", "barley"),
    "star": ("star on", "a star", "stars on", "star sign on my palm", "star mark"),
    "cross": ("mystic cross", "a cross on", "cross mark", "cross sign"),
    "triangle": ("triangle",),
    "square": ("a square on", "square sign", "square mark", "protective square"),
    "grille": ("grille", "grill on", "grid on my"),
    "simian": ("simian", "single palmar crease", "single crease"),
    "girdle": ("girdle of venus", "shukra mudrika", "girdle"),
    "ring_solomon": ("ring of solomon", "solomon's ring", "guru mudrika", "ring of jupiter"),
    "ring_saturn": ("ring of saturn", "shani mudrika"),
}

MAX_FOLLOW_UP_WORDS = 8


@dataclass(frozen=True)
class Intent:
    topic: Topic = Topic.general
    subjects: tuple[str, ...] = ()
    hand: Hand | None = None
    compare: bool = False
    meaning: bool = False
    refusal: Refusal | None = None
    decision: bool = False
    timing: bool = False
    follow_up: bool = False  # inherited its topic from the previous turn
    smalltalk: str | None = None  # "greeting" | "thanks": nothing to read
    term: str | None = None  # a sign asked about: island, break, fork, chain
    unmeasured: str | None = None  # a mark of UNMEASURED asked about
    other_topics: tuple[Topic, ...] = field(default=())

    def state(self) -> dict[str, Any]:
        """What the next turn needs to carry this context on (stored in message metadata)."""
        return {
            "topic": self.topic.value,
            "subjects": list(self.subjects),
            "hand": self.hand.value if self.hand else None,
            "compare": self.compare,
        }


def normalise(text: str) -> str:
    lowered = text.lower().replace("’", "'")
    # Keep letters of any script (Devanagari vowel signs are marks, category M), digits and
    # apostrophes; everything else becomes a space.
    kept = re.sub(r"[^\w\u0900-\u097f']+", " ", lowered)
    return re.sub(r"\s+", " ", kept).strip()


def _alias_pattern(alias: str) -> re.Pattern[str]:
    if alias.isascii():
        return re.compile(rf"(?<![\w]){re.escape(alias)}(?![\w])")
    return re.compile(re.escape(alias))


_ALIAS_TABLE: list[tuple[str, tuple[str, ...], re.Pattern[str]]] = sorted(
    [
        *((alias, (subject,), _alias_pattern(alias))
          for subject, aliases in _SUBJECT_ALIASES.items() for alias in aliases),
        *((alias, (MANGAL_INNER, MANGAL_OUTER), _alias_pattern(alias))
          for alias in _MANGAL_ALIASES),
    ],
    key=lambda row: -len(row[0]),
)


def find_subjects(text: str) -> tuple[str, ...]:
    """Named lines, mounts and hand features, in the order they appear in the question."""
    remaining = text
    found: list[tuple[int, str]] = []
    for _alias, subjects, pattern in _ALIAS_TABLE:
        for match in pattern.finditer(remaining):
            found.extend((match.start(), s) for s in subjects)
        # Blank out what matched so a shorter alias inside it does not match again.
        remaining = pattern.sub(lambda m: " " * len(m.group(0)), remaining)
    ordered: list[str] = []
    for _pos, subject in sorted(found):
        if subject not in ordered:
            ordered.append(subject)
    return tuple(ordered)


def _find_topics(text: str) -> list[Topic]:
    hits: list[tuple[int, Topic]] = []
    for topic, words in _TOPIC_WORDS.items():
        for word in words:
            match = _alias_pattern(word).search(text)
            if match:
                hits.append((match.start(), topic))
                break
    return [topic for _pos, topic in sorted(hits)]


def _find_refusal(text: str) -> Refusal | None:
    for refusal, patterns in _REFUSAL_PATTERNS:
        if any(re.search(p, text) for p in patterns):
            return refusal
    return None


def _find_hand(text: str) -> Hand | None:
    tokens = text.split()
    seen: list[Hand] = []
    for i, token in enumerate(tokens):
        side = Hand.left if token in _LEFT_WORDS else Hand.right if token in _RIGHT_WORDS else None
        if side is None:
            continue
        prev = tokens[i - 1] if i > 0 else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        # "right" also means correct and "left" also means departed: count them as a hand only
        # beside a hand word, or as "my/the left" at the end of a short phrase.
        if (
            nxt in _HAND_NOUNS
            or token in _NON_LATIN_WORDS
            or (prev in {"my", "the", "your", "and", "on", "in"} and (nxt is None or nxt in _HAND_TAIL))
        ):
            seen.append(side)
    return seen[0] if seen else None


def detect(question: str, previous: dict[str, Any] | None = None) -> Intent:
    """Read one question, carrying the previous turn's context where the question leans on it."""
    text = normalise(question)
    subjects = find_subjects(text)
    topics = _find_topics(text)
    refusal = _find_refusal(text)
    hand = _find_hand(text)
    compare = bool(_COMPARE.search(text))
    previous = previous or {}
    prev_hand = previous.get("hand")
    if _OTHER_HAND.search(text) and prev_hand in ("left", "right"):
        hand = Hand.right if prev_hand == "left" else Hand.left
    if compare:
        hand = None

    intent = Intent(
        topic=topics[0] if topics else (SUBJECT_TOPIC.get(subjects[0], Topic.general) if subjects else Topic.general),
        subjects=subjects,
        hand=hand,
        compare=compare,
        meaning=bool(_MEANING.search(text)) and bool(subjects),
        refusal=refusal,
        decision=bool(_DECISION.search(text)),
        timing=bool(_TIMING.search(text)),
        other_topics=tuple(topics[1:]),
    )
    term = next(
        (t for t, words in _TERMS.items() if any(_alias_pattern(w).search(text) for w in words)),
        None,
    )
    intent = replace(intent, term=term)
    unmeasured = next(
        (k for k, words in UNMEASURED.items() if any(_alias_pattern(w).search(text) for w in words)),
        None,
    )
    if unmeasured is not None:
        return replace(intent, unmeasured=unmeasured)
    if refusal is not None or topics or subjects or term:
        return intent
    if hand is None and not compare:
        if _GREETING.search(text):
            return replace(intent, smalltalk="greeting")
        if _THANKS.search(text):
            return replace(intent, smalltalk="thanks")

    # A follow-up: nothing of its own to talk about, so carry the previous topic on.
    prev_topic = previous.get("topic")
    if isinstance(prev_topic, str) and prev_topic in Topic.__members__ and (
        len(text.split()) <= MAX_FOLLOW_UP_WORDS or hand is not None or compare
    ):
        return replace(
            intent,
            topic=Topic(prev_topic),
            subjects=tuple(s for s in previous.get("subjects") or () if isinstance(s, str)),
            hand=hand if hand is not None or compare else _hand_or_none(prev_hand),
            compare=compare or (hand is None and bool(previous.get("compare"))),
            follow_up=True,
        )
    return intent


def _hand_or_none(value: Any) -> Hand | None:
    return Hand(value) if value in ("left", "right") else None
