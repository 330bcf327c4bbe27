"""Locust scenario of a synchronised diagnostics start (issue 11.5): every simulated teacher logs in,
starts the instrument, opens the attempt, answers every question (one autosave per answer, a few
seconds apart, the way static/js/attempt.js posts it: htmx form POST with the CSRF header), reloads the
page once, and finishes. A save the server did not confirm (no `X-Answer-Saved: 1`) is sent again
after a pause, as the page's retry does; every confirmed save is recorded (attempt, item, text) so
that run_wave.py can count the answers in the database afterwards.

Environment: LOAD_USERS (file with one username a line), LOAD_PASSWORD, LOAD_INSTRUMENT (id),
LOAD_ACKS (where to write the confirmed saves, JSON), LOAD_STATS (where to write the request
figures, JSON), LOAD_PAUSE ("2,5": seconds between answers).
Run by bench/load/run_wave.py."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path

import gevent
from locust import HttpUser, events, task
from locust.exception import StopUser

USERNAMES = [
    u.strip() for u in Path(os.environ["LOAD_USERS"]).read_text(encoding="utf-8").split() if u.strip()
]
PASSWORD = os.environ["LOAD_PASSWORD"]
INSTRUMENT = int(os.environ["LOAD_INSTRUMENT"])
PAUSE = tuple(float(x) for x in os.environ.get("LOAD_PAUSE", "2,5").split(","))
ACKS: list[tuple[int, int, str]] = []
NEXT = itertools.count()
DONE = {"n": 0}

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SAVE_URL = re.compile(r'hx-post="(/diagnostics/attempts/(\d+)/items/(\d+)/answer/)"')
QUESTION_URL = re.compile(r"/diagnostics/attempts/(\d+)/questions/(\d+)/")
RETRIES = 10


@events.test_stop.add_listener
def write_acks(environment, **kwargs):
    """The confirmed saves, and the final request figures: Locust's own CSV is written every two
    seconds and its last write can miss the wave's last requests (the finishes)."""
    with open(os.environ["LOAD_ACKS"], "w", encoding="utf-8") as f:
        json.dump(ACKS, f)
    entries = [(name, e) for (name, _method), e in environment.stats.entries.items()]
    figures = {
        name: {
            "Request Count": e.num_requests,
            "Failure Count": e.num_failures,
            "50%": e.get_response_time_percentile(0.5),
            "95%": e.get_response_time_percentile(0.95),
            "99%": e.get_response_time_percentile(0.99),
            "Requests/s": e.total_rps,
        }
        for name, e in [*sorted(entries), ("Aggregated", environment.stats.total)]
    }
    with open(os.environ["LOAD_STATS"], "w", encoding="utf-8") as f:
        json.dump(figures, f, ensure_ascii=False)


class Teacher(HttpUser):
    """One teacher, one pass through the attempt; the wave ends when every teacher has finished."""

    wait_time = staticmethod(lambda: 0)

    def on_start(self):
        self.username = USERNAMES[next(NEXT) % len(USERNAMES)]

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def pause(self):
        gevent.sleep(random.uniform(*PAUSE))

    def login(self):
        page = self.client.get("/accounts/login/", name="вход (форма)")
        token = CSRF_INPUT.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            data={"login": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="вход",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"вход: {r.status_code}")
                raise StopUser()

    def begin_attempt(self) -> tuple[int, str]:
        with self.client.post(
            f"/diagnostics/instruments/{INSTRUMENT}/start/",
            headers={"X-CSRFToken": self.csrf()},
            name="начать попытку",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            match = QUESTION_URL.search(r.headers.get("Location", ""))
            if r.status_code != 302 or not match:
                r.failure(f"начать: {r.status_code}")
                raise StopUser()
        return int(match.group(1)), match.group(0)

    def save(self, url: str, attempt: int, item: int, text: str) -> None:
        """One autosave as attempt.js sends it; unconfirmed saves are sent again after a pause."""
        for attempt_no in range(RETRIES):
            with self.client.post(
                url,
                data={"type": "short", "text": text},
                headers={"X-CSRFToken": self.csrf(), "HX-Request": "true"},
                name="автосохранение",
                catch_response=True,
            ) as r:
                if r.status_code == 200 and r.headers.get("X-Answer-Saved") == "1":
                    ACKS.append((attempt, item, text))
                    return
                r.failure(f"автосохранение: {r.status_code}")
            gevent.sleep(min(2**attempt_no, 8))

    @task
    def take(self):
        try:
            self.flow()
        finally:  # done or given up: the wave ends when every teacher is through
            DONE["n"] += 1
            if DONE["n"] >= self.environment.parsed_options.num_users:
                self.environment.runner.quit()
        raise StopUser()

    def flow(self):
        self.login()
        attempt, first = self.begin_attempt()
        page = self.client.get(first, name="вопрос").text
        number, reloaded = 1, False
        while True:
            found = SAVE_URL.findall(page)
            for url, _, item in dict.fromkeys(found):
                self.pause()
                self.save(url, attempt, int(item), f"ответ {self.username} {item}")
            if not reloaded and number > 5:
                reloaded = True  # the teacher reloads the page once: the saved answer is shown again
                self.client.get(f"/diagnostics/attempts/{attempt}/questions/{number}/", name="перезагрузка")
            number += 1
            r = self.client.get(
                f"/diagnostics/attempts/{attempt}/questions/{number}/", name="вопрос", catch_response=True
            )
            with r:
                if r.status_code == 404:
                    r.success()  # past the last question
                    break
            page = r.text
        self.client.post(
            f"/diagnostics/attempts/{attempt}/finish/",
            headers={"X-CSRFToken": self.csrf()},
            name="завершить",
        )
