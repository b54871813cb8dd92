using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>Weighted Kaplan-Meier and Aalen-Johansen with infinitesimal-jackknife standard errors against
/// Golden/Round3/Adjusted/curves.expected.json (survfit with weights, id and robust = TRUE): closed forms at 1e-10.</summary>
public sealed class WeightedCurveGoldenTests
{
    public static TheoryData<string> Curves() =>
        [.. AdjustedData.Expected("curves")["curves"]!.AsArray().Select(m => (string)m!["name"]!)];

    private static (double[] Time, int[] Cause, double[] Weights, System.Text.Json.Nodes.JsonNode Curve) Data(string name)
    {
        var c = AdjustedData.Expected("curves")["curves"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        string csv = (string)c["csv"]!;
        var time = AdjustedData.Num(csv, (string)c["time"]!);
        var cause = AdjustedData.Num(csv, (string)c["cause"]!).Select(v => (int)v).ToArray();
        var w = AdjustedData.Num(csv, (string)c["weights"]!);
        var keep = Enumerable.Range(0, time.Length).ToArray();
        if (c["subset"] is { } s)
        {
            var col = AdjustedData.Frame(csv)[(string)s["column"]!];
            keep = [.. keep.Where(i => col[i] == (string)s["value"]!)];
        }

        Assert.Equal((int)c["n"]!, keep.Length);
        return ([.. keep.Select(i => time[i])], [.. keep.Select(i => cause[i])], [.. keep.Select(i => w[i])], c);
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void WeightedKaplanMeier_EqualsSurvfitRobust(string name)
    {
        var (time, cause, w, c) = Data(name);
        var km = KaplanMeier.Estimate(time, cause.Select(x => x > 0).ToArray(), KaplanMeierOptions.Default with { Weights = w });
        var e = c["km"]!;
        AdjustedData.Close(e["time_points"], km.Time, 0, "time");
        AdjustedData.Close(e["surv"], km.Survival, 1e-10, "surv");
        AdjustedData.Close(e["std_err"], km.StdErr, 1e-10, "se");
        AdjustedData.Close(e["lower"], km.Lower, 1e-10, "lower");
        AdjustedData.Close(e["upper"], km.Upper, 1e-10, "upper");
        var at = e["at_times"]!;
        var times = Golden.Array(at["time"]);
        for (int i = 0; i < times.Length; i++)
        {
            var p = km.At(times[i]);
            NumericAssert.Close(Golden.D(at["surv"]![i]), p.Survival, 1e-10, 0, $"surv({times[i]})");
            NumericAssert.Close(Golden.D(at["std_err"]![i]), p.StdErr, 1e-10, 0, $"se({times[i]})");
            NumericAssert.Close(Golden.D(at["lower"]![i]), p.Lower, 1e-10, 0, $"lower({times[i]})");
            NumericAssert.Close(Golden.D(at["upper"]![i]), p.Upper, 1e-10, 0, $"upper({times[i]})");
        }

        // the counts stay unweighted
        Assert.Equal(time.Length, km.AtRisk[0]);
    }

    [Theory]
    [MemberData(nameof(Curves))]
    public void WeightedAalenJohansen_EqualsSurvfitRobust(string name)
    {
        var (time, cause, w, c) = Data(name);
        var cif = CumulativeIncidence.Estimate(time, cause, 1, CumulativeIncidenceOptions.Default with { Weights = w });
        var e = c["cif"]!;
        AdjustedData.Close(e["time_points"], cif.Time, 0, "time");
        AdjustedData.Close(e["pstate"]!["s0"], cif.EventFree, 1e-10, "s0");
        AdjustedData.Close(e["pstate"]!["cause1"], cif.EstimateByCause[0], 1e-10, "cause1");
        AdjustedData.Close(e["pstate"]!["cause2"], cif.EstimateByCause[1], 1e-10, "cause2");
        AdjustedData.Close(e["std_err"]!["s0"], cif.JackknifeStdErr[0], 1e-10, "se s0");
        AdjustedData.Close(e["std_err"]!["cause1"], cif.JackknifeStdErr[1], 1e-10, "se cause1");
        AdjustedData.Close(e["std_err"]!["cause2"], cif.JackknifeStdErr[2], 1e-10, "se cause2");
        AdjustedData.Close(e["std_err"]!["cause1"], cif.Variance.Select(Math.Sqrt).ToArray(), 1e-10, "variance");
        var at = e["at_times"]!;
        var times = Golden.Array(at["time"]);
        for (int i = 0; i < times.Length; i++)
        {
            int row = Array.FindLastIndex(cif.Time.ToArray(), t => t <= times[i]);
            NumericAssert.Close(Golden.D(at["pstate"]!["cause1"]![i]), cif.EstimateByCause[0][row], 1e-10, 0, $"F1({times[i]})");
            NumericAssert.Close(Golden.D(at["std_err"]!["cause1"]![i]), cif.JackknifeStdErr[1][row], 1e-10, 0, $"se1({times[i]})");
            NumericAssert.Close(Golden.D(at["std_err"]!["cause2"]![i]), cif.JackknifeStdErr[2][row], 1e-10, 0, $"se2({times[i]})");
        }
    }
}
