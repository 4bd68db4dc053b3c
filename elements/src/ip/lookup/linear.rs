//! A list scanned for the most specific match: simple, and the reference the others are
//! tested against.

use std::net::Ipv4Addr;

use super::{AddError, LookupTable, Route, mask, sort_routes};

/// Routes kept most specific first, so the first match is the best.
#[derive(Default)]
pub struct LinearTable {
    routes: Vec<Route>,
    /// `[mask, address]` of each route, in `routes` order: what a lookup compares.
    keys: Vec<[u32; 2]>,
}

impl LookupTable for LinearTable {
    fn add(&mut self, r: Route, replace: bool) -> Result<Option<Route>, AddError> {
        if let Some(i) = self.routes.iter().position(|x| (x.addr, x.len) == (r.addr, r.len)) {
            if !replace {
                return Err(AddError::Exists(self.routes[i]));
            }
            return Ok(Some(std::mem::replace(&mut self.routes[i], r)));
        }
        let at = self.routes.partition_point(|x| x.len > r.len);
        self.routes.insert(at, r);
        self.keys.insert(at, [mask(r.len), u32::from(r.addr)]);
        Ok(None)
    }

    fn remove(&mut self, addr: Ipv4Addr, len: u8) -> Option<Route> {
        let addr = Ipv4Addr::from(u32::from(addr) & mask(len));
        let i = self.routes.iter().position(|x| (x.addr, x.len) == (addr, len))?;
        self.keys.remove(i);
        Some(self.routes.remove(i))
    }

    #[inline]
    fn lookup(&self, a: Ipv4Addr) -> Option<(Ipv4Addr, u16)> {
        let a = u32::from(a);
        let i = self.keys.iter().position(|&[m, k]| a & m == k)?;
        self.routes.get(i).map(|r| (r.gateway, r.port))
    }

    fn routes(&self) -> Vec<Route> {
        let mut v = self.routes.clone();
        sort_routes(&mut v);
        v
    }

    fn memory(&self) -> usize {
        self.routes.capacity() * std::mem::size_of::<Route>() + self.keys.capacity() * 8
    }
}
