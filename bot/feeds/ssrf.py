"""Refuse URLs that resolve to loopback, private, link-local or metadata addresses (SSRF).

The check runs on the addresses the connector is about to connect to (a resolver wrapper), so a host name that
resolves to a private address is refused too, and a DNS answer cannot change between check and connect.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def allow_hint(host: str) -> str:
    """How an operator allows a private host on purpose: the setting that does it, in both its forms."""
    return f"; to fetch it anyway add it to poll.allow_private (SITREP_POLL__ALLOW_PRIVATE={host})"


class BlockedAddressError(OSError):
    """The URL's host is, or resolves only to, an address that may not be fetched."""


class AddressPolicy:
    """Which addresses may be fetched: public ones, plus hosts and networks allowed in settings."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self._hosts: set[str] = set()
        for item in allow:
            try:
                self._networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self._hosts.add(item.lower())

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self._hosts

    def address_allowed(self, address: str | IPAddress) -> bool:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
        if any(ip in net for net in self._networks):
            return True
        return ip.is_global and not ip.is_multicast

    def check_literal(self, host: str) -> None:
        """Refuse a URL whose host is an IP literal that is not allowed (the resolver never sees those)."""
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return
        if not self.host_allowed(host) and not self.address_allowed(ip):
            raise BlockedAddressError(f"refused: {host} is a private, loopback, link-local or reserved address"
                                      f"{allow_hint(host)}")


class GuardedResolver(AbstractResolver):
    """Resolve with the default resolver, then drop every address the policy refuses."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self._policy.host_allowed(host):
            return results
        allowed = [r for r in results if self._policy.address_allowed(r["host"])]
        if not allowed:
            refused = ", ".join(sorted({str(r["host"]) for r in results}))
            raise BlockedAddressError(f"refused: {host} resolves to a private or reserved address ({refused})"
                                      f"{allow_hint(host)}")
        return allowed

    async def close(self) -> None:
        await self._inner.close()

