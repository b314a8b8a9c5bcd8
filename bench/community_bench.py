"""The community's pages in ``make bench`` (issue 14 point 10), and posting at a steady rate while pages are measured.

Pages (on the large data, copractice_demo/community_large.py): a space's topic list (the showcase space,
*Co-production champions*: a quarter of the 10,000 topics), a topic with exactly 200 replies, and the community
search (a member's, over 200,000 posts). ``--community-posting 5``: after the pages are measured as usual, a
poster replies through the site at 5 a second (real form POSTs with the session's CSRF token, spread over some
of the showcase space's other topics and several members) while the pages are measured again; the two sets of
rows side by side say whether posting slows the rest. Used by bench/run.py; bench/README.md, "Community".
"""
import re
import threading
import time

SEARCH_QUERY = "carers meetings"


def facts():
    """(in the --facts child, in an app context) What the community's pages need, or None without the data."""
    from sqlalchemy import func, select

    from copractice.community.models import Post, Space, Topic
    from copractice.extensions import db
    from copractice_demo import community_large

    topic_id = community_large.showcase_topic_id()
    if topic_id is None:
        return None
    space = db.session.scalar(select(Space).where(Space.slug == community_large.SHOWCASE_SPACE))
    others = db.session.scalars(select(Topic.id).where(Topic.space_id == space.id, Topic.id != topic_id,
                                                      Topic.closed_at.is_(None)).order_by(Topic.id).limit(40)).all()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return {"space_slug": space.slug, "topic_id": topic_id,
            "topic_replies": db.session.get(Topic, topic_id).reply_count,
            "space_topics": db.session.scalar(select(func.count()).select_from(Topic).where(Topic.space_id == space.id)),
            "topics": count(Topic), "posts": count(Post), "posting_topics": others,
            "posters": ["trainee@example.org", "facilitator@example.org", "admin@example.org"]}


def pages(f):
    """(name, path, who) of the community's pages; none when the data is not there."""
    c = f.get("community")
    if not c:
        return []
    return [
        (f"Community: a space's topic list ({c['space_topics']:,} topics)", f"/community/spaces/{c['space_slug']}",
         None),
        (f"Community: a topic with {c['topic_replies']} replies", f"/community/topics/{c['topic_id']}", None),
        (f"Community: a topic with {c['topic_replies']} replies (trainee)", f"/community/topics/{c['topic_id']}",
         "trainee@example.org"),
        (f"Community search, {c['posts']:,} posts (trainee)",
         "/community/search?q=" + SEARCH_QUERY.replace(" ", "+"), "trainee@example.org"),
    ]


class Poster:
    """Replies through the site at ``rate`` a second: each reply a real POST of the reply form (CSRF token of the
    member's session, the guidelines ticked), its redirect followed to the topic as a browser would. Paced like
    the busy day's writer (``pacer``): a slow server gets fewer replies, counted as missed, never a pile-up."""

    def __init__(self, base, community, rate, browser, pacer, password):
        self.rate, self.topics = rate, community["posting_topics"]
        self.browsers = [browser(base).login(email, password) for email in community["posters"]]
        # The clock starts after the logins (each a password hash): started before, the writes that came due
        # while logging in would all go at once.
        self.pacer = pacer(rate)
        self.records = []  # (outcome, finished at, seconds, detail)
        self.turn = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(max(2, 2 * rate))]

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def stop(self):
        self.pacer.stop()
        for thread in self.threads:
            thread.join(timeout=120)

    def _work(self):
        while (due := self.pacer.next_due()) is not None:
            if not self.pacer.wait(due):
                return
            with self.lock:
                self.turn += 1
                turn = self.turn
            # A member's session may post from two threads at once (two tabs): the CSRF token is the session's.
            browser = self.browsers[turn % len(self.browsers)]
            started = time.monotonic()
            try:
                outcome, detail = self._reply(browser, self.topics[turn % len(self.topics)], turn)
            except Exception as exc:  # a timeout or a refused connection: an error of this write
                outcome, detail = "error", f"{type(exc).__name__}: {exc}"[:120]
            finished = time.monotonic()
            with self.lock:
                self.records.append((outcome, finished, finished - started, detail))

    @staticmethod
    def _reply(browser, topic_id, turn):
        status, body, address = browser.open(f"/community/topics/{topic_id}/reply", {
            "body": f"Benchmark reply {turn}: we tried this with our carers group and it worked well.",
            "quote_of": "", "agree": "y"})
        if status != 200:
            return "error", f"HTTP {status}"
        # Posted: sent on to the topic (its page with the new reply). Refused: the form again, or elsewhere.
        if not re.search(r"/community/topics/\d+(\?[^#]*)?(#.*)?$", address):
            return "refused", " ".join(re.sub(r"<[^>]+>", " ", body).split())[:120]
        return "done", None

    def summary(self, window):
        start, end = window
        inside = [r for r in self.records if start <= r[1] <= end]
        done = [r for r in inside if r[0] == "done"]
        latencies = sorted(r[2] * 1000 for r in inside)
        problems = {}
        for r in self.records:
            if r[0] in ("error", "refused") and r[3]:
                problems[r[3]] = problems.get(r[3], 0) + 1

        def pct(share):
            return round(latencies[min(len(latencies) - 1, int(share * len(latencies)))], 1) if latencies else None

        return {"target_per_s": self.rate, "achieved_per_s": round(len(done) / max(1e-9, end - start), 2),
                "replies": len(done), "attempts": len(inside),
                **{k: sum(1 for r in inside if r[0] == k) for k in ("error", "refused")},
                "missed": self.pacer.missed, "p50_ms": pct(0.5), "p99_ms": pct(0.99),
                "whole_run": {k: sum(1 for r in self.records if r[0] == k)
                              for k in ("done", "error", "refused")},
                "problems": dict(sorted(problems.items(), key=lambda kv: -kv[1])[:6])}
