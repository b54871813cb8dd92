using System.Globalization;
using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>The data frames of Golden/Round3/Adjusted (copied from shared/reference/round3/adjusted; R 4.2.2, survival
/// 3.5-3, riskRegression 2022.11.28, MatchIt 4.5.1; its README names the R call behind every field).</summary>
internal static class AdjustedData
{
    private static readonly Dictionary<string, Dictionary<string, string[]>> Frames = [];

    public static JsonNode Expected(string kind) => Golden.Json($"Round3/Adjusted/{kind}.expected.json");

    public static Dictionary<string, string[]> Frame(string csv)
    {
        lock (Frames)
        {
            if (!Frames.TryGetValue(csv, out var frame))
            {
                var lines = File.ReadAllLines(Golden.PathOf("Round3/Adjusted/" + csv));
                var head = lines[0].Split(',');
                var rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
                frame = head.Select((h, c) => (h, rows.Select(r => r[c]).ToArray())).ToDictionary(x => x.h, x => x.Item2);
                Frames[csv] = frame;
            }

            return frame;
        }
    }

    public static double[] Num(string csv, string column) =>
        Frame(csv)[column].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    public static DesignMatrix Design(string csv, JsonNode covariates) =>
        DesignMatrix.Build(covariates.AsArray().Select(c =>
        {
            string name = (string)c!["name"]!;
            return (string)c["type"]! == "numeric"
                ? Covariate.Numeric(name, Num(csv, name))
                : Covariate.Categorical(name, Frame(csv)[name], (string?)c["reference"]);
        }).ToArray());

    public static void Close(JsonNode? expected, IReadOnlyList<double> actual, double rel, string what)
    {
        var e = Golden.Array(expected);
        Assert.Equal(e.Length, actual.Count);
        for (int i = 0; i < e.Length; i++)
        {
            NumericAssert.Close(e[i], actual[i], rel, 0, $"{what}[{i}]");
        }
    }

    /// <summary>A p × p matrix within rel·(|v| + sqrt(v_ii v_jj)) element by element.</summary>
    public static void Matrix(JsonNode? expected, IReadOnlyList<double> actual, double rel, string what)
    {
        var e = Golden.Array(expected);
        int p = (int)Math.Round(Math.Sqrt(e.Length));
        Assert.Equal(e.Length, actual.Count);
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < p; j++)
            {
                double ev = e[(i * p) + j];
                double scale = Math.Abs(ev) + Math.Sqrt(e[(i * p) + i] * e[(j * p) + j]);
                Assert.True(Math.Abs(ev - actual[(i * p) + j]) <= rel * scale, $"{what}[{i},{j}]: R {ev:R}, CarTRisk {actual[(i * p) + j]:R}");
            }
        }
    }
}
