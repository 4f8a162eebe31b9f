//! A small inline-SVG line of one check's value across the builds (source
//! first), with the source's tolerance band, so a drift or a one-off
//! outlier is visible without opening anything.

use serde::Serialize;

const WIDTH: f64 = 96.0;
const HEIGHT: f64 = 24.0;
const PAD: f64 = 3.0;

/// One point of the line.
#[derive(Debug, Serialize)]
pub struct Dot {
    /// Horizontal position.
    pub x: f64,
    /// Vertical position.
    pub y: f64,
    /// Status key colouring the dot (`source` for the first).
    pub key: &'static str,
}

/// Geometry of one sparkline (numbers only; the template draws it).
#[derive(Debug, Serialize)]
pub struct Sparkline {
    /// Width of the drawing.
    pub width: f64,
    /// Height of the drawing.
    pub height: f64,
    /// Polyline point lists, split where a build has no value.
    pub segments: Vec<String>,
    /// The points.
    pub dots: Vec<Dot>,
    /// Tolerance band around the source: (top, height).
    pub band: Option<(f64, f64)>,
    /// Text of the values, for the hover title.
    pub title: String,
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Draws `values` (None where a build has no value) with each point's
/// status key, the optional `band` (low, high) and `labels` for the title.
pub fn draw(
    values: &[Option<f64>],
    keys: &[&'static str],
    band: Option<(f64, f64)>,
    labels: &[String],
) -> Sparkline {
    let finite: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .chain(band.into_iter().flat_map(|(low, high)| [low, high]))
        .filter(|v| v.is_finite())
        .collect();
    let low = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let high = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if high > low { high - low } else { 1.0 };
    let y_of = |v: f64| {
        if high > low {
            round(PAD + (high - v) / span * (HEIGHT - 2.0 * PAD))
        } else {
            HEIGHT / 2.0
        }
    };
    let step = if values.len() > 1 {
        (WIDTH - 2.0 * PAD) / (values.len() - 1) as f64
    } else {
        0.0
    };
    let mut segments = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut dots = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match value.filter(|v| v.is_finite()) {
            Some(v) => {
                let (x, y) = (round(PAD + i as f64 * step), y_of(v));
                current.push(format!("{x},{y}"));
                dots.push(Dot {
                    x,
                    y,
                    key: keys.get(i).copied().unwrap_or("equal"),
                });
            }
            None if !current.is_empty() => segments.push(std::mem::take(&mut current).join(" ")),
            None => {}
        }
    }
    if !current.is_empty() {
        segments.push(current.join(" "));
    }
    let band = band
        .filter(|(l, h)| l.is_finite() && h.is_finite() && high > low)
        .map(|(l, h)| (y_of(h), round(y_of(l) - y_of(h))));
    let title = labels
        .iter()
        .zip(values)
        .map(|(label, value)| match value {
            Some(v) => format!("{label}: {}", compact(*v)),
            None => format!("{label}: none"),
        })
        .collect::<Vec<_>>()
        .join("\n");
    Sparkline {
        width: WIDTH,
        height: HEIGHT,
        segments,
        dots,
        band,
        title,
    }
}

/// A value with as many decimals as its size warrants.
pub fn compact(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 1000.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 0.01 || magnitude == 0.0 {
        format!("{value:.3}")
    } else {
        // Three decimals would show a tiny value as 0.000.
        format!("{value:.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_the_line_and_scale_fits() {
        let values = [Some(10.0), None, Some(20.0), Some(15.0)];
        let keys = ["source", "error", "loss", "equal"];
        let labels: Vec<String> = ["1", "2", "3", "4"].map(String::from).to_vec();
        let line = draw(&values, &keys, None, &labels);
        assert_eq!(line.segments.len(), 2);
        assert_eq!(line.dots.len(), 3);
        assert_eq!(line.dots[1].y, PAD);
        assert_eq!(line.dots[0].y, HEIGHT - PAD);
        assert!(line.title.contains("2: none"));
        let flat = draw(&[Some(1.0), Some(1.0)], &keys, None, &labels);
        assert_eq!(compact(0.000123), "1.23e-4");
        assert_eq!(compact(0.0), "0.000");
        assert_eq!(compact(-12.34), "-12.3");
        assert_eq!(flat.dots[0].y, HEIGHT / 2.0);
    }
}
