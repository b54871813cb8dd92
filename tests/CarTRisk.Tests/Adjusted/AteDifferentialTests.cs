using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>16 random cohorts (Golden/Round3/AteDiff/generate.R, riskRegression 2022.11.28): AdjustedRisk's g-formula,
/// IPTW and AIPTW estimates and standard errors, means, differences and ratios, at 1e-8.</summary>
public sealed class AteDifferentialTests
{
    public static TheoryData<int> Indices() => [.. Enumerable.Range(0, 16)];

    [Theory]
    [MemberData(nameof(Indices))]
    public void Estimate_EqualsAte(int index)
    {
        var c = Golden.Json("Round3/AteDiff/ate_diff.json")["cases"]![index]!;
        var time = Golden.Array(c["time"]);
        var cause = Golden.Array(c["cause"]).Select(v => (int)v).ToArray();
        var trt = c["trt"]!.AsArray().Select(v => (string)v!).ToArray();
        var x = DesignMatrix.Build(Covariate.Numeric("x1", Golden.Array(c["x1"])), Covariate.Categorical("g", c["g"]!.AsArray().Select(v => (string?)v).ToArray()));
        var times = Golden.Array(c["times"]);
        foreach (var (field, estimator) in new[] { ("gformula", RiskEstimator.GFormula), ("iptw", RiskEstimator.Iptw), ("aiptw", RiskEstimator.Aiptw) })
        {
            if (c[field] is not JsonObject e)
            {
                continue;
            }

            var r = AdjustedRisk.Estimate(time, cause, 1, trt, x, times, AdjustedRiskOptions.Default with { Estimator = estimator });
            void Check(string part, IReadOnlyList<double> est, IReadOnlyList<double> se)
            {
                AdjustedData.Close(e[part]!["estimate"], est, 1e-8, $"case {index} {field} {part}");
                AdjustedData.Close(e[part]!["se"], se, 1e-8, $"case {index} {field} {part} se");
            }

            // ate lists the mean risks by time within treatment
            Check("mean", [.. r.MeanRisk.Select(m => m.Estimate)], [.. r.MeanRisk.Select(m => m.StdErr)]);
            Check("diff", [.. r.Difference.Select(m => m.Estimate)], [.. r.Difference.Select(m => m.StdErr)]);
            Check("ratio", [.. r.Ratio.Select(m => m.Estimate)], [.. r.Ratio.Select(m => m.StdErr)]);
        }
    }
}
