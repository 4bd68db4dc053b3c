use click_core::element::HandlerInfo;
use click_core::spec::processing;
use click_core::{ArgError, Args, Context, Element, HandlerError, InitContext, Packet};

/// Stride of one ticket.
const STRIDE1: u64 = 1 << 20;

click_core::documented! {
    /// Shares its output among its inputs in proportion to tickets (stride scheduling).
    ///
    /// # Synopsis
    /// `StrideSched(TICKETS0, ..., TICKETSn-1)`
    ///
    /// # Ports and processing
    /// N pull inputs, one pull output. Input i gets TICKETSi shares: each pull asks the input
    /// with the least pass first; an input that has a packet advances its pass by its stride
    /// (1/tickets). Empty inputs are skipped.
    ///
    /// # Handlers
    /// - `tickets0`... as `tickets` (read): the ticket list.
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
        for a in args.take_rest() {
            let t: u64 = a.trim().parse().map_err(|_| ArgError::new(None, format!("expected tickets, got '{a}'")))?;
            if t == 0 || t > 1 << 16 {
                return Err(ArgError::new(None, format!("tickets must be between 1 and 65536, got {t}")));
            }
            self.tickets.push(t);
        }
        Ok(())
    }

    fn initialize(&mut self, cx: &mut InitContext<'_>) -> Result<(), String> {
        if self.tickets.len() != cx.ninputs() {
            return Err(format!("{} ticket values for {} inputs", self.tickets.len(), cx.ninputs()));
        }
        self.pass = self.tickets.iter().map(|t| STRIDE1 / t).collect();
        Ok(())
    }

    fn pull(&mut self, cx: &mut Context<'_>, _port: usize) -> Option<Packet> {
        let mut order: Vec<usize> = (0..self.pass.len()).collect();
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
        const H: &[HandlerInfo] = &[HandlerInfo::read("tickets")];
        H
    }

    fn read_handler(&self, name: &str) -> Result<String, HandlerError> {
        match name {
            "tickets" => Ok(self.tickets.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")),
            _ => Err(HandlerError::NoSuchHandler(name.into())),
        }
    }
}
