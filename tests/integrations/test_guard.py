import socket
import threading

import pytest

from integrations.guard import BlockedAddress, GuardError, address_problem, check_url, guarded

REFUSED = [
    ("json://127.0.0.1:9000/hook", "127.0.0.1 is a loopback address"),
    ("json://localhost/hook", "localhost resolves to 127.0.0.1, a loopback address"),
    ("json://2130706433/", "resolves to 127.0.0.1, a loopback address"),
    ("json://0x7f000001/", "resolves to 127.0.0.1, a loopback address"),
    ("json://[::1]/", "::1 is a loopback address"),
    ("json://[::ffff:127.0.0.1]/", "loopback address"),
    ("json://[2002:7f00:1::]/", "loopback address"),  # 6to4 around 127.0.0.1
    ("json://[64:ff9b::a00:1]/", "private address"),  # NAT64 around 10.0.0.1
    ("json://169.254.169.254/", "link-local address"),
    ("json://10.0.0.1/", "10.0.0.1 is a private address"),
    ("json://[fd00::1]/", "private address"),
    ("json://0.0.0.0/", "unspecified address"),
    ("json://224.0.0.1/", "multicast address"),
    ("json://100.64.0.1/", "not a public address"),
    ("gotify://192.168.1.10/token", "private address"),
    ("ntfy://user:pw@localhost/topic", "loopback address"),
    ("mailto://user:pw@localhost", "loopback address"),
    ("rsyslog://10.1.1.1", "private address"),
    ("syslog://", "syslog:// notifies this machine"),
    ("dbus://", "notifies this machine"),
    ("json://", "not a valid json:// URL"),
    ("nope://example.com", "no service with the scheme nope://"),
    ("example.com/hook", "not an Apprise URL"),
    ("json://no-such-host.invalid/", "no-such-host.invalid cannot be resolved"),
    ("mailto:someone@nodot", "not a valid email address"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_refused_urls_name_the_problem(url, reason):
    with pytest.raises(GuardError) as refused:
        check_url(url)
    assert reason in refused.value.reason


def test_the_reason_never_repeats_the_url_secrets():
    with pytest.raises(GuardError) as refused:
        check_url("json://user:s3cret-pw@127.0.0.1/t0ken-path")
    assert "s3cret-pw" not in refused.value.reason
    assert "t0ken-path" not in refused.value.reason


def test_an_unresolvable_host_is_a_transient_refusal_and_others_are_not():
    with pytest.raises(GuardError) as unresolvable:
        check_url("json://no-such-host.invalid/")
    with pytest.raises(GuardError) as private:
        check_url("json://10.0.0.1/")
    assert unresolvable.value.transient
    assert not private.value.transient


ALLOWED = [
    "json://93.184.215.14/hook",  # a public address
    "json://[2606:4700::1111]/hook",
    "discord://123456789/token",  # fixed hosts: nothing to resolve
    "slack://T000/B000/XXXXXXXX",
    "tgram://123456:ABC-def/987",
    "ntfys://my-topic",  # ntfy.sh
    "mailto:someone@example.com",  # Soonish's own mail
]


@pytest.mark.parametrize("url", ALLOWED)
def test_public_and_fixed_host_urls_pass(url):
    check_url(url)


def test_the_operator_allow_list_admits_its_networks_only(settings):
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32", "10.0.0.0/8"]
    check_url("json://127.0.0.1:9000/hook")
    check_url("json://localhost/hook")
    check_url("gotify://10.20.30.40/token")
    check_url("json://[::ffff:127.0.0.1]/")  # the IPv4 address it wraps is allowed
    with pytest.raises(GuardError, match=r"127\.0\.0\.2 is a loopback"):
        check_url("json://127.0.0.2/")
    with pytest.raises(GuardError, match="private"):
        check_url("json://192.168.0.1/")


def test_address_problem_unwraps_ipv4_inside_ipv6():
    assert address_problem("::ffff:10.0.0.1") == "a wrapped form of a private address"
    assert address_problem("::ffff:93.184.215.14") is None
    assert address_problem("fe80::1%eth0") == "a link-local address"


def test_guarded_refuses_private_answers_only_inside_the_block():
    assert socket.getaddrinfo("localhost", 80)  # outside: untouched
    with guarded() as session, pytest.raises(BlockedAddress) as blocked:
        socket.getaddrinfo("localhost", 80)
    assert isinstance(blocked.value, OSError)  # HTTP clients see a failed connection
    assert "localhost resolves to 127.0.0.1" in session.refused
    assert socket.getaddrinfo("localhost", 80)


def test_guarded_blocks_a_plain_socket_connection_by_ip_literal():
    with guarded(), pytest.raises(BlockedAddress):
        socket.create_connection(("127.0.0.1", 9), timeout=1)


def test_guarded_applies_to_its_own_thread_only():
    inside, outside_ok = threading.Event(), []

    def other_thread():
        inside.wait(5)
        outside_ok.append(bool(socket.getaddrinfo("localhost", 80)))

    thread = threading.Thread(target=other_thread)
    thread.start()
    with guarded():
        inside.set()
        thread.join(5)
        with pytest.raises(BlockedAddress):
            socket.getaddrinfo("localhost", 80)
    assert outside_ok == [True]


def test_guarded_installs_its_wrapper_once():
    with guarded():
        wrapper = socket.getaddrinfo
    with guarded():
        assert socket.getaddrinfo is wrapper
