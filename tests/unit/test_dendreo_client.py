"""The Dendreo client against respx mocks: auth header, throttle, retries, shapes, fatal errors."""

from __future__ import annotations

import httpx
import pytest
import respx

from connector.dendreo.client import DendreoClient, SlidingWindowThrottle, parse_retry_after
from connector.errors import SourceAuthError, SourceResponseError
from connector.settings import DendreoSettings

BASE = "https://pro.dendreo.test/acme/api"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_client(clock: FakeClock, **overrides) -> DendreoClient:
    settings = DendreoSettings(base_url=BASE, api_key="secret-key", **overrides)
    return DendreoClient(settings, sleep=clock.sleep, clock=clock)


@respx.mock
def test_key_is_sent_in_the_authorization_header_never_in_the_url(clock):
    route = respx.get(f"{BASE}/etapes.php").mock(return_value=httpx.Response(200, json=[]))
    make_client(clock).get("etapes")
    request = route.calls.last.request
    assert request.headers["Authorization"] == 'Token token="secret-key"'
    assert "secret-key" not in str(request.url)


@respx.mock
def test_show_answer_as_object_or_one_element_array_gives_the_same_list(clock):
    respx.get(f"{BASE}/participants.php", params={"id": "1"}).mock(return_value=httpx.Response(200, json={"id_participant": " 1 "}))
    respx.get(f"{BASE}/participants.php", params={"id": "2"}).mock(return_value=httpx.Response(200, json=[{"id_participant": "2"}]))
    client = make_client(clock)
    assert client.get("participants", id="1") == [{"id_participant": "1"}]
    assert client.get("participants", id="2") == [{"id_participant": "2"}]


@respx.mock
def test_many_ids_are_read_in_chunked_multi_id_requests(clock):
    route = respx.get(f"{BASE}/entreprises.php").mock(
        side_effect=lambda req: httpx.Response(200, json=[{"id_entreprise": i} for i in req.url.params["id"].split(",")])
    )
    client = make_client(clock, ids_per_request=3)
    records = client.get_by_ids("entreprises", ["5", "1", "2", "0", "", "3", "4", "2"])
    assert sorted(r["id_entreprise"] for r in records) == ["1", "2", "3", "4", "5"]
    assert [c.request.url.params["id"] for c in route.calls] == ["1,2,3", "4,5"]


@respx.mock
def test_401_is_fatal_and_names_the_resource(clock):
    route = respx.get(f"{BASE}/laps.php").mock(return_value=httpx.Response(401, json={"message": "Invalid key"}))
    with pytest.raises(SourceAuthError, match="laps.php"):
        make_client(clock).get("laps")
    assert route.call_count == 1


@respx.mock
def test_429_waits_the_retry_after_seconds_then_succeeds(clock):
    route = respx.get(f"{BASE}/laps.php").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=[{"id_lap": "1"}])]
    )
    client = make_client(clock)
    assert client.get("laps") == [{"id_lap": "1"}]
    assert route.call_count == 2
    assert clock.sleeps == [7.0]


@respx.mock
def test_429_without_retry_after_backs_off_exponentially_with_jitter(clock):
    route = respx.get(f"{BASE}/laps.php").mock(
        side_effect=[httpx.Response(429), httpx.Response(429), httpx.Response(429), httpx.Response(200, json=[])]
    )
    client = make_client(clock, max_backoff_s=60)
    client.get("laps")
    assert route.call_count == 4
    assert len(clock.sleeps) == 3
    assert all(0 <= s <= 60 for s in clock.sleeps)
    # the jitter window doubles: the third wait may be up to 2 s, the first at most 0.5 s
    assert clock.sleeps[0] <= 0.5 and clock.sleeps[2] <= 2.0


@respx.mock
def test_server_errors_and_timeouts_are_retried_then_reported(clock):
    route = respx.get(f"{BASE}/lams.php").mock(side_effect=[httpx.ConnectTimeout("slow"), httpx.Response(503), httpx.ConnectError("down")])
    client = make_client(clock, max_attempts=3)
    with pytest.raises(SourceResponseError, match="after 3 attempts"):
        client.get("lams")
    assert route.call_count == 3


@respx.mock
def test_html_error_page_is_retried_and_reported_as_an_error_not_a_crash(clock):
    html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    route = respx.get(f"{BASE}/modules.php").mock(return_value=httpx.Response(200, text=html, headers={"Content-Type": "text/html"}))
    with pytest.raises(SourceResponseError, match="not JSON"):
        make_client(clock, max_attempts=2).get("modules")
    assert route.call_count == 2


@respx.mock
def test_validation_error_422_is_fatal_with_dendreo_message(clock):
    respx.get(f"{BASE}/actions_de_formation.php").mock(
        return_value=httpx.Response(422, json={"status": "failure", "errors": ["ended_after: invalid date"]})
    )
    with pytest.raises(SourceResponseError, match="invalid date"):
        make_client(clock).get("actions_de_formation", ended_after="nope")


@respx.mock
def test_client_never_exceeds_its_burst_within_the_window(clock):
    respx.get(f"{BASE}/etapes.php").mock(return_value=httpx.Response(200, json=[]))
    client = make_client(clock, burst=5, window_s=10)
    stamps = []
    for _ in range(12):
        client.get("etapes")
        stamps.append(clock.now)
    for i, t in enumerate(stamps):
        assert sum(1 for u in stamps if t - 10 < u <= t) <= 5, (i, stamps)
    assert clock.now >= 20  # 12 requests at 5 per 10 s need two full waits


def test_throttle_does_not_wait_below_the_limit():
    clock = FakeClock()
    throttle = SlidingWindowThrottle(3, 10, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        throttle.acquire()
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [("12", 12.0), ("0", 0.0), (None, None), ("soon", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
    ids=["seconds", "zero", "absent", "garbage", "http-date-in-the-past"],
)
def test_retry_after_header_parsing(header, expected):
    assert parse_retry_after(header) == expected
