//! PNG encoding for plots: 8-bit palette indices, every row "Up"-filtered (stored as its difference from
//! the row above, so that what repeats from row to row becomes zeros) and compressed with
//! `fdeflate`, which is made for exactly that. The scratch memory is kept from one image to
//! the next, so that a report's plots after the first touch no fresh memory.

use std::io;

/// The filter type byte that starts every row: "Up".
const UP: u8 = 2;

/// Encodes indexed-colour images to PNG, keeping its scratch memory for the next image.
#[derive(Debug, Default)]
pub struct PngEncoder {
    /// One filtered row, after its filter type byte.
    row: Vec<u8>,
    out: Vec<u8>,
}

impl PngEncoder {
    /// An encoder whose output memory for a file of up to `bytes` is mapped already.
    pub fn with_room(bytes: usize) -> PngEncoder {
        // Written with a byte that is not zero, so that the pages are there: zeroed memory may
        // be left unmapped until its first use.
        let mut out = vec![u8::MAX; bytes];
        out.clear();
        PngEncoder { row: Vec::new(), out }
    }

    /// The PNG file of `pixels`, `width` × `height` indices into `palette`, row after row;
    /// `None` when the sizes do not fit together or the palette is empty or too long.
    pub fn encode(
        &mut self,
        pixels: &[u8],
        palette: &[[u8; 3]],
        width: u32,
        height: u32,
    ) -> Option<&[u8]> {
        let stride = width as usize;
        let fits = pixels.len() == stride * height as usize && (1..=256).contains(&palette.len());
        if width == 0 || height == 0 || !fits {
            return None;
        }
        self.out.clear();
        self.out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        let mut header = [0u8; 13];
        header[..4].copy_from_slice(&width.to_be_bytes());
        header[4..8].copy_from_slice(&height.to_be_bytes());
        header[8..].copy_from_slice(&[8, 3, 0, 0, 0]); // 8-bit indexed, deflate, filtered rows
        chunk(&mut self.out, b"IHDR", &header);
        chunk(&mut self.out, b"PLTE", palette.as_flattened());
        let start = self.out.len();
        self.out.extend_from_slice(&[0, 0, 0, 0]);
        self.out.extend_from_slice(b"IDAT");
        compress(&mut self.out, &mut self.row, pixels, stride).ok()?;
        let length = u32::try_from(self.out.len() - start - 8).ok()?;
        self.out[start..start + 4].copy_from_slice(&length.to_be_bytes());
        let crc = crc32fast::hash(&self.out[start + 4..]);
        self.out.extend_from_slice(&crc.to_be_bytes());
        chunk(&mut self.out, b"IEND", &[]);
        Some(&self.out)
    }
}

/// Appends the zlib stream of the filtered rows of `pixels` to `out`.
fn compress(out: &mut Vec<u8>, row: &mut Vec<u8>, pixels: &[u8], stride: usize) -> io::Result<()> {
    row.clear();
    row.resize(1 + stride, 0);
    row[0] = UP;
    let mut compressor = fdeflate::Compressor::new(out)?;
    let mut above: &[u8] = &[];
    for line in pixels.chunks_exact(stride) {
        if above.is_empty() {
            row[1..].copy_from_slice(line); // "Up" from nothing: the row itself
        } else {
            for ((f, &now), &up) in row[1..].iter_mut().zip(line).zip(above) {
                *f = now.wrapping_sub(up);
            }
        }
        compressor.write_data(row)?;
        above = line;
    }
    compressor.finish()?;
    Ok(())
}

/// Appends a PNG chunk.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RGB pixels of a PNG, with its size.
    fn decode(png_bytes: &[u8]) -> (Vec<u8>, u32, u32) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().expect("a valid PNG");
        let mut pixels = vec![0; reader.output_buffer_size().expect("size fits")];
        let info = reader.next_frame(&mut pixels).expect("one frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        pixels.truncate(info.buffer_size());
        (pixels, info.width, info.height)
    }

    /// A small deterministic generator, so that the test needs no randomness crate.
    fn noise(seed: &mut u64) -> u8 {
        *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (*seed >> 56) as u8
    }

    #[test]
    fn round_trips_through_a_decoder() {
        let mut encoder = PngEncoder::default();
        let mut seed = 7;
        let palette: Vec<[u8; 3]> = (0..=255u8).map(|v| [v, 255 - v, v / 2]).collect();
        let cases: [(u32, u32, u8); 6] =
            [(1, 1, 0), (3, 2, 1), (64, 40, 2), (200, 90, 3), (800, 450, 4), (5, 300, 5)];
        for (w, h, kind) in cases {
            let mut pixels = vec![0u8; (w * h) as usize];
            for (i, v) in pixels.iter_mut().enumerate() {
                *v = match kind {
                    0 => 7,
                    1 => noise(&mut seed),
                    2 if i % 97 < 20 => noise(&mut seed),
                    3 | 4 if i % 17 == 0 => 30,
                    5 => (i % 3 * 40) as u8,
                    _ => *v,
                };
            }
            let png = encoder.encode(&pixels, &palette, w, h).expect("sizes fit").to_vec();
            let (back, bw, bh) = decode(&png);
            assert_eq!((bw, bh), (w, h));
            let expected: Vec<u8> = pixels.iter().flat_map(|&i| palette[usize::from(i)]).collect();
            assert_eq!(back, expected, "{w}×{h} kind {kind}");
        }
    }

    #[test]
    fn refuses_sizes_that_do_not_fit() {
        let mut encoder = PngEncoder::default();
        let palette = [[0, 0, 0]];
        assert!(encoder.encode(&[0; 5], &palette, 2, 2).is_none());
        assert!(encoder.encode(&[], &palette, 0, 0).is_none());
        assert!(encoder.encode(&[0; 4], &[], 2, 2).is_none());
        assert!(encoder.encode(&[0; 4], &[[0, 0, 0]; 257], 2, 2).is_none());
    }
}
