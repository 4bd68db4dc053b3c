//! Programs of aligned 32-bit word tests, built and optimized the way Click's classifiers
//! build theirs, so that the `program` handlers print the same decision trees.
//!
//! A [`Program`] is a list of instructions; each loads the 4-byte word at its offset, masks
//! it, compares it with a value and jumps to a later instruction or to an output. Jump
//! targets are integers: positive numbers are instruction indexes, `-N` (and 0) is output
//! N, and three reserved values stand for "drop" and, while a program is being built, for
//! "this subexpression succeeded" and "failed". Patterns are added as nested subtrees that
//! are combined with and/or/ternary by rewriting those two placeholders, then the program
//! is optimized: `and` chains sorted by offset, tests whose outcome earlier tests on every
//! path already decide are skipped (a bounded dominator analysis), adjacent compatible tests
//! merged, and unreachable ones removed.
//!
//! The result depends on the exact order in which these passes look at instructions, so
//! they follow Click's order step by step; the handler text is compared with the original
//! Click's in `tests/click_reference`.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

/// The "drop the packet" target.
pub(crate) const J_NEVER: i32 = -2_147_483_647;
/// While building: where a failing subexpression goes.
pub(crate) const J_FAILURE: i32 = J_NEVER + 1;
/// While building: where a succeeding subexpression goes.
pub(crate) const J_SUCCESS: i32 = J_NEVER + 2;

/// How subtrees combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Combiner {
    And,
    Or,
    /// `a ? b : c`, in groups of three subtrees.
    Ternary,
}

/// One word test. `mask` and `value` hold the word's bytes with the first packet byte as
/// the most significant (network order, read as a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Insn {
    pub offset: u16,
    /// Where a packet too short for the bytes this test reads goes: the yes branch when
    /// true, the no branch when false.
    pub short_output: bool,
    pub mask: u32,
    pub value: u32,
    /// `[no, yes]`.
    pub j: [i32; 2],
}

fn single_bit(x: u32) -> bool {
    x & x.wrapping_sub(1) == 0
}

impl Insn {
    pub(crate) fn new(offset: u16, value: u32, mask: u32) -> Insn {
        Insn { offset, short_output: false, mask, value: value & mask, j: [J_FAILURE, J_SUCCESS] }
    }

    fn yes(&self) -> i32 {
        self.j[1]
    }

    fn no(&self) -> i32 {
        self.j[0]
    }

    /// Bytes a packet needs for this test to read every byte its mask keeps.
    pub(crate) fn required_length(&self) -> u32 {
        let o = u32::from(self.offset);
        if self.mask == 0 {
            0
        } else if self.mask & 0xff != 0 {
            o + 4
        } else if self.mask & 0xff00 != 0 {
            o + 3
        } else if self.mask & 0xff_0000 != 0 {
            o + 2
        } else {
            o + 1
        }
    }

    /// Whether conclusions drawn from this test's `direction` branch about `x` survive short
    /// packets (which take `short_output` without reading anything).
    fn short_ok(&self, direction: bool, x: &Insn, next_direction: bool, known_length: u32) -> bool {
        if self.short_output != direction || u32::from(self.offset) + 4 <= known_length {
            return true;
        }
        let r = self.required_length();
        r <= known_length || (r <= x.required_length() && next_direction == x.short_output)
    }

    /// A packet that passes this test passes `x`.
    fn implies(&self, x: &Insn, kl: u32) -> bool {
        if x.mask == 0 {
            return true;
        }
        if x.offset != self.offset || !self.short_ok(true, x, true, kl) {
            return false;
        }
        let both = self.mask & x.mask;
        both == x.mask && self.value & both == x.value
    }

    /// A packet that fails this test passes `x` (both test the same single bit, opposite
    /// values).
    fn not_implies(&self, x: &Insn, kl: u32) -> bool {
        if x.mask == 0 {
            return true;
        }
        if x.offset != self.offset || !self.short_ok(false, x, true, kl) {
            return false;
        }
        single_bit(self.mask) && self.mask == x.mask && self.value != x.value
    }

    /// A packet that passes this test fails `x`.
    fn implies_not(&self, x: &Insn, kl: u32) -> bool {
        if x.mask == 0 || x.offset != self.offset || !self.short_ok(true, x, false, kl) {
            return false;
        }
        let both = self.mask & x.mask;
        both == x.mask && self.value & both != x.value
    }

    /// A packet that fails this test fails `x`.
    fn not_implies_not(&self, x: &Insn, kl: u32) -> bool {
        if self.mask == 0 {
            return true;
        }
        if x.offset != self.offset || !self.short_ok(false, x, false, kl) {
            return false;
        }
        let both = self.mask & x.mask;
        both == self.mask && self.value == x.value & both
    }

    /// Some packet could pass both tests.
    fn compatible(&self, x: &Insn, consider_short: bool) -> bool {
        if self.mask == 0 || x.mask == 0 {
            return true;
        }
        if x.offset != self.offset
            || (consider_short && x.short_output != self.short_output && self.required_length() < x.required_length())
        {
            return false;
        }
        let both = self.mask & x.mask;
        self.value & both == x.value & both
    }

    /// This test and `x` (on its no branch) differ in one value bit only, so together they
    /// are one test without that bit.
    fn generalizable_or_pair(&self, x: &Insn) -> bool {
        let diff = self.value ^ x.value;
        if self.offset != 0
            && x.offset == self.offset
            && self.mask != 0
            && x.mask == self.mask
            && (self.short_output || !x.short_output)
            && self.yes() == x.yes()
            && single_bit(diff)
        {
            Insn::new(self.offset, self.value & !diff, self.mask & !diff).required_length() == self.required_length()
        } else {
            false
        }
    }

    fn flippable(&self) -> bool {
        self.mask != 0 && single_bit(self.mask)
    }

    /// Tests the other value of a single-bit test, with the branches swapped.
    fn flip(&mut self) {
        self.value ^= self.mask;
        self.j.swap(0, 1);
        self.short_output = !self.short_output;
    }

    fn offset_by(mut self, by: i32) -> Insn {
        for j in &mut self.j {
            if *j > 0 {
                *j += by;
            }
        }
        self
    }
}

fn write_jump(out: &mut String, j: i32) {
    if j <= J_SUCCESS {
        let c = ['X', '-', '+'][(j - J_NEVER) as usize];
        let _ = write!(out, "[{c}]");
    } else if j <= 0 {
        let _ = write!(out, "[{}]", -j);
    } else {
        let _ = write!(out, "step {j}");
    }
}

/// One line of a program listing, as Click prints it.
fn write_insn(out: &mut String, step: i32, insn: &Insn) {
    if step < 10 {
        out.push(' ');
    }
    let _ = write!(out, "{step} {:3}/{:08x}%{:08x}  yes->", insn.offset, insn.value, insn.mask);
    write_jump(out, insn.yes());
    out.push_str("  no->");
    write_jump(out, insn.no());
    if insn.short_output {
        out.push_str("  short->yes");
    }
    out.push('\n');
}

fn write_trailer(out: &mut String, empty: bool, output_everything: i32, safe_length: u32, align_offset: u32) {
    if empty {
        let _ = writeln!(out, "all->[{output_everything}]");
    }
    let _ = writeln!(out, "safe length {safe_length}");
    let _ = writeln!(out, "alignment offset {align_offset}");
}

/// Nesting levels of the subtrees being built: `tree[0]` is the current level, `tree[i + 1]`
/// the level of the subtree that starts at instruction `i` (or -1).
pub(crate) type Tree = Vec<i32>;

/// Offsets that sort as if they were others (IPFilter tests the protocol byte first).
pub(crate) type OffsetMap<'a> = &'a [(u16, u16)];

/// A program of word tests.
#[derive(Clone, Debug)]
pub(crate) struct Program {
    pub insns: Vec<Insn>,
    /// The output every packet takes, when no test is needed (else negative).
    pub output_everything: i32,
    /// Packets at least this long can run every test without length checks.
    pub safe_length: u32,
    pub align_offset: u32,
    /// Packets at least this long have every word a test loads (the safe length counts
    /// only the bytes a mask keeps; Click reads the rest past the end of short packets).
    word_length: usize,
}

impl Default for Program {
    fn default() -> Program {
        Program {
            insns: Vec::new(),
            output_everything: -J_NEVER,
            safe_length: u32::MAX,
            align_offset: 0,
            word_length: usize::MAX,
        }
    }
}

impl Program {
    pub(crate) fn init_subtree(&self) -> Tree {
        let mut t = vec![-1; self.insns.len() + 1];
        t[0] = 0;
        t
    }

    pub(crate) fn start_subtree(&self, tree: &mut Tree) {
        tree[0] += 1;
    }

    pub(crate) fn add_insn(&mut self, tree: &mut Tree, offset: u16, value: u32, mask: u32) {
        self.insns.push(Insn::new(offset, value, mask));
        tree.push(tree[0]);
        self.output_everything = -1;
    }

    pub(crate) fn last_mut(&mut self) -> &mut Insn {
        self.insns.last_mut().expect("an instruction")
    }

    fn redirect_subtree(&mut self, first: usize, last: usize, success: i32, failure: i32) {
        for insn in &mut self.insns[first..last] {
            for j in &mut insn.j {
                if *j == J_SUCCESS {
                    *j = success;
                } else if *j == J_FAILURE {
                    *j = failure;
                }
            }
        }
    }

    pub(crate) fn finish(&mut self, tree: &mut Tree, combiner: Combiner) {
        self.finish_subtree(tree, combiner, J_SUCCESS, J_FAILURE);
    }

    /// Ends the current level: its subtrees are combined and their remaining success and
    /// failure jumps go to `success` and `failure`.
    pub(crate) fn finish_subtree(&mut self, tree: &mut Tree, combiner: Combiner, success: i32, failure: i32) {
        let level = tree[0];
        let n = self.insns.len();
        let mut ptr = n;
        while ptr > 0 && (tree[ptr] < 0 || tree[ptr] >= level) {
            ptr -= 1;
        }
        let subtrees: Vec<usize> = (ptr + 1..=n).filter(|&p| tree[p] == level).map(|p| p - 1).collect();
        if !subtrees.is_empty() {
            tree[subtrees[0] + 1] = level - 1;
            for slot in &mut tree[subtrees[0] + 2..=n] {
                *slot = -1;
            }
            let mut t = 0;
            while t + 1 < subtrees.len() {
                let (first, next) = (subtrees[t], subtrees[t + 1]);
                match combiner {
                    Combiner::And => self.redirect_subtree(first, next, next as i32, failure),
                    Combiner::Or => self.redirect_subtree(first, next, success, next as i32),
                    Combiner::Ternary if t + 2 < subtrees.len() => {
                        let next2 = subtrees[t + 2];
                        self.redirect_subtree(first, next, next as i32, next2 as i32);
                        self.redirect_subtree(next, next2, success, failure);
                        t += 1;
                    }
                    Combiner::Ternary => self.redirect_subtree(first, next, next as i32, failure),
                }
                t += 1;
            }
            if t < subtrees.len() {
                self.redirect_subtree(subtrees[t], n, success, failure);
            }
        }
        tree[0] -= 1;
    }

    /// Swaps success and failure in the last subtree; `flip_short` also makes short packets
    /// take the other branch.
    pub(crate) fn negate_subtree(&mut self, tree: &Tree, flip_short: bool) {
        let level = tree[0];
        let mut first = self.insns.len() as isize - 1;
        while first >= 0 && tree[first as usize + 1] != level {
            first -= 1;
        }
        if first < 0 {
            return;
        }
        for insn in &mut self.insns[first as usize..] {
            for j in &mut insn.j {
                if *j == J_FAILURE {
                    *j = J_SUCCESS;
                } else if *j == J_SUCCESS {
                    *j = J_FAILURE;
                }
            }
            if flip_short {
                insn.short_output = !insn.short_output;
            }
        }
    }

    /// Replaces the remaining failure jumps.
    pub(crate) fn set_failure(&mut self, failure: i32) {
        if self.output_everything == -J_FAILURE {
            self.output_everything = -failure;
        }
        for insn in &mut self.insns {
            for j in &mut insn.j {
                if *j == J_FAILURE {
                    *j = failure;
                }
            }
        }
    }

    /// Appends `next` so that this program's failures go on to it.
    pub(crate) fn add_or_program(&mut self, next: &Program) {
        if self.output_everything < 0 || self.output_everything == -J_FAILURE {
            let mut failure = -next.output_everything;
            if failure > 0 {
                failure = self.insns.len() as i32;
            }
            self.set_failure(failure);
            let by = self.insns.len() as i32;
            self.insns.extend(next.insns.iter().map(|i| i.offset_by(by)));
        }
    }

    fn count_inbranches(&self) -> Vec<i32> {
        let mut inb = vec![-1; self.insns.len()];
        for (i, e) in self.insns.iter().enumerate() {
            for &j in &e.j {
                if j > 0 {
                    let j = j as usize;
                    inb[j] = if inb[j] >= 0 { 0 } else { i as i32 };
                }
            }
        }
        inb
    }

    /// Sorts chains of tests (a step whose only predecessor reaches it on one branch while
    /// both share the other branch) by offset, mask and value.
    pub(crate) fn bubble_sort_and_exprs(&mut self, map: OffsetMap<'_>) {
        let inbranch = self.count_inbranches();
        let mapped = |o: u16| map.iter().find(|m| m.0 == o).map_or(o, |m| m.1);
        let mut i: isize = 0;
        while (i as usize) < self.insns.len() {
            let iu = i as usize;
            for k in 0..2 {
                let j = self.insns[iu].j[k];
                if j <= 0 || inbranch[j as usize] <= 0 {
                    continue;
                }
                let ju = j as usize;
                let (e1, e2) = (self.insns[iu], self.insns[ju]);
                if e1.j[1 - k] != e2.j[1 - k] {
                    continue;
                }
                let (o1, o2) = (mapped(e1.offset), mapped(e2.offset));
                if o1 > o2 || (o1 == o2 && (e1.mask > e2.mask || (e1.mask == e2.mask && e1.value > e2.value))) {
                    let mut new2 = e1;
                    new2.j[k] = e2.j[k];
                    let mut new1 = e2;
                    new1.j[k] = j;
                    self.insns[ju] = new2;
                    self.insns[iu] = new1;
                    i = if inbranch[iu] > 0 { inbranch[iu] as isize - 1 } else { i - 1 };
                    break;
                }
            }
            i += 1;
        }
    }

    /// Click's peephole passes: single-bit tests flipped so that a compatible test follows
    /// on the yes branch, one-bit-apart pairs generalized, and tests merged with a
    /// compatible test on their yes branch that shares their no branch.
    fn combine_compatible_states(&mut self) {
        let mut i = self.insns.len() as isize - 1;
        while i >= 0 {
            let iu = i as usize;
            let no = self.insns[iu].no();
            if no > 0 {
                let no_in = self.insns[no as usize];
                if no_in.compatible(&self.insns[iu], false) && self.insns[iu].flippable() {
                    self.insns[iu].flip();
                } else if self.insns[iu].generalizable_or_pair(&no_in) {
                    let bit = self.insns[iu].value ^ no_in.value;
                    let insn = &mut self.insns[iu];
                    insn.value &= !bit;
                    insn.mask &= !bit;
                    insn.j[0] = no_in.no();
                    continue; // look at the same instruction again
                }
            }
            let yes = self.insns[iu].yes();
            if yes <= 0 {
                i -= 1;
                continue;
            }
            let yu = yes as usize;
            if self.insns[iu].no() == self.insns[yu].yes() && self.insns[yu].flippable() {
                self.insns[yu].flip();
            }
            let yes_in = self.insns[yu];
            if self.insns[iu].no() == yes_in.no() && yes_in.compatible(&self.insns[iu], true) {
                let insn = &mut self.insns[iu];
                insn.j[1] = yes_in.yes();
                if insn.mask == 0 {
                    insn.offset = yes_in.offset;
                }
                insn.value = (insn.value & insn.mask) | (yes_in.value & yes_in.mask);
                insn.mask |= yes_in.mask;
                continue;
            }
            i -= 1;
        }
    }

    /// Skips tests that decide nothing (both branches equal, or an empty mask) and drops
    /// instructions no path reaches, renumbering the rest.
    fn remove_unused_states(&mut self) {
        let n = self.insns.len();
        if n == 0 {
            return;
        }
        let mut dest = vec![-1i32; n];
        for i in (0..n).rev() {
            let insn = &mut self.insns[i];
            for j in &mut insn.j {
                if *j > 0 {
                    *j = dest[*j as usize];
                }
            }
            dest[i] = if insn.yes() != insn.no() && insn.mask != 0 {
                i as i32
            } else if insn.yes() <= 0 {
                insn.yes()
            } else {
                dest[insn.yes() as usize]
            };
        }
        self.output_everything = -1;
        if dest[0] > 0 {
            self.insns[0] = self.insns[dest[0] as usize];
        } else if dest[0] < 0 {
            self.output_everything = -dest[0];
        } else if self.insns[0].yes() == 0 && (self.insns[0].no() == 0 || self.insns[0].mask == 0) {
            self.output_everything = 0;
        }
        let mut dest = vec![-1i32; n];
        if self.output_everything < 0 {
            dest[0] = 0;
        }
        let mut next = 0;
        for i in 0..n {
            if dest[i] >= 0 {
                dest[i] = next;
                next += 1;
                for &j in &self.insns[i].j {
                    if j > 0 {
                        dest[j as usize] = 0;
                    }
                }
            }
        }
        for i in 0..n {
            if dest[i] >= 0 {
                let to = dest[i] as usize;
                self.insns[to] = self.insns[i];
                for j in &mut self.insns[to].j {
                    if *j > 0 {
                        *j = dest[*j as usize];
                    }
                }
            }
        }
        self.insns.truncate(next as usize);
    }

    /// All optimization passes, then the safe length.
    pub(crate) fn optimize(&mut self, map: OffsetMap<'_>) {
        self.bubble_sort_and_exprs(map);
        let mut dom = DominatorOptimizer::new(self);
        for i in 0..dom.p.insns.len() {
            dom.run(i);
        }
        self.combine_compatible_states();
        self.remove_unused_states();
        if self.insns.is_empty() && self.output_everything < 0 {
            self.output_everything = -J_NEVER;
        } else if self.output_everything >= 0 {
            self.insns.clear();
        }
        self.safe_length = self.insns.iter().map(Insn::required_length).max().unwrap_or(0);
        self.safe_length = self.safe_length.wrapping_sub(self.align_offset);
        self.word_length = self.insns.iter().map(|i| usize::from(i.offset) + 4).max().unwrap_or(0);
    }

    /// The outputs no packet can reach, of the first `noutputs`.
    pub(crate) fn unused_outputs(&self, noutputs: usize) -> Vec<usize> {
        let jumps = self.insns.iter().flat_map(|i| i.j);
        unused(self.output_everything, jumps, noutputs)
    }

    /// Runs the program on packet bytes `data` (offsets relative to its start): the output,
    /// or `None` to drop. As Click's: a test whose bytes are not all in the packet takes its
    /// short-packet branch.
    #[inline]
    pub(crate) fn run(&self, data: &[u8]) -> Option<usize> {
        let mut pos = if self.output_everything >= 0 {
            -self.output_everything
        } else if data.len() >= self.word_length {
            // Every word a test reads is in the packet.
            let mut pos = 0i32;
            loop {
                let insn = &self.insns[pos as usize];
                let o = usize::from(insn.offset);
                let w = u32::from_be_bytes(data[o..o + 4].try_into().expect("4 bytes"));
                pos = insn.j[usize::from(w & insn.mask == insn.value)];
                if pos <= 0 {
                    break pos;
                }
            }
        } else {
            self.run_checked(data)
        };
        if pos == J_NEVER {
            pos = 1; // dropped
        }
        (pos <= 0).then_some((-pos) as usize)
    }

    /// Runs an IPFilter program: offsets from 512 read the transport header, from 256 the
    /// network header, below 256 from two bytes before the MAC header (`mac`, when known).
    /// `ip` holds the bytes from the network header to the end, the first `nhl` of which
    /// are the IP header. Like Click, a packet with transport bytes counts as
    /// `512 + transport length` bytes long, one without as `256 + IP length`, and a test
    /// needing bytes past that takes its short-packet branch.
    #[inline]
    pub(crate) fn run_ip(&self, mac: Option<&[u8]>, ip: &[u8], nhl: usize) -> Option<usize> {
        if self.output_everything >= 0 {
            return finish_jump(-self.output_everything);
        }
        let transport = ip.get(nhl..).unwrap_or(&[]);
        let length = if transport.is_empty() { 256 + ip.len() } else { 512 + transport.len() };
        let mut pos = 0i32;
        loop {
            let insn = &self.insns[pos as usize];
            let o = usize::from(insn.offset);
            let word = if o >= 512 {
                transport.get(o - 512..o - 508)
            } else if o >= 256 {
                ip.get(o - 256..o - 252)
            } else {
                None
            };
            pos = match word {
                // The common case: the whole word is in the packet.
                Some(w) if o + 4 <= length => {
                    let w = u32::from_be_bytes([w[0], w[1], w[2], w[3]]);
                    insn.j[usize::from(w & insn.mask == insn.value)]
                }
                _ => ip_slow_step(insn, mac, ip, transport, length),
            };
            if pos <= 0 {
                return finish_jump(pos);
            }
        }
    }

    #[cold]
    fn run_checked(&self, data: &[u8]) -> i32 {
        let mut pos = 0i32;
        loop {
            let insn = &self.insns[pos as usize];
            let o = usize::from(insn.offset);
            pos = match partial_word(data, o) {
                Some((w, have)) if insn.mask & !have == 0 => insn.j[usize::from(w & insn.mask == insn.value)],
                _ => insn.j[usize::from(insn.short_output)],
            };
            if pos <= 0 {
                return pos;
            }
        }
    }
}

/// One IPFilter step for a word that is partly or wholly outside the packet, or in the
/// MAC header: Click's length rule (the bytes the mask keeps must be within the packet's
/// counted length, else the short-packet branch), bytes outside their header read as zero.
#[cold]
fn ip_slow_step(insn: &Insn, mac: Option<&[u8]>, ip: &[u8], transport: &[u8], length: usize) -> i32 {
    let o = usize::from(insn.offset);
    let fits = o + 4 <= length || (o < length && insn.mask & !(u32::MAX << (8 * (o + 4 - length))) == 0);
    if !fits {
        return insn.j[usize::from(insn.short_output)];
    }
    let (bytes, start) = if o >= 512 {
        (transport, o as isize - 512)
    } else if o >= 256 {
        (ip, o as isize - 256)
    } else {
        (mac.unwrap_or(&[]), o as isize - 2)
    };
    let w = (0..4).fold(0u32, |w, i| {
        let at = start + i;
        let b = if at >= 0 { bytes.get(at as usize).copied().unwrap_or(0) } else { 0 };
        (w << 8) | u32::from(b)
    });
    insn.j[usize::from(w & insn.mask == insn.value)]
}

/// The output a final jump means (`None`: drop).
#[inline]
fn finish_jump(pos: i32) -> Option<usize> {
    (pos <= 0 && pos != J_NEVER).then_some((-pos) as usize)
}

/// The word at `offset`, zero-padded, and a mask of the bytes that exist; `None` when no
/// byte does.
fn partial_word(data: &[u8], offset: usize) -> Option<(u32, u32)> {
    if offset >= data.len() {
        return None;
    }
    let mut w = [0u8; 4];
    let mut have = 0u32;
    for (i, slot) in w.iter_mut().enumerate() {
        if let Some(&b) = data.get(offset + i) {
            *slot = b;
            have |= 0xff00_0000 >> (8 * i);
        }
    }
    Some((u32::from_be_bytes(w), have))
}

fn unused(output_everything: i32, jumps: impl Iterator<Item = i32>, noutputs: usize) -> Vec<usize> {
    let mut used = vec![false; noutputs];
    if output_everything >= 0 && (output_everything as usize) < noutputs {
        used[output_everything as usize] = true;
    } else if output_everything < 0 {
        for j in jumps {
            if j <= 0 && ((-j) as usize) < noutputs {
                used[(-j) as usize] = true;
            }
        }
    }
    (0..noutputs).filter(|&i| !used[i]).collect()
}

impl fmt::Display for Program {
    /// Click's listing: one line per step, then the safe length and alignment.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (i, insn) in self.insns.iter().enumerate() {
            let mut shown = *insn;
            shown.offset = shown.offset.wrapping_sub(self.align_offset as u16);
            write_insn(&mut out, i as i32, &shown);
        }
        write_trailer(&mut out, self.insns.is_empty(), self.output_everything, self.safe_length, self.align_offset);
        f.write_str(&out)
    }
}

// ---- the dominator pass ----

/// For each instruction, up to four partial lists of the branches taken on the paths that
/// reach it (every path contains one of them); a branch whose target test is decided by
/// every list of its source is redirected past that test. Branches are numbered
/// `2 * state + taken`, states by the first identical instruction.
struct DominatorOptimizer<'a> {
    p: &'a mut Program,
    known_length: Vec<u32>,
    insn_id: Vec<i32>,
    dom: Vec<i32>,
    dom_start: Vec<i32>,
    domlist_start: Vec<i32>,
    /// Predecessor branches of each state, as linked lists (built on first use).
    pred_first: Vec<i32>,
    pred_next: Vec<i32>,
    pred_prev: Vec<i32>,
}

const MAX_DOMLIST: usize = 4;

fn brno(state: i32, yes: bool) -> i32 {
    (state << 1) + i32::from(yes)
}

fn stateno(br: i32) -> i32 {
    br >> 1
}

fn br_yes(br: i32) -> bool {
    br & 1 != 0
}

impl<'a> DominatorOptimizer<'a> {
    fn new(p: &'a mut Program) -> DominatorOptimizer<'a> {
        let n = p.insns.len();
        let mut known_length = vec![0x7FFF_FFFFu32; n];
        if n > 0 {
            known_length[0] = 0;
        }
        for i in 0..n {
            let insn = p.insns[i];
            let tested = insn.required_length().max(known_length[i]);
            let so = usize::from(insn.short_output);
            let long = insn.j[1 - so];
            if long > 0 && tested < known_length[long as usize] {
                known_length[long as usize] = tested;
            }
            let short = insn.j[so];
            if short > 0 && known_length[i] < known_length[short as usize] {
                known_length[short as usize] = known_length[i];
            }
        }
        let mut first_of: HashMap<(u16, bool, u32, u32), i32> = HashMap::new();
        let insn_id = p
            .insns
            .iter()
            .enumerate()
            .map(|(i, x)| *first_of.entry((x.offset, x.short_output, x.mask, x.value)).or_insert(i as i32))
            .collect();
        DominatorOptimizer {
            p,
            known_length,
            insn_id,
            dom: Vec::new(),
            dom_start: vec![0],
            domlist_start: vec![0],
            pred_first: Vec::new(),
            pred_next: Vec::new(),
            pred_prev: Vec::new(),
        }
    }

    fn insn(&self, s: i32) -> &Insn {
        &self.p.insns[s as usize]
    }

    fn br_implies(&self, br: i32, state: i32) -> bool {
        let from = stateno(br);
        let kl = self.known_length[from as usize];
        if br_yes(br) {
            self.insn(from).implies(self.insn(state), kl)
        } else {
            self.insn(from).not_implies(self.insn(state), kl)
        }
    }

    fn br_implies_not(&self, br: i32, state: i32) -> bool {
        let from = stateno(br);
        let kl = self.known_length[from as usize];
        if br_yes(br) {
            self.insn(from).implies_not(self.insn(state), kl)
        } else {
            self.insn(from).not_implies_not(self.insn(state), kl)
        }
    }

    fn find_predecessors(&mut self, state: i32) -> Vec<i32> {
        let n = self.p.insns.len();
        if self.pred_first.is_empty() {
            self.pred_first = vec![-1; n];
            self.pred_next = vec![-1; 2 * n];
            self.pred_prev = vec![-1; 2 * n];
            for i in 0..n {
                for k in 0..2 {
                    let next = self.p.insns[i].j[k];
                    if next > 0 {
                        let br = brno(i as i32, k == 1) as usize;
                        let head = self.pred_first[next as usize];
                        self.pred_next[br] = head;
                        if head >= 0 {
                            self.pred_prev[head as usize] = br as i32;
                        }
                        self.pred_first[next as usize] = br as i32;
                    }
                }
            }
        }
        let mut v = Vec::new();
        let mut br = self.pred_first[state as usize];
        while br >= 0 {
            v.push(br);
            br = self.pred_next[br as usize];
        }
        v
    }

    fn set_branch(&mut self, from: i32, branch: bool, to: i32) {
        let k = usize::from(branch);
        let br = brno(from, branch);
        let old = self.p.insns[from as usize].j[k];
        if old > 0 {
            let (prev, next) = (self.pred_prev[br as usize], self.pred_next[br as usize]);
            if prev >= 0 {
                self.pred_next[prev as usize] = next;
            } else {
                self.pred_first[old as usize] = next;
            }
            if next >= 0 {
                self.pred_prev[next as usize] = prev;
            }
        }
        if to > 0 {
            // Insert in branch order.
            let mut prev = -1;
            let mut cur = self.pred_first[to as usize];
            while cur >= 0 && cur < br {
                prev = cur;
                cur = self.pred_next[cur as usize];
            }
            self.pred_prev[br as usize] = prev;
            self.pred_next[br as usize] = cur;
            if prev >= 0 {
                self.pred_next[prev as usize] = br;
            } else {
                self.pred_first[to as usize] = br;
            }
            if cur >= 0 {
                self.pred_prev[cur as usize] = br;
            }
        }
        self.p.insns[from as usize].j[k] = to;
    }

    fn calculate_dom(&mut self, state: i32) {
        let preds = self.find_predecessors(state);
        let mut pdom: Vec<i32> = Vec::new();
        let mut pdom_end: Vec<i32> = Vec::new();
        for (i, &pred_br) in preds.iter().enumerate() {
            let s = stateno(pred_br);
            if i > 0 && stateno(preds[i - 1]) == s {
                // Both branches of `s` come here: the path says nothing about `s`.
                if let Some(e) = pdom_end.last_mut() {
                    *e -= 1;
                }
                continue;
            }
            let pred_brid = brno(self.insn_id[s as usize], br_yes(pred_br));
            let (d0, d1) = (self.domlist_start[s as usize], self.domlist_start[s as usize + 1]);
            'lists: for j in d0..d1 {
                let pos1 = self.dom_start[j as usize];
                let pos2 = self.dom_start[j as usize + 1];
                for k in pos1..pos2 - 1 {
                    if self.dom[k as usize] ^ pred_brid == 1 {
                        continue 'lists; // the path contradicts itself
                    }
                }
                pdom.push(pos1);
                pdom_end.push(pos2);
                self.dom[pos2 as usize - 1] = pred_brid;
            }
        }

        let dom_start_oldsize = self.dom_start.len();
        let my_id = self.insn_id[state as usize];
        if pdom.len() > MAX_DOMLIST {
            let mut common = Vec::new();
            intersect_lists(&self.dom, &pdom, &pdom_end, 0, pdom.len(), &mut common);
            self.dom.extend(common);
            self.dom.push(brno(my_id, false));
            self.dom_start.push(self.dom.len() as i32);
        } else if !pdom.is_empty() {
            let mut mybr = brno(my_id, false);
            let mut num_mybr = 0i32;
            for p in 0..pdom.len() {
                let endpos = pdom_end[p] - 1;
                // A list can be empty when both branches of its only state come here.
                let last_pdom_br = if endpos >= pdom[p] { self.dom[endpos as usize] } else { -1 };
                let mut pred_mybr = -1;
                for i in pdom[p]..=endpos {
                    let thisbr = self.dom[i as usize];
                    if i < endpos && (thisbr ^ last_pdom_br) <= 1 {
                        continue; // the same state comes later in the list
                    }
                    if (thisbr ^ mybr) <= 1 {
                        pred_mybr = thisbr;
                    }
                    self.dom.push(thisbr);
                }
                if num_mybr >= 0 && pred_mybr >= 0 && (num_mybr == 0 || mybr == pred_mybr) {
                    mybr = pred_mybr;
                    num_mybr += 1;
                } else {
                    num_mybr = -1;
                }
                self.dom.push(mybr);
                self.dom_start.push(self.dom.len() as i32);
            }
            if num_mybr > 0 {
                // Every path already decided this test: predecessors skip it.
                let new_state = self.insn(state).j[(mybr & 1) as usize];
                for &pred in &preds {
                    self.set_branch(stateno(pred), br_yes(pred), new_state);
                }
                pdom.clear();
            }
        }

        if pdom.is_empty() {
            // Unreachable (or skipped) state.
            let keep = self.dom_start[dom_start_oldsize - 1];
            self.dom.truncate(keep as usize);
            self.dom_start.truncate(dom_start_oldsize);
            if state > 0 {
                self.set_branch(state, false, J_NEVER);
                self.set_branch(state, true, J_NEVER);
            } else {
                self.dom.push(brno(state, false));
                self.dom_start.push(self.dom.len() as i32);
            }
        }
        self.domlist_start.push(self.dom_start.len() as i32 - 1);
    }

    fn dom_shift_branch(
        &mut self,
        br: i32,
        mut to: i32,
        dom: i32,
        dom_end: i32,
        mut collect: Option<&mut Vec<i32>>,
    ) -> i32 {
        let br = brno(self.insn_id[stateno(br) as usize], br_yes(br));
        self.dom[dom_end as usize - 1] = br;
        if let Some(c) = collect.as_deref_mut() {
            c.push(to);
        }
        while to > 0 {
            let mut found = false;
            for j in (dom..dom_end).rev() {
                let d = self.dom[j as usize];
                if self.br_implies(d, to) {
                    to = self.insn(to).yes();
                    found = true;
                    break;
                } else if self.br_implies_not(d, to) {
                    to = self.insn(to).no();
                    found = true;
                    break;
                }
            }
            if !found {
                break;
            }
            if let Some(c) = collect.as_deref_mut() {
                c.push(to);
            }
        }
        to
    }

    fn shift_branch(&mut self, state: i32, branch: bool) {
        let nexts = self.insn(state).j[usize::from(branch)];
        let br = brno(state, branch);
        let (d0, d1) = (self.domlist_start[state as usize], self.domlist_start[state as usize + 1]);
        let new_nexts = if d0 == d1 || nexts <= 0 {
            nexts
        } else if d0 + 1 == d1 {
            let (a, b) = (self.dom_start[d0 as usize], self.dom_start[d0 as usize + 1]);
            self.dom_shift_branch(br, nexts, a, b, None)
        } else {
            let mut vals = Vec::new();
            let mut start = Vec::new();
            let mut end = Vec::new();
            for d in d0..d1 {
                start.push(vals.len() as i32);
                let (a, b) = (self.dom_start[d as usize], self.dom_start[d as usize + 1]);
                self.dom_shift_branch(br, nexts, a, b, Some(&mut vals));
                end.push(vals.len() as i32);
            }
            last_common_state_in_lists(&vals, &start, &end)
        };
        if new_nexts != nexts {
            self.set_branch(state, branch, new_nexts);
        }
    }

    fn run(&mut self, state: usize) {
        let s = state as i32;
        self.calculate_dom(s);
        self.shift_branch(s, true);
        self.shift_branch(s, false);
    }
}

/// Appends to `out` the values present in every list `v[start[i]..end[i]]`, walking them
/// in parallel as ascending lists.
fn intersect_lists(v: &[i32], start: &[i32], end: &[i32], pos1: usize, pos2: usize, out: &mut Vec<i32>) {
    if pos1 == pos2 {
        return;
    }
    if pos2 - pos1 == 1 {
        out.extend_from_slice(&v[start[pos1] as usize..end[pos1] as usize]);
        return;
    }
    let mut pos: Vec<i32> = start.to_vec();
    let mut x = -1;
    loop {
        let mut p = pos1;
        let mut k = 0;
        while k < pos2 - pos1 {
            while pos[p] < end[p] && v[pos[p] as usize] < x {
                pos[p] += 1;
            }
            if pos[p] >= end[p] {
                return;
            }
            if v[pos[p] as usize] > x {
                x = v[pos[p] as usize];
                k = 0;
            }
            p += 1;
            if p == pos2 {
                p = pos1;
            }
            k += 1;
        }
        out.push(x);
        x += 1;
    }
}

fn last_common_state_in_lists(v: &[i32], start: &[i32], end: &[i32]) -> i32 {
    let s = v[end[0] as usize - 1];
    if s <= 0 && (1..start.len()).all(|j| v[end[j] as usize - 1] == s) {
        return s;
    }
    let mut common = Vec::new();
    intersect_lists(v, start, end, 0, start.len(), &mut common);
    // The lists all start with the same state, so the intersection is never empty.
    *common.last().unwrap_or(&v[start[0] as usize])
}

// ---- IPFilter's compressed form ----

/// IPFilter's program as Click stores and prints it: consecutive tests of the same word and
/// mask that share their yes branch become one step with several values (sorted, for
/// binary search, when there are at least 7).
#[derive(Clone, Debug, Default)]
pub(crate) struct Compressed {
    /// Per group: header word (`values << 17 | short << 16 | offset`), no, yes, mask, values.
    words: Vec<u32>,
    pub output_everything: i32,
    pub safe_length: u32,
    pub align_offset: u32,
}

const MIN_BINARY_SEARCH: u32 = 7;

impl Compressed {
    pub(crate) fn compile(prog: &Program) -> Compressed {
        let mut z = Compressed {
            words: Vec::new(),
            output_everything: prog.output_everything,
            safe_length: prog.safe_length,
            align_offset: prog.align_offset,
        };
        let n = prog.insns.len();
        let mut wanted = vec![0i32; n + 1];
        wanted[0] = 1;
        for (i, insn) in prog.insns.iter().enumerate() {
            if wanted[i] != 0 {
                for &j in &insn.j {
                    if j > 0 {
                        wanted[j as usize] += 1;
                    }
                }
            }
        }
        let w = &mut z.words;
        let mut offsets = Vec::with_capacity(n + 1);
        for (i, insn) in prog.insns.iter().enumerate() {
            let off = w.len();
            offsets.push(off);
            if wanted[i] == 0 {
                continue;
            }
            w.push(u32::from(insn.offset) + if insn.short_output { 0x10000 } else { 0 } + 0x20000);
            w.push(insn.no() as u32);
            w.push(insn.yes() as u32);
            w.push(insn.mask);
            w.push(insn.value);
            loop {
                let no = w[off + 1] as i32;
                if no <= 0 {
                    break;
                }
                let other = &prog.insns[no as usize];
                if !(wanted[no as usize] == 1
                    && other.yes() == insn.yes()
                    && other.offset == insn.offset
                    && other.mask == insn.mask)
                {
                    break;
                }
                w[off] += 0x20000;
                w[off + 1] = other.no() as u32;
                w.push(other.value);
                wanted[no as usize] -= 1;
            }
            let nvalues = (w[off] >> 17) as usize;
            if nvalues as u32 >= MIN_BINARY_SEARCH {
                // Click sorts the values as it stores them: as little-endian words.
                w[off + 4..off + 4 + nvalues].sort_by_key(|v| v.swap_bytes());
            }
        }
        offsets.push(w.len());
        for i in 0..n {
            let off = offsets[i];
            if off < w.len() && off < offsets[i + 1] {
                for k in 1..3 {
                    let j = w[off + k] as i32;
                    if j > 0 {
                        w[off + k] = (offsets[j as usize] - off) as u32;
                    }
                }
            }
        }
        z
    }

    /// The groups: (position, header, no, yes, mask, values).
    fn groups(&self) -> impl Iterator<Item = (usize, u32, i32, i32, u32, &[u32])> {
        let w = &self.words;
        let mut i = 0;
        std::iter::from_fn(move || {
            if i >= w.len() {
                return None;
            }
            let nv = (w[i] >> 17) as usize;
            let g = (i, w[i], w[i + 1] as i32, w[i + 2] as i32, w[i + 3], &w[i + 4..i + 4 + nv]);
            i += 4 + nv;
            Some(g)
        })
    }

    pub(crate) fn unused_outputs(&self, noutputs: usize) -> Vec<usize> {
        let jumps = self.groups().flat_map(|(_, _, no, yes, ..)| [no, yes]);
        unused(self.output_everything, jumps, noutputs)
    }
}

impl fmt::Display for Compressed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Each value of a group is one step in the listing.
        let mut stepno = vec![0i32; self.words.len()];
        for (pos, header, ..) in self.groups() {
            let nv = (header >> 17) as usize;
            if pos + 4 + nv < self.words.len() {
                stepno[pos + 4 + nv] = stepno[pos] + nv as i32;
            }
        }
        let mut out = String::new();
        for (pos, header, no, yes, mask, values) in self.groups() {
            for (j, &value) in values.iter().enumerate() {
                let step = stepno[pos] + j as i32;
                let no = if j + 1 < values.len() {
                    step + 1
                } else if no > 0 {
                    stepno[pos + no as usize]
                } else {
                    no
                };
                let yes = if yes > 0 { stepno[pos + yes as usize] } else { yes };
                let insn = Insn {
                    offset: (header as u16).wrapping_sub(self.align_offset as u16),
                    short_output: header & 0x10000 != 0,
                    mask,
                    value: value & mask,
                    j: [no, yes],
                };
                write_insn(&mut out, step, &insn);
            }
        }
        write_trailer(&mut out, self.words.is_empty(), self.output_everything, self.safe_length, self.align_offset);
        f.write_str(&out)
    }
}
