"""Conversation responders: one interface, a local one (the default) and an OpenAI one.

The local responder is offline and deterministic. It works out what a question is about
(`intent.detect`), then answers from THIS analysis: the measurements stored with its report and
the knowledge base (`rekha.reading.knowledge`). It names every line and mount it draws on, says
"not clearly visible on your photo" for a line the engine could not see clearly, and kindly
declines what palmistry cannot answer, pointing to what the reading does say.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rekha.conversations import intent as it
from rekha.conversations.intent import Intent, Refusal, Topic
from rekha.conversations.report import StoredReport
from rekha.reading.interpret import deeply_creased
from rekha.reading.interpret.prose import Chooser, capitalise, fill, join_names
from rekha.reading.knowledge import Area, Entry, KnowledgeBase, load_knowledge
from rekha.reading.types import Hand, HandMeasurements, LineName, MountName, Usage
from rekha.settings import Settings

# ---------------------------------------------------------------- the interface


@dataclass(frozen=True)
class Turn:
    role: str  # "user" | "assistant"
    content: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResponderContext:
    analysis_id: str
    question: str
    report: StoredReport
    dominant_hand: Hand | None = None
    history: Sequence[Turn] = ()  # earlier turns of this conversation, oldest first
    summary: str | None = None  # running summary of turns older than `history`
    state: dict[str, Any] = field(default_factory=dict)  # the previous turn's topic and hand


@dataclass(frozen=True)
class Answer:
    text: str
    topics: list[str]
    cited: list[str]  # dotted paths into HandMeasurements: "lines.heart", "mounts.shukra"
    usage: Usage = field(default_factory=Usage)
    # What the next turn needs to carry the context on (stored in the message's metadata).
    state: dict[str, Any] = field(default_factory=dict)
    refused: str | None = None


class Responder(Protocol):
    name: str

    def answer(self, context: ResponderContext) -> Answer:
        """Answer one question about one analysis. Raises ProviderUnavailable when transient."""
        ...


def get_responder(settings: Settings) -> Responder:
    if settings.reading_provider == "openai":
        from rekha.conversations.openai_responder import OpenAIResponder

        openai_responder: Responder = OpenAIResponder(settings)
        return openai_responder
    return LocalResponder()


# ---------------------------------------------------------------- names and places

DISPLAY: dict[str, str] = {
    it.HEART: "Hriday rekha (heart line)",
    it.HEAD: "Mastishka rekha (head line)",
    it.LIFE: "Jeevan rekha (life line)",
    it.FATE: "Bhagya rekha (fate line)",
    it.SUN: "Surya rekha (sun line)",
    it.MERCURY: "Budh rekha (Mercury or health line)",
    it.MARRIAGE: "Vivah rekha (marriage lines)",
    it.BRACELET: "Manibandh (the bracelet lines at the wrist)",
    it.GURU: "Guru parvat (mount of Jupiter)",
    it.SHANI: "Shani parvat (mount of Saturn)",
    it.SURYA_MOUNT: "Surya parvat (mount of the Sun)",
    it.BUDH_MOUNT: "Budh parvat (mount of Mercury)",
    it.SHUKRA: "Shukra parvat (mount of Venus)",
    it.CHANDRA: "Chandra parvat (mount of the Moon)",
    it.MANGAL_INNER: "inner Mangal parvat (lower mount of Mars)",
    it.MANGAL_OUTER: "outer Mangal parvat (upper mount of Mars)",
    it.RAHU: "Rahu parvat (the palm's centre)",
    it.KETU: "Ketu parvat (the base of the palm)",
    it.SHAPE: "hand shape (Hasta Akriti)",
    it.THUMB: "thumb (Angushtha)",
    it.FINGERS: "fingers (Anguli)",
}
SHORT: dict[str, str] = {
    it.HEART: "heart line", it.HEAD: "head line", it.LIFE: "life line", it.FATE: "fate line",
    it.SUN: "sun line", it.MERCURY: "Mercury line", it.MARRIAGE: "marriage lines",
    it.BRACELET: "bracelets", it.GURU: "Guru parvat", it.SHANI: "Shani parvat",
    it.SURYA_MOUNT: "Surya parvat", it.BUDH_MOUNT: "Budh parvat", it.SHUKRA: "Shukra parvat",
    it.CHANDRA: "Chandra parvat", it.MANGAL_INNER: "inner Mangal parvat",
    it.MANGAL_OUTER: "outer Mangal parvat", it.RAHU: "Rahu parvat", it.KETU: "Ketu parvat",
    it.SHAPE: "hand shape", it.THUMB: "thumb", it.FINGERS: "fingers",
}
# The knowledge base's subject ids for the geometry subjects (lines and mounts are looked up).
_KB_GEOMETRY = {it.SHAPE: "shape", it.THUMB: "thumb", it.FINGERS: "fingers"}

# What the tradition consults for each area, in order.
TOPIC_SUBJECTS: dict[Topic, tuple[str, ...]] = {
    Topic.love: (it.HEART, it.MARRIAGE, it.SHUKRA),
    Topic.career: (it.FATE, it.HEAD, it.SUN, it.GURU),
    Topic.money: (it.HEAD, it.SUN, it.MERCURY, it.BRACELET),
    Topic.health: (it.LIFE, it.MERCURY, it.SHUKRA),
    Topic.travel: (it.CHANDRA, it.LIFE),
    Topic.family: (it.LIFE, it.SHUKRA, it.KETU),
    Topic.life: (it.LIFE, it.FATE, it.HEAD),
    Topic.general: (it.SHAPE, it.HEART, it.HEAD, it.LIFE, it.FATE),
}
TOPIC_INTRO: dict[Topic, str] = {
    Topic.love: "For love and marriage, Hast Rekha Shastra looks first to the {names}.",
    Topic.career: "For work and career the tradition reads the {names}.",
    Topic.money: "Wealth is read from the {names}; the head line is also called Dhana rekha, the line of earning.",
    Topic.health: "For vitality the tradition reads the {names}. They speak of energy and habits, not of illness.",
    Topic.travel: "Journeys are read on the {names}, the outer edge of the palm being the side of travel and imagination.",
    Topic.family: "Family roots are read on the {names}; the life line's old names, Pitri and Gotra rekha, tie it to one's lineage.",
    Topic.life: "For the path of a life the tradition reads the {names} together.",
    Topic.general: "Here is what stands out on your palm, from the {names}.",
}
# The knowledge base's life areas, for picking area-specific phrasings.
TOPIC_AREA: dict[Topic, Area] = {
    Topic.love: Area.love, Topic.career: Area.career, Topic.money: Area.wealth,
    Topic.health: Area.health, Topic.life: Area.life, Topic.family: Area.life,
    Topic.travel: Area.life,
}
# The report section that covers each topic (keys written by rekha.reading.interpret).
TOPIC_SECTION: dict[Topic, str] = {
    Topic.love: "love", Topic.career: "career", Topic.money: "wealth", Topic.health: "health",
    Topic.life: "life_path",
}

REFUSAL_TEXT: dict[Refusal, str] = {
    Refusal.death: (
        "That is something palmistry cannot tell you, and Rekha will not guess at it: no line "
        "on a hand shows when a life ends or how long it lasts. The Jeevan rekha is read for "
        "vitality and steadiness, never for lifespan."
    ),
    Refusal.diagnosis: (
        "I can't tell you whether you have, or will have, any illness; a palm photo cannot "
        "diagnose anything, and a doctor is the right person to ask. What the tradition does "
        "read is vitality and habits of care."
    ),
    Refusal.pregnancy: (
        "Pregnancy, fertility and children are not things a palm can tell, and Rekha does not "
        "read them; a doctor can help with those questions. What your hand does speak of is "
        "warmth and the way you love."
    ),
    Refusal.lottery: (
        "No line on a hand holds lottery numbers or the result of a bet, so Rekha won't offer "
        "any. What the tradition does read is how you earn and handle money."
    ),
    Refusal.legal: (
        "A palm cannot decide a legal matter or foresee how a case will go; please take that "
        "to a lawyer you trust. What the reading can describe is how you tend to think and "
        "decide under pressure."
    ),
    Refusal.financial: (
        "I can't advise you on an investment, a loan or any other financial decision; a palm "
        "reading is not financial advice, and a qualified adviser is the person to ask. What "
        "the tradition does read is your way with money."
    ),
}
REFUSAL_POINTERS: dict[Refusal, tuple[Topic, tuple[str, ...]]] = {
    Refusal.death: (Topic.health, (it.LIFE,)),
    Refusal.diagnosis: (Topic.health, (it.LIFE, it.MERCURY)),
    Refusal.pregnancy: (Topic.love, (it.HEART, it.SHUKRA)),
    Refusal.lottery: (Topic.money, (it.HEAD, it.SUN)),
    Refusal.legal: (Topic.career, (it.HEAD, it.FATE)),
    Refusal.financial: (Topic.money, (it.HEAD, it.MERCURY)),
}

_ZONES: dict[str, str] = {
    "percussion_edge": "at the little-finger edge of the palm",
    "beyond_index": "beyond the index finger",
    "under_index": "under the index finger",
    "guru": "under the index finger",
    "between_index_and_middle": "between the index and middle fingers",
    "under_middle": "under the middle finger",
    "shani": "under the middle finger",
    "under_ring": "under the ring finger",
    "under_little": "under the little finger",
    "joined_to_life": "joined to the life line",
    "apart_from_life": "apart from the life line",
    "joined_to_head": "joined to the head line",
    "above_head_start": "above the start of the head line",
    "below_head_start": "below the start of the head line",
    "between_thumb_and_index": "between the thumb and the index finger",
    "wrist": "near the wrist",
    "thumb_ball": "around the ball of the thumb",
    "life_line": "on the life line",
    "moon_mount": "on the mount of the Moon",
    "mid_palm": "in the middle of the palm",
    "lower_palm": "low on the palm",
    "heart_line": "at the heart line",
    "head_line": "at the head line",
}
_SLOPES = {
    "sloping_to_moon": "sloping down toward the mount of the Moon",
    "straight_across": "running nearly straight across",
    "gently_sloping": "sloping gently",
}
# What the tradition (TRADITION.md, "Signs") reads in the marks the engine does not look for
# (intent.UNMEASURED); the simian crease, the girdle and the rings are described, not read.
UNMEASURED_MEANING: dict[str, str] = {
    "matsya": "The Matsya, a fish-shaped mark near the wrist on the fate or life line or on "
    "the mounts of the Moon or Ketu, is the most auspicious of the tradition's signs: piety, "
    "generosity and standing.",
    "trishul": "The Trishul, a trident, is read by where it stands: at the heart line's end "
    "near Jupiter as honour, on the sun line as office, on the fate line as fortune.",
    "shankh": "The Shankh, a conch-shaped mark, is one of the tradition's auspicious signs.",
    "chakra": "The Chakra, a whorl, is one of the tradition's auspicious signs.",
    "kamal": "The Kamal, a lotus-shaped mark, is one of the tradition's auspicious signs.",
    "dhvaja": "The Dhvaja, a flag-shaped mark, is one of the tradition's auspicious signs.",
    "kalash": "The Kalash, a pot-shaped mark, is one of the tradition's auspicious signs.",
    "yava": "A Yava, a barley-shaped island in the joint of the thumb, is read as fame, "
    "learning and wealth.",
    "star": "A star is read by where it stands: on a mount as recognition, on a line as a "
    "sudden event in what that line speaks of.",
    "cross": "A cross is read by where it stands; between the heart and head lines some readers "
    "call it the mystic cross.",
    "triangle": "A triangle is read as a talent in what the mount or line it stands on "
    "speaks of.",
    "square": "A square is read as protection, and one over a break in a line as mending it.",
    "grille": "A grille, a small grid of fine crossing lines, is read as scattered energy on "
    "the mount it covers.",
    "simian": "A simian crease is a single crease running across the palm where the heart and "
    "head lines are usually two.",
    "girdle": "The girdle of Venus (Shukra mudrika) is a fine arc between the heart line and "
    "the fingers, under the middle and ring fingers.",
    "ring_solomon": "The ring of Solomon (Guru mudrika) is a fine curve around the base of the "
    "index finger.",
    "ring_saturn": "The ring of Saturn (Shani mudrika) is a fine curve around the base of the "
    "middle finger.",
}
UNMEASURED_NOTE = (
    "Rekha does not look for this on a photo: it measures the principal and minor lines (with "
    "their islands, breaks, forks and chains), the shape of the hand and fingers, and which "
    "lines reach each mount, so it cannot say whether your palm has one. Ask about a line or a "
    "mount by name to hear what your photo does show."
)

SIGN_MEANING: dict[str, str] = {
    "island": (
        "An island (dvipa) is a small loop where a line splits and rejoins. The tradition reads "
        "it as a stretch where that line's strength is divided for a while: a tangled season, "
        "never an illness or a fixed fate, and the line runs on beyond it."
    ),
    "break": (
        "A break is a gap in a line. The tradition reads it as a change of course in what that "
        "line speaks of, a turning rather than an ending; an overlapping break is read as a new "
        "start taking over from the old."
    ),
    "fork": (
        "A fork is where a line divides in two. The tradition reads it as a gift for holding two "
        "things together: two interests, two ways of seeing, or a choice carried well."
    ),
    "chain": (
        "A chained line is made of small linked loops rather than one clean crease. The "
        "tradition reads it as sensitivity, energy spent in many small efforts rather than one "
        "steady flow."
    ),
}
CONVENTION = (
    "Rekha reads the left hand as what you were born with and the right as what you are making "
    "of it (the dominant hand leads)."
)
NOT_CLEAR = "not clearly visible on your photo"
PLURAL = frozenset({it.MARRIAGE, it.BRACELET, it.FINGERS})
MAX_ENTRIES_PER_SUBJECT = 2


def zone_words(zone: str) -> str:
    for suffix, words in _SLOPES.items():
        if zone.endswith("_" + suffix):
            finger = zone[: -len(suffix) - 1]
            return f"{_ZONES.get(finger, finger.replace('_', ' '))}, {words}"
    return _ZONES.get(zone, zone.replace("_", " "))


def _curve_words(curvature: float) -> str:
    if curvature < 0.1:
        return "nearly straight"
    if curvature < 0.3:
        return "gently curved"
    return "strongly curved"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ---------------------------------------------------------------- the local responder


class LocalResponder:
    """Answers from the stored measurements and the knowledge base, offline and repeatably."""

    name = "local"

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self.kb = kb or load_knowledge()

    def answer(self, context: ResponderContext) -> Answer:
        intent = it.detect(context.question, context.state)
        return _Composer(self.kb, context, intent).answer()


class _Composer:
    def __init__(self, kb: KnowledgeBase, context: ResponderContext, intent: Intent) -> None:
        self.kb = kb
        self.ctx = context
        self.intent = intent
        self.report = context.report
        seed = hashlib.sha256(
            f"{context.analysis_id}\n{it.normalise(context.question)}".encode()
        ).digest()
        self.chooser = Chooser(seed)
        self.cited: list[str] = []
        self.lead_notes: list[str] = []  # said before the reading (which hand is read)
        self.notes: list[str] = []  # said after it

    # ------------------------------------------------------------ hands

    def primary_hand(self) -> Hand | None:
        hands = self.report.hands
        if not hands:
            return None
        dominant = self.ctx.dominant_hand
        if dominant in hands:
            return dominant
        return Hand.right if Hand.right in hands else hands[0]

    def hands_in_scope(self) -> tuple[list[Hand], bool]:
        """Which hands to talk about, and whether to set them side by side."""
        hands = self.report.hands
        asked = self.intent.hand
        if self.intent.compare:
            if len(hands) == 2:
                return hands, True
            if hands:
                self.lead_notes.append(
                    f"Only your {hands[0].value} hand was photographed for this reading, so "
                    "there is no second hand to compare it with; upload both to see how they agree."
                )
            return hands, False
        if asked is not None:
            if asked in hands:
                return [asked], False
            if hands:
                self.lead_notes.append(
                    f"Only your {hands[0].value} hand was photographed for this reading, so I "
                    f"can't speak for your {asked.value} hand; here is what the "
                    f"{hands[0].value} hand shows.",
                )
                return [hands[0]], False
            return [], False
        primary = self.primary_hand()
        return ([primary] if primary else []), False

    # ------------------------------------------------------------ the answer

    def answer(self) -> Answer:
        intent = self.intent
        if intent.refusal is not None:
            return self.refusal(intent.refusal)
        if intent.smalltalk is not None:
            return self.smalltalk(intent.smalltalk)
        if intent.unmeasured is not None:
            return self.unmeasured(intent.unmeasured)
        if intent.term is not None and not intent.subjects and intent.topic is Topic.general:
            return self.sign(intent.term)
        hands, compare = self.hands_in_scope()
        subjects = intent.subjects or TOPIC_SUBJECTS[intent.topic]
        paragraphs: list[str] = []
        if not hands:
            return self.without_measurements(subjects)

        if intent.meaning and intent.subjects:
            paragraphs.extend(self.meaning(s) for s in intent.subjects)
        elif intent.subjects:
            pass  # the subject paragraphs below introduce themselves
        else:
            names = join_names([DISPLAY[s] for s in subjects])
            paragraphs.append(TOPIC_INTRO[intent.topic].format(names=names))
        if compare:
            paragraphs.append(
                self.report.reading.convention
                if self.report.reading and self.report.reading.convention
                else CONVENTION
            )
            paragraphs.extend(self.compared(s, hands) for s in subjects)
        else:
            hand = hands[0]
            paragraphs.extend(self.about(s, self.report.measurements[hand]) for s in subjects)

        self.add_notes(hands, compare)
        text = "\n\n".join([*self.lead_notes, *paragraphs, *self.notes])
        state = intent.state()
        if not compare and hands:
            state["hand"] = hands[0].value
        return Answer(
            text=text,
            topics=[intent.topic.value, *(t.value for t in intent.other_topics)],
            cited=list(self.cited),
            state=state,
        )

    def add_notes(self, hands: list[Hand], compare: bool) -> None:
        intent = self.intent
        if intent.timing and intent.topic is not Topic.general:
            self.notes.append(
                "Rekha does not put dates on events: a photo of a palm can describe "
                "tendencies, not when something will happen."
            )
        if intent.decision:
            self.notes.append(
                "The decision itself is yours: the reading describes tendencies to weigh, "
                "not a verdict on what to do."
            )
        if intent.topic is Topic.health:
            self.notes.append(
                "For anything that worries you about your health, please see a doctor; the "
                "palm speaks of vitality and habits, not of illness."
            )
        section = self.report_section(intent.topic)
        if section:
            self.notes.append(f"Your full report's section “{section}” reads this area in more depth.")
        if not compare and intent.hand is None and len(self.report.hands) == 2 and hands:
            other = Hand.left if hands[0] is Hand.right else Hand.right
            self.notes.append(
                f"This is your {hands[0].value} hand; ask “and my {other.value} hand?” to "
                "compare the two."
            )

    def report_section(self, topic: Topic) -> str | None:
        key = TOPIC_SECTION.get(topic)
        reading = self.report.reading
        if key is None or reading is None:
            return None
        return next((s.title for s in reading.sections if s.key == key), None)

    def refusal(self, refusal: Refusal) -> Answer:
        topic, subjects = REFUSAL_POINTERS[refusal]
        paragraphs = [REFUSAL_TEXT[refusal]]
        hand = self.primary_hand()
        if hand is not None:
            m = self.report.measurements[hand]
            area = TOPIC_AREA.get(topic)
            paragraphs.extend(self.about(s, m, area=area) for s in subjects)
        text = "\n\n".join(paragraphs)
        state: dict[str, Any] = {
            "topic": topic.value, "subjects": [], "hand": None, "compare": False
        }
        return Answer(
            text=text,
            topics=[topic.value],
            cited=list(self.cited),
            state=state,
            refused=refusal.value,
        )

    def sign(self, term: str) -> Answer:
        """What a sign on a line means, and where (if anywhere) this palm clearly shows one."""
        field = {"island": "islands", "break": "breaks", "fork": "forks", "chain": "chained"}[term]
        paragraphs = [SIGN_MEANING[term]]
        found: list[str] = []
        for hand in self.report.hands:
            m = self.report.measurements[hand]
            for line, lm in m.lines.items():
                if not lm.clearly_visible or not getattr(lm, field):
                    continue
                subject = f"lines.{line.value}"
                self.cite(subject)
                found.append(f"the {SHORT[subject]} of your {hand.value} hand")
        article = "an" if term == "island" else "a"
        if found:
            paragraphs.append(
                f"On your photos Rekha traced {article} {term} on {join_names(found)}; ask "
                "about that line to hear how the tradition reads it there."
            )
        else:
            paragraphs.append(
                f"None of the lines Rekha traced clearly on your photos shows {article} {term}."
            )
        return Answer(
            text="\n\n".join(paragraphs),
            topics=[Topic.general.value],
            cited=list(self.cited),
            state=dict(self.ctx.state),
        )

    def unmeasured(self, mark: str) -> Answer:
        """A mark the engine does not look for: what it is or means, and that it was not
        looked for (never a reading of something else in its place)."""
        return Answer(
            text=f"{UNMEASURED_MEANING[mark]}\n\n{UNMEASURED_NOTE}",
            topics=[Topic.general.value],
            cited=[],
            state=dict(self.ctx.state),
        )

    def smalltalk(self, kind: str) -> Answer:
        opening = (
            "You're welcome." if kind == "thanks"
            else "Namaste! I can answer questions about the palm in this reading."
        )
        text = (
            f"{opening} Ask about love and marriage, career, money, health, travel or family, "
            "about a line or a mount by name (Jeevan, Hriday, Mastishka, Bhagya, Guru, "
            "Shukra...), or how your left and right hands compare."
        )
        # Small talk changes nothing: the next question still follows the previous topic.
        return Answer(text=text, topics=[Topic.general.value], cited=[], state=dict(self.ctx.state))

    def without_measurements(self, subjects: Sequence[str]) -> Answer:
        # A report without stored measurements: say what the tradition reads, claim nothing.
        for s in subjects:
            self.cite(s)
        governs = [f"the {SHORT[s]} speaks of {self.governs(s)}" for s in subjects]
        text = (
            "The measurements of your palm are not available for this reading, so I can only "
            f"say what the tradition looks at: {'; '.join(governs)}."
        )
        return Answer(
            text=text,
            topics=[self.intent.topic.value],
            cited=list(self.cited),
            state=self.intent.state(),
        )

    # ------------------------------------------------------------ one subject

    def cite(self, subject: str) -> None:
        if subject not in self.cited:
            self.cited.append(subject)

    def kb_subject(self, subject: str) -> str | None:
        kind, _, name = subject.partition(".")
        try:
            if kind == "lines":
                return self.kb.line_subject(name).id
            if kind == "mounts":
                return self.kb.mount_subject(name).id
        except StopIteration:
            return None
        return _KB_GEOMETRY.get(subject)

    def governs(self, subject: str) -> str:
        sid = self.kb_subject(subject)
        return self.kb.subjects[sid].governs if sid in self.kb.subjects else "its own part of the reading"

    def where(self, subject: str) -> str:
        sid = self.kb_subject(subject)
        return self.kb.subjects[sid].where if sid in self.kb.subjects else ""

    def meaning(self, subject: str) -> str:
        where = self.where(subject)
        place = f", {where}," if where else ""
        return (
            f"The {DISPLAY[subject]}{place} is read in Hast Rekha Shastra for "
            f"{self.governs(subject)}."
        )

    def about(self, subject: str, m: HandMeasurements, area: Area | None = None) -> str:
        self.cite(subject)
        area = area or TOPIC_AREA.get(self.intent.topic)
        kind, _, name = subject.partition(".")
        if kind == "lines":
            return self.about_line(subject, LineName(name), m, area)
        if kind == "mounts":
            return self.about_mount(subject, MountName(name), m, area)
        return self.about_geometry(subject, m, area)

    def line_fact(self, subject: str, line: LineName, m: HandMeasurements) -> str | None:
        """The measured facts about a clearly visible line; None when it was not seen clearly."""
        lm = m.lines.get(line)
        if lm is None or not lm.found or not lm.clearly_visible:
            return None
        parts: list[str] = []
        if lm.count and line in (LineName.marriage, LineName.bracelet):
            parts.append(f"{_plural(lm.count, 'line')} traced")
        if lm.length_ratio is not None and line not in (LineName.marriage,):
            parts.append(f"about {lm.length_ratio:.2f} palm-widths long")
        if lm.start_zone and lm.end_zone and lm.start_zone != lm.end_zone:
            parts.append(f"starting {zone_words(lm.start_zone)}")
            parts.append(f"ending {zone_words(lm.end_zone)}")
        elif lm.end_zone:
            parts.append(f"lying {zone_words(lm.end_zone)}")
        shape: list[str] = []
        if lm.curvature is not None:
            shape.append(_curve_words(lm.curvature))
        shape.append(f"with {_plural(lm.breaks, 'break')}" if lm.breaks else "unbroken")
        if lm.forks:
            shape.append(f"{_plural(lm.forks, 'fork')}")
        if lm.islands:
            shape.append(f"{_plural(lm.islands, 'island')}")
        if lm.chained:
            shape.append("chained")
        parts.append(join_names(shape))
        verb = "are" if subject in PLURAL else "is"
        return (
            f"On your {m.hand.value} palm the {SHORT[subject]} {verb} clearly traced (confidence "
            f"{lm.confidence:.2f}): {', '.join(parts)}."
        )

    def about_line(
        self, subject: str, line: LineName, m: HandMeasurements, area: Area | None
    ) -> str:
        lm = m.lines.get(line)
        lead = f"{capitalise(DISPLAY[subject])}: "
        fact = self.line_fact(subject, line, m)
        if fact is None:
            faint = ""
            if lm is not None and lm.found:
                faint = (
                    f" (traced at confidence {lm.confidence:.2f} among the palm's many strong "
                    "creases, perhaps on a crease beside it)"
                    if deeply_creased(m)
                    else f" (only a faint trace, confidence {lm.confidence:.2f})"
                )
            text = (
                f"{lead}{NOT_CLEAR} of the {m.hand.value} hand{faint}, so Rekha reads nothing "
                f"into it. In the tradition it speaks of {self.governs(subject)}."
            )
            absence = [
                e for e in self.kb.for_line(line) if e.absence and e.matches(m) and e.subject != "signs"
            ]
            if absence and (lm is None or not lm.found):
                text += " " + absence[0].reading
            return text
        sentences = self.entry_sentences(self.kb.for_line(line), m, area)
        return " ".join([lead + fact, *sentences])

    def about_mount(
        self, subject: str, mount: MountName, m: HandMeasurements, area: Area | None
    ) -> str:
        region = next((r for r in m.mounts if r.name == mount), None)
        where = self.where(subject)
        lead = f"{capitalise(DISPLAY[subject])}" + (f", {where}: " if where else ": ")
        if region is None:
            return f"{lead}this mount's region was not located on your photo, so Rekha reads nothing into it."
        clear = [
            ln for ln in region.lines_crossing
            if (lm := m.lines.get(ln)) is not None and lm.clearly_visible
        ]
        if clear:
            for ln in clear:
                self.cite(f"lines.{ln.value}")
            crossing = (
                f"on your {m.hand.value} hand the {join_names([SHORT['lines.' + ln.value] for ln in clear])} "
                f"{'runs' if len(clear) == 1 else 'run'} into it."
            )
        else:
            crossing = f"on your {m.hand.value} hand no clearly traced line runs into it."
        fact = (
            "a photo cannot show how full a mount is, so Rekha reads it through the lines that "
            f"reach it and the finger above it; {crossing}"
        )
        sid = self.kb_subject(subject)
        entries = self.kb.by_subject(sid) if sid else []
        sentences = self.entry_sentences(entries, m, area)
        if not sentences:
            sentences = [f"In the tradition it speaks of {self.governs(subject)}."]
        return " ".join([lead + fact, *sentences])

    def about_geometry(self, subject: str, m: HandMeasurements, area: Area | None) -> str:
        g = m.geometry
        if subject == it.SHAPE:
            fact = (
                f"your {m.hand.value} hand reads as {'an' if g.shape.value[0] in 'aeiou' else 'a'} "
                f"{g.shape.value} hand (palm length to width {g.palm_length_to_width:.2f}, "
                f"middle finger {g.fingers.middle:.2f} of the palm's length)."
            )
        elif subject == it.THUMB:
            fact = (
                f"on your {m.hand.value} hand the thumb is {g.thumb_length_ratio:.2f} of the "
                f"palm's length and set {g.thumb_set} on the hand."
            )
        else:
            fact = (
                f"on your {m.hand.value} hand the index finger is {g.index_to_ring:.2f} times "
                "the ring finger's length."
            )
        sid = _KB_GEOMETRY[subject]
        sentences = self.entry_sentences(self.kb.by_subject(sid), m, area)
        return " ".join([f"{capitalise(DISPLAY[subject])}: {fact}", *sentences])

    def entry_sentences(
        self, entries: Sequence[Entry], m: HandMeasurements, area: Area | None
    ) -> list[str]:
        """What the tradition reads in the features this hand shows clearly."""
        usable = [e for e in entries if not e.absence and e.matches(m) and self.clear(e, m)]
        # Heavier entries first; the knowledge base's own order breaks ties.
        usable.sort(key=lambda e: -e.weight)
        out: list[str] = []
        for entry in usable[:MAX_ENTRIES_PER_SUBJECT]:
            phrasings = list(entry.areas.get(area, [])) if area else []
            phrasings = phrasings or list(entry.text)
            start = self.chooser.index(f"{entry.id}:{m.hand.value}", len(phrasings))
            chosen: str | None = None
            for offset in range(len(phrasings)):
                filled = fill(phrasings[(start + offset) % len(phrasings)], m)
                if filled is not None:
                    chosen = filled[0]
                    break
            out.append(chosen or entry.reading)
        return out

    @staticmethod
    def clear(entry: Entry, m: HandMeasurements) -> bool:
        for line in entry.lines():
            lm = m.lines.get(line)
            if lm is None or not lm.clearly_visible:
                return False
        return True

    def compared(self, subject: str, hands: Sequence[Hand]) -> str:
        ms = [self.report.measurements[h] for h in hands]
        primary = self.report.measurements.get(self.primary_hand() or hands[-1], ms[-1])
        self.cite(subject)
        kind, _, name = subject.partition(".")
        if kind != "lines":
            # Mounts and shape are read on the leading hand; only lines are set side by side.
            return self.about(subject, primary)
        line = LineName(name)
        facts = [self.line_fact(subject, line, m) for m in ms]
        lead = f"{capitalise(DISPLAY[subject])}: "
        if all(f is None for f in facts):
            return f"{lead}{NOT_CLEAR} on either hand, so there is nothing to compare."
        lines = []
        for m, fact in zip(ms, facts, strict=True):
            lines.append(fact or f"On your {m.hand.value} palm it is {NOT_CLEAR}.")
        verdict = self.agreement(line, ms) if all(facts) else (
            "Seen clearly on one hand only, it cannot be compared; read the clear one."
        )
        sentences = self.entry_sentences(
            self.kb.for_line(line), primary, TOPIC_AREA.get(self.intent.topic)
        )
        return " ".join([lead + " ".join(lines), verdict, *sentences[:1]])

    @staticmethod
    def agreement(line: LineName, ms: Sequence[HandMeasurements]) -> str:
        a, b = (m.lines[line] for m in ms)
        same_end = a.end_zone == b.end_zone
        if a.length_ratio is not None and b.length_ratio is not None:
            longer = max(a.length_ratio, b.length_ratio)
            similar_length = abs(a.length_ratio - b.length_ratio) <= 0.15 * longer
        else:
            similar_length = True
        if same_end and similar_length:
            return "The two hands agree here, which the tradition counts as confirmation."
        if same_end:
            return (
                "Both end in the same place but differ in length: what you were born with and "
                "what you are making of it have drifted a little apart here."
            )
        return (
            "The two hands differ here: read the left as the starting point and the right as "
            "the direction you have taken."
        )
