//! The colours of one PNG plot, at most 256, so that each pixel is a one-byte index: a third of
//! the memory to fill and to compress that RGB would take.
//!
//! Anti-aliased edges and translucent bands make new colours by mixing an ink over what is
//! there. Mixes are rounded to a few steps of opacity (the eye does not tell 1/16 steps of an
//! anti-aliased edge from 1/256 ones), and an ink laid over its own mix (the two strokes of a
//! wide line) stays a mix of that ink over the same ground, so a plot's colours stay few. Over
//! a translucent band, edges take half the steps: several lines crossing overlapping bands
//! would otherwise make more colours than fit, and a band's tint hides the difference. A
//! plot that still needs more than 256 says so ([`Palette::overflowed`]) and is drawn again with
//! fewer steps; with the fewest, a further colour becomes the nearest one there is.
//!
//! Colours are numbered in the order they are first needed, so the palette of a plot is a pure
//! function of its drawing: the same chart gives the same bytes.

/// Steps of opacity a mix is rounded to, first choice first.
pub const LEVELS: [u32; 4] = [16, 8, 4, 2];
// `made_by_ink` has room for 16 levels.
const _: () = assert!(LEVELS[0] <= 16);

/// Most colours an indexed PNG can hold.
const MAX_COLOURS: usize = 256;

/// Slots of the table of known colours and mixes (a power of two). A plot needs a few hundred
/// entries; past three quarters full, new ones are computed each time rather than kept.
const SLOTS: usize = 4096;

/// Keys of the table: an exact colour, or an ink mixed over a palette entry at some level.
const EXACT: u64 = 1 << 40;
const MIX: u64 = 2 << 40;
const TINT: u64 = 3 << 40;

/// A mix: `ink` at `level` steps of opacity over the colour at `ground`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mix {
    ground: u8,
    ink: [u8; 3],
    level: u32,
}

/// A plot's colours, and the memory of which colour each mix came to.
#[derive(Debug, Clone)]
pub struct Palette {
    colours: Vec<[u8; 3]>,
    /// The edge each colour was made as, if it was made as one.
    made_as: Vec<Option<Mix>>,
    /// Steps of opacity an edge laid over each colour is rounded to (see
    /// [`Palette::steps_over`]), kept per colour because every edge pixel asks.
    steps: [u8; MAX_COLOURS],
    /// Steps of opacity.
    levels: u32,
    /// A colour was needed past the 256th.
    overflowed: bool,
    /// Past 256 colours, use the nearest rather than give up.
    nearest: bool,
    /// Open addressing: `key << 8 | index`, 0 for an empty slot (every key is non-zero).
    slots: Vec<u64>,
    used: usize,
    /// The last colour looked up exactly, and its index: lines and fills ask for one colour many
    /// times in a row.
    recent: Option<([u8; 3], u8)>,
    /// The ink of the last mix, and what it made over each colour at each level
    /// (`under * 16 + level`, `u16::MAX` when not known yet): a line or a label mixes one ink
    /// thousands of times before the next.
    ink: Option<[u8; 3]>,
    made_by_ink: Vec<u16>,
}

/// Entries of `made_by_ink`: 256 colours under, up to 16 levels.
const BY_INK: usize = 256 * 16;

impl Default for Palette {
    fn default() -> Self {
        Palette {
            colours: Vec::new(),
            made_as: Vec::new(),
            steps: [LEVELS[0] as u8; MAX_COLOURS],
            levels: LEVELS[0],
            overflowed: false,
            nearest: false,
            slots: vec![0; SLOTS],
            used: 0,
            recent: None,
            ink: None,
            made_by_ink: vec![u16::MAX; BY_INK],
        }
    }
}

impl Palette {
    /// A palette whose memory is mapped already (zeroed memory may be left unmapped until
    /// first used).
    pub fn mapped() -> Palette {
        let mut palette = Palette::default();
        palette.slots.fill(std::hint::black_box(0));
        palette
    }

    /// Forgets every colour, for the next plot, whose mixes take `levels` steps (1 to 16).
    /// Past 256 colours, a further one becomes the nearest there is when `nearest` is set;
    /// otherwise the palette is marked as overflowed.
    pub fn clear(&mut self, levels: u32, nearest: bool) {
        self.levels = levels.clamp(1, 16);
        self.nearest = nearest;
        self.overflowed = false;
        self.colours.clear();
        self.made_as.clear();
        if self.used > 0 {
            self.slots.fill(0);
        }
        self.used = 0;
        self.recent = None;
        self.ink = None;
    }

    /// Whether a colour was needed past the 256th (and the drawing is not to be used).
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// The colours, by index.
    pub fn colours(&self) -> &[[u8; 3]] {
        &self.colours
    }

    /// The index of `rgb`, added when new; past 256 colours see [`Palette::clear`].
    #[inline]
    pub fn index(&mut self, rgb: [u8; 3]) -> u8 {
        if self.overflowed {
            return 0;
        }
        if let Some((colour, index)) = self.recent
            && colour == rgb
        {
            return index;
        }
        let key = EXACT | rgb24(rgb);
        let index = match self.find(key) {
            Some(index) => index,
            None => {
                let index = self.add(rgb);
                self.remember(key, index);
                index
            }
        };
        self.recent = Some((rgb, index));
        index
    }

    /// The index of the colour `ink` makes laid at opacity `a`/256 over the colour at `under`.
    #[inline]
    pub fn mix(&mut self, under: u8, ink: [u8; 3], a: u32) -> u8 {
        let levels = self.steps_over(under);
        let level = match self.level_of(under, ink, a, levels) {
            Ok(level) => level,
            Err(done) => return done,
        };
        if self.ink != Some(ink) {
            self.ink = Some(ink);
            self.made_by_ink.fill(u16::MAX);
        }
        let slot = usize::from(under) * 16 + level as usize;
        if let Some(&made) = self.made_by_ink.get(slot)
            && made != u16::MAX
        {
            return made as u8;
        }
        let index = self.mix_anew(under, ink, level, Some(levels));
        if let Some(made) = self.made_by_ink.get_mut(slot) {
            *made = u16::from(index);
        }
        index
    }

    /// The index of the colour `ink` makes when it tints the colour at `under` with opacity
    /// `a`/256, as a translucent area does: unlike an edge ([`Palette::mix`]), a tint mixes
    /// with whatever is there, and what it makes is a ground of its own for edges drawn on it.
    pub fn tint(&mut self, under: u8, ink: [u8; 3], a: u32) -> u8 {
        match self.level_of(under, ink, a, self.levels) {
            Ok(level) => self.mix_anew(under, ink, level, None),
            Err(done) => done,
        }
    }

    /// Steps of opacity for an edge laid over the colour at `under`: half as many over a
    /// translucent area (or over an edge on one) as elsewhere. Each ink's edges make a colour
    /// per step over each ground, and a plot with several lines across overlapping bands would
    /// otherwise need more than 256; over a tint the coarser steps do not show.
    #[inline]
    fn steps_over(&self, under: u8) -> u32 {
        u32::from(self.steps[usize::from(under)])
    }

    /// Opacity `a`/256 rounded to `levels` steps, strictly between none and full; or the
    /// index a mix at that opacity comes to without mixing (`under` itself when the mix is too
    /// faint to show or the palette overflowed, the ink when it is opaque).
    fn level_of(&mut self, under: u8, ink: [u8; 3], a: u32, levels: u32) -> Result<u32, u8> {
        let level = (a * levels + 128) / 256;
        if self.overflowed || level == 0 {
            Err(under)
        } else if level >= levels {
            Err(self.index(ink))
        } else {
            Ok(level)
        }
    }

    /// The mix of `ink` at `level` steps over the colour at `under`, as an anti-aliased edge
    /// (`edge` holds the steps it was rounded to) or as a tint (`None`: the palette's steps),
    /// worked out from the table of known mixes.
    fn mix_anew(&mut self, under: u8, ink: [u8; 3], mut level: u32, edge: Option<u32>) -> u8 {
        let levels = edge.unwrap_or(self.levels);
        let mut ground = under;
        let made_as = if edge.is_some() {
            self.made_as.get(usize::from(under)).copied().flatten()
        } else {
            None
        };
        if let Some(made) = made_as {
            if made.ink == ink {
                // The same ink over its own mix: one mix of the two opacities together.
                level = made.level + level - (made.level * level + levels / 2) / levels;
            } else if level < made.level {
                // A fainter edge over another ink's edge: the stronger shows.
                return under;
            }
            ground = made.ground;
        }
        if level >= levels {
            return self.index(ink);
        }
        let tag = if edge.is_some() { MIX } else { TINT };
        let key = tag | u64::from(level) << 32 | u64::from(ground) << 24 | rgb24(ink);
        if let Some(index) = self.find(key) {
            return index;
        }
        let base = self.colours.get(usize::from(ground)).copied().unwrap_or(ink);
        let share = level * 256 / levels;
        let mixed = [0, 1, 2].map(|c| blend(base[c], ink[c], share));
        let known = self.colours.len();
        let index = self.index(mixed);
        if self.colours.len() > known {
            // Edges laid over an edge mix over its ground, so it keeps that ground's steps; a
            // tint is a ground of its own, with half the steps.
            let (made, steps) = match edge {
                Some(_) => (Some(Mix { ground, ink, level }), levels),
                None => (None, (self.levels / 2).max(1)),
            };
            self.made_as[usize::from(index)] = made;
            self.steps[usize::from(index)] = steps as u8;
        }
        self.remember(key, index);
        index
    }

    fn slot_of(key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS.trailing_zeros())) as usize
    }

    fn find(&self, key: u64) -> Option<u8> {
        let mut slot = Self::slot_of(key);
        loop {
            let entry = self.slots[slot];
            if entry == 0 {
                return None;
            }
            if entry >> 8 == key {
                return Some(entry as u8);
            }
            slot = (slot + 1) & (SLOTS - 1);
        }
    }

    fn remember(&mut self, key: u64, index: u8) {
        if self.used >= SLOTS / 4 * 3 {
            return; // full enough: work it out again next time
        }
        let mut slot = Self::slot_of(key);
        while self.slots[slot] != 0 {
            slot = (slot + 1) & (SLOTS - 1);
        }
        self.slots[slot] = key << 8 | u64::from(index);
        self.used += 1;
    }

    /// A new colour's index; once there are 256, the nearest colour's, or (unless told to
    /// use the nearest) 0 with the palette marked as overflowed.
    fn add(&mut self, rgb: [u8; 3]) -> u8 {
        if self.colours.len() < MAX_COLOURS {
            let index = self.colours.len();
            self.colours.push(rgb);
            self.made_as.push(None);
            self.steps[index] = self.levels as u8;
            return index as u8;
        }
        if !self.nearest {
            self.overflowed = true;
            return 0;
        }
        let distance =
            |c: &[u8; 3]| -> u32 { (0..3).map(|i| u32::from(c[i].abs_diff(rgb[i])).pow(2)).sum() };
        let nearest = self.colours.iter().enumerate().min_by_key(|(i, c)| (distance(c), *i));
        nearest.map_or(0, |(i, _)| i as u8)
    }
}

fn rgb24([r, g, b]: [u8; 3]) -> u64 {
    u64::from(r) << 16 | u64::from(g) << 8 | u64::from(b)
}

/// `prev` moved `a`/256 of the way towards `new`.
#[inline]
pub fn blend(prev: u8, new: u8, a: u32) -> u8 {
    if new > prev {
        prev + (u32::from(new - prev) * a / 256) as u8
    } else {
        prev - (u32::from(prev - new) * a / 256) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: [u8; 3] = [255, 255, 255];
    const BLUE: [u8; 3] = [0, 114, 178];

    #[test]
    fn colours_are_numbered_in_the_order_they_are_first_needed() {
        let mut palette = Palette::default();
        assert_eq!(palette.index(WHITE), 0);
        assert_eq!(palette.index(BLUE), 1);
        assert_eq!(palette.index(WHITE), 0);
        assert_eq!(palette.colours(), [WHITE, BLUE]);
        palette.clear(16, false);
        assert_eq!(palette.index(BLUE), 0);
    }

    #[test]
    fn a_mix_is_rounded_to_a_level_and_remembered() {
        let mut palette = Palette::default();
        let white = palette.index(WHITE);
        // 100/256 rounds to 6/16: each channel moves 96/256 of the way to blue.
        let mixed = palette.mix(white, BLUE, 100);
        let expected = [0, 1, 2].map(|c| blend(WHITE[c], BLUE[c], 96));
        assert_eq!(palette.colours()[usize::from(mixed)], expected);
        // 95/256 rounds to the same level: the same entry, no new colour.
        assert_eq!(palette.mix(white, BLUE, 95), mixed);
        assert_eq!(palette.colours().len(), 2, "white and the one mix");
        // Too faint to show leaves the colour; nearly opaque is the ink itself.
        assert_eq!(palette.mix(white, BLUE, 7), white);
        let opaque = palette.mix(white, BLUE, 250);
        assert_eq!(palette.colours()[usize::from(opaque)], BLUE);
    }

    #[test]
    fn an_ink_over_its_own_mix_is_one_mix_of_both_opacities() {
        let mut palette = Palette::default();
        let white = palette.index(WHITE);
        let half = palette.mix(white, BLUE, 128);
        // Half over half is three quarters of blue over white, not a mix over a mix.
        let three_quarters = palette.mix(half, BLUE, 128);
        assert_eq!(three_quarters, palette.mix(white, BLUE, 192));
        let expected = [0, 1, 2].map(|c| blend(WHITE[c], BLUE[c], 192));
        assert_eq!(palette.colours()[usize::from(three_quarters)], expected);
    }

    #[test]
    fn over_a_tint_an_edge_takes_half_the_steps() {
        const ORANGE: [u8; 3] = [213, 94, 0];
        let mut palette = Palette::default();
        let white = palette.index(WHITE);
        let band = palette.tint(white, ORANGE, 56);
        // 7/16 and 8/16 of blue are two colours over the paper, one (4/8) over the band.
        assert_ne!(palette.mix(white, BLUE, 112), palette.mix(white, BLUE, 128));
        let over_band = palette.mix(band, BLUE, 128);
        assert_eq!(palette.mix(band, BLUE, 112), over_band);
        let expected =
            [0, 1, 2].map(|c| blend(palette.colours()[usize::from(band)][c], BLUE[c], 128));
        assert_eq!(palette.colours()[usize::from(over_band)], expected);
        // Fifteen 256ths round to a sixteenth over the paper, to nothing over the band.
        assert_ne!(palette.mix(white, BLUE, 15), white);
        assert_eq!(palette.mix(band, BLUE, 15), band);
    }

    #[test]
    fn past_256_colours_it_overflows_unless_told_to_use_the_nearest() {
        let mut palette = Palette::default();
        for v in 0..=255u8 {
            palette.index([v, 0, 0]);
        }
        assert!(!palette.overflowed());
        palette.index([100, 3, 1]);
        assert!(palette.overflowed());
        palette.clear(16, true);
        for v in 0..=255u8 {
            palette.index([v, 0, 0]);
        }
        assert_eq!(palette.colours().len(), 256);
        let near = palette.index([100, 3, 1]);
        assert_eq!(palette.colours()[usize::from(near)], [100, 0, 0]);
        assert_eq!(palette.colours().len(), 256);
        // A mix that makes a new colour also lands on the nearest.
        let grey = palette.mix(near, [0, 0, 250], 128);
        assert_eq!(palette.colours()[usize::from(grey)], [50, 0, 0]);
    }
}
