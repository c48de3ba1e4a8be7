"""HTML digest: one self-contained file (inline CSS and SVG, no scripts), print-ready and phone-readable.

Everything that came from users or organisers goes through `_html` (html.escape with quotes), so a
response cannot open a tag, close a textarea or inject an attribute.
"""

from html import escape as html_escape

from bot.digest import formatting as fmt
from bot.digest import report
from bot.digest.model import Digest, PairShift, PollSection, QuestionSection, ResponseItem
from bot.digest.render_weighin import html_groups, html_question
from bot.digest.svg import bar_chart

CSS = """
:root{color-scheme:light}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#1b1b1b;background:#fff}
main{max-width:52rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.8rem;line-height:1.2;margin:1rem 0 .25rem}
h2{font-size:1.35rem;margin:2rem 0 .75rem;padding-bottom:.25rem;border-bottom:2px solid #d8dde3}
h3{font-size:1.1rem;margin:1.5rem 0 .4rem}
h4{font-size:1rem;margin:1rem 0 .3rem}
.meta,.caption{color:#555;font-size:.92rem;margin:.2rem 0}
.notice{background:#f3f5f8;border-left:4px solid #5a6b7d;padding:.5rem .75rem;font-size:.95rem}
.text,blockquote{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
ol.responses{padding-left:1.6rem}
ol.responses li{margin:.6rem 0}
ul.reasons{padding-left:1.2rem;margin:.2rem 0 .6rem}ul.reasons li{margin:.35rem 0}
blockquote{margin:0;padding:.35rem .75rem;border-left:3px solid #c5ccd4;background:#fafbfc}
.by{font-size:.85rem;color:#555;margin:.15rem 0 0}
.conclusion{border:1px solid #c5ccd4;border-radius:4px;padding:.5rem .75rem;margin:.75rem 0}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.95rem}
th,td{border-bottom:1px solid #e1e5ea;padding:.3rem .4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.n,th.n{text-align:right;white-space:nowrap}
.chart{width:100%;height:auto;max-width:40rem;display:block;margin:.5rem 0}
.chart .l{font:14px sans-serif;fill:#1b1b1b}.chart .v{font:13px sans-serif;fill:#444}
.chart .t{fill:#eef1f4}.chart .b{fill:#3a6ea5}
ul.points{padding-left:1.2rem}ul.points>li{margin:.7rem 0}ul.points blockquote{margin:.3rem 0}
ul.summary li{margin:.3rem 0}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
ul.statements{padding-left:1.2rem}ul.statements li{margin:.35rem 0}q{overflow-wrap:anywhere}
.opinion-map{max-width:22rem}
.pair figure{margin:0}.pair figcaption{font-weight:600}
@media (max-width:640px){body{font-size:15px}main{padding:.75rem}.pair{grid-template-columns:1fr}}
@media print{
body{font-size:10.5pt}main{max-width:none;padding:0}
h2,h3{break-after:avoid}li,figure,table,.chart,.conclusion{break-inside:avoid}
blockquote,.notice{background:none}.chart .b{fill:#333}
}
"""


def _html(text: str) -> str:
    return html_escape(text, quote=True)


def render_html(digest: Digest) -> str:
    out: list[str] = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{_html(fmt.one_line(digest.title))}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        f'<header>\n<h1 dir="auto">{_html(fmt.one_line(digest.title))}</h1>\n',
        f'<p class="meta">{_html(fmt.date_range(digest.starts_at, digest.ends_at))} · {_html(digest.channel)}</p>\n',
    ]
    if audience := fmt.audience_notice(digest):
        out.append(f'<p class="notice">{_html(audience)}</p>\n')
    if digest.chatham_house:
        out.append(f'<p class="notice">{_html(fmt.CHATHAM_NOTICE)}</p>\n')
    if sectors := fmt.sector_notice(digest):
        out.append(f'<p class="notice">{_html(sectors)}</p>\n')
    if note := fmt.window_note(digest):
        out.append(f'<p class="meta">{_html(note)}</p>\n')
    if byline := report.reported_by_line(digest):
        out.append(f'<p class="meta" dir="auto">{_html(byline)}</p>\n')
    if digest.description:
        out.append(f'<p class="text" dir="auto">{_html(digest.description)}</p>\n')
    out.append("</header>\n")
    for anchor, heading, text in (
        ("intro", "Introduction", digest.report.intro),
        ("purpose", "Purpose", digest.report.purpose),
    ):
        if text:
            out.append(
                f'<section id="{anchor}">\n<h2>{heading}</h2>\n<p class="text" dir="auto">{_html(text)}</p>\n</section>\n'
            )
    out.append(
        f'<section id="participants">\n<h2>Participants</h2>\n<p>{_html(report.participants_line(digest))}</p>\n'
    )
    if digest.questions:
        out.append('<h3>Questions posed</h3>\n<ol class="posed">\n')
        out.extend(f'<li dir="auto">{_html(fmt.one_line(q.text))}</li>\n' for q in digest.questions)
        out.append("</ol>\n")
    out.append("</section>\n")
    _executive_summary(out, digest)
    if digest.questions:
        out.append('<section id="questions">\n<h2>Questions</h2>\n')
        for question in digest.questions:
            _question(out, question, digest)
        out.append("</section>\n")
    if digest.polls:
        out.append('<section id="polls">\n<h2>Polls</h2>\n')
        for poll in digest.polls:
            _poll(out, poll)
        out.append("</section>\n")
    if digest.pairs:
        out.append('<section id="pairs">\n<h2>Before and after</h2>\n')
        polls = {poll.number: poll for poll in digest.polls}
        for pair in digest.pairs:
            _pair(out, pair, polls[pair.pre_poll], polls[pair.post_poll])
        out.append("</section>\n")
    out.append(html_groups(digest))
    _participation(out, digest)
    _appendix(out, digest)
    out.append("</main>\n</body>\n</html>\n")
    return "".join(out)


def _executive_summary(out: list[str], digest: Digest) -> None:
    questions, headlines = report.executive_summary(digest)
    out.append('<section id="summary">\n<h2>Executive summary</h2>\n')
    for lines in (questions, headlines):
        if lines:
            out.append('<ul class="summary">\n')
            out.extend(f'<li dir="auto">{_html(line)}</li>\n' for line in lines)
            out.append("</ul>\n")
    out.append(f"<p>{_html(' '.join(fmt.summary_sentences(digest)))}</p>\n</section>\n")


def _question(out: list[str], question: QuestionSection, digest: Digest) -> None:
    out.append(f'<article class="question" id="q{question.number}">\n')
    out.append(f"<h3>Question {question.number} · {_html(fmt.phase_label(question.phase))}</h3>\n")
    out.append(f'<p class="text" dir="auto"><strong>{_html(question.text)}</strong></p>\n')
    answered = fmt.answered(question, digest.participation)
    rate = f" · {answered}" if answered else ""
    out.append(f'<p class="meta">{_html(fmt.plural(len(question.responses), "response") + rate)}</p>\n')
    _key_points(out, question)
    out.append(html_question(question))
    if question.conclusion:
        out.append(
            f'<div class="conclusion"><strong>Conclusion</strong><p class="text" dir="auto">{_html(question.conclusion)}</p></div>\n'
        )
    out.append("</article>\n")


def _key_points(out: list[str], question: QuestionSection) -> None:
    if not question.key_points:
        out.append(f'<p class="meta">{_html(report.no_key_points_line(question))}</p>\n')
        return
    out.append(f'<div class="key-points">\n<h4>{_html(report.key_points_heading(question))}</h4>\n')
    if any(point.suggested for point in question.key_points):
        out.append(f'<p class="caption">{_html(report.SUGGESTED_NOTE)}</p>\n')
    out.append('<ul class="points">\n')
    for point in question.key_points:
        out.append(
            f'<li><strong dir="auto">{_html(fmt.one_line(point.label))}</strong> — '
            f"{_html(report.key_point_caption(point, question))}"
        )
        if point.quotes:
            out.append(f'<p class="by">{_html(report.quote_intro(point))}</p>')
            out.extend(f'<blockquote dir="auto">{_html(quote)}</blockquote>' for quote in point.quotes)
        out.append("</li>\n")
    out.append("</ul>\n")
    if other := report.other_points_line(question):
        out.append(f'<p class="meta">{_html(other)}</p>\n')
    out.append("</div>\n")


def _appendix(out: list[str], digest: Digest) -> None:
    if not any(q.responses for q in digest.questions):
        return
    out.append(f'<section id="appendix">\n<h2>{_html(report.APPENDIX)}</h2>\n')
    for question in digest.questions:
        if not question.responses:
            continue
        out.append(f'<article class="answers" id="a{question.number}">\n')
        out.append(f"<h3>{_html(report.appendix_heading(question))}</h3>\n")
        out.append(
            f'<p class="text" dir="auto"><strong>{_html(question.text)}</strong></p>\n<ol class="responses">\n'
        )
        out.extend(_response(item, digest.sector_tagging) for item in question.responses)
        out.append("</ol>\n</article>\n")
    out.append("</section>\n")


def _response(item: ResponseItem, sector_tagging: bool) -> str:
    by = []
    if byline := fmt.byline(item, sector_tagging):
        by.append(f"<strong>{_html(byline)}</strong>")
    if item.edited:
        by.append("<em>edited</em>")
    footer = f'<p class="by">{" · ".join(by)}</p>' if by else ""
    return f'<li><blockquote dir="auto">{_html(item.text)}</blockquote>{footer}</li>\n'


def _poll(out: list[str], poll: PollSection) -> None:
    out.append(f'<article class="poll" id="p{poll.number}">\n<h3>Poll {poll.number}</h3>\n')
    out.append(f'<p class="text" dir="auto"><strong>{_html(poll.question)}</strong></p>\n')
    out.append(f'<p class="caption">{_html(fmt.poll_caption(poll))}</p>\n')
    if poll.results_withheld:
        options = "".join(f'<li dir="auto">{_html(option.label)}</li>' for option in poll.options)
        out.append(f'<ul class="options">{options}</ul>\n</article>\n')
        return
    out.append(bar_chart(poll.question, poll.options) + "\n")
    out.append(
        '<table><thead><tr><th>Option</th><th class="n">Votes</th><th class="n">Share</th></tr></thead><tbody>\n'
    )
    for option in poll.options:
        voters = f'<br><span class="by">{_html(", ".join(option.voters))}</span>' if option.voters else ""
        out.append(
            f'<tr><td dir="auto">{_html(option.label)}{voters}</td><td class="n">{option.votes:,}</td>'
            f'<td class="n">{fmt.percent(option.percent)}</td></tr>\n'
        )
    out.append(
        f'</tbody><tfoot><tr><th>Voters</th><th class="n">{poll.total_voters:,}</th><th></th></tr></tfoot></table>\n'
    )
    if poll.by_sector:
        _by_sector(out, poll)
    if poll.reasons:
        _reasons(out, poll)
    out.append("</article>\n")


def _by_sector(out: list[str], poll: PollSection) -> None:
    heads = "".join(f'<th class="n" dir="auto">{_html(option.label)}</th>' for option in poll.options)
    out.append(
        f'<h4>By sector</h4>\n<table class="sectors"><thead><tr><th>Sector</th><th class="n">Voters</th>{heads}'
    )
    out.append("</tr></thead><tbody>\n")
    for result in poll.by_sector:
        cells = "".join(f'<td class="n">{o.votes:,} ({fmt.percent(o.percent)})</td>' for o in result.options)
        out.append(
            f'<tr><td dir="auto">{_html(fmt.sector_row(result.sector))}</td><td class="n">{result.voters:,}</td>{cells}</tr>\n'
        )
    out.append("</tbody></table>\n")


def _reasons(out: list[str], poll: PollSection) -> None:
    out.append('<div class="reasons">\n<h4>Reasons</h4>\n')
    for heading, reasons in fmt.reason_groups(poll):
        out.append(f'<p class="caption" dir="auto">{_html(heading)}</p>\n<ul class="reasons">\n')
        for reason in reasons:
            by = f'<p class="by">{_html(reason.author)}</p>' if reason.author else ""
            out.append(f'<li><blockquote dir="auto">{_html(reason.text)}</blockquote>{by}</li>\n')
        out.append("</ul>\n")
    out.append("</div>\n")


def _pair(out: list[str], pair: PairShift, before: PollSection, after: PollSection) -> None:
    out.append(
        f'<article class="pair-shift">\n<h3 dir="auto">{_html(fmt.one_line(pair.question))}</h3>\n<div class="pair">\n'
    )
    for caption, poll in (("Before", before), ("After", after)):
        out.append(
            f"<figure><figcaption>{caption} · {_html(fmt.plural(poll.total_voters, 'voter'))}</figcaption>"
        )
        out.append(bar_chart(f"{caption}: {poll.question}", poll.options) + "</figure>\n")
    out.append('</div>\n<table><thead><tr><th>Option</th><th class="n">Before</th><th class="n">After</th>')
    out.append('<th class="n">Change</th></tr></thead><tbody>\n')
    for s in pair.options:
        out.append(
            f'<tr><td dir="auto">{_html(s.label)}</td><td class="n">{s.pre_votes:,} ({fmt.percent(s.pre_percent)})</td>'
            f'<td class="n">{s.post_votes:,} ({fmt.percent(s.post_percent)})</td><td class="n">{fmt.change(s.change_points)}</td></tr>\n'
        )
    out.append("</tbody></table>\n")
    both = fmt.plural(pair.both, "person", "people")
    out.append(f'<p class="meta">{both} answered both; {pair.changed:,} changed their answer.</p>\n')
    if pair.transitions:
        out.append(
            '<table><thead><tr><th>From</th><th>To</th><th class="n">People</th></tr></thead><tbody>\n'
        )
        for t in pair.transitions:
            out.append(
                f'<tr><td dir="auto">{_html(t.from_label)}</td><td dir="auto">{_html(t.to_label)}</td><td class="n">{t.count:,}</td></tr>\n'
            )
        out.append("</tbody></table>\n")
    out.append("</article>\n")


def _participation(out: list[str], digest: Digest) -> None:
    part = digest.participation
    line = fmt.plural(part.participants, "participant")
    if part.invited is not None:
        line += f": {part.invited_participants:,} of {part.invited:,} invited took part"
    out.append(f'<section id="participation">\n<h2>Participation</h2>\n<p>{_html(line)}.</p>\n')
    if digest.questions:
        out.append(
            '<table><thead><tr><th>Question</th><th class="n">Responses</th><th class="n">Respondents</th>'
        )
        out.append(
            '<th class="n">Invited who answered</th><th class="n">Rate</th><th class="n">Others who answered</th>'
            "</tr></thead><tbody>\n"
        )
        for q in digest.questions:
            out.append(
                f'<tr><td dir="auto">{q.number}. {_html(fmt.one_line(q.text))}</td><td class="n">{len(q.responses):,}</td>'
                f'<td class="n">{q.respondents:,}</td><td class="n">{fmt.invited_cell(q, part)}</td>'
                f'<td class="n">{fmt.response_rate(q.response_rate)}</td><td class="n">{fmt.others_cell(q)}</td></tr>\n'
            )
        out.append("</tbody></table>\n")
    if part.per_day:
        peak = max(d.responses for d in part.per_day)
        out.append(
            f'<table><thead><tr><th>Day ({_html(digest.timezone)})</th><th class="n">Responses</th><th></th></tr></thead><tbody>\n'
        )
        for d in part.per_day:
            width = round(100 * d.responses / peak, 1)
            out.append(
                f'<tr><td>{d.date}</td><td class="n">{d.responses:,}</td><td style="width:50%">'
                f'<span style="display:block;height:.8em;background:#3a6ea5;width:{width}%"></span></td></tr>\n'
            )
        out.append("</tbody></table>\n")
    out.append("</section>\n")
