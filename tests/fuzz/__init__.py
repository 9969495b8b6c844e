"""Property-based fuzzing of what clients and API callers send (issue 14).

* ``test_frame_fuzz``: client frames as JSON values biased toward the protocol, as raw
  text, ``\\ud800``-style escapes, deep nesting, sizes around the limits, binary frames
  and text frames of any bytes.
* ``test_subscription_fuzz``: properly signed subscriptions, presence channel_data and
  sign-ins of every shape.
* ``test_client_event_fuzz``: client events between two subscribed sockets.
* ``test_api_fuzz``: the signed HTTP API, over a raw socket.
* ``test_corpus``: the known hostile cases of ``corpus/*.json``, one explicit example each.

The properties every example is held to are in ``support.py``; the strategies in
``strategies.py``. Deterministic (derandomized, no example database) and bounded: the
whole directory runs in well under two minutes on two cores. To reproduce a failure,
run the test again (derandomized: it recurs) or use the ``@reproduce_failure`` line
hypothesis prints; then add the input to ``corpus/`` as a case of its own.
"""
