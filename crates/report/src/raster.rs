//! The PNG drawing backend: plotters' `BitMapBackend` with its own text path.
//!
//! plotters' built-in `ab_glyph` text drops each glyph's left side bearing (letters bunch up
//! unevenly) and rasterises every glyph of every label from its outline again. Here each glyph
//! is rasterised once per size and kept, then blended into place at its proper offset; the
//! layout (width, anchor) still comes from plotters, so text lines up as it does in the SVG.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};
use plotters::backend::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

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

/// `BitMapBackend` with cached, correctly spaced text.
pub struct Raster<'a>(pub BitMapBackend<'a>);

impl std::fmt::Debug for Raster<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Raster")
    }
}

type Result<T, E> = std::result::Result<T, DrawingErrorKind<E>>;
type BitMapError = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

impl DrawingBackend for Raster<'_> {
    type ErrorType = BitMapError;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), BitMapError> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), BitMapError> {
        self.0.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), BitMapError> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), BitMapError> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), BitMapError> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    /// A wide line is drawn as `width` one-pixel lines side by side, offset across each
    /// segment's main direction: much cheaper than plotters' polygon per segment, and the same
    /// to the eye at two or three pixels.
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), BitMapError> {
        let width = style.stroke_width() as i32;
        if width <= 1 {
            return self.0.draw_path(path, style);
        }
        let colour = style.color();
        let points: Vec<BackendCoord> = path.into_iter().collect();
        for pair in points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let flat = (b.0 - a.0).abs() >= (b.1 - a.1).abs();
            for k in -(width - 1) / 2..=width / 2 {
                let (dx, dy) = if flat { (0, k) } else { (k, 0) };
                self.0.draw_line((a.0 + dx, a.1 + dy), (b.0 + dx, b.1 + dy), &colour)?;
            }
        }
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), BitMapError> {
        self.0.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), BitMapError> {
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
                for (i, &cover) in g.coverage.iter().enumerate().filter(|(_, c)| **c > 0) {
                    let (x, y) = (origin.0 + (i % g.width) as i32, origin.1 + (i / g.width) as i32);
                    let (x, y) = transform.transform(x, y);
                    let alpha = colour.alpha * f64::from(cover) / 255.0;
                    self.0.draw_pixel(
                        (pos.0 + x, pos.1 + y),
                        BackendColor { alpha, rgb: colour.rgb },
                    )?;
                }
            }
            pen += scaled.h_advance(id);
        }
        Ok(())
    }
}
