//! The history of one changed series as an inline SVG, drawn with
//! compare-perf's chart pieces ([`crate::reports::html::svg`]): the values
//! over the builds in order (a dot each, its hover title the build id and
//! value), whiskers of ± one run's standard deviation where a build's
//! noise is known, the means before and after the change as horizontal
//! lines over their segments, the range last good .. first bad shaded and
//! the series' outliers ringed.
//!
//! A long series is drawn around its change: at most [`MAX_BUILDS`]
//! builds, the change two thirds of the way along.

use serde::Serialize;

use crate::detect::runperf::{Change, Class, SeriesInput};
use crate::reports::html::sparkline::compact;
use crate::reports::html::svg::{self, BOTTOM, HEIGHT, Scale, Shape, Svg, TOP, r};

/// Width of a chart (it shrinks to fit a narrow window).
const WIDTH: f64 = 720.0;
/// Room for the value labels left of the plot.
const LEFT: f64 = 64.0;
const RIGHT: f64 = 10.0;
/// Most builds drawn in one chart: about 2.5 pixels per build.
pub const MAX_BUILDS: usize = 240;
/// Closest two labels of the same axis may be, in pixels.
const LABEL_GAP_X: f64 = 56.0;
const LABEL_GAP_Y: f64 = 12.0;

/// One series as the chart needs it, in series order.
pub struct History<'a> {
    /// Build ids.
    pub ids: Vec<&'a str>,
    pub input: &'a SeriesInput,
    /// Positions of the series' reported steps.
    pub steps: Vec<usize>,
    /// Positions of the series' reported outliers.
    pub outliers: Vec<usize>,
}

/// A drawn chart and, when the series was cut to fit, which builds it shows.
#[derive(Debug, Serialize)]
pub struct Chart {
    pub svg: Svg,
    pub window: Option<String>,
}

/// The builds drawn: `[lo, hi)` of the series' positions.
fn window(n: usize, first_bad: usize) -> (usize, usize) {
    if n <= MAX_BUILDS {
        return (0, n);
    }
    let lo = first_bad.saturating_sub(MAX_BUILDS * 2 / 3);
    let hi = (lo + MAX_BUILDS).min(n);
    (hi - MAX_BUILDS, hi)
}

/// The standard deviation of one run of each build, where known.
fn spreads(input: &SeriesInput) -> Vec<Option<f64>> {
    input
        .builds
        .iter()
        .map(|b| {
            let sd = b.noise.variances().0.sqrt();
            (sd.is_finite() && sd > 0.0).then_some(sd)
        })
        .collect()
}

/// The segment `[from, to)` around position `at`, bounded by the steps.
fn segment(steps: &[usize], at: usize, n: usize, step_itself: bool) -> (usize, usize) {
    let from = steps
        .iter()
        .copied()
        .filter(|&s| s < at || (!step_itself && s == at))
        .max()
        .unwrap_or(0);
    let to = steps.iter().copied().filter(|&s| s > at).min().unwrap_or(n);
    (from, to)
}

/// The value range shown: every drawn value and whisker and both means,
/// with a margin.
fn scale(values: &[f64], spread: &[Option<f64>], means: [f64; 2]) -> Scale {
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    let ends = values.iter().zip(spread).flat_map(|(&v, s)| {
        let s = s.unwrap_or(0.0);
        [v - s, v + s]
    });
    for v in ends.chain(means).filter(|v| v.is_finite()) {
        low = low.min(v);
        high = high.max(v);
    }
    if !low.is_finite() {
        return Scale {
            low: 0.0,
            high: 1.0,
        };
    }
    let margin = if high > low {
        (high - low) * 0.05
    } else {
        (low.abs() * 0.01).max(1e-9)
    };
    Scale {
        low: low - margin,
        high: high + margin,
    }
}

/// Ticks of the value axis: the range's ends and the two means, leaving
/// out those too close to a tick already placed.
fn ticks(scale: &Scale, means: [f64; 2]) -> Vec<(f64, String)> {
    let mut ticks: Vec<(f64, String)> = Vec::new();
    for v in means.into_iter().chain([scale.low, scale.high]) {
        let y = scale.y(v);
        let free = ticks
            .iter()
            .all(|(t, _)| (scale.y(*t) - y).abs() >= LABEL_GAP_Y);
        if v.is_finite() && free {
            ticks.push((v, compact(v)));
        }
    }
    ticks
}

/// The chart of `change` in the series `history`.
pub fn draw(history: &History, change: &Change) -> Chart {
    let builds = &history.input.builds;
    let n = builds.len();
    let (lo, hi) = window(n, change.first_bad);
    let values: Vec<f64> = builds[lo..hi].iter().map(|b| b.value).collect();
    let spread = spreads(history.input);
    let spread = &spread[lo..hi];
    let means = [change.mean_before, change.mean_after];
    let scale = scale(&values, spread, means);
    let step = (WIDTH - LEFT - RIGHT) / (hi - lo) as f64;
    // Left edge of position p's slot, and its centre.
    let edge = |p: usize| r(LEFT + (p.clamp(lo, hi) - lo) as f64 * step);
    let centre = |p: usize| r(LEFT + ((p - lo) as f64 + 0.5) * step);
    let (plot_top, plot_bottom) = (TOP, HEIGHT - BOTTOM);

    let mut shapes = svg::y_axis(&scale, &ticks(&scale, means), LEFT, WIDTH - RIGHT);
    // The range in which the change happened.
    let from = change.last_good.filter(|&g| g >= lo).map_or(LEFT, &centre);
    let ids = &history.ids;
    let good_id = change.last_good.map_or("(none)", |g| ids[g]);
    shapes.push(Shape::Rect {
        x: from,
        y: plot_top,
        w: r((centre(change.first_bad) - from).max(2.0)),
        h: plot_bottom - plot_top,
        class: "range",
        title: format!(
            "the change: after build {good_id} (last good), by build {} (first bad)",
            ids[change.first_bad]
        ),
    });
    // Whiskers of the noise within builds.
    for (i, (v, s)) in values.iter().zip(spread).enumerate() {
        if let Some(s) = s {
            let x = centre(lo + i);
            shapes.push(Shape::Line {
                x1: x,
                y1: scale.y(v + s),
                x2: x,
                y2: scale.y(v - s),
                class: "noise",
            });
        }
    }
    // The means over their segments.
    let step_itself = change.class == Class::Step;
    let (before_from, _) = segment(&history.steps, change.index, n, step_itself);
    let before_to = if step_itself {
        change.index
    } else {
        segment(&history.steps, change.index, n, false).1
    };
    let mut mean_line = |from: usize, to: usize, value: f64, class| {
        if value.is_finite() && to > lo && from < hi {
            let y = scale.y(value);
            shapes.push(Shape::Line {
                x1: edge(from),
                y1: y,
                x2: edge(to),
                y2: y,
                class,
            });
        }
    };
    mean_line(before_from, before_to, change.mean_before, "before");
    if step_itself {
        let (_, after_to) = segment(&history.steps, change.index, n, false);
        mean_line(
            change.index,
            after_to,
            change.mean_after,
            change.direction.as_str(),
        );
    }
    // The values.
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| format!("{},{}", centre(lo + i), scale.y(v)))
        .collect();
    shapes.push(Shape::Polyline {
        points: points.join(" "),
        class: "trace",
    });
    for (i, (&v, s)) in values.iter().zip(spread).enumerate() {
        let p = lo + i;
        let outlier = history.outliers.contains(&p);
        let mut title = format!("build {}: {}", ids[p], compact(v));
        if let Some(s) = s {
            title.push_str(&format!(" ± {} (one run)", compact(*s)));
        }
        if outlier {
            title.push_str(", an outlier");
        }
        if Some(p) == change.last_good {
            title.push_str(", last good");
        }
        if p == change.first_bad {
            title.push_str(", first bad");
        }
        shapes.push(Shape::Circle {
            cx: centre(p),
            cy: scale.y(v),
            r: if outlier { 4.0 } else { 2.2 },
            class: if outlier { "outlier" } else { "value" },
            title,
        });
    }
    // Build labels: the first bad, the last good, the first and the last.
    let mut placed: Vec<f64> = Vec::new();
    let labelled = [
        Some(change.first_bad),
        change.last_good,
        Some(lo),
        Some(hi - 1),
    ];
    for p in labelled
        .into_iter()
        .flatten()
        .filter(|p| (lo..hi).contains(p))
    {
        let x = centre(p);
        if placed.iter().all(|q| (q - x).abs() >= LABEL_GAP_X) {
            placed.push(x);
            shapes.push(Shape::Text {
                x,
                y: HEIGHT - 8.0,
                text: ids[p].chars().take(12).collect(),
                // Labels at the ends stay inside the drawing.
                anchor: if x > WIDTH - RIGHT - LABEL_GAP_X {
                    "end"
                } else if x < LEFT + LABEL_GAP_X / 2.0 {
                    "start"
                } else {
                    "middle"
                },
            });
        }
    }
    Chart {
        svg: Svg {
            width: WIDTH,
            height: HEIGHT,
            shapes,
        },
        window: (hi - lo < n).then(|| format!("builds {} to {} of {n} shown", lo + 1, hi)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::direction::{Better, Direction};
    use crate::detect::report::test_step;
    use crate::detect::runperf::{Build, Noise};

    fn step_at(index: usize) -> Change {
        test_step(index, Direction::Regression)
    }

    fn input(n: usize, noise: bool) -> SeriesInput {
        SeriesInput {
            builds: (0..n)
                .map(|i| Build {
                    value: if i < n / 2 { 100.0 } else { 90.0 },
                    noise: if noise {
                        Noise::Stddev {
                            stddev: 2.0,
                            runs: 1,
                        }
                    } else {
                        Noise::Unknown
                    },
                })
                .collect(),
            better: Better::Higher,
        }
    }

    fn count(svg: &Svg, class: &str) -> usize {
        svg.shapes
            .iter()
            .filter(|s| match s {
                Shape::Rect { class: c, .. }
                | Shape::Line { class: c, .. }
                | Shape::Circle { class: c, .. }
                | Shape::Polyline { class: c, .. } => *c == class,
                Shape::Text { .. } => false,
            })
            .count()
    }

    #[test]
    fn a_step_has_its_means_range_dots_and_whiskers() {
        let input = input(10, true);
        let ids: Vec<String> = (1..=10).map(|i| format!("b{i}")).collect();
        let history = History {
            ids: ids.iter().map(String::as_str).collect(),
            input: &input,
            steps: vec![5],
            outliers: vec![8],
        };
        let chart = draw(&history, &step_at(5));
        let svg = &chart.svg;
        assert!(chart.window.is_none());
        assert_eq!(count(svg, "value"), 9);
        assert_eq!(count(svg, "outlier"), 1);
        assert_eq!(count(svg, "noise"), 10);
        assert_eq!(count(svg, "before"), 1);
        assert_eq!(count(svg, "regression"), 1);
        assert_eq!(count(svg, "range"), 1);
        let titles: Vec<&str> = svg
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Circle { title, .. } => Some(title.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(titles[4], "build b5: 100.0 ± 2.000 (one run), last good");
        assert_eq!(titles[5], "build b6: 90.0 ± 2.000 (one run), first bad");
        // Higher values are drawn higher, inside the plot area.
        let ys: Vec<f64> = svg
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Circle { cy, .. } => Some(*cy),
                _ => None,
            })
            .collect();
        assert!(ys[0] < ys[9]);
        assert!(ys.iter().all(|&y| (TOP..=HEIGHT - BOTTOM).contains(&y)));
    }

    #[test]
    fn a_long_series_is_cut_around_its_change() {
        let input = input(1000, false);
        let ids: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
        let history = History {
            ids: ids.iter().map(String::as_str).collect(),
            input: &input,
            steps: vec![500],
            outliers: Vec::new(),
        };
        let chart = draw(&history, &step_at(500));
        assert_eq!(count(&chart.svg, "value"), MAX_BUILDS);
        assert_eq!(count(&chart.svg, "noise"), 0);
        assert_eq!(
            chart.window.as_deref(),
            Some("builds 341 to 580 of 1000 shown")
        );
        let end = draw(&history, &step_at(998));
        assert_eq!(
            end.window.as_deref(),
            Some("builds 761 to 1000 of 1000 shown")
        );
    }
}
