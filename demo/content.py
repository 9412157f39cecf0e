"""The words of the demo board: names, places, what people ask about and how
they offer and answer, and the stories and thank-you notes. Text only: what to
make of it is demo.planner's, writing it demo.writers'."""

from __future__ import annotations

from dataclasses import dataclass

from requests.models import HelpRequest

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 (printed on purpose: demo accounts only)
DEMO_DOMAIN = "example.org"

Kind = HelpRequest.ResponseKind
LISTEN, PRACTICAL, ADVICE = Kind.LISTEN.value, Kind.PRACTICAL.value, Kind.ADVICE.value

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


def T(titles: list[str], situations: list[str], kinds: list[str]) -> Topic:  # short, for TOPICS
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


# --- Stories of asking and thank-you notes -------------------------------------------

NOTES = (
    "Thank you for listening the other evening. I slept properly for the first time in a week.",
    "You made a hard week lighter. Thank you for your patience and your practical ideas.",
    "I didn't expect a stranger to be so kind. Thank you, truly.",
    "Thank you for checking in the day after. It meant more than you know.",
    "Your advice about the letter worked. Thank you for taking the time.",
)

STORIES = (
    {
        "hard_to_ask": "I'm usually the one friends call. Asking felt like admitting I'd failed.",
        "when_i_did": "Two people offered within a few hours. One just listened, no fixing.",
        "to_someone_hesitating": "You're allowed to need people too. Nobody here keeps score.",
    },
    {
        "hard_to_ask": "I kept rewriting my request because it sounded too small to matter.",
        "when_i_did": "Someone said small things are often the heavy ones. We talked twice.",
        "to_someone_hesitating": "Post it as it is. A few honest lines were enough for me.",
    },
    {
        "hard_to_ask": "I was scared someone I know would recognise me, so I posted anonymously.",
        "when_i_did": "My helper never asked who I was. They helped me plan the phone call.",
        "to_someone_hesitating": "Anonymous is fine. The help is just as real.",
    },
    {
        "hard_to_ask": "Moving to a new city, I didn't want to be the lonely new person.",
        "when_i_did": "A neighbour from two streets away showed me the good walks.",
        "to_someone_hesitating": "Someone out there is hoping to be useful. Let them.",
    },
    {
        "hard_to_ask": "I thought I should be able to handle a hospital appointment on my own.",
        "when_i_did": "Someone talked me through what to ask the doctor, and checked in after.",
        "to_someone_hesitating": "Asking didn't make me weaker. It made the day possible.",
    },
)
