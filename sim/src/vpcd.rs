//! A [`Card`] behind Debian's `vsmartcard-vpcd`, so that PC/SC software (pcscd, OpenSC,
//! a vendor's middleware) reaches it like a card in a reader.
//!
//! vpcd is a pcscd reader driver that listens on TCP (35963 with the stock
//! `/etc/reader.conf.d/vpcd`); the card is the TCP *client*. Every message, both ways, is a
//! 2-byte big-endian length and a payload. From vpcd, a 1-byte payload is a control code
//! (`00` power off, `01` power on, `02` reset, `04` get ATR) and anything longer is a C-APDU.
//! The card answers get ATR with one frame holding the ATR, a C-APDU with one frame holding
//! the R-APDU, and nothing else.
//!
//! ```no_run
//! use std::sync::{atomic::AtomicBool, Arc};
//! # fn card() -> Box<dyn hanko_sim::transport::Card> { unimplemented!() }
//! let stop = Arc::new(AtomicBool::new(false));
//! let opts = hanko_sim::vpcd::ServeOptions { stop: stop.clone(), ..Default::default() };
//! let mut trace = hanko_sim::vpcd::JsonLinesTrace::new(std::io::stdout());
//! hanko_sim::vpcd::serve(hanko_sim::vpcd::DEFAULT_ADDR, &mut *card(), &opts, Some(&mut trace))?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::transport::Card;

/// Where the stock Debian `/etc/reader.conf.d/vpcd` (`DEVICENAME /dev/null:0x8C7B`) listens.
pub const DEFAULT_ADDR: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, 0x8C7B));

/// How [`serve`] behaves; `Default` is what `hanko sim card --vpcd` wants.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Set to `true` to make [`serve`] return `Ok(())`; it is looked at least every
    /// [`ServeOptions::poll`], also while waiting for vpcd to come (back) up.
    pub stop: Arc<AtomicBool>,
    /// `None`: reconnect forever (pcscd restarts, vpcd not up yet). `Some(n)`: give up after
    /// `n` further connection attempts following the first, counting both failed connects
    /// and connections that ended. `Some(0)` serves exactly one connection.
    pub max_reconnects: Option<u32>,
    /// First delay before reconnecting; doubles on each consecutive failure up to
    /// `backoff_max`, and starts over once a connection has carried a frame.
    pub backoff: Duration,
    pub backoff_max: Duration,
    /// Longest a blocking read waits before the stop flag is looked at again.
    pub poll: Duration,
    /// Re-arm `TCP_QUICKACK` before every read (Linux only; a no-op elsewhere). Debian's
    /// vpcd writes the length and the payload in two `send`s without `TCP_NODELAY`: Nagle
    /// holds the payload until the length is acknowledged, and a delayed ACK takes ~40 ms.
    /// Turn off only to measure that.
    pub quickack: bool,
    /// Trace get ATR and its answer too. Off by default: vpcd asks for the ATR as its
    /// "card present?" check, several times a second for as long as pcscd runs, so traced
    /// they bury the APDUs and make a session's trace depend on timing.
    pub trace_get_atr: bool,
    /// Print connection state changes (connected, lost, waiting) to stderr.
    pub verbose: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            stop: Arc::new(AtomicBool::new(false)),
            max_reconnects: None,
            backoff: Duration::from_millis(50),
            backoff_max: Duration::from_secs(1),
            poll: Duration::from_millis(100),
            quickack: true,
            trace_get_atr: false,
            verbose: false,
        }
    }
}

/// A vpcd control code (a 1-byte frame from the host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    PowerOff,
    PowerOn,
    Reset,
    GetAtr,
    /// Not defined by vpcd; ignored without an answer, since vpcd would not read one.
    Unknown(u8),
}

impl Control {
    pub fn from_byte(b: u8) -> Self {
        match b {
            0 => Self::PowerOff,
            1 => Self::PowerOn,
            2 => Self::Reset,
            4 => Self::GetAtr,
            other => Self::Unknown(other),
        }
    }

    /// The trace name: `power_off`, `power_on`, `reset`, `get_atr`, `unknown_XX`.
    pub fn name(self) -> String {
        match self {
            Self::PowerOff => "power_off".into(),
            Self::PowerOn => "power_on".into(),
            Self::Reset => "reset".into(),
            Self::GetAtr => "get_atr".into(),
            Self::Unknown(b) => format!("unknown_{b:02X}"),
        }
    }
}

/// Which way a traced message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HostToCard,
    CardToHost,
}

impl Direction {
    /// `(from, to)` as written in traces.
    pub fn endpoints(self) -> (&'static str, &'static str) {
        match self {
            Self::HostToCard => ("host", "card"),
            Self::CardToHost => ("card", "host"),
        }
    }
}

/// What a traced message carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload<'a> {
    Control(Control),
    Capdu(&'a [u8]),
    /// The bytes actually sent, which differ from the card's answer only when that answer
    /// could not be framed (see [`serve`]).
    Rapdu(&'a [u8]),
    /// The answer to [`Control::GetAtr`].
    Atr(&'a [u8]),
}

/// One message on a card link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceEvent<'a> {
    /// Which link: always `"vpcd"` here; other transports reuse the type.
    pub link: &'static str,
    pub direction: Direction,
    pub payload: Payload<'a>,
    /// Time since [`serve`] was called.
    pub at: Option<Duration>,
}

/// Receives every message [`serve`] passes, in order.
pub trait TraceSink {
    fn event(&mut self, ev: &TraceEvent<'_>);
}

/// Writes one JSON object per event and line, numbered from 1:
/// `{"seq":17,"link":"vpcd","from":"host","to":"card","capdu":"00A4020C020018"}`; the
/// payload key is `control`, `capdu`, `rapdu` or `atr`, bytes in upper-case hex.
///
/// Each line is one `write_all`: give it a `File` to have every line on disk as it happens,
/// or a `BufWriter` for speed (and flush it at the end). The first write error stops the
/// trace and is kept in [`JsonLinesTrace::error`]; tracing never stops the card.
pub struct JsonLinesTrace<W: Write> {
    out: W,
    seq: u64,
    times: bool,
    error: Option<io::Error>,
}

impl<W: Write> JsonLinesTrace<W> {
    pub fn new(out: W) -> Self {
        Self { out, seq: 0, times: false, error: None }
    }

    /// Also write `"at_us"` (microseconds since [`serve`] started). Off by default so that
    /// traces of the same session compare equal.
    pub fn with_times(mut self) -> Self {
        self.times = true;
        self
    }

    pub fn error(&self) -> Option<&io::Error> {
        self.error.as_ref()
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    /// The line for `ev` as numbered `seq`, without the newline.
    pub fn line(seq: u64, ev: &TraceEvent<'_>, times: bool) -> String {
        let (from, to) = ev.direction.endpoints();
        let mut obj = serde_json::Map::new();
        obj.insert("seq".into(), seq.into());
        obj.insert("link".into(), ev.link.into());
        obj.insert("from".into(), from.into());
        obj.insert("to".into(), to.into());
        let (key, value) = match ev.payload {
            Payload::Control(c) => ("control", c.name()),
            Payload::Capdu(b) => ("capdu", hex_upper(b)),
            Payload::Rapdu(b) => ("rapdu", hex_upper(b)),
            Payload::Atr(b) => ("atr", hex_upper(b)),
        };
        obj.insert(key.into(), value.into());
        if let (true, Some(at)) = (times, ev.at) {
            obj.insert("at_us".into(), u64::try_from(at.as_micros()).unwrap_or(u64::MAX).into());
        }
        serde_json::Value::Object(obj).to_string()
    }
}

impl<W: Write> TraceSink for JsonLinesTrace<W> {
    fn event(&mut self, ev: &TraceEvent<'_>) {
        self.seq += 1;
        if self.error.is_some() {
            return;
        }
        let mut line = Self::line(self.seq, ev, self.times);
        line.push('\n');
        if let Err(e) = self.out.write_all(line.as_bytes()) {
            self.error = Some(e);
        }
    }
}

fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0F)] as char);
    }
    s
}

/// Sent instead of an R-APDU longer than a frame can hold (65 535 bytes): "no precise
/// diagnosis" is all the host can be told, and a truncated answer would be a lie.
const SW_UNFRAMEABLE: [u8; 2] = [0x6F, 0x00];

/// Connects `card` to vpcd at `addr` and serves it until `opts.stop` is set (→ `Ok(())`) or
/// the reconnects allowed by `opts.max_reconnects` run out (→ `Ok(())` if the last
/// connection was closed by vpcd, else the last error).
///
/// A lost connection powers the card off, as pulling a reader would, then reconnects with
/// backoff; the card (and the ATR learnt from it) is kept. A protocol error — a frame of
/// length 0, which vpcd never sends — drops the connection and reconnects, since the byte
/// stream can no longer be trusted to be in step. No input panics: the u16 length prefix
/// already bounds a frame to 65 535 bytes, below the 65 535 + 9 of the longest extended
/// C-APDU, so every announced length is read and handed on.
///
/// The first get ATR with no ATR known powers the card on and off to learn it: vpcd polls
/// get ATR as its "card present?" check, also while the card is unpowered, and the answer
/// must not disturb a powered card's state, so later ones reuse the ATR of the last
/// power-on or reset.
pub fn serve(
    addr: SocketAddr,
    card: &mut dyn Card,
    opts: &ServeOptions,
    mut trace: Option<&mut dyn TraceSink>,
) -> io::Result<()> {
    let started = Instant::now();
    let mut session = Session { card, atr: None, powered: false, started, frames: 0 };
    let mut attempts_left = opts.max_reconnects;
    let mut backoff = opts.backoff;
    let mut waiting_logged = false;
    loop {
        if opts.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let outcome = match connect(addr, opts) {
            Ok(stream) => {
                waiting_logged = false;
                if opts.verbose {
                    eprintln!("vpcd: connected to {addr}");
                }
                let frames_before = session.frames;
                let mut conn = Conn { stream, buf: Vec::with_capacity(512), quickack: opts.quickack };
                let r = session.run(&mut conn, opts, trace.as_deref_mut());
                session.unplug();
                // A connection that carried traffic was a working one: whatever ended it,
                // the next attempt starts from the short delay again.
                if session.frames != frames_before {
                    backoff = opts.backoff;
                }
                match r {
                    Ok(Ended::Stopped) => return Ok(()),
                    Ok(Ended::Closed) => {
                        if opts.verbose {
                            eprintln!("vpcd: {addr} closed the connection");
                        }
                        Ok(())
                    }
                    Err(e) => {
                        if opts.verbose {
                            eprintln!("vpcd: connection to {addr} lost: {e}");
                        }
                        Err(e)
                    }
                }
            }
            Err(e) => {
                if opts.verbose && !waiting_logged {
                    eprintln!("vpcd: waiting for {addr} ({e})");
                    waiting_logged = true;
                }
                Err(e)
            }
        };
        match attempts_left.as_mut() {
            Some(0) => return outcome,
            Some(n) => *n -= 1,
            None => {}
        }
        if sleep_unless_stopped(backoff, opts) {
            return Ok(());
        }
        backoff = backoff.saturating_mul(2).min(opts.backoff_max.max(opts.backoff));
    }
}

fn connect(addr: SocketAddr, opts: &ServeOptions) -> io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    // Our answers are single writes already; NODELAY keeps the kernel from holding the
    // next one back behind an unacknowledged previous answer.
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(opts.poll.max(Duration::from_millis(1))))?;
    // A write blocks only if vpcd stopped reading with a full socket buffer: a hung peer,
    // to be dropped rather than waited on past the stop flag.
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    Ok(stream)
}

/// True if stopped while sleeping.
fn sleep_unless_stopped(total: Duration, opts: &ServeOptions) -> bool {
    let slice = opts.poll.max(Duration::from_millis(1));
    let deadline = Instant::now().checked_add(total);
    loop {
        if opts.stop.load(Ordering::Relaxed) {
            return true;
        }
        let left = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => slice,
        };
        if left.is_zero() {
            return false;
        }
        std::thread::sleep(slice.min(left));
    }
}

enum Ended {
    Stopped,
    /// vpcd closed the socket.
    Closed,
}

struct Session<'c> {
    card: &'c mut dyn Card,
    atr: Option<Vec<u8>>,
    powered: bool,
    started: Instant,
    /// Frames handled over all connections.
    frames: u64,
}

impl Session<'_> {
    fn run(
        &mut self,
        conn: &mut Conn,
        opts: &ServeOptions,
        // A bound of its own: serve lends its sink out once per connection.
        mut trace: Option<&mut (dyn TraceSink + '_)>,
    ) -> io::Result<Ended> {
        loop {
            let frame = match conn.next_frame(&opts.stop) {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(Ended::Stopped),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(Ended::Closed),
                Err(e) => return Err(e),
            };
            self.frames += 1;
            let at = Some(self.started.elapsed());
            let mut emit = |direction, payload| {
                if let Some(t) = trace.as_deref_mut() {
                    t.event(&TraceEvent { link: "vpcd", direction, payload, at });
                }
            };
            match frame.as_slice() {
                [] => {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "vpcd sent an empty frame"));
                }
                &[code] => {
                    let control = Control::from_byte(code);
                    let traced = control != Control::GetAtr || opts.trace_get_atr;
                    if traced {
                        emit(Direction::HostToCard, Payload::Control(control));
                    }
                    match control {
                        Control::PowerOff => {
                            self.card.power_off();
                            self.powered = false;
                        }
                        Control::PowerOn => {
                            self.atr = Some(self.card.power_on());
                            self.powered = true;
                        }
                        Control::Reset => {
                            self.atr = Some(self.card.reset());
                            self.powered = true;
                        }
                        Control::GetAtr => {
                            let atr = self.atr.get_or_insert_with(|| {
                                let atr = self.card.power_on();
                                self.card.power_off();
                                atr
                            });
                            let atr = frameable(atr);
                            if traced {
                                emit(Direction::CardToHost, Payload::Atr(atr));
                            }
                            conn.send(atr)?;
                        }
                        Control::Unknown(_) => {}
                    }
                }
                capdu => {
                    emit(Direction::HostToCard, Payload::Capdu(capdu));
                    let rapdu = self.card.process(capdu);
                    let rapdu = frameable(&rapdu);
                    emit(Direction::CardToHost, Payload::Rapdu(rapdu));
                    conn.send(rapdu)?;
                }
            }
        }
    }

    fn unplug(&mut self) {
        if self.powered {
            self.card.power_off();
            self.powered = false;
        }
    }
}

fn frameable(answer: &[u8]) -> &[u8] {
    if answer.len() > usize::from(u16::MAX) {
        &SW_UNFRAMEABLE
    } else {
        answer
    }
}

struct Conn {
    stream: TcpStream,
    /// Bytes received and not yet consumed as frames.
    buf: Vec<u8>,
    quickack: bool,
}

impl Conn {
    /// The next frame's payload; `Ok(None)` once `stop` is set; `UnexpectedEof` when vpcd
    /// closed the socket (also mid-frame: a partial frame is just discarded).
    fn next_frame(&mut self, stop: &AtomicBool) -> io::Result<Option<Vec<u8>>> {
        let mut chunk = [0u8; 4096];
        loop {
            if let [hi, lo, rest @ ..] = self.buf.as_slice() {
                let len = usize::from(u16::from_be_bytes([*hi, *lo]));
                if rest.len() >= len {
                    let frame = rest[..len].to_vec();
                    self.buf.drain(..2 + len);
                    return Ok(Some(frame));
                }
            }
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            if self.quickack {
                // The kernel drops back to delayed ACKs after a while; only re-arming it
                // right before each read reliably ACKs the length half of vpcd's pair of
                // writes at once.
                set_quickack(&self.stream);
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn send(&mut self, payload: &[u8]) -> io::Result<()> {
        let len = u16::try_from(payload.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame longer than 65 535 bytes"))?;
        // One write: two would recreate on our side the Nagle stall vpcd has on its own.
        let mut msg = Vec::with_capacity(2 + payload.len());
        msg.extend_from_slice(&len.to_be_bytes());
        msg.extend_from_slice(payload);
        self.stream.write_all(&msg)
    }
}

#[cfg(target_os = "linux")]
fn set_quickack(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: a valid socket fd owned by `stream`, and a pointer/length to a live c_int.
    // Failure only costs speed, so the result is ignored.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn set_quickack(_stream: &TcpStream) {}
