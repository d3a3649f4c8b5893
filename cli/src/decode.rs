//! `hanko decode FORMAT INPUT`: one decoder per format, each naming what it recognised.

use crate::render;
use hanko_codec::generated::applications;
use hanko_codec::{Capdu, Describe, File, ResponseApdu, SimpleTlvList, TlvTree};

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
            let f = File::decode("text.cv_certificate", bytes).ok_or_else(|| "no CV certificate layout".to_string())?.map_err(codec_error)?;
            show(&f, format!("card-verifiable certificate, {n} bytes"))
        }
        Format::Cert => match crate::verify::decode_cert(bytes, json) {
            crate::verify::Outcome::Ok(out) => out,
            crate::verify::Outcome::CheckFailed { message, .. } | crate::verify::Outcome::BadInput(message) => {
                return Err(message.into())
            }
        },
    })
}
