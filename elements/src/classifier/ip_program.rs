//! IPClassifier's and IPFilter's patterns as Click compiles them: into a program of word
//! tests on the IP header (offsets from 256) and transport header (offsets from 512),
//! optimized and compressed exactly as Click's, for the `program` handler.
//!
//! The patterns are validated (and executed) by [`super::ip_expr`]; this module only
//! rebuilds Click's program from the same text. It follows Click's reading of a pattern
//! word by word (qualifiers, an optional `[POS:LEN]`, mask and relation, then a value; a
//! bare value repeats the previous primitive), because the program's shape, and so the
//! printed tree, depends on it: `tcp port 80` is the protocol test, the first-fragment
//! test and an `or` of the source and destination port tests, in that order.

use std::net::Ipv4Addr;

use super::ip_expr::{self, NameResolver};
use super::wordwise::{Combiner, Compressed, J_FAILURE, J_NEVER, Program, Tree};

const UNKNOWN: i32 = -1000;

const PROTO_ICMP: i32 = 1;
const PROTO_TCP: i32 = 6;
const PROTO_UDP: i32 = 17;
const PROTO_DCCP: i32 = 33;
const PROTO_TCP_OR_UDP: i32 = 256;

const NET: u16 = 256;
const TRANSP: u16 = 512;

// Primitive types (Click's numbering, which fields encode).
const TYPE_NONE: i32 = 0;
const TYPE_TYPE: i32 = 1;
const TYPE_SYNTAX: i32 = 2;
const TYPE_INT: i32 = 3;
const TYPE_HOST: i32 = 10;
const TYPE_PROTO: i32 = 11;
const TYPE_IPFRAG: i32 = 12;
const TYPE_PORT: i32 = 13;
const TYPE_TCPOPT: i32 = 14;
const TYPE_ETHER: i32 = 15;
const TYPE_NET: i32 = 30;
const TYPE_IPUNFRAG: i32 = 31;
const TYPE_IPECT: i32 = 32;
const TYPE_IPCE: i32 = 33;
const TYPE_FIELD: i32 = 0x4000_0000;

/// A header field: protocol (0 for IP), offset in bits, length in bits.
const fn field(proto: i32, bit_offset: i32, bits: i32) -> i32 {
    TYPE_FIELD | (proto << 21) | (bit_offset << 5) | (bits - 1)
}

const FIELD_TOS: i32 = field(0, 8, 8);

fn field_proto(t: i32) -> i32 {
    (t >> 21) & 0x1ff
}

fn type_word(w: &str) -> Option<i32> {
    Some(match w {
        "ce" => TYPE_IPCE,
        "dest" | "dst" | "ether" | "ip" | "not" | "src" => TYPE_SYNTAX,
        "dscp" => field(0, 8, 6),
        "ect" => TYPE_IPECT,
        "frag" => TYPE_IPFRAG,
        "hl" => field(0, 4, 4),
        "host" => TYPE_HOST,
        "id" => field(0, 32, 16),
        "len" => field(0, 16, 16),
        "net" => TYPE_NET,
        "opt" => TYPE_TCPOPT,
        "port" => TYPE_PORT,
        "proto" => TYPE_PROTO,
        "tos" => FIELD_TOS,
        "ttl" => field(0, 64, 8),
        "type" => field(PROTO_ICMP, 0, 8),
        "unfrag" => TYPE_IPUNFRAG,
        "vers" => field(0, 0, 4),
        "win" => field(PROTO_TCP, 112, 16),
        _ => return None,
    })
}

fn proto_word(w: &str) -> Option<i32> {
    Some(match w {
        "dccp" => PROTO_DCCP,
        "gre" => 47,
        "icmp" => PROTO_ICMP,
        "igmp" => 2,
        "ipip" => 4,
        "payload" => 257,
        "sctp" => 132,
        "tcp" => PROTO_TCP,
        "tcpudp" => PROTO_TCP_OR_UDP,
        "transp" => 258,
        "udp" => PROTO_UDP,
        _ => return None,
    })
}

/// What a word names, given the primitive's type and protocol so far: `Ok(None)` for no
/// name, `Err(())` for a name that is ambiguous or meaningless here.
fn lookup(w: &str, ty: i32, proto: i32) -> Result<Option<(i32, u32)>, ()> {
    if (ty == 0 || ty == TYPE_TYPE)
        && let Some(t) = type_word(w)
    {
        return Ok((t != TYPE_SYNTAX).then_some((TYPE_TYPE, t as u32)));
    }
    let got = [
        proto_word(w).map(|v| v as u32),
        ip_expr::port_name(w).map(|v| v as u32),
        ip_expr::port_name(w).map(|v| v as u32),
        ip_expr::tcp_opt_name(w).map(|v| v as u32),
        ip_expr::icmp_type_name(w).map(|v| v as u32),
    ];
    if got.iter().all(Option::is_none) {
        return Ok(None);
    }
    let tcp_ok = proto == UNKNOWN || proto == PROTO_TCP || proto == PROTO_TCP_OR_UDP;
    let udp_ok = proto == UNKNOWN || proto == PROTO_UDP || proto == PROTO_TCP_OR_UDP;
    let mut tgot = [
        got[0].is_some() && (ty == 0 || ty == TYPE_PROTO),
        got[1].is_some() && (ty == 0 || ty == TYPE_PORT) && tcp_ok,
        got[2].is_some() && (ty == 0 || ty == TYPE_PORT) && udp_ok,
        got[3].is_some() && (ty == 0 || ty == TYPE_TCPOPT) && tcp_ok,
        got[4].is_some() && (ty == 0 || ty == field(PROTO_ICMP, 0, 8)) && (proto == UNKNOWN || proto == PROTO_ICMP),
    ];
    if tgot[1] && tgot[2] && got[1] == got[2] {
        tgot[2] = false;
    }
    let types = [TYPE_PROTO, TYPE_PORT, TYPE_PORT, TYPE_TCPOPT, field(PROTO_ICMP, 0, 8)];
    let mut hits = (0..5).filter(|&i| tgot[i]);
    match (hits.next(), hits.next()) {
        (Some(i), None) => Ok(Some((types[i], got[i].expect("found")))),
        _ => Err(()),
    }
}

/// C's integer syntax (decimal, 0x hex, 0 octal).
fn int(w: &str) -> Option<u32> {
    let (neg, w) = match w.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, w),
    };
    let v = if let Some(h) = w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()?
    } else if w.len() > 1 && w.starts_with('0') {
        u32::from_str_radix(&w[1..], 8).ok()?
    } else {
        w.parse().ok()?
    };
    Some(if neg { v.wrapping_neg() } else { v })
}

fn prefix_mask(len: u8) -> u32 {
    if len == 0 { 0 } else { u32::MAX << (32 - u32::from(len)) }
}

/// `ADDR/LEN` or `ADDR/MASK` (or a name for a prefix): address and mask, as numbers.
fn ip_prefix(w: &str, names: &dyn NameResolver) -> Option<(u32, u32)> {
    if let Some((a, l)) = w.split_once('/') {
        let a: Ipv4Addr = a.parse().ok()?;
        let mask = match l.parse::<u8>() {
            Ok(len) if len <= 32 => prefix_mask(len),
            Ok(_) => return None,
            Err(_) => u32::from(l.parse::<Ipv4Addr>().ok()?),
        };
        return Some((u32::from(a), mask));
    }
    names.ip(w).map(|(a, len)| (u32::from(a), prefix_mask(len)))
}

fn ip_addr(w: &str, names: &dyn NameResolver) -> Option<u32> {
    if let Ok(a) = w.parse::<Ipv4Addr>() {
        return Some(u32::from(a));
    }
    names.ip(w).filter(|&(_, len)| len == 32).map(|(a, _)| u32::from(a))
}

fn ether_addr(w: &str, names: &dyn NameResolver) -> Option<[u8; 6]> {
    w.parse::<click_core::EtherAddress>().ok().or_else(|| names.ether(w)).map(|e| e.0)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rel {
    Eq,
    Gt,
    Lt,
}

const SD_SRC: i32 = 1;
const SD_DST: i32 = 2;
const SD_AND: i32 = 3;
const SD_OR: i32 = 4;

/// One primitive as Click builds it. Addresses are kept as numbers (network order read
/// big-endian), Ethernet addresses as bytes.
#[derive(Clone, Copy, Debug)]
struct Prim {
    ty: i32,
    data: i32,
    op: Rel,
    op_negated: bool,
    srcdst: i32,
    transp_proto: i32,
    u: u32,
    mask: u32,
    ether: [u8; 6],
    ether_mask: [u8; 6],
}

impl Default for Prim {
    fn default() -> Prim {
        Prim {
            ty: 0,
            data: 0,
            op: Rel::Eq,
            op_negated: false,
            srcdst: 0,
            transp_proto: UNKNOWN,
            u: 0,
            mask: 0,
            ether: [0; 6],
            ether_mask: [0; 6],
        }
    }
}

/// A mask given with `& MASK`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GivenMask {
    None,
    Int(u32),
    Host(u32),
    Ether([u8; 6]),
}

impl Prim {
    /// Checks a transport-header primitive (`port`, `tcp opt`): on an IP header, its value a
    /// number or a name of type `t`, its transport protocol one of `protos` (`protos[0]`
    /// when the primitive names none).
    fn transport_value(&mut self, header: u8, t: i32, protos: &[i32]) -> Result<(), ()> {
        if header != b'i' || (self.data != TYPE_INT && self.data != t) {
            return Err(());
        }
        self.data = t;
        if self.transp_proto == UNKNOWN {
            self.transp_proto = protos[0];
        } else if !protos.contains(&self.transp_proto) {
            return Err(());
        }
        Ok(())
    }

    /// Click's range handling of `< > <= >=` and masks: comparisons become `>` tests with
    /// an adjusted value; always-true or always-false ones become an empty test.
    fn set_mask(&mut self, full_mask: u32, provided: u32) -> Result<(), ()> {
        let data = self.u;
        let this_mask = if provided != 0 { provided } else { full_mask };
        if this_mask & full_mask != this_mask {
            return Err(());
        }
        if self.op != Rel::Eq {
            if (self.op == Rel::Lt && (data == 0 || data > this_mask)) || (self.op == Rel::Gt && data >= this_mask) {
                let will_be = if self.op == Rel::Lt && data > this_mask { !self.op_negated } else { self.op_negated };
                self.u = 0;
                self.mask = 0;
                self.op_negated = !will_be;
                self.op = Rel::Eq;
                return Ok(());
            }
            if self.op == Rel::Lt {
                self.u = self.u.wrapping_sub(1);
                self.op_negated = !self.op_negated;
                self.op = Rel::Gt;
            }
            self.mask = this_mask;
            if self.u & self.mask != self.u {
                let missing = (self.u & self.mask) ^ (self.u & full_mask);
                let add = u32::MAX.wrapping_shr(ffs_msb(missing));
                self.u = (self.u | add) & self.mask;
            }
            return Ok(());
        }
        if data > full_mask {
            return Err(());
        }
        self.mask = this_mask;
        Ok(())
    }

    /// Completes the primitive from the previous one and checks it (Click's rules).
    fn check(&mut self, prev: &Prim, header: u8, mask: GivenMask) -> Result<(), ()> {
        if self.ty < 0 {
            return Err(());
        }
        if self.ty == 0 {
            loop {
                match self.data {
                    TYPE_HOST | TYPE_NET | TYPE_TCPOPT | TYPE_ETHER => {
                        self.ty = self.data;
                        if self.srcdst == 0 {
                            self.srcdst = prev.srcdst;
                        }
                    }
                    TYPE_PROTO => self.ty = TYPE_PROTO,
                    TYPE_PORT => {
                        self.ty = TYPE_PORT;
                        if self.srcdst == 0 {
                            self.srcdst = prev.srcdst;
                        }
                        if self.transp_proto == UNKNOWN {
                            self.transp_proto = prev.transp_proto;
                        }
                    }
                    TYPE_INT => {
                        if prev.ty & TYPE_FIELD == 0 && prev.ty != TYPE_PROTO && prev.ty != TYPE_PORT {
                            return Err(());
                        }
                        self.data = prev.ty;
                        continue;
                    }
                    TYPE_NONE => {
                        if self.transp_proto == UNKNOWN {
                            return Err(());
                        }
                        self.ty = TYPE_PROTO;
                    }
                    d if d & TYPE_FIELD != 0 => {
                        self.ty = d;
                        if field_proto(d) != 0 && self.transp_proto == UNKNOWN {
                            self.transp_proto = field_proto(d);
                        }
                    }
                    _ => return Err(()),
                }
                break;
            }
        }
        let header = match header {
            0 if self.data == TYPE_ETHER => b'e',
            0 => b'i',
            h => h,
        };
        if header == b'e' && self.ty == TYPE_HOST {
            self.ty = TYPE_ETHER;
        }
        let int_mask = |m: GivenMask| match m {
            GivenMask::Int(v) => Some(v),
            GivenMask::None => Some(0),
            _ => None,
        };
        match self.ty {
            TYPE_HOST | TYPE_NET => {
                if header != b'i' || self.data != self.ty || self.op != Rel::Eq {
                    return Err(());
                }
                if self.ty == TYPE_HOST {
                    self.mask = u32::MAX;
                }
                self.ty = TYPE_HOST;
                match mask {
                    GivenMask::None => {}
                    // An integer mask is stored as a machine word over the address bytes.
                    GivenMask::Int(v) => self.mask = v.swap_bytes(),
                    GivenMask::Host(m) => self.mask = m,
                    GivenMask::Ether(_) => return Err(()),
                }
            }
            TYPE_ETHER => {
                if header != b'e' || self.data != TYPE_ETHER || self.op != Rel::Eq {
                    return Err(());
                }
                self.ether_mask = [0xff; 6];
                match mask {
                    GivenMask::None => {}
                    GivenMask::Ether(m) => self.ether_mask = m,
                    _ => return Err(()),
                }
            }
            TYPE_PROTO => {
                if header != b'i' {
                    return Err(());
                }
                if self.data == TYPE_INT || self.data == TYPE_PROTO {
                    if self.transp_proto != UNKNOWN && self.transp_proto != self.u as i32 {
                        return Err(());
                    }
                    self.data = TYPE_NONE;
                } else {
                    self.u = self.transp_proto as u32;
                }
                self.transp_proto = UNKNOWN;
                if self.data != TYPE_NONE || self.u as i32 == UNKNOWN {
                    return Err(());
                }
                if self.u >= 256 {
                    if self.op != Rel::Eq || mask != GivenMask::None {
                        return Err(());
                    }
                    self.mask = 0xff;
                } else {
                    self.set_mask(0xff, int_mask(mask).ok_or(())?)?;
                }
                if self.op == Rel::Eq && self.mask == 0xff && !self.op_negated {
                    self.transp_proto = self.u as i32;
                }
            }
            TYPE_PORT => {
                let protos = [PROTO_TCP_OR_UDP, PROTO_TCP, PROTO_UDP, PROTO_DCCP];
                self.transport_value(header, TYPE_PORT, &protos)?;
                self.set_mask(0xffff, int_mask(mask).ok_or(())?)?;
            }
            TYPE_TCPOPT => {
                self.transport_value(header, TYPE_TCPOPT, &[PROTO_TCP])?;
                if self.op != Rel::Eq || self.op_negated || mask != GivenMask::None || self.u > 255 {
                    return Err(());
                }
                self.mask = self.u;
            }
            TYPE_IPECT => {
                if header != b'i' || (self.data != TYPE_NONE && self.data != TYPE_INT) {
                    return Err(());
                }
                if self.data == TYPE_NONE {
                    self.mask = 3;
                    self.u = 0;
                    self.op_negated = true;
                }
                self.set_mask(3, int_mask(mask).ok_or(())?)?;
                self.ty = FIELD_TOS;
            }
            TYPE_IPCE => {
                if header != b'i' || self.data != TYPE_NONE || mask != GivenMask::None {
                    return Err(());
                }
                self.mask = 3;
                self.u = 3;
                self.ty = FIELD_TOS;
            }
            TYPE_IPFRAG | TYPE_IPUNFRAG => {
                if header != b'i' || self.data != TYPE_NONE || mask != GivenMask::None {
                    return Err(());
                }
                if self.ty == TYPE_IPUNFRAG {
                    self.op_negated = true;
                    self.ty = TYPE_IPFRAG;
                }
                self.mask = 1;
            }
            t if t & TYPE_FIELD != 0 => {
                if header != b'i' || (self.data != TYPE_INT && self.data != t) {
                    return Err(());
                }
                let nbits = (t & 0x1f) + 1;
                let xmask = if nbits == 32 { u32::MAX } else { (1u32 << nbits) - 1 };
                self.set_mask(xmask, int_mask(mask).ok_or(())?)?;
            }
            _ => return Err(()),
        }
        if matches!(self.ty, TYPE_HOST | TYPE_PORT | TYPE_ETHER) && self.srcdst == 0 {
            self.srcdst = SD_OR;
        }
        Ok(())
    }

    /// Tests of `(word & mask) == value`, or for `>` a chain of tests of the word's top
    /// bits, Click's way.
    fn add_comparison(&self, p: &mut Program, tree: &mut Tree, offset: u16, shift: u32, op_negate: bool) {
        self.add_comparison_of(p, tree, offset, shift, op_negate, self.u, self.mask);
    }

    #[allow(clippy::too_many_arguments)]
    fn add_comparison_of(
        &self,
        p: &mut Program,
        tree: &mut Tree,
        offset: u16,
        shift: u32,
        op_negate: bool,
        u: u32,
        mask: u32,
    ) {
        let mut mask = mask;
        let mut u = u & mask;
        if self.op == Rel::Eq {
            p.add_insn(tree, offset, u.wrapping_shl(shift), mask.wrapping_shl(shift));
            if self.op_negated && op_negate {
                p.negate_subtree(tree, true);
            }
            return;
        }
        let mut record = 0u32;
        let mut count = 0;
        while u < mask {
            let high = u > (mask >> 1);
            let x = if high { !(u.wrapping_add(1)) & mask } else { u };
            let first_different_bit = 33 - ffs_msb(x);
            let upper_mask = if first_different_bit == 33 {
                mask
            } else {
                mask & !(1u32.wrapping_shl(first_different_bit).wrapping_sub(1))
            };
            let upper_u = if high { upper_mask } else { 0 };
            p.start_subtree(tree);
            p.add_insn(tree, offset, upper_u.wrapping_shl(shift), upper_mask.wrapping_shl(shift));
            if !high {
                p.negate_subtree(tree, true);
            }
            record = (record << 1) | u32::from(high);
            count += 1;
            mask &= !upper_mask;
            u &= mask;
        }
        while count > 0 {
            p.finish(tree, if record & 1 != 0 { Combiner::And } else { Combiner::Or });
            record >>= 1;
            count -= 1;
        }
        if self.op_negated && op_negate {
            p.negate_subtree(tree, true);
        }
    }

    fn finish_srcdst(&self, p: &mut Program, tree: &mut Tree) {
        p.finish(tree, if self.srcdst == SD_OR { Combiner::Or } else { Combiner::And });
        if self.op_negated {
            p.negate_subtree(tree, true);
        }
    }

    fn compile(&self, p: &mut Program, tree: &mut Tree) {
        p.start_subtree(tree);
        if self.transp_proto != UNKNOWN {
            add_proto(self.transp_proto, p, tree);
        }
        let src = matches!(self.srcdst, SD_SRC | SD_AND | SD_OR);
        let dst = matches!(self.srcdst, SD_DST | SD_AND | SD_OR);
        if self.ty == TYPE_PORT || self.ty == TYPE_TCPOPT || (self.ty & TYPE_FIELD != 0 && field_proto(self.ty) != 0) {
            // Transport fields exist in first fragments only.
            p.add_insn(tree, NET + 4, 0, 0x1fff);
        }
        match self.ty {
            TYPE_HOST => {
                p.start_subtree(tree);
                if src {
                    self.add_comparison(p, tree, NET + 12, 0, false);
                }
                if dst {
                    self.add_comparison(p, tree, NET + 16, 0, false);
                }
                self.finish_srcdst(p, tree);
            }
            TYPE_ETHER => {
                // Offsets count from two bytes before the MAC header, so the addresses
                // fall into words 0-4 and 8-12.
                let word = |b: &[u8]| b.iter().fold(0u32, |w, &x| (w << 8) | u32::from(x));
                let (e, m) = (self.ether, self.ether_mask);
                p.start_subtree(tree);
                if src {
                    p.start_subtree(tree);
                    self.add_comparison_of(p, tree, 8, 0, false, word(&e[0..4]), word(&m[0..4]));
                    self.add_comparison_of(p, tree, 12, 0, false, word(&e[4..6]) << 16, word(&m[4..6]) << 16);
                    p.finish(tree, Combiner::And);
                }
                if dst {
                    p.start_subtree(tree);
                    self.add_comparison_of(p, tree, 0, 0, false, word(&e[0..2]), word(&m[0..2]));
                    self.add_comparison_of(p, tree, 4, 0, false, word(&e[2..6]), word(&m[2..6]));
                    p.finish(tree, Combiner::And);
                }
                self.finish_srcdst(p, tree);
            }
            TYPE_PROTO => {
                if self.transp_proto < 256 {
                    self.add_comparison(p, tree, NET + 8, 16, true);
                }
            }
            TYPE_IPFRAG => {
                p.add_insn(tree, NET + 4, 0, 0x3fff);
                if !self.op_negated {
                    p.negate_subtree(tree, true);
                }
            }
            TYPE_PORT => {
                p.start_subtree(tree);
                if src {
                    self.add_comparison(p, tree, TRANSP, 16, false);
                }
                if dst {
                    self.add_comparison(p, tree, TRANSP, 0, false);
                }
                self.finish_srcdst(p, tree);
            }
            TYPE_TCPOPT => p.add_insn(tree, TRANSP + 12, self.u << 16, self.mask << 16),
            t => {
                let offset = (t >> 5) & 0xffff;
                let length = (t & 0x1f) + 1;
                let word_offset = ((offset >> 3) & !3) as u16;
                let bit_offset = offset & 0x1f;
                let base = if field_proto(t) != 0 { TRANSP } else { NET };
                self.add_comparison(p, tree, base + word_offset, (32 - (bit_offset + length)) as u32, true);
            }
        }
        p.finish(tree, Combiner::And);
    }
}

fn ffs_msb(x: u32) -> u32 {
    if x == 0 { 0 } else { x.leading_zeros() + 1 }
}

fn add_proto(proto: i32, p: &mut Program, tree: &mut Tree) {
    if proto == PROTO_TCP_OR_UDP {
        p.start_subtree(tree);
        p.add_insn(tree, NET + 8, (PROTO_TCP as u32) << 16, 0xff_0000);
        p.add_insn(tree, NET + 8, (PROTO_UDP as u32) << 16, 0xff_0000);
        p.finish(tree, Combiner::Or);
    } else if proto < 256 {
        p.add_insn(tree, NET + 8, (proto as u32) << 16, 0xff_0000);
    }
}

/// Click's tokens: `&&`, `||`, two-character relations, single punctuation, and runs of
/// letters, digits and `-./@_:`.
fn words(text: &str) -> Vec<String> {
    let s = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < s.len() {
        while pos < s.len() && s[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos >= s.len() {
            break;
        }
        let c = s[pos];
        let next = s.get(pos + 1).copied();
        let width = match c {
            b'&' | b'|' if next == Some(c) => 2,
            b'<' | b'>' | b'!' | b'=' if next == Some(b'=') => 2,
            b'&' | b'|' | b'<' | b'>' | b'!' | b'=' | b'(' | b')' | b'[' | b']' | b',' | b';' | b'?' => 1,
            _ => {
                let first = pos;
                while pos < s.len() && (s[pos].is_ascii_alphanumeric() || b"-./@_:".contains(&s[pos])) {
                    pos += 1;
                }
                if pos == first {
                    pos += 1;
                }
                out.push(text[first..pos].to_string());
                continue;
            }
        };
        out.push(text[pos..pos + width].to_string());
        pos += width;
    }
    out
}

struct Parser<'a> {
    words: Vec<String>,
    pos: usize,
    prog: &'a mut Program,
    tree: &'a mut Tree,
    names: &'a dyn NameResolver,
    prev: Prim,
}

impl Parser<'_> {
    fn word(&self) -> &str {
        self.words.get(self.pos).map_or("", String::as_str)
    }

    fn expr(&mut self) {
        self.prog.start_subtree(self.tree);
        self.orexpr();
        while self.word() == "?" {
            self.pos += 1;
            self.expr();
            if self.word() != ":" {
                break;
            }
            self.pos += 1;
            self.orexpr();
        }
        self.prog.finish(self.tree, Combiner::Ternary);
    }

    fn orexpr(&mut self) {
        self.prog.start_subtree(self.tree);
        self.term();
        while matches!(self.word(), "or" | "||") {
            self.pos += 1;
            self.term();
        }
        self.prog.finish(self.tree, Combiner::Or);
    }

    fn term(&mut self) {
        self.prog.start_subtree(self.tree);
        let mut last = self.pos;
        self.factor(false);
        // Juxtaposed factors are and-ed too; stop at a factor that reads nothing.
        while self.pos != last {
            if matches!(self.word(), "and" | "&&") {
                self.pos += 1;
            }
            last = self.pos;
            self.factor(false);
        }
        self.prog.finish(self.tree, Combiner::And);
    }

    fn factor(&mut self, negated: bool) {
        match self.word() {
            "not" | "!" => {
                self.pos += 1;
                self.factor(!negated);
            }
            "(" => {
                self.pos += 1;
                self.expr();
                if self.word() == ")" {
                    self.pos += 1;
                }
                if negated {
                    self.prog.negate_subtree(self.tree, false);
                }
            }
            _ => self.test(negated),
        }
    }

    fn test(&mut self, mut negated: bool) {
        if self.pos >= self.words.len() {
            return;
        }
        let first = self.word().to_string();
        if matches!(first.as_str(), ")" | "||" | "or" | "?" | ":") {
            return;
        }
        if first == "true" || first == "false" {
            self.prog.add_insn(self.tree, 0, 0, 0);
            if negated == (first == "true") {
                self.prog.negate_subtree(self.tree, false);
            }
            self.pos += 1;
            return;
        }
        let first_pos = self.pos;
        let mut prim = Prim::default();
        let mut header = 0u8;
        while self.pos < self.words.len() {
            let wd = self.word().to_string();
            match lookup(&wd, 0, UNKNOWN) {
                Ok(Some((TYPE_TYPE, t))) => {
                    let t = t as i32;
                    prim.ty = t;
                    if t & TYPE_FIELD != 0 && field_proto(t) != 0 {
                        prim.transp_proto = field_proto(t);
                    }
                }
                Ok(Some((TYPE_PROTO, p))) => prim.transp_proto = p as i32,
                Ok(Some(_)) | Err(()) => break,
                Ok(None) => match wd.as_str() {
                    "src" => {
                        let third = self.words.get(self.pos + 2).map(String::as_str);
                        let second = self.words.get(self.pos + 1).map(String::as_str);
                        if self.pos + 2 < self.words.len() && matches!(third, Some("dst" | "dest")) {
                            match second {
                                Some("and" | "&&") => {
                                    prim.srcdst = SD_AND;
                                    self.pos += 2;
                                }
                                Some("or" | "||") => {
                                    prim.srcdst = SD_OR;
                                    self.pos += 2;
                                }
                                _ => prim.srcdst = SD_SRC,
                            }
                        } else {
                            prim.srcdst = SD_SRC;
                        }
                    }
                    "dst" | "dest" => prim.srcdst = SD_DST,
                    "ip" | "ether" => {
                        if header != 0 {
                            break;
                        }
                        header = wd.as_bytes()[0];
                    }
                    "not" | "!" => negated = !negated,
                    _ => break,
                },
            }
            self.pos += 1;
        }
        if self.pos != first_pos {
            self.prev = Prim::default();
        }
        if self.prev.data == TYPE_ETHER {
            header = b'e';
        }
        let nwords = self.words.len();
        // Click looks at the word after the qualifiers only when one more follows it.
        let peek = |p: &Parser<'_>| if p.pos + 1 >= nwords { String::new() } else { p.word().to_string() };
        let mut wd = peek(self);
        if wd == "[" && self.pos > first_pos && prim.ty == TYPE_NONE {
            self.brackets(&mut prim);
            wd = peek(self);
        }
        let mut given = GivenMask::None;
        if wd == "&" && self.pos + 1 < nwords {
            let m = &self.words[self.pos + 1];
            if let Some(v) = int(m) {
                given = GivenMask::Int(v);
            } else if header != b'e'
                && let Some(a) = ip_addr(m, self.names)
            {
                given = GivenMask::Host(a);
            } else if header != b'i'
                && let Some(e) = ether_addr(m, self.names)
            {
                given = GivenMask::Ether(e);
            }
            if given != GivenMask::None {
                self.pos += 2;
            }
            if matches!(given, GivenMask::Int(0) | GivenMask::Host(0)) {
                given = GivenMask::None;
            }
            wd = peek(self);
        }
        self.pos += 1;
        match wd.as_str() {
            "=" | "==" => {}
            "!=" => prim.op_negated = true,
            ">" => prim.op = Rel::Gt,
            "<" => prim.op = Rel::Lt,
            ">=" => {
                prim.op = Rel::Lt;
                prim.op_negated = true;
            }
            "<=" => {
                prim.op = Rel::Gt;
                prim.op_negated = true;
            }
            _ => self.pos -= 1,
        }
        if self.pos < nwords {
            let wd = self.word().to_string();
            self.pos += 1;
            match lookup(&wd, prim.ty, prim.transp_proto) {
                Err(()) => prim.ty = -2,
                Ok(Some((t, v))) if t != TYPE_TYPE => {
                    prim.data = t;
                    prim.u = v;
                }
                _ => {
                    if let Some(v) = int(&wd) {
                        prim.data = TYPE_INT;
                        prim.u = v;
                    } else if header != b'e'
                        && let Some(a) = ip_addr(&wd, self.names)
                    {
                        prim.u = a;
                        let mask_word = self.words.get(self.pos + 1).and_then(|m| ip_addr(m, self.names));
                        if self.pos + 1 < nwords
                            && self.word() == "mask"
                            && let Some(m) = mask_word
                        {
                            prim.mask = m;
                            self.pos += 2;
                            prim.data = TYPE_NET;
                        } else if prim.ty == TYPE_NET
                            && let Some((a, m)) = ip_prefix(&wd, self.names)
                        {
                            (prim.u, prim.mask) = (a, m);
                            prim.data = TYPE_NET;
                        } else {
                            prim.data = TYPE_HOST;
                        }
                    } else if header != b'e'
                        && let Some((a, m)) = ip_prefix(&wd, self.names)
                    {
                        (prim.u, prim.mask) = (a, m);
                        prim.data = TYPE_NET;
                    } else if header != b'i'
                        && let Some(e) = ether_addr(&wd, self.names)
                    {
                        prim.ether = e;
                        prim.data = TYPE_ETHER;
                    } else {
                        self.pos -= 1;
                    }
                }
            }
        }
        if self.pos == first_pos {
            return;
        }
        let prev = self.prev;
        if prim.check(&prev, header, given).is_ok() {
            prim.compile(self.prog, self.tree);
            if negated {
                self.prog.negate_subtree(self.tree, false);
            }
            self.prev = prim;
        }
    }

    /// `[POS]`, `[POS:LEN]` or `[POS,END]` after `ip`/`tcp`/...: a field of that header.
    fn brackets(&mut self, prim: &mut Prim) {
        let mut combination = String::new();
        self.pos += 1;
        while self.pos < self.words.len() && self.word() != "]" {
            combination.push_str(self.word());
            self.pos += 1;
        }
        if self.pos >= self.words.len() {
            return;
        }
        self.pos += 1;
        let (fieldpos, len) = if let Some((a, b)) = combination.split_once(':') {
            match (int(a), int(b)) {
                (Some(a), Some(b)) => (a as i32, b as i32),
                _ => return,
            }
        } else if let Some((a, b)) = combination.split_once(',') {
            match (int(a), int(b)) {
                (Some(a), Some(b)) => (a as i32, b as i32 - a as i32 + 1),
                _ => return,
            }
        } else {
            match int(&combination) {
                Some(a) => (a as i32, 1),
                None => return,
            }
        };
        let (fieldpos, len) = (fieldpos * 8, len * 8);
        if !(1..=32).contains(&len) || (fieldpos & !31) != ((fieldpos + len - 1) & !31) {
            return;
        }
        let transp = if prim.transp_proto == UNKNOWN { 0 } else { prim.transp_proto };
        prim.ty = TYPE_FIELD | (transp << 21) | (fieldpos << 5) | (len - 1);
    }
}

/// Click's program for IPFilter rules `(output or None for drop, pattern text)`: each
/// pattern compiled on its own, the programs joined pairwise (each join optimized), the
/// last failures dropping the packet, then compressed.
pub(crate) fn compile(rules: &[(Option<u32>, &str)], names: &dyn NameResolver) -> (Program, Compressed) {
    let prog = program(rules, names);
    let compressed = Compressed::compile(&prog);
    (prog, compressed)
}

/// The program before compression.
fn program(rules: &[(Option<u32>, &str)], names: &dyn NameResolver) -> Program {
    // The protocol word sorts as if it came before the rest of the IP header.
    let map: &[(u16, u16)] = &[(NET + 8, NET + 3)];
    let mut progs: Vec<Program> = Vec::new();
    for &(slot, text) in rules {
        let mut prog = Program::default();
        let mut tree = prog.init_subtree();
        prog.start_subtree(&mut tree);
        let ws = words(text);
        if ws.is_empty() || (ws.len() == 1 && matches!(ws[0].as_str(), "-" | "any" | "all")) {
            prog.add_insn(&mut tree, 0, 0, 0);
        } else {
            let mut parser =
                Parser { words: ws, pos: 0, prog: &mut prog, tree: &mut tree, names, prev: Prim::default() };
            parser.expr();
        }
        let success = slot.map_or(J_NEVER, |s| -(s as i32));
        prog.finish_subtree(&mut tree, Combiner::And, success, J_FAILURE);
        progs.push(prog);
    }
    let mut step = 1;
    while step < progs.len() {
        let mut i = 0;
        while i + step < progs.len() {
            let next = progs[i + step].clone();
            progs[i].add_or_program(&next);
            progs[i].optimize(map);
            i += 2 * step;
        }
        step *= 2;
    }
    if progs.is_empty() {
        progs.push(Program::default());
    }
    if progs.len() == 1 {
        progs[0].optimize(map);
    }
    let mut prog = progs.swap_remove(0);
    prog.set_failure(J_NEVER);
    prog.bubble_sort_and_exprs(map);
    prog
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classifier::ip_expr::tests::packet;
    use crate::classifier::ip_expr::{NoNames, PacketFields, parse};
    use proptest::prelude::*;

    /// Runs Click's program on an IP packet, as IPClassifier does.
    fn run(prog: &Program, ip: &[u8]) -> Option<usize> {
        prog.run_ip(None, ip, usize::from(ip[0] & 0xf) * 4)
    }

    fn expr_strategy() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("tcp".to_string()),
            Just("udp".to_string()),
            Just("icmp".to_string()),
            Just("syn".to_string()),
            Just("ack".to_string()),
            Just("icmp type echo".to_string()),
            (0u8..4).prop_map(|x| format!("src host 10.0.0.{x}")),
            (0u8..4).prop_map(|x| format!("dst host 10.0.0.{x}")),
            (0u8..4).prop_map(|x| format!("host 10.0.0.{x}")),
            (78u16..82).prop_map(|p| format!("dst port {p}")),
            (78u16..82).prop_map(|p| format!("udp port {p} or {}", p + 1)),
            (1020u16..1030).prop_map(|p| format!("src port > {p}")),
            (1020u16..1030).prop_map(|p| format!("src port <= {p}")),
            (60u8..68).prop_map(|t| format!("ip ttl < {t}")),
            (60u8..68).prop_map(|t| format!("ip ttl >= {t}")),
            (60u8..68).prop_map(|t| format!("ip ttl != {t}")),
            Just("ip unfrag".to_string()),
            Just("tcp[13] & 3 != 0".to_string()),
            Just("true".to_string()),
            Just("false".to_string()),
        ];
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
                // Juxtaposed, but parenthesized: Click reads `udp icmp` as one primitive with two
                // protocols, an error.
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) ({b})")),
                inner.clone().prop_map(|a| format!("not ({a})")),
                (inner.clone(), inner.clone(), inner).prop_map(|(a, b, c)| format!("({a}) ? ({b}) : ({c})")),
            ]
        })
    }

    proptest! {
        /// Click's program (the one `program` prints) sorts packets as our decision graph
        /// does.
        #[test]
        fn click_program_agrees_with_the_expressions(
            patterns in proptest::collection::vec(expr_strategy(), 1..4),
            src in 0u8..4, dst in 0u8..4, proto in prop_oneof![Just(6u8), Just(17u8), Just(1u8)],
            sport in 1015u16..1035, dport in 76u16..84, flags in 0u8..32, ttl in 58u8..70,
        ) {
            let mut ip = packet([10, 0, 0, src], [10, 0, 0, dst], proto, sport, dport, flags);
            ip[8] = ttl;
            let exprs: Vec<_> = patterns.iter().map(|p| parse(p, &NoNames).unwrap()).collect();
            let f = PacketFields::new(&ip, None).unwrap();
            let want = exprs.iter().position(|e| e.eval(&f));
            let rules: Vec<(Option<u32>, &str)> =
                patterns.iter().enumerate().map(|(i, p)| (Some(i as u32), p.as_str())).collect();
            let prog = program(&rules, &NoNames);
            prop_assert_eq!(run(&prog, &ip), want, "patterns {:?}\n{}", patterns, prog);
        }
    }
}
