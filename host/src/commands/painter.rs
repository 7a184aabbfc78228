//! The painter's flags, for the commands that draw (`render`).

use ghostlines_core::{Background, Colouring, LineShape, PainterSettings, Rgba};

/// How the ghost lines are drawn, with core's defaults (the sketch's
/// picture).
#[derive(clap::Args, Debug, Clone)]
pub struct PainterArgs {
    /// Stroke colour and alpha, #rrggbb or #rrggbbaa.
    #[arg(long, default_value_t = PainterSettings::default().colour)]
    colour: Rgba,
    /// Stroke width in pixels, in (0, 64]; sub-pixel widths draw fainter
    /// lines.
    #[arg(long, default_value_t = PainterSettings::default().width)]
    stroke_width: f64,
    /// Vectors are drawn this many times their displacement.
    #[arg(long, default_value_t = PainterSettings::default().scale, allow_hyphen_values = true)]
    scale: f64,
    /// What the strokes are drawn over: black, the frame, or the tracker's
    /// filtered grey frame.
    #[arg(long, value_parser = super::named(Background::ALL, |b| b.name(), Background::from_name),
          default_value_t = PainterSettings::default().background)]
    background: Background,
    /// The background's brightness factor, 0..=1.
    #[arg(long, default_value_t = PainterSettings::default().dim)]
    dim: f64,
    /// Trails: each frame starts from the previous picture faded by this
    /// factor towards the new background, 0..=1 (0: none).
    #[arg(long, default_value_t = PainterSettings::default().persistence)]
    persistence: f64,
    /// Stroke colours: solid, a hue wheel by direction, or a hue by speed.
    #[arg(long, value_parser = super::named(Colouring::all(), |c| c.name(), Colouring::from_name),
          default_value_t = PainterSettings::default().colouring)]
    colouring: Colouring,
    /// With --colouring speed: the displacement drawn red, pixels.
    #[arg(long, default_value_t = Colouring::SPEED_MAX)]
    speed_max: f64,
    /// What a vector is drawn as: a straight stroke along its displacement
    /// over the interval, or (flow modes) the path its point took.
    #[arg(long, value_parser = super::named(LineShape::ALL, |s| s.name(), LineShape::from_name),
          default_value_t = PainterSettings::default().shape)]
    shape: LineShape,
}

impl PainterArgs {
    /// The settings the flags make (core checks their ranges).
    pub fn settings(&self) -> PainterSettings {
        PainterSettings {
            colour: self.colour,
            width: self.stroke_width,
            scale: self.scale,
            background: self.background,
            dim: self.dim,
            persistence: self.persistence,
            colouring: match self.colouring {
                Colouring::Speed { .. } => Colouring::Speed {
                    max: self.speed_max,
                },
                other => other,
            },
            shape: self.shape,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        painter: PainterArgs,
    }

    #[test]
    fn no_flags_are_cores_defaults_and_flags_set_their_fields() {
        let parse = |args: &[&str]| {
            let args = std::iter::once("ghostlines").chain(args.iter().copied());
            Flags::parse_from(args).painter.settings()
        };
        assert_eq!(parse(&[]), PainterSettings::default());
        let set = parse(&[
            "--colour",
            "#00ff0080",
            "--background",
            "frame",
            "--colouring",
            "speed",
            "--speed-max",
            "4",
            "--persistence",
            "0.5",
        ]);
        assert_eq!(
            set.colour,
            Rgba {
                r: 0,
                g: 255,
                b: 0,
                a: 128
            }
        );
        assert_eq!(set.background, Background::Frame);
        assert_eq!(set.colouring, Colouring::Speed { max: 4.0 });
        assert_eq!(set.persistence, 0.5);
        assert!(Flags::try_parse_from(["ghostlines", "--colour", "red"]).is_err());
        assert!(Flags::try_parse_from(["ghostlines", "--background", "white"]).is_err());
    }
}
