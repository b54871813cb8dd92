using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>Propensity scores, weights and balance against Golden/Round3/Adjusted/weights.expected.json (glm, the
/// weight formulas, cobalt-style balance): fits at 1e-8, closed forms at 1e-10.</summary>
public sealed class WeightingGoldenTests
{
    private static (System.Text.Json.Nodes.JsonNode Set, DesignMatrix X, bool[] Treated) Data()
    {
        var s = AdjustedData.Expected("weights")["sets"]![0]!;
        string csv = (string)s["csv"]!;
        var x = AdjustedData.Design(csv, s["covariates"]!);
        var treated = AdjustedData.Num(csv, (string)s["treated"]!).Select(v => v == 1).ToArray();
        return (s, x, treated);
    }

    [Fact]
    public void PropensityScore_EqualsGlm()
    {
        var (s, x, treated) = Data();
        var ps = PropensityScore.Fit(x, treated);
        Assert.True(ps.Model.Converged, ps.Model.ConvergenceNote);
        Assert.Equal(s["terms"]!.AsArray().Select(t => (string)t!).ToArray(), ps.Model.Terms.ToArray());
        AdjustedData.Close(s["coef"], ps.Model.Coefficients, 1e-8, "coef");
        AdjustedData.Close(s["se"], ps.Model.StdErr, 1e-8, "se");
        AdjustedData.Matrix(s["var"], ps.Model.Variance, 1e-8, "var");
        AdjustedData.Close(s["scores"], ps.Scores, 1e-8, "scores");
        AdjustedData.Close(s["linear_predictor"], ps.LinearPredictor, 1e-8, "lp");
        NumericAssert.Close(Golden.D(s["aic"]), ps.Model.Aic, 1e-8, 0, "aic");
        NumericAssert.Close(Golden.D(s["loglik"]), ps.Model.LogLikelihood, 1e-8, 0, "loglik");
    }

    [Theory]
    [InlineData("ate", Estimand.Ate, false)]
    [InlineData("att", Estimand.Att, false)]
    [InlineData("atc", Estimand.Atc, false)]
    [InlineData("ato", Estimand.Ato, false)]
    [InlineData("ate_stabilized", Estimand.Ate, true)]
    public void Weights_EqualR(string field, Estimand estimand, bool stabilized)
    {
        var (s, _, treated) = Data();
        var scores = Golden.Array(s["scores"]);
        var w = Weighting.Compute(scores, treated, estimand, stabilized);
        AdjustedData.Close(s["weights"]![field], w, 1e-12, field);
    }

    [Fact]
    public void Balance_EqualsR()
    {
        var (s, x, treated) = Data();
        var scores = Golden.Array(s["scores"]);
        foreach (var b in s["balance"]!.AsArray())
        {
            var estimand = Enum.Parse<Estimand>((string)b!["estimand"]!);
            double[] w = b["weights"] is { } wf ? Golden.Array(s["weights"]![(string)wf!]) : [];
            var table = Balance.Compute(x, treated, w, estimand);
            string label = (string)b["label"]!;
            Assert.Equal(b["terms"]!.AsArray().Select(t => (string)t!).ToArray(), table.Rows.Select(r => r.Term).ToArray());
            AdjustedData.Close(b["mean_treated"], table.Rows.Select(r => r.MeanTreated).ToArray(), 1e-10, label + " m1");
            AdjustedData.Close(b["mean_control"], table.Rows.Select(r => r.MeanControl).ToArray(), 1e-10, label + " m0");
            var smd = Golden.Array(b["smd"]);
            for (int j = 0; j < smd.Length; j++)
            {
                // the ATO means agree to rounding (SMD ~1e-16): compare on the scale of the difference of the means
                NumericAssert.Close(smd[j], table.Rows[j].StandardizedMeanDifference, 1e-10, 1e-13, $"{label} smd[{j}]");
            }

            AdjustedData.Close(b["var_ratio"], table.Rows.Select(r => r.VarianceRatio).ToArray(), 1e-10, label + " vr");
            NumericAssert.Close(Golden.D(b["ess_treated"]), table.EffectiveSizeTreated, 1e-10, 0, label + " ess1");
            NumericAssert.Close(Golden.D(b["ess_control"]), table.EffectiveSizeControl, 1e-10, 0, label + " ess0");
        }

        // weights from our own scores give the same table
        var ps = PropensityScore.Fit(x, treated);
        var ate = Balance.Compute(x, treated, Weighting.Compute(ps.Scores.AsSpan(), treated, Estimand.Ate));
        Assert.True(ate.MaxAbsoluteSmd < 0.05);
        _ = scores;
    }

    [Fact]
    public void Weights_RefuseScoresOutsideTheOpenInterval()
    {
        var ex = Assert.Throws<ArgumentException>(() => Weighting.Compute([0.5, 1.0], [true, false], Estimand.Ate));
        Assert.Contains("scores[1]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Weighting.Compute([0.5, 0.4], [true, false], Estimand.Att, stabilized: true));
    }

    [Fact]
    public void BalanceTable_WithholdsSmallLevelCounts()
    {
        // 3 treated of 40 have the level: the unweighted mean 3/20 would reveal 3
        int n = 40;
        var treated = Enumerable.Range(0, n).Select(i => i % 2 == 0).ToArray();
        var level = Enumerable.Range(0, n).Select(i => i is 0 or 2 or 4 ? "b" : i % 3 == 0 ? "b" : "a").ToArray();
        var x = DesignMatrix.Build(Covariate.Categorical("g", level), Covariate.Numeric("age", Enumerable.Range(0, n).Select(i => 50.0 + i).ToArray()));
        var table = Balance.Compute(x, treated);
        string text = table.ToString();
        Assert.Contains("<11", text, StringComparison.Ordinal);
        Assert.DoesNotContain("0.15 ", text, StringComparison.Ordinal);
    }
}
