using System.Collections.Immutable;
using ScottPlot;

namespace CarTRisk.Plotting;

/// <summary>The house style every CarTRisk figure follows (docs/figures.md): a sans-serif font, no chart box, a light
/// grid over the data area only, the Okabe-Ito colour-blind-safe palette, legends without a box or shadow, text sized
/// in points and scaled with the DPI, percentages on risk axes.</summary>
public static class HouseStyle
{
    /// <summary>The Okabe-Ito palette (Okabe and Ito 2008, "Color Universal Design") in the order groups take it:
    /// blue, vermillion, bluish green, reddish purple, orange, sky blue, black, yellow. Beyond eight groups the colours
    /// repeat with a dashed, then dotted line.</summary>
    public static ImmutableArray<string> Palette { get; } =
        ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];

    /// <summary>The font families tried in order; the first installed one is used (Liberation Sans and DejaVu Sans ship
    /// with Debian's chromium and fontconfig; SVG output names the chosen family).</summary>
    public static ImmutableArray<string> FontFamilies { get; } =
        ["Liberation Sans", "Arial", "Helvetica", "DejaVu Sans", "Noto Sans", "Bitstream Vera Sans"];

    /// <summary>Text sizes in points: axis titles and legend 11, tick labels and the risk table 10, the title 13,
    /// annotations 10.</summary>
    public static double BasePoints => 11;

    private static readonly Lazy<string> Font = new(() =>
    {
        foreach (string name in FontFamilies)
        {
            var face = Fonts.GetTypeface(name, false, false);
            if (face is not null && string.Equals(face.FamilyName, name, StringComparison.OrdinalIgnoreCase))
            {
                return name;
            }
        }

        return Fonts.Sans;
    });

    /// <summary>The font family the figures use on this machine (the first of <see cref="FontFamilies"/> installed).</summary>
    public static string FontFamily => Font.Value;

    internal static Color Color(int group) => ScottPlot.Color.FromHex(Palette[group % Palette.Length]);

    internal static LinePattern Pattern(int group) => (group / Palette.Length) switch
    {
        0 => LinePattern.Solid,
        1 => LinePattern.Dashed,
        _ => LinePattern.Dotted,
    };

    internal static readonly Color Text = ScottPlot.Color.FromHex("#222222");

    internal static readonly Color Muted = ScottPlot.Color.FromHex("#595959");

    internal static readonly Color Grid = ScottPlot.Color.FromHex("#EBEBEB");
}
