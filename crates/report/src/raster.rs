//! The PNG drawing backend: a buffer of palette indices that plotters draws into (see
//! [`crate::palette`]), with integer blending and its own text path.
//!
//! It puts down the pixels plotters' `BitMapBackend` would (the same anti-aliased line steps),
//! with each blend rounded to the palette's steps of opacity, and without a float alpha and a
//! libm call per pixel. plotters' built-in `ab_glyph` text drops each glyph's left side
//! bearing (letters bunch up unevenly) and rasterises every glyph of every label from its
//! outline again. Here each glyph is rasterised
//! once per size and kept, then blended into place at its proper offset; the layout (width,
//! anchor) still comes from plotters, so text lines up as it does in the SVG.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

use crate::palette::Palette;

/// Where the baseline sits below the top of plotters' layout box, as a fraction of the font
/// size (the SVG backend's `dy` puts it at about the same place).
const BASELINE: f64 = 0.64;

fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(ttf_noto_sans::REGULAR).expect("the embedded font parses")
    })
}

/// A rasterised glyph: coverage (0–255) of a `width` × `height` box whose top-left corner is
/// `(left, top)` from the pen position on the baseline.
#[derive(Debug)]
struct Glyph {
    left: i32,
    top: i32,
    width: usize,
    coverage: Vec<u8>,
}

/// Glyphs by (glyph id, size in bits of f32). Shared by all threads: rasterising is a pure
/// function of the key, so which thread fills an entry does not change any pixel.
type GlyphCache = Mutex<BTreeMap<(u16, u32), Option<Arc<Glyph>>>>;

fn glyph(id: GlyphId, size: f32) -> Option<Arc<Glyph>> {
    static CACHE: OnceLock<GlyphCache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (id.0, size.to_bits());
    if let Some(found) = cache.lock().expect("glyph cache").get(&key) {
        return found.clone();
    }
    let rasterised = rasterise(id, size).map(Arc::new);
    cache.lock().expect("glyph cache").insert(key, rasterised.clone());
    rasterised
}

fn rasterise(id: GlyphId, size: f32) -> Option<Glyph> {
    let outline =
        font().outline_glyph(id.with_scale_and_position(PxScale::from(size), point(0.0, 0.0)))?;
    let bounds = outline.px_bounds();
    let width = bounds.width() as usize;
    let height = bounds.height() as usize;
    let mut coverage = vec![0u8; width * height];
    outline.draw(|x, y, c| {
        if let Some(cell) = coverage.get_mut(y as usize * width + x as usize) {
            *cell = (c.clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    });
    Some(Glyph { left: bounds.min.x as i32, top: bounds.min.y as i32, width, coverage })
}

/// Rasterises the glyphs of `chars` at `size` into the cache.
pub fn warm_up(chars: &str, size: f64) {
    let scaled = font().as_scaled(size as f32);
    for c in chars.chars() {
        let _ = glyph(scaled.glyph_id(c), size as f32);
    }
}

/// How a colour of some opacity lands on a pixel, with plotters' bitmap arithmetic: nearly
/// opaque replaces it, anything else blends in 1/256 steps.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Ink {
    Skip,
    Opaque,
    Blend(u32),
}

impl Ink {
    #[inline]
    fn of(alpha: f64) -> Ink {
        if alpha >= 1.0 - 1.0 / 256.0 {
            Ink::Opaque
        } else if alpha <= 0.0 {
            Ink::Skip
        } else {
            // `alpha * 256` is in (0, 255) here, so the cast is its floor; NaN becomes 0.
            Ink::Blend((alpha * 256.0) as u32)
        }
    }
}

/// `v.floor()` without a call into libm; exact for every value a line coordinate can take.
#[inline]
fn floor(v: f64) -> f64 {
    let t = v as i64 as f64;
    if t > v { t - 1.0 } else { t }
}

/// A canvas of palette indices that draws what plotters' `BitMapBackend` draws, with
/// integer blending rounded to the palette's levels, no per-pixel calls, and cached, correctly
/// spaced text.
pub struct Raster<'a> {
    pixels: &'a mut [u8],
    palette: &'a mut Palette,
    width: i32,
    height: i32,
}

impl std::fmt::Debug for Raster<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Raster")
    }
}

/// Drawing into memory cannot fail.
type Result<T> = std::result::Result<T, DrawingErrorKind<std::convert::Infallible>>;

impl<'a> Raster<'a> {
    /// A canvas over `pixels`, `width` × `height` indices into `palette`, row by row; pixels
    /// beyond the end of a short buffer are left out.
    pub fn new(pixels: &'a mut [u8], palette: &'a mut Palette, width: u32, height: u32) -> Self {
        let rows = (pixels.len() / width.max(1) as usize).min(height as usize);
        Raster { pixels, palette, width: width as i32, height: rows as i32 }
    }

    #[inline]
    fn index(&self, x: i32, y: i32) -> Option<usize> {
        let inside = x >= 0 && y >= 0 && x < self.width && y < self.height;
        inside.then(|| y as usize * self.width as usize + x as usize)
    }

    #[inline]
    fn put(&mut self, x: i32, y: i32, (r, g, b): (u8, u8, u8), ink: Ink) {
        let Some(i) = self.index(x, y) else { return };
        let Some(p) = self.pixels.get_mut(i) else { return };
        match ink {
            Ink::Skip => {}
            Ink::Opaque => *p = self.palette.index([r, g, b]),
            Ink::Blend(a) => *p = self.palette.mix(*p, [r, g, b], a),
        }
    }

    /// The pixel span of the rectangle with corners `a` and `b` (exclusive of the larger
    /// coordinates), clipped to the canvas.
    fn span(&self, a: BackendCoord, b: BackendCoord) -> Option<(usize, usize, usize, usize)> {
        let (x0, y0) = (a.0.min(b.0).max(0), a.1.min(b.1).max(0));
        let (x1, y1) = (a.0.max(b.0).min(self.width), a.1.max(b.1).min(self.height));
        (x0 < x1 && y0 < y1).then_some((x0 as usize, y0 as usize, x1 as usize, y1 as usize))
    }

    fn fill_rect(&mut self, a: BackendCoord, b: BackendCoord, (r, g, b_): (u8, u8, u8)) {
        let Some(span) = self.span(a, b) else { return };
        let colour = self.palette.index([r, g, b_]);
        rows(self.pixels, self.width, span).for_each(|row| row.fill(colour));
    }

    /// plotters' translucent fill: every pixel moved `alpha` of the way to the colour. All
    /// pixels of one colour become the same colour, so each is worked out once.
    fn blend_rect(&mut self, a: BackendCoord, b: BackendCoord, rgb: (u8, u8, u8), alpha: f64) {
        let alpha = alpha.clamp(0.0, 1.0);
        if alpha == 0.0 {
            return;
        }
        let Some(span) = self.span(a, b) else { return };
        let a = (256.0 * alpha).floor() as u32;
        let colour = [rgb.0, rgb.1, rgb.2];
        let mut became: [Option<u8>; 256] = [None; 256];
        let palette = &mut *self.palette;
        for p in rows(self.pixels, self.width, span).flatten() {
            *p = *became[usize::from(*p)].get_or_insert_with(|| palette.tint(*p, colour, a));
        }
    }

    fn fill_vertical(&mut self, x: i32, (mut y0, mut y1): (i32, i32), rgb: (u8, u8, u8)) {
        if x < 0 || x >= self.width {
            return;
        }
        if y0 > y1 {
            std::mem::swap(&mut y0, &mut y1);
        }
        for y in y0.max(0)..=y1.min(self.height - 1) {
            self.put(x, y, rgb, Ink::Opaque);
        }
    }

    /// plotters' one-pixel line that is neither horizontal nor vertical: two pixels per step
    /// along the main direction, shaded by where the line passes between them. The position
    /// across is stepped in 32.32 fixed point, not in floating point as plotters does: the
    /// same pixels, but for a shade one 256th apart where the two round differently.
    fn slanted_line(&mut self, from: BackendCoord, to: BackendCoord, colour: BackendColor) {
        let steep = (from.0 - to.0).abs() < (from.1 - to.1).abs();
        let (from, to) = if steep { ((from.1, from.0), (to.1, to.0)) } else { (from, to) };
        let (from, to) = if from.0 > to.0 { (to, from) } else { (from, to) };
        let limit = if steep { (self.height, self.width) } else { (self.width, self.height) };
        let grad = f64::from(to.1 - from.1) / f64::from(to.0 - from.0);
        let mut put = |x: i32, y: i32, ink: Ink| {
            if steep { self.put(y, x, colour.rgb, ink) } else { self.put(x, y, colour.rgb, ink) }
        };
        let shade = |share: f64| Ink::of(colour.alpha * share);
        let y_steps = floor(f64::from(to.1.min(limit.1 - 1).max(0) - from.1) / grad) as i32;
        let start = (f64::from(from.1.min(limit.1 - 2).max(0) - from.1) / grad).abs().ceil() as i32
            + from.0;
        let end = to.0.min(limit.0 - 2).min(from.0 + y_steps - 1);
        let mut y = fixed(f64::from(from.1) + f64::from(start - from.0) * grad);
        let step = fixed(grad);
        for x in start..=end {
            let (row, top, below) = step_inks(y, colour.alpha);
            put(x, row, top);
            put(x, row + 1, below);
            y += step;
        }
        let y = y as f64 / FIXED_ONE;
        if to.0 > end && y < f64::from(to.1) {
            if 1.0 + floor(y) - y > 1e-5 {
                put(end + 1, y as i32, shade(1.0 + floor(y) - y));
            }
            if y - floor(y) > 1e-5 && y + 1.0 < f64::from(to.1) {
                put(end + 1, y as i32 + 1, shade(y - floor(y)));
            }
        }
    }
}

/// The rows of the rectangle `(x0, y0, x1, y1)` of a canvas `width` pixels wide, each cut to
/// its columns.
fn rows(
    pixels: &mut [u8],
    width: i32,
    (x0, y0, x1, y1): (usize, usize, usize, usize),
) -> impl Iterator<Item = &mut [u8]> {
    let rows = pixels.chunks_exact_mut(width.max(1) as usize).skip(y0).take(y1 - y0);
    rows.map(move |row| &mut row[x0..x1])
}

/// One in 32.32 fixed point.
const FIXED_ONE: f64 = 4_294_967_296.0;

/// `v` in 32.32 fixed point.
fn fixed(v: f64) -> i64 {
    (v * FIXED_ONE) as i64
}

/// The pixel row a slanted line passes at `y` (32.32 fixed point), and how it shades that pixel
/// and the one below, for a line of opacity `alpha`: [`Ink::of`] the two shares, in integers
/// for an opaque line.
#[inline]
fn step_inks(y: i64, alpha: f64) -> (i32, Ink, Ink) {
    let row = (y >> 32) as i32;
    if alpha < 1.0 {
        let below = (y & 0xffff_ffff) as f64 / FIXED_ONE;
        return (row, Ink::of(alpha * (1.0 - below)), Ink::of(alpha * below));
    }
    // The share below in 256ths, rounded down, and whether nothing was lost in rounding.
    let below = ((y >> 24) & 0xff) as u32;
    let exact = y & 0xff_ffff == 0;
    let top = match (below, exact) {
        (0, _) | (1, true) => Ink::Opaque,
        (_, true) => Ink::Blend(256 - below),
        _ => Ink::Blend(255 - below),
    };
    let bottom = match (below, exact) {
        (0, true) => Ink::Skip,
        _ => Ink::Blend(below),
    };
    (row, top, bottom)
}

impl DrawingBackend for Raster<'_> {
    type ErrorType = std::convert::Infallible;

    fn get_size(&self) -> (u32, u32) {
        (self.width as u32, self.height as u32)
    }

    fn ensure_prepared(&mut self) -> Result<()> {
        Ok(())
    }

    fn present(&mut self) -> Result<()> {
        Ok(())
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<()> {
        self.put(point.0, point.1, color.rgb, Ink::of(color.alpha));
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<()> {
        let colour = style.color();
        if style.stroke_width() != 1 {
            return plotters_backend::rasterizer::draw_line(self, from, to, style);
        }
        if from.0 == to.0 || from.1 == to.1 {
            let end = (to.0 + 1, to.1 + 1);
            if colour.alpha < 1.0 {
                self.blend_rect(from, end, colour.rgb, colour.alpha);
            } else if from.1 == to.1 {
                self.fill_rect(from, end, colour.rgb);
            } else {
                self.fill_vertical(from.0, (from.1, to.1), colour.rgb);
            }
        } else if colour.alpha != 0.0 {
            self.slanted_line(from, to, colour);
        }
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<()> {
        let colour = style.color();
        match (fill, colour.alpha >= 1.0) {
            (true, true) => self.fill_rect(upper_left, bottom_right, colour.rgb),
            (true, false) => self.blend_rect(upper_left, bottom_right, colour.rgb, colour.alpha),
            (false, _) => plotters_backend::rasterizer::draw_rect(
                self,
                upper_left,
                bottom_right,
                style,
                fill,
            )?,
        }
        Ok(())
    }

    /// A wide line is drawn as `width` one-pixel lines side by side, offset across each
    /// segment's main direction: much cheaper than plotters' polygon per segment, and the same
    /// to the eye at two or three pixels.
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<()> {
        let colour = style.color();
        let width = style.stroke_width() as i32;
        if colour.alpha == 0.0 || width == 0 {
            return Ok(());
        }
        let points: Vec<BackendCoord> = path.into_iter().collect();
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let flat = (b.0 - a.0).abs() >= (b.1 - a.1).abs();
            for k in -(width - 1) / 2..=width / 2 {
                let (dx, dy) = if flat { (0, k) } else { (k, 0) };
                self.draw_line((a.0 + dx, a.1 + dy), (b.0 + dx, b.1 + dy), &colour)?;
            }
        }
        Ok(())
    }

    /// Each glyph's cached coverage blended straight into the pixels, at the glyph's own
    /// offset; the layout box (width, anchor) comes from plotters, as in the SVG.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<()> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) =
            style.layout_box(text).map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let inks: [Ink; 256] =
            std::array::from_fn(|c| Ink::of(colour.alpha * f64::from(c as u8) / 255.0));
        let transform = style.transform();
        let size = style.size() as f32;
        let scaled = font().as_scaled(size);
        let baseline = (style.size() * BASELINE).round() as i32;
        let mut pen = 0f32;
        let mut previous: Option<GlyphId> = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                pen += scaled.kern(p, id);
            }
            previous = Some(id);
            if let Some(g) = glyph(id, size) {
                let origin = (pen.round() as i32 + g.left + dx, baseline + g.top + dy);
                for (row, line) in g.coverage.chunks(g.width.max(1)).enumerate() {
                    for (col, &cover) in line.iter().enumerate().filter(|(_, c)| **c > 0) {
                        let (x, y) = (origin.0 + col as i32, origin.1 + row as i32);
                        let (x, y) = transform.transform(x, y);
                        self.put(pos.0 + x, pos.1 + y, colour.rgb, inks[usize::from(cover)]);
                    }
                }
            }
            pen += scaled.h_advance(id);
        }
        Ok(())
    }
}
