//! AEZ v5 (Hoang, Krovetz, Rogaway), the cipher of lnd's aezeed, for the
//! sizes aezeed uses: no nonce, associated data, and messages under 32
//! bytes (AEZ-tiny; an aezeed plaintext is 19 bytes plus a 4-byte tag).
//! It follows the AEZ v5 specification as lnd's dependency
//! github.com/Yawning/aez implements it: the key is extracted with
//! BLAKE2b-384, E is four or ten AES rounds keyed by the extracted I, J and
//! L (aes::hazmat::cipher_round is one AESENC), AEZ-hash and AEZ-tiny's
//! Feistel rounds as in its aez.go. Long messages (AEZ-core) and nonces
//! are not needed and not implemented.

use aes::hazmat::cipher_round;
use zeroize::Zeroizing;

type Block = [u8; 16];

fn xor(a: &Block, b: &Block) -> Block {
    let mut out = [0u8; 16];
    for i in 0..16 {
        out[i] = a[i] ^ b[i];
    }
    out
}

/// Multiplication by x in GF(2^128) (AEZ's doubling).
fn double(p: &Block) -> Block {
    let mut out = [0u8; 16];
    for i in 0..15 {
        out[i] = (p[i] << 1) | (p[i + 1] >> 7);
    }
    out[15] = (p[15] << 1) ^ if p[0] >> 7 == 1 { 135 } else { 0 };
    out
}

/// Multiplication by a small integer in GF(2^128).
fn mult(mut x: u32, src: &Block) -> Block {
    let (mut t, mut r) = (*src, [0u8; 16]);
    while x != 0 {
        if x & 1 != 0 {
            r = xor(&r, &t);
        }
        t = double(&t);
        x >>= 1;
    }
    r
}

/// The expanded key: the extracted I, J, L and their multiples.
struct State {
    /// 1I, 2I.
    i: [Block; 2],
    /// 1J, 2J, 4J.
    j: [Block; 3],
    /// 0L .. 7L.
    l: [Block; 8],
    /// The AES round keys: the extracted key's I, J, L.
    key_i: Block,
    key_j: Block,
    key_l: Block,
}

impl Drop for State {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for b in self.i.iter_mut().chain(&mut self.j).chain(&mut self.l) {
            b.zeroize();
        }
        self.key_i.zeroize();
        self.key_j.zeroize();
        self.key_l.zeroize();
    }
}

impl State {
    fn new(key: &[u8]) -> State {
        use blake2::Digest;
        let mut extracted = Zeroizing::new([0u8; 48]);
        if key.len() == 48 {
            extracted.copy_from_slice(key);
        } else {
            let h = blake2::Blake2b::<blake2::digest::consts::U48>::digest(key);
            extracted.copy_from_slice(&h);
        }
        let block = |k: usize| -> Block {
            let mut b = [0u8; 16];
            b.copy_from_slice(&extracted[16 * k..16 * k + 16]);
            b
        };
        let (key_i, key_j, key_l) = (block(0), block(1), block(2));
        let i1 = key_i;
        let j1 = key_j;
        let j2 = double(&j1);
        let mut l = [[0u8; 16]; 8];
        l[1] = key_l;
        l[2] = double(&l[1]);
        l[3] = xor(&l[2], &l[1]);
        l[4] = double(&l[2]);
        l[5] = xor(&l[4], &l[1]);
        l[6] = double(&l[3]);
        l[7] = xor(&l[6], &l[1]);
        State {
            i: [i1, double(&i1)],
            j: [j1, j2, double(&j2)],
            l,
            key_i,
            key_j,
            key_l,
        }
    }

    fn rounds(block: &mut Block, keys: &[&Block]) {
        let mut b = aes::Block::from(*block);
        for k in keys {
            cipher_round(&mut b, &aes::Block::from(**k));
        }
        block.copy_from_slice(&b);
    }

    /// AES4 with tweak j ^ i ^ l (E(j,i) in the spec).
    fn aes4(&self, j: &Block, i: &Block, l: &Block, src: &Block) -> Block {
        let mut b = xor(&xor(j, i), &xor(l, src));
        Self::rounds(&mut b, &[&self.key_j, &self.key_i, &self.key_l, &[0u8; 16]]);
        b
    }

    /// AEZ-hash over the tag length, the nonce and each associated data
    /// string: Δ.
    fn hash(&self, nonce: &[u8], ad: &[&[u8]], tau_bits: u32) -> Block {
        let mut buf = [0u8; 16];
        buf[12..].copy_from_slice(&tau_bits.to_be_bytes());
        let j3 = xor(&self.j[0], &self.j[1]);
        let mut sum = self.aes4(&j3, &self.i[1], &self.l[1], &buf); // E(3,1)
        sum = xor(&sum, &self.absorb(&self.j[2], nonce)); // E(4,·)
        for (k, p) in ad.iter().enumerate() {
            sum = xor(&sum, &self.absorb(&mult(5 + k as u32, &self.j[0]), p)); // E(5+k,·)
        }
        sum
    }

    /// One string's share of AEZ-hash under tweak `jk`: E(jk,n) of each
    /// full block, then E(jk,0) of the padded rest (or of the empty string).
    fn absorb(&self, jk: &Block, data: &[u8]) -> Block {
        let mut sum = [0u8; 16];
        let mut i = self.i[1];
        let mut rest = data;
        let mut n = 1usize;
        while rest.len() >= 16 {
            let mut blk = [0u8; 16];
            blk.copy_from_slice(&rest[..16]);
            sum = xor(&sum, &self.aes4(jk, &i, &self.l[n % 8], &blk));
            rest = &rest[16..];
            if n.is_multiple_of(8) {
                i = double(&i);
            }
            n += 1;
        }
        if !rest.is_empty() || data.is_empty() {
            let mut blk = [0u8; 16];
            blk[..rest.len()].copy_from_slice(rest);
            blk[rest.len()] = 0x80;
            sum = xor(&sum, &self.aes4(jk, &self.i[0], &self.l[0], &blk));
        }
        sum
    }

    /// AEZ-tiny for 1 ≤ |in| < 32 bytes; `decipher` runs it backwards.
    fn tiny(&self, delta: &Block, input: &[u8], decipher: bool) -> Vec<u8> {
        let n = input.len();
        let zero = [0u8; 16];
        let (li, rounds): (usize, usize) = match n {
            1 => (7, 24),
            2 => (7, 16),
            3..=15 => (7, 10),
            _ => (6, 8),
        };
        let half = n.div_ceil(2);
        let (mut l, mut r) = ([0u8; 32], [0u8; 32]);
        l[..half].copy_from_slice(&input[..half]);
        r[..half].copy_from_slice(&input[n / 2..n / 2 + half]);
        let (mut mask, mut pad) = (0x00u8, 0x80u8);
        if n & 1 != 0 {
            // R starts in the middle of a byte: shift it left by a nibble.
            for k in 0..n / 2 {
                r[k] = (r[k] << 4) | (r[k + 1] >> 4);
            }
            r[n / 2] <<= 4;
            pad = 0x08;
            mask = 0xf0;
        }
        let (mut j, step): (i32, i32) = if decipher {
            if n < 16 {
                let mut buf = [0u8; 16];
                buf[..n].copy_from_slice(input);
                buf[0] |= 0x80;
                let t = self.aes4(&zero, &self.i[1], &self.l[3], &xor(delta, &buf)); // E(0,3)
                l[0] ^= t[0] & 0x80;
            }
            (rounds as i32 - 1, -1)
        } else {
            (0, 1)
        };
        let round_input = |side: &[u8; 32], tweak: i32| -> Block {
            let mut buf = [0u8; 16];
            buf[..half].copy_from_slice(&side[..half]);
            buf[n / 2] = (buf[n / 2] & mask) | pad;
            let mut b = xor(&buf, delta);
            b[15] ^= tweak as u8;
            b
        };
        for _ in 0..rounds / 2 {
            let t = self.aes4(&zero, &self.i[1], &self.l[li], &round_input(&r, j)); // E(0,i)
            for k in 0..16 {
                l[k] ^= t[k];
            }
            let t = self.aes4(&zero, &self.i[1], &self.l[li], &round_input(&l, j + step));
            for k in 0..16 {
                r[k] ^= t[k];
            }
            j += 2 * step;
        }
        let mut buf = [0u8; 32];
        buf[..n / 2].copy_from_slice(&r[..n / 2]);
        buf[n / 2..n / 2 + half].copy_from_slice(&l[..half]);
        if n & 1 != 0 {
            let mut k = n - 1;
            while k > n / 2 {
                buf[k] = (buf[k] >> 4) | (buf[k - 1] << 4);
                k -= 1;
            }
            buf[n / 2] = (l[0] >> 4) | (r[n / 2] & 0xf0);
        }
        let mut out = buf[..n].to_vec();
        if n < 16 && !decipher {
            let mut b = [0u8; 16];
            b[..n].copy_from_slice(&buf[..n]);
            b[0] |= 0x80;
            let t = self.aes4(&zero, &self.i[1], &self.l[3], &xor(delta, &b)); // E(0,3)
            out[0] ^= t[0] & 0x80;
        }
        use zeroize::Zeroize;
        l.zeroize();
        r.zeroize();
        buf.zeroize();
        out
    }
}

/// AEZ encryption: the plaintext with `tau` zero bytes appended,
/// enciphered. Plaintext plus tag must be 1 to 31 bytes (AEZ-tiny).
pub fn encrypt(key: &[u8], nonce: &[u8], ad: &[&[u8]], tau: usize, plaintext: &[u8]) -> Vec<u8> {
    let n = plaintext.len() + tau;
    assert!((1..32).contains(&n), "AEZ-tiny only: {n} bytes");
    let s = State::new(key);
    let delta = s.hash(nonce, ad, (tau * 8) as u32);
    let mut x = Zeroizing::new(plaintext.to_vec());
    x.resize(n, 0);
    s.tiny(&delta, &x, false)
}

/// AEZ decryption: the plaintext if the deciphered tag bytes are zero.
pub fn decrypt(
    key: &[u8],
    nonce: &[u8],
    ad: &[&[u8]],
    tau: usize,
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let n = ciphertext.len();
    if n <= tau || n >= 32 {
        return None;
    }
    let s = State::new(key);
    let delta = s.hash(nonce, ad, (tau * 8) as u32);
    let x = Zeroizing::new(s.tiny(&delta, ciphertext, true));
    let tag_ok = x[n - tau..].iter().fold(0u8, |a, b| a | b) == 0;
    tag_ok.then(|| Zeroizing::new(x[..n - tau].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_a_changed_byte() {
        let key = [7u8; 32];
        let ad: &[&[u8]] = &[b"\x00salty"];
        for len in [1usize, 2, 3, 12, 15, 16, 19, 27] {
            let plain: Vec<u8> = (0..len as u8).collect();
            let ct = encrypt(&key, &[], ad, 4, &plain);
            assert_eq!(ct.len(), len + 4);
            assert_eq!(
                decrypt(&key, &[], ad, 4, &ct).as_deref().map(|v| &v[..]),
                Some(&plain[..])
            );
            let mut bad = ct.clone();
            bad[0] ^= 1;
            assert!(decrypt(&key, &[], ad, 4, &bad).is_none(), "len {len}");
            assert!(decrypt(&[8u8; 32], &[], ad, 4, &ct).is_none());
            assert!(decrypt(&key, &[], &[b"\x00other"], 4, &ct).is_none());
        }
    }
}
