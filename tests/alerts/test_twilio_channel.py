"""The real twilio library over real HTTP to a local server speaking Twilio's Messages API."""
from __future__ import annotations

import pytest

from alerts.twilio_channel import TwilioChannel
from hub.errors import DeliveryError, NotificationError


def test_send_posts_the_form_twilio_documents(twilio, channel):
    result = channel.send("+447700900001", "Alert 1", status_callback="https://office.example/twilio/status")
    assert result.sid.startswith("SM") and result.status == "queued"
    [req] = twilio.requests
    assert req.method == "POST" and req.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert req.authorised
    assert req.form == {"To": "+447700900001", "From": "+447700900999", "Body": "Alert 1",
                        "StatusCallback": "https://office.example/twilio/status"}


@pytest.mark.parametrize("kind, status, code, permanent, maybe_sent", [
    ("429", 429, 20429, False, False),
    ("500", 500, 20500, False, True),
    ("invalid_number", 400, 21211, True, False),
])
def test_errors_say_whether_to_retry(twilio, channel, kind, status, code, permanent, maybe_sent):
    twilio.fail_next(kind)
    with pytest.raises(DeliveryError) as err:
        channel.send("+447700900001", "Alert 1")
    assert isinstance(err.value, NotificationError)
    assert (err.value.status, err.value.code, err.value.permanent, err.value.maybe_sent) == (
        status, code, permanent, maybe_sent)
    assert twilio.messages == []


def test_bad_credentials_are_permanent(twilio):
    ch = TwilioChannel(twilio.account_sid, "wrong-token", "+447700900999", api_base=twilio.base_url, timeout=5)
    try:
        with pytest.raises(DeliveryError) as err:
            ch.send("+447700900001", "Alert 1")
    finally:
        ch.close()
    assert (err.value.status, err.value.code, err.value.permanent) == (401, 20003, True)
    assert twilio.creates[0].authorised is False and twilio.messages == []


def test_unreachable_twilio_is_retryable_and_certainly_not_sent(twilio, channel):
    twilio.stop()
    with pytest.raises(DeliveryError) as err:
        channel.send("+447700900001", "Alert 1")
    assert (err.value.status, err.value.permanent, err.value.maybe_sent) == (0, False, False)
    assert "unreachable" in str(err.value)


def test_find_sent_looks_up_by_recipient_and_body(twilio, channel):
    sid = channel.send("+447700900001", "Alert 1").sid
    channel.send("+447700900002", "Alert 1")
    assert channel.find_sent("+447700900001", "Alert 1", since=None) == sid
    assert channel.find_sent("+447700900001", "Alert 2", since=None) is None
    get = [r for r in twilio.requests if r.method == "GET"][0]
    assert get.query["To"] == "+447700900001" and get.query["From"] == "+447700900999"
