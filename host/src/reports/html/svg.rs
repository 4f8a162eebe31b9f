//! Chart drawing as inline-SVG geometry: stacked bars of counts and box
//! plots (min, 1st quartile, median, 3rd quartile, max) per build, and the
//! pieces other charts are drawn with (the value scale, the value axis,
//! the shapes). Only numbers and class names are produced here; labels and
//! hover titles are text the template escapes (`chart` in
//! `templates/macros.html`).

use serde::Serialize;

/// Height of every chart.
pub const HEIGHT: f64 = 170.0;
/// Space above the plot area.
pub const TOP: f64 = 10.0;
/// Space below the plot area (for the labels of the builds).
pub const BOTTOM: f64 = 24.0;
const LEFT: f64 = 40.0;

/// One shape.
#[derive(Debug, Serialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Shape {
    /// A rectangle with a hover title.
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        class: &'static str,
        title: String,
    },
    /// A line.
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        class: &'static str,
    },
    /// A circle with a hover title.
    Circle {
        cx: f64,
        cy: f64,
        r: f64,
        class: &'static str,
        title: String,
    },
    /// A line through points `x,y x,y …`.
    Polyline { points: String, class: &'static str },
    /// A label.
    Text {
        x: f64,
        y: f64,
        text: String,
        anchor: &'static str,
    },
}

/// A drawing.
#[derive(Debug, Serialize)]
pub struct Svg {
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// Shapes in drawing order.
    pub shapes: Vec<Shape>,
}

/// One series: status key (class), name and one value per build.
pub struct Series<T> {
    /// Status key used as class.
    pub key: &'static str,
    /// Name for titles.
    pub name: &'static str,
    /// Per build.
    pub values: Vec<T>,
}

/// `v` rounded to a tenth of a pixel, enough for the eye and short.
pub fn r(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Values from `low` (bottom of the plot area) to `high` (its top).
pub struct Scale {
    pub low: f64,
    pub high: f64,
}

impl Scale {
    /// The vertical position of `v`.
    pub fn y(&self, v: f64) -> f64 {
        let span = if self.high > self.low {
            self.high - self.low
        } else {
            1.0
        };
        r(TOP + (self.high - v) / span * (HEIGHT - TOP - BOTTOM))
    }
}

/// The value axis: for each tick `(value, label)` a grid line from `left`
/// to `right` (the zero line drawn as an axis) and its label left of it.
pub fn y_axis(scale: &Scale, ticks: &[(f64, String)], left: f64, right: f64) -> Vec<Shape> {
    let mut shapes = Vec::new();
    for (tick, text) in ticks {
        let y = scale.y(*tick);
        let class = if *tick == 0.0 { "axis" } else { "grid" };
        shapes.push(Shape::Line {
            x1: left,
            y1: y,
            x2: right,
            y2: y,
            class,
        });
        shapes.push(Shape::Text {
            x: left - 4.0,
            y: y + 4.0,
            text: text.clone(),
            anchor: "end",
        });
    }
    shapes
}

fn frame(scale: &Scale, width: f64, labels: &[String], group: f64, shapes: &mut Vec<Shape>) {
    let mut ticks = vec![scale.low, scale.high];
    if scale.low < 0.0 && scale.high > 0.0 {
        ticks.push(0.0);
    }
    let ticks: Vec<(f64, String)> = ticks
        .into_iter()
        .map(|tick| {
            let text = if tick.abs() >= 100.0 || tick.fract() == 0.0 {
                format!("{tick:.0}")
            } else {
                format!("{tick:.1}")
            };
            (tick, text)
        })
        .collect();
    shapes.extend(y_axis(scale, &ticks, LEFT, width));
    for (i, label) in labels.iter().enumerate() {
        let x = r(LEFT + group * (i as f64 + 0.5));
        let text: String = label.chars().take(12).collect();
        shapes.push(Shape::Text {
            x,
            y: HEIGHT - 8.0,
            text,
            anchor: "middle",
        });
    }
}

/// Stacked bars of counts per build.
pub fn stacked_bars(labels: &[String], series: &[Series<usize>]) -> Svg {
    let group = 44.0;
    let width = LEFT + group * labels.len() as f64 + 4.0;
    let totals: Vec<usize> = (0..labels.len())
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let scale = Scale {
        low: 0.0,
        high: totals.iter().copied().max().unwrap_or(0).max(1) as f64,
    };
    let mut shapes = Vec::new();
    frame(&scale, width, labels, group, &mut shapes);
    for (i, label) in labels.iter().enumerate() {
        let mut base = 0usize;
        for s in series {
            let count = s.values.get(i).copied().unwrap_or(0);
            if count == 0 {
                continue;
            }
            let (top, bottom) = (scale.y((base + count) as f64), scale.y(base as f64));
            shapes.push(Shape::Rect {
                x: r(LEFT + group * i as f64 + 8.0),
                y: top,
                w: group - 16.0,
                h: r(bottom - top),
                class: s.key,
                title: format!("{label}: {count} {}", s.name),
            });
            base += count;
        }
    }
    Svg {
        width: r(width),
        height: HEIGHT,
        shapes,
    }
}

/// Box plots of [min, q1, median, q3, max] per build and series.
pub fn box_plot(labels: &[String], series: &[Series<Option<[f64; 5]>>]) -> Svg {
    let per = 12.0;
    let group = per * series.len() as f64 + 16.0;
    let width = LEFT + group * labels.len() as f64 + 4.0;
    let all = series
        .iter()
        .flat_map(|s| s.values.iter().flatten().flat_map(|v| [v[0], v[4]]));
    let (low, high) = all
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
    let scale = Scale {
        low,
        high: if high > low { high } else { low + 1.0 },
    };
    let mut shapes = Vec::new();
    frame(&scale, width, labels, group, &mut shapes);
    for (i, label) in labels.iter().enumerate() {
        for (j, s) in series.iter().enumerate() {
            let Some(Some(v)) = s.values.get(i) else {
                continue;
            };
            if v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let x = r(LEFT + group * i as f64 + 8.0 + per * j as f64);
            let mid = r(x + per / 2.0 - 1.0);
            shapes.push(Shape::Line {
                x1: mid,
                y1: scale.y(v[4]),
                x2: mid,
                y2: scale.y(v[0]),
                class: "whisker",
            });
            let (top, bottom) = (scale.y(v[3]), scale.y(v[1]));
            shapes.push(Shape::Rect {
                x,
                y: top,
                w: per - 2.0,
                h: r((bottom - top).max(1.0)),
                class: s.key,
                title: format!(
                    "{label} {}: min {:.2}, q1 {:.2}, median {:.2}, q3 {:.2}, max {:.2}",
                    s.name, v[0], v[1], v[2], v[3], v[4]
                ),
            });
            let y = scale.y(v[2]);
            shapes.push(Shape::Line {
                x1: x,
                y1: y,
                x2: r(x + per - 2.0),
                y2: y,
                class: "median",
            });
        }
    }
    Svg {
        width: r(width),
        height: HEIGHT,
        shapes,
    }
}
