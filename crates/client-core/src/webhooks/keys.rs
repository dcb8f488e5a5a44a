//! Public keys for webhook signatures, and the small DER reader that unwraps them.
//!
//! ring verifies Ed25519 with the raw 32-byte key and RSA with a PKCS#1 `RSAPublicKey`, but
//! keys are published as SubjectPublicKeyInfo (SPKI). Unwrapping an SPKI needs only a few DER
//! rules (definite lengths, single-byte tags), so a careful reader lives here instead of a
//! dependency: every length is bounds-checked, trailing bytes are refused, and the algorithm
//! OID must match.

use std::fmt;

use base64::Engine as _;

use super::WebhookError;

/// HighLevel's published Ed25519 key for `x-ghl-signature` (SPKI DER, base64).
pub const HIGHLEVEL_ED25519_PUBLIC_KEY: &str =
    "MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=";

/// [`HIGHLEVEL_ED25519_PUBLIC_KEY`] as the raw key (the last 32 bytes of the SPKI).
const HIGHLEVEL_ED25519_RAW: [u8; 32] = [
    0x8b, 0x61, 0xd1, 0xd6, 0xca, 0xcb, 0xe2, 0x8d, 0x7c, 0x3b, 0xc0, 0x51, 0x6b, 0xb8, 0x15, 0x25,
    0x8e, 0xc6, 0xed, 0xbb, 0xa9, 0x6c, 0xdd, 0xc7, 0xf4, 0x0c, 0x09, 0xac, 0x70, 0x83, 0x88, 0xe8,
];

/// OID 1.3.101.112 (id-Ed25519), content bytes.
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
/// OID 1.2.840.113549.1.1.1 (rsaEncryption), content bytes.
const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

const TAG_INTEGER: u8 = 0x02;
const TAG_BIT_STRING: u8 = 0x03;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;

/// An Ed25519 public key for `x-ghl-signature`.
#[derive(Clone, PartialEq, Eq)]
pub struct Ed25519PublicKey([u8; 32]);

impl Ed25519PublicKey {
    /// HighLevel's published key ([`HIGHLEVEL_ED25519_PUBLIC_KEY`]).
    pub fn highlevel() -> Self {
        Self(HIGHLEVEL_ED25519_RAW)
    }

    /// A raw 32-byte key.
    pub fn from_raw(raw: [u8; 32]) -> Self {
        Self(raw)
    }

    /// A raw 32-byte key or an SPKI DER.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WebhookError> {
        if let Ok(raw) = <[u8; 32]>::try_from(bytes) {
            return Ok(Self(raw));
        }
        let spki = parse_spki(bytes)?;
        if spki.algorithm != OID_ED25519 {
            return Err(invalid_key("the SPKI is not an Ed25519 key"));
        }
        if spki.parameters.is_some() {
            return Err(invalid_key(
                "an Ed25519 SPKI must not carry algorithm parameters",
            ));
        }
        <[u8; 32]>::try_from(spki.key)
            .map(Self)
            .map_err(|_| invalid_key("an Ed25519 key is 32 bytes"))
    }

    /// A PEM `PUBLIC KEY`, or base64 of an SPKI DER or of the raw 32 bytes.
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        Self::from_bytes(&decode_text_key(text, &["PUBLIC KEY"])?)
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Ed25519PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let encoded = base64::engine::general_purpose::STANDARD.encode(self.0);
        write!(f, "Ed25519PublicKey({encoded})")
    }
}

/// An RSA public key for the legacy `x-wh-signature` (RSA-SHA256, PKCS#1 v1.5).
/// HighLevel prints its 4096-bit key in its webhook docs; pass it in, it is not embedded.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    /// PKCS#1 `RSAPublicKey` DER, what ring verifies with.
    pkcs1: Vec<u8>,
    modulus_bits: usize,
}

impl RsaPublicKey {
    /// A PEM `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1), or bare base64 of either DER.
    pub fn from_pem(text: &str) -> Result<Self, WebhookError> {
        Self::from_der(&decode_text_key(text, &["PUBLIC KEY", "RSA PUBLIC KEY"])?)
    }

    /// An SPKI or PKCS#1 DER (told apart by their first element).
    pub fn from_der(der: &[u8]) -> Result<Self, WebhookError> {
        let mut outer = Reader::new(der);
        let body = outer.expect(TAG_SEQUENCE)?;
        outer.finish()?;
        let first_tag = body.first().copied();
        let pkcs1 = if first_tag == Some(TAG_INTEGER) {
            der
        } else {
            let spki = parse_spki(der)?;
            if spki.algorithm != OID_RSA_ENCRYPTION {
                return Err(invalid_key("the SPKI is not an RSA key"));
            }
            if !matches!(spki.parameters, None | Some((TAG_NULL, []))) {
                return Err(invalid_key("rsaEncryption parameters must be NULL"));
            }
            spki.key
        };
        let modulus_bits = check_pkcs1(pkcs1)?;
        Ok(Self {
            pkcs1: pkcs1.to_vec(),
            modulus_bits,
        })
    }

    /// The modulus size in bits.
    pub fn modulus_bits(&self) -> usize {
        self.modulus_bits
    }

    pub(crate) fn pkcs1_der(&self) -> &[u8] {
        &self.pkcs1
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsaPublicKey({} bits)", self.modulus_bits)
    }
}

fn invalid_key(reason: &str) -> WebhookError {
    WebhookError::InvalidKey(reason.to_owned())
}

/// PEM (any of `labels`) or bare base64 → DER bytes.
fn decode_text_key(text: &str, labels: &[&str]) -> Result<Vec<u8>, WebhookError> {
    let text = text.trim();
    let base64_text: String = if text.starts_with("-----BEGIN ") {
        let label = labels
            .iter()
            .find(|label| text.starts_with(&format!("-----BEGIN {label}-----")))
            .ok_or_else(|| {
                invalid_key(&format!("expected a PEM block labelled one of {labels:?}"))
            })?;
        let end = format!("-----END {label}-----");
        let inner = text
            .strip_prefix(&format!("-----BEGIN {label}-----"))
            .and_then(|rest| rest.split_once(&end))
            .map(|(inner, _)| inner)
            .ok_or_else(|| invalid_key("the PEM block has no matching END line"))?;
        inner.chars().filter(|c| !c.is_whitespace()).collect()
    } else {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    };
    base64::engine::general_purpose::STANDARD
        .decode(base64_text.as_bytes())
        .map_err(|_| invalid_key("the key is not valid base64"))
}

struct Spki<'a> {
    algorithm: &'a [u8],
    parameters: Option<(u8, &'a [u8])>,
    key: &'a [u8],
}

/// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
/// AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }
fn parse_spki(der: &[u8]) -> Result<Spki<'_>, WebhookError> {
    let mut outer = Reader::new(der);
    let mut spki = Reader::new(outer.expect(TAG_SEQUENCE)?);
    outer.finish()?;
    let mut algorithm_identifier = Reader::new(spki.expect(TAG_SEQUENCE)?);
    let algorithm = algorithm_identifier.expect(TAG_OID)?;
    let parameters = if algorithm_identifier.is_empty() {
        None
    } else {
        Some(algorithm_identifier.any()?)
    };
    algorithm_identifier.finish()?;
    let bits = spki.expect(TAG_BIT_STRING)?;
    spki.finish()?;
    match bits.split_first() {
        Some((0, key)) => Ok(Spki {
            algorithm,
            parameters,
            key,
        }),
        _ => Err(invalid_key("the key BIT STRING must have no unused bits")),
    }
}

/// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }; returns the modulus bits.
fn check_pkcs1(der: &[u8]) -> Result<usize, WebhookError> {
    let mut outer = Reader::new(der);
    let mut key = Reader::new(outer.expect(TAG_SEQUENCE)?);
    outer.finish()?;
    let modulus = key.expect(TAG_INTEGER)?;
    let exponent = key.expect(TAG_INTEGER)?;
    key.finish()?;
    if modulus.first().is_some_and(|byte| byte & 0x80 != 0) || exponent.is_empty() {
        return Err(invalid_key(
            "RSA modulus and exponent must be positive integers",
        ));
    }
    let significant = match modulus.iter().position(|byte| *byte != 0) {
        Some(index) => &modulus[index..],
        None => return Err(invalid_key("RSA modulus is zero")),
    };
    let leading_bits = 8 - significant[0].leading_zeros() as usize;
    Ok((significant.len() - 1) * 8 + leading_bits)
}

/// Reads DER elements with single-byte tags and definite lengths.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn finish(&self) -> Result<(), WebhookError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(invalid_key("unexpected trailing bytes in the key DER"))
        }
    }

    /// The next element's tag and content.
    fn any(&mut self) -> Result<(u8, &'a [u8]), WebhookError> {
        let truncated = || invalid_key("the key DER is truncated");
        let (&tag, rest) = self.rest.split_first().ok_or_else(truncated)?;
        if tag & 0x1f == 0x1f {
            return Err(invalid_key(
                "multi-byte DER tags are not used in public keys",
            ));
        }
        let (&first, mut rest) = rest.split_first().ok_or_else(truncated)?;
        let length = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 {
                return Err(invalid_key("unsupported DER length encoding"));
            }
            if rest.len() < count {
                return Err(truncated());
            }
            let (length_bytes, after) = rest.split_at(count);
            rest = after;
            if length_bytes[0] == 0 {
                return Err(invalid_key("non-minimal DER length"));
            }
            let length = length_bytes
                .iter()
                .fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte));
            if length < 0x80 {
                return Err(invalid_key("non-minimal DER length"));
            }
            length
        };
        if rest.len() < length {
            return Err(truncated());
        }
        let (content, after) = rest.split_at(length);
        self.rest = after;
        Ok((tag, content))
    }

    /// The next element's content, which must have `tag`.
    fn expect(&mut self, tag: u8) -> Result<&'a [u8], WebhookError> {
        let (found, content) = self.any()?;
        if found == tag {
            Ok(content)
        } else {
            Err(invalid_key(&format!(
                "expected DER tag 0x{tag:02x}, found 0x{found:02x}"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vendor_ed25519_key_parses_to_the_embedded_raw_key() {
        let parsed = Ed25519PublicKey::parse(HIGHLEVEL_ED25519_PUBLIC_KEY).expect("vendor key");
        assert_eq!(parsed, Ed25519PublicKey::highlevel());
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{HIGHLEVEL_ED25519_PUBLIC_KEY}\n-----END PUBLIC KEY-----\n"
        );
        assert_eq!(Ed25519PublicKey::parse(&pem).expect("pem"), parsed);
        let raw = base64::engine::general_purpose::STANDARD.encode(parsed.as_bytes());
        assert_eq!(Ed25519PublicKey::parse(&raw).expect("raw base64"), parsed);
    }

    #[test]
    fn truncated_or_padded_der_is_refused() {
        let der = base64::engine::general_purpose::STANDARD
            .decode(HIGHLEVEL_ED25519_PUBLIC_KEY)
            .expect("base64");
        assert!(Ed25519PublicKey::from_bytes(&der[..40]).is_err());
        let mut padded = der.clone();
        padded.push(0);
        assert!(Ed25519PublicKey::from_bytes(&padded).is_err());
        let mut wrong_oid = der;
        wrong_oid[8] = 0x71; // 1.3.101.113 is Ed448
        assert!(Ed25519PublicKey::from_bytes(&wrong_oid).is_err());
    }

    #[test]
    fn an_ed25519_key_is_not_accepted_as_rsa() {
        assert!(RsaPublicKey::from_pem(HIGHLEVEL_ED25519_PUBLIC_KEY).is_err());
    }
}
