use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Context, Element, HandlerError, InitContext, Packet};

/// Stride of one ticket.
const STRIDE1: u64 = 1 << 16;
/// Most tickets an input may have, as in Click.
const MAX_TICKETS: u64 = 1 << 15;

click_core::documented! {
    /// Shares its output among its inputs in proportion to tickets (stride scheduling).
    ///
    /// # Synopsis
    /// `StrideSched(TICKETS0, ..., TICKETSn-1)`
    ///
    /// # Ports and processing
    /// N pull inputs, one pull output. Input i gets TICKETSi shares: each pull asks the input
    /// with the least pass first; an input that has a packet advances its pass by its stride
    /// (1/tickets). Empty inputs are skipped, inputs with 0 tickets never served; tickets above
    /// 32768 are reduced to it with a warning, as in Click.
    ///
    /// # Handlers
    /// - `tickets0`, `tickets1`... (read/write): each input's tickets.
    /// - `config` (read/write): the ticket list; a write sets every input's tickets.
    ///
    /// # Example
    /// ```click
    /// a :: Queue; b :: Queue;
    /// InfiniteSource(LIMIT 5) -> a; InfiniteSource(LIMIT 5) -> b;
    /// s :: StrideSched(3, 1); a -> [0]s; b -> [1]s; s -> Unqueue -> Discard;
    /// ```
    #[derive(Default)]
    pub struct StrideSched {
        tickets: Vec<u64>,
        pass: Vec<u64>,
    }
}

impl Element for StrideSched {
    fn class_name(&self) -> &'static str {
        "StrideSched"
    }

    fn port_count(&self) -> &'static str {
        "1-/1"
    }

    fn processing(&self) -> &'static str {
        processing::PULL
    }

    fn configure(&mut self, args: &mut Args<'_>) -> Result<(), ArgError> {
        let configured = std::mem::take(&mut self.tickets);
        for a in args.take_rest() {
            let i = self.tickets.len();
            let t: u64 = a
                .trim()
                .parse()
                .map_err(|_| ArgError::new(None, format!("argument {i} should be number of tickets (integer)")))?;
            if t > MAX_TICKETS {
                args.warn(format!("input {i}'s tickets reduced to {MAX_TICKETS}"));
            }
            self.tickets.push(t.min(MAX_TICKETS));
        }
        // Configured again (a `config` write): the number of inputs cannot change.
        if !self.pass.is_empty() && self.tickets.len() != self.pass.len() {
            let n = self.tickets.len();
            self.tickets = configured;
            return Err(ArgError::new(
                None,
                format!("need {} arguments, one per input port (got {n})", self.pass.len()),
            ));
        }
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if self.tickets.len() != cx.ninputs() {
            return Err(format!("{} ticket values for {} inputs", self.tickets.len(), cx.ninputs()));
        }
        self.pass = self.tickets.iter().map(|&t| STRIDE1.checked_div(t).unwrap_or(u64::MAX)).collect();
        Ok(())
    }

    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        // Inputs with no tickets are never served.
        let mut order: Vec<usize> = (0..self.pass.len()).filter(|&i| self.tickets[i] > 0).collect();
        order.sort_by_key(|&i| self.pass[i]);
        for i in order {
            if let Some(p) = cx.pull(i) {
                self.pass[i] += STRIDE1 / self.tickets[i];
                return Some(p);
            }
        }
        None
    }

    fn handlers(&self) -> &'static [HandlerInfo] {
        // Click's: `tickets0`... per input, then `config` (the ticket list, answered here).
        const CONFIG: &[HandlerInfo] = &[HandlerInfo::read_write("config")];
        crate::numbered_handlers(&[], "tickets", self.tickets.len(), |n, _| HandlerInfo::read_write(n), CONFIG)
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        if name == "config" {
            return Ok(self.tickets.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", "));
        }
        match name.strip_prefix("tickets").and_then(|i| i.parse::<usize>().ok()).and_then(|i| self.tickets.get(i)) {
            Some(t) => Ok(t.to_string()),
            None => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }

    fn write_handler(&mut self, name: &str, value: &str, _cx: &mut Context<'_>) -> Result<(), HandlerError> {
        let Some(i) =
            name.strip_prefix("tickets").and_then(|i| i.parse::<usize>().ok()).filter(|&i| i < self.tickets.len())
        else {
            return Err(HandlerError::NoSuchHandler(name.into()));
        };
        let t: i64 = value.trim().parse().map_err(|_| HandlerError::Failed("tickets value must be integer".into()))?;
        if t < 0 {
            return Err(HandlerError::Failed(format!("input {i}: number of tickets must be >= 0")));
        }
        self.tickets[i] = (t as u64).min(MAX_TICKETS);
        Ok(())
    }
}
