using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>Standardized risks against Golden/Round3/Adjusted/ate.expected.json (riskRegression 2022.11.28 ate with
/// se = TRUE): closed forms given the Cox fits, compared at 1e-8 (the fits' tolerance).</summary>
public sealed class AdjustedRiskGoldenTests
{
    public static TheoryData<string> Analyses() =>
        [.. AdjustedData.Expected("ate")["analyses"]!.AsArray().Select(a => (string)a!["name"]!)];

    [Theory]
    [MemberData(nameof(Analyses))]
    public void Estimate_EqualsAte(string name)
    {
        var a = AdjustedData.Expected("ate")["analyses"]!.AsArray().First(x => (string)x!["name"]! == name)!;
        string csv = (string)a["csv"]!;
        var x = AdjustedData.Design(csv, a["covariates"]!);
        var result = AdjustedRisk.Estimate(AdjustedData.Num(csv, (string)a["time"]!), AdjustedData.Num(csv, (string)a["cause"]!).Select(v => (int)v).ToArray(),
            (int)a["event_of_interest"]!, AdjustedData.Frame(csv)[(string)a["treatment"]!], x, Golden.Array(a["times"]),
            AdjustedRiskOptions.Default with
            {
                Estimator = (string)a["estimator"]! switch { "IPTW" => RiskEstimator.Iptw, "AIPTW" => RiskEstimator.Aiptw, _ => RiskEstimator.GFormula },
            });
        Assert.True(result.Converged, result.ConvergenceNote);
        const double tol = 1e-8;
        var m = a["mean"]!;
        Assert.Equal(m["level"]!.AsArray().Select(v => (string)v!).ToArray(), result.MeanRisk.Select(r => r.Level).ToArray());
        AdjustedData.Close(m["time"], result.MeanRisk.Select(r => r.Time).ToArray(), 0, "time");
        AdjustedData.Close(m["estimate"], result.MeanRisk.Select(r => r.Estimate).ToArray(), tol, "mean");
        AdjustedData.Close(m["se"], result.MeanRisk.Select(r => r.StdErr).ToArray(), tol, "mean se");
        AdjustedData.Close(m["lower"], result.MeanRisk.Select(r => r.Lower).ToArray(), tol, "mean lower");
        AdjustedData.Close(m["upper"], result.MeanRisk.Select(r => r.Upper).ToArray(), tol, "mean upper");
        foreach (var (field, rows) in new[] { ("diff", result.Difference), ("ratio", result.Ratio) })
        {
            var e = a[field]!;
            Assert.Equal(e["a"]!.AsArray().Select(v => (string)v!).ToArray(), rows.Select(r => r.LevelA).ToArray());
            Assert.Equal(e["b"]!.AsArray().Select(v => (string)v!).ToArray(), rows.Select(r => r.LevelB).ToArray());
            AdjustedData.Close(e["estimate"], rows.Select(r => r.Estimate).ToArray(), tol, field);
            AdjustedData.Close(e["se"], rows.Select(r => r.StdErr).ToArray(), tol, field + " se");
            AdjustedData.Close(e["lower"], rows.Select(r => r.Lower).ToArray(), tol, field + " lower");
            AdjustedData.Close(e["upper"], rows.Select(r => r.Upper).ToArray(), tol, field + " upper");
            AdjustedData.Close(e["p"], rows.Select(r => r.PValue).ToArray(), 1e-6, field + " p");
        }
    }
}
