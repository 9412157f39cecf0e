"""Fill the board with believable, kind demo content.

    manage.py seed_demo                      # ~40 requests, 12 people
    manage.py seed_demo --if-empty           # what `make run` does: only on an empty board
    manage.py seed_demo --requests 100000    # a big board for benchmarks (bulk inserts)

Everything is planned first (who asks what, who offers, how it ends), then
written either through the services (small boards, so demo data follows the
same rules as real use) or with bulk inserts in batches (large boards, or
`--bulk`). Both writers produce the same shape of data: `offer_count` is the
number of non-withdrawn offers, a matched or resolved request has exactly one
accepted offer, nobody offers on their own request.

Demo people sign in with their example.org address and DEMO_PASSWORD. Running
the command again reuses them (by email) and adds more requests.
"""

from __future__ import annotations

import logging
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from notifications.models import Notification
from requests import services
from requests.models import Category, HelpRequest, Message, Offer, new_public_id

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (printed on purpose: demo accounts only)
DEMO_DOMAIN = "example.org"

# Up to this many requests go through the services; more are bulk-inserted.
SERVICES_LIMIT = 200
# A progress bar from this many requests on.
PROGRESS_FROM = 1000
BATCH_SIZE = 2000

Status = HelpRequest.Status
Kind = HelpRequest.ResponseKind
LISTEN, PRACTICAL, ADVICE = Kind.LISTEN.value, Kind.PRACTICAL.value, Kind.ADVICE.value

# --- Words ---------------------------------------------------------------------------

FIRST_NAMES = [
    "Maya", "Sam", "Priya", "Tom", "Aisha", "Jonas", "Leila", "Kwame", "Aiko", "Rosa",
    "Dev", "Hannah", "Mateo", "Nia", "Oskar", "Fatima", "Liam", "Mei", "Tariq", "Grace",
    "Yusuf", "Elena", "Ben", "Amara", "Finn", "Ines", "Noah", "Zara", "Ravi", "Chloe",
    "Kofi", "Lucia", "Ewan", "Sofia", "Idris", "Maja", "Arjun", "Tess", "Omar", "Hana",
    "Felix", "Ada", "Jamal", "Iris", "Luca", "Noor", "Declan", "Esme", "Hugo", "Wanjiru",
    "Pedro", "Freya", "Sanjay", "Ruth", "Kai", "Anneke", "Malik", "Bea", "Theo", "Yara",
]  # fmt: skip
INITIALS = "ABCDEFGHJKLMNOPRSTVW"

CITIES = [
    "a new city", "Manchester", "Glasgow", "Bristol", "Leeds", "Cardiff", "Belfast",
    "Brighton", "Newcastle", "a small town up north", "Norwich", "Edinburgh",
]  # fmt: skip
DAYS = [
    "on Saturday", "this Saturday morning", "on Sunday afternoon", "next weekend",
    "on Friday evening", "one evening this week", "next Tuesday", "on Thursday",
]  # fmt: skip


@dataclass(frozen=True)
class Topic:
    titles: tuple[str, ...]
    situations: tuple[str, ...]
    kinds: tuple[str, ...]  # the kinds of response this usually asks for, most likely first


def T(titles, situations, kinds) -> Topic:  # a short constructor for the table below
    return Topic(tuple(titles), tuple(situations), tuple(kinds))


TOPICS: dict[str, list[Topic]] = {
    "someone-to-talk-to": [
        T(
            ["Feeling isolated since moving to {city}", "Lonely since moving to {city}"],
            [
                "I moved to {city} for work a couple of months ago and I don't really know "
                "anyone yet.",
                "Since moving to {city} I can go from Friday to Monday without really "
                "talking to anyone, and it's starting to get to me.",
            ],
            [LISTEN, ADVICE],
        ),
        T(
            ["Finding evenings hard after a breakup", "Struggling a bit after a breakup"],
            [
                "My partner and I separated after six years and the flat feels very quiet.",
                "We broke up a few weeks ago. It was the right thing, but I miss having "
                "someone to tell about my day.",
            ],
            [LISTEN],
        ),
        T(
            ["Grief is catching me off guard lately", "Missing my mum more than I expected"],
            [
                "It's been a year since my mum died and lately it's hitting harder, not easier.",
                "Little things keep setting me off: a song in a shop, her handwriting on an "
                "old birthday card.",
            ],
            [LISTEN],
        ),
        T(
            ["Could use a friendly voice tonight", "Just need to talk to someone for a bit"],
            [
                "Nothing is wrong exactly, I've just had a long, heavy week and my head is full.",
                "It's been one of those weeks where everything piles up at once.",
            ],
            [LISTEN],
        ),
        T(
            ["New parent feeling a bit lost", "Ten weeks into parenthood and wobbling"],
            [
                "Our baby is ten weeks old and I love her to bits, but I feel like I've lost "
                "track of who I am.",
                "Everyone says it gets easier. Right now I'm running on very little sleep and "
                "feel a bit cut off from the world.",
            ],
            [LISTEN, ADVICE],
        ),
        T(
            ["Caring for my dad and feeling worn out", "Tired from looking after my dad"],
            [
                "I've been my dad's main carer since his stroke last year. I don't regret it, "
                "but I'm exhausted.",
                "Between work and looking after my dad I haven't had an evening to myself "
                "in months.",
            ],
            [LISTEN, ADVICE],
        ),
        T(
            ["Feeling left out of my friend group", "Drifting away from old friends"],
            [
                "My friends have started meeting up without me and I don't know if I did "
                "something wrong.",
                "Most of my friends have moved away or had kids, and I'm not sure where I "
                "fit any more.",
            ],
            [LISTEN, ADVICE],
        ),
        T(
            ["Nervous about a hospital appointment {day}"],
            [
                "I have a scan {day} and I keep imagining the worst.",
                "It's probably routine, but the waiting is the hard part and I'd love to take "
                "my mind off it.",
            ],
            [LISTEN],
        ),
    ],
    "practical-help": [
        T(
            [
                "Could someone help me carry boxes {day}?",
                "Moving flat {day}, could use a spare pair of hands",
            ],
            [
                "I'm moving to a flat two streets away. Most things are packed, but a few "
                "boxes and a bookcase are too heavy for me on my own.",
                "I'm moving {day} and my friend who was going to help has had to cancel.",
            ],
            [PRACTICAL],
        ),
        T(
            ["Help putting together a flat-pack bed frame", "Flat-pack furniture has beaten me"],
            [
                "The instructions have defeated me twice now. I have all the tools, just not "
                "the patience or a second pair of hands.",
                "I've been sleeping on a mattress on the floor for a week because the bed "
                "frame needs two people.",
            ],
            [PRACTICAL],
        ),
        T(
            ["Looking for someone to help tidy a small garden", "Garden has got away from me"],
            [
                "I've been unwell this spring and the garden has become a bit of a jungle.",
                "It's a small back garden, mostly weeding and cutting back a hedge. I can "
                "provide tea and biscuits.",
            ],
            [PRACTICAL],
        ),
        T(
            ["Help hanging curtains and a couple of shelves"],
            [
                "My arm is in a sling for another month and the new flat still has bare windows.",
                "I have the brackets, the drill and the shelves, but I'm nervous about "
                "drilling into the wall myself.",
            ],
            [PRACTICAL, ADVICE],
        ),
        T(
            ["Someone to help me set up my new phone", "Help moving my photos to a new phone"],
            [
                "My old phone finally gave up and the new one is a bit beyond me.",
                "I'd really like to keep my photos of the grandchildren and I'm scared of "
                "losing them.",
            ],
            [PRACTICAL],
        ),
        T(
            [
                "Help filling in a long benefits form",
                "Could someone sit with me while I do a form?",
            ],
            [
                "The form is twenty pages long and I keep worrying I'll get something wrong.",
                "Forms make me freeze up. Having someone beside me, even on a video call, "
                "would make it feel possible.",
            ],
            [PRACTICAL, ADVICE],
        ),
        T(
            ["Could anyone lend a drill for an afternoon?", "Borrowing a ladder for an hour"],
            [
                "I only need it for one small job and it seems silly to buy one.",
                "I'm happy to collect it and bring it straight back the same day.",
            ],
            [PRACTICAL],
        ),
    ],
    "advice": [
        T(
            [
                "Advice on talking to my manager about burnout",
                "How do I tell my manager I'm burning out?",
            ],
            [
                "I've been working late most nights for months and I'm running on empty. I "
                "want to raise it without sounding like I can't cope.",
                "My workload doubled when a colleague left and was never replaced.",
            ],
            [ADVICE, LISTEN],
        ),
        T(
            ["How do you make friends as an adult?", "Making friends in my thirties"],
            [
                "At school and university it just happened. Now I work from home and I'm "
                "not sure where to start.",
                "I've tried a couple of meetups but I find the first conversation really hard.",
            ],
            [ADVICE],
        ),
        T(
            ["How can I support a friend who is grieving?", "What to say to a grieving friend"],
            [
                "My closest friend lost her brother last month and I'm scared of saying the "
                "wrong thing.",
                "I keep wanting to help but I don't know whether to give her space or keep "
                "checking in.",
            ],
            [ADVICE],
        ),
        T(
            ["Tips for a first counselling session?", "Nervous about starting therapy"],
            [
                "I finally booked a first session with a counsellor and I'm nervous about "
                "what to say.",
                "I've never talked to a professional about how I feel and I don't know what "
                "to expect.",
            ],
            [ADVICE, LISTEN],
        ),
        T(
            ["Setting kinder boundaries with my family", "Saying no to family without guilt"],
            [
                "My family expects me every Sunday and I'm finding it hard to say I need a "
                "weekend to myself.",
                "Every time I say no I end up feeling guilty for days.",
            ],
            [ADVICE, LISTEN],
        ),
        T(
            ["Dealing with a noisy neighbour kindly", "How to approach a noisy neighbour?"],
            [
                "The music upstairs goes on until two most nights. I don't want a feud, I "
                "just want to sleep.",
                "I've never met them properly and I'm not sure whether to knock or leave a note.",
            ],
            [ADVICE],
        ),
        T(
            ["Managing money on a tight budget for the first time", "Budgeting tips, please"],
            [
                "I've just moved out on my own and the money seems to vanish by the third week.",
                "I'd like to start saving a little, even if it's only a few pounds a week.",
            ],
            [ADVICE],
        ),
    ],
    "errands": [
        T(
            [
                "Could someone pick up a prescription for me {day}?",
                "Prescription collection while I recover",
            ],
            [
                "I'm recovering from an operation and can't drive yet. The pharmacy is about "
                "a mile away.",
                "It's already paid for, it just needs collecting {day}.",
            ],
            [PRACTICAL],
        ),
        T(
            ["Need a lift to a hospital appointment {day}", "Lift to the clinic {day}?"],
            [
                "The bus route was cut and a taxi both ways is more than I can manage this month.",
                "The appointment is about forty minutes; I'm happy to cover petrol.",
            ],
            [PRACTICAL],
        ),
        T(
            ["Help with a weekly shop while I'm on crutches", "Weekly shop for a few weeks?"],
            [
                "I broke my ankle and will be on crutches for about six weeks.",
                "It's a small list, mostly basics. I can pay by bank transfer straight away.",
            ],
            [PRACTICAL],
        ),
        T(
            ["Someone to walk my dog for a few days", "Dog walker needed while I'm poorly"],
            [
                "I've got a nasty flu and my dog is full of energy and very confused about "
                "why we're not going out.",
                "She's a friendly, elderly spaniel who walks slowly and loves everyone.",
            ],
            [PRACTICAL],
        ),
        T(
            ["Collecting a second-hand armchair across town", "Anyone with a van {day}?"],
            [
                "I found a lovely armchair for my reading corner but it won't fit in my car.",
                "It's about three miles away and the seller can help load it.",
            ],
            [PRACTICAL],
        ),
        T(
            [
                "Posting a parcel for me this week?",
                "Could someone drop a parcel at the post office?",
            ],
            [
                "It's a birthday present for my niece and I can't get to the post office "
                "before the weekend.",
                "It's wrapped and labelled; it just needs to go in the post.",
            ],
            [PRACTICAL],
        ),
    ],
    "study-and-work": [
        T(
            ["Nervous about my first job interview in years", "Interview {day}, feeling shaky"],
            [
                "I've been out of work for two years caring for my family and I've forgotten "
                "how interviews go.",
                "I have an interview {day} and my confidence has completely gone.",
            ],
            [ADVICE, LISTEN],
        ),
        T(
            ["Could someone read through my cover letter?", "Feedback on a cover letter, please"],
            [
                "I've rewritten it five times and can no longer tell if it makes sense.",
                "It's for a job I really want at a local charity.",
            ],
            [ADVICE, PRACTICAL],
        ),
        T(
            ["Struggling to focus on my dissertation", "Stuck on my dissertation"],
            [
                "The deadline is in six weeks and I keep staring at a blank page.",
                "I know what I want to say but every time I start writing I freeze.",
            ],
            [ADVICE, LISTEN],
        ),
        T(
            ["Asking for a reasonable adjustment at work", "How to ask for flexible hours?"],
            [
                "I have a long-term health condition and mornings are hard. I'd like to ask "
                "for a later start.",
                "I'm worried that asking will make my team think I'm not committed.",
            ],
            [ADVICE],
        ),
        T(
            ["Lost my job last week and feeling adrift", "Made redundant and unsure what's next"],
            [
                "The whole team was let go with a week's notice and I'm still a bit in shock.",
                "I worked there for nine years and I'm not sure who I am without it.",
            ],
            [LISTEN, ADVICE],
        ),
        T(
            ["Practising a presentation, would love a friendly audience"],
            [
                "I have to present to about forty people and my hands shake just thinking "
                "about it.",
                "Ten minutes on a video call with someone kind would really help.",
            ],
            [PRACTICAL, ADVICE],
        ),
        T(
            ["Feeling like an imposter in my new role", "New job, big imposter feelings"],
            [
                "Everyone seems to know what they're doing and I keep waiting to be found out.",
                "I got promoted two months ago and I'm not sleeping well.",
            ],
            [LISTEN, ADVICE],
        ),
    ],
    "health-and-wellbeing": [
        T(
            ["Trying to get back into a sleep routine", "Sleep has gone all wrong"],
            [
                "Since the clocks changed I've been falling asleep at three and waking up "
                "exhausted.",
                "I've tried the usual apps but I think I need a bit of accountability.",
            ],
            [ADVICE, LISTEN],
        ),
        T(
            ["Looking for a walking buddy to get moving again", "Walking buddy {day}?"],
            [
                "I've been told gentle walks would help my recovery, but I keep putting it off "
                "on my own.",
                "Nothing strenuous: a slow loop of the park and maybe a coffee after.",
            ],
            [PRACTICAL, LISTEN],
        ),
        T(
            ["Making sense of a new diagnosis", "Recently diagnosed and a bit overwhelmed"],
            [
                "I was recently diagnosed with type 2 diabetes and it's a lot to take in.",
                "The leaflets are helpful but I'd love to hear from someone who lives with it.",
            ],
            [ADVICE, LISTEN],
        ),
        T(
            ["Anxious about going back to the gym", "First gym visit in years"],
            [
                "I used to love swimming but I haven't been since my surgery.",
                "I'd feel braver going the first time with someone, or at least talking it "
                "through.",
            ],
            [LISTEN, ADVICE],
        ),
        T(
            ["Recovering from burnout, one small step at a time"],
            [
                "I'm on sick leave for burnout and some days even small tasks feel huge.",
                "I'm getting better slowly, but I'd love to hear how others rebuilt their days.",
            ],
            [LISTEN, ADVICE],
        ),
        T(
            ["Finding it hard to cook for one", "Eating properly while living alone"],
            [
                "Since I started living alone I mostly have toast for dinner.",
                "Cooking a whole meal for one person feels pointless, but I know I need to.",
            ],
            [ADVICE],
        ),
        T(
            ["Cutting down on drinking and could use encouragement"],
            [
                "I'm three weeks in and doing okay, but Friday evenings are tricky.",
                "I'm not looking for a lecture, just someone in my corner.",
            ],
            [LISTEN],
        ),
    ],
    "other": [
        T(
            ["Want to learn to cook a few simple meals", "Teach me one easy recipe?"],
            [
                "I'm thirty and I can't really cook. I'd like to learn three or four dinners "
                "I can rely on.",
                "I'd love to learn one good soup before winter.",
            ],
            [ADVICE, PRACTICAL],
        ),
        T(
            ["Writing to an old friend and stuck on the first line"],
            [
                "We fell out of touch years ago and I'd like to say sorry and hello.",
                "I've started the letter a dozen times and it never sounds right.",
            ],
            [ADVICE, LISTEN],
        ),
        T(
            ["Looking for someone to practise English conversation with"],
            [
                "I moved here last year and my English is good on paper, but I get nervous "
                "speaking.",
                "Half an hour a week of easy conversation would help my confidence a lot.",
            ],
            [PRACTICAL, LISTEN],
        ),
        T(
            ["My cat passed away and I'm quite sad", "Missing my old cat"],
            [
                "She was nineteen and with me through everything. The house is so quiet.",
                "Some people say it was just a cat, but it doesn't feel like that.",
            ],
            [LISTEN],
        ),
        T(
            ["Help choosing a present for my grandad's 90th"],
            [
                "He says he wants nothing, which is no help at all.",
                "He loves gardening, old films and crosswords, and is very hard to buy for.",
            ],
            [ADVICE],
        ),
        T(
            [
                "Trying to declutter and feeling overwhelmed",
                "Too much stuff, not sure where to start",
            ],
            [
                "I'd like to clear out the spare room but every box feels like a decision "
                "I can't make.",
                "Some of it belonged to my parents, which makes it harder.",
            ],
            [PRACTICAL, ADVICE, LISTEN],
        ),
    ],
}

GENERIC_TOPICS = [topic for topics in TOPICS.values() for topic in topics]

OPENERS = [
    "",
    "Hi everyone.",
    "Hello, first time posting here.",
    "I'm not sure this is the right place, but here goes.",
    "I've been putting off asking for a while.",
    "Hi all, hope you're well.",
    "This feels a bit strange to write, but here it is.",
    "Hello.",
]
DETAILS = [
    "",
    "",
    "It's been about three weeks now.",
    "Most days are fine, but evenings are hard.",
    "I'm usually the one helping others, so asking feels unfamiliar.",
    "I don't have family nearby, which makes it harder.",
    "I've been managing, but I'm getting tired.",
    "Writing it down has already helped a little.",
    "It has been on my mind all week.",
]
ASKS = {
    LISTEN: [
        "I don't need fixing, just someone to listen for a bit.",
        "A chat with someone kind would mean a lot.",
        "Even a few messages back and forth would help.",
        "I'd love to talk it through with someone who won't judge.",
    ],
    PRACTICAL: [
        "If anyone nearby has an hour spare, I'd be so grateful.",
        "It shouldn't take long with two people.",
        "I'm flexible on timing and happy to fit around you.",
        "I can offer tea, cake and a lot of thanks.",
    ],
    ADVICE: [
        "I'd really value hearing from anyone who has been through something similar.",
        "Any tips, big or small, would be welcome.",
        "How did you handle it? I'd love to hear what worked for you.",
        "Even just knowing where to start would help.",
    ],
}
CLOSINGS = [
    "",
    "Thank you for reading.",
    "Thanks, truly.",
    "No pressure at all.",
    "Thank you in advance.",
    "Thanks for being here.",
]

OFFER_GREETINGS = [
    "Hi there.",
    "Hello!",
    "Hi, I saw your post.",
    "Hello, and well done for asking.",
    "Hi, I hope you're doing okay.",
]
OFFER_CORES = {
    LISTEN: [
        "I'd be really happy to listen, no advice unless you want it.",
        "I'm a good listener and I have some time this week.",
        "I'd be glad to keep you company over a chat, even just for half an hour.",
        "I've been in a similar place and I'd be happy to talk whenever suits you.",
    ],
    PRACTICAL: [
        "I live not far away and I'd be glad to give you a hand.",
        "I'm fairly handy and happy to help with this.",
        "I have a car and some free time, so this would be easy for me.",
        "I'd be glad to help; it's the sort of thing I enjoy.",
    ],
    ADVICE: [
        "I went through something very similar a couple of years ago and I'm happy to share "
        "what helped me.",
        "I don't have all the answers, but I can tell you what worked for me.",
        "I work in this area and I'd be glad to talk it through.",
        "I've been there too. A few small things made a big difference for me.",
    ],
}
OFFER_EXTRAS = [
    "",
    "I remember how hard it felt to ask.",
    "You're not alone in this, truly.",
    "It sounds like you're handling a lot.",
    "",
]
OFFER_TIMES = [
    "I'm free most evenings after six.",
    "Weekends are easiest for me.",
    "I could do Saturday morning if that suits.",
    "Any weekday lunchtime works for me.",
    "Just let me know what works for you.",
]
OFFER_SIGNOFFS = [
    "Take care.",
    "Warmly, and no pressure at all.",
    "Hope to hear from you.",
    "Whatever you decide, I hope things ease up soon.",
    "Sending good wishes.",
]

# A conversation alternates asker and helper, starting with the asker.
THREAD_LINES = [
    [  # asker
        "Thank you so much for offering, it really means a lot.",
        "Hi, and thank you. I wasn't sure anyone would reply.",
        "Thanks for reaching out. Would a quick chat this week work?",
        "That's so kind of you, thank you.",
    ],
    [  # helper
        "Of course. How are you feeling today?",
        "Happy to. What time suits you best?",
        "No need to thank me. Tell me a bit more whenever you're ready.",
        "Glad to. Is there anything I should know before we start?",
    ],
    [  # asker
        "Honestly, a bit better already, just from writing it down.",
        "Thursday around seven would be perfect.",
        "Saturday morning would be great, around ten?",
        "Nothing special, just that I might be a bit nervous at first.",
    ],
    [  # helper
        "Sounds good, see you then.",
        "That works for me. I'll message here if anything changes.",
        "Glad to hear it. Go gently with yourself.",
        "No problem at all, we'll take it slowly.",
    ],
    [  # asker
        "Thank you again, this helped more than you know.",
        "Really appreciated it. Thank you for your kindness.",
        "I feel much lighter today. Thank you.",
    ],
]

STATUS_WEIGHTS = {Status.OPEN: 50, Status.MATCHED: 15, Status.RESOLVED: 25, Status.CLOSED: 10}
# How far back requests of each status were posted (days; open ones also stay
# clear of the expiry warning, see Planner.__init__).
STATUS_AGE_DAYS = {Status.OPEN: 21, Status.MATCHED: 28, Status.RESOLVED: 56, Status.CLOSED: 56}
ANONYMOUS_SHARE = 0.3


# --- The plan ------------------------------------------------------------------------


@dataclass
class MessagePlan:
    from_helper: bool
    body: str
    created_at: datetime


@dataclass
class OfferPlan:
    helper: User
    message: str
    status: str
    decline_reason: str
    created_at: datetime
    messages: list[MessagePlan] = field(default_factory=list)


@dataclass
class RequestPlan:
    author: User
    title: str
    body: str
    category: Category
    response_kind: str
    is_anonymous: bool
    status: str
    created_at: datetime
    resolved_at: datetime | None
    expires_at: datetime
    resurfaced_at: datetime | None = None
    offers: list[OfferPlan] = field(default_factory=list)

    @property
    def offer_count(self) -> int:
        return sum(1 for offer in self.offers if offer.status != Offer.Status.WITHDRAWN)

    @property
    def updated_at(self) -> datetime:
        moments = [self.created_at, self.resolved_at or self.created_at]
        for offer in self.offers:
            moments.append(offer.created_at)
            moments.extend(message.created_at for message in offer.messages)
        return max(moments)


def _sentence(*parts: str) -> str:
    return " ".join(part for part in parts if part)


class Planner:
    """Decides, reproducibly from a seed, what the board will contain."""

    def __init__(self, rng: random.Random, users: list[User], categories: list[Category]):
        self.rng = rng
        self.users = users
        self.categories = categories
        self.now = timezone.now()
        self.statuses = list(STATUS_WEIGHTS)
        self.status_weights = list(STATUS_WEIGHTS.values())
        # Requests live as the board's own rules say: an open request closes
        # `lifetime` after it was posted (warned a few days before), and one
        # nobody answered was shown again to helpers after a day. Demo requests
        # are placed so the periodic tasks find nothing to warn, expire or
        # resurface (which would email the demo people on a first `make beat`).
        self.lifetime = timedelta(days=settings.BOARD_REQUEST_LIFETIME_DAYS)
        self.unanswered = timedelta(hours=settings.BOARD_UNANSWERED_HOURS)
        open_days = settings.BOARD_REQUEST_LIFETIME_DAYS - settings.BOARD_EXPIRY_WARNING_DAYS - 1
        self.age_days = dict(STATUS_AGE_DAYS)
        self.age_days[Status.OPEN] = max(1, min(STATUS_AGE_DAYS[Status.OPEN], open_days))

    def _at(self, moment: datetime) -> datetime:
        return min(moment, self.now)

    def _later(self, moment: datetime, low_minutes: float, high_minutes: float) -> datetime:
        return self._at(moment + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes)))

    def request(self, index: int) -> RequestPlan:
        rng = self.rng
        # The first few requests cover every category, kind and status, so even
        # a tiny demo board shows everything; after that it's weighted chance.
        if index < len(self.categories):
            category = self.categories[index]
        else:
            category = rng.choice(self.categories)
        topic = rng.choice(TOPICS.get(category.slug) or GENERIC_TOPICS)
        if index < len(Kind.values):
            kind = Kind.values[index]
        elif rng.random() < 0.8:
            kind = rng.choice(topic.kinds)
        else:
            kind = rng.choice(Kind.values)
        if index < len(self.statuses):
            status = self.statuses[index]
        else:
            status = rng.choices(self.statuses, self.status_weights)[0]
        slots = {"city": rng.choice(CITIES), "day": rng.choice(DAYS)}
        title = rng.choice(topic.titles).format(**slots)
        body = _sentence(
            rng.choice(OPENERS),
            rng.choice(topic.situations).format(**slots),
            rng.choice(DETAILS),
            rng.choice(ASKS[kind]),
            rng.choice(CLOSINGS),
        )
        if rng.random() < 0.25:
            # A second paragraph now and then (bodies are Markdown).
            other = rng.choice(topic.situations).format(**slots)
            if other not in body:
                body = f"{body}\n\n{other}"
        created_at = self.now - timedelta(minutes=rng.uniform(10, self.age_days[status] * 24 * 60))
        plan = RequestPlan(
            author=rng.choice(self.users),
            title=title[:120],
            body=body,
            category=category,
            response_kind=kind,
            is_anonymous=index == 1 or rng.random() < ANONYMOUS_SHARE,
            status=status,
            created_at=created_at,
            resolved_at=None,
            expires_at=created_at + self.lifetime,
        )
        self._add_offers(plan)
        if plan.status == Status.RESOLVED:
            plan.resolved_at = self._later(plan.updated_at, 60, 3 * 24 * 60)
        resurface_at = plan.created_at + self.unanswered
        if plan.status == Status.OPEN and not plan.offer_count and resurface_at <= self.now:
            plan.resurfaced_at = resurface_at
        return plan

    def _add_offers(self, plan: RequestPlan) -> None:
        rng = self.rng
        finished_with_helper = plan.status in (Status.MATCHED, Status.RESOLVED)
        if plan.status == Status.CLOSED:
            wanted = rng.choices([0, 1, 2], [50, 35, 15])[0]
        else:
            wanted = rng.choices([0, 1, 2, 3, 4], [30, 32, 20, 12, 6])[0]
        if finished_with_helper:
            wanted = max(wanted, 1)
        wanted = min(wanted, len(self.users) - 1)
        if finished_with_helper and not wanted:
            # Nobody else on the board to help: this one is still open.
            plan.status = Status.OPEN
            finished_with_helper = False
        # One more than wanted, in case the author is among them (nobody offers
        # on their own request); cheaper than copying the list of people.
        picked = rng.sample(self.users, min(wanted + 1, len(self.users)))
        chosen = [user for user in picked if user.pk != plan.author.pk][:wanted]
        accepted = rng.randrange(wanted) if finished_with_helper else None
        moment = plan.created_at
        for position, helper in enumerate(chosen):
            moment = self._later(moment, 15, 36 * 60)
            if position == accepted:
                status, reason = Offer.Status.ACCEPTED, ""
            elif rng.random() < 0.1:
                status, reason = Offer.Status.WITHDRAWN, ""
            elif finished_with_helper:
                status, reason = Offer.Status.DECLINED, Offer.DeclineReason.FOUND_HELP
            elif plan.status == Status.CLOSED or rng.random() < 0.1:
                status, reason = Offer.Status.DECLINED, Offer.DeclineReason.NOT_TAKEN
            else:
                status, reason = Offer.Status.PENDING, ""
            offer = OfferPlan(
                helper=helper,
                message=self._offer_message(plan.response_kind),
                status=status,
                decline_reason=reason,
                created_at=moment,
            )
            if status == Offer.Status.ACCEPTED:
                count = rng.randint(2, 5)
            elif status == Offer.Status.PENDING:
                count = rng.choice([0, 0, 1, 2, 3])
            else:
                count = rng.choice([0, 0, 1])
            offer.messages = self._thread(offer.created_at, count)
            plan.offers.append(offer)

    def _offer_message(self, kind: str) -> str:
        rng = self.rng
        return _sentence(
            rng.choice(OFFER_GREETINGS),
            rng.choice(OFFER_CORES[kind]),
            rng.choice(OFFER_EXTRAS),
            rng.choice(OFFER_TIMES),
            rng.choice(OFFER_SIGNOFFS),
        )

    def _thread(self, start: datetime, count: int) -> list[MessagePlan]:
        moment = start
        thread = []
        for position in range(min(count, len(THREAD_LINES))):
            moment = self._later(moment, 5, 20 * 60)
            thread.append(
                MessagePlan(
                    from_helper=position % 2 == 1,
                    body=self.rng.choice(THREAD_LINES[position]),
                    created_at=moment,
                )
            )
        return thread


# --- People ----------------------------------------------------------------------------


def demo_identity(index: int) -> tuple[str, str]:
    """The display name and email of the index-th demo person (stable across runs)."""
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    round_ = index // len(FIRST_NAMES)
    if round_ == 0:
        return first, f"{first.lower()}@{DEMO_DOMAIN}"
    initial = INITIALS[(round_ - 1) % len(INITIALS)]
    extra = (round_ - 1) // len(INITIALS)
    suffix = str(extra + 1) if extra else ""
    return f"{first} {initial}.", f"{first.lower()}.{initial.lower()}{suffix}@{DEMO_DOMAIN}"


def ensure_demo_users(count: int, rng: random.Random) -> tuple[list[User], int]:
    """The first `count` demo people, created if missing, each with a verified
    primary email. Returns (users, how many were new)."""
    identities = [demo_identity(index) for index in range(count)]
    emails = [email for _name, email in identities]
    existing = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
    now = timezone.now()
    missing = [
        User(
            email=email,
            display_name=name,
            password=password,
            date_joined=now - timedelta(days=rng.uniform(60, 400)),
        )
        for name, email in identities
        if email not in existing
    ]
    with transaction.atomic():
        User.objects.bulk_create(missing, batch_size=BATCH_SIZE)
        by_email = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
        users = [by_email[email] for email in emails]
        addresses = EmailAddress.objects.filter(user__in=users)
        has_address = {(address.user_id, address.email.lower()) for address in addresses}
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=user, email=user.email, verified=True, primary=True)
                for user in users
                if (user.pk, user.email.lower()) not in has_address
            ],
            batch_size=BATCH_SIZE,
        )
        addresses.filter(verified=False).update(verified=True)
    return users, len(missing)


# --- Writers ---------------------------------------------------------------------------


def _progress(total: int):
    return tqdm(
        total=total,
        unit="req",
        desc="Seeding",
        file=sys.stderr,
        disable=total < PROGRESS_FROM,
        dynamic_ncols=True,
    )


@contextmanager
def _quiet(logger_name: str, level: int = logging.WARNING):
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.setLevel(max(level, previous))
    try:
        yield
    finally:
        logger.setLevel(previous)


def write_with_services(plans: Iterator[RequestPlan], total: int) -> None:
    """Each request lives its life through the services, then its timestamps are
    moved into the past. Notifications are recorded but marked skipped, so
    seeding sends no email (the delivery tasks find nothing to send)."""
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    # In-process (eager) Celery would log one line per skipped delivery task.
    with _quiet("celery.app.trace"), _progress(total) as progress, transaction.atomic():
        for plan in plans:
            _live_through_services(plan)
            progress.update()
        Notification.objects.filter(
            pk__gt=last_notification or 0, state=Notification.State.QUEUED
        ).update(state=Notification.State.SKIPPED, last_error="Demo data: not sent.")


def _live_through_services(plan: RequestPlan) -> None:
    author = plan.author
    before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # When each notification's event happened, by its idempotency key; the
    # rest (accepted, declined, resolved) date from the request's last event.
    moments: dict[str, datetime] = {}
    help_request = services.create_request(
        author=author,
        title=plan.title,
        body=plan.body,
        category=plan.category,
        response_kind=plan.response_kind,
        is_anonymous=plan.is_anonymous,
    )
    made = []
    for offer_plan in plan.offers:
        offer = services.make_offer(
            help_request=help_request, helper=offer_plan.helper, message=offer_plan.message
        )
        made.append((offer_plan, offer))
        moments[f"offer_received:{offer.public_id}"] = offer_plan.created_at
    for offer_plan, offer in made:
        for message in offer_plan.messages:
            sent = services.send_message(
                offer=offer,
                sender=offer_plan.helper if message.from_helper else author,
                body=message.body,
            )
            Message.objects.filter(pk=sent.pk).update(created_at=message.created_at)
            moments[f"message_received:{sent.pk}"] = message.created_at
    for offer_plan, offer in made:
        if offer_plan.status == Offer.Status.WITHDRAWN:
            services.withdraw_offer(offer=offer, by=offer_plan.helper)
        elif offer_plan.decline_reason == Offer.DeclineReason.NOT_TAKEN:
            services.decline_offer(offer=offer, by=author)
    for offer_plan, offer in made:
        if offer_plan.status == Offer.Status.ACCEPTED:
            services.accept_offer(offer=offer, by=author)
    if plan.status == Status.RESOLVED:
        services.resolve_request(help_request=help_request, by=author)
    elif plan.status == Status.CLOSED:
        services.close_request(help_request=help_request, by=author)
    for offer_plan, offer in made:
        Offer.objects.filter(pk=offer.pk).update(
            created_at=offer_plan.created_at,
            updated_at=max([offer_plan.created_at] + [m.created_at for m in offer_plan.messages]),
        )
    HelpRequest.objects.filter(pk=help_request.pk).update(
        created_at=plan.created_at,
        updated_at=plan.updated_at,
        resolved_at=plan.resolved_at,
        expires_at=plan.expires_at,
        resurfaced_at=plan.resurfaced_at,
    )
    for pk, key in Notification.objects.filter(pk__gt=before).values_list("pk", "key"):
        Notification.objects.filter(pk=pk).update(
            created_at=moments.get(key, plan.updated_at),
        )


def write_in_bulk(plans: Iterator[RequestPlan], total: int) -> None:
    """Batches of requests, then their offers, then their messages, one
    transaction per batch."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # A bigger page cache for this connection only: the random public
            # ids spread inserts over the whole of their indexes (64 MiB).
            cursor.execute("PRAGMA cache_size = -65536")
    with _progress(total) as progress:
        batch: list[RequestPlan] = []
        for plan in plans:
            batch.append(plan)
            if len(batch) >= BATCH_SIZE:
                _write_batch(batch)
                progress.update(len(batch))
                batch = []
        if batch:
            _write_batch(batch)
            progress.update(len(batch))


def _with_pks(model, objects: list) -> None:
    """bulk_create sets primary keys where the database returns them (PostgreSQL,
    SQLite >= 3.35); otherwise look them up by their unique public_id."""
    if not objects or objects[0].pk is not None:
        return
    pks = dict(
        model.objects.filter(public_id__in=[obj.public_id for obj in objects]).values_list(
            "public_id", "pk"
        )
    )
    for obj in objects:
        obj.pk = pks[obj.public_id]


@transaction.atomic
def _write_batch(batch: list[RequestPlan]) -> None:
    rows = [
        HelpRequest(
            public_id=new_public_id(),
            author_id=plan.author.pk,
            is_anonymous=plan.is_anonymous,
            title=plan.title,
            body=plan.body,
            category_id=plan.category.pk,
            response_kind=plan.response_kind,
            status=plan.status,
            offer_count=plan.offer_count,
            created_at=plan.created_at,
            resolved_at=plan.resolved_at,
            expires_at=plan.expires_at,
            resurfaced_at=plan.resurfaced_at,
        )
        for plan in batch
    ]
    HelpRequest.objects.bulk_create(rows)
    _with_pks(HelpRequest, rows)
    offers, offer_plans = [], []
    for help_request, plan in zip(rows, batch, strict=True):
        for offer_plan in plan.offers:
            offers.append(
                Offer(
                    public_id=new_public_id(),
                    request_id=help_request.pk,
                    helper_id=offer_plan.helper.pk,
                    message=offer_plan.message,
                    status=offer_plan.status,
                    decline_reason=offer_plan.decline_reason,
                    created_at=offer_plan.created_at,
                )
            )
            offer_plans.append((offer_plan, plan.author.pk))
    Offer.objects.bulk_create(offers)
    _with_pks(Offer, offers)
    messages = [
        Message(
            offer_id=offer.pk,
            sender_id=offer_plan.helper.pk if message.from_helper else author_id,
            body=message.body,
            created_at=message.created_at,
        )
        for offer, (offer_plan, author_id) in zip(offers, offer_plans, strict=True)
        for message in offer_plan.messages
    ]
    Message.objects.bulk_create(messages)


# --- The command -------------------------------------------------------------------------


def _positive(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Fill the board with kind, believable demo people, requests, offers and conversations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--requests", type=_positive, default=40, help="How many requests (default 40)."
        )
        parser.add_argument(
            "--users", type=_positive, default=12, help="How many demo people (default 12)."
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="Random seed, to get the same content again."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the board already has any request (used by `make run`).",
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help=f"Use bulk inserts even for small boards (automatic above {SERVICES_LIMIT}).",
        )

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and HelpRequest.objects.exists():
            self.stdout.write("The board already has requests; no demo content added.")
            return
        if options["users"] < 2:
            raise CommandError("At least 2 demo people are needed (one to ask, one to help).")
        categories = list(Category.objects.order_by("order", "name"))
        if not categories:
            raise CommandError("No categories found. Run `manage.py migrate` first.")

        seed = options["seed"] if options["seed"] is not None else secrets.randbelow(2**31)
        rng = random.Random(seed)  # noqa: S311 (demo content, not security)
        started = time.monotonic()
        users, new_users = ensure_demo_users(options["users"], rng)

        total = options["requests"]
        planner = Planner(rng, users, categories)
        tally: Counter[str] = Counter()

        def plans() -> Iterator[RequestPlan]:
            for index in range(total):
                plan = planner.request(index)
                tally[plan.status] += 1
                tally["anonymous"] += plan.is_anonymous
                tally["offers"] += len(plan.offers)
                tally["messages"] += sum(len(offer.messages) for offer in plan.offers)
                yield plan

        bulk = options["bulk"] or total > SERVICES_LIMIT
        (write_in_bulk if bulk else write_with_services)(plans(), total)
        if connection.vendor in ("sqlite", "postgresql") and total >= PROGRESS_FROM:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh statistics for the query planner
        # Stories of asking and thank-you notes, so that the Stories page is alive.
        # At call time: stories imports board (a module-level import would be a circle).
        from stories.demo import add_demo_stories

        notes, stories = add_demo_stories(rng)
        elapsed = time.monotonic() - started
        self._summary(users, new_users, total, tally, seed, bulk, elapsed)
        self.stdout.write(f"Added {notes} thank-you notes and {stories} published stories.")

    def _summary(self, users, new_users, total, tally, seed, bulk, elapsed) -> None:
        write = self.stdout.write
        statuses = ", ".join(f"{tally[status]} {status}" for status in STATUS_WEIGHTS)
        write(
            self.style.SUCCESS(
                f"Added {total} requests ({statuses}; {tally['anonymous']} anonymous), "
                f"{tally['offers']} offers and {tally['messages']} messages "
                f"in {elapsed:.1f}s ({'bulk inserts' if bulk else 'through the services'}, "
                f"seed {seed})."
            )
        )
        write(f"Demo people: {len(users)} ({new_users} new, {len(users) - new_users} reused).")
        write(f"Sign in with any of these, password '{DEMO_PASSWORD}':")
        shown = 12
        for user in users[:shown]:
            write(f"  {user.email:<28} {user.display_name}")
        if len(users) > shown:
            write(f"  ... and {len(users) - shown} more, same password.")
