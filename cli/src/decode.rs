//! `hanko decode FORMAT INPUT`: one decoder per format, each naming what it recognised.

use crate::render;
use hanko_codec::generated::applications;
use hanko_codec::generated::layouts::DataLayout;
use hanko_codec::{Capdu, Command, Describe, File, ResponseApdu, SimpleTlvList, TlvTree};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Command APDU: structure, class byte, and the JPKI command it is.
    Capdu,
    /// Response APDU: data and status word.
    Rapdu,
    /// BER-TLV objects, nested.
    Tlv,
    /// SIMPLE-TLV objects.
    SimpleTlv,
    /// A card file by its layout (needs --ap and --fid).
    Ef,
    /// An X.509 certificate (DER or PEM) read with the JPKI profile.
    Cert,
    /// A card-verifiable certificate (text or surface AP EF 0004).
    CvCert,
    /// SCP80 command packet (OTA over SMS); with --kic-key/--kid-key deciphered and checked.
    Scp80Command,
    /// SCP80 response packet (PoR); with the command's --spi/--kic/--kid and keys, checked.
    Scp80Response,
    /// Remote APDU script (ETSI TS 102 226), compact or expanded.
    RemoteApdu,
    /// A TSM-layer JSON message: GP Systems Messaging, TSM proxy (SE RAM), J-LIS.
    Tsm,
    /// A GlobalPlatform C-APDU, or (with --response-to, or when it is no command) the R-APDU
    /// answering one: FCI, GET STATUS, INITIALIZE UPDATE, key information, PUT KEY.
    Gp,
}

impl Format {
    /// The OTA formats, which `decode_tsm` handles.
    pub fn is_tsm(self) -> bool {
        matches!(self, Self::Scp80Command | Self::Scp80Response | Self::RemoteApdu)
    }
}

/// Why decoding did not produce output: bad usage, or input the spec rejects.
pub struct Failure {
    pub message: String,
    pub json: Option<serde_json::Value>,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self { message, json: None }
    }
}

fn codec_error(e: hanko_codec::Error) -> Failure {
    Failure {
        message: e.to_string(),
        json: Some(serde_json::json!({ "error": {
            "kind": e.kind.name(), "offset": e.offset, "rule": e.rule.what, "spec": e.rule.path, "message": e.to_string()
        } })),
    }
}

/// The id of the readable file named by `--ap` and `--fid`, or why there is none.
pub fn file_id(ap: Option<&str>, fid: Option<&str>) -> Result<&'static str, String> {
    let shorts = || applications::APPLICATIONS.iter().map(|a| a.short).collect::<Vec<_>>().join(", ");
    let ap = ap.ok_or_else(|| format!("decode ef needs --ap ({}) and --fid", shorts()))?;
    let app = applications::by_short(ap).ok_or_else(|| format!("unknown application {ap:?}; known: {}", shorts()))?;
    let fid_text = fid.ok_or("decode ef needs --fid (four hex digits, like 0002)")?;
    let fid = u16::from_str_radix(fid_text, 16)
        .ok()
        .filter(|_| fid_text.len() == 4)
        .ok_or_else(|| format!("--fid {fid_text:?} is not four hex digits"))?;
    if let Some(id) = File::id_of(app.id, fid) {
        return Ok(id);
    }
    let readable: Vec<_> = applications::FILES
        .iter()
        .filter(|f| f.application == app.id && File::IDS.contains(&f.id))
        .map(|f| format!("{:04X}", f.fid))
        .collect();
    Err(match applications::file(app.id, fid) {
        Some(f) => format!(
            "EF {fid:04X} of the {ap} AP is {} ({}); it has no readable layout. Readable: {}",
            f.id,
            f.name,
            readable.join(", ")
        ),
        None => format!("the {ap} AP has no EF {fid:04X}; readable files: {}", readable.join(", ")),
    })
}

/// Decodes `bytes` and renders it; `Err` carries the one-line reason.
pub fn run(format: Format, bytes: &[u8], file: Option<&str>, json: bool) -> Result<String, Failure> {
    let show = |d: &dyn Describe, title: String| {
        if json {
            render::json(d)
        } else {
            format!("{title}\n{}", render::tree(d, 2))
        }
    };
    let n = bytes.len();
    Ok(match format {
        Format::Capdu => {
            let c = Capdu::parse(bytes).map_err(codec_error)?;
            let title = match &c.command {
                Some(cmd) => format!("C-APDU, {n} bytes: {} [{}, {}]", cmd.name(), cmd.id(), cmd.confidence()),
                None => format!("C-APDU, {n} bytes: no command of the spec has this header and case"),
            };
            show(&c, title)
        }
        Format::Rapdu => {
            let r = ResponseApdu::parse(bytes).map_err(codec_error)?;
            let meaning = r.sw.meaning().unwrap_or("status word not in the spec");
            show(&r, format!("R-APDU, {} data bytes: {:04X} {meaning}", r.data.len(), u16::from(r.sw)))
        }
        Format::Tlv => show(&TlvTree::parse(bytes).map_err(codec_error)?, format!("BER-TLV, {n} bytes")),
        Format::SimpleTlv => show(&SimpleTlvList::parse(bytes).map_err(codec_error)?, format!("SIMPLE-TLV, {n} bytes")),
        Format::Ef => {
            let id = file.ok_or_else(|| "decode ef needs --ap and --fid".to_string())?;
            let f = File::decode(id, bytes).ok_or_else(|| format!("no layout for {id}"))?.map_err(codec_error)?;
            let name = applications::FILES.iter().find(|x| x.id == id).map_or("", |x| x.name);
            show(&f, format!("EF {id} ({name}), {n} bytes"))
        }
        Format::CvCert => {
            let f = File::decode("text.cv_certificate", bytes)
                .ok_or_else(|| "no CV certificate layout".to_string())?
                .map_err(codec_error)?;
            show(&f, format!("card-verifiable certificate, {n} bytes"))
        }
        Format::Scp80Command | Format::Scp80Response | Format::RemoteApdu => {
            return Err("the OTA formats are decoded by decode_tsm".to_string().into())
        }
        Format::Tsm => crate::decode_msg::run(bytes, json)?,
        // For `gp`, `file` carries --response-to.
        Format::Gp => gp(bytes, file, json)?,
        Format::Cert => match crate::verify::decode_cert(bytes, json) {
            crate::verify::Outcome::Ok(out) => out,
            crate::verify::Outcome::CheckFailed { message, .. } | crate::verify::Outcome::BadInput(message) => {
                return Err(message.into())
            }
        },
    })
}

/// An R-APDU whose data decodes as a GlobalPlatform response layout.
struct GpResponse<'a> {
    apdu: ResponseApdu<'a>,
    layout: DataLayout<'a>,
}

impl Describe for GpResponse<'_> {
    fn describe(&self, v: &mut dyn hanko_codec::Visitor) {
        self.apdu.describe(v);
        v.enter("response");
        self.layout.describe(v);
        v.leave();
    }
}

/// The layouts `--response-to` names: a layout id, a command id, an INS in hex, or the
/// command's C-APDU (which picks GET STATUS's layout by its subset).
fn gp_layouts(to: &str) -> Result<Vec<&'static str>, String> {
    if let Some(id) = DataLayout::IDS.iter().find(|id| **id == to) {
        return Ok(vec![id]);
    }
    let hex = !to.is_empty() && to.chars().all(|c| c.is_ascii_hexdigit() || c == ' ');
    let bytes = if hex { crate::input::read(to).ok() } else { None };
    let commands: Vec<&str> = match bytes.as_deref() {
        Some([ins]) => {
            Command::TABLE.iter().filter(|(id, i)| i == ins && id.starts_with("gp.")).map(|(id, _)| *id).collect()
        }
        Some(capdu) => match Capdu::parse(capdu) {
            Ok(Capdu { command: Some(Command::GpGetStatus(c)), .. }) => {
                let subset = match c.subset {
                    0x80 => "gp.get_status_isd_response",
                    0x40 => "gp.get_status_applications_response",
                    _ => "gp.get_status_load_files_response",
                };
                return Ok(vec![subset]);
            }
            Ok(Capdu { command: Some(cmd), .. }) => vec![cmd.id()],
            _ => Vec::new(),
        },
        None => Command::TABLE.iter().filter(|(id, _)| *id == to).map(|(id, _)| *id).collect(),
    };
    let mut layouts: Vec<&'static str> = Vec::new();
    for c in commands {
        layouts.extend(DataLayout::responses_to(c).filter(|l| !layouts.contains(l)).collect::<Vec<_>>());
    }
    if layouts.is_empty() {
        return Err(format!("--response-to {to:?} names no GlobalPlatform response; give an INS (F2), a command id (gp.get_status), its C-APDU or a layout: {}", DataLayout::IDS.join(", ")));
    }
    Ok(layouts)
}

/// `decode gp`: a GlobalPlatform command, else the response data of one.
fn gp(bytes: &[u8], response_to: Option<&str>, json: bool) -> Result<String, Failure> {
    let show = |d: &dyn Describe, title: String| {
        if json {
            render::json(d)
        } else {
            format!("{title}\n{}", render::tree(d, 2))
        }
    };
    if response_to.is_none() {
        match Capdu::parse(bytes) {
            Ok(c @ Capdu { command: Some(cmd), .. }) if cmd.id().starts_with("gp.") => {
                let title = format!(
                    "GlobalPlatform C-APDU, {} bytes: {} [{}, {}]",
                    bytes.len(),
                    cmd.name(),
                    cmd.id(),
                    cmd.confidence()
                );
                return Ok(show(&c, title));
            }
            // A well-formed C-APDU is not guessed to be response data.
            Ok(c) => {
                let what = c.command.map_or("no command of the spec".to_string(), |cmd| cmd.id().to_string());
                return Err(format!("a C-APDU, but not a GlobalPlatform command ({what}); decode capdu shows it, --response-to reads it as a response").into());
            }
            // The header is a GlobalPlatform command's and its data is wrong: say where.
            Err(e) if e.rule.path.starts_with("spec/gp/") => return Err(codec_error(e)),
            Err(_) => {}
        }
    }
    let layouts = match response_to {
        Some(to) => gp_layouts(to)?,
        None => DataLayout::IDS.to_vec(),
    };
    let apdu = ResponseApdu::parse(bytes).map_err(codec_error)?;
    let meaning = apdu.sw.meaning().unwrap_or("status word not in the spec");
    if response_to.is_none() && !(apdu.sw.is_success() || u16::from(apdu.sw) == 0x6310) {
        return Err(format!(
            "not a GlobalPlatform command, nor response data ending in a success status ({:04X}); try --response-to",
            u16::from(apdu.sw)
        )
        .into());
    }
    let mut first_error = None;
    for id in layouts {
        match DataLayout::decode(id, apdu.data) {
            Some(Ok(layout)) => {
                let title = format!(
                    "GlobalPlatform R-APDU, {} data bytes: {id}; {:04X} {meaning}",
                    apdu.data.len(),
                    u16::from(apdu.sw)
                );
                return Ok(show(&GpResponse { apdu, layout }, title));
            }
            Some(Err(e)) => {
                first_error.get_or_insert(e);
            }
            None => {}
        }
    }
    match (response_to, first_error) {
        // An error status carries no data to decode.
        _ if apdu.data.is_empty() && response_to.is_some() => {
            Ok(show(&apdu, format!("GlobalPlatform R-APDU, no data: {:04X} {meaning}", u16::from(apdu.sw))))
        }
        (Some(_), Some(e)) => Err(codec_error(e)),
        _ => Err("neither a GlobalPlatform command nor the data of a GlobalPlatform response (try --response-to)"
            .to_string()
            .into()),
    }
}
