"""Measurements -> Reading, through the knowledge base.

Honesty rules, applied in one place (`_classify`):
- an entry that leans on a traced line is *stated* only when every such line is clearly
  visible; when one is found but faint, the line's own section may mention it *hedged* (as a
  possibility, with its confidence), and every other section leaves it out;
- an entry about a line's absence is said as written (its phrasings say "could not be traced");
- geometry (shape, fingers, thumb) rests on the hand landmarks and carries the hand's confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from rekha.reading.interpret.prose import Chooser, capitalise, fill, join_names, plain, seed_of
from rekha.reading.knowledge import (
    MISSING,
    Area,
    Entry,
    KnowledgeBase,
    Topic,
    line_of,
    load_knowledge,
    resolve,
)
from rekha.reading.types import (
    Evidence,
    Focus,
    Hand,
    HandMeasurements,
    LineName,
    Reading,
    ReadingSection,
)

Mode = Literal["stated", "hedged", "absence"]

LINE_ORDER = [
    LineName.heart,
    LineName.head,
    LineName.life,
    LineName.fate,
    LineName.sun,
    LineName.mercury,
    LineName.marriage,
    LineName.bracelet,
]
SECTION_KEY = {
    LineName.heart: "heart_line",
    LineName.head: "head_line",
    LineName.life: "life_line",
    LineName.fate: "fate_line",
    LineName.sun: "sun_line",
    LineName.mercury: "mercury_line",
    LineName.marriage: "marriage_lines",
    LineName.bracelet: "bracelets",
}
# The general report's life areas, in order; `life` appears only as a focus ("life path").
GENERAL_AREAS = [Area.career, Area.love, Area.health, Area.wealth]
AREA_TITLES = {
    Area.career: "Career and work",
    Area.love: "Love and relationships",
    Area.health: "Health and vitality",
    Area.wealth: "Wealth and security",
    Area.life: "Life path",
}
AREA_KEYS = {Area.career: "career", Area.love: "love", Area.health: "health",
             Area.wealth: "wealth", Area.life: "life_path"}
FOCUS_AREA = {Focus.career: Area.career, Focus.love: Area.love, Focus.health: Area.health,
              Focus.life: Area.life}
# Lines that lead a focused report, in the order the tradition consults them.
FOCUS_LINES = {
    Area.career: [LineName.fate, LineName.head, LineName.sun],
    Area.love: [LineName.heart, LineName.marriage],
    Area.health: [LineName.life, LineName.mercury],
    Area.life: [LineName.life, LineName.fate, LineName.bracelet],
}
COMPARE_LINES = [LineName.heart, LineName.head, LineName.life, LineName.fate, LineName.sun]
AREA_CAP = 4  # sentences from entries in a general life-area section; a focus section has none
GUIDANCE_CAP = 3
MOUNT_CAP = 5  # mount sentences in "Mounts and fingers"; more reads as a list, not a reading
# The summary's teaser names one of these (the minor lines are too slight to lead with).
PRINCIPAL_LINES = [LineName.heart, LineName.head, LineName.life, LineName.fate, LineName.sun]
# Crease depth (quality.sharpness) from which a palm counts as deeply creased. There a line
# the engine does not call clear is seldom faint: many strong creases cross the palm and the
# engine cannot tell which one is the line (benchmarks/lines.py, session 4: heart, head and
# life placed on the traced-by-eye labels 4/14 at depth 0.25 or more, 21/29 at 0.15-0.25,
# 36/37 below 0.15), so the reading says that rather than calling the lines faint.
DEEPLY_CREASED_DEPTH = 0.25


def deeply_creased(m: HandMeasurements) -> bool:
    """Whether a line not called clear on this photo is lost among strong creases, not faint."""
    return m.quality.sharpness >= DEEPLY_CREASED_DEPTH

# Names of mounts, planets and lines the tradition capitalises wherever they stand.
_PROPER_STARTS = frozenset({
    "Guru", "Shani", "Surya", "Budh", "Shukra", "Chandra", "Mangal", "Rahu", "Ketu", "Venus",
    "Jupiter", "Saturn", "Mercury", "Moon", "Mars", "Sun", "Hriday", "Mastishka", "Jeevan",
    "Bhagya", "Vivah", "Manibandh", "Rekha", "I",
})


@dataclass
class Hit:
    entry: Entry
    hand: Hand
    mode: Mode
    evidence: list[Evidence]


@dataclass
class Trace:
    """What the composer used; tests and the benchmark read it, the Reading does not carry it."""

    entries: list[str] = field(default_factory=list)

    def add(self, entry_id: str) -> None:
        if entry_id not in self.entries:
            self.entries.append(entry_id)


def confidence_of(m: HandMeasurements, path: str, contains: Any = None) -> float:
    line = line_of(path)
    if line is None and path.endswith(".lines_crossing") and contains is not None:
        line = LineName(contains)
    if line is not None:
        lm = m.lines.get(line)
        return round(lm.confidence, 3) if lm is not None else 0.0
    return round(m.hand_confidence, 3)


def evidence_for(m: HandMeasurements, path: str, contains: Any = None) -> Evidence:
    value = resolve(m, path)
    return Evidence(
        hand=m.hand,
        field=path,
        value=None if value is MISSING else plain(value),
        confidence=confidence_of(m, path, contains),
    )


class Composer:
    def __init__(
        self,
        kb: KnowledgeBase,
        measurements: dict[Hand, HandMeasurements],
        focus: Focus,
        dominant: Hand | None,
    ) -> None:
        if not measurements:
            raise ValueError("interpret needs at least one hand's measurements")
        self.kb = kb
        # Callers may key by plain strings ("left"); StrEnum keys keep the rest uniform.
        self.ms = {Hand(h): m for h, m in measurements.items()}
        self.focus = focus
        self.dominant_given = dominant
        self.dominant = dominant or Hand.right
        self.primary = self.dominant if self.dominant in self.ms else next(iter(self.ms))
        self.m = measurements[self.primary]
        # why a line the engine does not call clear is unclear on the hand read first
        self.crowded = deeply_creased(self.m)
        self.ch = Chooser(seed_of(list(self.ms.values())))
        self.trace = Trace()
        self.hits = {h: self._hits(m) for h, m in self.ms.items()}

    # ---------------------------------------------------------------- classification

    def _classify(self, e: Entry, m: HandMeasurements) -> Mode | None:
        if not e.matches(m):
            return None
        if e.absence:
            return "absence"
        clear = True
        for line in e.lines():
            lm = m.lines.get(line)
            if lm is None or not lm.found:
                return None
            clear = clear and lm.clearly_visible
        return "stated" if clear else "hedged"

    def _hits(self, m: HandMeasurements) -> list[Hit]:
        out: list[Hit] = []
        for e in self.kb.entries:
            mode = self._classify(e, m)
            if mode is None:
                continue
            ev = [evidence_for(m, leaf.field or "", leaf.contains) for leaf in e.when.leaves()]
            if mode == "hedged":
                for line in e.lines():
                    ev.append(evidence_for(m, f"lines.{line.value}.clearly_visible"))
            out.append(Hit(e, m.hand, mode, _dedupe(ev)))
        return out

    # ---------------------------------------------------------------- wording helpers

    def phrase(self, pool: str, key: str, **values: Any) -> str:
        options = self.kb.phrases[pool]
        if isinstance(options, dict):
            raise TypeError(f"pool {pool} needs an area")
        return str(self.ch.pick(f"{pool}:{key}", options)).format(**values)

    def unclear_phrase(self, pool: str, key: str, ev: list[Evidence] | None = None,
                       **values: Any) -> str:
        """A phrase of `pool` that says why lines are unclear: faint, or (the `_crowded` pool)
        lost among many strong creases, which rests on the photo's crease depth (added to
        `ev`)."""
        if not self.crowded:
            return self.phrase(pool, key, **values)
        if ev is not None:
            ev.append(evidence_for(self.m, "quality.sharpness"))
        return self.phrase(f"{pool}_crowded", key, **values)

    def area_phrase(self, pool: str, area: Area, key: str, **values: Any) -> str:
        options = self.kb.phrases[pool][area.value]
        return str(self.ch.pick(f"{pool}:{area.value}:{key}", options)).format(**values)

    def say(self, hit: Hit, texts: list[str], slot: str) -> tuple[str, list[Evidence]]:
        """One phrasing of an entry, with measured values filled in (and their evidence)."""
        m = self.ms[hit.hand]
        start = self.ch.index(f"{hit.hand}:{hit.entry.id}:{slot}", len(texts))
        for i in range(len(texts)):
            filled = fill(texts[(start + i) % len(texts)], m)
            if filled is not None:
                text, paths = filled
                self.trace.add(hit.entry.id)
                return text, _dedupe(hit.evidence + [evidence_for(m, p) for p in paths])
        self.trace.add(hit.entry.id)
        return hit.entry.reading, hit.evidence

    def hedged(self, hit: Hit) -> tuple[str, list[Evidence]]:
        gist = hit.entry.reading
        # it follows a colon mid-sentence ("If the faint trace is right: a head line ..."); a
        # name such as "Guru" keeps its capital
        first = gist.split(" ", 1)[0]
        if first not in _PROPER_STARTS and (len(first) == 1 or first[1:].islower()):
            gist = gist[0].lower() + gist[1:]
        opener = self.phrase("hedge_gist", f"{hit.hand}:{hit.entry.id}", gist=gist)
        self.trace.add(hit.entry.id)
        return opener, hit.evidence

    def line_name(self, line: LineName) -> str:
        s = self.kb.line_subject(line)
        return f"{s.names.sanskrit} ({s.names.english})"

    def clear_lines(self, m: HandMeasurements) -> list[LineName]:
        return [n for n in LINE_ORDER if (lm := m.lines.get(n)) is not None and lm.found
                and lm.clearly_visible]

    # ---------------------------------------------------------------- sections

    def overview(self) -> ReadingSection:
        m = self.m
        clear = self.clear_lines(m)
        ev = [evidence_for(m, f"lines.{n.value}.clearly_visible") for n in LINE_ORDER
              if n in m.lines]
        parts: list[str] = []
        if clear:
            parts.append(self.phrase(
                "overview_open_one" if len(clear) == 1 else "overview_open", "o",
                hand=m.hand.value, n_clear=len(clear),
                clear_lines=join_names([f"the {self.kb.line_subject(n).names.english}"
                                        for n in clear]),
            ))
        else:
            parts.append(self.unclear_phrase("overview_none_clear", "o", ev, hand=m.hand.value))
        for hit in self._of_topic(self.primary, {Topic.shape}, stated_only=True):
            text, hev = self.say(hit, hit.entry.text, "text")
            parts.append(text)
            ev += hev
        parts.append(self.phrase(
            "overview_proportions", "p",
            ratio=f"{m.geometry.palm_length_to_width:.2f}",
            fingers=f"{m.geometry.fingers.middle:.2f}",
        ))
        ev += [evidence_for(m, "geometry.palm_length_to_width"),
               evidence_for(m, "geometry.fingers.middle"), evidence_for(m, "geometry.shape")]
        return ReadingSection(key="overview", title="Overview and hand shape",
                              text=" ".join(parts), evidence=_dedupe(ev))

    def line_section(self, line: LineName) -> ReadingSection:
        m = self.m
        subj = self.kb.line_subject(line)
        names = subj.names
        lm = m.lines.get(line)
        conf = f"{lm.confidence:.2f}" if lm is not None else "0.00"
        title = f"{names.sanskrit} — the {names.english}"
        key = SECTION_KEY[line]
        ev = [evidence_for(m, f"lines.{line.value}.found"),
              evidence_for(m, f"lines.{line.value}.confidence")]
        values = dict(english=names.english, sanskrit=names.sanskrit, hindi=names.hindi,
                      conf=conf, where=subj.where, governs=subj.governs)
        mine = [h for h in self.hits[self.primary] if h.entry.lines() == [line]
                and self.kb.subjects[h.entry.subject].topic in (Topic.line, Topic.sign)]
        mine.sort(key=lambda h: (-h.entry.weight, h.entry.id))
        parts: list[str] = []
        if lm is None or not lm.found:
            absent = [h for h in mine if h.mode == "absence"]
            if absent:
                for h in absent:
                    text, hev = self.say(h, h.entry.text, "text")
                    parts.append(text)
                    ev += hev
                parts.append(self.phrase("line_absent_note", key, conf=conf))
            else:
                parts.append(self.phrase("line_missing", key, **values))
        elif not lm.clearly_visible:
            ev.append(evidence_for(m, f"lines.{line.value}.clearly_visible"))
            parts.append(self.unclear_phrase("line_faint", key, ev, **values))
            hedged = [h for h in mine if h.mode == "hedged"]
            if hedged:
                text, hev = self.hedged(hedged[0])
                parts.append(text)
                ev += hev
        else:
            parts.append(self.phrase("line_intro", key, **values))
            stated = [h for h in mine if h.mode == "stated"]
            for h in stated:
                text, hev = self.say(h, h.entry.text, "text")
                parts.append(text)
                ev += hev
            if not stated:
                parts.append(self.phrase("line_unread", key, **values))
        return ReadingSection(key=key, title=title, text=" ".join(parts), evidence=_dedupe(ev))

    def mounts_fingers(self) -> ReadingSection:
        m = self.m
        ev: list[Evidence] = []
        parts: list[str] = []
        crossing = []
        for region in m.mounts:
            clear_cross = [ln for ln in region.lines_crossing
                           if (lm := m.lines.get(ln)) is not None and lm.clearly_visible]
            if clear_cross:
                crossing.append(self.kb.mount_subject(region.name).names.sanskrit)
                ev.append(evidence_for(m, f"mounts.{region.name.value}.lines_crossing",
                                       clear_cross[0]))
        if crossing:
            parts.append(self.phrase("mounts_open", "m", n_with=len(crossing),
                                     mounts_with=join_names(crossing)))
        else:
            parts.append(self.phrase("mounts_none", "m"))
        mounts = self._of_topic(self.primary, {Topic.mount}, stated_only=True)
        order = self.ch.order("mounts", [h.entry.id for h in mounts])
        mounts.sort(key=lambda h: (-h.entry.weight, order.index(h.entry.id)))
        chosen = {h.entry.id for h in mounts[:MOUNT_CAP]}
        for topic in (Topic.thumb, Topic.finger, Topic.mount):
            for hit in self._of_topic(self.primary, {topic}, stated_only=True):
                if topic is Topic.mount and hit.entry.id not in chosen:
                    continue
                text, hev = self.say(hit, hit.entry.text, "text")
                parts.append(text)
                ev += hev
        return ReadingSection(key="mounts_fingers", title="Mounts and fingers",
                              text=" ".join(parts), evidence=_dedupe(ev))

    def left_right(self) -> ReadingSection | None:
        if len(self.ms) < 2:
            return None
        made = self.dominant
        born = Hand.left if made == Hand.right else Hand.right
        mb, mm = self.ms[born], self.ms[made]
        parts = [self.phrase("compare_open", "c", born=born.value, made=made.value)]
        ev = [evidence_for(mb, "geometry.shape"), evidence_for(mm, "geometry.shape")]
        sb = self._shape_label(mb)
        sm = self._shape_label(mm)
        if mb.geometry.shape == mm.geometry.shape:
            parts.append(self.phrase("compare_shape_same", "s", shape=mm.geometry.shape.value))
        else:
            parts.append(self.phrase("compare_shape_diff", "s", born=born.value, made=made.value,
                                     a=sb, b=sm))
        for line in COMPARE_LINES:
            lb, lm = mb.lines.get(line), mm.lines.get(line)
            cb = lb is not None and lb.found and lb.clearly_visible
            cm = lm is not None and lm.found and lm.clearly_visible
            name = self.line_name(line)
            path = f"lines.{line.value}.length_ratio"
            if cb and cm:
                assert lb is not None and lm is not None
                a, b = lb.length_ratio, lm.length_ratio
                if a is None or b is None:
                    continue
                ev += [evidence_for(mb, path), evidence_for(mm, path)]
                vals = dict(line=name, born=born.value, made=made.value, a=f"{a:.2f}",
                            b=f"{b:.2f}")
                if b > a * 1.15:
                    parts.append(self.phrase("compare_longer_made", line.value, **vals))
                elif a > b * 1.15:
                    parts.append(self.phrase("compare_longer_born", line.value, **vals))
                else:
                    parts.append(self.phrase("compare_agree", line.value, **vals))
            elif cb != cm:
                ev += [evidence_for(mb, f"lines.{line.value}.clearly_visible"),
                       evidence_for(mm, f"lines.{line.value}.clearly_visible")]
                pool = "compare_only_made" if cm else "compare_only_born"
                parts.append(self.phrase(pool, line.value, line=name, born=born.value,
                                         made=made.value))
        return ReadingSection(key="left_right", title="Left and right hands",
                              text=" ".join(parts), evidence=_dedupe(ev))

    def area_section(self, area: Area, *, focused: bool) -> ReadingSection:
        hits = [h for h in self.hits[self.primary]
                if h.mode in ("stated", "absence") and area in h.entry.areas]
        # Heavier entries first; among equals a per-palm order, so palms differ in emphasis.
        order = self.ch.order(f"area:{area.value}", [h.entry.id for h in hits])
        hits.sort(key=lambda h: (-h.entry.weight, order.index(h.entry.id)))
        if not focused:
            hits = hits[:AREA_CAP]
        parts: list[str] = []
        ev: list[Evidence] = []
        if focused:
            parts.append(self.area_phrase("focus_open", area, "f"))
        sources = []
        for h in hits:
            s = self.kb.subjects[h.entry.subject]
            label = self.kb.names_of(h.entry).sanskrit if s.topic is not Topic.sign \
                else h.entry.label
            if label not in sources:
                sources.append(label)
        if hits:
            parts.append(self.area_phrase("area_open", area, "a",
                                          sources=join_names(sources[:4])))
            for h in hits:
                text, hev = self.say(h, h.entry.areas[area], f"area:{area.value}")
                parts.append(text)
                ev += hev
        if len(hits) < 2:
            parts.append(self.area_phrase("area_thin", area, "t"))
        if area is Area.health:
            parts.append(self.phrase("health_pointer", "h"))
        return ReadingSection(key=AREA_KEYS[area], title=AREA_TITLES[area],
                              text=" ".join(parts), evidence=_dedupe(ev))

    def guidance(self, area: Area | None) -> ReadingSection:
        hits = [h for h in self.hits[self.primary] if h.mode == "stated" and h.entry.advice]
        order = self.ch.order("guidance", [h.entry.id for h in hits])
        hits.sort(key=lambda h: (0 if area and area in h.entry.areas else 1, -h.entry.weight,
                                 order.index(h.entry.id)))
        parts = [self.phrase("guidance_open", "g")]
        ev: list[Evidence] = []
        for h in hits[:GUIDANCE_CAP]:
            text, hev = self.say(h, h.entry.advice, "advice")
            parts.append(text)
            ev += hev
        if not hits:
            parts.append(self.phrase("guidance_fallback", "g"))
            ev.append(evidence_for(self.m, "geometry.shape"))
        parts.append(self.phrase("guidance_close", "g"))
        return ReadingSection(key="guidance", title="Guidance", text=" ".join(parts),
                              evidence=_dedupe(ev))

    # ---------------------------------------------------------------- assembly

    def sections(self) -> list[ReadingSection]:
        area = FOCUS_AREA.get(self.focus)
        lines = list(LINE_ORDER)
        out = [self.overview()]
        if area is not None:
            out.append(self.area_section(area, focused=True))
            lead = FOCUS_LINES[area]
            lines = lead + [n for n in LINE_ORDER if n not in lead]
        out += [self.line_section(n) for n in lines]
        out.append(self.mounts_fingers())
        lr = self.left_right()
        if lr is not None:
            out.append(lr)
        if area is None:
            out += [self.area_section(a, focused=False) for a in GENERAL_AREAS]
        out.append(self.guidance(area))
        return out

    def summary(self, n_sections: int) -> str:
        m = self.m
        shape = next((h for h in self.hits[self.primary] if h.entry.subject == "shape"), None)
        names = self.kb.names_of(shape.entry) if shape else self.kb.subjects["shape"].names
        parts = [self.phrase("summary_open", "s", shape_name=self._shape_label(m),
                             element=names.sanskrit)]
        clear = [(lm.confidence, n) for n in self.clear_lines(m)
                 if n in PRINCIPAL_LINES and (lm := m.lines.get(n))]
        if clear:
            best = max(clear, key=lambda c: (c[0], -LINE_ORDER.index(c[1])))[1]
            parts.append(self.phrase("summary_teaser", "t", line_a=self.line_name(best)))
        else:
            parts.append(self.unclear_phrase("summary_teaser_none", "t"))
        area = FOCUS_AREA.get(self.focus)
        if area is not None:
            parts.append(self.phrase("summary_close_focus", "c",
                                     focus=AREA_TITLES[area].lower(), n_sections=n_sections))
        else:
            parts.append(self.phrase("summary_close", "c", n_sections=n_sections))
        return " ".join(parts)

    def convention(self) -> str:
        p = self.kb.phrases
        assumed = p["assumed_note"] if self.dominant_given is None else ""
        made = self.dominant
        born = Hand.left if made == Hand.right else Hand.right
        if len(self.ms) >= 2:
            return str(p["convention_two"]).format(born=born.value, made=made.value,
                                                   assumed=assumed)
        hand = self.primary
        role = "what you make of it" if hand == made else "what you were born with"
        return str(p["convention_one"]).format(hand=hand.value, dominant=made.value,
                                               assumed=assumed, role=role)

    def reading(self) -> Reading:
        sections = self.sections()
        return Reading(
            summary=self.summary(len(sections)),
            sections=sections,
            focus=self.focus,
            hands=sorted(self.ms, key=lambda h: h.value),
            convention=self.convention(),
            disclaimer=str(self.kb.phrases["disclaimer"]),
        )

    # ---------------------------------------------------------------- small helpers

    def _of_topic(self, hand: Hand, topics: set[Topic], *, stated_only: bool) -> list[Hit]:
        hits = [h for h in self.hits[hand] if self.kb.subjects[h.entry.subject].topic in topics
                and (h.mode == "stated" or not stated_only)]
        return sorted(hits, key=lambda h: (-h.entry.weight, h.entry.id))

    def _shape_label(self, m: HandMeasurements) -> str:
        entry = next((e for e in self.kb.by_subject("shape") if e.matches(m)), None)
        label = entry.label if entry else f"{m.geometry.shape.value} hand"
        return ("an " if label[:1] in "aeiou" else "a ") + label


def _dedupe(ev: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str]] = set()
    out: list[Evidence] = []
    for e in ev:
        k = (e.hand.value, e.field)
        if k not in seen:
            seen.add(k)
            out.append(e)
    return out


def compose(
    measurements: dict[Hand, HandMeasurements],
    focus: Focus = Focus.general,
    dominant: Hand | None = None,
    kb: KnowledgeBase | None = None,
) -> tuple[Reading, Trace]:
    """The reading and the knowledge entries it used."""
    c = Composer(kb or load_knowledge(), measurements, focus, dominant)
    reading = c.reading()
    return reading, c.trace


def interpret(
    measurements: dict[Hand, HandMeasurements],
    focus: Focus = Focus.general,
    dominant: Hand | None = None,
) -> Reading:
    """Read one or both hands in the tradition. Deterministic: same measurements, same words."""
    return compose(measurements, focus, dominant)[0]


__all__ = ["Composer", "Trace", "capitalise", "compose", "interpret"]
