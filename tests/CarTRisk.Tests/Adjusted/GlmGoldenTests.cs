using System.Text.Json.Nodes;
using CarTRisk.Tests.Support;

namespace CarTRisk.Tests.Adjusted;

/// <summary>glm golden values (Golden/Round3/Adjusted/glm.expected.json: glm with epsilon = 1e-14): fits at 1e-8.</summary>
public sealed class GlmGoldenTests
{
    public static TheoryData<string> Models() =>
        [.. AdjustedData.Expected("glm")["models"]!.AsArray().Select(m => (string)m!["name"]!)];

    private static JsonNode Model(string name) =>
        AdjustedData.Expected("glm")["models"]!.AsArray().First(x => (string)x!["name"]! == name)!;

    [Theory]
    [MemberData(nameof(Models))]
    public void Fit_EqualsGlm(string name)
    {
        var m = Model(name);
        string csv = (string)m["csv"]!;
        var x = AdjustedData.Design(csv, m["covariates"]!);
        var options = GlmOptions.Default with
        {
            Weights = m["weights"] is { } w ? AdjustedData.Num(csv, (string)w!) : null,
            Offset = m["offset"] is { } o ? AdjustedData.Num(csv, (string)o!) : null,
        };
        var family = (string)m["family"]! == "binomial" ? GlmFamily.Binomial : GlmFamily.Poisson;
        var fit = Glm.Fit(x, AdjustedData.Num(csv, (string)m["response"]!), family, options);
        Assert.Equal(m["terms"]!.AsArray().Select(t => (string)t!).ToArray(), fit.Terms.ToArray());
        Assert.True(fit.Converged, fit.ConvergenceNote);
        Assert.Equal((bool)m["possibly_separated"]!, fit.PossiblySeparated);
        const double tol = 1e-8;
        AdjustedData.Close(m["coef"], fit.Coefficients, tol, "coef");
        AdjustedData.Close(m["se"], fit.StdErr, tol, "se");
        AdjustedData.Close(m["z"], fit.Z, tol, "z");
        AdjustedData.Close(m["lower"], fit.Lower, tol, "lower");
        AdjustedData.Close(m["upper"], fit.Upper, tol, "upper");
        for (int j = 0; j < fit.PValue.Length; j++)
        {
            NumericAssert.Close(Golden.D(m["p"]![j]), fit.PValue[j], tol * Math.Max(1, fit.Z[j] * fit.Z[j]), 0, $"p[{j}]");
        }

        AdjustedData.Matrix(m["var"], fit.Variance, tol, "var");
        NumericAssert.Close(Golden.D(m["deviance"]), fit.Deviance, tol, 0, "deviance");
        NumericAssert.Close(Golden.D(m["null_deviance"]), fit.NullDeviance, 1e-10, 0, "null deviance");
        Assert.Equal((int)m["df_residual"]!, fit.DfResidual);
        Assert.Equal((int)m["df_null"]!, fit.DfNull);
        AdjustedData.Close(m["fitted"], fit.FittedValues, tol, "fitted");
        if ((bool)m["check_aic"]!)
        {
            NumericAssert.Close(Golden.D(m["aic"]), fit.Aic, tol, 0, "aic");
            NumericAssert.Close(Golden.D(m["loglik"]), fit.LogLikelihood, tol, 0, "loglik");
        }
    }
}

/// <summary>Hostile inputs to the round-3 estimators: a defined value or a clear exception, never a hang.</summary>
public sealed class AdjustedHostileInputTests
{
    [Fact]
    public void Glm_WeightScale_DoesNotChangeTheFit()
    {
        var x = DesignMatrix.Build(Covariate.Numeric("x", [1, 2, 3, 4, 5, 6, 7, 8]));
        double[] y = [0, 1, 0, 0, 1, 1, 0, 1];
        var unit = Glm.Fit(x, y, GlmFamily.Binomial);
        foreach (double c in new[] { 1e-300, 1e-50, 1e50 })
        {
            var scaled = Glm.Fit(x, y, GlmFamily.Binomial, GlmOptions.Default with { Weights = [.. Enumerable.Repeat(c, 8)] });
            Assert.True(scaled.Converged, scaled.ConvergenceNote);
            Assert.Equal(unit.Coefficients[1], scaled.Coefficients[1], 1e-9);
        }
    }

    [Fact]
    public void Matching_RatioAboveTheControls_IsRefused() =>
        Assert.Throws<ArgumentException>(() => Matching.Nearest([0.1, 0.2, 0.3], [true, false, false], MatchingOptions.Default with { Ratio = 1_000_000_000, Replace = true }));
}
