//! Refusing webhook targets that are not public unicast addresses: private, loopback,
//! link-local (with the cloud metadata address), shared (CGNAT), multicast, reserved,
//! documentation and the rest of IANA's special-purpose registries, and IPv6 forms that embed an
//! IPv4 address unless that address is public. Checked when an endpoint is registered and again
//! for every address a delivery connects to, so a DNS answer that changes after registration
//! (rebinding) cannot reach them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 blocks that are not public unicast: IANA's special-purpose registry (the entries that
/// are not globally reachable), multicast, and the reserved 240/4 with the broadcast address.
/// 192.0.0.0/24 is refused whole: its two anycast services are no webhook receivers.
const NOT_PUBLIC_V4: &[(Ipv4Addr, u8)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // shared address space (CGNAT)
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, with 169.254.169.254
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation
    (Ipv4Addr::new(192, 88, 99, 0), 24),  // deprecated 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, with 255.255.255.255
];

/// IPv6 global unicast, 2000::/3. Everything outside it is refused: unspecified, loopback, the
/// IPv4-compatible (::/96) and IPv4-translated (::ffff:0:0:0/96) forms, local-use NAT64
/// (64:ff9b:1::/48), discard-only (100::/64), SRv6 SIDs (5f00::/16), unique-local (fc00::/7),
/// link-local (fe80::/10), site-local (fec0::/10), multicast (ff00::/8) and unassigned space.
const GLOBAL_UNICAST_V6: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

/// Blocks inside 2000::/3 that are not public unicast. 2001::/23 is refused whole: its globally
/// reachable entries are anycast and overlay services, no webhook receivers.
const NOT_PUBLIC_V6: &[(Ipv6Addr, u8)] = &[
    // IETF protocol assignments, with Teredo (2001::/32), which embeds IPv4 addresses.
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16),     // 6to4: any IPv4, through any relay
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20),     // documentation
];

/// Prefixes under which the network delivers to the embedded IPv4 address (its last 32 bits):
/// IPv4-mapped (a dual-stack socket connects over IPv4) and NAT64's well-known prefix.
const CARRIES_V4: &[(Ipv6Addr, u8)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96),
    (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96),
];

fn in_v4(ip: Ipv4Addr, (net, len): (Ipv4Addr, u8)) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    ip.to_bits() & mask == net.to_bits()
}

fn in_v6(ip: Ipv6Addr, (net, len): (Ipv6Addr, u8)) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    ip.to_bits() & mask == net.to_bits()
}

/// Whether `ip` is an address on the public Internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    !NOT_PUBLIC_V4.iter().any(|&block| in_v4(ip, block))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if CARRIES_V4.iter().any(|&prefix| in_v6(ip, prefix)) {
        // The low 32 bits are the IPv4 address the packet goes to.
        return is_public_v4(Ipv4Addr::from_bits(ip.to_bits() as u32));
    }
    in_v6(ip, GLOBAL_UNICAST_V6) && !NOT_PUBLIC_V6.iter().any(|&block| in_v6(ip, block))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("the host could not be resolved")]
    Unresolvable,
    #[error("the host resolves to a private or internal address ({0}), which is not allowed")]
    Internal(IpAddr),
}

/// Resolves `host:port` and refuses it if any address is internal (unless `allow_private`).
pub async fn check_host(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<IpAddr>, TargetError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|_| TargetError::Unresolvable)?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err(TargetError::Unresolvable);
    }
    if !allow_private && let Some(bad) = addrs.iter().find(|ip| !is_public(**ip)) {
        return Err(TargetError::Internal(*bad));
    }
    Ok(addrs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn special_purpose_ipv4_is_refused() {
        for (ip, what) in [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "this network"),
            ("10.1.2.3", "private"),
            ("100.64.0.1", "shared address space"),
            ("100.127.255.255", "shared address space"),
            ("127.0.0.1", "loopback"),
            ("127.255.255.254", "loopback"),
            ("169.254.169.254", "link-local metadata"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.1", "IETF protocol assignments"),
            ("192.0.0.9", "IETF protocol assignments (anycast)"),
            ("192.0.2.1", "documentation"),
            ("192.88.99.1", "6to4 relay anycast"),
            ("192.168.1.1", "private"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.7", "documentation"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
        ] {
            assert!(!public(ip), "{ip} ({what}) must be refused");
        }
    }

    #[test]
    fn special_purpose_ipv6_is_refused() {
        for (ip, what) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::127.0.0.1", "IPv4-compatible"),
            ("::8.8.8.8", "IPv4-compatible, even of a public address"),
            ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
            ("::ffff:169.254.169.254", "IPv4-mapped metadata"),
            ("::ffff:0:7f00:1", "IPv4-translated loopback"),
            (
                "::ffff:0:808:808",
                "IPv4-translated, even of a public address",
            ),
            ("64:ff9b::a00:1", "NAT64 to a private address"),
            ("64:ff9b::7f00:1", "NAT64 to loopback"),
            ("64:ff9b:1::808:808", "local-use NAT64"),
            ("100::1", "discard-only"),
            ("100::ffff:ffff:ffff:ffff", "discard-only"),
            ("2001::1", "Teredo"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
            ("2001:1::1", "IETF protocol assignments (anycast)"),
            ("2001:2::1", "benchmarking"),
            ("2001:10::1", "ORCHID"),
            ("2001:1ff::1", "IETF protocol assignments"),
            ("2001:db8::1", "documentation"),
            ("2002:a00:1::", "6to4 of a private address"),
            ("2002:808:808::1", "6to4, even of a public address"),
            ("3fff::1", "documentation"),
            ("3fff:fff:ffff::1", "documentation"),
            ("5f00::1", "SRv6 SIDs"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("ff0e::1", "multicast"),
            ("4000::1", "outside global unicast"),
        ] {
            assert!(!public(ip), "{ip} ({what}) must be refused");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.3.1",
            "192.31.196.1",
            "192.52.193.1",
            "192.175.48.1",
            "198.17.255.255",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2001:200::1",
            "2620:4f:8000::1",
            "3fff:1000::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[tokio::test]
    async fn literal_hosts_are_checked_without_dns_and_local_mode_allows_them() {
        assert_eq!(
            check_host("127.0.0.1", 80, false).await,
            Err(TargetError::Internal("127.0.0.1".parse().unwrap()))
        );
        assert!(check_host("[::1]", 80, false).await.is_err());
        for host in [
            "[::127.0.0.1]",
            "[::ffff:0:7f00:1]",
            "[2001::1]",
            "[100::1]",
        ] {
            assert!(
                matches!(
                    check_host(host, 80, false).await,
                    Err(TargetError::Internal(_))
                ),
                "{host}"
            );
        }
        assert!(check_host("127.0.0.1", 80, true).await.is_ok());
        assert!(check_host("localhost", 80, false).await.is_err());
    }
}
