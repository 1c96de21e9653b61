//! The drawing backend of the report charts: plotters' bitmap backend for the shapes, and text
//! drawn here with ab_glyph from egui's own font (compiled in). Plotters' own text needs system
//! fonts on the desktop, and in the browser it asks the page's DOM and cannot draw into a bitmap
//! at all; drawing it here makes the PNGs the same everywhere, headless and in the browser too.

use ab_glyph::{Font, FontRef, PxScale, PxScaleFont, ScaleFont, point};
use plotters::backend::{BitMapBackend, DrawingBackend};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};

type Error = DrawingErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>;

/// An RGB buffer that plotters draws into, with the charts' font.
pub struct ChartBackend<'a> {
    bitmap: BitMapBackend<'a>,
    font: FontRef<'static>,
}

impl<'a> ChartBackend<'a> {
    /// Draws into `rgb`, three bytes a pixel, row-major, `size` = (width, height).
    pub fn new(rgb: &'a mut [u8], size: (u32, u32)) -> Result<Self, String> {
        let font = FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT)
            .map_err(|e| format!("the charts' font did not load: {e}"))?;
        Ok(Self { bitmap: BitMapBackend::with_buffer(rgb, size), font })
    }
}

/// Width and line height of `text`, in pixels.
fn measure(font: &PxScaleFont<&FontRef<'static>>, text: &str) -> (f32, f32) {
    let mut width = 0.0;
    let mut previous = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(previous) = previous {
            width += font.kern(previous, id);
        }
        width += font.h_advance(id);
        previous = Some(id);
    }
    (width, font.height())
}

/// How much ink a glyph pixel gets from its coverage: a little more than linear, so the light
/// face stays readable when printed.
fn ink(coverage: f32) -> f64 {
    f64::from(coverage.clamp(0.0, 1.0)).powf(0.75)
}

impl DrawingBackend for ChartBackend<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.bitmap.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error> {
        self.bitmap.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error> {
        self.bitmap.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error> {
        self.bitmap.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error> {
        self.bitmap.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error> {
        self.bitmap.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Result<(), Error> {
        self.bitmap.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), Error> {
        let (width, height) = measure(&self.font.as_scaled(PxScale::from(style.size() as f32)), text);
        Ok((width.ceil() as u32, height.ceil() as u32))
    }

    /// Lays the text out as plotters' own fonts do: the anchor picks the point of the text's box
    /// that lands on `pos`, then the box turns about `pos` by the style's transform.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Error> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let font = self.font.as_scaled(PxScale::from(style.size() as f32));
        let (width, height) = measure(&font, text);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let mut caret = dx;
        let mut previous = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(previous) = previous {
                caret += font.kern(previous, id);
            }
            let glyph = id.with_scale_and_position(font.scale(), point(caret, dy + font.ascent()));
            caret += font.h_advance(id);
            previous = Some(id);
            let Some(outline) = self.font.outline_glyph(glyph) else { continue };
            let bounds = outline.px_bounds();
            let (left, top) = (bounds.min.x as i32, bounds.min.y as i32);
            let mut result = Ok(());
            let bitmap = &mut self.bitmap;
            outline.draw(|x, y, coverage| {
                if result.is_ok() && coverage > 0.0 {
                    let (x, y) = transform.transform(left + x as i32, top + y as i32);
                    result = bitmap.draw_pixel((pos.0 + x, pos.1 + y), color.mix(ink(coverage)));
                }
            });
            result?;
        }
        Ok(())
    }
}
