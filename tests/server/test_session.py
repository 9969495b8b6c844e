"""A connection's session: the channels, memberships and user only it changes."""

from realtime_core.server.session import Session


def test_joining_and_leaving_say_whether_anything_changed() -> None:
    session = Session("1.2")
    assert session.join("a")
    assert not session.join("a")
    assert set(session.channels) == {"a"}
    assert session.leave("a")
    assert not session.leave("a")
    assert not session.channels


def test_leaving_a_presence_channel_forgets_the_membership() -> None:
    session = Session("1.2")
    session.join("presence-room")
    session.set_presence_id("presence-room", "u1")
    assert session.presence_id("presence-room") == "u1"
    session.leave("presence-room")
    session.join("presence-room")
    assert session.presence_id("presence-room") is None


def test_signing_in_again_as_the_same_user_replaces_the_user_data() -> None:
    session = Session("1.2")
    assert session.sign_in("u1", {"id": "u1"})
    assert not session.sign_in("u1", {"id": "u1", "user_info": {"name": "Ann"}})
    assert session.user_id == "u1"
    assert session.signed_in_data == {"id": "u1", "user_info": {"name": "Ann"}}


def test_signing_out_forgets_the_user_and_its_data() -> None:
    session = Session("1.2")
    session.sign_in("u1", {"id": "u1"})
    session.sign_out()
    assert session.user_id is None
    assert session.signed_in_data is None
