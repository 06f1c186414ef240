//! `ip()` and `cidr()`: Go's `net/netip` parsing and classification, with Kubernetes'
//! restrictions (no zones, no IPv4-mapped IPv6 addresses).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{object, object_arg, Function};
use crate::error::{EvalError, EvalResult};
use crate::functions::str_arg;
use crate::objects::ObjectKind;
use crate::value::Value;

/// A network prefix as `netip.Prefix` keeps it: the address as written and the prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    addr: IpAddr,
    bits: u8,
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.bits)
    }
}

fn is_4in6(addr: &Ipv6Addr) -> bool {
    addr.to_ipv4_mapped().is_some()
}

fn parse_addr(text: &str) -> Result<IpAddr, String> {
    let addr: IpAddr = text
        .parse()
        .map_err(|_| format!("IP Address \"{text}\" parse error during conversion from string: ParseAddr(\"{text}\"): unable to parse IP"))?;
    if let IpAddr::V6(v6) = addr {
        if is_4in6(&v6) {
            return Err(format!(
                "IPv4-mapped IPv6 address \"{text}\" is not allowed"
            ));
        }
    }
    Ok(addr)
}

fn parse_cidr(text: &str) -> Result<Cidr, String> {
    let fail = |why: &str| {
        format!("network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix(\"{text}\"): {why}")
    };
    let (addr, bits) = text.rsplit_once('/').ok_or_else(|| fail("no '/'"))?;
    let addr: IpAddr = addr.parse().map_err(|_| fail("unable to parse IP"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let valid_digits = !bits.is_empty()
        && bits.bytes().all(|c| c.is_ascii_digit())
        && !(bits.len() > 1 && bits.starts_with('0'));
    let bits: u8 = bits
        .parse()
        .ok()
        .filter(|b| valid_digits && *b <= max)
        .ok_or_else(|| fail(&format!("bad bits after slash: \"{bits}\"")))?;
    if let IpAddr::V6(v6) = addr {
        if is_4in6(&v6) {
            return Err(format!(
                "network address parse error during conversion from string: IPv4-mapped IPv6 address \"{text}\" is not allowed"
            ));
        }
    }
    Ok(Cidr { addr, bits })
}

fn to_u128(addr: IpAddr) -> (u128, u8) {
    match addr {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    }
}

fn mask(value: u128, width: u8, bits: u8) -> u128 {
    if bits == 0 {
        return 0;
    }
    let keep = u128::MAX << (128 - u32::from(bits));
    let shifted = keep >> (128 - u32::from(width));
    value & shifted
}

impl Cidr {
    fn masked(&self) -> Cidr {
        let (value, width) = to_u128(self.addr);
        let masked = mask(value, width, self.bits);
        let addr = if width == 32 {
            IpAddr::V4(Ipv4Addr::from(masked as u32))
        } else {
            IpAddr::V6(Ipv6Addr::from(masked))
        };
        Cidr {
            addr,
            bits: self.bits,
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let (value, width) = to_u128(self.addr);
        let (other, other_width) = to_u128(ip);
        width == other_width && mask(value, width, self.bits) == mask(other, width, self.bits)
    }

    /// `netip.Prefix.Overlaps(other) && p.Bits() <= other.Bits()`.
    fn contains_cidr(&self, other: &Cidr) -> bool {
        let (value, width) = to_u128(self.addr);
        let (other_value, other_width) = to_u128(other.addr);
        if width != other_width || self.bits > other.bits {
            return false;
        }
        mask(value, width, self.bits) == mask(other_value, width, self.bits)
    }
}

fn is_link_local_multicast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            o[0] == 224 && o[1] == 0 && o[2] == 0
        }
        IpAddr::V6(v6) => v6.segments()[0] & 0xff0f == 0xff02,
    }
}

fn is_link_local_unicast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            o[0] == 169 && o[1] == 254
        }
        IpAddr::V6(v6) => v6.segments()[0] & 0xffc0 == 0xfe80,
    }
}

fn is_global_unicast(ip: IpAddr) -> bool {
    if let IpAddr::V4(v4) = ip {
        if v4.is_unspecified() || v4.is_broadcast() {
            return false;
        }
    }
    !ip.is_unspecified() && !ip.is_loopback() && !ip.is_multicast() && !is_link_local_unicast(ip)
}

fn ip_arg(args: &[Value<'_>], index: usize) -> EvalResult<IpAddr> {
    match object_arg(args, index)? {
        ObjectKind::Ip(ip) => Ok(*ip),
        _ => Err(EvalError::NoSuchOverload),
    }
}

fn cidr_arg(args: &[Value<'_>], index: usize) -> EvalResult<Cidr> {
    match object_arg(args, index)? {
        ObjectKind::Cidr(c) => Ok(*c),
        _ => Err(EvalError::NoSuchOverload),
    }
}

pub(crate) fn call<'a>(f: Function, args: &[Value<'a>]) -> EvalResult<Value<'a>> {
    use Function as F;
    Ok(match f {
        F::Ip => object(ObjectKind::Ip(
            parse_addr(str_arg(args, 0)?).map_err(EvalError::msg)?,
        )),
        F::IsIp => Value::Bool(parse_addr(str_arg(args, 0)?).is_ok()),
        F::IpIsCanonical => {
            let text = str_arg(args, 0)?;
            let ip = parse_addr(text).map_err(EvalError::msg)?;
            Value::Bool(ip.to_string() == text)
        }
        F::Family => Value::Int(if ip_arg(args, 0)?.is_ipv4() { 4 } else { 6 }),
        F::IsUnspecified => Value::Bool(ip_arg(args, 0)?.is_unspecified()),
        F::IsLoopback => Value::Bool(ip_arg(args, 0)?.is_loopback()),
        F::IsLinkLocalMulticast => Value::Bool(is_link_local_multicast(ip_arg(args, 0)?)),
        F::IsLinkLocalUnicast => Value::Bool(is_link_local_unicast(ip_arg(args, 0)?)),
        F::IsGlobalUnicast => Value::Bool(is_global_unicast(ip_arg(args, 0)?)),
        F::Cidr => object(ObjectKind::Cidr(
            parse_cidr(str_arg(args, 0)?).map_err(EvalError::msg)?,
        )),
        F::IsCidr => Value::Bool(parse_cidr(str_arg(args, 0)?).is_ok()),
        F::ContainsIp => {
            let cidr = cidr_arg(args, 0)?;
            let ip = match args.get(1) {
                Some(Value::String(s)) => parse_addr(s.as_str()).map_err(EvalError::msg)?,
                _ => ip_arg(args, 1)?,
            };
            Value::Bool(cidr.contains(ip))
        }
        F::ContainsCidr => {
            let cidr = cidr_arg(args, 0)?;
            let other = match args.get(1) {
                Some(Value::String(s)) => parse_cidr(s.as_str()).map_err(EvalError::msg)?,
                _ => cidr_arg(args, 1)?,
            };
            Value::Bool(cidr.contains_cidr(&other))
        }
        F::PrefixLength => Value::Int(i64::from(cidr_arg(args, 0)?.bits)),
        F::Masked => object(ObjectKind::Cidr(cidr_arg(args, 0)?.masked())),
        F::CidrIp => object(ObjectKind::Ip(cidr_arg(args, 0)?.addr)),
        _ => return Err(EvalError::NoSuchOverload),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        assert!(parse_addr("127.0.0.1").is_ok());
        assert!(parse_addr("::1").is_ok());
        assert!(parse_addr("127.0.0.256").is_err());
        assert!(parse_addr(":::1").is_err());
        assert!(parse_addr("::ffff:1.2.3.4").is_err());
        assert!(parse_addr("fe80::1%eth0").is_err());
        assert!(parse_addr("01.2.3.4").is_err());
        assert!(parse_cidr("192.168.0.0/16").is_ok());
        assert!(parse_cidr("::1/128").is_ok());
        assert!(parse_cidr("192.168.0.0/33").is_err());
        assert!(parse_cidr("::1/129").is_err());
        assert!(parse_cidr("192.168.0.0/016").is_err());
    }

    #[test]
    fn prefixes() {
        let c = parse_cidr("192.168.0.1/24").unwrap();
        assert_eq!(c.masked().to_string(), "192.168.0.0/24");
        assert!(c.contains("192.168.0.200".parse().unwrap()));
        assert!(!c.contains("192.168.1.1".parse().unwrap()));
        let wide = parse_cidr("192.168.0.0/16").unwrap();
        assert!(wide.contains_cidr(&parse_cidr("192.168.10.0/24").unwrap()));
        assert!(!parse_cidr("192.168.1.0/24")
            .unwrap()
            .contains_cidr(&parse_cidr("192.168.2.0/24").unwrap()));
        assert!(!c.contains_cidr(&wide));
    }

    #[test]
    fn canonical_ipv6() {
        assert_eq!(
            parse_addr("2001:db8::0:0:0:abcd").unwrap().to_string(),
            "2001:db8::abcd"
        );
        assert_eq!(
            parse_addr("2001:DB8::ABCD").unwrap().to_string(),
            "2001:db8::abcd"
        );
    }
}
