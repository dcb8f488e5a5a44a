//! Ids that carry their row: the invertible mix, call ids and generated contact names.

use super::*;

pub(super) const M1: u64 = 0xbf58_476d_1ce4_e5b9;
pub(super) const M2: u64 = 0x94d0_49bb_1331_11eb;

pub(super) const fn inverse(a: u64) -> u64 {
    // Newton's iteration for the inverse modulo 2^64 of an odd number.
    let mut x = a;
    let mut i = 0;
    while i < 6 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        i += 1;
    }
    x
}

pub(super) const M1_INV: u64 = inverse(M1);
pub(super) const M2_INV: u64 = inverse(M2);

pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(M1);
    x ^= x >> 27;
    x = x.wrapping_mul(M2);
    x ^ (x >> 31)
}

pub(super) fn unshift(y: u64, s: u32) -> u64 {
    let mut x = y;
    for _ in 0..(64 / s + 1) {
        x = y ^ (x >> s);
    }
    x
}

pub(super) fn unmix(x: u64) -> u64 {
    let x = unshift(x, 31).wrapping_mul(M2_INV);
    let x = unshift(x, 27).wrapping_mul(M1_INV);
    unshift(x, 30)
}

/// The key of a location's generated data: from the store seed and the location id.
pub(crate) fn location_key(seed: u64, location_id: &str) -> u64 {
    // FNV-1a over the id, then mixed with the seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in location_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h ^ mix(seed))
}

pub(super) const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub(super) fn base62(mut n: u64, len: usize, out: &mut String) {
    let mut digits = [b'0'; 11];
    for d in digits.iter_mut().rev() {
        *d = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.extend(digits[11 - len..].iter().map(|&b| b as char));
}

pub(super) fn contact_name(key: u64, contact: u32) -> String {
    let v = mix(((key >> 32) << 32 | u64::from(contact)) ^ CONTACT_SALT);
    let mut out = String::with_capacity(20);
    base62(v, 11, &mut out);
    base62(mix(v), 9, &mut out);
    out
}

pub(super) fn decode_contact(key: u64, name: &str, pool: u32) -> Option<u32> {
    if name.len() != 20 {
        return None;
    }
    let mut v: u64 = 0;
    for b in name.bytes().take(11) {
        let digit = BASE62.iter().position(|&c| c == b)? as u64;
        v = v.checked_mul(62)?.checked_add(digit)?;
    }
    let plain = unmix(v) ^ CONTACT_SALT;
    let contact = (plain & 0xffff_ffff) as u32;
    (plain >> 32 == key >> 32 && contact < pool && contact_name(key, contact) == name)
        .then_some(contact)
}

pub(super) fn call_id(key: u64, row: u32, created_ms: i64) -> String {
    let seconds = created_ms.div_euclid(1000) as u32;
    let low = mix(((key >> 32) << 32 | u64::from(row)) ^ ID_SALT);
    format!("{seconds:08x}{low:016x}")
}

pub(super) fn decode_call_id(key: u64, id: &str) -> Option<u32> {
    if id.len() != 24 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let low = u64::from_str_radix(id.get(8..)?, 16).ok()?;
    let plain = unmix(low) ^ ID_SALT;
    (plain >> 32 == key >> 32).then_some((plain & 0xffff_ffff) as u32)
}
