"""The prompt guard on hand-written probes: `python -m benchmarks.prompt_probes SET`.

Two things the public sets of `benchmarks.prompt_safety` do not cover, each probed by a
small set of prompts in `benchmarks/data/`, written for the check before the guard's
results on them were read and not changed after:

- `multilingual` (`multilingual_probes.tsv`, grouped by language): no public set of image
  prompts labelled for safety covers other languages. 294 prompts in 26 languages, as many
  unsafe as benign in each: at first five and five in each of nine languages, then more in
  some of them and two and two in fifteen more, then four and four on self-harm and
  shootings in eight, two and two on nudity in Thai and Hebrew, and two and two on hate in
  the eight, then one and one on suicide in ten. The semantic classifier reads English
  only (it sees other scripts transliterated), so what is caught there is mostly the
  blocklists' doing.
- `everyday` (`everyday_probes.tsv`, grouped by topic): what people ask an image Space for
  every day near the policy's rules (kitchens, Halloween, hunting, hospitals, history,
  sports, toys, beaches, babies, art, pets, work, fantasy, people, children, wellbeing,
  crime, plain words, hate symbols, people the requester knows, privacy, figures of
  speech, costumes, remembrance, young people, euphemisms, forgery, how-tos, attacks,
  sexual violence, animals, extremism, tropes, domestic abuse, scams, sex with animals or the
  dead with terrorist executions, eating disorders, trafficking, elections, fake news, health
  misinformation, dangerous challenges, cannibalism, torture, threats, doxxing, animal
  fights, bullying, hate claims, swatting, kidnapping, shooters, grooming, abuse of children,
  self-harm, harassment, news photos, crime adverts, stalking, hate captions, drug use), 1,341
  benign prompts with 956 plainly unsafe ones on the same topics.
  The public benign sets are captions or art-site prompts; these are the scenes on which
  the classifier was seen to be sure of itself and wrong ("a butcher cutting meat", 0.98
  for graphic violence). The first 117 rows were written together; the next 60 after their
  results were read, before any change they led to, and were read once, after it; the next
  20 (children at play and hurt) were written before they were first read, with no change
  since; the next 18 (self-harm, and prevention posters, hangman and rope swings) and the
  next 18 (killings in plain words, and idioms and scenes near them) were written before
  the lists changed for them; the next 38 (self-harm and killings in words no list names,
  and 20 benign twins) were read before policy 2026-12-06.7, whose entries were chosen
  after reading them; the next 26 (hate codes, slogans and Holocaust denial, and the same
  numbers, symbols and words in everyday use) were written before the lists changed for
  them, and the next 17 just after, and read once; the next 36 (people named by how the
  requester knows them, mocked, sexualised or hurt, and in ordinary scenes) were written
  before the policy changed for them, and the next 16 just after, and read once; the next 13
  (voyeurism, and hidden cameras, fitting rooms and showers in everyday use) were written
  before the lists changed for them, and the next 8 just after, and read once; the next 42
  (figures of speech and everyday names that read as harm, and unsafe twins that use the
  same words literally) were read before the allowlist gave the classifier their plain
  meaning, and the next 16 were written just after, and read once; the next 17 (Halloween
  costumes, and gore and nudity in costume) were written before the allowlist read
  costumes as costumes, and that reading was changed after they were read; the next 63
  (memorials, museums and the history of slavery, genocides, the Holocaust and mass
  shootings, and praise or mockery of them) were read before the lists changed for them,
  the next 11 (shootings described around a memorial's words) while the allowlist's
  phrases for them were drafted, and the next 14 just after the change, read once; the
  next 26 (children and teenagers described in suggestive words, and in swimsuits,
  leotards and nightgowns in everyday scenes) were read before the lists changed for them,
  and the next 14 just after, read once; the next 30 (nudity and sex in euphemisms, and
  the same words in their everyday senses) were read before the lists changed for them,
  and the next 14 just after, read once; the next 38 (forged documents and counterfeit
  money, and documents, money and forged art in everyday scenes) were read before the
  forgery rule was written, and the next 14 just after, read once; the next 39 (how-tos
  for weapons, explosives and drugs, weapons of mass harm, and how-tos, weapons and drugs
  in everyday scenes) were read before the lists changed for them, and the next 14 just
  after, read once; the next 24 (attacks on crowds, and crowds, vehicles and the same verbs
  in everyday scenes) were read before the lists changed for them, and the next 14 just
  after, read once; the next 3 (remembrance of such attacks) were written after that, and
  read once; the next 26 (rape, sexual assault, groping and drugging, and the crop, classical
  titles, crisis lines and self-defence classes) were read before the lists changed for them,
  and the next 14 just after, read once; the next 21 (cruelty to animals, and animals in
  everyday scenes beside the same verbs) were read before the lists changed for them, and the
  next 14 just after, read once; the next 16 (praise of terrorist groups and recruitment for
  them, and the same groups in news and history) were read before the lists changed for
  them, and the next 14 just after, read once; the next 14 (antisemitic conspiracy tropes
  drawn as pictures, and puppets, octopuses and Jewish life) were read before the lists
  changed for them, and the next 14 just after, read once; the next 31 (domestic and child
  abuse, and families in everyday scenes beside the same verbs) were read before the lists
  changed for them, the next 14 (families at play) after a first draft, and the next 14 just
  after the change, read once; the next 24 (phishing pages and scam messages, and screens,
  gift cards and the same words in everyday use) were read before the lists changed for
  them, the next 10 after a first draft, and the next 14 just after the change, read once;
  the next 14 (bestiality, necrophilia and terrorist execution videos, and a necropolis, a
  zoo and orange jumpsuits in everyday scenes) were read before the lists changed for them;
  the next 56 (eating disorders, trafficking and election deception, and meals, campaigns
  and polling stations in everyday scenes) were read before the lists changed for them, 18
  of them after a first draft, and the next 14 just after the change, read once; the next 12
  (fake news screenshots and statements, and newspapers and news studios) were read before
  the lists changed for them, and the next 7 just after, read once; the next 77 (health
  misinformation, dangerous challenges, cannibalism, torture, threats and doxxing, and
  vaccines, laundry pods, meals, nail salons, notes and addresses in everyday scenes) were
  read before the lists changed for them, the next 37 after a first draft, and the next 28
  just after the change, read once; the next 3 (a prize check and a lottery ticket as props,
  and a real grant letter) were read while the entries for fake prizes, grants and notices
  were drafted, after which earlier scam and fake news probes were blocked; the next 34
  (animal fights, grooming, bullying captions, hate claims, drugs and swatting, with
  everyday twins) were read before the lists changed for them, the next 10 after a first
  draft, and the next 14 just after the change, read once; the next 31 (kidnapping, incest,
  praise of mass killers, martyrdom, gore and self-harm in plain words, with everyday twins)
  were read before the lists changed for them, the next 7 after a first draft, and the next
  8 just after the change, read once; the next 24 (grooming and luring a child, and children
  with parents, coaches, Santa and strangers' cars in everyday scenes) were read before the
  lists changed for them, the next 12 after a first draft, and the next 6 (ice cream vans,
  fairy tales, a parade) just after the change, read once; the next 22 (suicide shown by its
  means and moment in plain words, and bridges, ledges, garages and pills in everyday scenes)
  were read before the lists changed for them, and the next 6 just after the change, read
  once; the next 10 (health claims about cell towers, enemas and cleanses, and towers, juice
  bars and chemotherapy in everyday scenes) were written just after the lists changed for
  three earlier health probes, and read once; the next 18 (posters, charts and cartoons that
  debunk a health claim, and the claims stated as fact) were read before the allowlist read a
  debunking poster as a fact check, and the next 8 just after the change, read once; the next
  8 (towers making "your" children sick, cancer cured by an enema, and juice, masts and
  autism in everyday scenes) were read before the lists changed for them, and the next 6
  just after the change, read once; the next 15 (a child named by age, befriended, messaged
  or asked to meet alone, and ages, teachers and parents in everyday scenes) were read before
  the lists changed for them, and the next 9 just after the change, read once; the next 18
  (overdoses, ropes, falls, blasts, cruelty and a lifted skirt in other plain words, and
  pills, ropes, docks, bellies and wind in everyday scenes) were written just after the
  lists changed for ten earlier probes, and read once; the next 24 (memorials, documentaries
  and lessons about the Holocaust, genocides and attacks named by place, and denial, mockery
  and praise of them) were read before the lists changed for them, and the next 14 just after
  the change, read once; the next 24 (people the requester knows in their underwear, a
  sexualised costume or a death wish, and the same people and garments in everyday scenes)
  were read before the lists changed for them, and the next 14 just after the change, read
  once; the next 28 (stabbings, blows to the head, throats slit, acid thrown and guns held to
  one's own head or aimed at classmates, and forks, fencers, barbers and hunters in everyday
  scenes) were read before the lists changed for them, and the next 14 just after the change,
  read once; the next 14 (bodies torn apart, goodbye notes, bombs on crowds, shooters praised
  by place, neglect and caricature, and zebras, spitfires, water balloons and junk drawers)
  were written after the lists changed for 17 earlier probes, and read once; the next 14
  (nerf guns, bomb squads, 911 calls, fentanyl talks and clowns, and the same words in harm)
  were written after the allowlist gave those words plain meanings, and read once; the next 8
  (vigils and flowers where a car plowed into a crowd, and joy at the moment) were written
  after the allowlist read them as remembrance, and read once; the next 14 (eight more harms
  from earlier probes in other words, and bridges, breakfasts, showers and receipts in everyday
  scenes) were written after the lists changed for those eight, and read once; the next 12
  (threats in notes, letters and messages, and the same words in posters, fortune cookies and
  lunch orders) were read before the lists changed for them, and the next 8 just after the
  change, read once; the next 38 (children abused in plain words, and children in swimsuits,
  baths, changing rooms and on laps) were read before the policy and the lists changed for
  them, and the next 24 just after the change, read once; the next 14 (more of the same, and
  tents, massages, socks and boots) were written after the lists changed for five of those
  24, and read once; the next 14 (pupils, altar boys and scouts, and a teacher's kiss, a
  coach's trophy and a midnight snack) were written after the lists changed for three of
  those 14, and read once; the next 14 (men alone with children, hands, showers and
  massages, and grandfathers, driving lessons and physios) were written after the lists
  changed for four earlier ones, and read once; the next 14 (children named by age alone, in
  digits or words) were written after a child's age became a child's word, and read once; the
  next 59 (suicide and self-harm by their means, and pills, razors, ropes, ledges and notes in
  everyday scenes) were read before the lists changed for them, and the next 14 just after the
  change, read once; the next 60 (insults and put-downs written on pictures of people, and
  captions, cards and posters about no one in particular) were read before the lists and the
  policy changed for them, and the next 14 just after the change, read once; the next 29
  (eating disorders shown without their own words, and scales, tape measures, laxatives and
  food diaries in everyday scenes) were read before the lists changed for them, and the next
  14 just after the change, read once; the next 29 (abuse of partners, children and parents
  told with the harm first or the means between, and the same verbs and places in family
  life) were read before the lists changed for them, and the next 14 just after the change,
  read once; the next 24 (news photos of disasters and attacks at real places, and landmarks,
  news photos and disasters in everyday use) were read before the policy changed for them, and
  the next 14 just after the change, read once; the next 28 (drugs, guns, stolen goods,
  ivory and a hitman offered for sale or hire, and lawful adverts, listings and job posters)
  were read before the policy changed for them, and the next 14 just after the change, read
  once; the next 9 (figures of speech and landmarks' models in news photos of real places)
  were written to try the rule on fabricated news once it was drafted, and read before the
  allowlist gave them their plain sense; the next 10 (ivory-coloured dresses, lean beef, the
  Hitman games, recovered stolen bikes, a grandmother's card, a dog in flea season and a dad
  shoved into a pool) were written to try the other new entries and contexts the same way;
  the next 28 (stalking: a person watched, followed, tracked or photographed in secret, and
  windows, trackers, drones and walks home in everyday scenes) were read before the lists
  changed for them, and the next 14 just after the change, read once; the next 27 (groups put
  down in captions and slogans in plain words, and the same groups with kind captions) were
  read before the lists changed for them, and the next 14 just after the change, read once;
  the next 28 (drug use sold as fun and to children, and parties, powder, glue and cough syrup
  in everyday scenes) were read before the lists changed for them, and the last 14 just after
  the change, read once.

Small and hand-made: probes of coverage, not measures of recall.
"""

from __future__ import annotations

import argparse
import csv
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from benchmarks.prompt_safety import POLICY
from safety.guard import build_prompt_guard
from safety.policy import load_policy
from safety.prompt_datasets import SAFE
from safety.verdict import Action, Verdict

DATA = Path(__file__).resolve().parent / "data"
PROBE_SETS = {
    "multilingual": DATA / "multilingual_probes.tsv",
    "everyday": DATA / "everyday_probes.tsv",
}


@dataclass(frozen=True)
class Probe:
    group: str  # a language, or a topic
    label: str  # a policy category, or "safe"
    prompt: str


def load_probes(name: str) -> list[Probe]:
    with PROBE_SETS[name].open(newline="", encoding="utf-8") as handle:
        return [Probe(**row) for row in csv.DictReader(handle, delimiter="\t")]


@dataclass(frozen=True)
class GroupRow:
    group: str
    unsafe: int
    blocked: int  # unsafe prompts blocked, under any rule
    as_labelled: int  # of those, under the rule they were labelled with
    benign: int
    benign_blocked: int
    benign_warned: int  # drawn with a warning notice


def tabulate(probes: Sequence[Probe], verdicts: Sequence[Verdict]) -> list[GroupRow]:
    """One row per group, in the order the groups first appear."""
    rows = []
    for group in dict.fromkeys(p.group for p in probes):
        pairs = [(p, v) for p, v in zip(probes, verdicts, strict=True) if p.group == group]
        unsafe = [(p, v) for p, v in pairs if p.label != SAFE]
        benign = [v for p, v in pairs if p.label == SAFE]
        rows.append(
            GroupRow(
                group=group,
                unsafe=len(unsafe),
                blocked=sum(not v.allowed for _, v in unsafe),
                as_labelled=sum(not v.allowed and v.category == p.label for p, v in unsafe),
                benign=len(benign),
                benign_blocked=sum(not v.allowed for v in benign),
                benign_warned=sum(v.action is Action.WARN for v in benign),
            )
        )
    return rows


def total(rows: Sequence[GroupRow]) -> GroupRow:
    """All groups summed into one row."""
    counts = [f.name for f in fields(GroupRow) if f.name != "group"]
    return GroupRow("all", **{name: sum(getattr(r, name) for r in rows) for name in counts})


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("probes", choices=sorted(PROBE_SETS), help="which set of probes")
    parser.add_argument("--explain", action="store_true", help="print each prompt's verdict")
    args = parser.parse_args(argv)
    print("command: python -m benchmarks.prompt_probes " + shlex.join(sys.argv[1:]))
    probes = load_probes(args.probes)
    guard = build_prompt_guard(load_policy(POLICY))
    verdicts = [guard.check(p.prompt) for p in probes]
    if args.explain:
        for probe, verdict in zip(probes, verdicts, strict=True):
            print(
                f"{probe.group:<12}  {probe.label:<16}  {verdict.action.value:<5}  "
                f"{verdict.category or '-':<22}  {probe.prompt}"
            )
        print()
    print("group         unsafe blocked  under its rule  benign blocked  benign warned")
    rows = tabulate(probes, verdicts)
    for row in [*rows, total(rows)]:
        print(
            f"{row.group:<12}  {row.blocked:>6} of {row.unsafe:<3}  {row.as_labelled:>6} of "
            f"{row.unsafe:<3}  {row.benign_blocked:>7} of {row.benign:<3}  "
            f"{row.benign_warned:>6} of {row.benign:<3}"
        )


if __name__ == "__main__":
    main()
