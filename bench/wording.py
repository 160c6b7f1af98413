"""The made-up wording of benchmark data: pledges per policy target, and pieces of narratives.

Pledges name the operational goal or the 2014 potential action they serve by its code, as the
reference data has them. The texts are plausible, not real: nothing here is a member's pledge.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Pledge:
    title: str
    goal: str | None
    action: str | None
    description: str


ICSE_GOAL = "icse-identified-victims"
TAKEDOWN_GOAL = "notice-and-takedown-speed"

PLEDGES: dict[str, tuple[Pledge, ...]] = {
    "victims": (
        Pledge(
            "Connect the national victim identification unit to INTERPOL's ICSE database",
            ICSE_GOAL,
            None,
            "Direct access to the ICSE database for the police's victim identification analysts, and their training.",
        ),
        Pledge(
            "Take part in joint victim identification task forces",
            None,
            "transborder-victim-identification",
            "Second analysts to the yearly international victim identification task forces.",
        ),
        Pledge(
            "Set up a specialised victim identification team",
            ICSE_GOAL,
            None,
            "A permanent team of analysts and investigators dedicated to identifying children in abuse material.",
        ),
        Pledge(
            "Upload national case material to the ICSE database",
            ICSE_GOAL,
            None,
            "Upload seized material from closed cases so that other countries can compare it with their own.",
        ),
        Pledge(
            "Open child-friendly interview rooms in every region",
            None,
            None,
            "Rooms where trained staff hear children once, recorded, so that they need not testify again.",
        ),
        Pledge(
            "Fund a helpline for children and their families",
            None,
            None,
            "A free, anonymous helpline staffed by trained counsellors, open in the evenings and at weekends.",
        ),
        Pledge(
            "Guarantee specialised therapy for identified victims",
            None,
            None,
            "Therapy by specialists for every identified child, paid for by the national health service.",
        ),
        Pledge(
            "Share victim identification leads with partner countries",
            None,
            "transborder-victim-identification",
            "Pass leads on children who may be abroad to partner countries within a week of finding them.",
        ),
        Pledge(
            "Train first responders to recognise victims of online abuse",
            None,
            None,
            "Training for police officers, teachers and health workers on the signs of online abuse.",
        ),
        Pledge(
            "Appoint a guardian for every child victim in proceedings",
            None,
            None,
            "A guardian who follows the child through the investigation and the trial.",
        ),
    ),
    "prosecution": (
        Pledge(
            "Update the criminal code's offences of online child sexual abuse",
            "criminalisation-framework",
            None,
            "Bring grooming and live-streamed abuse into the criminal code.",
        ),
        Pledge(
            "Join cross-border operations against offender networks",
            "joint-law-enforcement",
            "law-enforcement-exchange",
            "Assign a liaison officer to joint operations and share case information through the agreed channels.",
        ),
        Pledge(
            "Speed up requests for electronic evidence held abroad",
            None,
            "timely-access-to-evidence",
            "A central authority desk that handles requests for electronic evidence within agreed times.",
        ),
        Pledge(
            "Require providers to answer law enforcement requests promptly",
            None,
            "provider-information-to-law-enforcement",
            "Legal deadlines for providers to answer lawful requests about suspected offenders.",
        ),
        Pledge(
            "Create a specialised cybercrime prosecution unit",
            "criminalisation-framework",
            None,
            "Prosecutors trained in online offences, working with the police from the start of each case.",
        ),
        Pledge(
            "Extend the limitation period for child sexual abuse offences",
            "criminalisation-framework",
            None,
            "Offences against children can be prosecuted for longer after the victim comes of age.",
        ),
        Pledge(
            "Train investigators in undercover online work",
            "joint-law-enforcement",
            None,
            "Courses on undercover work in online communities, within the limits of national law.",
        ),
        Pledge(
            "Equip forensic laboratories to analyse seized devices faster",
            None,
            None,
            "Tools and staff to reduce the backlog of seized devices awaiting analysis.",
        ),
        Pledge(
            "Exchange intelligence on offenders through Europol and INTERPOL channels",
            "joint-law-enforcement",
            "law-enforcement-exchange",
            "Share intelligence on travelling and networked offenders through the international channels.",
        ),
        Pledge(
            "Criminalise the possession of manuals for abusing children",
            "criminalisation-framework",
            None,
            "A new offence of possessing guides that instruct on how to abuse children.",
        ),
    ),
    "awareness": (
        Pledge(
            "Run a national online-safety campaign in schools",
            "awareness-campaigns",
            None,
            "A yearly campaign for pupils, teachers and parents on the risks of children's online conduct.",
        ),
        Pledge(
            "Publish guidance for families on self-produced images",
            "self-exploitation-best-practices",
            None,
            "Guidance, drawn from other members' best practices, on the risks of self-produced images.",
        ),
        Pledge(
            "Add online safety to the school curriculum",
            "awareness-campaigns",
            None,
            "Lessons on online risks, grooming and where to get help, from primary school onwards.",
        ),
        Pledge(
            "Train teachers to talk about grooming",
            "awareness-campaigns",
            None,
            "A course for teachers on recognising grooming and talking with pupils about it.",
        ),
        Pledge(
            "Share campaign material with other Alliance members",
            "self-exploitation-best-practices",
            None,
            "Make national campaign material available to other members, translated where useful.",
        ),
        Pledge(
            "Launch a peer-education programme run by young people",
            "self-exploitation-best-practices",
            None,
            "Young volunteers trained to talk with younger pupils about sharing images.",
        ),
        Pledge(
            "Run an awareness week with the national Safer Internet Centre",
            "awareness-campaigns",
            None,
            "A yearly week of events with the Safer Internet Centre, libraries and youth organisations.",
        ),
        Pledge(
            "Publish a yearly survey of children's online experiences",
            None,
            None,
            "A survey of children's experiences online, to target campaigns at the risks they meet.",
        ),
        Pledge(
            "Reach parents through health visitors and paediatricians",
            "awareness-campaigns",
            None,
            "Leaflets and short talks for parents of young children at routine health visits.",
        ),
        Pledge(
            "Evaluate awareness campaigns against agreed indicators",
            "self-exploitation-best-practices",
            None,
            "Measure what campaigns change, with indicators agreed with other members.",
        ),
    ),
    "availability": (
        Pledge(
            "Agree a hash-sharing arrangement with hosting providers",
            "private-sector-removal",
            None,
            "Share hashes of known material with the main hosting providers so that they can find and remove it.",
        ),
        Pledge(
            "Shorten notice-and-takedown times with the national hotline",
            TAKEDOWN_GOAL,
            None,
            "Agree target times with the national hotline and providers, and measure them.",
        ),
        Pledge(
            "Fund the national reporting hotline",
            TAKEDOWN_GOAL,
            None,
            "Multi-year funding for the hotline that takes reports from the public and notifies providers.",
        ),
        Pledge(
            "Join the international network of hotlines",
            TAKEDOWN_GOAL,
            None,
            "Membership of the international hotline network, so that reports reach the hosting country fast.",
        ),
        Pledge(
            "Bring domain registries into removal procedures",
            "private-sector-removal",
            None,
            "Procedures with registries to act on domains dedicated to abuse material.",
        ),
        Pledge(
            "Encourage providers to use image-matching tools",
            "private-sector-removal",
            None,
            "Support smaller providers in deploying tools that detect known material on upload.",
        ),
        Pledge(
            "Give the hotline a legal basis to view and assess material",
            TAKEDOWN_GOAL,
            None,
            "A clear legal basis for hotline analysts to view reported material in order to assess it.",
        ),
        Pledge(
            "Publish yearly figures on notices and removals",
            None,
            None,
            "Yearly statistics of notices sent, material removed and the times taken.",
        ),
        Pledge(
            "Support victims in having their images removed",
            "private-sector-removal",
            None,
            "A service that helps victims find and request the removal of images of themselves.",
        ),
        Pledge(
            "Coordinate takedown with ongoing investigations",
            TAKEDOWN_GOAL,
            None,
            "A protocol so that removal does not compromise an investigation, agreed by police and hotline.",
        ),
    ),
}

AGENCIES = (
    "The Ministry of Justice",
    "The Ministry of the Interior",
    "The national police",
    "The cybercrime unit",
    "The Ministry of Education",
    "The national hotline",
    "The child protection agency",
    "The prosecutor's office",
    "The Ministry of Health",
    "The national coordinator",
)

WORK_DONE = (
    "held {n} coordination meetings with the agencies involved",
    "trained {n} officers and staff",
    "drafted the implementing rules and consulted the partners on them",
    "signed agreements with {n} organisations",
    "hired {n} specialists for the work",
    "ran a pilot in {n} regions before extending it",
    "reported to parliament on the progress made",
    "published guidance for the staff concerned",
    "agreed a budget for the coming years",
    "reviewed the first results with the partners",
)

STARTS = {
    "not_started": (
        "Work has not started yet: the budget for it is part of next year's appropriation.",
        "Work has not started yet: the lead agency is still being designated.",
        "Work has not started yet: it depends on a bill now before parliament.",
        "Work has not started yet: the procurement of the tools is under way.",
    ),
    "on_track": (
        "Work is on schedule.",
        "The action is progressing as planned.",
        "Work continued as planned in the period.",
        "The milestones of the period were met.",
    ),
    "delayed": (
        "Work is behind schedule because staff were reassigned to urgent casework.",
        "Work is behind schedule because procurement took longer than planned.",
        "Work is behind schedule because the legal basis had to be amended first.",
        "Work is behind schedule because a partner agency's systems were not ready.",
    ),
    "completed": (
        "The action is completed.",
        "The action was completed and its results are now part of normal operations.",
        "The action is completed; its evaluation is available on request.",
    ),
    "discontinued": (
        "The action was discontinued: a wider national programme took it over.",
        "The action was discontinued after the evaluation showed little effect.",
        "The action was discontinued for lack of funding; other measures address the target.",
    ),
}

NEXT_STEPS = (
    "Next, the results will be evaluated with the partners.",
    "Next, the work will be extended to the whole country.",
    "Next, the agencies will agree on indicators to follow.",
    "Next, the staff trained will train their colleagues.",
    "Next, the draft will be submitted to the government.",
    "Next, a progress review is planned with the steering group.",
)

MILESTONES = (
    "Report to the national steering group",
    "Coordination meeting with the agencies involved",
    "Budget approved",
    "Pilot phase completed",
    "Training round completed",
    "Draft text submitted to the government",
    "Evaluation report published",
    "Agreement signed with the partners",
    "Tools procured and installed",
    "Results presented to the Alliance",
)

REVIEW_COMMENTS = (
    "Please add the figures for the period and say what is planned next.",
    "The narrative describes the plan but not what was done in the period; please add it.",
    "Please give the source of the figures.",
    "The completion seems high for the work described; please check it.",
    "Please say why the action is delayed and when it is expected to catch up.",
    "Please mark this update for members only if it cannot be published.",
    "The milestones end before the period does; are later ones planned?",
    "Please explain the drop in the figures compared with last year.",
)

REVISIONS = (
    "As the secretariat asked, the figures now cover the whole period.",
    "The next steps are now described above, with their dates.",
    "The source of the figures is given; they come from the responsible agency's records.",
    "The completion was checked with the responsible ministry and corrected.",
    "The reasons for the delay are explained; the action should be back on schedule next year.",
)

ICSE_SOURCES = ("National victim identification unit", "ICSE database statistics (INTERPOL)")
TAKEDOWN_SOURCES = ("National hotline statistics", "Hotline network statistics")
