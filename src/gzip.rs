//! gzip (RFC 1952) of the response cache's bodies, with one compressor and one
//! decompressor kept per thread: making either allocates and clears a few hundred KiB,
//! and making them per response cost about a tenth of the Zipf read rate.

use std::cell::RefCell;

use flate2::{Compress, Compression, Crc, Decompress, FlushCompress, FlushDecompress, Status};

/// A body is compressed when a reader who takes gzip misses the cache, which under Zipf
/// reads is every third request: level 2, zlib's faster match strategy, makes an article
/// of 4,508 bytes 2,108 (level 4: 1,986; level 1, with fixed codes: 2,726).
const LEVEL: u32 = 2;

/// Magic, deflate, no flags, no time, no extra flags, unknown operating system.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
/// The CRC-32 and the length of the plain data.
const TRAILER_LEN: usize = 8;

thread_local! {
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::new(LEVEL), false));
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// `plain` gzipped, taking no more memory than its length; `None` past 4 GiB, which
/// gzip's length field cannot hold.
pub fn compress(plain: &[u8]) -> Option<Vec<u8>> {
    let length = u32::try_from(plain.len()).ok()?;
    let mut out = Vec::with_capacity(HEADER.len() + plain.len() / 2 + 64);
    out.extend_from_slice(&HEADER);
    DEFLATE.with_borrow_mut(|deflate| {
        deflate.reset();
        loop {
            let consumed = usize::try_from(deflate.total_in()).ok()?;
            match deflate.compress_vec(plain.get(consumed..)?, &mut out, FlushCompress::Finish).ok()? {
                Status::StreamEnd => return Some(()),
                Status::BufError if out.len() < out.capacity() => return None,
                // Out of room: `compress_vec` writes only into the spare capacity.
                Status::Ok | Status::BufError => out.reserve(out.capacity()),
            }
        }
    })?;
    let mut crc = Crc::new();
    crc.update(plain);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&length.to_le_bytes());
    out.shrink_to_fit();
    Some(out)
}

/// The plain data of what `compress` made; `None` for anything else.
pub fn inflate(gzipped: &[u8]) -> Option<Vec<u8>> {
    let deflated = gzipped.strip_prefix(&HEADER)?;
    let (deflated, trailer) = deflated.split_at_checked(deflated.len().checked_sub(TRAILER_LEN)?)?;
    let length = u32::from_le_bytes(trailer[4..].try_into().ok()?) as usize;
    let mut plain = Vec::with_capacity(length);
    INFLATE.with_borrow_mut(|inflate| {
        inflate.reset(false);
        match inflate.decompress_vec(deflated, &mut plain, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) if plain.len() == length => Some(()),
            _ => None,
        }
    })?;
    let mut crc = Crc::new();
    crc.update(&plain);
    (crc.sum().to_le_bytes() == trailer[..4]).then_some(plain)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    #[test]
    fn what_it_compresses_any_gzip_reader_reads_and_it_reads_back() {
        let plain = "Tổng số điểm là 12 trong 3 đánh giá. ".repeat(200);
        let gzipped = super::compress(plain.as_bytes()).unwrap();
        assert!(gzipped.len() < plain.len() / 10);
        let mut read = String::new();
        flate2::read::GzDecoder::new(&gzipped[..]).read_to_string(&mut read).unwrap();
        assert_eq!(read, plain);
        assert_eq!(super::inflate(&gzipped).unwrap(), plain.as_bytes());
        assert_eq!(super::inflate(&super::compress(b"").unwrap()).unwrap(), b"");
    }

    #[test]
    fn damaged_data_is_refused() {
        let mut gzipped = super::compress("Nguồn tin: Báo Tuyên Quang".as_bytes()).unwrap();
        assert!(super::inflate(&gzipped[..gzipped.len() - 1]).is_none());
        let last = gzipped.len() - 5;
        gzipped[last] ^= 1;
        assert!(super::inflate(&gzipped).is_none(), "a wrong CRC-32");
        assert!(super::inflate(b"").is_none());
        assert!(super::inflate(b"plain text, not gzip").is_none());
    }
}
