using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>Properties of the standardized risks that hold for every estimator: which treatment level is the reference
/// is a labelling choice, so renaming the levels (the reference becomes the compared level) leaves each level's risk and
/// standard error unchanged and turns the difference into its negative, with the same standard error.</summary>
public sealed class AdjustedRiskPropertyTests
{
    [Theory]
    [InlineData(RiskEstimator.GFormula)]
    [InlineData(RiskEstimator.Iptw)]
    [InlineData(RiskEstimator.Aiptw)]
    public void SwappingTheReference_LeavesEachLevelsRisk(RiskEstimator estimator)
    {
        const string csv = "cart_adj.csv";
        var covariates = AdjustedData.Expected("ate")["analyses"]!.AsArray().First()!["covariates"]!;
        var x = AdjustedData.Design(csv, covariates);
        var time = AdjustedData.Num(csv, "time");
        var cause = AdjustedData.Num(csv, "cause").Select(v => (int)v).ToArray();
        var product = AdjustedData.Frame(csv)["product"];
        var renamed = product.Select(p => p == "axi-cel" ? "zz-axi-cel" : p).ToArray();   // now the second level
        double[] times = [365, 1095];
        var options = AdjustedRiskOptions.Default with { Estimator = estimator };
        var a = AdjustedRisk.Estimate(time, cause, 1, product, x, times, options);
        var b = AdjustedRisk.Estimate(time, cause, 1, renamed, x, times, options);
        Assert.Equal(["axi-cel", "tisa-cel"], a.Levels.ToArray());
        Assert.Equal(["tisa-cel", "zz-axi-cel"], b.Levels.ToArray());
        foreach (var r in a.MeanRisk)
        {
            var s = b.MeanRisk.Single(m => m.Time == r.Time && m.Level == (r.Level == "axi-cel" ? "zz-axi-cel" : r.Level));
            NumericAssert.Close(r.Estimate, s.Estimate, 1e-9, 0, $"{estimator} risk {r.Level} {r.Time}");
            NumericAssert.Close(r.StdErr, s.StdErr, 1e-9, 0, $"{estimator} se {r.Level} {r.Time}");
        }

        for (int k = 0; k < times.Length; k++)
        {
            NumericAssert.Close(a.Difference[k].Estimate, -b.Difference[k].Estimate, 1e-9, 0, $"{estimator} difference {times[k]}");
            NumericAssert.Close(a.Difference[k].StdErr, b.Difference[k].StdErr, 1e-9, 0, $"{estimator} difference se {times[k]}");
        }
    }
}
