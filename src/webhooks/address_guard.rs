//! The guard against server-side request forgery: webhook targets that are, or resolve
//! to, loopback, private, link-local (cloud metadata), unique-local or other non-public
//! addresses are refused when an endpoint is saved and again at each delivery, since DNS
//! can change in between. `NEWSDESK_WEBHOOK_ALLOW_PRIVATE=true` lifts it (tests, compose).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Whether newsdesk may not send to this address.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), and 240/4 reserved.
        || (a == 100 && (64..128).contains(&b))
        || a >= 240
        // Benchmarking networks.
        || (a == 198 && (b == 18 || b == 19))
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local (fc00::/7, e.g. fd00:ec2::254, a metadata address), link-local (fe80::/10).
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation (2001:db8::/32), and IPv4-compatible or NAT64 forms of IPv4.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)
}

const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Checks a target before it is saved: its host must resolve, and only to public
/// addresses. Returns why not.
pub async fn check(url: &url::Url, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let host = url.host_str().ok_or("has no host")?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::time::timeout(LOOKUP_TIMEOUT, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| format!("names a host that did not resolve in time ({host})"))?
            .map_err(|_| format!("names a host that does not resolve ({host})"))?
            .collect(),
    };
    match addresses.iter().find(|address| is_forbidden(address.ip())) {
        Some(address) => Err(format!(
            "points to {}, a loopback, private, link-local or otherwise non-public address; \
             webhooks go to public addresses only",
            address.ip()
        )),
        None if addresses.is_empty() => Err(format!("names a host that does not resolve ({host})")),
        None => Ok(()),
    }
}

/// The resolver of the delivery client: a name that resolves to any forbidden address
/// is not connected to at all.
pub struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(address) = addresses.iter().find(|address| is_forbidden(address.ip())) {
                return Err(format!("{host} resolves to {}, which webhooks may not reach", address.ip()).into());
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_metadata_addresses_are_forbidden() {
        for forbidden in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_forbidden(forbidden.parse().unwrap()), "{forbidden} is refused");
        }
        for allowed in ["203.113.131.1", "8.8.8.8", "2001:4860:4860::8888"] {
            assert!(!is_forbidden(allowed.parse().unwrap()), "{allowed} is allowed");
        }
    }

    #[actix_web::test]
    async fn literal_private_targets_are_refused_unless_allowed() {
        let metadata = url::Url::parse("http://169.254.169.254/latest/meta-data").unwrap();
        assert!(check(&metadata, false).await.is_err());
        assert!(check(&metadata, true).await.is_ok());
        let private = url::Url::parse("http://[::1]:8080/hook").unwrap();
        assert!(check(&private, false).await.is_err());
    }
}
