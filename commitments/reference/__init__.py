"""The Alliance's reference data, as stated by its source documents.

The documents themselves are in `sources/`, exactly as received. Every fact below names the
document it comes from and quotes the words that state it (`excerpt`); a test checks that each
excerpt appears verbatim in its document. Where the documents disagree or are silent, the
choice made is recorded in `DISCREPANCIES` (and explained in docs/reference-data.md). Whatever the
data states that the words do not (a document's title, publisher or date, a date, which states a count
covers, something announced in advance) is flagged as inferred or announced, with the reason.
"""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

SOURCES_DIR = Path(__file__).resolve().parent / "sources"

# Keys of the source documents.
JOINT_STATEMENT_2012 = "eu-us-joint-statement-2012-06-21"
DOJ_LAUNCH_2012 = "doj-launch-press-release-2012-12-04"
LAUNCH_REPORT_2012 = "launch-news-report-2012-12"
EC_CONFERENCE_2014 = "ec-second-conference-press-release-2014-09-30"
DOJ_CONFERENCE_2014 = "doj-ministerial-conference-press-release-2014-09-30"

LAUNCH_DATE = date(2012, 12, 5)
SECOND_CONFERENCE_DATE = date(2014, 9, 30)
FIRST_REPORT_DUE = date(2013, 4, 1)


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    publisher: str
    kind: str
    published_on: date | None
    date_note: str
    seed_file: str
    # Set when the text does not state the attribute; the note says why the value is taken.
    title_inferred: bool = False
    title_note: str = ""
    publisher_inferred: bool = False
    publisher_note: str = ""
    published_on_inferred: bool = False

    def read_text(self) -> str:
        return (SOURCES_DIR / self.seed_file).read_text(encoding="utf-8")


SOURCES: tuple[Source, ...] = (
    Source(
        key=JOINT_STATEMENT_2012,
        title="Global Alliance Against Child Sexual Abuse Online Joint Statement",
        publisher="U.S. Department of Justice, Office of Public Affairs (release 12-784)",
        kind="joint_statement",
        published_on=date(2012, 6, 21),
        date_note="",
        seed_file="003_344f586dfc4bacfb.txt",
    ),
    Source(
        key=DOJ_LAUNCH_2012,
        title=(
            "Attorney General Eric Holder and High-Level Officials Launch Global Alliance "
            "Against Child Sexual Abuse Online"
        ),
        publisher="U.S. Department of Justice, Office of Public Affairs (release 12-1438)",
        kind="press_release",
        published_on=date(2012, 12, 4),
        date_note="",
        seed_file="001_d1e2c7287c595a8a.txt",
    ),
    Source(
        key=LAUNCH_REPORT_2012,
        title="Report on the launch of the Global Alliance Against Child Sexual Abuse Online",
        publisher="News report (publisher not named in the text)",
        kind="news_report",
        published_on=None,
        date_note=(
            "Undated; it dates the launch 'Last Wednesday', i.e. Wednesday 5 December 2012, so it is inferred "
            "to have been written in the week after the launch."
        ),
        seed_file="004_21ac047c35c89d8a.txt",
        title_inferred=True,
        title_note="The text has no title; this one describes its subject, the launch.",
        publisher_inferred=True,
        publisher_note=(
            "The text names no publisher or author; the kind, news report, describes its form (it reports the "
            "launch and comments on it: 'The Arab world was notably absent')."
        ),
    ),
    Source(
        key=EC_CONFERENCE_2014,
        title="Second Ministerial Conference of the Global Alliance against Child Sexual Abuse Online",
        publisher="European Commission (press release, Brussels), as reposted on a blog by misty534",
        kind="press_release",
        published_on=date(2014, 9, 30),
        date_note="",
        seed_file="002_7a8ef00bced3189a.txt",
        publisher_note=(
            "The copy received is a blog post ('Published September 30, 2014 by misty534', followed by the "
            "blog's comment form) that reproduces the Commission's release, headed 'European Commission' "
            "and dated 'Brussels, 30 September 2014'."
        ),
    ),
    Source(
        key=DOJ_CONFERENCE_2014,
        title="Ministerial conference of the Global Alliance Against Child Sexual Abuse Online in Washington",
        publisher="U.S. Department of Justice (press release)",
        kind="press_release",
        published_on=date(2014, 9, 30),
        date_note=(
            "Undated; inferred: it reports the Washington ministerial conference as held 'Today', and the "
            "European Commission's release dates that conference 30 September 2014."
        ),
        seed_file="000_030b8b62348652b1.txt",
        title_inferred=True,
        title_note="The text has no title; this one describes its subject, the Washington ministerial conference.",
        publisher_inferred=True,
        publisher_note=(
            "The text names no publisher; the U.S. Department of Justice is inferred from its content (it "
            "quotes Attorney General Holder and ends with a 'Background' on the Department's cases, as the "
            "DOJ's 2012 release does), and its kind, press release, from its form."
        ),
        published_on_inferred=True,
    ),
)


@dataclass(frozen=True)
class Member:
    """A member state, how each source names it, and its status at the two dated lists."""

    iso_code: str
    name: str
    # The name as written in the complete list of 54 members (DOJ, 30 Sept 2014).
    listed_as_2014: str
    # Launch participant: the name in the DOJ's list of non-EU launch countries, or "EU" for the
    # 27 EU member states the launch documents count without naming; None for later joiners.
    at_launch: str | None
    eu_at_launch: bool
    eu_in_2014: bool


MEMBERS: tuple[Member, ...] = (
    # The 27 EU member states at the launch.
    Member("AT", "Austria", "Austria", "EU", True, True),
    Member("BE", "Belgium", "Belgium", "EU", True, True),
    Member("BG", "Bulgaria", "Bulgaria", "EU", True, True),
    Member("CY", "Cyprus", "Cyprus", "EU", True, True),
    Member("CZ", "Czech Republic", "the Czech Republic", "EU", True, True),
    Member("DK", "Denmark", "Denmark", "EU", True, True),
    Member("EE", "Estonia", "Estonia", "EU", True, True),
    Member("FI", "Finland", "Finland", "EU", True, True),
    Member("FR", "France", "France", "EU", True, True),
    Member("DE", "Germany", "Germany", "EU", True, True),
    Member("GR", "Greece", "Greece", "EU", True, True),
    Member("HU", "Hungary", "Hungary", "EU", True, True),
    Member("IE", "Ireland", "Ireland", "EU", True, True),
    Member("IT", "Italy", "Italy", "EU", True, True),
    Member("LV", "Latvia", "Latvia", "EU", True, True),
    Member("LT", "Lithuania", "Lithuania", "EU", True, True),
    Member("LU", "Luxembourg", "Luxembourg", "EU", True, True),
    Member("MT", "Malta", "Malta", "EU", True, True),
    Member("NL", "Netherlands", "the Netherlands", "EU", True, True),
    Member("PL", "Poland", "Poland", "EU", True, True),
    Member("PT", "Portugal", "Portugal", "EU", True, True),
    Member("RO", "Romania", "Romania", "EU", True, True),
    Member("SK", "Slovak Republic", "the Slovak Republic", "EU", True, True),
    Member("SI", "Slovenia", "Slovenia", "EU", True, True),
    Member("ES", "Spain", "Spain", "EU", True, True),
    Member("SE", "Sweden", "Sweden", "EU", True, True),
    Member("GB", "United Kingdom", "the United Kingdom", "EU", True, True),
    # The 21 launch countries outside the EU (Croatia joined the EU before 30 Sept 2014).
    Member("AL", "Albania", "Albania", "Albania", False, False),
    Member("AU", "Australia", "Australia", "Australia", False, False),
    Member("KH", "Cambodia", "Cambodia", "Cambodia", False, False),
    Member("CA", "Canada", "Canada", "Canada", False, False),
    Member("HR", "Croatia", "Croatia", "Croatia", False, True),
    Member("GE", "Georgia", "Georgia", "Georgia", False, False),
    Member("GH", "Ghana", "Ghana", "Ghana", False, False),
    Member("JP", "Japan", "Japan", "Japan", False, False),
    Member("MD", "Republic of Moldova", "the Republic of Moldova", "Moldova", False, False),
    Member("ME", "Montenegro", "Montenegro", "Montenegro", False, False),
    Member("NZ", "New Zealand", "New Zealand", "New Zealand", False, False),
    Member("NG", "Nigeria", "Nigeria", "Nigeria", False, False),
    Member("NO", "Norway", "Norway", "Norway", False, False),
    Member("PH", "Philippines", "the Philippines", "the Philippines", False, False),
    Member("RS", "Serbia", "Serbia", "Serbia", False, False),
    Member("KR", "Republic of Korea", "the Republic of Korea", "Republic of Korea", False, False),
    Member("CH", "Switzerland", "Switzerland", "Switzerland", False, False),
    Member("TH", "Thailand", "Thailand", "Thailand", False, False),
    Member("TR", "Turkey", "Turkey", "Turkey", False, False),
    Member("UA", "Ukraine", "Ukraine", "Ukraine", False, False),
    Member("US", "United States", "the United States", "United States", False, False),
    # The six members by 30 Sept 2014 that were not at the launch.
    Member("AM", "Armenia", "Armenia", None, False, False),
    Member("BA", "Bosnia and Herzegovina", "Bosnia and Herzegovina", None, False, False),
    Member("CR", "Costa Rica", "Costa Rica", None, False, False),
    Member("IL", "Israel", "Israel", None, False, False),
    Member("XK", "Kosovo", "Kosovo", None, False, False),
    Member("MX", "Mexico", "Mexico", None, False, False),
)

# How the European Commission's 2014 list names the members outside the EU (for the excerpts).
LISTED_IN_EC_2014 = {
    "AL": "Albania",
    "AM": "Armenia",
    "AU": "Australia",
    "BA": "Bosnia and Herzegovina",
    "KH": "Cambodia",
    "CA": "Canada",
    "CR": "Costa Rica",
    "GE": "Georgia",
    "GH": "Ghana",
    "IL": "Israel",
    "JP": "Japan",
    "XK": "Kosovo",
    "KR": "South Korea",
    "MX": "Mexico",
    "MD": "Moldova",
    "ME": "Montenegro",
    "NZ": "New Zealand",
    "NG": "Nigeria",
    "NO": "Norway",
    "PH": "Philippines",
    "RS": "Serbia",
    "CH": "Switzerland",
    "TH": "Thailand",
    "TR": "Turkey",
    "UA": "Ukraine",
    "US": "United States",
}

LAUNCH_ENDORSERS_EXCERPT = "endorsed by the 27 EU Member States and 21 countries outside the EU"
LAUNCH_NON_EU_EXCERPT = "who are also joined by 22 countries outside the EU"
MEMBERS_2014_EXCERPT = "the Global Alliance currently consists of 54 countries: the 28 EU Member States"
EU_2014_EXCERPT = "the 28 EU Member States"
ENDORSED_2014_EXCERPT = "the 54 Alliance members endorsed a Ministerial Declaration"


@dataclass(frozen=True)
class Fact:
    source: str
    excerpt: str
    note: str = ""


@dataclass(frozen=True)
class ConferenceData:
    key: str
    name: str
    city: str
    held_on: date
    fact: Fact


CONFERENCES: tuple[ConferenceData, ...] = (
    ConferenceData(
        key="launch-conference-2012",
        name="Launch ministerial conference of the Global Alliance",
        city="Brussels",
        held_on=LAUNCH_DATE,
        fact=Fact(
            DOJ_LAUNCH_2012,
            "will launch the Global Alliance Against Child Sexual Abuse Online at a ministerial conference "
            "tomorrow, Dec. 5, 2012, in Brussels",
            "Announced the day before. That the launch took place on 5 December 2012 is reported afterwards by "
            "the Commission's 2014 release ('On 5 December 2012, EU Commissioner for Home Affairs Cecilia "
            "Malmström together with US Attorney General Eric Holder launched') and the launch news report "
            "('Last Wednesday'); the city is only in this announcement.",
        ),
    ),
    ConferenceData(
        key="second-conference-2014",
        name="Second ministerial conference of the Global Alliance",
        city="Washington",
        held_on=SECOND_CONFERENCE_DATE,
        fact=Fact(
            EC_CONFERENCE_2014,
            "global decision-makers are meeting in Washington for the second ministerial conference of the "
            "Global Alliance (30 September)",
        ),
    ),
)


@dataclass(frozen=True)
class DeclarationData:
    key: str
    title: str
    adopted_on: date
    conference: str | None
    summary: str
    fact: Fact


JOINT_STATEMENT = "eu-us-joint-statement-2012"
LAUNCH_DECLARATION = "launch-declaration-2012"
MINISTERIAL_DECLARATION = "ministerial-declaration-2014"

DECLARATIONS: tuple[DeclarationData, ...] = (
    DeclarationData(
        key=JOINT_STATEMENT,
        title="Global Alliance Against Child Sexual Abuse Online Joint Statement",
        adopted_on=date(2012, 6, 21),
        conference=None,
        summary=(
            "At the EU-U.S. Justice and Home Affairs Ministerial Meeting, the EU and the U.S. agreed to enhance "
            "efforts against child sexual abuse online and called upon governments around the world to "
            "participate in building a Global Alliance against Child Sexual Abuse Online, which will seek to "
            "unite countries around the world behind a set of shared goals (four are listed)."
        ),
        fact=Fact(
            JOINT_STATEMENT_2012,
            "We call upon governments around the world to participate in building a Global Alliance against "
            "Child Sexual Abuse Online.",
            "Agreed 'today' in the DOJ's release of Thursday, June 21, 2012.",
        ),
    ),
    DeclarationData(
        key=LAUNCH_DECLARATION,
        title="Declaration on the Launch of the Global Alliance and Guiding Principles",
        adopted_on=LAUNCH_DATE,
        conference="launch-conference-2012",
        summary=(
            "Released on the launch and endorsed by the 27 EU Member States and 21 countries outside the EU. "
            "The countries of the alliance commit themselves to a number of policy targets and goals, notably "
            "to identify and assist victims, investigate and prosecute offenders, increase children's "
            "awareness of online risks and reduce the availability of abuse material online; the Global "
            "Alliance will aim to reach the operational goals and by April 1, 2013 will report on the "
            "specific actions to reach the objectives."
        ),
        fact=Fact(
            EC_CONFERENCE_2014,
            "(Declaration on the Launch of the Global Alliance and Guiding Principles)",
            "Adopted at the launch: the launch news report speaks of 'a declaration released on the launch', "
            "which the Commission's 2014 release dates 5 December 2012. The title is the Commission's (see "
            "discrepancy 'launch-declaration-title').",
        ),
    ),
    DeclarationData(
        key=MINISTERIAL_DECLARATION,
        title="Ministerial Declaration of the Global Alliance (Washington)",
        adopted_on=SECOND_CONFERENCE_DATE,
        conference="second-conference-2014",
        summary=(
            "Endorsed by the 54 Alliance members at the conclusion of the second ministerial conference: it "
            "commits to addressing the transborder obstacles to identifying and rescuing victims of "
            "exploitation and to identifying and prosecuting offenders, by agreeing to pursue four potential "
            "actions where and when possible, in full respect of due process and fundamental rights "
            "requirements."
        ),
        fact=Fact(
            DOJ_CONFERENCE_2014,
            ENDORSED_2014_EXCERPT,
            "Endorsed 'At the conclusion of the conference'; the release is undated, and the Commission's "
            "release dates the conference 30 September 2014. The source calls it 'a Ministerial Declaration'; "
            "the place in brackets tells it apart.",
        ),
    ),
)


@dataclass(frozen=True)
class TargetData:
    number: int
    code: str
    title: str
    statement: str
    fact: Fact


TARGET_NOTE = (
    "Worded as the DOJ announced it the day before the launch ('the participating countries will make "
    "political commitments to pursue a number of goals, notably'); the Commission's 2014 release gives the "
    "same four targets as committed to under the launch declaration (see discrepancy 'policy-target-wording')."
)

# The order of the launch declaration (as the DOJ and the Commission cite it).
TARGETS: tuple[TargetData, ...] = (
    TargetData(
        1,
        "victims",
        "Identify and assist victims",
        "Enhancing efforts to identify victims and ensuring that they receive the necessary assistance, "
        "support and protection",
        Fact(
            DOJ_LAUNCH_2012,
            "Enhancing efforts to identify victims and ensuring that they receive the necessary assistance, "
            "support and protection;",
            TARGET_NOTE,
        ),
    ),
    TargetData(
        2,
        "prosecution",
        "Investigate and prosecute offenders",
        "Enhancing efforts to investigate cases of child sexual abuse online and to identify and prosecute offenders",
        Fact(
            DOJ_LAUNCH_2012,
            "Enhancing efforts to investigate cases of child sexual abuse online and to identify and prosecute "
            "offenders;",
            TARGET_NOTE,
        ),
    ),
    TargetData(
        3,
        "awareness",
        "Raise awareness of online risks",
        "Increasing children's awareness of online risks, including the self-production of images and "
        "'grooming' methods used by paedophiles",
        Fact(
            DOJ_LAUNCH_2012,
            "Increasing children's awareness of online risks, including the self-production of images and "
            "'grooming' methods used by paedophiles",
            TARGET_NOTE,
        ),
    ),
    TargetData(
        4,
        "availability",
        "Reduce the availability of abuse material online and re-victimisation",
        "Reducing the availability of child abuse material online and the re-victimization of children",
        Fact(
            DOJ_LAUNCH_2012,
            "Reducing the availability of child abuse material online and the re-victimization of children.",
            TARGET_NOTE,
        ),
    ),
)

GOAL_MAPPING_NOTE = (
    "The source lists the operational goals, which 'the Global Alliance will aim to reach', without naming "
    "their targets or the declaration; the goal is attributed to the launch declaration, whose 'policy "
    "targets and goals' the Commission's 2014 release cites, and mapped to the target whose subject it "
    "addresses (inferred: see discrepancy 'goal-target-mapping')."
)


@dataclass(frozen=True)
class GoalData:
    number: int
    code: str
    target: str
    text: str


# The operational goals of the launch declaration, in the source's order.
GOALS: tuple[GoalData, ...] = (
    GoalData(
        1,
        "icse-identified-victims",
        "victims",
        "Increase the number of identified victims in the International Child Sexual Exploitation images "
        "database (ICSE database) managed by INTERPOL by at least 10 percent yearly",
    ),
    GoalData(
        2,
        "criminalisation-framework",
        "prosecution",
        "Establish the necessary framework for the criminalization of child sexual abuse online and the "
        "effective prosecution of offenders",
    ),
    GoalData(
        3,
        "joint-law-enforcement",
        "prosecution",
        "Improve the joint efforts of law enforcement authorities across Global Alliance countries to "
        "investigate and prosecute child sexual abuse online",
    ),
    GoalData(
        4,
        "awareness-campaigns",
        "awareness",
        "Develop, improve or support public awareness campaigns or other measures to educate on the risks "
        "that children's online conduct poses and the steps that can be taken to minimize those risks",
    ),
    GoalData(
        5,
        "self-exploitation-best-practices",
        "awareness",
        "Share best practices among Global Alliance countries for effective strategies to inform the public "
        "about the risks posed by online, self-exploitative conduct in order to reduce the production of new "
        "child pornography",
    ),
    GoalData(
        6,
        "private-sector-removal",
        "availability",
        "Encourage participation by the private sector in identifying and removing known child pornography material",
    ),
    GoalData(
        7,
        "notice-and-takedown-speed",
        "availability",
        "Increase the speed of notice and takedown procedures as much as possible without jeopardizing "
        "criminal investigations",
    ),
)


@dataclass(frozen=True)
class ActionData:
    number: int
    code: str
    text: str


# The potential actions of the 2014 Ministerial Declaration, in the source's order.
ACTIONS: tuple[ActionData, ...] = (
    ActionData(
        1,
        "timely-access-to-evidence",
        "Enabling law enforcement among Global Alliance countries to gain timely access to electronic "
        "information and evidence held by Internet service providers and other repositories of electronic "
        "information that is material to the investigation and prosecution of child sexual abuse offenses "
        "through central authorities and other legally authorized channels, so that no nation becomes a safe "
        "haven for such information",
    ),
    ActionData(
        2,
        "law-enforcement-exchange",
        "Facilitating prompt and comprehensive exchange among law enforcement of information and evidence "
        "pertinent to child sexual abuse offenses featuring transborder offense conduct, victims, "
        "co-conspirators or evidence repositories",
    ),
    ActionData(
        3,
        "provider-information-to-law-enforcement",
        "Enabling Internet service providers and other repositories of electronic information to provide "
        "information pertinent to the identification, apprehension, and ultimate prosecution of online child "
        "sexual abuse offenders to law enforcement pursuant to legal process in a manner and time frame "
        "consistent with reasonable investigative and prosecutorial demands",
    ),
    ActionData(
        4,
        "transborder-victim-identification",
        "Augmenting existing, collaborative and transborder efforts to identify and rescue victims of online "
        "child sexual abuse",
    ),
)


@dataclass(frozen=True)
class TenureData:
    holder: str
    started_on: date
    # A DateBasis value: "inferred" when no source states the date, "announced" when the source
    # announces the start for that date without reporting that it happened.
    started_on_basis: str
    # Only when a source says the tenure ended.
    ended_on: date | None
    fact: Fact


HANDOVER_EXCERPT = (
    "At the conference the Commission will also hand-over the secretariat and presidency tasks of the Global "
    "Alliance to the US authorities."
)

SECRETARIAT: tuple[TenureData, ...] = (
    TenureData(
        "European Commission",
        LAUNCH_DATE,
        "inferred",
        # The source announces the handover; it does not report that the tenure ended.
        None,
        Fact(
            EC_CONFERENCE_2014,
            HANDOVER_EXCERPT,
            "The Commission's release of 30 Sept 2014 says the Commission 'will also hand-over' the secretariat "
            "and presidency tasks at that day's conference, so it held them then; that it held them from the "
            "launch is inferred (its Commissioner launched the Alliance with the US Attorney General, at a "
            "conference in Brussels). No source says the tenure ended (see discrepancy 'secretariat-handover').",
        ),
    ),
    TenureData(
        "United States authorities",
        SECOND_CONFERENCE_DATE,
        "announced",
        None,
        Fact(
            EC_CONFERENCE_2014,
            HANDOVER_EXCERPT,
            "Announced by the Commission's release of 30 Sept 2014 for that day's conference; no source says "
            "the handover took place (the DOJ's release on the conference does not mention it).",
        ),
    ),
)

FIRST_REPORT = Fact(
    LAUNCH_REPORT_2012,
    "by April 1, 2013 will report on the specific actions to reach the objectives",
    "The source gives only the deadline; that the report covers the period from the launch to the deadline "
    "is inferred. The Commission's 2014 release notes that 'A first report summarising the commitments' had "
    "been issued.",
)


@dataclass(frozen=True)
class DiscrepancyData:
    key: str
    subject: str
    what_the_sources_say: str
    choice: str
    sources: tuple[str, ...] = field(default_factory=tuple)


DISCREPANCIES: tuple[DiscrepancyData, ...] = (
    DiscrepancyData(
        "launch-country-count",
        "How many countries launched the Alliance: 49 or 48",
        "The DOJ's release of 4 Dec 2012, the day before the launch, is headed '49 Countries Worldwide Join "
        "Forces' and counts as participants 27 EU member states joined by 22 countries outside the EU. The "
        "launch news report counts 48 participating countries (27 EU member states and 21 outside the EU), and "
        "the Commission's 2014 release says 'From 48 countries initially'.",
        "48 founding members: the endorsers of the launch declaration, as two of the three sources count them. "
        "The 49th country of the DOJ's list is Vietnam (next entry).",
        (DOJ_LAUNCH_2012, LAUNCH_REPORT_2012, EC_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "vietnam",
        "Vietnam: named among the launch participants, in no later list",
        "Vietnam is in the DOJ's list of 22 launch countries outside the EU (4 Dec 2012), but not in the "
        "Commission's or the DOJ's lists of the 54 members of 30 Sept 2014. It is the only 2012 name missing "
        "from the 2014 lists, and dropping it gives the 21 non-EU endorsers of the launch news report.",
        "Vietnam is not recorded as a member state: it is taken to have been among the participants announced "
        "for the launch without endorsing the declaration.",
        (DOJ_LAUNCH_2012, LAUNCH_REPORT_2012, EC_CONFERENCE_2014, DOJ_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "croatia-eu-accession",
        "Croatia's EU membership: outside the EU at the launch, inside by 2014, date not given",
        "In 2012 the DOJ lists Croatia among the 22 countries outside the EU. In 2014 the Commission counts "
        "'the 28 EU Member States' and does not name Croatia among the others, while the DOJ's 2014 list "
        "names it among the 54. No source gives the date Croatia joined the EU.",
        "Croatia's EU membership is recorded from 30 Sept 2014, marked 'by this date at the latest'; on dates "
        "between the launch and then the data shows it outside the EU.",
        (DOJ_LAUNCH_2012, EC_CONFERENCE_2014, DOJ_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "eu-members-not-named",
        "The EU member states are counted, not named, in the launch documents",
        "The 2012 documents speak of '27 EU member states' without naming them; the Commission's 2014 "
        "release speaks of 'the 28 EU Member States'. Only the DOJ's 2014 release names all 54 members.",
        "The EU member states are the 54 named by the DOJ in 2014 less the 26 that the Commission names "
        "besides the 28 EU Member States; the 27 of 2012 are those 28 less Croatia. Their EU membership is "
        "recorded as already running when the Alliance's records begin (date basis 'Before the Alliance's "
        "records begin'), not as starting on a date.",
        (DOJ_LAUNCH_2012, LAUNCH_REPORT_2012, EC_CONFERENCE_2014, DOJ_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "joining-dates",
        "When the six later members joined",
        "Armenia, Bosnia and Herzegovina, Costa Rica, Israel, Kosovo and Mexico are in both lists of 30 Sept "
        "2014 and in no launch list. No source gives the date each joined.",
        "Their membership is recorded from 30 Sept 2014, marked 'by this date at the latest'.",
        (EC_CONFERENCE_2014, DOJ_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "country-names",
        "Country names differ between the lists",
        "Moldova (DOJ 2012, Commission 2014) is 'the Republic of Moldova' in the DOJ's 2014 list; the "
        "Republic of Korea (DOJ 2012 and 2014) is 'South Korea' in the Commission's list; the DOJ's 2014 list "
        "writes 'the Slovak Republic' and 'the Czech Republic'. The DOJ's 2012 list also runs 'Canada Croatia' "
        "together without a comma.",
        "Names follow the DOJ's complete 2014 list without its leading 'the'; each state's name as written "
        "in every source is kept in the membership records' excerpts. Kosovo uses the user-assigned code XK.",
        (DOJ_LAUNCH_2012, EC_CONFERENCE_2014, DOJ_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "policy-target-wording",
        "The four policy targets are ordered and worded differently",
        "The EU-US joint statement of June 2012 lists the goals as victims, availability, investigation, "
        "awareness, and speaks of 'public awareness of the risks posed by children's activities online'. The "
        "DOJ's launch release and the Commission's 2014 release (citing the launch declaration) list victims, "
        "investigation, awareness, availability; the DOJ speaks of 'child abuse material' and of children's "
        "awareness of online risks 'including the self-production of images' and grooming, the Commission "
        "of 'child pornography online' and 'children's awareness of online risks'. The DOJ's list was "
        "published the day before the launch, as the commitments the countries 'will make' there.",
        "The targets take the launch declaration's order and the DOJ's launch wording, the fullest of the "
        "three lists; that this wording is the declaration's is inferred, since the DOJ published it before "
        "the launch and the Commission's 2014 list, which cites the declaration, is shorter.",
        (JOINT_STATEMENT_2012, DOJ_LAUNCH_2012, EC_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "goal-target-mapping",
        "Operational goals are not labelled with their policy targets",
        "The launch news report lists seven operational goals without saying which policy target each serves.",
        "Each goal is mapped by its subject: ICSE victim identification to victims; criminalisation framework "
        "and joint law enforcement to investigation and prosecution; awareness campaigns and best practices "
        "on self-exploitative conduct to awareness; private-sector removal and notice-and-takedown speed to "
        "availability. The listed order follows the targets' order, which supports the mapping.",
        (LAUNCH_REPORT_2012,),
    ),
    DiscrepancyData(
        "launch-declaration-title",
        "The launch declaration's name",
        "The launch news report speaks of 'a declaration released on the launch' and 'the declaration on the "
        "activities of the alliance'; the Commission's 2014 release names it 'Declaration on the Launch of "
        "the Global Alliance and Guiding Principles'.",
        "The Commission's title is used.",
        (LAUNCH_REPORT_2012, EC_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "attendance-2014",
        "Members at the 2014 conference: 'over 30' or 54",
        "The DOJ's 2014 release welcomes officials 'representing over 30 members' to the Washington "
        "conference, and says 'the 54 Alliance members endorsed a Ministerial Declaration'.",
        "All 54 members are recorded as endorsing the 2014 Ministerial Declaration; attendance is not recorded.",
        (DOJ_CONFERENCE_2014,),
    ),
    DiscrepancyData(
        "secretariat-start",
        "Who held the secretariat before 2014",
        "The Commission's 2014 release says it 'will also hand-over the secretariat and presidency tasks of the "
        "Global Alliance to the US authorities' at the conference; no source says when the Commission took "
        "them on.",
        "The Commission's tenure is recorded from the launch (5 Dec 2012), its start marked 'Inferred (the "
        "sources do not state this date)': its Commissioner launched the Alliance with the US Attorney General.",
        (EC_CONFERENCE_2014,),
    ),
    DiscrepancyData(
        "secretariat-handover",
        "The handover of the secretariat to the US authorities: announced, not reported as done",
        "The Commission's release of 30 Sept 2014 announces that 'At the conference the Commission will also "
        "hand-over the secretariat and presidency tasks of the Global Alliance to the US authorities'. The "
        "DOJ's release on the conference does not mention a handover, and no source says it took place.",
        "The US authorities' tenure is recorded from 30 Sept 2014 with the date basis 'Announced in the source "
        "for this date (not reported as done)', not as a tenure that started; the Commission's tenure has no "
        "end date, since no source says it ended.",
        (EC_CONFERENCE_2014, DOJ_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "first-report",
        "The first report: due date and issue",
        "The launch news report says the Alliance 'by April 1, 2013 will report on the specific actions to "
        "reach the objectives'; the Commission's 2014 release says 'A first report summarising the "
        "commitments' has already been issued, without a date.",
        "The initial reporting cycle is due on 1 April 2013; its period and opening, from the launch (5 Dec "
        "2012), are inferred, since the source gives only the deadline; the actual issue date is not recorded.",
        (LAUNCH_REPORT_2012, EC_CONFERENCE_2014),
    ),
    DiscrepancyData(
        "icse-goal-reading",
        "How the tracker reads the ICSE goal",
        "The launch news report lists the operational goal 'Increase the number of identified victims in the "
        "International Child Sexual Exploitation images database (ICSE database) managed by INTERPOL by at "
        "least 10 percent yearly'. It does not say what figure a member reports, or how the increase is "
        "measured.",
        "The goal speaks of 'the number of identified victims in the International Child Sexual Exploitation "
        "images database (ICSE database) managed by INTERPOL', a stock held by INTERPOL; members are asked "
        "for the victims they identified in the period each report covers, a figure they can count. The "
        "tracker measures that yearly figure year on year: a member meets the goal in a yearly cycle when "
        "the victims it identified in that year are at least 110% of those it identified in the yearly cycle "
        "a year before; the Alliance meets it when the total of the members that reported the figure in both "
        "years is at least 110% of their total the year before (members that reported it in only one of the "
        "two years are named and left out of the comparison). The initial report (the four months to 1 April "
        "2013) is not a year and is not compared.",
        (LAUNCH_REPORT_2012,),
    ),
    DiscrepancyData(
        "takedown-goal-reading",
        "How the tracker reads the notice-and-takedown goal",
        "The launch news report lists the operational goal 'Increase the speed of notice and takedown "
        "procedures as much as possible without jeopardizing criminal investigations'. It gives no measure "
        "of speed and no figure to reach.",
        "'Increase the speed of notice and takedown': members report the median hours from notice to "
        "takedown in the period; a member's median of several figures is the median of those figures (the "
        "mean of the two middle values when their number is even); lower is faster; compared year on year "
        "like the ICSE figure.",
        (LAUNCH_REPORT_2012,),
    ),
)
