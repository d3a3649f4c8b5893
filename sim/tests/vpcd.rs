//! `sim::vpcd` against a fake vpcd in the test: no pcscd needed. The fake writes each frame's
//! length and payload separately, with Nagle on, as Debian's vpcd does.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use hanko_sim::transport::Card;
use hanko_sim::vpcd::{self, Control, Direction, JsonLinesTrace, Payload, ServeOptions, TraceEvent, TraceSink};

const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
/// Makes the test card answer with more than a frame can carry.
const HUGE: [u8; 4] = [0x00, 0xEE, 0x00, 0x00];

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, s: impl Into<String>) {
        self.0.lock().unwrap().push(s.into());
    }
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct TestCard {
    log: Log,
}

impl Card for TestCard {
    fn power_on(&mut self) -> Vec<u8> {
        self.log.push("power_on");
        ATR.to_vec()
    }
    fn power_off(&mut self) {
        self.log.push("power_off");
    }
    fn reset(&mut self) -> Vec<u8> {
        self.log.push("reset");
        ATR.to_vec()
    }
    /// Echoes the C-APDU reversed, then 9000; a long one only by its length and byte sum.
    fn process(&mut self, capdu: &[u8]) -> Vec<u8> {
        self.log.push(format!("process {}", capdu.len()));
        if capdu == HUGE {
            return vec![0; 70_000];
        }
        if capdu.len() > 300 {
            let sum = capdu.iter().fold(0u8, |a, b| a.wrapping_add(*b));
            let mut r = (capdu.len() as u32).to_be_bytes().to_vec();
            r.extend_from_slice(&[sum, 0x90, 0x00]);
            return r;
        }
        let mut r: Vec<u8> = capdu.iter().rev().copied().collect();
        r.extend_from_slice(&[0x90, 0x00]);
        r
    }
}

/// Writes the length, then (after a pause long enough to get its own segment) the payload.
fn send_split(s: &mut TcpStream, payload: &[u8]) {
    s.write_all(&(payload.len() as u16).to_be_bytes()).unwrap();
    thread::sleep(Duration::from_millis(2));
    s.write_all(payload).unwrap();
}

/// Length and payload in the two writes Debian's vpcd does, back to back.
fn send_vpcd(s: &mut TcpStream, payload: &[u8]) {
    s.write_all(&(payload.len() as u16).to_be_bytes()).unwrap();
    s.write_all(payload).unwrap();
}

fn frame(payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u16).to_be_bytes().to_vec();
    f.extend_from_slice(payload);
    f
}

fn recv_frame(s: &mut TcpStream) -> Vec<u8> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len).unwrap();
    let mut payload = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut payload).unwrap();
    payload
}

/// Nothing arrives within `wait` (the card sent no answer).
fn assert_silent(s: &mut TcpStream, wait: Duration) {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut b = [0u8; 1];
    match s.read(&mut b) {
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
        other => panic!("expected silence, got {other:?}"),
    }
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
}

/// The card hung up: EOF or reset.
fn assert_closed(s: &mut TcpStream) {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut b = [0u8; 16];
    match s.read(&mut b) {
        Ok(0) => {}
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
        other => panic!("expected the card to close the connection, got {other:?}"),
    }
}

fn accept(l: &TcpListener) -> TcpStream {
    let (s, _) = l.accept().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

type Served = JoinHandle<(io::Result<()>, String)>;

fn spawn_card(addr: SocketAddr, opts: ServeOptions, log: Log) -> Served {
    thread::spawn(move || {
        let mut card = TestCard { log };
        let mut trace = JsonLinesTrace::new(Vec::new());
        let r = vpcd::serve(addr, &mut card, &opts, Some(&mut trace));
        assert!(trace.error().is_none());
        (r, String::from_utf8(trace.into_inner()).unwrap())
    })
}

fn opts(max_reconnects: Option<u32>) -> ServeOptions {
    ServeOptions {
        max_reconnects,
        backoff: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        poll: Duration::from_millis(20),
        ..Default::default()
    }
}

fn listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = l.local_addr().unwrap();
    (l, a)
}

#[test]
fn controls_apdus_and_trace() {
    let (l, addr) = listener();
    let log = Log::default();
    let card = spawn_card(addr, ServeOptions { trace_get_atr: true, ..opts(Some(0)) }, log.clone());
    let mut s = accept(&l);

    // vpcd's presence poll comes before any power-on.
    send_split(&mut s, &[0x04]);
    assert_eq!(recv_frame(&mut s), ATR);
    assert_eq!(log.take(), ["power_on", "power_off"]);

    send_split(&mut s, &[0x01]);
    send_split(&mut s, &[0x04]);
    assert_eq!(recv_frame(&mut s), ATR);
    assert_eq!(log.take(), ["power_on"], "a known ATR is answered without touching the card");

    send_split(&mut s, &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]);
    assert_eq!(recv_frame(&mut s), [0x18, 0x00, 0x02, 0x0C, 0x02, 0xA4, 0x00, 0x90, 0x00]);

    send_split(&mut s, &[0x02]);
    send_split(&mut s, &[0x00]);
    send_split(&mut s, &[0x01, 0x02]); // two bytes: an APDU (too short to be valid, the card's call)
    assert_eq!(recv_frame(&mut s), [0x02, 0x01, 0x90, 0x00]);
    drop(s);

    let (r, trace) = card.join().unwrap();
    r.unwrap();
    assert_eq!(log.take(), ["process 7", "reset", "power_off", "process 2"]);
    let expected = [
        r#"{"seq":1,"link":"vpcd","from":"host","to":"card","control":"get_atr"}"#,
        r#"{"seq":2,"link":"vpcd","from":"card","to":"host","atr":"3BE000FF8131FE4514"}"#,
        r#"{"seq":3,"link":"vpcd","from":"host","to":"card","control":"power_on"}"#,
        r#"{"seq":4,"link":"vpcd","from":"host","to":"card","control":"get_atr"}"#,
        r#"{"seq":5,"link":"vpcd","from":"card","to":"host","atr":"3BE000FF8131FE4514"}"#,
        r#"{"seq":6,"link":"vpcd","from":"host","to":"card","capdu":"00A4020C020018"}"#,
        r#"{"seq":7,"link":"vpcd","from":"card","to":"host","rapdu":"1800020C02A4009000"}"#,
        r#"{"seq":8,"link":"vpcd","from":"host","to":"card","control":"reset"}"#,
        r#"{"seq":9,"link":"vpcd","from":"host","to":"card","control":"power_off"}"#,
        r#"{"seq":10,"link":"vpcd","from":"host","to":"card","capdu":"0102"}"#,
        r#"{"seq":11,"link":"vpcd","from":"card","to":"host","rapdu":"02019000"}"#,
    ];
    assert_eq!(trace.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn frames_split_and_coalesced_anyhow() {
    let (l, addr) = listener();
    let log = Log::default();
    let card = spawn_card(addr, opts(Some(0)), log.clone());
    let mut s = accept(&l);

    // Three frames in one write, then one frame dribbled a byte at a time.
    let mut burst = frame(&[0x01]);
    burst.extend(frame(&[0x04]));
    burst.extend(frame(&[0x00, 0xB0, 0x00, 0x00, 0x04]));
    s.write_all(&burst).unwrap();
    assert_eq!(recv_frame(&mut s), ATR);
    assert_eq!(recv_frame(&mut s), [0x04, 0x00, 0x00, 0xB0, 0x00, 0x90, 0x00]);
    s.set_nodelay(true).unwrap();
    for b in frame(&[0x00, 0x20, 0x00, 0x80]) {
        s.write_all(&[b]).unwrap();
        thread::sleep(Duration::from_millis(3));
    }
    assert_eq!(recv_frame(&mut s), [0x80, 0x00, 0x20, 0x00, 0x90, 0x00]);

    // The longest payload a frame can announce reaches the card whole.
    let big: Vec<u8> = (0..65_535u32).map(|i| (i * 7) as u8).collect();
    send_vpcd(&mut s, &big);
    let sum = big.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    assert_eq!(recv_frame(&mut s), [0x00, 0x00, 0xFF, 0xFF, sum, 0x90, 0x00]);

    // An answer too long to frame becomes 6F00 rather than a truncated one.
    send_vpcd(&mut s, &HUGE);
    assert_eq!(recv_frame(&mut s), [0x6F, 0x00]);
    drop(s);

    let (r, trace) = card.join().unwrap();
    r.unwrap();
    assert!(trace.lines().last().unwrap().ends_with(r#""rapdu":"6F00"}"#), "the trace shows what was sent");
    assert_eq!(log.take(), ["power_on", "process 5", "process 4", "process 65535", "process 4", "power_off"]);
}

#[test]
fn reconnects_after_the_server_goes_away() {
    let (l, addr) = listener();
    let log = Log::default();
    let o = opts(None);
    let stop = o.stop.clone();
    let card = spawn_card(addr, o, log.clone());

    let mut s = accept(&l);
    send_vpcd(&mut s, &[0x01]);
    send_vpcd(&mut s, &[0x00, 0x84, 0x00, 0x00, 0x08]);
    assert_eq!(recv_frame(&mut s), [0x08, 0x00, 0x00, 0x84, 0x00, 0x90, 0x00]);
    // pcscd restarting: connection and listener gone for a while, the card retrying meanwhile.
    drop(s);
    drop(l);
    thread::sleep(Duration::from_millis(200));
    let l = TcpListener::bind(addr).unwrap();

    let mut s = accept(&l);
    send_vpcd(&mut s, &[0x04]);
    assert_eq!(recv_frame(&mut s), ATR, "the ATR learnt before is kept");
    send_vpcd(&mut s, &[0x01]);
    send_vpcd(&mut s, &[0x00, 0xA4, 0x04, 0x0C]);
    assert_eq!(recv_frame(&mut s), [0x0C, 0x04, 0xA4, 0x00, 0x90, 0x00]);

    stop.store(true, Ordering::Relaxed);
    let (r, trace) = card.join().unwrap();
    r.unwrap();
    // Losing the connection powers the card off, and so does serve returning.
    assert_eq!(log.take(), ["power_on", "process 5", "power_off", "power_on", "process 4", "power_off"]);
    // get ATR is left out by default; numbering goes on across connections.
    let lines: Vec<_> = trace.lines().collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[3], r#"{"seq":4,"link":"vpcd","from":"host","to":"card","control":"power_on"}"#);
}

#[test]
fn garbage_drops_the_connection_and_never_panics() {
    let (l, addr) = listener();
    let log = Log::default();
    let o = opts(None);
    let stop = o.stop.clone();
    let card = spawn_card(addr, o, log.clone());

    // An unknown control code gets no answer and breaks nothing.
    let mut s = accept(&l);
    send_vpcd(&mut s, &[0x07]);
    assert_silent(&mut s, Duration::from_millis(150));
    send_vpcd(&mut s, &[0x04]);
    assert_eq!(recv_frame(&mut s), ATR);

    // A zero-length frame means the stream is out of step: the card hangs up and comes back.
    s.write_all(&[0x00, 0x00]).unwrap();
    assert_closed(&mut s);
    let mut s = accept(&l);
    send_vpcd(&mut s, &[0x04]);
    assert_eq!(recv_frame(&mut s), ATR);

    // Pseudo-random bytes, then a frame cut short by the close.
    let mut x: u32 = 0x1234_5678;
    let noise: Vec<u8> = (0..20_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    // The card may hang up mid-write on a zero-length frame in the noise.
    let _ = s.write_all(&noise).and_then(|()| s.write_all(&[0xFF, 0xFF, 0x00, 0xA4]));
    drop(s);
    // Whatever the noise did to it, the card is back and in step on a fresh connection.
    let mut s = accept(&l);
    send_vpcd(&mut s, &[0x00, 0xCA, 0x01, 0x00]);
    assert_eq!(recv_frame(&mut s), [0x00, 0x01, 0xCA, 0x00, 0x90, 0x00]);

    stop.store(true, Ordering::Relaxed);
    let (r, _) = card.join().unwrap();
    r.unwrap();
}

#[test]
fn stop_flag_ends_waiting_and_idle_connections() {
    // Nobody listening: serve keeps retrying until stopped.
    let addr = listener().1;
    let o = opts(None);
    let stop = o.stop.clone();
    let card = spawn_card(addr, o, Log::default());
    thread::sleep(Duration::from_millis(150));
    let t = Instant::now();
    stop.store(true, Ordering::Relaxed);
    card.join().unwrap().0.unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));

    // Connected and idle.
    let (l, addr) = listener();
    let o = opts(None);
    let stop = o.stop.clone();
    let card = spawn_card(addr, o, Log::default());
    let _s = accept(&l);
    thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    stop.store(true, Ordering::Relaxed);
    card.join().unwrap().0.unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));
}

#[test]
fn gives_up_after_max_reconnects() {
    let addr = listener().1; // bound and dropped: connections are refused
    let t = Instant::now();
    let (r, trace) = spawn_card(addr, opts(Some(3)), Log::default()).join().unwrap();
    assert_eq!(r.unwrap_err().kind(), io::ErrorKind::ConnectionRefused);
    assert!(trace.is_empty());
    // 10 + 20 + 40 ms of backoff.
    assert!(t.elapsed() >= Duration::from_millis(70));
}

/// What vpcd's Nagle pairing costs without QUICKACK is ~40 ms per APDU; with it, 300 APDUs
/// must take well under a second even on a loaded machine.
#[test]
fn quickack_keeps_split_frames_fast() {
    let (l, addr) = listener();
    let o = opts(Some(0));
    let card = thread::spawn(move || {
        let mut card = TestCard { log: Log::default() };
        vpcd::serve(addr, &mut card, &o, None)
    });
    let mut s = accept(&l);
    send_vpcd(&mut s, &[0x01]);
    let t = Instant::now();
    for _ in 0..300 {
        send_vpcd(&mut s, &[0x00, 0xB0, 0x00, 0x00, 0x00]);
        assert_eq!(recv_frame(&mut s).len(), 7);
    }
    let took = t.elapsed();
    drop(s);
    card.join().unwrap().unwrap();
    assert!(took < Duration::from_secs(3), "300 APDUs took {took:?}: is TCP_QUICKACK set?");
}

#[test]
fn json_lines_trace_format() {
    let mut t = JsonLinesTrace::new(Vec::new()).with_times();
    let at = Some(Duration::from_micros(1500));
    t.event(&TraceEvent {
        link: "vpcd",
        direction: Direction::HostToCard,
        payload: Payload::Control(Control::Unknown(0x7F)),
        at,
    });
    t.event(&TraceEvent { link: "vpcd", direction: Direction::CardToHost, payload: Payload::Rapdu(&[]), at: None });
    let out = String::from_utf8(t.into_inner()).unwrap();
    assert_eq!(
        out,
        "{\"seq\":1,\"link\":\"vpcd\",\"from\":\"host\",\"to\":\"card\",\"control\":\"unknown_7F\",\"at_us\":1500}\n\
         {\"seq\":2,\"link\":\"vpcd\",\"from\":\"card\",\"to\":\"host\",\"rapdu\":\"\"}\n"
    );
    assert_eq!(vpcd::DEFAULT_ADDR.to_string(), "127.0.0.1:35963");
}
