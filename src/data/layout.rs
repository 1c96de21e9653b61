//! How a table's columns are read: as a plain vector, an image or a sequence. Parses what a
//! student types (`28x28`, `3x32x32`, `40`, `40x3`) and guesses the layout from the column count
//! and names (784 columns, `pixel0..`, `p_3_4`, `t0..`), so the studio can suggest it.

use super::{DataError, Dataset, InputShape};

/// The largest side, step count or channel count a typed layout may give.
const MAX_SIDE: usize = 4096;

impl InputShape {
    /// `HxW` (one channel) or `CxHxW`: pixels row by row, channel after channel.
    pub fn parse_image(text: &str) -> Result<Self, String> {
        match sizes(text, "--image")?[..] {
            [height, width] => Ok(InputShape::Image { channels: 1, height, width }),
            [channels, height, width] => Ok(InputShape::Image { channels, height, width }),
            _ => Err(format!("--image takes HxW or CxHxW (e.g. 28x28 or 3x32x32), got '{text}'")),
        }
    }

    /// `T` (one channel) or `TxC`: steps one after another, each step's channels together.
    pub fn parse_sequence(text: &str) -> Result<Self, String> {
        match sizes(text, "--sequence")?[..] {
            [steps] => Ok(InputShape::Sequence { steps, channels: 1 }),
            [steps, channels] => Ok(InputShape::Sequence { steps, channels }),
            _ => Err(format!("--sequence takes T or TxC (e.g. 40 or 40x3), got '{text}'")),
        }
    }

    /// In words, e.g. "image 28×28", "image 3×32×32", "sequence of 40", "vector".
    pub fn describe(self) -> String {
        match self {
            InputShape::Vector => "vector".into(),
            InputShape::Image { channels: 1, height, width } => format!("image {height}×{width}"),
            InputShape::Image { channels, height, width } => format!("image {channels}×{height}×{width}"),
            InputShape::Sequence { steps, channels: 1 } => format!("sequence of {steps}"),
            InputShape::Sequence { steps, channels } => format!("sequence of {steps} steps × {channels}"),
        }
    }

    /// The layout the columns suggest: square pixel counts named like pixels (or 784 of any
    /// name, the MNIST width), or columns named like time steps. `None` when nothing suggests one.
    pub fn suggested(names: &[String]) -> Option<Self> {
        let n = names.len();
        if n < 4 {
            return None;
        }
        let lower: Vec<String> = names.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
        let all = |pattern: fn(&str) -> bool| lower.iter().all(|s| pattern(s));
        let side = (n as f64).sqrt().round() as usize;
        let square = side * side == n;
        let pixel_like = all(|s| {
            let digits =
                s.trim_start_matches(|c: char| c.is_ascii_alphabetic()).trim_start_matches(['_', '-']);
            (s.starts_with("pixel") || s.starts_with("px") || s.starts_with('p'))
                && !digits.is_empty()
                && digits
                    .split(['_', 'x', '-'])
                    .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        });
        if square && (n == 784 || pixel_like) {
            return Some(InputShape::Image { channels: 1, height: side, width: side });
        }
        let step_like = all(|s| {
            let digits = s.strip_prefix("step").or_else(|| s.strip_prefix('t')).unwrap_or("");
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        });
        step_like.then_some(InputShape::Sequence { steps: n, channels: 1 })
    }
}

impl InputShape {
    /// The layouts a table of these columns can be read as, the suggested one (if any) first
    /// after the plain vector: square images (grey, or three colour channels) and sequences of
    /// one to eight channels.
    pub fn choices(names: &[String]) -> Vec<Self> {
        let n = names.len();
        let mut out = vec![InputShape::Vector];
        out.extend(Self::suggested(names));
        let square = |m: usize| {
            let side = (m as f64).sqrt().round() as usize;
            (side >= 2 && side * side == m).then_some(side)
        };
        if let Some(side) = square(n) {
            out.push(InputShape::Image { channels: 1, height: side, width: side });
        }
        if n % 3 == 0
            && let Some(side) = square(n / 3)
        {
            out.push(InputShape::Image { channels: 3, height: side, width: side });
        }
        for channels in [1, 2, 3, 4, 6, 8] {
            if n % channels == 0 && n / channels >= 2 {
                out.push(InputShape::Sequence { steps: n / channels, channels });
            }
        }
        let mut seen = Vec::new();
        out.retain(|shape| {
            let new = !seen.contains(shape);
            seen.push(*shape);
            new
        });
        out
    }
}

impl Dataset {
    /// Reads the rows as `shape`, with a message naming the layout and both column counts when
    /// they do not agree (`source` names where the rows came from).
    pub fn read_as(self, shape: InputShape, source: &str) -> Result<Self, DataError> {
        match shape.values() {
            Some(needed) if needed != self.n_features() => Err(DataError::Invalid(format!(
                "{source}: reading rows as {} needs {needed} feature columns, but there are {} (the target aside)",
                shape.describe(),
                self.n_features()
            ))),
            _ => self.with_input_shape(shape),
        }
    }
}

fn sizes(text: &str, flag: &str) -> Result<Vec<usize>, String> {
    text.trim()
        .split(['x', 'X', '×'])
        .map(|part| match part.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_SIDE).contains(&n) => Ok(n),
            _ => Err(format!("{flag}: '{part}' in '{text}' is not a size from 1 to {MAX_SIDE}")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Target;

    fn names(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    #[test]
    fn parses_images_and_sequences() {
        assert_eq!(
            InputShape::parse_image("28x28"),
            Ok(InputShape::Image { channels: 1, height: 28, width: 28 })
        );
        assert_eq!(
            InputShape::parse_image("3X32x16"),
            Ok(InputShape::Image { channels: 3, height: 32, width: 16 })
        );
        assert_eq!(InputShape::parse_sequence("40"), Ok(InputShape::Sequence { steps: 40, channels: 1 }));
        assert_eq!(InputShape::parse_sequence("40x3"), Ok(InputShape::Sequence { steps: 40, channels: 3 }));
        assert!(InputShape::parse_image("28").unwrap_err().contains("HxW"));
        assert!(InputShape::parse_image("0x5").unwrap_err().contains("'0'"));
        assert!(InputShape::parse_sequence("40xx3").is_err());
        assert!(InputShape::parse_sequence("99999999999999999999").is_err());
    }

    #[test]
    fn suggests_from_the_columns() {
        let mnist = InputShape::Image { channels: 1, height: 28, width: 28 };
        assert_eq!(InputShape::suggested(&names("pixel", 784)), Some(mnist));
        assert_eq!(InputShape::suggested(&names("c", 784)), Some(mnist));
        let grid: Vec<String> = (0..64).map(|i| format!("p_{}_{}", i / 8, i % 8)).collect();
        assert_eq!(
            InputShape::suggested(&grid),
            Some(InputShape::Image { channels: 1, height: 8, width: 8 })
        );
        assert_eq!(
            InputShape::suggested(&names("t", 40)),
            Some(InputShape::Sequence { steps: 40, channels: 1 })
        );
        assert_eq!(InputShape::suggested(&names("col", 16)), None);
        assert_eq!(InputShape::suggested(&names("pixel", 10)), None);
    }

    #[test]
    fn offers_the_layouts_that_fit_the_column_count() {
        let choices = InputShape::choices(&names("pixel", 48));
        assert_eq!(choices[0], InputShape::Vector);
        assert!(choices.contains(&InputShape::Image { channels: 3, height: 4, width: 4 }));
        assert!(choices.contains(&InputShape::Sequence { steps: 48, channels: 1 }));
        assert!(choices.contains(&InputShape::Sequence { steps: 6, channels: 8 }));
        assert!(!choices.iter().any(|c| matches!(c, InputShape::Image { channels: 1, .. })));
        // The suggestion comes right after the vector, and only once.
        let choices = InputShape::choices(&names("t", 40));
        assert_eq!(choices[1], InputShape::Sequence { steps: 40, channels: 1 });
        assert_eq!(choices.iter().filter(|c| **c == choices[1]).count(), 1);
    }

    #[test]
    fn a_layout_that_does_not_fit_names_both_counts() {
        let data =
            Dataset::new("t", names("x", 6), vec![0.0; 12], Target::Values(vec![0.0, 1.0]), "y").unwrap();
        let err = data.clone().read_as(InputShape::parse_image("2x2").unwrap(), "table.csv").unwrap_err();
        assert!(
            err.to_string()
                .contains("table.csv: reading rows as image 2×2 needs 4 feature columns, but there are 6"),
            "{err}"
        );
        let read = data.read_as(InputShape::parse_sequence("3x2").unwrap(), "table.csv").unwrap();
        assert_eq!(read.input_shape, InputShape::Sequence { steps: 3, channels: 2 });
    }
}
