//! A log-log line chart as SVG, for BENCHMARKS.md: generation time against spec size.
//!
//! Written out by hand: the chart is a few lines and dots, and a plotting crate would bring font
//! handling and a larger dependency tree into the workspace for it.

use std::fmt::Write as _;

/// One line of the chart: a name and its points (x, y), both positive.
pub struct Series {
    pub name: String,
    pub color: &'static str,
    pub points: Vec<(f64, f64)>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 400.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

/// The chart as an SVG document. Axes are logarithmic and span whole decades around the data.
pub fn svg(title: &str, x_label: &str, y_label: &str, series: &[Series]) -> String {
    let points = series.iter().flat_map(|line| line.points.iter().copied());
    let positive: Vec<(f64, f64)> = points.filter(|(x, y)| *x > 0.0 && *y > 0.0).collect();
    let decades = |values: &mut dyn Iterator<Item = f64>| {
        let (low, high) = values.fold((f64::MAX, f64::MIN), |(low, high), value| {
            (low.min(value.log10()), high.max(value.log10()))
        });
        if low > high {
            (0, 1)
        } else {
            (
                low.floor() as i32,
                (high.ceil() as i32).max(low.floor() as i32 + 1),
            )
        }
    };
    let (x_low, x_high) = decades(&mut positive.iter().map(|point| point.0));
    let (y_low, y_high) = decades(&mut positive.iter().map(|point| point.1));
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let to_x =
        |x: f64| LEFT + (x.log10() - f64::from(x_low)) / f64::from(x_high - x_low) * plot_width;
    let to_y = |y: f64| {
        TOP + plot_height - (y.log10() - f64::from(y_low)) / f64::from(y_high - y_low) * plot_height
    };

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14">{}</text>"#,
        LEFT + plot_width / 2.0,
        escape(title)
    );
    for decade in x_low..=x_high {
        let x = to_x(10f64.powi(decade));
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            TOP + plot_height,
            TOP + plot_height + 18.0,
            axis_value(decade)
        );
    }
    for decade in y_low..=y_high {
        let y = to_y(10f64.powi(decade));
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + plot_width,
            LEFT - 6.0,
            y + 4.0,
            axis_value(decade)
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        LEFT + plot_width / 2.0,
        HEIGHT - 12.0,
        escape(x_label)
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        TOP + plot_height / 2.0,
        escape(y_label)
    );
    for (index, line) in series.iter().enumerate() {
        let shown: Vec<(f64, f64)> = line
            .points
            .iter()
            .copied()
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
            .map(|(x, y)| (to_x(x), to_y(y)))
            .collect();
        let path: Vec<String> = shown
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            path.join(" "),
            line.color
        );
        for (x, y) in &shown {
            let _ = writeln!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{}"/>"#,
                line.color
            );
        }
        let legend_y = TOP + 10.0 + 20.0 * index as f64;
        let legend_x = LEFT + plot_width + 14.0;
        let _ = writeln!(
            out,
            r#"<line x1="{legend_x:.1}" y1="{legend_y:.1}" x2="{:.1}" y2="{legend_y:.1}" stroke="{}" stroke-width="2"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            legend_x + 20.0,
            line.color,
            legend_x + 26.0,
            legend_y + 4.0,
            escape(&line.name)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// `10^decade` written plainly: 0.01, 1, 1000.
fn axis_value(decade: i32) -> String {
    if decade >= 0 {
        format!("{}", 10u64.pow(decade.unsigned_abs()))
    } else {
        format!("{:.*}", decade.unsigned_abs() as usize, 10f64.powi(decade))
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_land_inside_the_plot_on_log_axes() {
        let chart = svg(
            "t",
            "x",
            "y",
            &[Series {
                name: "a & b".into(),
                color: "#1f77b4",
                points: vec![(1.0, 0.01), (10.0, 0.1), (1000.0, 10.0)],
            }],
        );
        assert!(chart.starts_with("<svg"));
        assert!(chart.contains("a &amp; b"));
        // x spans 10^0..10^3 and y 10^-2..10^1: the first point is the plot's lower left corner.
        assert!(chart.contains(&format!(r#"cx="{LEFT:.1}" cy="{:.1}""#, HEIGHT - BOTTOM)));
        assert!(chart.contains(&format!(r#"cx="{:.1}" cy="{TOP:.1}""#, WIDTH - RIGHT)));
        assert_eq!(chart.matches("<circle").count(), 3);
    }

    #[test]
    fn axis_values_are_plain_numbers() {
        assert_eq!(axis_value(-2), "0.01");
        assert_eq!(axis_value(0), "1");
        assert_eq!(axis_value(3), "1000");
    }
}
